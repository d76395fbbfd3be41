/*
 * probe-rabbitmq.c - an AMQP login to every address of
 * ijobs.amqp.addresses, as Job makes it: user ijobs.amqp.username,
 * password ijobs.amqp.password, vhost rabbitmq.vhost (bk_job).  Key names
 * are mapped by keys.amqp_* in jobfix.conf.  Logs in and out; declares
 * nothing.
 *
 *   rabbitmq.addresses  the addresses probed; evidence: the job.conf keys
 *   rabbitmq.user, rabbitmq.vhost
 *   rabbitmq.status     ok | down | access_refused | not_allowed |
 *                       unconfigured: the first address that is not ok
 *                       decides (ok: every address let Job in)
 *   rabbitmq.address    that address (or the first one, when all are ok)
 *   rabbitmq.error      what the broker or the network said
 *   rabbitmq.checked    "ADDR=STATUS; ..." for every address
 *   rabbitmq.remedy     what a person should do about a refused login,
 *                       by its cause
 *
 * Told apart (PLATFORM.md): no TCP connection or no AMQP greeting: down
 * (1255001); connection.close 403 ACCESS_REFUSED: wrong user or password;
 * 530 NOT_ALLOWED: no such vhost, or no permission on it.  Each address
 * gets an equal share of the time left; connect, handshake and every RPC
 * are bounded by it.
 */
#include "config.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "probe-svc.h"

struct attempt {
	const char *status; /* static */
	char *error;
};

static void
ms_timeval(int ms, struct timeval *tv)
{
	if (ms < 1)
		ms = 1;
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static void
login(const char *host, int port, const char *vhost, const char *user,
    const char *pass, int ms, struct attempt *a)
{
	amqp_connection_state_t conn;
	amqp_socket_t *sock;
	amqp_rpc_reply_t r;
	struct timeval tv;
	char *why = NULL;
	int64_t end = now_ms() + ms;
	int fd;

	conn = amqp_new_connection();
	if ((sock = amqp_tcp_socket_new(conn)) == NULL) {
		a->status = "down";
		a->error = xstrdup("cannot make a socket");
		goto out;
	}
	if (svc_tcp_connect(host, port, ms, &fd, &why) != 0) {
		a->status = "down";
		a->error = why;
		goto out;
	}
	/* librabbitmq bounds every read and write with poll() and its
	 * timeouts only on a non-blocking socket: on a blocking one, a
	 * broker that accepted the connection and then went silent (frozen,
	 * or a proxy without its backend) holds recv() forever */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	amqp_tcp_socket_set_sockfd(sock, fd); /* the socket owns fd now */
	ms_timeval((int)(end - now_ms()), &tv);
	amqp_set_handshake_timeout(conn, &tv);
	amqp_set_rpc_timeout(conn, &tv);
	r = amqp_login(conn, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user,
	    pass);
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		a->status = "ok";
		a->error = xasprintf("logged in as \"%s\" on vhost \"%s\"",
		    user, vhost);
		amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = r.reply.decoded;
			char *text = xstrndup(m->reply_text.bytes,
			    m->reply_text.len);
			char *safe = redact(text);
			a->status = m->reply_code == 403 ? "access_refused" :
			    m->reply_code == 530 ? "not_allowed" : "down";
			a->error = xasprintf("the broker closed the connection: "
			    "%u %s", m->reply_code, safe);
			free(safe);
			free(text);
		} else {
			a->status = "down";
			a->error = xasprintf("unexpected server exception "
			    "(method 0x%08x)", (unsigned)r.reply.id);
		}
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		/* A broker that does not tell the client why (no
		 * authentication_failure_close) just drops the connection
		 * after a bad login. */
		if (r.library_error == AMQP_STATUS_CONNECTION_CLOSED ||
		    r.library_error == AMQP_STATUS_SOCKET_CLOSED) {
			a->status = "access_refused";
			a->error = xasprintf("the broker closed the connection "
			    "during login (%s): usually a wrong user name or "
			    "password", amqp_error_string2(r.library_error));
		} else if (r.library_error == AMQP_STATUS_TIMEOUT) {
			a->status = "down";
			a->error = xasprintf("%s:%d accepted the TCP connection "
			    "but did not answer the AMQP handshake within %d ms "
			    "(a frozen or overloaded broker, or a proxy without "
			    "its backend)", host, port, ms);
		} else {
			a->status = "down";
			a->error = xasprintf("AMQP handshake failed: %s",
			    amqp_error_string2(r.library_error));
		}
		break;
	default:
		a->status = "down";
		a->error = xstrdup("no answer to the AMQP handshake");
	}
