/*
 * fuzz-netparse.c - arbitrary bytes through the parsers of netcheck.c and
 * tlsutil.c; the first byte chooses: 0 resolv.conf, 1 mountinfo (the path
 * is the first line), 2 a DNS answer, 3 host:port, 4 an HTTP body that
 * should be JSON, 5 PEM certificates.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netcheck.h"
#include "tlsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0, i;
	struct resolvconf rc;
	struct mountinfo_entry me;
	struct http_answer a;
	STACK_OF(X509) *sk = NULL;
	char **addrs = NULL, *why = NULL, *host = NULL, *s, *nl;
	int port;

	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
		resolvconf_parse(text, len, &rc);
		for (i = 0; rc.nameservers[i] != NULL; i++)
			if (*rc.nameservers[i] == '\0')
				abort();
		resolvconf_free(&rc);
		break;
	case 1:
		s = xstrndup(text, len);
		nl = strchr(s, '\n');
		if (nl != NULL) {
			*nl = '\0';
			if (mountinfo_find(nl + 1, strlen(nl + 1), s, &me) == 0 &&
			    (me.mountpoint == NULL || me.fstype == NULL))
				abort();
			mountinfo_entry_free(&me);
		}
		free(s);
		break;
	case 2:
		if (dns_parse_a(data + 1, len, -1, &addrs, &why) == DNS_OK &&
		    (addrs == NULL || addrs[0] == NULL))
			abort();
		strv_free(addrs);
		free(why);
		break;
	case 3:
		s = xstrndup(text, len);
		if (net_split_host_port(s, 1, &host, &port) == 0 &&
		    (host == NULL || *host == '\0' || port < 1 || port > 65535))
			abort();
		free(host);
		free(s);
		break;
	case 4:
		memset(&a, 0, sizeof a);
		a.status = len > 0 ? 100 + data[1] * 2 : 200;
		buf_init(&a.body, 0);
		buf_add(&a.body, text, len);
		http_classify_json(&a, &why);
		if (why == NULL)
			abort();
		free(why);
		http_answer_free(&a);
		break;
	case 5:
		if (tls_parse_certs(text, len, "fuzz", &sk, &why) == 0)
			sk_X509_pop_free(sk, X509_free);
		free(why);
		break;
	}
	return 0;
}
