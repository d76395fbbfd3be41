#!/bin/bash
# 13-demo: `jobfix demo` starts real private servers, breaks the site the
# FAQ's way and repairs it; each repair is checked here against the servers
# themselves (the running MariaDB's @@event_scheduler, an AMQP login on
# bk_job spoken by tests/amqp-login.py, the agent's ESTABLISHED link), not
# by reading jobfix's report.  The demo is driven with --step, so the
# checks run while its servers are up.  Afterwards no process of the
# sandbox and no sandbox directory may be left, also after SIGINT during
# the servers' start (on a terminal, and not on one while RabbitMQ boots),
# at a pause with the servers up, and in the middle of the fix while it
# runs rabbitmqctl (sent to the process group, as Ctrl-C on a terminal is).  A
# server not installed is named with its package, the rest still shown.
# The README's excerpt of the demo's output is checked against the real
# one.  --files-only is the quick version without servers.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd my_print_defaults python3 mariadbd mariadb redis-server epmd ss setsid
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || skip_all "rabbitmq-server is not installed"

SECS=${JOBFIX_TEST_TIMEOUT:-60}
SECS=$((SECS * 4))	# a loaded machine starts RabbitMQ slowly

# ---------------------------------------------------------------- helpers

# tpre MSGID: the demo's message MSGID in the scenario's language, up to
# its first %-directive, as an extended regex (see t and tre in lib.sh).
tpre() { local s; s=$(t "$1"); printf '%s' "${s%%%*}" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }
PAUSE="^$(tpre $'-- press Enter to go on --\n')"

DEMO_PID=
DEMO_OUT=
DEMO_IN=

# demo_start ARGS...: jobfix demo in a session of its own (so a signal can
# go to its process group, as the terminal's Ctrl-C does), stdin from a
# fifo held open here, stdout and stderr in $DEMO_OUT.
demo_start() {
	local n=$((++_demo_n))
	DEMO_OUT=$T/demo-$n.out
	DEMO_IN=$T/demo-$n.in
	mkfifo "$DEMO_IN"
	setsid "$JOBFIX" --no-color demo "$@" <"$DEMO_IN" >"$DEMO_OUT" 2>&1 &
	DEMO_PID=$!
	exec 7>"$DEMO_IN"
	register_server "$DEMO_PID" demo "kill_wait $DEMO_PID 60"
}
_demo_n=0

# wait_out REGEX [COUNT]: until the demo printed COUNT (1) lines matching
# REGEX; 1 if it ended or the deadline passed first.
wait_out() {
	local re=$1 count=${2:-1} end=$((SECONDS + SECS))
	while [ "$(grep -cE -- "$re" "$DEMO_OUT" 2>/dev/null)" -lt "$count" ]; do
		if ! pid_alive "$DEMO_PID" || [ "$SECONDS" -ge "$end" ]; then
			diag "no \"$re\" (x$count) in the demo's output:"
			tail -n 30 "$DEMO_OUT" | diag "$(cat)"
			return 1
		fi
		sleep 0.2
	done
}

# demo_wait: until the demo exits; its status in RC.
demo_wait() {
	local end=$((SECONDS + SECS))
	exec 7>&-
	while pid_alive "$DEMO_PID" && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
	if pid_alive "$DEMO_PID"; then
		RC=999
		diag "the demo did not end"
		stop_server "$DEMO_PID"
		return 1
	fi
	wait "$DEMO_PID"
	RC=$?
	unset "_jf_stop_cmd[$DEMO_PID]"
}

