/*
 * test-netcheck.c - the parsers and classifiers of netcheck.c and
 * tlsutil.c on bad input: host:port forms, resolv.conf, mountinfo, DNS
 * answers, HTTP answers that are or are not JSON, PEM garbage; and a real
 * TCP refusal and UDP silence on loopback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netcheck.h"
#include "tlsutil.h"
#include "tap.h"

static void
test_split(void)
{
	char *h = NULL;
	int port = 0;

	is_int(net_split_host_port("10.0.0.1", 48669, &h, &port), 0, "plain ip");
	is_str(h, "10.0.0.1", "host");
	is_int(port, 48669, "default port");
	free(h);
	is_int(net_split_host_port("gse.service.consul:1234", 1, &h, &port), 0,
	    "name:port");
	is_str(h, "gse.service.consul", "host of name:port");
	is_int(port, 1234, "port of name:port");
	free(h);
	is_int(net_split_host_port("https://lic:8443/certificate", 1, &h, &port),
	    0, "https URL");
	is_str(h, "lic", "host of the URL");
	is_int(port, 8443, "port of the URL");
	free(h);
	is_int(net_split_host_port("http://paas.service.consul", 1, &h, &port),
	    0, "http URL without port");
	is_int(port, 80, "http's port");
	free(h);
	is_int(net_split_host_port("[::1]:99", 1, &h, &port), 0, "[v6]:port");
	is_str(h, "::1", "v6 host");
	is_int(port, 99, "v6 port");
	free(h);
	is_int(net_split_host_port("::1", 7, &h, &port), 0, "bare v6");
	is_str(h, "::1", "bare v6 host");
	is_int(port, 7, "bare v6 keeps the default port");
	free(h);
	ok(net_split_host_port("", 1, &h, &port) != 0 && h == NULL, "empty");
	ok(net_split_host_port("host:0", 1, &h, &port) != 0, "port 0");
	ok(net_split_host_port("host:65536", 1, &h, &port) != 0, "port too big");
	ok(net_split_host_port("host:8x", 1, &h, &port) != 0, "port not a number");
	ok(net_split_host_port("[::1", 1, &h, &port) != 0, "unterminated [");
	ok(net_split_host_port("[]:1", 1, &h, &port) != 0, "empty []");
	ok(net_split_host_port("http://", 1, &h, &port) != 0, "scheme only");
}

static void
test_resolvconf(void)
{
	struct resolvconf rc;
	static const char nul[] = "nameserver 127.0.0.1\0rotate\nnameserver 8.8.8.8";
	char *huge;

	resolvconf_parse("# consul first\r\nnameserver 127.0.0.1\r\n"
	    "nameserver\t10.0.0.2 ; comment\nsearch x\noptions ndots:2 rotate",
	    strlen("# consul first\r\nnameserver 127.0.0.1\r\n"
	    "nameserver\t10.0.0.2 ; comment\nsearch x\noptions ndots:2 rotate"),
	    &rc);
	is_str(rc.nameservers[0], "127.0.0.1", "first nameserver, CRLF");
	is_str(rc.nameservers[1], "10.0.0.2", "second, tab and comment");
	ok(rc.nameservers[2] == NULL, "two nameservers");
	is_int(rc.rotate, 1, "rotate found without a final newline");
	is_int((int)rc.rotate_line, 5, "rotate's line");
	resolvconf_free(&rc);

	resolvconf_parse("", 0, &rc);
	ok(rc.nameservers[0] == NULL && !rc.rotate, "empty file");
	resolvconf_free(&rc);

	resolvconf_parse("#options rotate\nnameserver\nnameserver 1.1.1.1 # x\n",
	    strlen("#options rotate\nnameserver\nnameserver 1.1.1.1 # x\n"), &rc);
	is_int(rc.rotate, 0, "a commented rotate does not count");
	is_str(rc.nameservers[0], "1.1.1.1", "a bare nameserver line is skipped");
	resolvconf_free(&rc);

	resolvconf_parse(nul, sizeof nul - 1, &rc);
	is_str(rc.nameservers[0], "127.0.0.1", "NUL byte: the line ends there");
	is_str(rc.nameservers[1], "8.8.8.8", "next line read");
	is_int(rc.rotate, 0, "the text after the NUL is not read");
	resolvconf_free(&rc);

	huge = xmalloc(3 << 20);
	memset(huge, 'x', 3 << 20);
	memcpy(huge + (3 << 20) - 22, "\nnameserver 127.0.0.9\n", 22);
	resolvconf_parse(huge, 3 << 20, &rc);
	is_str(rc.nameservers[0], "127.0.0.9", "after a 3 MiB line");
	resolvconf_free(&rc);
	free(huge);
}

static const char MOUNTINFO[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:40 / /data rw - xfs /dev/sdb1 rw\n"
    "31 30 0:41 / /data/bkce/public/job rw,relatime shared:5 master:2 - nfs4 "
    "nas:/export/job rw,vers=4.1\n"
    "32 22 0:42 / /mnt/with\\040space rw - nfs nas:/a\\040b rw\n"
    "garbage line\n"
    "33 22 0:43 / /data2 rw no-dash-separator\n"
    "34 22 0:44 / /short rw -\n";

static void
test_mountinfo(void)
{
	struct mountinfo_entry e;
	size_t len = strlen(MOUNTINFO);

	is_int(mountinfo_find(MOUNTINFO, len, "/data/bkce/public/job/x", &e), 0,
	    "path under an NFS mount");
	is_str(e.mountpoint, "/data/bkce/public/job", "longest mount point");
	is_str(e.fstype, "nfs4", "its type (after optional fields)");
	is_str(e.source, "nas:/export/job", "its source");
	mountinfo_entry_free(&e);
	is_int(mountinfo_find(MOUNTINFO, len, "/data/bkce/public/jobs", &e), 0,
	    "a sibling with a longer name");
	is_str(e.mountpoint, "/data", "is not under the NFS mount");
	mountinfo_entry_free(&e);
	is_int(mountinfo_find(MOUNTINFO, len, "/mnt/with space", &e), 0,
	    "octal escapes");
	is_str(e.fstype, "nfs", "type of the escaped mount");
	is_str(e.source, "nas:/a b", "escaped source");
	mountinfo_entry_free(&e);
	is_int(mountinfo_find(MOUNTINFO, len, "/data2/x", &e), 0,
	    "a line without separator is skipped");
	is_str(e.mountpoint, "/", "falls back to /");
	mountinfo_entry_free(&e);
	is_int(mountinfo_find(MOUNTINFO, len, "/short", &e), 0, "type missing");
	is_str(e.mountpoint, "/", "the short line is skipped");
	mountinfo_entry_free(&e);
	ok(mountinfo_find("", 0, "/x", &e) == -JF_ERR_NOTFOUND, "empty table");
	ok(mountinfo_find(MOUNTINFO, len, "relative", &e) == -JF_ERR_NOTFOUND,
	    "a relative path is on no mount");
	mountinfo_entry_free(&e);
}

/* A DNS answer: header, question job.service.consul/A, then records. */
static size_t
dns_answer(unsigned char *p, int id, int rcode, int nan, int nns)
{
	static const unsigned char q[] = "\x03job\x07service\x06" "consul\x00"
	    "\x00\x01\x00\x01";
	size_t n = 0;
	int i;

	p[n++] = (unsigned char)(id >> 8);
	p[n++] = (unsigned char)id;
	p[n++] = 0x81;
	p[n++] = (unsigned char)(0x80 | rcode);
	p[n++] = 0; p[n++] = 1;
	p[n++] = 0; p[n++] = (unsigned char)nan;
	p[n++] = 0; p[n++] = (unsigned char)nns;
	p[n++] = 0; p[n++] = 0;
	memcpy(p + n, q, sizeof q - 1);
	n += sizeof q - 1;
	for (i = 0; i < nan; i++) {
		/* pointer to the name, A, IN, TTL 0, 4 bytes */
		static const unsigned char a[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0,
		    0, 0, 4, 127, 0, 0, 1 };
		memcpy(p + n, a, sizeof a);
		p[n + sizeof a - 1] = (unsigned char)(i + 1);
		n += sizeof a;
	}
	for (i = 0; i < nns; i++) {
		/* consul. SOA: mname ns. rname h. and five numbers */
		static const unsigned char soa[] = { 0xc0, 24, 0, 6, 0, 1, 0, 0, 0,
		    0, 0, 27, 2, 'n', 's', 0, 1, 'h', 0, 0, 0, 0, 1, 0, 0, 0, 1,
		    0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
		memcpy(p + n, soa, sizeof soa);
		n += sizeof soa;
	}
	return n;
}

static void
test_dns(void)
{
	unsigned char m[512];
	char **a = NULL, *why = NULL;
	size_t n, i;

	n = dns_answer(m, 77, 0, 2, 0);
	is_int(dns_parse_a(m, n, 77, &a, &why), DNS_OK, "two A records");
	is_str(a[0], "127.0.0.1", "first address");
	is_str(a[1], "127.0.0.2", "second address");
	ok(a[2] == NULL, "and no more");
	strv_free(a);
	free(why);
	is_int(dns_parse_a(m, n, 78, &a, &why), DNS_FAILED, "another id");
	free(why);
	n = dns_answer(m, 5, 3, 0, 0);
	is_int(dns_parse_a(m, n, 5, &a, &why), DNS_NXDOMAIN, "NXDOMAIN");
	free(why);
	n = dns_answer(m, 5, 0, 0, 1);
	is_int(dns_parse_a(m, n, 5, &a, &why), DNS_NODATA, "SOA only");
	ok(why != NULL && strstr(why, "SOA") != NULL, "says SOA: %s", why);
	free(why);
	n = dns_answer(m, 5, 2, 0, 0);
	is_int(dns_parse_a(m, n, 5, &a, &why), DNS_FAILED, "SERVFAIL");
	ok(why != NULL && strstr(why, "SERVFAIL") != NULL, "says SERVFAIL");
	free(why);
	n = dns_answer(m, 5, 0, 1, 0);
	for (i = 0; i < n; i++) {
		enum dns_result r = dns_parse_a(m, i, 5, &a, &why);
		if (r == DNS_OK)
			strv_free(a);
		free(why);
	}
	ok(1, "every truncation of an answer parses without a crash");
	m[2] = 0x01; /* a question, not an answer */
	is_int(dns_parse_a(m, n, 5, &a, &why), DNS_FAILED, "QR clear");
	free(why);
	is_int(dns_parse_a((const unsigned char *)"", 0, -1, &a, &why),
	    DNS_FAILED, "empty");
	free(why);
}

static void
answer(struct http_answer *a, long status, const char *ct, const char *body)
{
	memset(a, 0, sizeof *a);
	a->status = status;
	a->content_type = ct ? xstrdup(ct) : NULL;
	buf_init(&a->body, 0);
	if (body != NULL)
		buf_add(&a->body, body, strlen(body));
}

static void
test_classify(void)
{
	static const struct {
		long status;
		const char *ct, *body, *location;
		enum http_class want;
		const char *text;
	} t[] = {
		{ 200, "application/json", "{\"result\": true}", NULL, HTTP_OK, "JSON" },
		{ 200, "text/html", "<html><body>Login</body></html>", NULL,
		  HTTP_NONJSON, "text/html" },
		{ 302, "text/html", "", "http://gw/login", HTTP_NONJSON,
		  "http://gw/login" },
		{ 401, "application/json", "{}", NULL, HTTP_AUTH, "401" },
		{ 502, "text/html", "<h1>Bad Gateway</h1>", NULL, HTTP_DOWN, "502" },
		{ 200, "application/json", "", NULL, HTTP_NONJSON, "empty" },
		{ 200, "application/json", "{\"a\": [1, 2", NULL, HTTP_NONJSON,
		  "not JSON" },
		{ 200, NULL, "[1]", NULL, HTTP_OK, "no content type" },
		{ 200, "application/json", "\"just a string\"", NULL, HTTP_NONJSON,
		  "not JSON" },
	};
	struct http_answer a;
	char *why;
	size_t i;

	for (i = 0; i < nitems(t); i++) {
		answer(&a, t[i].status, t[i].ct, t[i].body);
		if (t[i].location)
			a.location = xstrdup(t[i].location);
		is_int(http_classify_json(&a, &why), t[i].want, "HTTP %ld %s",
		    t[i].status, t[i].body);
		ok(why != NULL && strstr(why, t[i].text) != NULL,
		    "and says %s: %s", t[i].text, why ? why : "(null)");
		free(why);
		http_answer_free(&a);
	}
	/* binary garbage is shown printable */
	answer(&a, 200, "text/plain", NULL);
	buf_add(&a.body, "\x01\x02\0\xff<x>", 7);
	http_classify_json(&a, &why);
	ok(why != NULL && strstr(why, "....<x>") != NULL, "control bytes "
	    "shown as dots: %s", why);
	free(why);
	http_answer_free(&a);
}

static void
test_net(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	char *addr = NULL, *why = NULL, **a = NULL;
	int s, port, fd = -1;

	/* a port that was just free: refused */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&sin, sizeof sin);
	getsockname(s, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(s);
	is_int(net_connect("127.0.0.1", port, 1000, &fd, &addr, &why),
	    NET_REFUSED, "a closed port is refused: %s", why);
	free(addr);
	free(why);
	is_int(net_connect("no-such-host.invalid", port, 1000, &fd, &addr,
	    &why), NET_UNRESOLVED, "an .invalid name does not resolve");
	ok(why && strstr(why, "no-such-host.invalid"), "and names it: %s", why);
	free(addr);
	free(why);

	/* a UDP socket that never answers */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_port = 0;
	bind(s, (struct sockaddr *)&sin, sizeof sin);
	len = sizeof sin;
	getsockname(s, (struct sockaddr *)&sin, &len);
	is_int(dns_query_a("127.0.0.1", ntohs(sin.sin_port), "job.service.consul",
	    200, &a, &why), DNS_NOANSWER, "a silent server: no answer");
	free(why);
	close(s);
	is_int(dns_query_a("not-an-ip", 53, "x", 100, &a, &why), DNS_FAILED,
	    "the server must be an address");
	free(why);
	is_int(dns_query_a("127.0.0.1", 53, "a..b", 100, &a, &why), DNS_FAILED,
	    "an empty label");
	free(why);
}

static void
test_pem(void)
{
	STACK_OF(X509) *sk = NULL;
	char *cause = NULL;

	ok(tls_parse_certs("garbage\n", 8, "g.crt", &sk, &cause) == -JF_ERR_PARSE,
	    "garbage is no certificate");
	ok(cause && strstr(cause, "g.crt"), "the message names the file");
	free(cause);
	cause = NULL;
	ok(tls_parse_certs("-----BEGIN CERTIFICATE-----\nAAAA\n", 33, "t.crt",
	    &sk, &cause) == -JF_ERR_PARSE, "an unterminated PEM block");
	free(cause);
}

int
main(void)
{
	test_split();
	test_resolvconf();
	test_mountinfo();
	test_dns();
	test_classify();
	test_net();
	test_pem();
	return tap_done();
}
