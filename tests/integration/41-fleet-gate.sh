#!/bin/bash
# 41-fleet-gate.sh - fleet changes pass the executor's gate, as local runs
# do: four loopback hosts with dead agents, one paused (its own `jobfix
# pause` flag), one locked (a jobfix run there holds its lock), one at its
# rate limit, one free.  Only the free one is changed; the report says per
# host "paused", "locked", "held by rate limit"; every change is an audit
# record on this machine's chain naming its host (`audit show --host`,
# `audit verify`); a fleet run is undone host by host with -H; -H runs
# honour the remote lock too; once the flag and the lock are gone, the
# hosts are fixed.

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd python3 ssh-keygen flock
setup_tmp
fleet_setup 4
C=$T/jobfix.conf
LOG=$JOBFIX_AUDIT_LOG
H1=$(fleet_addr 1) H2=$(fleet_addr 2) H3=$(fleet_addr 3) H4=$(fleet_addr 4)
# host 3 may make no guarded attempt at all: at its limit from the start
sed -i "/^$H3 / s/\$/ unattended.max_runs=0/" "$T/inventory"

# host_field JSON-FILE HOST FIELD
host_field() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for h in d["hosts"]:
    if h["host"] == sys.argv[2]:
        v = h[sys.argv[3]]
        print(",".join(v) if isinstance(v, list) else v)
EOF
}
# records [FILTER]: "host event kind" of each audit record, FILTER a python
# expression over r
records() {
	[ -e "$LOG" ] || return 0
	python3 - "$LOG" "${1:-True}" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if eval(sys.argv[2]):
        print(r.get("host"), r.get("event"), r.get("kind", "-"))
EOF
}
running() { [ -e "$T/h/$1/agent/run/master.pid" ] &&
	kill -0 "$(cat "$T/h/$1/agent/run/master.pid")" 2>/dev/null && echo up || echo down; }
fleet() { "$JOBFIX" -c "$C" fleet --no-progress "$@"; }

# host 1 is paused, as `jobfix pause` there leaves it
mkdir -p "$T/h/1/var/lib/jobfix" "$T/h/2/var/lib/jobfix"
echo "paused at 2026-01-01T00:00:00Z by ops: upgrading the agent" \
	>"$T/h/1/var/lib/jobfix/maintenance"
# host 2: a jobfix run (cron) holds its lock (one process holding the
# flock, so that killing it releases the lock)
bash -c 'exec 9>"$1" && flock 9 && echo 4242 >&9 && exec sleep 600' locker \
	"$T/h/2/var/lib/jobfix/lock" &
LOCKER=$!
register_server "$LOCKER" locker "kill_wait $LOCKER 5"
wait_for 10 "$LOCKER" test -s "$T/h/2/var/lib/jobfix/lock" || bail "no lock taken"

fleet -i "$T/inventory" --json --yes fix >"$T/fix.json" 2>"$T/fix.err"
is "$?" 1 "fleet fix: exit 1 (findings remain on the held hosts)"
is "$(host_field "$T/fix.json" "$H1" result)" "paused" "the paused host: paused"
like "$(host_field "$T/fix.json" "$H1" message)" "maintenance: $H1 is paused .*upgrading the agent" \
	"saying why, with the flag's text"
is "$(host_field "$T/fix.json" "$H2" result)" "locked" "the locked host: locked"
like "$(host_field "$T/fix.json" "$H2" message)" "a jobfix run on $H2 holds $T/h/2/var/lib/jobfix/lock \\(pid 4242\\)" \
	"saying which lock, and its holder's pid"
is "$(host_field "$T/fix.json" "$H3" result)" "held by rate limit" "the host at its limit: held by rate limit"
like "$(host_field "$T/fix.json" "$H3" message)" "held by the rate limit: .*limit 0" "saying the limit"
is "$(host_field "$T/fix.json" "$H4" result)" "fixed" "the free host: fixed"
is "$(running 1) $(running 2) $(running 3) $(running 4)" "down down down up" \
	"only the free host's agent was started"

# the audit log: this machine's chain, each record naming its host
is "$(records 'r.get("kind") == "action"' | sort -u)" "$H4 applied action
$H4 applying action" "the restart on host 4 is recorded before and after, naming the host"
is "$(records 'r["host"] in ("'"$H1"'", "'"$H2"'") and r.get("event") in ("applying", "applied")')" "" \
	"nothing was applied on the paused and the locked host"
