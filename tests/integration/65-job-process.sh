#!/bin/bash
# 65-job-process: Job's JVM is found by what Job's start script launches
# (its jar, or its main class), not by any java command line that holds
# "job"; an explicit job.process_pattern wins; with neither, the fallback
# pattern is used and says so; the evidence names the process that matched
# and where the pattern came from, so a wrong match shows.  The processes
# are real: python3 started under the name java (exec -a), so the process
# table holds the command lines a JVM would have.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd python3

make_site "$T/site"
JOBSH=$SITE/job/job/bin/job.sh
mkdir -p "$SITE/job/job/lib"
# a start script like Job's: the jar through a variable, in a function
cat >"$JOBSH" <<'EOF'
#!/bin/bash
# Job start script (sandbox)
JOB_HOME=$(cd "$(dirname "$0")/.." && pwd)
APP_JAR=job-exec.jar
NOHUPLOG=/dev/null
#NOHUPLOG=job_jvm_console.log
status() { pgrep -f "java.*$APP_JAR" >/dev/null; }
start() {
	java -version >/dev/null 2>&1 || exit 1
	nohup "$JAVA_HOME/bin/java" $JAVA_OPTS -Dfile.encoding=UTF-8 \
		-jar "$JOB_HOME/lib/$APP_JAR" >"$NOHUPLOG" 2>&1 &
}
case "$1" in
start) start ;;
status) status ;;
esac
EOF
chmod 0755 "$JOBSH"
# a comment holding terminal controls beside NOHUPLOG, so a diff shows it
HOSTILE=$'\e[2J\e]0;pwned\a\rforged'
sed -i "/^#NOHUPLOG=/a # $HOSTILE" "$JOBSH"
jar_line=$(grep -n -- '-jar ' "$JOBSH" | cut -d: -f1)
jar_line=$((jar_line - 1)) # the java word is on the line before
# Job's log is old and its console goes nowhere: start.nolog, if Job is
# not running
touch -d '2 days ago' "$SITE/logs/job/job.log"

