/*
 * fuzz-audit.c - the audit log verifier and reader on arbitrary bytes: a
 * damaged log (cut lines, NULs, huge lines, JSON that is not a record)
 * must be reported, never crash or leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char path[64];
	struct audit_check chk;
	const char *files[1];
	json_t *recs = NULL;
	char *cause = NULL;
	size_t bad;
	FILE *fp;

	if (len > 1024 * 1024)
		return 0;
	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz-audit.%ld", (long)getpid());
	if ((fp = fopen(path, "we")) == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
	files[0] = path;
	if (audit_verify(files, 1, "/nonexistent/audit.head", path, &chk,
	    &cause) != 0)
		abort(); /* the file is there: it must be read */
	if (chk.records > 0 && !chk.head_missing)
		abort(); /* the head given is not there: the tail is unchecked */
	if (chk.head_missing && chk.why == NULL)
		abort(); /* and that is said */
	if (chk.records > 0 && chk.bad_record == 0 && !chk.head_missing &&
	    chk.why != NULL)
		abort(); /* a whole chain has nothing to explain */
	if (chk.bad_record != 0 && chk.why == NULL)
		abort(); /* every break explains itself */
	audit_check_free(&chk);
	if (audit_read(path, &recs, &bad, &cause) != 0)
		abort();
	json_decref(recs);
	free(cause);
	unlink(path);
	return 0;
}
