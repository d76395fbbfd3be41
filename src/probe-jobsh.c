/*
 * probe-jobsh.c - Job's start script: which one exists (job.sh, or jo.sh as
 * the FAQ writes it) and where it sends the JVM's console.
 *
 *   jobsh.path      the script found (job.sh first)
 *   jobsh.status    ok | missing | invalid | unreadable (there, but a
 *                   FIFO, a directory, a device, or not readable: never
 *                   "missing", and jo.sh is not tried in its place)
 *   jobsh.nohuplog  the value of NOHUPLOG bash would see
 *   jobsh.console   yes when NOHUPLOG names job.console_log, no when it
 *                   does not (e.g. /dev/null), unknown when computed
 *   jobsh.unchecked the script could not be read as bash reads it (a NUL
 *                   byte: bash drops it, or refuses a script with one in
 *                   its first line; not a regular file; unreadable): what
 *                   and where
 *   jobsh.java_main the jar (file name) or main class its java command
 *                   launches; empty when it names neither
 *   jobsh.process_pattern  a regex for the command line of that process
 *                   (probe-job.c and probe-ports.c find Job's JVM by it)
 *   jobsh.jar_dir   the directory of that jar, when the script names it
 *                   absolute and literal (probe-job.c: Job's jar must be
 *                   in it; else in the install's lib/, beside bin/job.sh)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"
#include "probe.h"
#include "shvar.h"

/* What the script's java command launches, and the pattern for it */
static void
java_facts(const struct shfile *f, const char *path, struct facts *out)
{
	char *re, *what, *dir;
	int jar, line;

	if ((re = shvar_java_pattern(f, &what, &jar, &line)) == NULL) {
		if (what != NULL)
			/* said, so the fallback pattern is not silent */
			facts_set(out, "jobsh.java_main", "", 0, N_("%s:%d: its "
			    "java command launches %.200s, which cannot be read "
			    "as a jar or main class"), path, line, what);
		else
			facts_set(out, "jobsh.java_main", "", 0, N_("%s: no java "
			    "command that names a jar (-jar) or a main class"),
			    path);
		free(what);
		return;
	}
	facts_set(out, "jobsh.java_main", what, 0, jar ? N_("%s:%d: the jar its "
	    "java command launches") : N_("%s:%d: the main class its java "
	    "command launches"), path, line);
	facts_set(out, "jobsh.process_pattern", re, 0, "%s:%d: java %s%s",
	    path, line, jar ? "-jar " : "", what);
	if (jar && (dir = shvar_java_jar_dir(f)) != NULL) {
		facts_set(out, "jobsh.jar_dir", dir, 0, N_("%s:%d: the "
		    "directory of the jar its java command launches"), path,
		    line);
		free(dir);
	}
	free(re);
	free(what);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *cands[2], *want = conf_str(ctx->site->conf,
	    "job.console_log"), *v, *base;
	struct buf b = BUF_INIT;
	struct shfile *f;
	char *why = NULL;
	struct tstat st;
	size_t i;
	int line = 0, dynamic = 0, r = 0;

	(void)cause;
	cands[0] = site_path(ctx->site, "site.job_sh");
	cands[1] = site_path(ctx->site, "site.job_sh_alt");
	for (i = 0; i < nitems(cands); i++) {
		buf_reset(&b);
		free(why);
		why = NULL;
		if ((r = tp_read(ctx->tp, cands[i], &b, 4u << 20, &why)) == 0)
			break;
		if (r != -JF_ERR_NOTFOUND)
			break; /* there, but not a script bash could read */
	}
	if (i == nitems(cands)) {
		facts_set(out, "jobsh.status", "missing", 0, N_("neither %s nor %s: "
		    "%s"), cands[0], cands[1], why ? why : "");
		free(why);
		buf_free(&b);
		return 0;
	}
	if (r != 0) {
		/*
		 * A FIFO, a directory, a device, a file jobfix may not read:
		 * the script is there, so it is not "missing", and jo.sh is
		 * not tried in its place.  Read without blocking (the
		 * transport opens nothing but a regular file), named, and
		 * "could not check" where a rule needs it.
		 */
		facts_set(out, "jobsh.path", cands[i], 0, N_("the first of %s, %s "
		    "that exists"), cands[0], cands[1]);
		facts_set(out, "jobsh.status", "unreadable", 0, "%s", why);
		if (tp_stat(ctx->tp, cands[i], &st, NULL) == 0 && st.exists &&
		    !S_ISREG(st.mode))
			facts_set(out, "jobsh.unchecked", "not a regular file", 0,
			    N_("%s is %s, not a regular file: jobfix does not "
			    "read it and does not guess what NOHUPLOG is"),
			    cands[i], file_kind(st.mode));
		else
			facts_set(out, "jobsh.unchecked", "unreadable", 0,
			    N_("%s cannot be read: %s"), cands[i], why);
		free(why);
		buf_free(&b);
		return 0;
	}
	facts_set(out, "jobsh.path", cands[i], 0, N_("the first of %s, %s that "
	    "exists"), cands[0], cands[1]);
	if (b.len > 0 && memchr(b.data, '\0', b.len) != NULL) {
		const char *z = memchr(b.data, '\0', b.len), *q;
		size_t ln = 1;
		for (q = b.data; q < z; q++)
			ln += *q == '\n';
		facts_set(out, "jobsh.status", "invalid", 0, N_("%s:%zu: NUL byte"),
		    cands[i], ln);
		facts_set(out, "jobsh.unchecked", "NUL byte", 0, N_("%s:%zu: a NUL "
		    "byte: bash %s; jobfix does not guess what NOHUPLOG is"),
		    cands[i], ln, ln == 1 ? _("refuses to run a script "
		    "with one in its first line") : _("drops it"));
		buf_free(&b);
		return 0;
	}
	if ((f = shvar_parse(b.data, b.len, cands[i], &why)) == NULL) {
		facts_set(out, "jobsh.status", "invalid", 0, "%s", why);
		free(why);
		buf_free(&b);
		return 0;
	}
	facts_set(out, "jobsh.status", "ok", 0, "%s", cands[i]);
	v = shvar_get(f, "NOHUPLOG", &line, &dynamic);
	if (v == NULL) {
		facts_set(out, "jobsh.nohuplog", "", 0, N_("%s: no NOHUPLOG "
		    "assignment"), cands[i]);
		facts_set(out, "jobsh.console", "no", 0, N_("%s: no NOHUPLOG "
		    "assignment"), cands[i]);
	} else {
		facts_set(out, "jobsh.nohuplog", v, 0, "%s:%d", cands[i], line);
		base = strrchr(v, '/');
		base = base ? base + 1 : v;
		facts_set(out, "jobsh.console", dynamic ? "unknown" :
		    (strcmp(base, want) == 0 ? "yes" : "no"), 0,
		    "%s:%d: NOHUPLOG=%s", cands[i], line, v);
	}
	java_facts(f, cands[i], out);
	shvar_free(f);
	buf_free(&b);
	return 0;
}

const struct probe probe_jobsh = {
	"jobsh", "jobsh.", 0, PROBE_HOST,
	"Job's start script: NOHUPLOG, and the jar or class it launches",
	run,
};
