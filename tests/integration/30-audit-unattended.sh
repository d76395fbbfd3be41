#!/bin/bash
# 30-audit-unattended: cron-style runs.  --auto prints nothing when
# healthy; two runs at once (one proceeds, the other exits 4 at once, or
# waits with --wait); a stale lock never blocks; the rate limit holds a
# flapping fix, shows it in status, and releases it when the window passes
# or on `jobfix reset`; the maintenance flag (pause/resume, or the file)
# stops unattended changes, also when set in the middle of a run; a
# "confirm" policy holds a playbook unattended.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

make_site "$T/site" ijobs.amqp.username=admin
MAIN=$SITE
J=$MAIN/etc/job.conf
CONF=$T/jobfix.conf
mkdir -p "$T/pb"
write_conf() {	# extra lines
	cat >"$CONF" <<EOF
site: { root = "$MAIN"; templates_dir = ""; };
playbook_dirs = [ "$T/pb" ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
probes: { network = false; disable = [ "mysql", "rabbitmq", "redis", "gsetask",
  "license", "cert", "paas", "cmdb", "consul", "ports", "nfs", "agent" ]; };
$1
EOF
}
write_conf ""
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
breakit() { sed -i -e 's/^ijobs.amqp.username=.*/ijobs.amqp.username=admin/' \
	-e 's/^ijobs.amqp.password=.*/ijobs.amqp.password=wrong/' "$J"; }
fixed() { grep -q '^ijobs.amqp.username=bk_job$' "$J"; }
state() { jf --json fix --dry-run | python3 -c 'import json,sys
d=json.load(sys.stdin); print(" ".join(f["state"] for f in d["findings"]))'; }
finding_note() { python3 -c 'import json,sys
d=json.loads(sys.argv[1]); print(" | ".join((f.get("state") or "")+": "+(f.get("note") or "") for f in d["findings"]))' "$1"; }

# the same playbook, with a pause in the middle (between its two edits)
cat >"$T/pb/rabbitmq-credentials.conf" <<'EOF'
name    = "rabbitmq-credentials";
fixes   = [ "wait.rabbitmq.creds" ];
summary = "align the AMQP credentials, slowly";
steps   = (
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.username"; value = "${jobconf.app.code}"; },
  { type = "command"; argv = [ "/bin/sleep", "0" ]; summary = "pause"; },
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.password"; value = "${jobconf.app.secret}"; },
  { type = "verify"; fact = "jobconf.amqp_creds"; equals = "match"; }
);
EOF
slow_pb() { sed -i "s|\"/bin/sleep\", \"[0-9.]*\"|\"/bin/sleep\", \"$1\"|" "$T/pb/rabbitmq-credentials.conf"; }

# --auto: quiet when healthy
make_site "$T/healthy"
cat >"$T/healthy.conf" <<EOF
site: { root = "$T/healthy"; templates_dir = ""; };
playbook_dirs = [ ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; };
probes: { network = false; disable = [ "mysql", "rabbitmq", "redis", "gsetask",
  "license", "cert", "paas", "cmdb", "consul", "ports", "nfs", "agent" ]; };
EOF
check_rc 0 "--auto on a healthy host exits 0" -- "$JOBFIX" -c "$T/healthy.conf" --auto fix
is "$OUT" "" "and prints nothing"

# --- the lock ---------------------------------------------------------
# the first run sleeps 20 s between its edits: long enough, on a loaded
# machine, for the second run and status to see it holding the lock
slow_pb 20
"$JOBFIX" -c "$CONF" --auto fix >"$T/first.out" 2>&1 &
first=$!
for _ in $(seq 300); do grep -q '"event":"applying","unattended":true,"fault":"wait.rabbitmq.creds","playbook":"rabbitmq-credentials","step":2' "$JOBFIX_AUDIT_LOG" 2>/dev/null && break; sleep 0.1; done
start=$(date +%s%N)
check_rc 4 "a second run while the first holds the lock exits 4" -- jf --auto fix
ms=$((($(date +%s%N) - start) / 1000000))
ok $((ms < 15000 ? 0 : 1)) "at once, not waiting for the first run's 20 s (${ms} ms)"
like "$OUT" "another jobfix run holds .*: pid $first" "naming the holder's pid"
check "status shows the lock held" -- jf status
like "$OUT" "run lock +held by pid $first" "with its pid"
check_rc 0 "a run with --wait waits for the first and proceeds" -- jf --auto --wait 60 fix
wait "$first"
is "$?" "0" "the first run fixed it"
fixed
ok $? "job.conf is fixed"

# a stale lock: the holder was killed; a pid in the file means nothing
breakit
slow_pb 0
python3 -c 'import fcntl,sys,time
f=open(sys.argv[1],"a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' "$JOBFIX_STATE_DIR/lock" &
holder=$!
sleep 0.3
kill -9 "$holder"
wait "$holder" 2>/dev/null
echo 999999 >"$JOBFIX_STATE_DIR/lock"
check_rc 0 "a lock left by a killed process does not block" -- jf --auto fix
fixed
ok $? "and the run fixed it"

# --- the rate limit ---------------------------------------------------
jf reset rabbitmq-credentials >/dev/null
# a window long enough for the runs below on a loaded machine; the wait for
# it to pass is measured from the hold's recorded end, not guessed
write_conf 'policy: { rabbitmq-credentials: { max_runs = 2; window_seconds = 30; }; };'
breakit
check_rc 0 "flapping: run 1 fixes" -- jf --auto fix
breakit
check_rc 0 "flapping: run 2 fixes" -- jf --auto fix
breakit
sum=$(sha256sum <"$J")
check_rc 1 "flapping: run 3 is held by the rate limit (exit 1)" -- jf --auto --json fix
like "$(finding_note "$OUT")" "held: held by the rate limit: 2 unattended runs in the last 30 s \(limit 2\)" \
	"the finding is reported as held, with the limit"
is "$(sha256sum <"$J")" "$sum" "the held run changed nothing"
check "status" -- jf status
like "$OUT" "rabbitmq-credentials +auto +2/2 runs in 30s +HELD until" "status shows the counter and the hold"
like "$OUT" "an attempt is an unattended run of a playbook that reached its first change" \
	"status says what counts as an attempt"
check "status --json" -- jf --json status
is "$(echo "$OUT" | python3 -c 'import json,sys
d=json.load(sys.stdin); p=[p for p in d["playbooks"] if p["playbook"]=="rabbitmq-credentials"][0]
print(p["attempts_in_window"], p["max_runs"], p["window_seconds"], p["held"])')" "2 2 30 True" \
	"status --json: attempts, limit, window, held"
is "$(grep -c '"event":"held"' "$JOBFIX_AUDIT_LOG")" "1" "the hold is one audit record"
check_rc 1 "run 4 is still held" -- jf --auto fix
is "$(grep -c '"event":"held"' "$JOBFIX_AUDIT_LOG")" "1" "a continuing hold is not recorded again"
check_rc 0 "jobfix reset releases it" -- jf reset rabbitmq-credentials
like "$OUT" "attempts forgotten, hold released" "and says so"
check_rc 0 "after reset the fix runs" -- jf --auto fix
fixed
ok $? "and fixes"
breakit
check_rc 0 "run 2 after the reset" -- jf --auto fix
breakit
check_rc 1 "held again at the limit" -- jf --auto fix
until_held=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["rabbitmq-credentials"]["held_until"])' "$JOBFIX_STATE_DIR/ratelimit.json")
sleep "$((until_held - $(date +%s) + 1))"
check_rc 0 "once the window has passed the hold is released" -- jf --auto fix
fixed
ok $? "and the fix runs"
check_rc 2 "reset of an unknown playbook" -- jf reset no-such-playbook
check_rc 0 "the chain is whole" -- jf audit verify

# --- policy "confirm" -----------------------------------------------------
write_conf 'policy: { rabbitmq-credentials: { mode = "confirm"; }; };'
breakit
check_rc 1 "a confirm playbook is held unattended" -- jf --auto --json fix
like "$(finding_note "$OUT")" 'policy "confirm"' "and says so"
check "status shows the mode" -- jf status
like "$OUT" "rabbitmq-credentials +confirm" "confirm"

# --- maintenance --------------------------------------------------------
write_conf 'unattended: { max_runs = 100; };'
check_rc 0 "pause" -- jf pause upgrading MySQL
check "status shows maintenance" -- jf status
like "$OUT" "maintenance +ON: paused at .* by .*: upgrading MySQL" "with the reason"
sum=$(sha256sum <"$J")
check_rc 1 "a paused host: the unattended run changes nothing" -- jf --auto --json fix
like "$(finding_note "$OUT")" "held: maintenance: unattended changes are paused" "held by maintenance"
is "$(sha256sum <"$J")" "$sum" "job.conf untouched"
like "$(tail -n 1 "$JOBFIX_AUDIT_LOG")" '"event":"held".*"playbook":"rabbitmq-credentials".*maintenance: unattended changes are paused' \
	"the pause's hold of the playbook is an audit record"
check_rc 0 "resume" -- jf resume
check_rc 0 "after resume the fix runs" -- jf --auto fix
fixed
ok $? "fixed"

# the flag appears in the middle of a run: checked again before each change
breakit
cp "$J" "$T/job.conf.before"
slow_pb 2
"$JOBFIX" -c "$CONF" --auto --json fix >"$T/mid.out" 2>&1 &
mid=$!
for _ in $(seq 300); do grep -q '"step":2' "$JOBFIX_AUDIT_LOG" && tail -n 1 "$JOBFIX_AUDIT_LOG" | grep -q '"event":"applying"' && break; sleep 0.1; done
jf pause "set while a run is under way" >/dev/null
wait "$mid"
is "$?" "1" "the run under way stops before its next change (exit 1)"
like "$(finding_note "$(cat "$T/mid.out")")" "held: refused: maintenance" "the finding is held by maintenance"
like "$(tail -n 3 "$JOBFIX_AUDIT_LOG")" '"event":"refused".*"step":3.*maintenance' \
	"the refused change is an audit record"
grep -q '^ijobs.amqp.username=bk_job$' "$J"
ok $? "the change made before the flag stays"
jf resume >/dev/null
slow_pb 0
check_rc 0 "after resume the next run finishes the job" -- jf --auto fix
grep -q '^ijobs.amqp.password=jobfix-test-secret$' "$J"
ok $? "password aligned too"

# the flag file itself (touched by a script, not by jobfix pause)
write_conf "unattended: { maintenance_file = \"$T/flag\"; max_runs = 100; };"
breakit
touch "$T/flag"
check_rc 1 "a flag file made by hand also holds" -- jf --auto fix
rm -f "$T/flag"
check_rc 0 "removed, the fix runs" -- jf --auto fix
check_rc 0 "the chain is whole at the end" -- jf audit verify
done_testing
