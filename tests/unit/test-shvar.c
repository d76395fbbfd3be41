/*
 * test-shvar.c - unit tests for src/shvar.c: what counts as a top-level
 * assignment, quote removal, edits byte for byte, and bad input.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "shvar.h"
#include "tap.h"
#include "util.h"

static struct shfile *
parse(const char *s)
{
	char *cause = NULL;
	struct shfile *f = shvar_parse(s, strlen(s), "job.sh", &cause);

	if (f == NULL)
		printf("# parse: %s\n", cause);
	free(cause);
	return f;
}

/* The value of NOHUPLOG in s, "(none)" or "(error)"; dyn and line out. */
static const char *
get(const char *s, int *line, int *dyn)
{
	static char keep[256];
	struct shfile *f = parse(s);
	const char *v;

	if (f == NULL)
		return "(error)";
	v = shvar_get(f, "NOHUPLOG", line, dyn);
	snprintf(keep, sizeof keep, "%s", v ? v : "(none)");
	shvar_free(f);
	return keep;
}

/* The script after setting name to value, or "(error: ...)". */
static char *
set(const char *s, const char *name, const char *value)
{
	struct shfile *f = parse(s);
	struct buf out = BUF_INIT;
	char *cause = NULL, *r;

	if (f == NULL)
		return xstrdup("(error)");
	if (shvar_set(f, name, value, &cause) != 0) {
		r = xasprintf("(error: %s)", cause);
		free(cause);
	} else {
		shvar_serialize(f, &out);
		r = xstrdup(out.data ? out.data : "");
	}
	buf_free(&out);
	shvar_free(f);
	return r;
}

static void
check_set(const char *s, const char *value, const char *want, const char *msg)
{
	char *got = set(s, "NOHUPLOG", value);

	is_str(got, want, "set: %s", msg);
	free(got);
}

