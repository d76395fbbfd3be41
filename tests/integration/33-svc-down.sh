#!/bin/bash
# 33-svc-down: every service down at once.  First refused (nothing listens
# on the ports of job.conf), then blackholed (a port where connect() hangs:
# tests/svc-blackhole.py).  Each gives its own finding with a message naming
# its endpoint; with every probe hanging, diagnose takes about one probe
# deadline, not the sum of three, and no probe is abandoned (each ends by
# its own timeout, so its finding is still reported).  Nothing changes.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

MYSQL_PORT=$(free_port)
AMQP_PORT=$(free_port)
REDIS_PORT=$(free_port)
make_site "$T/site"

CONF=$T/jobfix.conf
cat >"$CONF" <<CONFEOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
job: { process_pattern = "no-such-process-jobfix-test"; };
probes: { only = [ "mysql", "rabbitmq", "redis" ]; deadline_ms = 2000; };
CONFEOF
jf() {
	OUT=$("$JOBFIX" -c "$CONF" --json "$@" 2>"$T/stderr")
	RC=$?
}
py() { printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
findings() { py 'print(" ".join(sorted(f["fault"] for f in d["findings"])))'; }
advice() { py "print(' '.join(f.get('advice', '') for f in d['findings'] if f['fault'] == '$1'))"; }
snapshot() { (cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 stat -c '%n %s %Y %a' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
ms() { date +%s%3N; }

# ---------------------------------------------------------------- refused
jf diagnose
is "$RC" 1 "all down: diagnose exits 1"
is "$(findings)" "start.mysql start.redis wait.rabbitmq.down" "all down (refused): one finding per service"
like "$(advice start.mysql)" "cannot connect to 127.0.0.1:$MYSQL_PORT" "MySQL: the message names its endpoint"
like "$(advice wait.rabbitmq.down)" "RabbitMQ at 127.0.0.1:$AMQP_PORT does not answer: TCP connection failed.*refused" \
	"RabbitMQ: the message names its endpoint and says refused"
like "$(advice start.redis)" "cannot connect to 127.0.0.1:$REDIS_PORT: Connection refused" "Redis: the message names its endpoint"
before=$(snapshot)
jf --dry-run
is "$(snapshot)" "$before" "all down: the dry run changed nothing"
jf fix --yes
is "$(snapshot)" "$before" "all down: fix changed nothing in the site"
is "$(wc -l <"$SITE/job-restarts.log")" 0 "all down: Job was not restarted"

# ---------------------------------------------------------------- blackholed
python3 "$top_srcdir/tests/svc-blackhole.py" "$T/bh.port" </dev/null >"$T/bh.log" 2>&1 &
BH_PID=$!
register_server "$BH_PID" blackhole "kill_wait $BH_PID 5"
wait_for 10 "$BH_PID" test -s "$T/bh.port" || bail "the blackhole did not start: $(cat "$T/bh.log")"
BH=$(cat "$T/bh.port")
site_conf_set "$SITE" job.mysql.port "$BH"
site_conf_set "$SITE" job.redis.port "$BH"
site_conf_set "$SITE" ijobs.amqp.addresses "127.0.0.1:$BH"
t0=$(ms)
jf diagnose
t1=$(ms)
elapsed=$((t1 - t0))
diag "diagnose with every service blackholed: ${elapsed} ms (deadline 2000 ms per probe)"
is "$(findings)" "start.mysql start.redis wait.rabbitmq.down" "all blackholed: one finding per service"
[ "$elapsed" -lt 3500 ]
ok $? "all blackholed: about one deadline (${elapsed} ms < 3500 ms), not the sum of three"
[ "$elapsed" -ge 900 ]
ok $? "all blackholed: the probes did wait for their deadline (${elapsed} ms)"
unlike "$(cat "$T/stderr")" "no answer within" "no probe was abandoned by the runner"
like "$(advice start.mysql)" "127.0.0.1:$BH" "MySQL: the message names its endpoint"
like "$(advice wait.rabbitmq.down)" "RabbitMQ at 127.0.0.1:$BH does not answer: no TCP connection within" \
	"RabbitMQ: the message says the connection timed out"
like "$(advice start.redis)" "cannot connect to 127.0.0.1:$BH" "Redis: the message names its endpoint"
done_testing
