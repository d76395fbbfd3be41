#!/bin/bash
# 22-ssh-hostile.sh - peers that never let the SSH handshake finish
# (tests/ssh-hostile.py): one that accepts and stays silent, one that drips
# a byte a second, one that streams garbage forever, and two that send a
# banner and then stall or drip inside the key exchange.  jobfix -H gives
# up on each at ssh.connect_timeout_ms, and a fleet run with them and a
# real host ends at fleet.host_timeout_ms (with ssh.connect_timeout_ms far
# longer), the real host done.  Neither spins: the CPU time jobfix used
# (getrusage of the child) stays small while it waits.

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd python3
setup_tmp
fleet_setup 1
C=$T/jobfix.conf
H=$(fleet_addr 1)
MODES="silent drip garbage kexstall kexdrip"
# slack for a loaded machine: a deadline may end this much late
SLACK_MS=15000
# CPU time allowed for one jobfix run, however long it waited
CPU_MAX_MS=1500

for m in $MODES; do
	python3 "$top_srcdir/tests/ssh-hostile.py" "$m" "$T/$m.port" \
		>"$T/$m.log" 2>&1 &
	pid=$!
	register_server "$pid" "hostile-$m" "kill_wait $pid 5"
	wait_for 20 "$pid" test -s "$T/$m.port" ||
		_jf_start_failed "hostile-$m" "$T/$m.log" "no port file"
	eval "PORT_$m=\$(cat \"\$T/\$m.port\")"
done

# measure LIMIT_S CMD...: run CMD (stdout and stderr to $T/measure.out),
# killed after LIMIT_S seconds; sets MS (wall), CPU (user + system ms of
# the child and its children) and MRC (exit status, -9 when killed).
measure() {
	local r
	r=$(python3 - "$@" >"$T/measure.out" 2>&1 <<'PY'
import os, resource, signal, subprocess, sys, time
limit = float(sys.argv[1])
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL)
rc = None
while rc is None and time.monotonic() - t0 < limit:
    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
    if pid != 0:
        rc = os.waitstatus_to_exitcode(status)
        break
    time.sleep(0.05)
if rc is None:
    p.kill()
    pid, status, ru = os.wait4(p.pid, 0)
    rc = -9
ms = int((time.monotonic() - t0) * 1000)
cpu = int((ru.ru_utime + ru.ru_stime) * 1000)
sys.stderr.write("measure: %d %d %d\n" % (ms, cpu, rc))
PY
)
	r=$(sed -n 's/^measure: //p' "$T/measure.out")
	read -r MS CPU MRC <<<"$r"
	sed -i '/^measure: /d' "$T/measure.out"
	OUT=$(cat "$T/measure.out")
}

# ---------------------------------------------------------------- jobfix -H

# conf_with FILE SSH-SETTING OTHER-LINE: $C with one more ssh setting
conf_with() {
	sed "s/^ssh = {/ssh = {\n  $2/" "$C" >"$1"
	printf '%s\n' "$3" >>"$1"
}
conf_with "$T/h.conf" 'connect_timeout_ms = 3000;' 'probes = { only = [ "agent" ]; };'
for m in $MODES; do
	eval "port=\$PORT_$m"
	measure 120 "$JOBFIX" -c "$T/h.conf" -r "$T/h/1" -H "127.0.0.1:$port" diagnose
	is "$MRC" 6 "$m peer: jobfix -H gives up, exit 6 (${MS} ms, ${CPU} ms CPU)"
	[ "$MS" -lt $((3000 + SLACK_MS)) ]
	ok $? "$m peer: within ssh.connect_timeout_ms (3000) and slack (${MS} ms)"
	[ "$CPU" -lt "$CPU_MAX_MS" ]
	ok $? "$m peer: without spinning (${CPU} ms CPU < $CPU_MAX_MS)"
	like "$OUT" "127\\.0\\.0\\.1: port $port: " "$m peer: the error names host and port"
done
eval "port=\$PORT_garbage"
measure 120 "$JOBFIX" -c "$T/h.conf" -r "$T/h/1" -H "127.0.0.1:$port" diagnose
like "$OUT" "without an SSH banner; not an SSH server" \
	"a garbage stream is recognised as no SSH server"
eval "port=\$PORT_silent"
measure 120 "$JOBFIX" -c "$T/h.conf" -r "$T/h/1" -H "127.0.0.1:$port" diagnose
like "$OUT" "no SSH banner: the server sent nothing" "silence is named"
eval "port=\$PORT_kexstall"
measure 120 "$JOBFIX" -c "$T/h.conf" -r "$T/h/1" -H "127.0.0.1:$port" diagnose
like "$OUT" "SSH key exchange did not finish" "a stalled key exchange is named"

# ---------------------------------------------------------------- a fleet run

# ssh.connect_timeout_ms is a minute: only the host's deadline can end the
# hostile hosts in time.
HOST_MS=4000
conf_with "$T/f.conf" 'connect_timeout_ms = 60000;' "fleet = { host_timeout_ms = $HOST_MS; };"
{
	echo "$H root=$T/h/1"
	for m in $MODES; do
		eval "port=\$PORT_$m"
		echo "127.0.0.1:$port root=$T/h/1"
	done
} >"$T/inv"
measure 180 "$JOBFIX" -c "$T/f.conf" fleet --no-progress -i "$T/inv" diagnose
is "$MRC" 6 "fleet with five hostile hosts: exit 6 (${MS} ms, ${CPU} ms CPU)"
[ "$MS" -lt $((HOST_MS + SLACK_MS)) ]
ok $? "the run ends at fleet.host_timeout_ms ($HOST_MS) and slack (${MS} ms), not at the minute of ssh.connect_timeout_ms"
[ "$CPU" -lt "$CPU_MAX_MS" ]
ok $? "without spinning (${CPU} ms CPU < $CPU_MAX_MS)"
n=$(grep -c 'unreachable' <<<"$OUT")
[ "$n" -ge 5 ]
ok $? "the five hostile hosts are unreachable ($n lines say so)"
like "$OUT" "$H +agent\\.down +0 +findings" "the real host was diagnosed (its agent is down)"

done_testing