conf() {
	{
		printf 'site: { root = "%s"; templates_dir = ""; };\n' "$SITE"
		printf 'playbook_dirs = [ ];\n'
		printf 'probes: { network = false; disable = [ %s, "gsetask", "license", "cert", "paas", "cmdb", "consul", "ports", "nfs" ]; };\n' "$REST_OTHER_PROBES"
		[ $# -gt 0 ] && printf 'job: { process_pattern = "%s"; };\n' "$1"
	} >"$T/jobfix.conf"
	CONF=$T/jobfix.conf
}
conf
# fval FACT [FIELD]: value (or evidence) of a fact in a --json -v report
fval() {
	rest_json 'print((d.get("facts") or {}).get(sys.argv[1], {}).get(sys.argv[2], ""))' \
		"$1" "${2:-value}"
}
# start_as ARGV0 ARGS...: python3 sleeping, with that command line; sets P.
# The interpreter itself, not a wrapper that would exec it again under
# another name (pyenv's shims do).
PY=$(python3 -c 'import sys; print(sys.executable)')
start_as() {
	local name=$1
	shift
	exec -a "$name" "$PY" -c 'import time; time.sleep(3600)' "$@" </dev/null >/dev/null 2>&1 &
	P=$!
	register_server "$P" "$name" "kill_wait $P 5"
	wait_for 10 "$P" cmdline_is "$P" "$name -c import time; time.sleep(3600) $*" ||
		bail "the process $name did not start"
}
# start_java CMDLINE: a process whose command line is CMDLINE, argv[0]
# first, as a JVM's is (perl rewrites its own arguments), and whose
# executable is named java (a copy of perl: jobfix checks /proc/PID/exe);
# sets P
mkdir -p "$T/jdk/bin"
cp "$(command -v perl)" "$T/jdk/bin/java"
start_java() {
	"$T/jdk/bin/java" -e '$0 = shift; sleep 3600' "$1" </dev/null >/dev/null 2>&1 &
	P=$!
	register_server "$P" java "kill_wait $P 5"
	wait_for 10 "$P" cmdline_is "$P" "$1" ||
		bail "the process $1 did not start"
}
# argv[0] a java binary, then java's options
JAVA_PFX='^([^ ]*/)?java( (-cp|-classpath|--class-path|-p|--module-path|--upgrade-module-path|--add-modules|--limit-modules|--add-reads|--add-exports|--add-opens|--patch-module|--source) [^ ]+| -[DX][^ ]*( [^- ][^ ]*)*| -[^ ]*)*'
cmdline_is() { [ "$(tr '\0' ' ' <"/proc/$1/cmdline" | sed 's/ *$//')" = "$2" ]; }

# a java process that is not Job, whose command line holds "job"
# class names of this run only: other runs of this test may be running
DCLASS=Decoy$$
HCLASS=Hostile$$
start_java "java -Dapp.name=ijobs-decoy -cp /opt/jobs/lib $DCLASS"
DECOY=$P

check_rc 1 "diagnose with only a decoy java running" -- jf --json -v diagnose
is "$(echo "$OUT" | fval jobsh.java_main)" "job-exec.jar" "the jar job.sh launches is read"
like "$(echo "$OUT" | fval jobsh.java_main evidence)" "^$JOBSH:$jar_line: the jar its java command launches" \
	"with the line of its java command"
is "$(echo "$OUT" | fval job.pattern)" "$JAVA_PFX"' -jar ([^ ]*/)?job-exec\.jar( |$)' "the pattern is derived from it"
like "$(echo "$OUT" | fval job.pattern evidence)" "^derived from $JOBSH:$jar_line: java -jar job-exec\.jar" \
	"and says where from"
is "$(echo "$OUT" | fval job.running)" "no" "the decoy is not taken for Job"
like "$(echo "$OUT" | fval job.running evidence)" "no process matches .*job-exec.* \(derived from $JOBSH:$jar_line" \
	"the evidence names the pattern and its source"
is "$(echo "$OUT" | findings)" "start.nolog:-" "so Job not writing a log is found"
like "$(echo "$OUT" | finding_field start.nolog evidence)" "job\.running = no .*derived from $JOBSH" \
	"and its evidence says how Job was looked for"

# a program that is not java, whose words hold "java" and then the jar
"$PY" -c 'import time; time.sleep(3600)' 'notes about java' '-> see /tmp/job-exec.jar' </dev/null >/dev/null 2>&1 &
WORDS=$!
register_server "$WORDS" words "kill_wait $WORDS 5"
wait_for 10 "$WORDS" grep -q job-exec "/proc/$WORDS/cmdline" || bail "the python3 decoy did not start"
# java running another jar, with Job's jar as its argument
start_java "/opt/java/bin/java -jar /opt/tools/other.jar -jar $SITE/job/job/lib/job-exec.jar"
ARGJAR=$P
check_rc 1 "diagnose with decoys naming the jar in later words" -- jf --json -v diagnose
is "$(echo "$OUT" | fval job.running)" "no" "a decoy naming the jar after argv[0] or after another jar is not Job"
unlike "$(echo "$OUT" | fval job.running evidence)" "pid ($WORDS|$ARGJAR) " "nor named as Job"
kill_wait "$WORDS" 5
kill_wait "$ARGJAR" 5

# raw_ctl TEXT: whether TEXT holds ESC, BEL or CR
raw_ctl() { case "$1" in *$'\e'* | *$'\a'* | *$'\r'*) return 0 ;; esac; return 1; }
check_rc 1 "fix --dry-run with terminal controls in job.sh" -- jf fix --dry-run
like "$OUT" 'NOHUPLOG' "the plan shows the diff of job.sh"
! raw_ctl "$OUT"
ok $? "fix --dry-run prints no raw ESC, BEL or CR"
like "$OUT" '\\x1b\[2J\\x1b\]0;pwned\\x07\\x0dforged' "but shows them escaped"
# a process whose arguments hold terminal controls, named in the evidence
start_java "java -Dx=$HOSTILE $HCLASS"
HOST_P=$P
conf "$HCLASS( |\$)"
check "facts with terminal controls in a command line" -- jf facts
like "$OUT" "pid $HOST_P matches" "facts names the process"
! raw_ctl "$OUT"
ok $? "facts prints no raw ESC, BEL or CR"
like "$OUT" '\\x1b\[2J\\x1b\]0;pwned\\x07\\x0dforged' "but shows them escaped"
check "diagnose -v with terminal controls in a command line" -- jf diagnose -v
! raw_ctl "$OUT"
ok $? "diagnose prints no raw ESC, BEL or CR"
check "the JSON report escapes them" -- jf --json -v diagnose
like "$(echo "$OUT" | fval job.running evidence)" "pwned" "the JSON report holds the command line"
! raw_ctl "$OUT"
ok $? "escaped by the JSON encoder"
kill_wait "$HOST_P" 5
conf

