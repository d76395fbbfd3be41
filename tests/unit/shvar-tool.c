/*
 * shvar-tool.c - drives src/shvar.c from the shell scenarios.
 *
 *   shvar-tool get FILE NAME         print the value; exit 0 literal,
 *                                    4 dynamic, 3 no assignment, 1 error
 *   shvar-tool line FILE NAME        print the line of the assignment
 *   shvar-tool set FILE NAME VALUE   print the edited script
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shvar.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct shfile *f;
	char *cause = NULL;
	const char *v;
	int line, dyn, rc = 1;

	if (argc < 4 || (strcmp(argv[1], "set") == 0 && argc != 5)) {
		fprintf(stderr, "usage: shvar-tool get|line|set FILE NAME "
		    "[VALUE]\n");
		return 2;
	}
	if (read_file_local(argv[2], &in, 0, &cause) != 0 ||
	    (f = shvar_parse(in.data ? in.data : "", in.len, argv[2],
	    &cause)) == NULL) {
		fprintf(stderr, "shvar-tool: %s\n", cause ? cause : "error");
		free(cause);
		buf_free(&in);
		return 1;
	}
	if (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "line") == 0) {
		v = shvar_get(f, argv[3], &line, &dyn);
		if (v == NULL)
			rc = 3;
		else {
			if (argv[1][0] == 'g')
				fwrite(v, 1, strlen(v), stdout);
			else
				printf("%d\n", line);
			rc = dyn ? 4 : 0;
		}
	} else if (strcmp(argv[1], "set") == 0) {
		if (shvar_set(f, argv[3], argv[4], &cause) != 0) {
			fprintf(stderr, "shvar-tool: %s\n", cause);
			free(cause);
		} else {
			shvar_serialize(f, &out);
			fwrite(out.data ? out.data : "", 1, out.len, stdout);
			rc = 0;
		}
	} else
		fprintf(stderr, "shvar-tool: unknown command %s\n", argv[1]);
	shvar_free(f);
	buf_free(&in);
	buf_free(&out);
	return rc;
}