static void
test_get(void)
{
	int line, dyn;

	is_str(get("NOHUPLOG=/dev/null\n", &line, &dyn), "/dev/null", "plain");
	is_int(line, 1, "plain: line");
	is_int(dyn, 0, "plain: literal");
	is_str(get("#!/bin/bash\nNOHUPLOG=/dev/null\n#NOHUPLOG=job_jvm_console.log\n",
	    &line, &dyn), "/dev/null", "stock: commented one ignored");
	is_int(line, 2, "stock: line");
	is_str(get("NOHUPLOG=a\nNOHUPLOG=b\n", &line, &dyn), "b", "last wins");
	is_int(line, 2, "last wins: line");
	is_str(get("NOHUPLOG='a b'\n", NULL, NULL), "a b", "single quotes");
	is_str(get("NOHUPLOG=\"a \\\"b\\\" \\$c \\x\"\n", NULL, &dyn),
	    "a \"b\" $c \\x", "double quotes and escapes");
	is_int(dyn, 0, "escaped $ is literal");
	is_str(get("NOHUPLOG=a\\ b'c'\"d\"e\n", NULL, NULL), "a bcde",
	    "concatenated quoting");
	is_str(get("NOHUPLOG=abc\\\ndef\n", &line, NULL), "abcdef",
	    "line continuation");
	is_str(get("NOHUPLOG=\n", NULL, &dyn), "", "empty");
	is_str(get("NOHUPLOG=x # comment\n", NULL, NULL), "x", "trailing comment");
	is_str(get("NOHUPLOG=x#y\n", NULL, NULL), "x#y", "# inside a word");
	is_str(get("export NOHUPLOG=x\n", NULL, NULL), "x", "export");
	is_str(get("readonly NOHUPLOG=x\n", NULL, NULL), "x", "readonly");
	is_str(get("declare -x NOHUPLOG=x\n", NULL, &dyn), "x", "declare -x");
	is_int(dyn, 0, "declare -x literal");
	is_str(get("declare -i NOHUPLOG=1+1\n", NULL, &dyn), "1+1", "declare -i");
	is_int(dyn, 1, "declare -i is dynamic");
	is_str(get("NOHUPLOG=$HOME/x\n", NULL, &dyn), "$HOME/x", "dynamic raw");
	is_int(dyn, 1, "$ is dynamic");
	get("NOHUPLOG=\"`pwd`/x\"\n", NULL, &dyn);
	is_int(dyn, 1, "backquote is dynamic");
	get("NOHUPLOG=~/x\n", NULL, &dyn);
	is_int(dyn, 1, "tilde is dynamic");
	get("NOHUPLOG+=x\n", NULL, &dyn);
	is_int(dyn, 1, "+= is dynamic");
	get("NOHUPLOG=(a b)\n", NULL, &dyn);
	is_int(dyn, 1, "array is dynamic");
	is_str(get("A=1; NOHUPLOG=x; B=2\n", NULL, NULL), "x", "after ;");
	is_str(get("NOHUPLOG=x && :\n", NULL, NULL), "x", "before &&");

	/* not top-level, or not persistent */
	is_str(get("f() {\n NOHUPLOG=x\n}\n", NULL, NULL), "(none)", "function");
	is_str(get("function f { NOHUPLOG=x; }\n", NULL, NULL), "(none)",
	    "function keyword");
	is_str(get("f() ( NOHUPLOG=x )\n", NULL, NULL), "(none)",
	    "subshell function");
	is_str(get("if false; then NOHUPLOG=x; fi\n", NULL, NULL), "(none)", "if");
	is_str(get("case $1 in\n a|b) NOHUPLOG=x;;\n *) NOHUPLOG=y\nesac\n",
	    NULL, NULL), "(none)", "case");
	is_str(get("for i in 1; do NOHUPLOG=x; done\n", NULL, NULL), "(none)",
	    "for");
	is_str(get("NOHUPLOG=x cmd\n", NULL, NULL), "(none)", "prefix of a command");
	is_str(get("true && NOHUPLOG=x\n", NULL, NULL), "(none)", "after &&");
	is_str(get("true ||\n  NOHUPLOG=x\n", NULL, NULL), "(none)",
	    "after || and a newline");
	is_str(get("NOHUPLOG=x | cat\n", NULL, NULL), "(none)", "in a pipe");
	is_str(get("NOHUPLOG=x &\n", NULL, NULL), "(none)", "in background");
	is_str(get("( NOHUPLOG=x )\n", NULL, NULL), "(none)", "subshell");
	is_str(get("cat <<EOF\nNOHUPLOG=x\nEOF\n", NULL, NULL), "(none)",
	    "heredoc");
	is_str(get("cat <<-'E'\n\tNOHUPLOG=x\n\tE\nNOHUPLOG=y\n", &line, NULL),
	    "y", "<<- heredoc then real");
	is_int(line, 4, "line after heredoc");
	is_str(get("cat <<A; cat <<B\nNOHUPLOG=a\nA\nNOHUPLOG=b\nB\n", NULL,
	    NULL), "(none)", "two heredocs on a line");
	is_str(get("X=\"a\nNOHUPLOG=x\n\"\n", NULL, NULL), "(none)",
	    "multi-line double quote");
	is_str(get("X='a\nNOHUPLOG=x\n'\n", NULL, NULL), "(none)",
	    "multi-line single quote");
	is_str(get("X=$(\nNOHUPLOG=x\n)\n", NULL, NULL), "(none)",
	    "command substitution");
	is_str(get("X=$(case a in a) NOHUPLOG=x;; esac)\nNOHUPLOG=y\n", NULL,
	    NULL), "y", "case inside $( )");
	is_str(get("# NOHUPLOG=x\n", NULL, NULL), "(none)", "comment");

	/* CRLF: the CR is line ending */
	is_str(get("A=1\r\nNOHUPLOG=x\r\n", &line, NULL), "x", "CRLF");
	is_int(line, 2, "CRLF line");
	is_str(get("NOHUPLOG=x", NULL, NULL), "x", "no final newline");
}

