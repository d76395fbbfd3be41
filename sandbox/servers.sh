#!/bin/bash
# servers.sh - the one recipe for private MariaDB, RabbitMQ and Redis
# servers (and the gse_task stand-in) on loopback: each under a directory of
# its own, on ports nobody else uses, stopped by the pid it was started with.
# `jobfix demo` and the test scenarios both use it, so the two never drift.
#
# Why a shell script and not C: the recipes are sequences of the servers' own
# tools (mariadb-install-db, rabbitmqctl, epmd) with their environment; in
# shell they read as SERVICES.md describes them and the tests can source the
# very same functions.  jobfix embeds this file (build-aux/embed-files.sh)
# and writes it into the demo's sandbox, so an installed jobfix needs no
# file from the source tree.
#
# Two ways to use it:
#   . servers.sh                    the srv_* functions (tests/lib.sh)
#   servers.sh run DIR OWNER [--no-SERVER...]
#                                   the demo's supervisor, see srv_run
#
# Nothing here ever stops a process by name or touches the system's own
# servers, ports or data: every server gets --no-defaults (or a file given
# by the caller), a datadir, socket and port of its own, and its own epmd.

SRV_RABBITMQ_BIN=${SRV_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
# the system's python3 when there is one: a version manager's shim on PATH
# can cost a second per start on a loaded machine (only the standard
# library is used)
if [ -z "${SRV_PYTHON-}" ]; then
	SRV_PYTHON=python3
	[ -x /usr/bin/python3 ] && SRV_PYTHON=/usr/bin/python3
fi
SRV_PID=		# pid of the server the last srv_*_start started
SRV_STARTERS=()		# srv_run: the subshells starting servers

# srv_pid_alive PID: the process exists and is not a zombie.
srv_pid_alive() {
	local state
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# srv_kill_wait PID [SECONDS]: SIGTERM, wait up to SECONDS (10), then
# SIGKILL.  Returns 1 when it had to kill.
srv_kill_wait() {
	local pid=$1 secs=${2:-10} i r=0
	srv_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null # a frozen (SIGSTOP) server acts on it
	for ((i = 0; i < secs * 10; i++)); do
		srv_pid_alive "$pid" || break
		sleep 0.1
	done
	if srv_pid_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		sleep 0.1
		r=1
	fi
	wait "$pid" 2>/dev/null
	return $r
}

# srv_wait_for SECONDS PID CMD...: poll CMD until it succeeds; 2 as soon as
# PID (the server) dies, 1 at the deadline.
srv_wait_for() {
	local secs=$1 pid=$2 end
	shift 2
	end=$((SECONDS + secs))
	while :; do
		"$@" >/dev/null 2>&1 </dev/null && return 0
		if [ -n "$pid" ] && ! srv_pid_alive "$pid"; then
			return 2
		fi
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# srv_have PROGRAM...: every PROGRAM is on PATH.  (`command -v A B` alone
# succeeds when any one of them is: mariadb-admin of mariadb-client without
# the server's mariadbd passed for an installed MariaDB.)
srv_have() {
	local p
	for p; do
		command -v "$p" >/dev/null 2>&1 || return 1
	done
}

# srv_port_open HOST PORT: something accepts TCP connections there.
srv_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# ---------------------------------------------------------------- ports

# Claims live in one directory for every user of this file (the tests of
# all worktrees and the demo), so that none takes a port another has
# claimed but not yet bound.
srv_port_dir() {
	echo "${TMPDIR:-/tmp}/jobfix-test-ports"
}

# srv_free_port OWNER [PORT...]: print a TCP (and UDP) port on 127.0.0.1
# that is free now and that nobody else has claimed; with PORTs, claim each
# of them (an empty one: any port) and print them a line each, or fail.  Ports come at random from below
# the kernel's ephemeral range, so outgoing connections do not take them;
# a claim is a directory made with mkdir (atomic), named after the port and
# holding the claiming process's pid (a dead owner's claim is taken over).
srv_free_port() {
	local dir
	dir=$(srv_port_dir)
	mkdir -p "$dir"
	"$SRV_PYTHON" - "$dir" "$@" <<'EOF'
import os, random, socket, sys
d, owner, wants = sys.argv[1], sys.argv[2], sys.argv[3:] or [""]
try:
    lo = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
except Exception:
    lo = 32768
lo = max(lo, 12000)
def bindable(p, reuse=False):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            if reuse:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', p))
        except OSError:
            return False
        finally:
            s.close()
    return True
def alive(pid):
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, ValueError):
        return False
def claim(want):
    for i in range(1 if want else 500):
        p = int(want) if want else random.randrange(10000, lo)
        # a port asked for again (a kept sandbox's) is in TIME_WAIT for a
        # minute after its server stopped; the servers bind with
        # SO_REUSEADDR, so only a socket still bound to it takes it
        if not bindable(p, reuse=bool(want)):
            continue
        c = os.path.join(d, str(p))
        try:
            os.mkdir(c)
        except FileExistsError:
            try:
                prev = open(os.path.join(c, 'owner')).read().strip()
            except OSError:
                continue
            if alive(prev):
                continue
        with open(os.path.join(c, 'owner'), 'w') as f:
            f.write(owner + '\n')
        return p
    sys.exit('free_port: port %s is taken' % want if want else 'free_port: no free port found')
print('\n'.join(str(claim(w)) for w in wants))
EOF
}

# srv_release_ports OWNER: drop every claim OWNER holds.
srv_release_ports() {
	local dir claim
	dir=$(srv_port_dir)
	[ -d "$dir" ] || return 0
	for claim in "$dir"/*; do
		[ -r "$claim/owner" ] || continue
		if [ "$(cat "$claim/owner" 2>/dev/null)" = "$1" ]; then
			rm -rf "$claim"
		fi
	done
	return 0
}

# ---------------------------------------------------------------- MariaDB

# srv_mariadb_install DIR: a fresh datadir DIR/data (root without a
# password, no test database); its log is DIR/install.log.  Its temporary
# files go to DIR/tmp: /tmp may be shared with servers in other PID
# namespaces, and MariaDB names them by PID.
srv_mariadb_install() {
	mkdir -p "$1/tmp"
	mariadb-install-db --no-defaults --datadir="$1/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		--tmpdir="$1/tmp" >"$1/install.log" 2>&1
}

# srv_mariadb_start DIR PORT [DEFAULTS-FILE]: mariadbd on DIR/data,
# 127.0.0.1:PORT and DIR/mysql.sock, in the background; SRV_PID is its pid.
# It reads DEFAULTS-FILE, or no option file; the command line overrides the
# file only where it must (the private datadir, socket, port, logs and
# tmpdir).
srv_mariadb_start() {
	local first=--no-defaults
	[ -n "${3-}" ] && first=--defaults-file=$3
	mkdir -p "$1/tmp"
	: >"$1/error.log"
	mariadbd "$first" --datadir="$1/data" --socket="$1/mysql.sock" \
		--port="$2" --bind-address=127.0.0.1 --user=root \
		--pid-file="$1/mysqld.pid" --log-error="$1/error.log" \
		--tmpdir="$1/tmp" </dev/null >>"$1/error.log" 2>&1 &
	SRV_PID=$!
}

# srv_mariadb_answers DIR: the server answers on its socket (an
# authentication error counts: it is serving).
srv_mariadb_answers() {
	mariadb-admin --no-defaults -S "$1/mysql.sock" -uroot --connect-timeout=2 ping
}

# ---------------------------------------------------------------- RabbitMQ

# srv_rmq_env DIR EPMD-PORT NODE CMD...: run CMD in the environment the
# broker's CLI needs: HOME holds the Erlang cookie the server shares.
srv_rmq_env() {
	local d=$1 ep=$2 node=$3
	shift 3
	env HOME="$d" ERL_EPMD_PORT="$ep" RABBITMQ_NODENAME="$node" \
		RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" "$@"
}

# srv_rabbitmqctl DIR EPMD-PORT NODE ARGS...: rabbitmqctl against that node.
srv_rabbitmqctl() {
	local d=$1 ep=$2 node=$3
	shift 3
	srv_rmq_env "$d" "$ep" "$node" "$SRV_RABBITMQ_BIN/rabbitmqctl" -n "$node" "$@"
}

# srv_epmd_start DIR PORT: the Erlang port mapper of this broker alone, on
# a private port, so the system's 4369 and other brokers' epmd are left
# alone; SRV_PID is its pid.
srv_epmd_start() {
	mkdir -p "$1"
	epmd -port "$2" -address 127.0.0.1 </dev/null >"$1/epmd.log" 2>&1 &
	SRV_PID=$!
}

# srv_rabbitmq_start DIR AMQP-PORT EPMD-PORT DIST-PORT NODE [DEFINITIONS]:
# the broker, in the background, with no plugins, its files under DIR;
# SRV_PID is the pid of rabbitmq-server (the script; the Erlang VM is its
# child, see srv_rabbitmq_beam_pid).  epmd must be listening on EPMD-PORT:
# the VM is told not to start one itself (it would daemonize, out of
# reach).  DEFINITIONS: a definitions file (JSON) the broker imports as it
# boots, before it opens its AMQP port; it then makes no default user
# (guest) and no default vhost.  With SRV_RABBITMQ_MGMT_PORT set, the
# management plugin (its HTTP API) listens on 127.0.0.1 at that port.
srv_rabbitmq_start() {
	local d=$1
	mkdir -p "$d/mnesia" "$d/log"
	echo '[].' >"$d/enabled_plugins"
	: >"$d/rabbitmq-env.conf"
	: >"$d/rabbitmq.conf"
	[ -n "${6-}" ] && echo "load_definitions = $6" >"$d/rabbitmq.conf"
	if [ -n "${SRV_RABBITMQ_MGMT_PORT-}" ]; then
		echo '[rabbitmq_management].' >"$d/enabled_plugins"
		printf 'management.tcp.port = %s\nmanagement.tcp.ip = 127.0.0.1\n' \
			"$SRV_RABBITMQ_MGMT_PORT" >>"$d/rabbitmq.conf"
	fi
	# The Erlang cookie, made before the server or the CLI could race to
	# create it: both read it from HOME.
	if [ ! -s "$d/.erlang.cookie" ]; then
		tr -dc 'A-Z' </dev/urandom 2>/dev/null | head -c 20 >"$d/.erlang.cookie"
		chmod 0400 "$d/.erlang.cookie"
	fi
	# env(1) itself, not srv_rmq_env: a shell function run with "&" is a
	# subshell, and $! would be its pid, not the server's.  -C: the VM
	# runs in DIR, where Mnesia writes its MnesiaCore.* dumps (never the
	# caller's directory, such as a source tree under make check)
	env -C "$d" HOME="$d" ERL_EPMD_PORT="$3" RABBITMQ_NODENAME="$5" \
		RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" RABBITMQ_NODE_PORT="$2" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT="$4" \
		RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" \
		RABBITMQ_CONFIG_FILE="$d/rabbitmq" \
		RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
		RABBITMQ_PLUGINS_EXPAND_DIR="$d/plugins-expand" \
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false" \
		"$SRV_RABBITMQ_BIN/rabbitmq-server" </dev/null >"$d/server.out" 2>&1 &
	SRV_PID=$!
}

# srv_rabbitmq_ready DIR EPMD-PORT NODE AMQP-PORT: the node has booted.
# Each rabbitmqctl call starts an Erlang VM (a second or more of CPU, taken
# from the booting server), so it is asked only once the AMQP port, opened
# late in the boot, accepts connections.
srv_rabbitmq_ready() {
	srv_port_open 127.0.0.1 "$4" &&
		srv_rabbitmqctl "$1" "$2" "$3" await_startup --timeout 10
}

# srv_rabbitmq_beam_pid PID: the Erlang VM's pid (rabbitmq-server PID runs
# it as its child).
srv_rabbitmq_beam_pid() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | head -n 1
}

# srv_rabbitmq_stop PID [BEAM-PID]: SIGTERM to rabbitmq-server (the script
# passes it to the VM, which stops the node cleanly, and waits for it), then
# make sure the VM is gone too.
srv_rabbitmq_stop() {
	srv_kill_wait "$1" 30
	[ -n "${2-}" ] && srv_kill_wait "$2" 10
	return 0
}

# ---------------------------------------------------------------- Redis

# srv_redis_start DIR PORT [ARGS...]: redis-server on 127.0.0.1:PORT, no
# persistence, in the background; SRV_PID is its pid.  ARGS are extra
# options (--requirepass X, --maxmemory 1mb, ...).
srv_redis_start() {
	local d=$1 port=$2
	shift 2
	mkdir -p "$d"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --dir "$d" --logfile '' "$@" \
		</dev/null >"$d/redis.log" 2>&1 &
	SRV_PID=$!
}

# srv_redis_answers PORT: PONG, or an auth error: either way it is serving.
srv_redis_answers() {
	local r
	r=$(redis-cli -h 127.0.0.1 -p "$1" ping 2>&1)
	[[ $r == PONG || $r == *NOAUTH* ]]
}

# ---------------------------------------------------------------- gse_task

# srv_gse_task_start LISTENER OUT PORT ADDR...: the gse_task stand-in
# (gse-task-listener.py) on PORT at each ADDR; it writes "ready" to OUT
# once it listens.  SRV_PID is its pid.
srv_gse_task_start() {
	local listener=$1 out=$2 port=$3
	shift 3
	"$SRV_PYTHON" "$listener" "$port" "$@" </dev/null >"$out" 2>&1 &
	SRV_PID=$!
}

# ---------------------------------------------------------------- the demo's supervisor

# srv_run DIR OWNER [--no-mariadb] [--no-rabbitmq] [--no-redis]: start the
# demo's servers under DIR and keep them until told to stop.  It talks on
# stdout, a line at a time:
#	ports MYSQL AMQP EPMD DIST REDIS GSE   first: the ports it claimed
#	node NAME                              RabbitMQ's node name
#	missing NAME PACKAGE                   a program is not installed
#	waiting
# then waits for a line "start" on stdin (the caller writes its files with
# those ports meanwhile) and starts everything at once:
#	ready NAME SECONDS                     NAME answers
#	failed NAME LOGFILE                    NAME did not come up
#	up                                     every server is ready or failed
# and then waits for stdin to close (the demo ends, however it ends: even
# killed, its end of the pipe closes) or for SIGTERM, SIGINT or SIGHUP,
# stops every server by the pid it started it with, newest first, stops the
# sandbox's GSE agent (DIR/gse/agent/bin/gsectl stop), releases the ports
# and prints "stopped".  OWNER is the pid the port claims are made for.
srv_run() {
	local dir=$1 owner=$2 opt name want_my=1 want_mq=1 want_redis=1
	shift 2
	for opt; do
		case $opt in
		--no-mariadb) want_my= ;;
		--no-rabbitmq) want_mq= ;;
		--no-redis) want_redis= ;;
		*) echo "servers.sh run: unknown option $opt" >&2; return 2 ;;
		esac
	done
	cd "$dir" || return 2
	dir=$(pwd)
	mkdir -p "$dir/run"
	# pids of an earlier run of a kept sandbox are stale: never stop them
	rm -f "$dir"/run/*.pid
	SRV_DIR=$dir
	SRV_OWNER=$owner
	trap 'srv_run_stop; exit 0' TERM INT HUP

	# A sandbox run before (demo --keep) keeps its ports and node name:
	# its files name them, and the broker's data is the node's.
	local my= mq= ep= dist= rd= gse= node=
	[ -r "$dir/run/ports" ] && read -r my mq ep dist rd gse node <"$dir/run/ports"
	local ports
	ports=$(srv_free_port "$owner" "$my" "$mq" "$ep" "$dist" "$rd" "$gse") ||
		{ srv_release_ports "$owner"; echo "failed ports -"; return 1; }
	read -r -d '' my mq ep dist rd gse <<<"$ports"
	SRV_NODE=${node:-jobfix-demo-$owner-$mq@localhost}
	echo "$my $mq $ep $dist $rd $gse $SRV_NODE" >"$dir/run/ports"
	echo "ports $my $mq $ep $dist $rd $gse"
	echo "node $SRV_NODE"
	SRV_EPMD_PORT=$ep

	if [ -n "$want_my" ] && ! srv_have mariadbd mariadb-install-db mariadb-admin; then
		echo "missing mariadb mariadb-server"
		want_my=
	fi
	if [ -n "$want_mq" ] && { [ ! -x "$SRV_RABBITMQ_BIN/rabbitmq-server" ] ||
		! srv_have epmd; }; then
		echo "missing rabbitmq rabbitmq-server"
		want_mq=
	fi
	if [ -n "$want_redis" ] && ! srv_have redis-server redis-cli; then
		echo "missing redis redis-server"
		want_redis=
	fi

	echo waiting
	read -r opt || { srv_run_stop; return 0; }
	[ "$opt" = start ] || { srv_run_stop; return 0; }

	# Each server starts in a subshell of its own, so the three come up
	# at once (RabbitMQ takes seconds); each records its pids in run/
	# before it waits, so a stop in the middle finds them.
	local t0=$SECONDS
	SRV_STARTERS=()
	(
		srv_gse_task_start "$dir/gse-task-listener.py" "$dir/run/gse_task.out" "$gse" 127.0.0.1
		echo "$SRV_PID" >"$dir/run/gse_task.pid"
		if srv_wait_for 30 "$SRV_PID" grep -q ready "$dir/run/gse_task.out"; then
			echo "ready gse_task $((SECONDS - t0))"
		else
			echo "failed gse_task $dir/run/gse_task.out"
		fi
	) &
	SRV_STARTERS+=($!)
	if [ -n "$want_my" ]; then
		(
			if [ ! -d "$dir/mysql/data/mysql" ] && ! srv_mariadb_install "$dir/mysql"; then
				echo "failed mariadb $dir/mysql/install.log"
				exit 0
			fi
			srv_mariadb_start "$dir/mysql" "$my" "$dir/etc/my.cnf"
			echo "$SRV_PID" >"$dir/run/mariadb.pid"
			if srv_wait_for 60 "$SRV_PID" srv_mariadb_answers "$dir/mysql"; then
				echo "ready mariadb $((SECONDS - t0))"
			else
				echo "failed mariadb $dir/mysql/error.log"
			fi
		) &
		SRV_STARTERS+=($!)
	fi
	if [ -n "$want_mq" ]; then
		(
			srv_epmd_start "$dir/rabbitmq" "$ep"
			echo "$SRV_PID" >"$dir/run/epmd.pid"
			if ! srv_wait_for 10 "$SRV_PID" srv_port_open 127.0.0.1 "$ep"; then
				echo "failed rabbitmq $dir/rabbitmq/epmd.log"
				exit 0
			fi
			# vhost bk_job comes from definitions the broker imports
			# as it boots, before it opens its AMQP port: an open
			# port is a broker with bk_job.  Each rabbitmqctl call
			# (await_startup, add_vhost) would start an Erlang VM, a
			# few seconds on a loaded machine.
			echo '{"vhosts": [{"name": "bk_job"}]}' >"$dir/rabbitmq/definitions.json"
			srv_rabbitmq_start "$dir/rabbitmq" "$mq" "$ep" "$dist" "$SRV_NODE" \
				"$dir/rabbitmq/definitions.json"
			echo "$SRV_PID" >"$dir/run/rabbitmq.pid"
			if srv_wait_for 180 "$SRV_PID" srv_port_open 127.0.0.1 "$mq" &&
				srv_rabbitmq_beam_pid "$SRV_PID" >"$dir/run/beam.pid"; then
				echo "ready rabbitmq $((SECONDS - t0))"
			else
				cat "$dir"/rabbitmq/log/*.log >>"$dir/rabbitmq/server.out" 2>/dev/null
				echo "failed rabbitmq $dir/rabbitmq/server.out"
			fi
		) &
		SRV_STARTERS+=($!)
	fi
	if [ -n "$want_redis" ]; then
		(
			srv_redis_start "$dir/redis" "$rd"
			echo "$SRV_PID" >"$dir/run/redis.pid"
			if srv_wait_for 30 "$SRV_PID" srv_redis_answers "$rd"; then
				echo "ready redis $((SECONDS - t0))"
			else
				echo "failed redis $dir/redis/redis.log"
			fi
		) &
		SRV_STARTERS+=($!)
	fi
	# `wait` returns early when a trapped signal arrives: the trap runs
	for name in "${SRV_STARTERS[@]}"; do
		wait "$name"
	done
	echo up
	while read -r opt; do :; done
	srv_run_stop
}

# srv_sweep_erlang HOME: kill what runs with the broker's HOME and is no
# longer in reach: an epmd -daemon that an Erlang VM (a rabbitmqctl jobfix
# ran, still ending) started once the broker's own epmd was gone.
srv_sweep_erlang() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "HOME=$1" &&
			kill -KILL "${p#/proc/}" 2>/dev/null
	done
	return 0
}

# srv_run_stop: stop what srv_run started, newest first.
srv_run_stop() {
	local d=$SRV_DIR pid
	trap '' TERM INT HUP
	# first the starters, so none starts a server after this; a server
	# one of them started but had not yet recorded is in the caller's
	# process group (jobfix demo kills what is left of it)
	[ ${#SRV_STARTERS[@]} -gt 0 ] && kill -KILL "${SRV_STARTERS[@]}" 2>/dev/null
	# the GSE agent jobfix started through the sandbox's gsectl
	[ -x "$d/gse/agent/bin/gsectl" ] && "$d/gse/agent/bin/gsectl" stop >/dev/null 2>&1
	for f in redis gse_task; do
		pid=$(cat "$d/run/$f.pid" 2>/dev/null) && srv_kill_wait "$pid" 10
	done
	if pid=$(cat "$d/run/rabbitmq.pid" 2>/dev/null); then
		srv_rabbitmq_stop "$pid" "$(cat "$d/run/beam.pid" 2>/dev/null)"
	fi
	pid=$(cat "$d/run/epmd.pid" 2>/dev/null) && srv_kill_wait "$pid" 5
	srv_sweep_erlang "$d/rabbitmq"
	pid=$(cat "$d/run/mariadb.pid" 2>/dev/null) && srv_kill_wait "$pid" 30
	srv_release_ports "$SRV_OWNER"
	echo stopped
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1-} in
	run) shift; srv_run "$@"; exit $? ;;
	*) echo "usage: servers.sh run DIR OWNER [--no-mariadb] [--no-rabbitmq] [--no-redis]" >&2
	   exit 2 ;;
	esac
fi
