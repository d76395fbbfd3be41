#!/bin/bash
# 30-audit-log: every change of a fix is an audit record (file, sha256
# before and after, backup, argv, evidence, undo), the chain verifies, an
# edited, deleted or truncated record is found and named, `audit show`
# filters by time, `undo RUN-ID` restores files newest first and refuses a
# file changed since, no secret reaches any byte written, and a fix with no
# writable audit log changes nothing.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

SECRET=Sekr3t-Audit-5150
AMQPPW=Wrong-Amqp-Pw-9931
make_site "$T/site" ijobs.amqp.username=admin ijobs.amqp.password=$AMQPPW \
	app.secret=$SECRET
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
probes: { network = false; disable = [ "mysql", "rabbitmq", "redis", "gsetask",
  "license", "cert", "paas", "cmdb", "consul", "ports", "nfs", "agent" ]; };
EOF
ALL_OUT=$T/all-output
: >"$ALL_OUT"
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
LOG=$JOBFIX_AUDIT_LOG
J=$SITE/etc/job.conf
orig_sum=$(sha256sum <"$J" | cut -d' ' -f1)
cp "$J" "$T/job.conf.orig"
# rec N FIELD...: a field of record seq N (python expression on r)
rec() { python3 -c '
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["seq"]==int(sys.argv[2]): print(eval(sys.argv[3]))' "$LOG" "$1" "$2"; }

check_rc 0 "fix --yes repairs the credentials" -- jf fix --yes
echo "$OUT" >>"$ALL_OUT"
new_sum=$(sha256sum <"$J" | cut -d' ' -f1)
is "$(stat -c %a "$LOG")" "600" "the audit log has mode 0600"
check_rc 0 "audit verify: the chain is whole" -- jf audit verify
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "6 records, the chain is whole" "six records: applying and result of three changes"
is "$(rec 1 'r["event"]+" "+r["kind"]+" "+r["fault"]+" "+r["playbook"]+" "+str(r["step"])')" \
	"applying file wait.rabbitmq.creds rabbitmq-credentials 1" "record 1: the intent, before the change"
is "$(rec 2 'r["event"]+" "+r["result"]+" "+r["file"]')" "applied changed $J" \
	"record 2: the first edit applied, naming the file"
is "$(rec 2 'r["sha256_before"]')" "$orig_sum" "record 2: sha256 before is the original file"
is "$(rec 4 'r["sha256_after"]')" "$new_sum" "record 4: sha256 after is the file now"
backup=$(rec 2 'r["backup"]')
is "$(sha256sum <"$backup" | cut -d' ' -f1)" "$orig_sum" "the backup it names holds the original"
is "$(rec 2 'r["undo"]["action"]+" "+r["undo"]["from"]')" "restore $backup" "record 2 says how to undo it"
like "$(rec 2 'r["evidence"]')" "jobconf.amqp_creds = mismatch" "the evidence that triggered it"
like "$(rec 2 'r["user"]+" "+r["host"]+" "+r["run_id"]+" "+r["time"]')" '^[a-z].* .+ [0-9]{8}T[0-9]{6}-[0-9a-f]{12} 20[0-9-]{8}T' \
	"user, host, run id and time"
is "$(rec 6 'r["kind"]+" "+r["undo"]["action"]')" "action none" "the restart: an action, no undo"
like "$(rec 6 'r["argv"]')" "job.sh restart" "with its argv"
is "$(rec 3 'r["prev"]')" "$(sed -n 2p "$LOG" | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
	"each record holds the SHA-256 of the line before"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$JOBFIX_STATE_DIR/audit.head")" \
	"6" "the head file holds the newest record"
RUN=$(rec 1 'r["run_id"]')

# audit show
check_rc 0 "audit show" -- jf audit show
like "$OUT" "applied +rabbitmq-credentials step 1" "shows the changes"
check_rc 0 "audit show --since 1h" -- jf audit show --since 1h --json
is "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" "6" \
	"--since 1h: every record"
check_rc 0 "audit show --since a future date" -- jf audit show --since 2999-01-01 --json
is "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" "0" \
	"--since the future: none"
check_rc 2 "audit show --since garbage is a usage error" -- jf audit show --since yesterdayish
check_rc 2 "audit with no subcommand is a usage error" -- jf audit

# undo -n: lists, changes nothing (no file, no record, no backup, no lock)
nlines=$(wc -l <"$LOG")
state_before=$(cd "$JOBFIX_STATE_DIR" && find . -printf '%p %s %T@\n' | sort)
check_rc 1 "undo -n RUN-ID lists what it would restore (exit 1: work to do)" -- jf -n undo "$RUN"
like "$OUT" "would-undo +.*would restore $J from $backup" "naming the file and the backup"
like "$OUT" "dry run: nothing is changed" "and says it is a dry run"
is "$(sha256sum <"$J" | cut -d' ' -f1)" "$new_sum" "job.conf is unchanged"
is "$(wc -l <"$LOG")" "$nlines" "no audit record was written"
is "$(cd "$JOBFIX_STATE_DIR" && find . -printf '%p %s %T@\n' | sort)" "$state_before" \
	"the state directory is unchanged (no backup, no lock file written)"
check_rc 1 "undo --dry-run --json" -- jf --dry-run --json undo "$RUN"
is "$(echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["dry_run"], sorted(set(i["result"] for i in d["items"])))')" \
	"True ['not-undone', 'would-undo']" "--json: a dry run, would-undo items"

# undo
check_rc 1 "undo RUN-ID restores the files (the restart cannot be undone: exit 1)" -- jf undo "$RUN"
echo "$OUT" >>"$ALL_OUT"
is "$(sha256sum <"$J" | cut -d' ' -f1)" "$orig_sum" "job.conf is the original again"
like "$OUT" "restart job: not undone: an action" "undo says the restart cannot be undone"
check_rc 0 "the chain is whole after the undo" -- jf audit verify
is "$(python3 -c '
import json,sys
print(" ".join(str(json.loads(l).get("undoes")) for l in open(sys.argv[1]) if json.loads(l)["event"]=="undone"))' "$LOG")" \
	"4 2" "undone records name what they reverse, newest first"
check_rc 1 "a second undo of the same run" -- jf undo "$RUN"
like "$OUT" "already undone" "finds nothing left to restore"
is "$(sha256sum <"$J" | cut -d' ' -f1)" "$orig_sum" "and changes nothing"
check_rc 2 "undo of an unknown run" -- jf undo 20000101T000000-000000000000

# a file changed since the run is refused, by name
check_rc 0 "fix again" -- jf fix --yes
RUN2=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["run_id"])' "$LOG")
echo "# edited by hand" >>"$J"
edited=$(sha256sum <"$J" | cut -d' ' -f1)
check_rc 5 "undo refuses a file changed since the run" -- jf undo "$RUN2"
like "$OUT" "$J changed since run $RUN2" "and names the file"
is "$(sha256sum <"$J" | cut -d' ' -f1)" "$edited" "the edited file is left alone"

