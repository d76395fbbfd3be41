#!/bin/bash
# 21-ssh-host.sh - jobfix -H: the same engine and playbooks against one
# host over SSH.  A dead GSE agent is found over SSH as it is locally, a
# dry run changes nothing, fix restarts the agent through the transport and
# verifies its link, a second run is a no-op; an unreachable host, an
# unknown host key and a bad -H give the documented exit codes.

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd python3
setup_tmp
fleet_setup 1
H=$(fleet_addr 1)
C=$T/jobfix.conf
R=$T/h/1
only_agent=(-c "$C" -r "$R")
# probes of services would look for a Job install this host does not have
printf 'probes = { disable = [ "jobconf", "mycnf", "jobsh", "logs", "mysql", "rabbitmq", "redis", "gsetask", "license", "cert", "paas", "cmdb", "consul", "ports", "nfs" ]; };\n' >>"$C"

findings() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(f["fault"] for f in d["findings"]) or "-")'; }

# ---------------------------------------------------------------- the same findings

local_f=$("$JOBFIX" "${only_agent[@]}" --json diagnose 2>/dev/null | findings)
remote_f=$("$JOBFIX" "${only_agent[@]}" -H "$H" --json diagnose 2>"$T/err" | findings)
like "$local_f" "agent.down" "locally: the dead agent is agent.down"
is "$remote_f" "$local_f" "over SSH: the same findings ($remote_f)"
check_rc 1 "diagnose -H exits 1 with findings" -- \
	"$JOBFIX" "${only_agent[@]}" -H "$H" diagnose
like "$OUT" "jobfix diagnose on $H " "the report names the remote host"

# ---------------------------------------------------------------- dry run, fix

before=$(cd "$T/h" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
check_rc 1 "--dry-run -H: work to do" -- "$JOBFIX" "${only_agent[@]}" -H "$H" --dry-run
like "$OUT" "would run" "it says what it would run"
is "$(cd "$T/h" && find . -type f -print0 | sort -z | xargs -0 sha256sum)" "$before" \
	"--dry-run -H changed no file"
is "$(fleet_agents_running)" 0 "--dry-run -H started no agent"

check "fix -H --yes restarts the agent over SSH" -- \
	"$JOBFIX" "${only_agent[@]}" -H "$H" fix --yes
like "$OUT" "the agent runs and reaches gse_task" "the agent_wait step verified it"
is "$(fleet_agents_running)" 2 "two agent processes run"
is "$(fleet_links)" 1 "and the link to gse_task is up"
pids=$(cat "$R"/agent/run/*.pid | tr '\n' ' ')
check "a second fix -H is a no-op" -- "$JOBFIX" "${only_agent[@]}" -H "$H" fix --yes
is "$(cat "$R"/agent/run/*.pid | tr '\n' ' ')" "$pids" "no restart the second time"
ok "$([ -d "$JOBFIX_STATE_DIR/hosts/$H" ] && echo 0 || echo 1)" \
	"the remote host has its own state directory"

# ---------------------------------------------------------------- refusals

port=$(free_port)
check_rc 6 "an unreachable host: exit 6" -- \
	"$JOBFIX" "${only_agent[@]}" -H "$H:$port" diagnose
like "$OUT" "$H: port $port: connect: Connection refused" "the message names host and port"
: >"$T/empty_kh"
check_rc 6 "an unknown host key: exit 6" -- \
	"$JOBFIX" "${only_agent[@]}" --known-hosts "$T/empty_kh" -H "$H" diagnose
like "$OUT" "unknown host key: .* SHA256:" "with the fingerprint"
check_rc 0 "--accept-new-hostkey records it" -- \
	"$JOBFIX" "${only_agent[@]}" --known-hosts "$T/empty_kh" --accept-new-hostkey \
	-H "$H" diagnose
like "$(cat "$T/empty_kh")" "^\[$H\]:$SSHD_PORT ssh-ed25519 " "the key is in known_hosts now"
check_rc 2 "a bad -H is a usage error" -- "$JOBFIX" "${only_agent[@]}" -H 'a b:x' diagnose
like "$OUT" "-H \"a b:x\"" "naming what was given"

done_testing
