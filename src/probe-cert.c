/*
 * probe-cert.c - the certificates on disk (FAQ 1 start.cert, FAQ 8
 * agent.tls): for every NAME of cert.names whose NAME.crt exists in the
 * certificate directory, the key NAME.key matches it, its chain verifies
 * against the CA (cert.ca), and it is neither expired nor expiring within
 * cert.expiry_days.  The agent's certificate (cert.agent_name) must verify
 * against the same CA as gse_task's and be issued by the same name.
 *
 *   cert.status          ok | problem | none (no certificate found)
 *   cert.problem         what is wrong, "; "-separated (absent when fine)
 *   cert.agent_problem   the same for the agent's certificate
 *   cert.NAME.expires    notAfter of each certificate checked
 *
 * Files are read through the transport; nothing is written.
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netcheck.h"
#include "tlsutil.h"

struct certfile {
	char *path;
	STACK_OF(X509) *certs; /* NULL when missing or unreadable */
};

static int
exists(struct probe_ctx *ctx, const char *path)
{
	struct tstat st;
	char *cause = NULL;
	int r;

	memset(&st, 0, sizeof st);
	r = tp_stat(ctx->tp, path, &st, &cause) == 0 && st.exists;
	free(cause);
	return r;
}

static void
day_text(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d", &tm);
}

/* Verifies the first certificate of sk (the rest are its chain) against
 * the CA store, times aside (expiry is reported on its own). */
static char *
verify_chain(X509_STORE *store, STACK_OF(X509) *sk)
{
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	char *why = NULL;
	int i, ok;

	if (vctx == NULL || chain == NULL)
		fatal("X509_STORE_CTX_new failed");
	for (i = 1; i < sk_X509_num(sk); i++)
		sk_X509_push(chain, sk_X509_value(sk, i));
	X509_STORE_CTX_init(vctx, store, sk_X509_value(sk, 0), chain);
	X509_STORE_CTX_set_flags(vctx, X509_V_FLAG_NO_CHECK_TIME);
	ok = X509_verify_cert(vctx);
	if (ok != 1)
		why = xstrdup(X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(vctx)));
	X509_STORE_CTX_free(vctx);
	sk_X509_free(chain);
	ERR_clear_error();
	return why;
}

/* All checks of one certificate; problems appended to probs. */
static void
check_one(struct probe_ctx *ctx, struct facts *out, const char *dir,
    const char *name, X509_STORE *store, const char *ca_path, long days,
    struct buf *probs, struct certfile *cf)
{
	char *crt = xasprintf("%s/%s.crt", dir, name);
	char *key = xasprintf("%s/%s.key", dir, name);
	char *cause = NULL, *why, *fact, when[32];
	EVP_PKEY *pkey = NULL;
	X509 *x;
	int64_t now = (int64_t)time(NULL), end, left;

	cf->path = crt;
	if (tls_read_certs(ctx->tp, crt, &cf->certs, &cause) != 0) {
		problem_add(probs, "%s", cause);
		goto out;
	}
	x = sk_X509_value(cf->certs, 0);
	if (!exists(ctx, key))
		problem_add(probs, "%s: no private key %s beside it", crt, key);
	else if (tls_read_key(ctx->tp, key, &pkey, &cause) != 0)
		problem_add(probs, "%s", cause);
	else if (X509_check_private_key(x, pkey) != 1) {
		problem_add(probs, "%s does not match the certificate %s", key,
		    crt);
		ERR_clear_error();
	}
	if (store != NULL && (why = verify_chain(store, cf->certs)) != NULL) {
		problem_add(probs, "%s does not verify against the CA %s: %s",
		    crt, ca_path, why);
		free(why);
	}
	end = tls_not_after(x);
	day_text(end, when);
	fact = xasprintf("cert.%s.expires", name);
	facts_set(out, fact, when, 0, "notAfter of %s", crt);
	free(fact);
	left = end - now;
	if (left <= 0)
		problem_add(probs, "%s expired on %s", crt, when);
	else if (left < (int64_t)days * 86400)
		problem_add(probs, "%s expires in %lld days, on %s (warning "
		    "from cert.expiry_days = %ld)", crt,
		    (long long)(left / 86400), when, days);
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		problem_add(probs, "%s is not valid yet", crt);
out:
	EVP_PKEY_free(pkey);
	free(key);
	free(cause);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	const char *dir = site_path(ctx->site, "site.cert_dir");
	const char *const *names = conf_list(conf, "cert.names");
	const char *agent = conf_str(conf, "cert.agent_name");
	const char *server = conf_str(conf, "cert.server_name");
	char *ca_path = NULL, *why = NULL, *ca_err = NULL, *crt;
	struct buf probs = BUF_INIT, aprobs = BUF_INIT, checked = BUF_INIT;
	struct certfile *files = NULL, acf, *srv = NULL;
	STACK_OF(X509) *ca = NULL;
	X509_STORE *store = NULL;
	long days = conf_int(conf, "cert.expiry_days");
	size_t n = 0, i;
	int any = 0;