static void
test_set(void)
{
	check_set("#!/bin/bash\nNOHUPLOG=/dev/null\n#NOHUPLOG=a.log\n",
	    "job_jvm_console.log",
	    "#!/bin/bash\nNOHUPLOG=job_jvm_console.log\n#NOHUPLOG=a.log\n",
	    "rewrite in place");
	check_set("export NOHUPLOG=\"/dev/null\" # where\n", "a b",
	    "export NOHUPLOG=\"a b\" # where\n", "keeps export, quotes, comment");
	check_set("NOHUPLOG='x'\n", "it's", "NOHUPLOG='it'\\''s'\n",
	    "single style with a quote");
	check_set("NOHUPLOG=\"x\"\n", "$a`b\"c\\d", "NOHUPLOG=\"\\$a\\`b\\\"c\\\\d\"\n",
	    "double style escapes");
	check_set("NOHUPLOG=x\n", "a b", "NOHUPLOG='a b'\n",
	    "unquoted needs quotes");
	check_set("NOHUPLOG=x\n", "", "NOHUPLOG=\n", "empty value");
	check_set("NOHUPLOG=x\n", "it's $x", "NOHUPLOG=\"it's \\$x\"\n",
	    "unquoted with a single quote goes double");
	check_set("A=1\r\nNOHUPLOG=x\r\n", "y", "A=1\r\nNOHUPLOG=y\r\n",
	    "CRLF kept");
	check_set("NOHUPLOG=x", "y", "NOHUPLOG=y", "no final newline kept");
	check_set("#!/bin/bash\n  #  NOHUPLOG=job_jvm_console.log # console\n",
	    "j.log", "#!/bin/bash\n  NOHUPLOG=j.log # console\n",
	    "uncomment keeps indentation and comment");
	check_set("#NOHUPLOG=a\n#NOHUPLOG=\"b\"\n", "c d",
	    "#NOHUPLOG=a\nNOHUPLOG=\"c d\"\n", "uncomment the last one");
	check_set("# export NOHUPLOG=a\n", "b", "export NOHUPLOG=b\n",
	    "uncomment export");
	check_set("# NOHUPLOG=a is the log\nA=1\n", "b",
	    "# NOHUPLOG=a is the log\nNOHUPLOG=b\nA=1\n",
	    "prose is not uncommented");
	check_set("#!/bin/bash\n# about\n\nA=1\n", "x y",
	    "#!/bin/bash\n# about\nNOHUPLOG='x y'\n\nA=1\n",
	    "insert after the comment block");
	check_set("", "x", "NOHUPLOG=x\n", "insert into empty");
	check_set("#!/bin/sh", "x", "#!/bin/sh\nNOHUPLOG=x", "insert, no newline");
	check_set("#!/bin/sh\r\nA=1\r\n", "x", "#!/bin/sh\r\nNOHUPLOG=x\r\nA=1\r\n",
	    "insert with CRLF");
	check_set("f() {\n  NOHUPLOG=a\n}\n", "b", "NOHUPLOG=b\nf() {\n  NOHUPLOG=a\n}\n",
	    "nested one is not rewritten");
	check_set("declare -i NOHUPLOG=1\n", "x",
	    "(error: job.sh:1: cannot rewrite the assignment of NOHUPLOG so "
	    "that bash reads the new value)", "declare -i refused");
}

static void
test_bad(void)
{
	char *cause = NULL, *big;
	struct shfile *f;
	char *r;

	f = shvar_parse("A=1\nB=\0\n", 7, "job.sh", &cause);
	ok(f == NULL, "NUL byte refused");
	is_str(cause, "job.sh:2: NUL byte in a script", "NUL names the line");
	free(cause);
	cause = NULL;
	big = xcalloc(SHVAR_MAX_SIZE + 2, 1);
	memset(big, '#', SHVAR_MAX_SIZE + 1);
	ok(shvar_parse(big, SHVAR_MAX_SIZE + 1, "job.sh", &cause) == NULL,
	    "over 4 MiB refused");
	ok(cause != NULL && strstr(cause, "limit") != NULL, "size error: %s",
	    cause);
	free(cause);
	free(big);
	cause = NULL;
	ok(shvar_parse("A=\"x\n", 5, "job.sh", &cause) == NULL,
	    "unterminated double quote");
	is_str(cause, "job.sh:1: unterminated double quote", "message");
	free(cause);
	cause = NULL;
	ok(shvar_parse("if true; then\nA=1\n", 18, "job.sh", &cause) == NULL,
	    "unclosed if");
	is_str(cause, "job.sh:1: 'if' is never closed", "message");
	free(cause);
	is_str(get("A='x\n", NULL, NULL), "(error)", "unterminated single");
	is_str(get("A=$(x\n", NULL, NULL), "(error)", "unterminated $(");
	is_str(get("A=${x\n", NULL, NULL), "(error)", "unterminated ${");
	is_str(get("A=`x\n", NULL, NULL), "(error)", "unterminated backquote");
	is_str(get("fi\n", NULL, NULL), "(error)", "stray fi");
	is_str(get("}\n", NULL, NULL), "(error)", "stray }");
	is_str(get(")\n", NULL, NULL), "(error)", "stray )");
	is_str(get("cat <<\n", NULL, NULL), "(error)", "heredoc without word");
	is_str(get("cat <<EOF\nNOHUPLOG=x\n", NULL, NULL), "(none)",
	    "heredoc to end of file");
	is_str(get("\xff\xfe garbage \x01\x02 NOHUPLOG=\x80\n", NULL, NULL),
	    "(none)", "binary garbage");
	is_str(get("\xff\xfe\nNOHUPLOG=\x80\n", NULL, NULL), "\x80",
	    "binary value");
	r = set("A=1\n", "1BAD", "x");
	ok(strncmp(r, "(error: job.sh: \"1BAD\"", 22) == 0, "bad name: %s", r);
	free(r);
	shvar_free(NULL);
	ok(shvar_get(NULL, "X", NULL, NULL) == NULL, "get on NULL");
}

