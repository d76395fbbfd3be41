/*
 * fuzz-playbook.c - the playbook loader on arbitrary bytes: libconfig's
 * parser, then the validation of fields, fault IDs, match rules, step types
 * and step parameters.  Must never crash or leak, whatever it is given.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "playbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct playbook *pb;
	char *text, *cause = NULL;

	if (len > 64 * 1024)
		return 0;
	text = xstrndup((const char *)data, len); /* stops at a NUL, as a
						     loader that refuses NULs */
	pb = playbook_parse(text, "fuzz", &cause);
	if (pb == NULL && cause == NULL)
		abort(); /* every failure explains itself */
	playbook_free(pb);
	free(cause);
	free(text);
	return 0;
}