	(void)cause;
	memset(&acf, 0, sizeof acf);
	if (dir == NULL || *dir == '\0')
		dir = ".";
	ca_path = conf_str(conf, "cert.ca")[0] == '/' ?
	    xstrdup(conf_str(conf, "cert.ca")) :
	    path_join(dir, conf_str(conf, "cert.ca"));
	while (names != NULL && names[n] != NULL)
		n++;
	files = xcalloc(n + 1, sizeof *files);
	if (exists(ctx, ca_path)) {
		if (tls_read_certs(ctx->tp, ca_path, &ca, &ca_err) == 0) {
			store = X509_STORE_new();
			for (i = 0; i < (size_t)sk_X509_num(ca); i++)
				X509_STORE_add_cert(store, sk_X509_value(ca, (int)i));
		}
	} else
		ca_err = xasprintf("the CA %s is missing", ca_path);

	for (i = 0; i < n; i++) {
		crt = xasprintf("%s/%s.crt", dir, names[i]);
		if (!exists(ctx, crt)) {
			free(crt);
			continue;
		}
		free(crt);
		any = 1;
		check_one(ctx, out, dir, names[i], store, ca_path, days, &probs,
		    &files[i]);
		if (checked.len > 0)
			buf_addstr(&checked, ", ");
		buf_addstr(&checked, files[i].path);
		if (server != NULL && strcmp(names[i], server) == 0)
			srv = &files[i];
	}
	if (any && store == NULL)
		problem_add(&probs, "%s: certificates cannot be verified", ca_err);

	/* the agent's certificate, against the CA of gse_task's */
	crt = agent && *agent ? xasprintf("%s/%s.crt", dir, agent) : NULL;
	if (crt != NULL && exists(ctx, crt)) {
		any = 1;
		check_one(ctx, out, dir, agent, store, ca_path, days, &aprobs,
		    &acf);
		if (store == NULL)
			problem_add(&aprobs, "%s: the agent certificate cannot "
			    "be verified", ca_err);
		if (acf.certs != NULL && srv != NULL && srv->certs != NULL &&
		    X509_NAME_cmp(X509_get_issuer_name(sk_X509_value(acf.certs, 0)),
		    X509_get_issuer_name(sk_X509_value(srv->certs, 0))) != 0) {
			char *a = tls_name(X509_get_issuer_name(sk_X509_value(acf.certs, 0)));
			char *s = tls_name(X509_get_issuer_name(sk_X509_value(srv->certs, 0)));
			problem_add(&aprobs, "%s is issued by \"%s\", gse_task's "
			    "%s by \"%s\"", crt, a, srv->path, s);
			free(a);
			free(s);
		}
		if (checked.len > 0)
			buf_addstr(&checked, ", ");
		buf_addstr(&checked, crt);
	}
	free(crt);

	if (!any)
		facts_set(out, "cert.status", "none", 0, "no certificate of "
		    "cert.names or cert.agent_name in %s", dir);
	else
		facts_set(out, "cert.status", probs.len || aprobs.len ?
		    "problem" : "ok", 0, "checked %s against %s", checked.data,
		    ca_path);
	if (probs.len > 0)
		facts_setv(out, "cert.problem", probs.data, 0, checked.data);
	if (aprobs.len > 0)
		facts_setv(out, "cert.agent_problem", aprobs.data, 0,
		    "agent certificate against the CA of gse_task");

	for (i = 0; i < n; i++) {
		free(files[i].path);
		sk_X509_pop_free(files[i].certs, X509_free);
	}
	free(files);
	free(acf.path);
	sk_X509_pop_free(acf.certs, X509_free);
	sk_X509_pop_free(ca, X509_free);
	X509_STORE_free(store);
	buf_free(&probs);
	buf_free(&aprobs);
	buf_free(&checked);
	free(ca_path);
	free(ca_err);
	free(why);
	return 0;
}

const struct probe probe_cert = {
	"cert", "cert.", 1, PROBE_HOST,
	"certificates on disk: key against certificate, chain against the CA, expiry; the agent's against gse_task's CA",
	run,
};
