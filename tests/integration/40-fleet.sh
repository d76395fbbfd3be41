#!/bin/bash
# 40-fleet.sh - jobfix fleet against 50 loopback hosts behind one private
# sshd (tests/fleet-hosts.sh): host keys (unknown, changed) and a wrong user
# key refused, a dry run that changes nothing on any host, dead agents
# fixed and verified on all 50, a second run that changes nothing, a
# connection dropped mid-run (that host fails, the others finish, no
# temporary file left), and the guards: a likely shared cause holds the
# repair, --go-on repairs anyway and reports the agent log when the link
# does not come back, --canary and --max-fail stop starting hosts.

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd python3 ssh-keygen
setup_tmp
N=50
fleet_setup "$N"
C=$T/jobfix.conf
INV=$T/inventory

# summary JSON-FILE: "result=count ..." sorted, and the exit code
summary() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["summary"]["results"]
print(" ".join("%s=%d" % (k, r[k]) for k in sorted(r)), "exit=%d" % d["exit_code"])
EOF
}
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
fleet() { "$JOBFIX" -c "$C" fleet --no-progress "$@"; }
tree_sum() { (cd "$T/h" && find . -type f ! -name '*.pid' -print0 | sort -z |
	xargs -0 sha256sum; find . -newer "$T/stamp" -print | sort); }

# ---------------------------------------------------------------- refusals

H1=$(fleet_addr 1)
echo "$H1 root=$T/h/1" >"$T/one"
: >"$T/empty_kh"
check_rc 6 "an unknown host key is refused (exit 6)" -- \
	fleet -i "$T/one" --known-hosts "$T/empty_kh" diagnose
like "$OUT" "$H1: unknown host key: ssh-ed25519 key SHA256:[A-Za-z0-9+/]{43} " \
	"the refusal names the host and the key's fingerprint"
like "$OUT" "unreachable" "the host is reported unreachable"
is "$(wc -c <"$T/empty_kh")" 0 "nothing was added to known_hosts"

ssh-keygen -q -t ed25519 -N '' -f "$T/other_host_key" </dev/null
printf '[%s]:%s %s\n' "$H1" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/other_host_key.pub")" \
	>"$T/changed_kh"
check_rc 6 "a changed host key is refused" -- \
	fleet -i "$T/one" --known-hosts "$T/changed_kh" diagnose
like "$OUT" "$H1: host key CHANGED: the server offers ssh-ed25519 key SHA256:" \
	"the refusal says the key changed and names the fingerprint"

ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" </dev/null
check_rc 6 "a user key the server does not know is refused" -- \
	fleet -i "$T/one" --identity "$T/stranger" diagnose
like "$OUT" "public key authentication refused" "and says so"

check_rc 2 "an inventory error names its line" -- \
	"$JOBFIX" -c "$C" fleet -i <(printf 'ok-host\nbad-host root=/x x\n') diagnose
like "$OUT" ":2: \"x\": settings are KEY=VALUE" "line 2 named"
check_rc 2 "fix without --yes and no terminal changes nothing" -- \
	fleet -i "$INV" fix
like "$OUT" "nothing was changed" "and says why"

# ---------------------------------------------------------------- diagnose

fleet -i "$INV" --json diagnose >"$T/diag.json" 2>"$T/diag.err"
rc=$?
is "$rc" 1 "diagnose of 50 dead agents: exit 1"
[ "$rc" = 1 ] || diag "$(python3 -c 'import json, sys
for h in json.load(open(sys.argv[1]))["hosts"]:
    if h.get("message"): print(h["host"], h["message"])' "$T/diag.json" 2>&1 | head -5)"
is "$(summary "$T/diag.json")" "findings=$N exit=1" "every host has findings"
is "$(host_field "$T/diag.json" "$(fleet_addr 17)" findings)" "agent.down" \
	"the finding is agent.down"

# ---------------------------------------------------------------- dry run

touch "$T/stamp"
sleep 1.1
before=$(tree_sum)
fleet -i "$INV" --json --dry-run fix >"$T/dry.json" 2>"$T/dry.err"
is "$?" 1 "dry run: exit 1 (work to do)"
is "$(summary "$T/dry.json")" "would fix=$N exit=1" "every host would be fixed"
is "$(tree_sum)" "$before" "dry run: no file changed on any host"
is "$(fleet_agents_running)" 0 "dry run: no agent was started"

# ---------------------------------------------------------------- fix

start=$SECONDS
fleet -i "$INV" --json --yes fix >"$T/fix.json" 2>"$T/fix.err"
rc=$?
is "$rc" 0 "fleet fix of $N dead agents: exit 0 (in $((SECONDS - start)) s)"
[ "$rc" -eq 0 ] || diag "$(python3 -c 'import json,sys
for h in json.load(open(sys.argv[1]))["hosts"]:
    if h["result"] != "fixed": print(h["host"], h["result"], h["message"])' "$T/fix.json" | head -c 3000)"