static void
test_secret(void)
{
	char *r;

	secret_clear_all();
	get("DB_PASSWORD='hunter2'\n", NULL, NULL);
	r = redact("pw is hunter2");
	is_str(r, "pw is ******", "parsed secret value registered");
	free(r);
	r = set("A=1\n", "MQ_SECRET", "s3cr3t");
	free(r);
	r = redact("s3cr3t!");
	is_str(r, "******!", "set secret value registered");
	free(r);
	secret_clear_all();
}

/* shvar_java_pattern of s: "REGEX|WHAT|jar|LINE", or "(none)", or
 * "(none)|WORD|LINE" when a java command names a jar or class that cannot
 * be read */
static const char *
java(const char *s)
{
	static char keep[512];
	struct shfile *f = parse(s);
	char *re, *what;
	int jar, line;

	if (f == NULL)
		return "(error)";
	re = shvar_java_pattern(f, &what, &jar, &line);
	if (re == NULL && what == NULL)
		snprintf(keep, sizeof keep, "(none)");
	else if (re == NULL)
		snprintf(keep, sizeof keep, "(none)|%s|%d", what, line);
	else
		snprintf(keep, sizeof keep, "%s|%s|%s|%d", re, what,
		    jar ? "jar" : "class", line);
	free(re);
	free(what);
	shvar_free(f);
	return keep;
}

/* argv[0] a java binary, then java's options up to the jar or class */
#define JAVA_PFX "^([^ ]*/)?java( (-cp|-classpath|--class-path|-p|" \
	"--module-path|--upgrade-module-path|--add-modules|--limit-modules|" \
	"--add-reads|--add-exports|--add-opens|--patch-module|--source) " \
	"[^ ]+| -[DX][^ ]*( [^- ][^ ]*)*| -[^ ]*)*"
#define JAR_RE JAVA_PFX " -jar ([^ ]*/)?"
#define CLASS_RE JAVA_PFX " ([^ ]*/)?"

/* Whether the pattern java derives from SCRIPT matches CMDLINE */
static int
java_matches(const char *script, const char *cmdline)
{
	char *what = NULL, *re;
	int jar, line, m = -1;
	struct shfile *f = parse(script);
	regex_t rx;

	re = shvar_java_pattern(f, &what, &jar, &line);
	if (re != NULL && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0) {
		m = regexec(&rx, cmdline, 0, NULL, 0) == 0;
		regfree(&rx);
	}
	free(re);
	free(what);
	shvar_free(f);
	return m;
}

