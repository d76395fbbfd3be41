# tests/lib.sh - shared helpers for the shell scenarios in tests/integration.
#
# A scenario is a bash script that sources this file, calls setup_tmp, starts
# the private servers it needs, runs jobfix against them and reports TAP:
#
#	. "$top_srcdir/tests/lib.sh"
#	setup_tmp
#	start_redis --requirepass s3cret
#	check "jobfix sees the auth fault" -- "$JOBFIX" check ...
#	like "$OUT" 'NOAUTH' "the cause is quoted"
#	done_testing
#
# The model is git's t/test-lib.sh and OpenSSH's regress/test-exec.sh: every
# test owns a temporary root ($T) and every server it starts listens on
# loopback, on a port of its own, with its data under $T, so scenarios can run
# in parallel (make -j2 check) and never touch the machine's own instances.
# A trap stops each server by the pid this file recorded (never by name) and
# removes $T when the test ends, also on failure, bail out, SIGINT and SIGTERM.
#
# Servers are started as described in /work/shared/SERVICES.md: as root, from
# the Debian 12 packages, in the foreground under this shell.  Every starter
# waits until the server answers its own client, and on timeout prints the
# server's log and bails out.  A missing program skips the test, except when
# $CI is set: there a missing server is a failure.
#
# Environment read: top_srcdir top_builddir JOBFIX (set by make check), CI,
# JOBFIX_KEEP_TMP=1 (keep $T for debugging), JOBFIX_TEST_TIMEOUT (seconds a
# starter waits; default 60), MYSQL_ROOT_PASSWORD, SSHD_ADDRS, TMPDIR.

# Run by hand (bash tests/integration/NN-x.sh from a build tree), the paths
# make check would give are guessed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
JOBFIX=${JOBFIX:-$top_builddir/jobfix}
export top_srcdir top_builddir JOBFIX

# The server recipes (ports, MariaDB, RabbitMQ, Redis, the gse_task
# stand-in) are the ones jobfix demo runs: sandbox/servers.sh.  This file
# adds what a test needs around them: TAP, registering each server for the
# trap, bailing out with the server's log.
. "$top_srcdir/sandbox/servers.sh"

# ---------------------------------------------------------------- TAP

_tap_n=0
_tap_failed=0
_tap_planned=
OUT=
RC=0

_tap_result() {	# STATUS(0 = ok) DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$_tap_n" "$2"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$2"
	return 1
}

# diag MSG...: a diagnostic line (or lines) in the TAP stream.
diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

_diag_output() {	# show a command's captured output, bounded
	[ -n "$1" ] || return 0
	diag "output:"
	printf '%s\n' "$1" | tail -n 40 | diag "$(cat)"
}

# ok STATUS DESC: the basic assertion (STATUS is an exit status; 0 is ok).
ok() {
	_tap_result "$1" "$2"
}

# check DESC -- CMD [ARGS...]: run CMD (stdin /dev/null); ok if it exits 0.
# Its stdout and stderr are left in $OUT, its exit status in $RC.
check() {
	local desc=$1
	shift
	[ "${1-}" = "--" ] && shift
	OUT=$("$@" </dev/null 2>&1)
	RC=$?
	if ! _tap_result "$RC" "$desc"; then
		diag "command: $* (exit $RC)"
		_diag_output "$OUT"
		return 1
	fi
}

# check_fail DESC -- CMD [ARGS...]: ok if CMD exits nonzero.
check_fail() {
	local desc=$1
	shift
	[ "${1-}" = "--" ] && shift
	OUT=$("$@" </dev/null 2>&1)
	RC=$?
	if [ "$RC" -eq 0 ]; then
		_tap_result 1 "$desc"
		diag "command: $* (exit 0, expected a failure)"
		_diag_output "$OUT"
		return 1
	fi
	_tap_result 0 "$desc"
}

# check_rc WANT DESC -- CMD [ARGS...]: ok if CMD exits with status WANT.
check_rc() {
	local want=$1 desc=$2
	shift 2
	[ "${1-}" = "--" ] && shift
	OUT=$("$@" </dev/null 2>&1)
	RC=$?
	if [ "$RC" -ne "$want" ]; then
		_tap_result 1 "$desc"
		diag "command: $* (exit $RC, expected $want)"
		_diag_output "$OUT"
		return 1
	fi
	_tap_result 0 "$desc"
}

# is GOT WANT DESC: string equality.
is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
		return 0
	fi
	_tap_result 1 "$3"
	diag "     got: '$1'"
	diag "expected: '$2'"
	return 1
}