is "$(summary "$T/fix.json")" "fixed=$N exit=0" "all $N fixed and verified"
is "$(fleet_agents_running)" "$((2 * N))" "two agent processes on every host"
is "$(fleet_links)" "$N" "$N links to the gse_task stand-in"
is "$(host_field "$T/fix.json" "$(fleet_addr 50)" changed)" 1 \
	"one change (the restart) on a host"

pids=$(cat "$T"/h/*/agent/run/*.pid | sort | tr '\n' ' ')
fleet -i "$INV" --json --yes fix >"$T/again.json" 2>"$T/again.err"
is "$?" 0 "second run: exit 0"
is "$(summary "$T/again.json")" "healthy=$N exit=0" "second run: all healthy"
is "$(cat "$T"/h/*/agent/run/*.pid | sort | tr '\n' ' ')" "$pids" \
	"second run: no agent restarted"


# ---------------------------------------------------------------- a dropped connection

# host 3's gsectl kills the sshd process serving its connection
for i in 2 3 4 5 6; do fleet_agent_kill "$i"; done
cat >"$T/h/3/agent/bin/gsectl" <<EOF
#!/bin/bash
p=\$\$
while [ "\$p" -gt 1 ]; do
	p=\$(awk '{ print \$4 }' /proc/\$p/stat)
	if [ "\$(cat /proc/\$p/comm)" = sshd ] && [ "\$p" != $SSHD_PID ]; then
		kill -9 "\$p"
	fi
done
EOF
head -n 7 "$INV" >"$T/six"
fleet -i "$T/six" --json --yes fix >"$T/drop.json" 2>"$T/drop.err"
rc=$?
ok "$([ "$rc" -ge 3 ] && echo 0 || echo 1)" "a dropped connection fails the run (exit $rc)"
res=$(host_field "$T/drop.json" "$(fleet_addr 3)" result)
like "$res" "^(failed|unreachable|undone)$" "the dropped host ended failed ($res)"
like "$(host_field "$T/drop.json" "$(fleet_addr 3)" message)" "connection lost|closed|refused|dropped|Failure|exited" \
	"its message says the connection went"
is "$(for i in 2 4 5 6; do host_field "$T/drop.json" "$(fleet_addr "$i")" result; done | sort -u)" \
	fixed "the other hosts were fixed"
is "$(host_field "$T/drop.json" "$(fleet_addr 1)" result)" healthy "the healthy host stayed so"
is "$(find "$T/h" -name '.jobfix-*' | wc -l)" 0 "no temporary file left on any host"
cp "$top_srcdir/sandbox/fake-gsectl" "$T/h/3/agent/bin/gsectl"
fleet_agent_start 3

# ---------------------------------------------------------------- guards

head -n 11 "$INV" >"$T/ten"
check "the text summary has one line per host" -- fleet -i "$T/ten" diagnose
is "$(grep -c ' healthy$' <<<"$OUT")" 10 "10 healthy lines"
like "$OUT" "10 hosts: 10 healthy; " "and a total"

# gse_task goes away: every agent runs, none has a link (restarts that
# cannot bring it back need not wait long for it: an inventory setting)
sed -i '/^127/ s/$/ agent.restart_wait_ms=2000/' "$T/ten"
pids=$(cat "$T"/h/*/agent/run/*.pid | sort | tr '\n' ' ')
stop_server "$GSE_PID"
sleep 0.5
fleet -i "$T/ten" --json --yes fix >"$T/shared.json" 2>"$T/shared.err"
is "$?" 1 "a shared cause: exit 1"
is "$(summary "$T/shared.json")" "held=10 exit=1" "nothing repaired: every host held"
like "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["shared_cause"])' "$T/shared.json")" \
	"10 of the first 10 hosts show agent.link .*gse_task" "the likely shared cause is named"
is "$(cat "$T"/h/*/agent/run/*.pid | sort | tr '\n' ' ')" "$pids" "no agent was restarted"

head -n 3 "$T/ten" >"$T/two"
fleet -i "$T/two" --json --yes --go-on fix >"$T/goon.json" 2>"$T/goon.err"
rc=$?
ok "$([ "$rc" -ge 3 ] && echo 0 || echo 1)" "--go-on: the restart cannot bring the link back (exit $rc)"
msg=$(host_field "$T/goon.json" "$H1" message)
like "$msg" "the agent is not healthy" "the failure says the agent is not healthy"
like "$msg" "last lines of .*agent.log" "and quotes the agent log"
like "$msg" "connect to $(fleet_task_addr 1):$GSE_PORT failed" \
	"which shows why the link does not come back"

check_fail "--canary 2: a failing canary stops the run" -- \
	fleet -i "$T/ten" --yes --go-on --canary 2 fix
like "$OUT" "Stopped: canary host" "the run says it stopped at the canary"
is "$(grep -c ' not run$' <<<"$OUT")" 8 "eight hosts never started"

check_fail "--max-fail 10: stops starting hosts past 10% failed" -- \
	fleet -i "$T/ten" -f 1 --yes --go-on --max-fail 10 fix
like "$OUT" "Stopped: 2 of 10 hosts failed, more than --max-fail 10%" \
	"the run says why it stopped"
is "$(grep -c ' not run$' <<<"$OUT")" 8 "eight hosts never started"

done_testing