static void
test_java_match(void)
{
	const char *jar = "java $JAVA_OPTS -jar /opt/job/lib/job-exec.jar\n";
	const char *cls = "java -cp 'lib/*' com.tencent.bk.job.JobApplication\n";

	is_int(java_matches(jar, "/usr/lib/jvm/bin/java -Xmx1g "
	    "-Dfile.encoding=UTF-8 -jar /data/job/lib/job-exec.jar"), 1,
	    "Job's JVM matches");
	is_int(java_matches(jar, "java -cp x -jar job-exec.jar --spring.x=1"),
	    1, "with a relative jar and arguments after it");
	is_int(java_matches(jar, "java -Dapp.name=Job Exec -XX:OnOutOfMemory"
	    "Error=kill %p -Xmx1g -jar /data/job/lib/job-exec.jar"), 1,
	    "with -D and -X values that hold spaces (Job is not missed)");
	is_int(java_matches(jar, "python3 -c pass 'notes about java' "
	    "'-> see /tmp/job-exec.jar'"), 0,
	    "a program that is not java, with java and the jar in its words");
	is_int(java_matches(jar, "/opt/javatools/bin/java2 -jar job-exec.jar"),
	    0, "a binary whose name only starts with java");
	is_int(java_matches(jar, "java -jar other.jar -jar /tmp/job-exec.jar"),
	    0, "the jar as an argument of another jar");
	is_int(java_matches(jar, "java -Dx Main /tmp/job-exec.jar"), 0,
	    "the jar as an argument of another main class");
	is_int(java_matches(cls, "java -cp /data/job/lib/* "
	    "com.tencent.bk.job.JobApplication"), 1, "Job's main class matches");
	is_int(java_matches(cls, "java -cp lib Other "
	    "com.tencent.bk.job.JobApplication"), 0,
	    "the class as an argument of another main class");
	is_int(java_matches(cls, "sh -c 'echo java "
	    "com.tencent.bk.job.JobApplication'"), 0,
	    "the class in a word of another program");
}