check "audit show --host H4" -- "$JOBFIX" -c "$C" --json audit show --host "root@$H4:22"
is "$(echo "$OUT" | python3 -c 'import json,sys; print(sorted(set(r["host"] for r in json.load(sys.stdin)["records"])))')" \
	"['$H4']" "shows host 4's records only"
check "audit verify covers them" -- "$JOBFIX" -c "$C" audit verify
like "$OUT" "the chain is whole" "the chain is whole"

# undo, host by host
RUN4=$(records 'r.get("event") == "applied"' >/dev/null; python3 -c '
import json,sys
print([json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("event") == "applied"][-1]["run_id"])' "$LOG")
check_rc 2 "undo of host 4's run here names the host" -- "$JOBFIX" -c "$C" undo "$RUN4"
like "$OUT" "changed $H4, not .*jobfix -H $H4 undo $RUN4" "and says how"
check_rc 1 "jobfix -H H4 undo RUN: the restart is listed, it cannot be undone" -- \
	"$JOBFIX" -c "$C" -r "$T/h/4" -H "$H4" undo "$RUN4"
like "$OUT" "restart .*not undone" "said so"

# -H honours the remote lock too
check_rc 1 "-H on the locked host: held (exit 1)" -- \
	"$JOBFIX" -c "$C" -r "$T/h/2" -H "$H2" --json --yes fix
like "$OUT" "locked: a jobfix run on $H2 holds" "the finding says it is locked"
is "$(running 2)" "down" "and its agent was not started"

# flag and lock gone: fixed; the limit still holds host 3
rm "$T/h/1/var/lib/jobfix/maintenance"
stop_server "$LOCKER"
fleet -i "$T/inventory" --json --yes fix >"$T/again.json" 2>"$T/again.err"
is "$(host_field "$T/again.json" "$H1" result) $(host_field "$T/again.json" "$H2" result) $(host_field "$T/again.json" "$H3" result)" \
	"fixed fixed held by rate limit" "resumed and unlocked hosts are fixed, host 3 still held"
is "$(records 'r.get("event") == "applied"' | sort -u | wc -l)" 3 "three hosts' restarts on the chain"
check "audit verify" -- "$JOBFIX" -c "$C" audit verify

# a dry run takes no lock and writes nothing (the invariant test holds the
# rest): not even on a paused host
echo "paused again" >"$T/h/1/var/lib/jobfix/maintenance"
fleet_agent_kill 1
n=$(wc -l <"$LOG")
fleet -i "$T/inventory" --json --dry-run fix >"$T/dry.json" 2>"$T/dry.err"
is "$(host_field "$T/dry.json" "$H1" result)" "would fix" "a dry run plans host 1"
is "$(wc -l <"$LOG")" "$n" "and writes no audit record"
is "$(running 1)" "down" "and starts nothing"

# the controller's own name (site.host_name in its jobfix.conf) is not the
# hosts' name: each host is still named by its address, so hosts neither
# lock each other out nor share one rate limit, and audit show --host finds
# each one
rm "$T/h/1/var/lib/jobfix/maintenance"
sed 's/^site = { /site = { host_name = "ctl-01"; /' "$C" >"$T/named.conf"
grep -q 'host_name = "ctl-01"' "$T/named.conf" || bail "cannot name the controller"
fleet_agent_kill 1
fleet_agent_kill 4
n=$(wc -l <"$LOG")
"$JOBFIX" -c "$T/named.conf" fleet --no-progress -i "$T/inventory" --json --yes fix \
	>"$T/named.json" 2>"$T/named.err"
is "$(host_field "$T/named.json" "$H1" result) $(host_field "$T/named.json" "$H4" result)" "fixed fixed" \
	"a named controller: hosts 1 and 4 are both fixed (none locked by the other)"
is "$(tail -n +$((n + 1)) "$LOG" | python3 -c 'import json,sys; print(" ".join(sorted(set(json.loads(l)["host"] for l in sys.stdin))))')" \
	"$(printf '%s\n' "$H1" "$H4" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"its records name the hosts, never the controller's ctl-01"

done_testing