# like TEXT REGEX DESC: TEXT matches the extended regular expression.
like() {
	if [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
		return 0
	fi
	_tap_result 1 "$3"
	diag "text does not match /$2/:"
	_diag_output "$1"
	return 1
}

# unlike TEXT REGEX DESC: TEXT does not match.
unlike() {
	if ! [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
		return 0
	fi
	_tap_result 1 "$3"
	diag "text matches /$2/ (${BASH_REMATCH[0]}):"
	_diag_output "$1"
	return 1
}

# skip DESC REASON: report one test as skipped.
skip() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"
}

# bail REASON: abort the whole test (the TAP driver reports an error).
bail() {
	printf 'Bail out! %s\n' "$*"
	exit 99
}

# skip_all REASON: skip the whole test - but under CI a missing server or
# program is a failure, not a reason to skip.
skip_all() {
	if [ -n "${CI-}" ]; then
		bail "CI: cannot skip: $*"
	fi
	if [ "$_tap_n" -gt 0 ]; then
		diag "skipping the rest: $*"
		done_testing
	fi
	_tap_planned=yes
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

# require_cmd CMD...: skip_all unless each command exists.
require_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip_all "'$c' is not installed"
	done
}

# done_testing: print the plan; exit nonzero if anything failed.
done_testing() {
	_tap_planned=yes
	printf '1..%d\n' "$_tap_n"
	if [ "$_tap_failed" -gt 0 ]; then
		diag "failed $_tap_failed of $_tap_n"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- temp root

T=
_jf_owner=
_jf_stop_order=()		# pids of servers, in the order started
declare -A _jf_stop_cmd=()	# pid -> command that stops it
declare -A _jf_stop_name=()	# pid -> name, for messages

# setup_tmp: make the private root $T and arm the trap that cleans up.
setup_tmp() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/jobfix-test.XXXXXX") || bail "mktemp -d failed"
	_jf_owner=$BASHPID
	_jf_stop_order=()
	_jf_stop_cmd=()
	_jf_stop_name=()
	mkdir -p "$T/state"
	export T
	export JOBFIX_STATE_DIR="$T/state"
	export JOBFIX_AUDIT_LOG="$T/audit.log"
	trap _jf_cleanup EXIT
	trap '_jf_on_signal INT 130' INT
	trap '_jf_on_signal TERM 143' TERM
	trap '_jf_on_signal HUP 129' HUP
}

_jf_on_signal() {
	printf 'Bail out! caught SIG%s\n' "$1"
	exit "$2"
}

_jf_cleanup() {
	local rc=$? i pid
	set +e
	trap - EXIT INT TERM HUP
	# Stop servers newest first: a later one may depend on an earlier one.
	for ((i = ${#_jf_stop_order[@]} - 1; i >= 0; i--)); do
		pid=${_jf_stop_order[i]}
		[ -n "${_jf_stop_cmd[$pid]+set}" ] && stop_server "$pid"
	done
	_jf_release_ports
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${JOBFIX_KEEP_TMP-}" = 1 ]; then
			printf '# kept %s\n' "$T"
		else
			rm -rf "$T"
		fi
	fi
	if [ -z "$_tap_planned" ] && [ "$_tap_n" -gt 0 ] && [ "$rc" -eq 0 ]; then
		printf '# test exited without done_testing\n'
		rc=1
	fi
	exit "$rc"
}

# The trap is armed as soon as this file is sourced, so a test that dies
# before done_testing fails even without setup_tmp.
trap _jf_cleanup EXIT
trap '_jf_on_signal INT 130' INT
trap '_jf_on_signal TERM 143' TERM
trap '_jf_on_signal HUP 129' HUP

# ---------------------------------------------------------------- processes

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
	srv_pid_alive "$@"
}

# kill_wait PID [SECONDS]: SIGTERM, wait, then SIGKILL.  A server a test
# froze (SIGSTOP) is woken too, so it can act on SIGTERM.
kill_wait() {
	srv_kill_wait "$1" "${2:-10}" || diag "pid $1 ignored SIGTERM for ${2:-10}s, killed it"
	return 0
}

# register_server PID NAME STOP-COMMAND: the trap will eval STOP-COMMAND.
register_server() {
	_jf_stop_order+=("$1")
	_jf_stop_name[$1]=$2
	_jf_stop_cmd[$1]=$3
}

# stop_server PID: stop a server this test started, now.
stop_server() {
	local pid=$1 cmd
	cmd=${_jf_stop_cmd[$pid]-}
	if [ -z "$cmd" ]; then
		diag "stop_server: pid $pid is not a server of this test"
		return 1
	fi
	unset "_jf_stop_cmd[$pid]"
	eval "$cmd"
}

# server_pids: the pids of the servers still registered (one per line).
server_pids() {
	local pid
	for pid in "${_jf_stop_order[@]}"; do
		[ -n "${_jf_stop_cmd[$pid]+set}" ] && echo "$pid"
	done
	return 0
}

_jf_timeout() {
	echo "${JOBFIX_TEST_TIMEOUT:-60}"
}

# wait_for SECONDS PID CMD...: poll CMD until it succeeds; fail early if
# PID (the server) dies.
wait_for() {
	srv_wait_for "$@"
}

_jf_start_failed() {	# NAME LOGFILE [how]
	diag "$1 did not become ready${3:+ ($3)}; last lines of $2:"
	[ -r "$2" ] && tail -n 40 "$2" | diag "$(cat)"
	bail "cannot start $1"
}

_jf_need_tmp() {
	[ -n "$T" ] && [ -d "$T" ] || bail "call setup_tmp before $1"
}

# ---------------------------------------------------------------- ports

_jf_port_dir() {
	srv_port_dir
}

# free_port: print a TCP (and UDP) port on 127.0.0.1 that is free now and
# that no other running test (or demo) has claimed; the claim is released
# by the trap (see srv_free_port).
free_port() {
	srv_free_port "${_jf_owner:-$$}"
}

_jf_release_ports() {
	srv_release_ports "${_jf_owner:-$$}"
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
	srv_port_open "$@"
}

# ---------------------------------------------------------------- MariaDB

MYSQL_PORT=
MYSQL_SOCK=
MYSQL_PID=
MYSQL_DATADIR=
_jf_mysql_pw=		# the root password in effect now

# start_mariadb [--defaults-file F]: a private mariadbd with a fresh datadir
# ($T/mysql/data).  Exports MYSQL_PORT MYSQL_SOCK MYSQL_PID MYSQL_DATADIR.
# Root has no password unless MYSQL_ROOT_PASSWORD is set.
start_mariadb() {
	local dfile=
	_jf_need_tmp start_mariadb
	if [ "${1-}" = --defaults-file ]; then
		dfile=$2
		shift 2
	fi
	require_cmd mariadbd mariadb-install-db mariadb
	mkdir -p "$T/mysql"
	MYSQL_DATADIR=$T/mysql/data
	MYSQL_SOCK=$T/mysql/mysql.sock
	MYSQL_PORT=$(free_port) || bail "free_port failed"
	export MYSQL_PORT MYSQL_SOCK MYSQL_DATADIR
	_jf_mysql_pw=
	if ! srv_mariadb_install "$T/mysql"; then
		_jf_start_failed mariadb "$T/mysql/install.log" "mariadb-install-db failed"
	fi
	_jf_mariadbd_start "$dfile" || _jf_start_failed mariadb "$T/mysql/error.log"
	if [ -n "${MYSQL_ROOT_PASSWORD-}" ]; then
		_jf_mariadb_set_root_password ||
			_jf_start_failed mariadb "$T/mysql/error.log" "cannot set root password"
	fi
}

# restart_mariadb [--defaults-file F] [--may-fail]: stop the server and start
# it again on the same datadir and port, reading option file F (or none).
# With --may-fail, a server that does not come up returns 1 instead of
# bailing out (to test a broken option file).
restart_mariadb() {
	local dfile= mayfail=
	while [ $# -gt 0 ]; do
		case $1 in
		--defaults-file) dfile=$2; shift 2 ;;
		--may-fail) mayfail=1; shift ;;
		*) bail "restart_mariadb: unknown argument '$1'" ;;
		esac
	done
	[ -n "$MYSQL_DATADIR" ] || bail "restart_mariadb before start_mariadb"
	[ -n "$MYSQL_PID" ] && [ -n "${_jf_stop_cmd[$MYSQL_PID]+set}" ] && stop_server "$MYSQL_PID"
	if ! _jf_mariadbd_start "$dfile"; then
		if [ -n "$mayfail" ]; then
			return 1
		fi
		_jf_start_failed mariadb "$T/mysql/error.log"
	fi
}

# stop_mariadb: stop it now (to simulate a database that is down).
stop_mariadb() {
	[ -n "$MYSQL_PID" ] && stop_server "$MYSQL_PID"
}

_jf_mariadbd_start() {	# [DEFAULTS-FILE]
	local r
	srv_mariadb_start "$T/mysql" "$MYSQL_PORT" "$1"
	MYSQL_PID=$SRV_PID
	export MYSQL_PID
	register_server "$MYSQL_PID" mariadb "kill_wait $MYSQL_PID 30"
	wait_for "$(_jf_timeout)" "$MYSQL_PID" sql "select 1"
	r=$?
	if [ "$r" -ne 0 ]; then
		stop_server "$MYSQL_PID"
		return 1
	fi
	return 0
}

_jf_mariadb_set_root_password() {
	local accounts a pw stmts=
	pw=${MYSQL_ROOT_PASSWORD//\\/\\\\}
	pw=${pw//\'/\\\'}
	accounts=$(sql "select concat(quote(user),'@',quote(host)) from mysql.global_priv where user='root'") || return 1
	# One statement: after the first account changes, the rest need it.
	for a in $accounts; do
		stmts+="alter user $a identified by '$pw'; "
	done
	sql "$stmts flush privileges" || return 1
	_jf_mysql_pw=$MYSQL_ROOT_PASSWORD
}

# sql "STATEMENT": run it as root over the private socket; rows tab-separated,
# no column names.
sql() {
	local pw=()
	[ -n "$_jf_mysql_pw" ] && pw=("MYSQL_PWD=$_jf_mysql_pw")
	env "${pw[@]}" mariadb --no-defaults -S "$MYSQL_SOCK" -uroot \
		--batch --skip-column-names -e "$1"
}

# ---------------------------------------------------------------- RabbitMQ

AMQP_PORT=
RABBITMQ_NODENAME=
RMQ_HOME=
RABBITMQ_PID=
RABBITMQ_BEAM_PID=
RMQ_EPMD_PORT=
RMQ_EPMD_PID=
RMQ_MGMT_PORT=
_jf_rmq_bin=$SRV_RABBITMQ_BIN

# rmqctl ARGS...: rabbitmqctl against this test's node.
rmqctl() {
	srv_rabbitmqctl "$RMQ_HOME" "$RMQ_EPMD_PORT" "$RABBITMQ_NODENAME" "$@"
}

# start_rabbitmq [--management]: a private broker with vhost bk_job (no
# users but guest; add them with rmqctl).  Exports AMQP_PORT
# RABBITMQ_NODENAME RMQ_HOME RABBITMQ_PID.  --management: the management
# plugin too, its HTTP API on 127.0.0.1:$RMQ_MGMT_PORT (exported).  The Erlang port mapper (epmd) is the test's own, on a
# private port (ERL_EPMD_PORT), started first and stopped last, so parallel
# tests never share or kill each other's epmd and the system's port 4369 is
# left alone.
start_rabbitmq() {
	_jf_need_tmp start_rabbitmq
	[ -x "$_jf_rmq_bin/rabbitmq-server" ] || skip_all "rabbitmq-server is not installed"
	require_cmd epmd
	RMQ_HOME=$T/rmq
	AMQP_PORT=$(free_port) || bail "free_port failed"
	RMQ_EPMD_PORT=$(free_port) || bail "free_port failed"
	local dist_port
	dist_port=$(free_port) || bail "free_port failed"
	RABBITMQ_NODENAME=jobfixtest-${_jf_owner:-$$}-$AMQP_PORT@localhost
	export AMQP_PORT RABBITMQ_NODENAME RMQ_HOME RMQ_EPMD_PORT
	RMQ_MGMT_PORT=
	if [ "${1-}" = --management ]; then
		RMQ_MGMT_PORT=$(free_port) || bail "free_port failed"
		export RMQ_MGMT_PORT
	fi

	srv_epmd_start "$RMQ_HOME" "$RMQ_EPMD_PORT"
	RMQ_EPMD_PID=$SRV_PID
	register_server "$RMQ_EPMD_PID" epmd "kill_wait $RMQ_EPMD_PID 5"
	wait_for 10 "$RMQ_EPMD_PID" port_open 127.0.0.1 "$RMQ_EPMD_PORT" ||
		_jf_start_failed epmd "$RMQ_HOME/epmd.log"

	SRV_RABBITMQ_MGMT_PORT=$RMQ_MGMT_PORT \
		srv_rabbitmq_start "$RMQ_HOME" "$AMQP_PORT" "$RMQ_EPMD_PORT" "$dist_port" "$RABBITMQ_NODENAME"
	RABBITMQ_PID=$SRV_PID
	export RABBITMQ_PID
	register_server "$RABBITMQ_PID" rabbitmq "_jf_rmq_stop"
	# The server writes the Erlang cookie into $RMQ_HOME when it starts;
	# the CLI needs it, so wait for the node before asking anything.  Three
	# times the usual deadline: at a load average of 23 its boot took more
	# than 60 s (01-lib-selftest), as the demo's did at 30.
	if ! wait_for "$(($(_jf_timeout) * 3))" "$RABBITMQ_PID" \
		srv_rabbitmq_ready "$RMQ_HOME" "$RMQ_EPMD_PORT" "$RABBITMQ_NODENAME" "$AMQP_PORT"; then
		cat "$RMQ_HOME"/log/*.log >>"$RMQ_HOME/server.out" 2>/dev/null
		_jf_start_failed rabbitmq "$RMQ_HOME/server.out"
	fi
	RABBITMQ_BEAM_PID=$(srv_rabbitmq_beam_pid "$RABBITMQ_PID")
	rmqctl add_vhost bk_job >/dev/null 2>&1 ||
		_jf_start_failed rabbitmq "$RMQ_HOME/server.out" "add_vhost bk_job failed"
	wait_for 10 "$RABBITMQ_PID" port_open 127.0.0.1 "$AMQP_PORT" ||
		_jf_start_failed rabbitmq "$RMQ_HOME/server.out" "AMQP port $AMQP_PORT closed"
	if [ -n "$RMQ_MGMT_PORT" ]; then
		wait_for "$(_jf_timeout)" "$RABBITMQ_PID" port_open 127.0.0.1 "$RMQ_MGMT_PORT" ||
			_jf_start_failed rabbitmq "$RMQ_HOME/server.out" "management port $RMQ_MGMT_PORT closed"
	fi
}

_jf_rmq_stop() {
	srv_rabbitmq_stop "$RABBITMQ_PID" "$RABBITMQ_BEAM_PID"
}

# stop_rabbitmq: stop the broker now (epmd stays until the test ends).
stop_rabbitmq() {
	[ -n "$RABBITMQ_PID" ] && stop_server "$RABBITMQ_PID"
}

# ---------------------------------------------------------------- Redis

REDIS_PORT=
REDIS_PID=

# start_redis [ARGS...]: a private redis-server; ARGS are extra options
# (--requirepass X, --maxmemory 1mb, ...).  Exports REDIS_PORT REDIS_PID.
start_redis() {
	_jf_need_tmp start_redis
	require_cmd redis-server redis-cli
	REDIS_PORT=$(free_port) || bail "free_port failed"
	export REDIS_PORT
	srv_redis_start "$T/redis-$REDIS_PORT" "$REDIS_PORT" "$@"
	REDIS_PID=$SRV_PID
	export REDIS_PID
	register_server "$REDIS_PID" redis "kill_wait $REDIS_PID 10"
	wait_for "$(_jf_timeout)" "$REDIS_PID" _jf_redis_answers ||
		_jf_start_failed redis "$T/redis-$REDIS_PORT/redis.log"
}

_jf_redis_answers() {	# PONG, or an auth error: either way it is serving
	srv_redis_answers "$REDIS_PORT"
}

# ---------------------------------------------------------------- sshd

SSHD_PORT=
SSHD_PID=
SSH_USER=
SSH_USER_KEY=
SSH_KNOWN_HOSTS=
SSH_HOST_KEY=
SSH_OPTS=()

# start_sshd: a private sshd listening on 127.0.0.1 and on each address in
# $SSHD_ADDRS (e.g. "127.0.0.2 127.0.0.3": one sshd stands for many hosts),
# accepting a user key it generates.  Exports SSHD_PORT SSHD_PID SSH_USER
# SSH_USER_KEY (private key file; .pub beside it) SSH_HOST_KEY (host key
# file) SSH_KNOWN_HOSTS (a known_hosts file naming [ADDR]:PORT for every
# listen address); sets the array SSH_OPTS for ssh(1), so that
#	ssh "${SSH_OPTS[@]}" 127.0.0.2 true
# connects with strict host key checking.
start_sshd() {
	local d addr addrs
	_jf_need_tmp start_sshd
	[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd is not installed"
	require_cmd ssh ssh-keygen
	d=$T/ssh
	mkdir -p "$d"
	# sshd insists on its privilege separation directory.
	[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd
	SSHD_PORT=$(free_port) || bail "free_port failed"
	SSH_USER=$(id -un)
	SSH_HOST_KEY=$d/host_ed25519_key
	SSH_USER_KEY=$d/id_ed25519
	SSH_KNOWN_HOSTS=$d/known_hosts
	rm -f "$SSH_HOST_KEY" "$SSH_HOST_KEY.pub" "$SSH_USER_KEY" "$SSH_USER_KEY.pub"
	ssh-keygen -q -t ed25519 -N '' -C jobfix-test-host -f "$SSH_HOST_KEY" </dev/null ||
		bail "ssh-keygen (host key) failed"
	ssh-keygen -q -t ed25519 -N '' -C jobfix-test-user -f "$SSH_USER_KEY" </dev/null ||
		bail "ssh-keygen (user key) failed"
	cp "$SSH_USER_KEY.pub" "$d/authorized_keys"
	addrs="127.0.0.1 ${SSHD_ADDRS-}"
	: >"$SSH_KNOWN_HOSTS"
	{
		echo "# private sshd for a jobfix test"
		echo "Port $SSHD_PORT"
		for addr in $addrs; do
			echo "ListenAddress $addr"
			printf '[%s]:%s %s\n' "$addr" "$SSHD_PORT" \
				"$(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")" >>"$SSH_KNOWN_HOSTS"
		done
		echo "HostKey $SSH_HOST_KEY"
		echo "PidFile $d/sshd.pid"
		echo "AuthorizedKeysFile $d/authorized_keys"
		echo "PermitRootLogin prohibit-password"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "StrictModes no"
		echo "MaxStartups 500"
		echo "MaxSessions 500"
		echo "MaxAuthTries 10"
		echo "LoginGraceTime 30"
		echo "PrintMotd no"
		echo "LogLevel VERBOSE"
		echo "Subsystem sftp internal-sftp"
		# bash sources ~/.bashrc for a command sshd runs only when
		# SHLVL < 2; root's .bashrc on these machines runs pyenv's
		# rehash under a lock, which made every channel cost 0.2 s and
		# serialised parallel tests.  Every client (jobfix, ssh, ansible,
		# pssh) gets the same clean shell, so comparisons stay fair.
		echo "SetEnv SHLVL=1"
	} >"$d/sshd_config"
	SSH_OPTS=(-F /dev/null -p "$SSHD_PORT" -l "$SSH_USER" -i "$SSH_USER_KEY"
		-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
		-o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o LogLevel=ERROR)
	export SSHD_PORT SSH_USER SSH_USER_KEY SSH_KNOWN_HOSTS SSH_HOST_KEY
	/usr/sbin/sshd -t -f "$d/sshd_config" >"$d/sshd.log" 2>&1 ||
		_jf_start_failed sshd "$d/sshd.log" "sshd -t rejects the configuration"
	/usr/sbin/sshd -D -e -f "$d/sshd_config" </dev/null >"$d/sshd.log" 2>&1 &
	SSHD_PID=$!
	export SSHD_PID
	register_server "$SSHD_PID" sshd "kill_wait $SSHD_PID 10"
	for addr in $addrs; do
		wait_for "$(_jf_timeout)" "$SSHD_PID" _jf_ssh_banner "$addr" "$SSHD_PORT" ||
			_jf_start_failed sshd "$d/sshd.log" "no banner on $addr:$SSHD_PORT"
	done
}

_jf_ssh_banner() {	# ADDR PORT: the server greets with SSH-2.0
	local line
	exec 3<>"/dev/tcp/$1/$2" || return 1
	IFS= read -r -t 5 line <&3
	exec 3<&- 3>&-
	[[ $line == SSH-2.0-* ]]
}

# ---------------------------------------------------------------- TLS

# make_ca DIR NAME: a self-signed CA, DIR/NAME.crt and DIR/NAME.key.
make_ca() {
	local dir=$1 name=$2
	require_cmd openssl
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/O=jobfix test/CN=$name" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$dir/$name.key" -out "$dir/$name.crt" >"$dir/$name.openssl.log" 2>&1 ||
		{ cat "$dir/$name.openssl.log" >&2; bail "make_ca $name failed"; }
}

# make_cert DIR NAME CA [--expired]: DIR/NAME.crt and .key signed by CA (a
# name in DIR, or a path without .crt), for CN=NAME with subjectAltName
# NAME, localhost and 127.0.0.1, usable by servers and clients.  --expired
# makes one that expired in 2021.
make_cert() {
	local dir=$1 name=$2 ca=$3 expired= san
	[ "${4-}" = --expired ] && expired=1
	require_cmd openssl
	[ -r "$ca.crt" ] || ca=$dir/$ca
	[ -r "$ca.crt" ] && [ -r "$ca.key" ] || bail "make_cert: no CA $ca.crt/.key"
	mkdir -p "$dir"
	san="subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1"
	openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=jobfix test/CN=$name" \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" >"$dir/$name.openssl.log" 2>&1 ||
		{ cat "$dir/$name.openssl.log" >&2; bail "make_cert $name: req failed"; }
	printf '%s\n' "$san" "basicConstraints=CA:FALSE" \
		"keyUsage=digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" >"$dir/$name.ext"
	if [ -z "$expired" ]; then
		openssl x509 -req -sha256 -days 825 -in "$dir/$name.csr" \
			-CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -CAserial "$dir/$name.srl" \
			-extfile "$dir/$name.ext" -out "$dir/$name.crt" >>"$dir/$name.openssl.log" 2>&1 ||
			{ cat "$dir/$name.openssl.log" >&2; bail "make_cert $name: x509 failed"; }
	else
		# openssl x509 (3.0) cannot backdate; "openssl ca" can.
		mkdir -p "$dir/$name.ca"
		: >"$dir/$name.ca/index.txt"
		printf '%s\n' '[ca]' 'default_ca=c' '[c]' "database=$dir/$name.ca/index.txt" \
			"new_certs_dir=$dir/$name.ca" "serial=$dir/$name.ca/serial" \
			'default_md=sha256' 'policy=p' 'copy_extensions=none' 'unique_subject=no' \
			'[p]' 'commonName=supplied' 'organizationName=optional' \
			'[ext]' "$san" 'basicConstraints=CA:FALSE' \
			'keyUsage=digitalSignature,keyEncipherment' \
			'extendedKeyUsage=serverAuth,clientAuth' >"$dir/$name.ca/ca.cnf"
		echo 01 >"$dir/$name.ca/serial"
		openssl ca -batch -config "$dir/$name.ca/ca.cnf" -extensions ext \
			-cert "$ca.crt" -keyfile "$ca.key" -in "$dir/$name.csr" \
			-startdate 20200101000000Z -enddate 20210101000000Z \
			-notext -out "$dir/$name.crt" >>"$dir/$name.openssl.log" 2>&1 ||
			{ cat "$dir/$name.openssl.log" >&2; bail "make_cert $name: openssl ca failed"; }
	fi
	rm -f "$dir/$name.csr"
}

TLS_PORT=
TLS_PID=

# start_tls_server [--no-client-cert] CERT KEY CA [S_SERVER-ARGS...]:
# openssl s_server on 127.0.0.1:TLS_PORT, requiring a client certificate
# signed by CA (-Verify 1) unless --no-client-cert.  Without extra args it
# runs with -www (answers HTTP GET with a status page; never reads stdin).
# Exports TLS_PORT TLS_PID.
start_tls_server() {
	local verify=(-Verify 1) log mode=(-www)
	_jf_need_tmp start_tls_server
	require_cmd openssl
	if [ "${1-}" = --no-client-cert ]; then
		verify=()
		shift
	fi
	[ $# -ge 3 ] || bail "usage: start_tls_server [--no-client-cert] CERT KEY CA [ARGS...]"
	local cert=$1 key=$2 ca=$3
	shift 3
	[ $# -gt 0 ] && mode=()
	TLS_PORT=$(free_port) || bail "free_port failed"
	export TLS_PORT
	log=$T/tls-$TLS_PORT.log
	openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$cert" -key "$key" \
		-CAfile "$ca" "${verify[@]}" "${mode[@]}" "$@" </dev/null >"$log" 2>&1 &
	TLS_PID=$!
	export TLS_PID
	register_server "$TLS_PID" tls "kill_wait $TLS_PID 5"
	# s_server prints ACCEPT once it listens.
	wait_for "$(_jf_timeout)" "$TLS_PID" grep -q '^ACCEPT' "$log" ||
		_jf_start_failed "openssl s_server" "$log"
}

# ---------------------------------------------------------------- HTTP

HTTP_PORT=
HTTP_PID=

# start_http DIR: python3 -m http.server serving DIR on 127.0.0.1:HTTP_PORT.
# Exports HTTP_PORT HTTP_PID.
start_http() {
	local dir=$1 log
	_jf_need_tmp start_http
	require_cmd python3
	[ -d "$dir" ] || bail "start_http: no directory '$dir'"
	HTTP_PORT=$(free_port) || bail "free_port failed"
	export HTTP_PORT
	log=$T/http-$HTTP_PORT.log
	python3 -u -m http.server --bind 127.0.0.1 --directory "$dir" "$HTTP_PORT" \
		</dev/null >"$log" 2>&1 &
	HTTP_PID=$!
	export HTTP_PID
	register_server "$HTTP_PID" http "kill_wait $HTTP_PID 5"
	wait_for "$(_jf_timeout)" "$HTTP_PID" port_open 127.0.0.1 "$HTTP_PORT" ||
		_jf_start_failed "python3 http.server" "$log"
}

# ---------------------------------------------------------------- DNS

DNS_PORT=
DNS_PID=

# start_dns DNSMASQ-ARGS...: dnsmasq answering on 127.0.0.1:DNS_PORT (UDP
# and TCP) from its arguments only, e.g.
#	start_dns --address=/job.service.consul/127.0.0.1
# Exports DNS_PORT DNS_PID.
start_dns() {
	local log
	_jf_need_tmp start_dns
	require_cmd dnsmasq dig
	DNS_PORT=$(free_port) || bail "free_port failed"
	export DNS_PORT
	log=$T/dns-$DNS_PORT.log
	dnsmasq --no-daemon --conf-file=/dev/null --port="$DNS_PORT" \
		--listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
		--user=root --pid-file="$T/dns-$DNS_PORT.pid" --log-queries \
		--log-facility=- "$@" </dev/null >"$log" 2>&1 &
	DNS_PID=$!
	export DNS_PID
	register_server "$DNS_PID" dns "kill_wait $DNS_PID 5"
	wait_for "$(_jf_timeout)" "$DNS_PID" _jf_dns_answers ||
		_jf_start_failed dnsmasq "$log"
}

_jf_dns_answers() {	# any answer with a status line means it is serving
	dig @127.0.0.1 -p "$DNS_PORT" +time=1 +tries=1 jobfix-probe.invalid A 2>&1 |
		grep -q 'status:'
}

# ---------------------------------------------------------------- sandbox site

# make_site DIR [KEY=VALUE...]: a sandbox BlueKing install tree under DIR,
# healthy by default (the faults come from the tests):
#	DIR/etc/job.conf            Java properties; KEY=VALUE args override
#	                            or add keys, "KEY=" with no value deletes
#	DIR/etc/my.cnf              [client] and [mysqld], event_scheduler=ON
#	DIR/etc/nginx/job.conf      the other job.conf (a decoy)
#	DIR/job/job/bin/job.sh      fake start script: logs each call to
#	                            DIR/job-restarts.log; exits with the number
#	                            in DIR/job-sh-exit if that file exists
#	DIR/logs/job/job.log, error.log
# The amqp address and ports follow AMQP_PORT, MYSQL_PORT and REDIS_PORT
# when a server was started first.  Exports SITE=DIR.
make_site() {
	local dir=$1 kv
	shift
	[ -n "$dir" ] || bail "usage: make_site DIR [KEY=VALUE...]"
	mkdir -p "$dir/etc/nginx" "$dir/job/job/bin" "$dir/logs/job" "$dir/cert"
	dir=$(cd "$dir" && pwd)
	cat >"$dir/etc/job.conf" <<EOF
# Job configuration, rendered from #etc#job.conf (sandbox for jobfix tests)
job.web.port=8008
job.log.dir=$dir/logs/job
ijobs.amqp.addresses=127.0.0.1:${AMQP_PORT:-5672}
ijobs.amqp.username=bk_job
ijobs.amqp.password=jobfix-test-secret
ijobs.amqp.vhost=bk_job
app.code=bk_job
app.secret=jobfix-test-secret
bk.paas.host=http://127.0.0.1:${HTTP_PORT:-80}
gse.taskserver.ip=127.0.0.1
gse.taskserver.port=${TLS_PORT:-48669}
api.ip.whitelist=127.0.0.1
job.mysql.host=127.0.0.1
job.mysql.port=${MYSQL_PORT:-3306}
job.mysql.username=root
job.mysql.password=${MYSQL_ROOT_PASSWORD-}
job.redis.host=127.0.0.1
job.redis.port=${REDIS_PORT:-6379}
job.redis.password=
EOF
	for kv; do
		case $kv in
		*=*) site_conf_set "$dir" "${kv%%=*}" "${kv#*=}" ;;
		*) bail "make_site: '$kv' is not KEY=VALUE" ;;
		esac
	done
	cat >"$dir/etc/my.cnf" <<EOF
# MySQL option file (sandbox)
[client]
port = ${MYSQL_PORT:-3306}
socket = ${MYSQL_SOCK:-$dir/public/mysql/mysql.sock}

[mysqld]
port = ${MYSQL_PORT:-3306}
character-set-server = utf8mb4
max_connections = 3000
event_scheduler = ON
EOF
	cat >"$dir/etc/nginx/job.conf" <<'EOF'
# nginx site for Job: not Job's own configuration
server {
    listen 80;
    location / { proxy_pass http://127.0.0.1:8008; }
}
EOF
	cat >"$dir/job/job/bin/job.sh" <<EOF
#!/bin/sh
# Fake Job start script for jobfix tests: records each call.
NOHUPLOG=/dev/null
#NOHUPLOG=job_jvm_console.log
SITE='$dir'
echo "\$(date '+%Y-%m-%d %H:%M:%S') \$*" >>"\$SITE/job-restarts.log"
if [ -r "\$SITE/job-sh-exit" ]; then
	exit "\$(cat "\$SITE/job-sh-exit")"
fi
case "\$1" in
start|stop|restart) echo "job \$1: done" ;;
status) echo "job is running" ;;
*) echo "usage: \$0 start|stop|status|restart" >&2; exit 2 ;;
esac
exit 0
EOF
	chmod 0755 "$dir/job/job/bin/job.sh"
	: >"$dir/job-restarts.log"
	printf '%s INFO  [main] c.t.b.j.JobApplication - Started JobApplication in 42.1 seconds\n' \
		"$(date '+%Y-%m-%d %H:%M:%S.000')" >"$dir/logs/job/job.log"
	: >"$dir/logs/job/error.log"
	SITE=$dir
	export SITE
}

# site_conf_set DIR KEY VALUE: set KEY in DIR/etc/job.conf (empty VALUE
# deletes the key; use site_conf_set_empty for "key=").
site_conf_set() {
	local f=$1/etc/job.conf key=$2 val=$3 tmp
	tmp=$f.tmp.$$
	awk -v k="$key" 'index($0, k "=") == 1 { next } { print }' "$f" >"$tmp"
	[ -n "$val" ] && printf '%s=%s\n' "$key" "$val" >>"$tmp"
	mv "$tmp" "$f"
}

# site_conf_set_empty DIR KEY: "KEY=" with no value.
site_conf_set_empty() {
	site_conf_set "$1" "$2" ""
	printf '%s=\n' "$2" >>"$1/etc/job.conf"
}

# site_log DIR FILE LINE...: append lines to DIR/logs/job/FILE.
site_log() {
	local dir=$1 file=$2
	shift 2
	printf '%s\n' "$@" >>"$dir/logs/job/$file"
}

# write_jobfix_conf FILE [LINE...]: a jobfix.conf for the sandbox site
# ($SITE): no playbook directories, a Job process pattern that matches
# nothing, restarts waited for 200 ms, then each LINE (libconfig: the
# probes.only of the scenario, service settings).  Sets CONF to FILE and
# empties ALL_OUT ($T/all-output), which jf appends everything to.
write_jobfix_conf() {
	CONF=$1
	shift
	{
		printf 'site: { root = "%s"; templates_dir = ""; };\n' "$SITE"
		printf 'playbook_dirs = [ ];\n'
		printf 'job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };\n'
		printf '%s\n' "$@"
	} >"$CONF"
	ALL_OUT=$T/all-output
	: >"$ALL_OUT"
}

# t MSGID: jobfix's message MSGID in the language the scenario runs in
# (LC_MESSAGES; English under make check), from the catalogue built beside
# jobfix; tre MSGID: the same as an extended regex matching it literally.
# A scenario that looks for a message in text output uses them, so that it
# also passes in Chinese (tests/integration/19-zh-scenarios.sh).
t() { TEXTDOMAINDIR="${top_builddir:-.}/locale" gettext -d jobfix -- "$1" 2>/dev/null || printf '%s' "$1"; }
tre() { t "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

# jf ARGS: "$JOBFIX" -c "$CONF" --json ARGS; stdout in $OUT, exit status
# in $RC, stdout and stderr appended to $ALL_OUT (to look for secrets).
jf() {
	OUT=$("$JOBFIX" -c "$CONF" --json "$@" 2>"$T/stderr")
	RC=$?
	printf '%s\n' "$OUT" >>"$ALL_OUT"
	cat "$T/stderr" >>"$ALL_OUT"
}
# JSON_LOAD: python3 code setting d to the JSON report read from stdin.  The
# report may come with jobfix's diagnostics around it (check and check_rc
# capture stderr too; a slow probe under ASan says so): the document is the
# first line starting with "{" through its matching end.
JSON_LOAD='import json, sys
t = sys.stdin.read()
i = 0 if t.startswith("{") else t.find("\n{") + 1
try:
    if i == 0 and not t.startswith("{"):
        raise ValueError
    d = json.JSONDecoder().raw_decode(t[i:])[0]
except ValueError:
    sys.exit("(no JSON report)")
'
# py CODE: run python3 CODE with d = the JSON in $OUT.
py() { printf '%s' "$OUT" | python3 -c "$JSON_LOAD$1"; }
# findings: the fault IDs of $OUT, sorted, space-separated.
findings() { py 'print(" ".join(sorted(f["fault"] for f in d["findings"])))'; }
# fact NAME: the value of fact NAME now, "(none)" when absent.
fact() { "$JOBFIX" -c "$CONF" --json facts 2>/dev/null | python3 -c "${JSON_LOAD}print(d['facts'].get('$1', {}).get('value', '(none)'))"; }
# snapshot: names, sizes, mtimes, modes and checksums of every file of $SITE.
snapshot() { (cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 stat -c '%n %s %Y %a' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