# Job itself, launched as job.sh does
start_java "/opt/java/bin/java -Xmx64m -Dfile.encoding=UTF-8 -jar $SITE/job/job/lib/job-exec.jar"
JOB=$P
check "diagnose with Job running" -- jf --json -v diagnose
is "$(echo "$OUT" | fval job.running)" "yes" "Job is found"
is "$(echo "$OUT" | fval job.pid)" "$JOB" "by its own pid, not the decoy's"
like "$(echo "$OUT" | fval job.running evidence)" "^pid $JOB matches .* \(derived from $JOBSH:$jar_line: java -jar job-exec\.jar\): /opt/java/bin/java .*-Xmx64m .*-jar $SITE/job/job/lib/job-exec\.jar" \
	"the evidence names the process that matched and the pattern's source"
is "$(echo "$OUT" | findings)" "" "no finding"
kill_wait "$JOB" 5

# --- identity: a command line that matches is only a claim ----------------
# Job's JVM runs as root or the owner of Job's install directory, its
# /proc/PID/exe is java, and its jar (resolved against its working
# directory) is in Job's lib directory.  Each process here matches the
# pattern and fails one check; the evidence names it and says why.
JOB_HOME=$SITE/job/job
LIB_REAL=$(readlink -f "$JOB_HOME/lib")
mkdir -p "$T/x/lib"
XDIR=$(readlink -f "$T/x")
# the red team's decoy: python3 named java, Job's jar name from anywhere
exec -a java "$PY" -c'__import__("time").sleep(3600)' -jar "$T/x/job-exec.jar" </dev/null >/dev/null 2>&1 &
ATT=$!
register_server "$ATT" decoy "kill_wait $ATT 5"
wait_for 10 "$ATT" grep -q job-exec "/proc/$ATT/cmdline" || bail "the python3 decoy did not start"
PY_REAL=$(readlink -f "$PY")
check_rc 1 "diagnose with python3 named java running job-exec.jar" -- jf --json -v diagnose
is "$(echo "$OUT" | fval job.running)" "no" "a process that is not java is not Job"
like "$(echo "$OUT" | fval job.running evidence)" "; pid $ATT looks like Job but runs $PY_REAL, not java: java -c" \
	"the evidence names it and says why it is not"
is "$(echo "$OUT" | findings)" "start.nolog:-" "so Job not running is found"
check_rc 1 "the text report says it too" -- jf diagnose -v
like "$OUT" "pid $ATT looks like Job but runs $PY_REAL, not java" "in words"
kill_wait "$ATT" 5

