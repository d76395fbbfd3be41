#!/bin/bash
# 12-explain: jobfix explain answers every error code of FAQ section 9 and
# every fault ID of FAULTS.md, and refuses what is neither.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
printf 'playbook_dirs = [ ];\n' >"$T/jobfix.conf"
jf() { "$JOBFIX" -c "$T/jobfix.conf" "$@"; }

for code in 1210001 1210101 1250001 1250002 1259001 1252001 1255001 1211001 \
    1211002 1211121 1213001 1213002; do
	check "explain $code" -- jf explain "$code"
	like "$OUT" "^$code \(JOB -> [A-Za-z]+\): " "$code: its meaning and route"
done
check "explain 1252001 names its faults" -- jf explain 1252001
like "$OUT" "nolog.partition" "1252001 -> nolog.partition"
like "$OUT" "playbook mysql-event-scheduler" "1252001 -> the playbook that fixes it"

for id in start.cert start.rabbitmq start.redis start.mysql start.credentials \
    start.consul start.port start.nolog start.license wait.rabbitmq.down \
    wait.rabbitmq.creds wait.rabbitmq.vhost login.paas login.appauth \
    nolog.partition nolog.scheduler-disabled nolog.events-missing \
    nolog.headroom gse.pipeline timeout.script timeout.agent gse.task.down \
    gse.task.addr gse.task.tls agent.down agent.link agent.tls agent.cloud \
    nfs.down cmdb.down cmdb.nonjson cmdb.gitmodule; do
	check "explain $id" -- jf explain "$id"
	like "$OUT" "^$id: .*checks: .*fixed by: " "$id: title, checks and remedy"
done
check "explain start.nolog names its playbook" -- jf explain start.nolog
like "$OUT" "playbook job-console-log" "start.nolog -> job-console-log"

check_rc 2 "an unknown code" -- jf explain 1234567
like "$OUT" "1234567.*not an error code" "says it is not a code"
check_rc 2 "an unknown fault ID" -- jf explain nolog.nothing
check "explain without an argument lists the catalogue" -- jf explain
is "$(echo "$OUT" | grep -c '§')" "32" "every fault, once"
is "$(echo "$OUT" | grep -cE '^12[0-9]{5}  JOB -> ')" "12" "every code, once"
check_rc 2 "explain with two arguments" -- jf explain 1252001 1250001
done_testing
