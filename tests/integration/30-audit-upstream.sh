#!/bin/bash
# 30-audit-upstream: findings are repaired upstream first (MySQL, then
# Redis and RabbitMQ, then Job, then GSE; within a tier in catalogue
# order), and a symptom whose cause is an
# open upstream fault is reported as blocked, not "fixed": no restarting
# Job while RabbitMQ (or MySQL) is down.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

AMQP_PORT=$(free_port)   # nothing listens there: RabbitMQ is down
MYSQL_PORT=$(free_port)  # nor there
make_site "$T/site" ijobs.amqp.username=admin
touch -d '2 days ago' "$SITE/logs/job/job.log"   # Job silent: start.nolog
J=$SITE/etc/job.conf
CONF=$T/jobfix.conf
write_conf() {	# disabled probes
	cat >"$CONF" <<EOC
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
probes: { deadline_ms = 3000; disable = [ $1 "redis", "gsetask", "license",
  "cert", "paas", "cmdb", "consul", "ports", "nfs", "agent" ]; };
EOC
}
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
states() { python3 -c 'import json,sys
d=json.load(sys.stdin); print(" ".join(f["fault"]+":"+f["state"] for f in d["findings"]))'; }
note_of() { python3 -c 'import json,sys
d=json.load(sys.stdin); print([f.get("note") or "" for f in d["findings"] if f["fault"]==sys.argv[1]][0])' "$1"; }

# RabbitMQ down: Job's fixes wait
write_conf '"mysql",'
check_rc 1 "diagnose" -- jf --json diagnose
is "$(echo "$OUT" | states)" "wait.rabbitmq.down:open start.nolog:blocked wait.rabbitmq.creds:blocked" \
	"RabbitMQ first; the Job faults it causes are blocked"
like "$(echo "$OUT" | note_of wait.rabbitmq.creds)" "caused by wait.rabbitmq.down" "the cause is named"
sum=$(sha256sum <"$J")
jf --json fix --yes >"$T/out.json" 2>&1
is "$(states <"$T/out.json")" "wait.rabbitmq.down:failed start.nolog:blocked wait.rabbitmq.creds:blocked" \
	"fix: the broker's playbook ran (and found it still down), the rest stayed blocked"
is "$(sha256sum <"$J")" "$sum" "job.conf was not touched"
is "$(wc -l <"$SITE/job-restarts.log")" "0" "Job was not restarted while RabbitMQ is down"
check "the audit chain is whole" -- jf audit verify

# MySQL down too: even the broker's playbook (which restarts Job) waits
write_conf ''
check_rc 1 "diagnose with MySQL down" -- jf --json diagnose
is "$(echo "$OUT" | states)" "start.mysql:advice wait.rabbitmq.down:blocked start.nolog:blocked wait.rabbitmq.creds:blocked" \
	"MySQL first; everything downstream blocked"
like "$(echo "$OUT" | note_of wait.rabbitmq.down)" "caused by start.mysql" "job-restart waits for MySQL"
jf fix --yes >/dev/null 2>&1
is "$(wc -l <"$SITE/job-restarts.log")" "0" "nothing restarted Job"

# the broker and MySQL back (not probed): Job's faults are fixed
write_conf '"mysql", "rabbitmq",'
check "fix once the upstream faults are gone" -- jf --json fix --yes
is "$(echo "$OUT" | states)" "start.nolog:fixed wait.rabbitmq.creds:fixed" "the Job faults are fixed now"
grep -q '^ijobs.amqp.username=bk_job$' "$J"
ok $? "job.conf aligned"
ok $(( $(wc -l <"$SITE/job-restarts.log") >= 1 ? 0 : 1 )) "Job restarted"
done_testing