# a real JVM, when a JDK is installed (CI has default-jdk-headless)
if command -v java >/dev/null && command -v javac >/dev/null && command -v jar >/dev/null; then
	mkdir -p "$T/jsrc"
	printf 'public class Sleep { public static void main(String[] a) throws Exception { Thread.sleep(3600000L); } }\n' >"$T/jsrc/Sleep.java"
	printf 'Main-Class: Sleep\n' >"$T/jsrc/manifest"
	{ javac -d "$T/jsrc" "$T/jsrc/Sleep.java" &&
		jar cfm "$JOB_HOME/lib/job-exec.jar" "$T/jsrc/manifest" -C "$T/jsrc" Sleep.class; } >"$T/javac.log" 2>&1 ||
		bail "cannot build a jar: $(cat "$T/javac.log")"
	cp "$JOB_HOME/lib/job-exec.jar" "$T/x/job-exec.jar"
	cp "$JOB_HOME/lib/job-exec.jar" "$T/x/lib/job-exec.jar"
	chmod 0644 "$JOB_HOME/lib/job-exec.jar"
	# start_jvm DIR ARGS...: java ARGS in DIR, as job.sh starts it; sets P
	start_jvm() {
		local dir=$1
		shift
		(cd "$dir" && exec java -Xmx32m -XX:-UsePerfData "$@" </dev/null >/dev/null 2>&1) &
		P=$!
		register_server "$P" jvm "kill_wait $P 5"
		wait_for 10 "$P" grep -q job-exec "/proc/$P/cmdline" || bail "java $* did not start"
	}
	# Job's jar name, from another directory, by path
	start_jvm / -jar "$T/x/job-exec.jar"
	J_ABS=$P
	# relative to a working directory that is not Job's
	start_jvm "$T/x" -jar lib/job-exec.jar
	J_REL=$P
	check_rc 1 "diagnose with JVMs running Job's jar name from elsewhere" -- jf --json -v diagnose
	is "$(echo "$OUT" | fval job.running)" "no" "a JVM running another job-exec.jar is not Job"
	EV=$(echo "$OUT" | fval job.running evidence)
	like "$EV" "pid $J_ABS looks like Job but its jar $XDIR/job-exec\.jar is not in $LIB_REAL, Job's lib directory" \
		"the jar by path: named, and why"
	like "$EV" "pid $J_REL looks like Job but its jar $XDIR/lib/job-exec\.jar is not in $LIB_REAL" \
		"the relative jar is resolved against the JVM's working directory"
	ok "$(pid_alive "$J_ABS" && pid_alive "$J_REL" && echo 0 || echo 1)" "both JVMs were running"
	kill_wait "$J_ABS" 5
	kill_wait "$J_REL" 5
	# Job's own jar, run by another user
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		chmod 0711 "$T" # so nobody reaches the jar, and nothing more
		NOBODY=$(id -u nobody)
		setpriv --reuid="$NOBODY" --regid="$(id -g nobody)" --clear-groups -- \
			java -Xmx32m -XX:-UsePerfData -jar "$JOB_HOME/lib/job-exec.jar" </dev/null >/dev/null 2>&1 &
		J_USER=$!
		register_server "$J_USER" jvm-nobody "kill_wait $J_USER 5"
		wait_for 10 "$J_USER" grep -q job-exec "/proc/$J_USER/cmdline" || bail "java as nobody did not start"
		check_rc 1 "diagnose with Job's jar run by nobody" -- jf --json -v diagnose
		is "$(echo "$OUT" | fval job.running)" "no" "a JVM of another user is not Job"
		like "$(echo "$OUT" | fval job.running evidence)" "pid $J_USER looks like Job but runs as uid $NOBODY, not root or the owner of $JOB_HOME \(uid 0\)" \
			"named, with its owner"
		ok "$(pid_alive "$J_USER" && echo 0 || echo 1)" "it was running"
		# jobfix not root: another user's /proc/PID/exe cannot be read,
		# so that JVM cannot be checked: not taken for Job, and said
		chown -R nobody "$JOBFIX_STATE_DIR"
		chmod 0755 "$T/jobfix.conf" "$SITE" "$SITE/logs" "$SITE/logs/job"
		start_jvm "$JOB_HOME" -jar lib/job-exec.jar
		J_ROOT=$P
		check_rc 1 "jobfix run by nobody, Job's JVM run by root" -- \
			setpriv --reuid="$NOBODY" --regid="$(id -g nobody)" --clear-groups -- \
			"$JOBFIX" -c "$CONF" --no-color --json -v diagnose
		is "$(echo "$OUT" | fval job.running)" "unknown" "Job is neither said to run nor not to"
		like "$(echo "$OUT" | fval job.unchecked evidence)" "pid $J_ROOT looks like Job but cannot be checked: its executable cannot be checked: .*/proc/$J_ROOT/exe.*Permission denied \(jobfix is not root\)" \
			"the evidence says which process and why"
		is "$(echo "$OUT" | finding_field start.nolog state)" "could not check" "start.nolog could not be checked"
		kill_wait "$J_ROOT" 5
		kill_wait "$J_USER" 5
		chown -R root "$JOBFIX_STATE_DIR"
		chmod 0700 "$T"
	else
		skip "a JVM of another user" "not root, or no setpriv"
	fi
	# Job itself, started as job.sh does: from its home, the jar relative
	start_jvm "$JOB_HOME" -jar lib/job-exec.jar
	J_JOB=$P
	check "diagnose with Job's real JVM" -- jf --json -v diagnose
	is "$(echo "$OUT" | fval job.running)" "yes" "a real JVM running Job's jar from Job's home is Job"
	is "$(echo "$OUT" | fval job.pid)" "$J_JOB" "by its pid"
	kill_wait "$J_JOB" 5
	# Job started from its home with the jar beside bin/ (job.sh may cd
	# there), and a lib/ jar that links to a release elsewhere in the
	# install: both are Job's, in its install
	cp "$JOB_HOME/lib/job-exec.jar" "$JOB_HOME/job-exec.jar"
	start_jvm "$JOB_HOME" -jar job-exec.jar
	J_HOME=$P
	check "diagnose with Job's jar in its home, not lib/" -- jf --json -v diagnose
	is "$(echo "$OUT" | fval job.running)" "yes" "a jar in Job's install is Job's"
	is "$(echo "$OUT" | fval job.pid)" "$J_HOME" "by its pid"
	kill_wait "$J_HOME" 5
	rm -f "$JOB_HOME/job-exec.jar"
	mkdir -p "$JOB_HOME/releases"
	mv "$JOB_HOME/lib/job-exec.jar" "$JOB_HOME/releases/job-exec-3.9.1.jar"
	ln -s ../releases/job-exec-3.9.1.jar "$JOB_HOME/lib/job-exec.jar"
	start_jvm "$JOB_HOME" -jar lib/job-exec.jar
	J_LINK=$P
	check "diagnose with lib/job-exec.jar a link to a release" -- jf --json -v diagnose
	is "$(echo "$OUT" | fval job.running)" "yes" "a jar linked to a release in the install is Job's"
	kill_wait "$J_LINK" 5
	rm -rf "$JOB_HOME/releases"
	rm -f "$JOB_HOME/lib/job-exec.jar"