# sandbox: the demo's sandbox directory, from its first line.
sandbox() {
	local intro
	intro=$(t $'jobfix demo: a sandbox BlueKing install in %s\n')
	local pre=${intro%%%s*} post=${intro#*%s} line
	line=$(tr -d '\r' <"$DEMO_OUT" | grep -F -- "$pre" | head -n 1)
	line=${line#*"$pre"}
	printf '%s\n' "${line%"$post"}"
}

# procs_of DIR: the pids of processes whose command line, environment or
# working directory mentions DIR (every server of the sandbox does: its
# data directory, HOME or working directory is in it).
procs_of() {
	local p pid c
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		c=$({ tr '\0' ' ' <"$p/cmdline"; tr '\0' ' ' <"$p/environ"
			readlink "$p/cwd"; } 2>/dev/null)
		[[ $c == *"$1"* ]] && echo "$pid"
	done
	return 0
}

# listening PORT...: the ports among PORT... that something listens on.
listening() {
	local p
	for p; do
		[ -n "$(ss -Htln "( sport = :$p )" 2>/dev/null)" ] && echo "$p"
	done
	return 0
}

# demo_ports DIR: every port of the sandbox's servers.
demo_ports() {
	grep -ohE '(port *= *|:|ERL_EPMD_PORT=)[0-9]{4,5}' "$1/jobfix.conf" "$1/etc/job.conf" \
		2>/dev/null | grep -oE '[0-9]+$' | sort -u
}

# nothing_left DESC DIR PORTS: no process of the sandbox, no listener on
# its ports, no sandbox directory (unless KEEP=1).
nothing_left() {
	local left
	ok "$([ -n "$2" ]; echo $?)" "$1: the demo named its sandbox" || return
	left=$(procs_of "$2")
	is "$left" "" "$1: no process of the sandbox is left"
	[ -n "$left" ] && ps -o pid,args -p "$(echo $left | tr ' ' ,)" | diag "$(cat)"
	# shellcheck disable=SC2086
	is "$(listening $3)" "" "$1: nothing listens on the sandbox's ports"
	if [ "${KEEP-}" = 1 ]; then
		ok "$([ -d "$2" ]; echo $?)" "$1: --keep kept the sandbox"
	else
		ok "$([ ! -e "$2" ]; echo $?)" "$1: the sandbox directory is removed"
	fi
}

mysql_sched() { mariadb --no-defaults -S "$1/mysql/mysql.sock" -uroot -N -B -e 'SELECT @@event_scheduler' 2>&1; }
amqp_login() {	# DIR: log in as Job does, with job.conf's values
	local port secret
	port=$(sed -n 's/^ijobs.amqp.addresses=127.0.0.1://p' "$1/etc/job.conf")
	secret=$(sed -n 's/^app.secret=//p' "$1/etc/job.conf")
	AMQP_PASSWORD=$secret python3 "$top_srcdir/tests/amqp-login.py" 127.0.0.1 "$port" bk_job bk_job 2>&1
}
agent_links() {	# DIR: ESTABLISHED connections from the agent's master to gse_task
	local port pid
	port=$(sed -n 's/^gse.taskserver.port=//p' "$1/etc/job.conf")
	pid=$(cat "$1/gse/agent/run/master.pid" 2>/dev/null) || { echo 0; return; }
	ss -Htnp state established "( dport = :$port )" 2>/dev/null | grep -c "pid=$pid,"
}

# ---------------------------------------------------------------- the whole demo

demo_start --step
wait_out "$PAUSE" 1
D=$(sandbox)
like "$D" "^/.*/jobfix-demo\.[A-Za-z0-9]+$" "the demo names its sandbox"
PORTS=$(demo_ports "$D")
is "$(echo $PORTS | wc -w)" 5 "five ports in the sandbox's files: MariaDB, RabbitMQ, its epmd, Redis, gse_task"
up=$(procs_of "$D" | wc -l)
ok "$([ "$up" -ge 6 ]; echo $?)" "the sandbox's servers run ($up processes)"
is "$(listening $PORTS | wc -l)" 5 "all five listen"

# broken the FAQ's way, seen from the servers
is "$(mysql_sched "$D")" OFF "before: the running MariaDB says @@event_scheduler OFF"
like "$(amqp_login "$D")" "403 ACCESS_REFUSED" "before: the broker refuses Job's login on bk_job"
is "$(agent_links "$D")" 0 "before: no agent holds a link to gse_task"
GSE_PORT=$(sed -n 's/^gse.taskserver.port=//p' "$D/etc/job.conf")
is "$(grep '^NOHUPLOG=' "$D/job/job/bin/job.sh")" "NOHUPLOG=/dev/null" "before: NOHUPLOG=/dev/null"
like "$(cat "$D/logs/job/error.log")" "Table has no partition for value" "before: the partition error is in error.log"

for i in 1 2 3 4; do
	echo >&7
	wait_out "$PAUSE" $((i + 1))
done
like "$(cat "$DEMO_OUT")" "==> $(tre '3. fix')" "the fix ran"

# repaired, seen from the servers
is "$(mysql_sched "$D")" ON "after: the running MariaDB says @@event_scheduler ON"
is "$(my_print_defaults --defaults-file="$D/etc/my.cnf" mysqld | grep -E 'event[-_]scheduler' | tail -n 1 | tr - _)" \
	"__event_scheduler=ON" "after: my.cnf (with its includes) turns the scheduler on"
is "$(amqp_login "$D")" ok "after: Job's login on vhost bk_job works (AMQP handshake)"
is "$(agent_links "$D")" 1 "after: the agent's master holds an ESTABLISHED link to gse_task"
is "$(pgrep -c -f "^$D/gse/agent/bin/gse_agent")" 2 "after: the agent runs its two processes"
is "$(grep '^NOHUPLOG=' "$D/job/job/bin/job.sh")" "NOHUPLOG=job_jvm_console.log" "after: NOHUPLOG=job_jvm_console.log"
ok "$([ -s "$D/job/job/bin/job_jvm_console.log" ]; echo $?)" "after: Job wrote its console log"

echo >&7
demo_wait
is "$RC" 0 "the demo ends healthy"
OUT=$(cat "$DEMO_OUT")
like "$OUT" "$(tre 'No faults found.')" "the last diagnose is clean"
for f in nolog.partition wait.rabbitmq.vhost start.nolog agent.down; do
	like "$OUT" "\[$f\]" "stage 1 found $f"
done
like "$OUT" "==> $(tre '5. the repairs, checked on the running things themselves')" "stage 5 ran"
# what stage 5 shows a person: each repair seen on the thing itself
S5=${OUT#*"==> $(t '5. the repairs, checked on the running things themselves')"}
like "$S5" $'SELECT @@event_scheduler\'\n@@event_scheduler\nON' "stage 5: the running MariaDB says ON"
like "$S5" "$(tpre $'logged in: the broker opened vhost %s to %s\n')bk_job" "stage 5: an AMQP login on bk_job"
like "$S5" $'\nNOHUPLOG=job_jvm_console\\.log\n' "stage 5: NOHUPLOG in job.sh"
like "$S5" $'\nJVM console of the demo Job\n' "stage 5: Job's console log"
is "$(printf '%s\n' "$S5" | grep -cE "^[0-9]+ $D/gse/agent/bin/gse_agent ")" 2 "stage 5: the agent's two processes"
like "$S5" "127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$GSE_PORT " "stage 5: the agent's link to gse_task"
unlike "$OUT" "Demo-Secret-7f3a9c" "no secret of the sandbox in the output"
unlike "$OUT" "the running MySQL server was not checked" "no note says the running server was not checked (it was)"
nothing_left "after the demo" "$D" "$PORTS"

# ---------------------------------------------------------------- the README

# The README's excerpt is the demo's real output: each of its lines other
# than "..." is a line of the output above, in the same order (the sandbox's
# path, numbers and runs of blanks aside).
norm() { sed -E 's#/[^ ]*/jobfix-demo\.[A-Za-z0-9]+#SANDBOX#g; s/[0-9]+/N/g; s/[[:space:]]+/ /g; s/ $//'; }
awk '/^<!-- demo-output -->/ { on = 1; next }
	on && /^```/ { if (inside) exit; inside = 1; next }
	inside { print }' "$top_srcdir/README.md" | norm >"$T/excerpt"
norm <"$T/demo-1.out" >"$T/demo-1.norm"
ok "$([ "$(grep -cv '^\.\.\.$' "$T/excerpt")" -ge 20 ]; echo $?)" "the README has a demo excerpt"
# the README is English: its excerpt is compared with an English run
if [ "$(t '3. fix')" != '3. fix' ]; then
	ok 0 "the README's demo excerpt: not compared, the demo ran in another language # SKIP"
else
check "the README's demo excerpt is the demo's output" -- python3 -c '
import sys
want = [l for l in open(sys.argv[1]).read().split("\n") if l.strip() not in ("", "...")]
got = open(sys.argv[2]).read().split("\n")
i = 0
for l in want:
    while i < len(got) and got[i] != l:
        i += 1
    if i == len(got):
        sys.exit("not in the output, or not in this order: " + l)
    i += 1
' "$T/excerpt" "$T/demo-1.norm"
fi
like "$(awk '/<!-- demo-command -->/ { on = 1; next } on && /^```/ { n++; next } on && n == 1 { print; exit }' "$top_srcdir/README.md")" \
	'debian-deps\.sh .*&& \./jobfix demo$' "the README's first command installs the servers and runs the demo"

# ---------------------------------------------------------------- SIGINT

# while the servers start, on a terminal (script(1) gives the demo one):
# a progress line, rewritten in place, instead of the "ready" lines
DEMO_OUT=$T/tty.out
script -qefc "exec $JOBFIX --no-color demo" /dev/null </dev/null >"$DEMO_OUT" 2>&1 &
DEMO_PID=$!
register_server "$DEMO_PID" script "kill_wait $DEMO_PID 60"
wait_out "$(tre 'starting private servers:') .*MariaDB"
D=$(sandbox)
end=$((SECONDS + SECS))
until [ -s "$D/run/mariadb.pid" ] || [ "$SECONDS" -ge "$end" ]; do sleep 0.1; done
PORTS=$(demo_ports "$D")
like "$(cat "$DEMO_OUT")" $'\r\033\\[K'"$(tre 'starting private servers:') " "on a terminal: a progress line"
unlike "$(cat "$DEMO_OUT")" "$(tpre $'Starting private servers on 127.0.0.1 (RabbitMQ takes a few seconds)...\n')" "on a terminal: not the plain lines"
jobfix_pid=$(pgrep -P "$DEMO_PID" | head -n 1)	# script's child is jobfix
ok "$([ -n "$jobfix_pid" ]; echo $?)" "jobfix runs under script"
kill -INT "$jobfix_pid"
demo_wait
is "$RC" 130 "SIGINT while the servers start: exit 130"
like "$(cat "$DEMO_OUT")" "$(tre 'jobfix demo: interrupted; the servers are stopped and the sandbox removed')" "it says what it did"
nothing_left "SIGINT while the servers start" "$D" "$PORTS"

# not on a terminal: a plain line as each server gets ready, written at once
# (a pipe or a file sees Redis ready while RabbitMQ still boots); then
# SIGINT while RabbitMQ boots
ready=$(t $'  %-9s ready on 127.0.0.1:%d\n')
ready=${ready#*%-9s}
ready=${ready%%%d*}
demo_start
wait_out "^ +Redis +$(printf '%s' "$ready" | sed 's/[][\.*^$()+?{}|]/\\&/g')"
D=$(sandbox)
PORTS=$(demo_ports "$D")
ok "$([ ! -s "$D/run/beam.pid" ]; echo $?)" "not on a terminal: Redis's line comes while RabbitMQ still boots"
kill -INT -- "-$DEMO_PID"
demo_wait
is "$RC" 130 "SIGINT while RabbitMQ boots: exit 130"
like "$(cat "$DEMO_OUT")" "$(tre 'jobfix demo: interrupted; the servers are stopped and the sandbox removed')" "it says what it did"
nothing_left "SIGINT while RabbitMQ boots" "$D" "$PORTS"

# at a pause, the servers up (--keep: the sandbox stays, the servers go)
KEEP=1
demo_start --step --keep "$T/kept"
wait_out "$PAUSE" 1
D=$(sandbox)
PORTS=$(demo_ports "$D")
kill -INT -- "-$DEMO_PID"
demo_wait
is "$RC" 130 "Ctrl-C at a pause: exit 130"
nothing_left "Ctrl-C at a pause" "$D" "$PORTS"
KEEP=

# in the middle of the fix, while it runs rabbitmqctl: jobfix runs it in a
# process group of its own (the terminal's Ctrl-C does not reach it, and
# its Erlang VM ignores SIGINT), and that VM, once the sandbox's epmd is
# gone, would start an epmd of its own on every address
demo_start --step
wait_out "$PAUSE" 1
D=$(sandbox)
PORTS=$(demo_ports "$D")
NODE=$(sed -n 's/^ *node = "\(.*\)";$/\1/p' "$D/jobfix.conf")
echo >&7
wait_out "$PAUSE" 2
echo >&7
wait_out "$PAUSE" 3
echo >&7
wait_out "^==> $(tre '3. fix')"
end=$((SECONDS + SECS))
until pgrep -f -- "rabbitmqctl -n $NODE " >/dev/null || [ "$SECONDS" -ge "$end" ] ||
	! pid_alive "$DEMO_PID"; do
	sleep 0.05
done
ok "$(pgrep -f -- "rabbitmqctl -n $NODE " >/dev/null; echo $?)" "the fix runs rabbitmqctl"
kill -INT -- "-$DEMO_PID"
demo_wait
is "$RC" 130 "Ctrl-C during the fix: exit 130"
nothing_left "Ctrl-C during the fix" "$D" "$PORTS"

# ---------------------------------------------------------------- a server missing

# RabbitMQ not installed (its programs looked for in an empty directory),
# and MariaDB's server not either (no sbin directory on PATH: mariadbd is
# not found, while mariadb-install-db and the client's mariadb-admin are,
# as with mariadb-client installed without mariadb-server): the demo names
# each package and shows the rest
mkdir -p "$T/no-rabbitmq"
nosbin=$(printf '%s\n' "$PATH" | tr ':' '\n' | grep -v 'sbin/*$' | paste -sd:)
PATH=$nosbin SRV_RABBITMQ_BIN=$T/no-rabbitmq demo_start
demo_wait
is "$RC" 0 "RabbitMQ missing: the rest of the demo ends healthy"
OUT=$(cat "$DEMO_OUT")
msg=$(t $'  %-9s not installed: apt-get install %s to see %s\n')
msg=${msg#*%-9s}
like "$OUT" "RabbitMQ +$(printf '%s' "${msg%%%s*}" | sed 's/[][\.*^$()+?{}|]/\\&/g')rabbitmq-server" "it names the package to install"
if PATH=$nosbin command -v mariadbd >/dev/null; then
	ok 0 "MariaDB's server missing: mariadbd is not in an sbin directory here # SKIP"
else
	like "$OUT" "MariaDB +$(printf '%s' "${msg%%%s*}" | sed 's/[][\.*^$()+?{}|]/\\&/g')mariadb-server" "MariaDB's server missing: it names mariadb-server"
fi
unlike "$OUT" "wait\.rabbitmq" "no RabbitMQ fault is shown"
like "$OUT" "\[nolog\.partition\]" "the MariaDB repair is still shown"
like "$OUT" "\[agent\.down\]" "the agent repair is still shown"
D=$(sandbox)
nothing_left "RabbitMQ missing" "$D" ""

# ---------------------------------------------------------------- files only

# a java process of the machine that looks like a Job (another test's, a
# real Job's) is not the sandbox's: the demo still finds its own Job dead
( exec -a "java -jar $T/ijobs/job-decoy.jar" sleep 300 ) &
decoy=$!
register_server "$decoy" decoy "kill_wait $decoy 5"
check "demo --files-only ends healthy" -- "$JOBFIX" --no-color demo --files-only --keep "$T/files"
stop_server "$decoy"
like "$OUT" "\[start\.nolog\]" "a java process of the machine does not hide start.nolog"
like "$OUT" "\[wait\.rabbitmq\.creds\]" "the credentials fault was shown"
like "$OUT" "$(tre 'No faults found.')" "the last diagnose is clean"
unlike "$OUT" "$(tpre $'Starting private servers on 127.0.0.1 (RabbitMQ takes a few seconds)...\n')" "no server was started"
like "$OUT" "the running MySQL server was not checked" "the note says the running server was not checked"
is "$(grep -c restart "$T/files/job-restarts.log")" "1" "the fake Job was restarted once, though two playbooks restart it"
check_rc 2 "demo --keep refuses an existing directory" -- "$JOBFIX" demo --keep "$T/files"
check_rc 2 "demo refuses an unknown option" -- "$JOBFIX" demo --bogus
done_testing
