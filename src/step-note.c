/*
 * step-note.c - note: add a sentence to the report when a condition holds
 * ("the running server was not checked").  Acts on nothing.
 *
 *   { type = "note"; text = "..."; when = "!mysql.event_scheduler"; }
 */
#include "config.h"

#include <stdlib.h>

#include "report.h"
#include "step-common.h"

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	char *text;
	int w;

	(void)out;
	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0 || ctx->report == NULL)
		return 0;
	if ((text = step_expand(st, ctx, "text", NULL, cause)) == NULL)
		return -JF_ERR_NOTFOUND;
	report_note(ctx->report, "%s: %s", st->pb->name, text);
	free(text);
	return 0;
}

static const char *const params[] = { "!text", "when", NULL };

const struct step_type step_note = {
	"note", 0, params, "add a note to the report when a condition holds",
	NULL, prepare,
};