else
	[ -n "${CI-}" ] && bail "CI: java, javac and jar are needed (default-jdk-headless)"
	skip "a real JVM" "no JDK (java, javac, jar)"
fi

# the setting wins over job.sh
conf "$DCLASS( |\$)"
check "diagnose with job.process_pattern set" -- jf --json -v diagnose
is "$(echo "$OUT" | fval job.pattern evidence)" "setting job.process_pattern" "the setting is used"
is "$(echo "$OUT" | fval job.pid)" "$DECOY" "and matches what it says"
like "$(echo "$OUT" | fval job.running evidence)" "^pid $DECOY matches \"$DCLASS\( \|\\$\)\" \(setting job.process_pattern\): java .*-cp /opt/jobs/lib $DCLASS" \
	"naming the process, so a wrong match shows"

# a main class instead of a jar
conf
sed -i 's|-jar "$JOB_HOME/lib/$APP_JAR"|-cp "$JOB_HOME/lib/*" com.tencent.bk.job.JobApplication|' "$JOBSH"
start_java "java -cp $SITE/job/job/lib/* com.tencent.bk.job.JobApplication"
JOB=$P
check "diagnose with a main class" -- jf --json -v diagnose
is "$(echo "$OUT" | fval jobsh.java_main)" "com.tencent.bk.job.JobApplication" "the main class is read"
is "$(echo "$OUT" | fval job.pid)" "$JOB" "and Job is found by it"
kill_wait "$JOB" 5

# job.sh names nothing: the fallback, said to be one
sed -i '/nohup/,+1d' "$JOBSH"
check "diagnose when job.sh names no jar or class" -- jf --json -v diagnose
is "$(echo "$OUT" | fval jobsh.java_main)" "" "nothing is read"
is "$(echo "$OUT" | fval job.pattern)" 'java .*(job|ijobs)' "the fallback pattern is used"
like "$(echo "$OUT" | fval job.pattern evidence)" "^fallback: .*names no jar or main class" "and said to be a fallback"
is "$(echo "$OUT" | fval job.running)" "yes" "it takes a decoy for Job"
like "$(echo "$OUT" | fval job.running evidence)" "^pid [0-9]+ matches .* \(fallback: .*\): .*java " \
	"but the evidence names the process it took, so the wrong match shows"
check "jobfix facts shows the same in words" -- jf facts
like "$OUT" "job\.running += yes" "facts: job.running"
like "$OUT" "pid [0-9]+ matches" "with the process named"
like "$OUT" "it may not be Job" "and the guess said to be one"

