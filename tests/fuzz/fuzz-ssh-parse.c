/*
 * fuzz-ssh-parse.c - the parsers of the SSH transport's remote output (the
 * stat line, process records, directory records).  The first byte picks
 * the parser; the rest is the remote output.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "transport-ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tstat st;
	struct tproc *procs = NULL;
	char **names = NULL, *cause = NULL;
	const char *text = (const char *)data + 1;
	size_t n = 0;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		tssh_parse_stat(text, size - 1, &st, &cause);
		break;
	case 1:
		if (tssh_parse_procs(text, size - 1, &procs, &n, &cause) == 0)
			tprocs_free(procs, n);
		break;
	default:
		if (tssh_parse_names(text, size - 1, &names, &n, &cause) == 0)
			names_free(names, n);
		break;
	}
	free(cause);
	return 0;
}