static void
test_java(void)
{
	is_str(java("#!/bin/bash\nnohup java -Xmx1g -jar /opt/job/job-exec.jar "
	    ">/dev/null 2>&1 &\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|2",
	    "-jar with a path: the file name");
	is_str(java("APP=job-exec.jar\nHOME_DIR=$(pwd)\nstart() {\n"
	    "\t\"$JAVA_HOME/bin/java\" $JAVA_OPTS -jar \"$HOME_DIR/lib/$APP\" "
	    ">\"$NOHUPLOG\" 2>&1 &\n}\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|4",
	    "in a function, $APP resolved, $HOME_DIR and $JAVA_HOME not needed");
	is_str(java("V=$(cat VERSION)\njava -jar lib/job-exec-$V.jar\n"),
	    JAR_RE "job-exec-[^ /]*\\.jar( |$)|job-exec-*.jar|jar|2",
	    "an unknown part of the name: a wildcard");
	is_str(java("exec java -cp 'lib/*' -Dx=y com.tencent.bk.job.JobApplication "
	    "\"$@\"\n"),
	    CLASS_RE "com\\.tencent\\.bk\\.job\\.JobApplication( |$)|"
	    "com.tencent.bk.job.JobApplication|class|1",
	    "a main class after -cp and its argument");
	is_str(java("java --module-path mods -m job.app/com.example.Job\n"),
	    CLASS_RE "com\\.example\\.Job( |$)|com.example.Job|class|1",
	    "a module's main class");
	is_str(java("# java -jar old.jar\necho \"java -jar x.jar\"\n"
	    "VERSION=$(java -version 2>&1)\njava -version 2>&1 | head -1\n"
	    "pgrep -f 'java.*job.jar'\n"), "(none)",
	    "comments, strings, $( ) and java with no jar name nothing");
	is_str(java("java -version >/dev/null\njava -jar job-api.jar\n"),
	    JAR_RE "job-api\\.jar( |$)|job-api.jar|jar|2",
	    "the first java command that names a jar");
	is_str(java("java -jar $JAR\n"), "(none)|$JAR|1",
	    "a jar name that is only a reference names nothing, and says so");
	is_str(java("BASE=/data/bkce/job\nJAR=$BASE/lib/job-exec.jar\n"
	    "java -jar $JAR\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|3",
	    "a variable whose value names another: expanded as sh would");
	is_str(java("A=job\nB=$A-exec\nC=\"lib/${B}.jar\"\nstart() {\n"
	    "\tjava -Xmx1g -jar \"$C\" &\n}\nstart\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|5",
	    "three deep, quoted, in a function");
	is_str(java("N=job-exec\nJAR=lib/$N.jar\nN=other\njava -jar $JAR\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|4",
	    "each variable with the value it had where it is used");
	is_str(java("D=$(cd \"$(dirname \"$0\")\" && pwd)\nJ=$D/lib/job-exec.jar\n"
	    "java -jar \"$J\"\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|3",
	    "a computed directory: only the file name is needed");
	is_str(java("V=$(cat VERSION)\nJ=job-exec-$V.jar\njava -jar $J\n"),
	    JAR_RE "job-exec-[^ /]*\\.jar( |$)|job-exec-*.jar|jar|3",
	    "a computed part, through a variable: a wildcard");
	is_str(java("A=$A.jar\njava -jar $A\n"), "(none)|$A|2",
	    "a value naming itself names nothing");
	is_str(java("J=job\nJ+=-exec.jar\njava -jar $J\n"), "(none)|$J|3",
	    "+= is not followed");
	ok(strncmp(java("X0=ab\nX1=$X0$X0\nX2=$X1$X1\nX3=$X2$X2\nX4=$X3$X3\n"
	    "X5=$X4$X4\nX6=$X5$X5\nX7=$X6$X6\nX8=$X7$X7\nX9=$X8$X8\n"
	    "X10=$X9$X9\nX11=$X10$X10\nX12=$X11$X11\njava -jar $X12.jar\n"),
	    JAR_RE "abab", strlen(JAR_RE "abab")) == 0,
	    "values that double at each step: followed within a budget");
	is_str(java("X0=ab\nX1=$X0$X0\nX2=$X1$X1\nX3=$X2$X2\nX4=$X3$X3\n"
	    "X5=$X4$X4\nX6=$X5$X5\nX7=$X6$X6\nX8=$X7$X7\nX9=$X8$X8\n"
	    "X10=$X9$X9\nX11=$X10$X10\nX12=$X11$X11\nX13=$X12$X12\n"
	    "X14=$X13$X13\nX15=$X14$X14\nX16=$X15$X15\nX17=$X16$X16\n"
	    "X18=$X17$X17\nX19=$X18$X18\nX20=$X19$X19\njava -jar $X20.jar\n"),
	    "(none)|$X20.jar|22",
	    "and no deeper than a limit");
	is_str(java("java -jar a.jar\n"), "(none)|a.jar|1",
	    "a name too short");
	is_str(java("java -jar 'job;x.jar'\n"), "(none)|'job;x.jar'|1",
	    "a character no jar name has");
	is_str(java("java Main\n"), "(none)|Main|1",
	    "a class in no package");
	is_str(java("JAVA=/usr/bin/java\n$JAVA -jar job-exec.jar\n"),
	    JAR_RE "job-exec\\.jar( |$)|job-exec.jar|jar|2",
	    "java through a variable");
	ok(shvar_java_pattern(NULL, &(char *){ NULL }, &(int){ 0 },
	    &(int){ 0 }) == NULL, "NULL script");
}

/* shvar_java_jar_dir of s, or "(none)" */
static const char *
jar_dir(const char *s)
{
	static char keep[512];
	struct shfile *f = parse(s);
	char *d;

	if (f == NULL)
		return "(error)";
	d = shvar_java_jar_dir(f);
	snprintf(keep, sizeof keep, "%s", d ? d : "(none)");
	free(d);
	shvar_free(f);
	return keep;
}

/* The directory job.sh has Job's jar in: where the jar must be found */
static void
test_java_jar_dir(void)
{
	is_str(jar_dir("java -jar /opt/job/lib/job-exec.jar\n"), "/opt/job/lib",
	    "an absolute jar: its directory");
	is_str(jar_dir("BASE=/data/bkce/job\nJAR=$BASE/lib/job-exec.jar\n"
	    "start() { java -Xmx1g -jar $JAR; }\n"), "/data/bkce/job/lib",
	    "through nested variables");
	is_str(jar_dir("JOB_HOME=$(cd \"$(dirname \"$0\")/..\" && pwd)\n"
	    "java -jar \"$JOB_HOME/lib/job-exec.jar\"\n"), "(none)",
	    "a computed directory: none (the caller takes the install's lib)");
	is_str(jar_dir("java -jar lib/job-exec.jar\n"), "(none)",
	    "a relative jar: none");
	is_str(jar_dir("java -jar job-exec.jar\n"), "(none)", "no directory");
	is_str(jar_dir("java -cp /opt/job/lib/x.jar com.tencent.Job\n"),
	    "(none)", "a main class: none");
	is_str(jar_dir("java -jar /job-exec.jar\n"), "/", "the root");
	is_str(jar_dir("echo no java here\n"), "(none)", "no java command");
	ok(shvar_java_jar_dir(NULL) == NULL, "NULL script");
}

int
main(void)
{
	test_get();
	test_set();
	test_bad();
	test_secret();
	test_java();
	test_java_match();
	test_java_jar_dir();
	return tap_done();
}