# tampering: edited, deleted, truncated
cp "$LOG" "$T/log.good"
cp "$JOBFIX_STATE_DIR/audit.head" "$T/head.good"
sed -i '3s/"host":"/"host":"x/' "$LOG"
check_rc 1 "an edited record breaks the chain" -- jf audit verify
like "$OUT" "BROKEN at record 3 " "and verify names record 3"
cp "$T/log.good" "$LOG"
sed -i '5d' "$LOG"
check_rc 1 "a deleted record breaks the chain" -- jf audit verify
like "$OUT" "record 5 is missing" "and verify names record 5"
cp "$T/log.good" "$LOG"
sed -i '4{h;d};5G' "$LOG"
is "$(sed -n 5p "$LOG")" "$(sed -n 4p "$T/log.good")" "records 4 and 5 swapped"
check_rc 1 "swapped records break the chain" -- jf audit verify
like "$OUT" "out of order: record 5 comes right after record 3, and record 4 is further on \\($LOG line 5\\)" \
	"and verify says they are out of order, where the other one is"
unlike "$OUT" "missing" "not that a record is missing"
cp "$T/log.good" "$LOG"
sed -i '2{h;d};5G' "$LOG"
check_rc 1 "a record moved further down breaks the chain" -- jf audit verify
like "$OUT" "out of order: record 3 comes right after record 1, and record 2 is further on" \
	"and verify says out of order"
cp "$T/log.good" "$LOG"
n=$(wc -l <"$LOG")
head -n $((n - 2)) "$T/log.good" >"$LOG"
check_rc 1 "records cut off the end are found" -- jf audit verify
like "$OUT" "records $((n - 1)) to $n were cut off the end" "through the head"
: >"$LOG"
check_rc 1 "an emptied log is found" -- jf audit verify
cp "$T/log.good" "$LOG"
printf '{"seq":1' >>"$LOG"
check_rc 1 "a torn last line is found" -- jf audit verify
cp "$T/log.good" "$LOG"
check_rc 0 "the restored log verifies" -- jf audit verify
rm "$JOBFIX_STATE_DIR/audit.head"
check_rc 1 "without its head file the log does not verify" -- jf audit verify
like "$OUT" "records chain, but their tail can no longer be checked: the head file $JOBFIX_STATE_DIR/audit.head is missing" \
	"verify says the tail can no longer be checked"
unlike "$OUT" "whole" "and never that the chain is whole"
check_rc 1 "even when quiet" -- jf -q audit verify
like "$OUT" "can no longer be checked" "and says so"
check_rc 0 "--no-head checks the chain alone" -- jf audit verify --no-head
like "$OUT" "records, the chain holds; its tail was not checked \\(--no-head\\)" \
	"and says the tail was not checked"
jf status >"$T/status.out" 2>&1
like "$(cat "$T/status.out")" "chain tail unchecked: the head file" "status shows the tail unchecked"
head -n $(($(wc -l <"$LOG") - 2)) "$T/log.good" >"$LOG"
check_rc 1 "records cut off with the head gone are not called whole" -- jf audit verify
check_rc 0 "but --no-head cannot see them" -- jf audit verify --no-head
cp "$T/log.good" "$LOG"
cp "$T/head.good" "$JOBFIX_STATE_DIR/audit.head"
check_rc 0 "with its head back the log verifies" -- jf audit verify

# no audit log: nothing is changed
cp "$T/job.conf.orig" "$J"
check_rc 1 "with no writable audit log the fix changes nothing" -- \
	env JOBFIX_AUDIT_LOG=/proc/no-such-dir/audit.log "$JOBFIX" -c "$CONF" fix --yes
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "audit log cannot be written" "and says why"
is "$(sha256sum <"$J" | cut -d' ' -f1)" "$orig_sum" "job.conf is untouched"

# secrets: in no byte written (audit log, head, state files, outputs)
jf status >>"$ALL_OUT" 2>&1
jf audit show --json >>"$ALL_OUT" 2>&1
n=0
for s in "$SECRET" "$AMQPPW"; do
	n=$((n + 1))
	! grep -qF -- "$s" "$LOG" "$T/log.good" "$JOBFIX_STATE_DIR/audit.head" \
		"$JOBFIX_STATE_DIR"/*.json "$ALL_OUT"
	ok $? "secret $n is in no audit record, state file or output"
	! (find "$JOBFIX_STATE_DIR" | grep -qF -- "$s")
	ok $? "secret $n is in no file name"
done
done_testing
