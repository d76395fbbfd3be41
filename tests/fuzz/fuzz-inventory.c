/*
 * fuzz-inventory.c - parses arbitrary bytes as a fleet inventory; checks
 * that an error names a line and that what parses is consistent.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory *inv;
	char *cause = NULL, *u, *h;
	size_t i, j;
	int p;

	inv = inventory_parse("fz", (const char *)data, size, &cause);
	if (inv == NULL) {
		if (cause == NULL || strncmp(cause, "fz:", 3) != 0)
			abort();
	} else {
		if (cause != NULL)
			abort();
		for (i = 0; i < inv->n; i++) {
			const struct inv_host *x = &inv->hosts[i];
			/* a host's spec parses again to the same host */
			if (hostspec_parse(x->spec, &u, &h, &p, NULL) != 0 ||
			    strcmp(h, x->host) != 0 || p != x->port)
				abort();
			free(u);
			free(h);
			for (j = 0; j < x->nset; j++)
				if (x->set[j].key == NULL ||
				    x->set[j].value == NULL)
					abort();
			for (j = 0; j < i; j++)
				if (strcmp(inv->hosts[j].host, x->host) == 0 &&
				    inv->hosts[j].port == x->port)
					abort();
		}
	}
	inventory_free(inv);
	free(cause);
	return 0;
}
