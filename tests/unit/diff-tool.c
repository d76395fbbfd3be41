/*
 * diff-tool.c - drives src/diff.c from the shell scenarios, like `diff -u`.
 *
 *   diff-tool [-U N] FILE_A FILE_B [LABEL_A LABEL_B]
 *
 * Exits 0 when the files are the same, 1 when they differ, 2 on trouble.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	char *cause = NULL;
	int ctx = 3, i = 1, rc = 2;

	if (argc > 2 && strcmp(argv[1], "-U") == 0) {
		ctx = atoi(argv[2]);
		i = 3;
	}
	if (argc - i != 2 && argc - i != 4) {
		fprintf(stderr, "usage: diff-tool [-U N] A B [LABEL_A LABEL_B]\n");
		return 2;
	}
	if (read_file_local(argv[i], &a, 0, &cause) != 0 ||
	    read_file_local(argv[i + 1], &b, 0, &cause) != 0) {
		fprintf(stderr, "diff-tool: %s\n", cause);
		goto out;
	}
	if (diff_unified(a.data ? a.data : "", a.len, b.data ? b.data : "",
	    b.len, argc - i == 4 ? argv[i + 2] : argv[i],
	    argc - i == 4 ? argv[i + 3] : argv[i + 1], ctx, &out) != 0) {
		fprintf(stderr, "diff-tool: diff too big\n");
		goto out;
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	rc = out.len > 0 ? 1 : 0;
out:
	free(cause);
	buf_free(&a);
	buf_free(&b);
	buf_free(&out);
	return rc;
}