out:
	amqp_destroy_connection(conn);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct buf from = BUF_INIT, checked = BUF_INIT;
	const char *addrs, *user, *pass, *kaddr, *kuser, *kpass, *vhost;
	char *copy = NULL, *p, *tok, *host = NULL, *first = NULL;
	char *bad_addr = NULL, *bad_err = NULL;
	const char *bad_status = NULL;
	size_t n = 0, i = 0;
	int port, ms;

	(void)cause;
	vhost = conf_str(ctx->site->conf, "rabbitmq.vhost");
	addrs = svc_key(ctx, "keys.amqp_addresses", "addresses", &kaddr, &from);
	user = svc_key(ctx, "keys.amqp_username", "user", &kuser, &from);
	pass = svc_key(ctx, "keys.amqp_password", "password", &kpass, &from);
	facts_set(out, "rabbitmq.addresses", addrs ? addrs : "", 0, "%s",
	    from.data);
	facts_set(out, "rabbitmq.vhost", vhost, 0, "setting rabbitmq.vhost");
	if (user != NULL)
		facts_set(out, "rabbitmq.user", user, 0, "job.conf key %s",
		    kuser);
	if (addrs == NULL || *addrs == '\0' || user == NULL || *user == '\0') {
		facts_set(out, "rabbitmq.status", "unconfigured", 0, "%s",
		    from.data);
		svc_set(out, "rabbitmq.error", from.data, "job.conf lacks %s",
		    addrs == NULL || *addrs == '\0' ? kaddr : kuser);
		goto out;
	}
	copy = xstrdup(addrs);
	for (p = copy; *p != '\0'; p++)
		if (*p == ',')
			n++;
	n++;
	for (p = copy; (tok = strsep(&p, ",")) != NULL; i++) {
		struct attempt a = { NULL, NULL };
		char *addr;

		str_trim(tok);
		if (*tok == '\0')
			continue;
		if (first == NULL)
			first = xstrdup(tok);
		if (svc_host_port(tok, 5672, &host, &port) != 0) {
			a.status = "unconfigured";
			a.error = xasprintf("\"%s\" in job.conf key %s is not "
			    "HOST:PORT", tok, kaddr);
		} else {
			ms = (int)((probe_time_left(ctx) - 50) /
			    (long)(n - i > 0 ? n - i : 1));
			login(host, port, vhost, user, pass ? pass : "", ms, &a);
		}
		addr = xstrdup(tok);
		buf_printf(&checked, "%s%s=%s", checked.len ? "; " : "", addr,
		    a.status);
		if (strcmp(a.status, "ok") != 0 && bad_status == NULL) {
			bad_status = a.status;
			bad_addr = addr;
			bad_err = a.error;
		} else {
			free(addr);
			free(a.error);
		}
		free(host);
		host = NULL;
	}
	if (first == NULL) {
		facts_set(out, "rabbitmq.status", "unconfigured", 0, "%s",
		    from.data);
		svc_set(out, "rabbitmq.error", from.data, "job.conf key %s "
		    "lists no address", kaddr);
		goto out;
	}
	facts_set(out, "rabbitmq.checked", checked.data, 0, "AMQP login as "
	    "\"%s\" on vhost \"%s\" at each address of job.conf key %s", user,
	    vhost, kaddr);
	if (bad_status == NULL) {
		facts_set(out, "rabbitmq.status", "ok", 0, "every address of %s "
		    "let \"%s\" in on vhost \"%s\"", kaddr, user, vhost);
		facts_set(out, "rabbitmq.address", first, 0, "the first address "
		    "of job.conf key %s", kaddr);
	} else {
		facts_set(out, "rabbitmq.status", bad_status, 0, "AMQP login "
		    "at %s as \"%s\" on vhost \"%s\"", bad_addr, user, vhost);
		facts_set(out, "rabbitmq.address", bad_addr, 0, "from job.conf "
		    "key %s", kaddr);
		svc_set(out, "rabbitmq.error", from.data, "%s", bad_err);
		if (strcmp(bad_status, "access_refused") == 0)
			svc_set(out, "rabbitmq.remedy", NULL, "The broker "
			    "refused user \"%s\" or its password (job.conf "
			    "keys %s and %s): a wrong password is refused the "
			    "same way as a user that does not exist. Check the "
			    "password, or let playbook rabbitmq-bk-job-grant "
			    "create the user, or set its password to job.conf's "
			    "(setting rabbitmq.manage_password).", user, kuser,
			    kpass);
		else if (strcmp(bad_status, "not_allowed") == 0)
			svc_set(out, "rabbitmq.remedy", NULL, "The password "
			    "was right, but vhost %s does not exist or \"%s\" "
			    "has no permission on it: create it and grant "
			    "\".*\" \".*\" \".*\" (playbook "
			    "rabbitmq-bk-job-grant).", vhost, user);
	}
out:
	free(copy);
	free(first);
	free(bad_addr);
	free(bad_err);
	buf_free(&from);
	buf_free(&checked);
	return 0;
}

const struct probe probe_rabbitmq = {
	"rabbitmq", "rabbitmq.", 1, PROBE_NETWORK,
	"RabbitMQ: an AMQP login to every address of ijobs.amqp.addresses "
	"with Job's user and password",
	run,
};