# the jar through a variable whose value names another, as sh expands it
# (a directory of this run's own: another run of this test may be running)
BKCE=/data/bkce-$$
cat >"$JOBSH" <<EOF
#!/bin/bash
BASE=$BKCE/job
JAR=\$BASE/lib/job-exec.jar
start() { nohup java -Xmx64m -jar \$JAR >/dev/null 2>&1 & }
case "\$1" in
start) start ;;
esac
EOF
check_rc 1 "diagnose: nested variables, only the decoy running" -- jf --json -v diagnose
is "$(echo "$OUT" | fval jobsh.java_main)" "job-exec.jar" "the jar is read through \$JAR and \$BASE"
is "$(echo "$OUT" | fval job.pattern)" "$JAVA_PFX"' -jar ([^ ]*/)?job-exec\.jar( |$)' "the pattern is derived from it"
like "$(echo "$OUT" | fval job.pattern evidence)" "^derived from $JOBSH:4: java -jar job-exec\.jar" \
	"from the line of the java command"
is "$(echo "$OUT" | fval job.running)" "no" "the decoy is not named as Job"
unlike "$(echo "$OUT" | fval job.running evidence)" "pid $DECOY" "nor named in the evidence"
start_java "/opt/java/bin/java -Xmx64m -jar $BKCE/job/lib/job-exec.jar"
JOB=$P
check "diagnose: nested variables, Job running" -- jf --json -v diagnose
is "$(echo "$OUT" | fval job.pid)" "$JOB" "Job is found by its own pid"
kill_wait "$JOB" 5

# a jar that cannot be read: the fallback says why, and a match is a guess
sed -i 's|-jar $JAR|-jar "$1"|' "$JOBSH"
check "diagnose: a jar job.sh takes from its arguments" -- jf --json -v diagnose
is "$(echo "$OUT" | fval jobsh.java_main)" "" "nothing is read"
like "$(echo "$OUT" | fval jobsh.java_main evidence)" "^$JOBSH:4: its java command launches \"\\\$1\", which cannot be read" \
	"the evidence names the word that could not be read"
like "$(echo "$OUT" | fval job.pattern evidence)" "^fallback: .*no jar or main class that can be read \($JOBSH:4: " \
	"the fallback says why"
like "$(echo "$OUT" | fval job.running evidence)" "^pid $DECOY matches .*it may not be Job \(set job\.process_pattern\): java " \
	"the decoy it matches is named as possibly not Job"
# job.sh a FIFO: there, but not a script; named as not a regular file,
# never "missing", jo.sh not tried in its place, and nothing hangs (a
# blocking open of a FIFO with no writer never returns: the timeout fails
# the test instead)
kill_wait "$DECOY" 5
rm -f "$JOBSH"
mkfifo "$JOBSH"
printf '#!/bin/sh\nNOHUPLOG=job_jvm_console.log\n' >"$SITE/job/job/bin/jo.sh"
check_rc 1 "diagnose with job.sh a FIFO" -- timeout 60 "$JOBFIX" -c "$CONF" --no-color --json -v diagnose
is "$(echo "$OUT" | fval jobsh.status)" "unreadable" "job.sh is not reported missing"
is "$(echo "$OUT" | fval jobsh.path)" "$JOBSH" "nor is jo.sh read in its place"
is "$(echo "$OUT" | fval jobsh.unchecked)" "not a regular file" "it is not a regular file"
like "$(echo "$OUT" | fval jobsh.unchecked evidence)" "^$JOBSH is a FIFO, not a regular file" \
	"and the evidence names the path and what it is"
is "$(echo "$OUT" | findings)" "start.nolog:-" "Job not running with no log is a finding"
is "$(echo "$OUT" | finding_field start.nolog state)" "could not check" "that could not be checked"
like "$(echo "$OUT" | finding_field start.nolog note)" "not a regular file \($JOBSH is a FIFO" \
	"naming the path"
check_rc 1 "the text report says it too" -- timeout 60 "$JOBFIX" -c "$CONF" --no-color diagnose
like "$OUT" "$JOBSH is a FIFO, not a regular file" "the text report names the path"
unlike "$OUT" "missing" "and says nothing is missing"
rm -f "$JOBSH" "$SITE/job/job/bin/jo.sh"
done_testing
