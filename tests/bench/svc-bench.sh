#!/bin/bash
# svc-bench.sh - wall time of `jobfix diagnose` against MySQL, RabbitMQ and
# Redis: all up, and all unreachable (a blackholed port: connect() hangs),
# next to the configured probe deadline, and next to a shell script making
# the same checks one after another with mysql, rabbitmqctl and redis-cli.
#
#   bash tests/bench/svc-bench.sh [RUNS]      (from a build tree; RUNS=5)
#
# Starts its own private servers (tests/lib.sh), like the scenarios.  Not
# part of make check: it takes about a minute.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
RUNS=${1:-5}
DEADLINE_MS=${DEADLINE_MS:-3000}
setup_tmp
require_cmd python3 mariadb redis-cli

export MYSQL_ROOT_PASSWORD=Bench-Db-Pw
start_mariadb
start_rabbitmq
start_redis
make_site "$T/site"
rmqctl add_user bk_job jobfix-test-secret >/dev/null 2>&1 ||
	printf 'jobfix-test-secret\n' | rmqctl add_user bk_job >/dev/null
rmqctl set_permissions -p bk_job bk_job '.*' '.*' '.*' >/dev/null

CONF=$T/jobfix.conf
cat >"$CONF" <<CONFEOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
probes: { deadline_ms = $DEADLINE_MS; disable = [ "job", "logs" ]; };
CONFEOF

# The same checks by hand, one after another: log in to MySQL and read the
# scheduler, the events and the partitions; log in to RabbitMQ (rabbitmqctl
# authenticate_user: the CLI has no AMQP client) and read the vhost's
# permissions; PING Redis and read INFO memory.  Each with a timeout of the
# same deadline.
by_hand() {	# MYSQL_PORT AMQP_NODE REDIS_PORT
	local s=$((DEADLINE_MS / 1000))
	MYSQL_PWD=$MYSQL_ROOT_PASSWORD timeout "$s" mariadb --no-defaults -h 127.0.0.1 -P "$1" \
		-uroot --connect-timeout="$s" -e "select @@event_scheduler;
		select count(*) from information_schema.EVENTS where EVENT_SCHEMA = 'jobLog';
		select TABLE_NAME, max(PARTITION_DESCRIPTION) from information_schema.PARTITIONS
		where TABLE_SCHEMA = 'jobLog' group by TABLE_NAME" >/dev/null 2>&1
	timeout "$s" "$_jf_rmq_bin/rabbitmqctl" -n "$2" authenticate_user bk_job jobfix-test-secret >/dev/null 2>&1
	timeout "$s" "$_jf_rmq_bin/rabbitmqctl" -n "$2" list_permissions -p bk_job >/dev/null 2>&1
	timeout "$s" redis-cli -h 127.0.0.1 -p "$3" ping >/dev/null 2>&1
	timeout "$s" redis-cli -h 127.0.0.1 -p "$3" info memory >/dev/null 2>&1
	return 0
}
ms() { date +%s%3N; }
# median of RUNS timings of CMD...
median() {
	local i t0 t1 v=()
	for ((i = 0; i < RUNS; i++)); do
		t0=$(ms)
		"$@" >/dev/null 2>&1 </dev/null
		t1=$(ms)
		v+=($((t1 - t0)))
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
export HOME=$RMQ_HOME ERL_EPMD_PORT=$RMQ_EPMD_PORT RABBITMQ_CONF_ENV_FILE=$RMQ_HOME/rabbitmq-env.conf

up_jobfix=$(median "$JOBFIX" -c "$CONF" diagnose)
up_hand=$(median by_hand "$MYSQL_PORT" "$RABBITMQ_NODENAME" "$REDIS_PORT")

python3 "$top_srcdir/tests/svc-blackhole.py" "$T/bh.port" </dev/null >"$T/bh.log" 2>&1 &
BH_PID=$!
register_server "$BH_PID" blackhole "kill_wait $BH_PID 5"
wait_for 10 "$BH_PID" test -s "$T/bh.port" || bail "blackhole did not start"
BH=$(cat "$T/bh.port")
site_conf_set "$SITE" job.mysql.port "$BH"
site_conf_set "$SITE" job.redis.port "$BH"
site_conf_set "$SITE" ijobs.amqp.addresses "127.0.0.1:$BH"
down_jobfix=$(median "$JOBFIX" -c "$CONF" diagnose)
# by hand, the broker "unreachable": rabbitmqctl against a node that does
# not exist waits for its own timeout
down_hand=$(median by_hand "$BH" "nosuchnode@localhost" "$BH")

printf '# jobfix diagnose, median of %d runs, probe deadline %d ms\n' "$RUNS" "$DEADLINE_MS"
printf '%-34s %10s %14s\n' "" "jobfix" "shell script"
printf '%-34s %8d ms %11d ms\n' "all services up" "$up_jobfix" "$up_hand"
printf '%-34s %8d ms %11d ms\n' "all services blackholed" "$down_jobfix" "$down_hand"
printf '%-34s %8d ms\n' "configured deadline per probe" "$DEADLINE_MS"
ok 0 "benchmark ran"
done_testing
