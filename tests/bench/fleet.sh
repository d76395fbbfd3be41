#!/bin/bash
# fleet.sh [N] - times the same remediation (restart the dead GSE agents of
# N loopback hosts, verify each link to gse_task) with jobfix fleet, with
# Ansible (tuned: pipelining on, fact gathering off, forks 50) and with
# pssh -p 50, against the floor: N bare `ssh HOST true`, 50 at a time, with
# the key exchange libssh2 negotiates (curve25519-sha256: THE floor) and
# with OpenSSH's default one (a hybrid post-quantum exchange libssh2 does
# not do, shown for comparison).  Prints each time, the ratios, jobfix's
# second run (nothing to change), every tool's peak memory (max RSS) and the
# load average.  Not part of make check; run from a build directory:
#
#   JOBFIX=./jobfix /path/to/tests/bench/fleet.sh 200
#
# Environment:
#   FLEET_BENCH_N=N        hosts (instead of the argument; default 50)
#   FLEET_BENCH_ONLY=jobfix  only jobfix against the floors (no Ansible,
#                          no pssh): N = 1000 for memory
#   FLEET_BENCH_STOP=1     also a run where one host's sshd session is
#                          SIGSTOPped mid-run: it must cost one
#                          ssh.op_timeout_ms (set to FLEET_BENCH_OP_MS,
#                          default 5000), not more, and the others finish
#   RUNS=3                 runs of each (medians)
#
# Installs Debian's ansible-core and pssh when they are missing (apt-get).
# The hosts are tests/fleet-hosts.sh's: one private sshd per 16 addresses on
# loopback, host keys checked by every tool.
set -u
N=${FLEET_BENCH_N:-${1:-50}}
ONLY=${FLEET_BENCH_ONLY:-}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
JOBFIX=${JOBFIX:-$PWD/jobfix}
export top_srcdir JOBFIX
[ -x "$JOBFIX" ] || { echo "fleet.sh: no jobfix at $JOBFIX (set JOBFIX)" >&2; exit 2; }
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"

need=()
if [ "$ONLY" != jobfix ]; then
	command -v ansible-playbook >/dev/null || need+=(ansible-core)
	command -v parallel-ssh >/dev/null || command -v pssh >/dev/null || need+=(pssh)
fi
if [ ${#need[@]} -gt 0 ]; then
	echo "# installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
		{ echo "fleet.sh: cannot install ${need[*]}" >&2; exit 2; }
fi
PSSH=$(command -v parallel-ssh || command -v pssh || echo none)

setup_tmp
fleet_setup "$N"
addr_map=$T/addr-root.map
for ((i = 1; i <= N; i++)); do
	echo "$(fleet_addr "$i") $T/h/$i"
done >"$addr_map"
awk '/^[0-9]/ { print $1 }' "$T/inventory" >"$T/hosts"

# The remediation the other tools run: the same as playbook
# gse-agent-restart (count the agent's processes, restart when fewer than
# two, wait until its link to gse_task is ESTABLISHED).
cat >"$T/fix-agent.sh" <<'EOF'
#!/bin/sh
R=${1:-}
if [ -z "$R" ]; then
	set -- $SSH_CONNECTION
	R=$(awk -v a="$3" '$1 == a { print $2 }' "$(dirname "$0")/addr-root.map")
fi
D=$R/agent
n=$(pgrep -c -f "^$D/bin/gse_agent( |\$)")
if [ "$n" -lt 2 ]; then "$D/bin/gsectl" restart; echo CHANGED; fi
ip=$(sed -n 's/.*"ip": *"\([^"]*\)".*/\1/p' "$D/etc/agent.conf")
port=$(sed -n 's/.*"port": *\([0-9]*\).*/\1/p' "$D/etc/agent.conf")
want=$(echo "$ip" | awk -F. -v p="$port" '{ printf "%02X%02X%02X%02X:%04X", $4, $3, $2, $1, p }')
i=0
while [ $i -lt 200 ]; do
	awk -v w="$want" '$3 == w && $4 == "01" { f = 1 } END { exit !f }' /proc/net/tcp && exit 0
	sleep 0.05
	i=$((i + 1))
done
echo "no link to $ip:$port" >&2
exit 1
EOF
chmod 755 "$T/fix-agent.sh"

SSHO=(-p "$SSHD_PORT" -i "$SSH_USER_KEY" -o IdentitiesOnly=yes -o BatchMode=yes
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_KNOWN_HOSTS"
	-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR)

# Ansible, tuned
mkdir -p "$T/ansible"
{
	echo "[agents]"
	for ((i = 1; i <= N; i++)); do
		echo "$(fleet_addr "$i") root=$T/h/$i"
	done
	echo "[agents:vars]"
	echo "ansible_port=$SSHD_PORT"
	echo "ansible_user=$SSH_USER"
	echo "ansible_ssh_private_key_file=$SSH_USER_KEY"
	echo "ansible_python_interpreter=/usr/bin/python3"
} >"$T/ansible/hosts"
cat >"$T/ansible/ansible.cfg" <<EOF
[defaults]
forks = 50
gathering = explicit
host_key_checking = True
interpreter_python = /usr/bin/python3
stdout_callback = minimal
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=no -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes
EOF
cat >"$T/ansible/fix.yml" <<EOF
- hosts: agents
  gather_facts: false
  tasks:
    - name: restart a dead agent and wait for its link
      command: $T/fix-agent.sh {{ root }}
      register: r
      changed_when: "'CHANGED' in r.stdout"
EOF

kill_agents() { fleet_kill_all; sleep 0.2; }
links_ok() { [ "$(fleet_links)" -eq "$N" ]; }
secs() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
now() { date +%s.%N; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# rss FILE: the max RSS /usr/bin/time wrote, in MiB
rss() { echo $(($(tail -n 1 "$1") / 1024)); }
timed() { /usr/bin/time -f %M -o "$1" "${@:2}"; }

RUNS=${RUNS:-3}
floor=() floord=() jf=() jf2=() ans=() ans2=() ps=() load=()
for ((run = 1; run <= RUNS; run++)); do
	load+=("$(cut -d' ' -f1 /proc/loadavg)")
	t0=$(now)
	xargs -P 50 -I{} ssh "${SSHO[@]}" -o KexAlgorithms=curve25519-sha256 {} true <"$T/hosts"
	floor+=("$(secs "$t0" "$(now)")")
	t0=$(now)
	xargs -P 50 -I{} ssh "${SSHO[@]}" {} true <"$T/hosts"
	floord+=("$(secs "$t0" "$(now)")")

	kill_agents
	t0=$(now)
	timed "$T/jobfix.rss" "$JOBFIX" -c "$T/jobfix.conf" fleet \
		--no-progress -i "$T/inventory" -f 50 --yes fix >"$T/jobfix.out" 2>&1
	rc=$?
	jf+=("$(secs "$t0" "$(now)")")
	links_ok && [ "$rc" -eq 0 ] || { echo "jobfix fleet failed (exit $rc)" >&2; tail -5 "$T/jobfix.out" >&2; }
	t0=$(now)
	timed "$T/jobfix2.rss" "$JOBFIX" -c "$T/jobfix.conf" fleet --no-progress \
		-i "$T/inventory" -f 50 --yes fix >"$T/jobfix2.out" 2>&1 ||
		echo "jobfix second run: exit $?" >&2
	jf2+=("$(secs "$t0" "$(now)")")
	load+=("$(cut -d' ' -f1 /proc/loadavg)")
	[ "$ONLY" = jobfix ] && continue

	kill_agents
	t0=$(now)
	(cd "$T/ansible" && ANSIBLE_CONFIG=$T/ansible/ansible.cfg timed "$T/ansible.rss" \
		ansible-playbook -i hosts fix.yml >"$T/ansible.out" 2>&1) ||
		{ echo "ansible failed" >&2; tail -5 "$T/ansible.out" >&2; }
	ans+=("$(secs "$t0" "$(now)")")
	links_ok || echo "ansible: not every link is up" >&2
	t0=$(now)
	(cd "$T/ansible" && ANSIBLE_CONFIG=$T/ansible/ansible.cfg ansible-playbook \
		-i hosts fix.yml >"$T/ansible2.out" 2>&1)
	ans2+=("$(secs "$t0" "$(now)")")

	kill_agents
	t0=$(now)
	timed "$T/pssh.rss" "$PSSH" -p 50 -h "$T/hosts" -x "${SSHO[*]}" "$T/fix-agent.sh" \
		>"$T/pssh.out" 2>&1 || { echo "pssh failed" >&2; tail -5 "$T/pssh.out" >&2; }
	ps+=("$(secs "$t0" "$(now)")")
	links_ok || echo "pssh: not every link is up" >&2
	load+=("$(cut -d' ' -f1 /proc/loadavg)")
done

F=$(median "${floor[@]}") FD=$(median "${floord[@]}") J=$(median "${jf[@]}")
J2=$(median "${jf2[@]}")
echo "fleet of $N hosts, medians of $RUNS runs (seconds); load average $(printf '%s\n' "${load[@]}" | sort -n | head -1) to $(printf '%s\n' "${load[@]}" | sort -n | tail -1)"
printf '  %-52s %8s\n' "floor: ssh -o KexAlgorithms=curve25519-sha256 HOST true" "$F" \
	"floor, OpenSSH's default kex" "$FD" \
	"jobfix fleet fix (-f 50)" "$J" \
	"jobfix fleet, second run (nothing to do)" "$J2"
if [ "$ONLY" != jobfix ]; then
	A=$(median "${ans[@]}") A2=$(median "${ans2[@]}") P=$(median "${ps[@]}")
	printf '  %-52s %8s\n' "ansible tuned (pipelining, no facts, forks 50)" "$A" \
		"ansible tuned, second run" "$A2" \
		"pssh -p 50" "$P"
fi
echo "ratios"
printf '  %-52s %8s\n' "jobfix / curve25519 floor (target <= 1.4)" "$(ratio "$J" "$F")" \
	"jobfix second run / curve25519 floor (target <= 1.1)" "$(ratio "$J2" "$F")" \
	"jobfix / default-kex floor" "$(ratio "$J" "$FD")"
if [ "$ONLY" != jobfix ]; then
	printf '  %-52s %8s\n' "jobfix / pssh (target <= 0.5)" "$(ratio "$J" "$P")" \
		"jobfix / ansible tuned (target <= 0.1)" "$(ratio "$J" "$A")"
fi
echo "peak memory (max RSS, MiB; target for jobfix <= 64 at N = 1000)"
printf '  %-52s %8s\n' "jobfix fleet fix" "$(rss "$T/jobfix.rss")" \
	"jobfix, second run" "$(rss "$T/jobfix2.rss")"
if [ "$ONLY" != jobfix ]; then
	printf '  %-52s %8s\n' "ansible-playbook (controller)" "$(rss "$T/ansible.rss")" \
		"pssh (controller)" "$(rss "$T/pssh.rss")"
fi

# A host that freezes mid-run: SIGSTOP the sshd session serving host 1's
# remote shell once it runs; the run must end within one op deadline of a
# normal run, host 1 failed, the others fixed.
if [ "${FLEET_BENCH_STOP:-}" = 1 ]; then
	OPMS=${FLEET_BENCH_OP_MS:-5000}
	sed "s/op_timeout_ms = [0-9]*;/op_timeout_ms = $OPMS;/" "$T/jobfix.conf" >"$T/stop.conf"
	kill_agents
	t0=$(now)
	"$JOBFIX" -c "$T/stop.conf" fleet --no-progress -i "$T/inventory" -f 50 --yes \
		fix >"$T/stop.out" 2>&1 &
	jpid=$!
	H1=$(fleet_addr 1) stopped=
	for _ in $(seq 200); do
		for p in $(pgrep -f "^sshd: $SSH_USER@notty" 2>/dev/null); do
			grep -q "$H1:$SSHD_PORT" <(ss -tnp 2>/dev/null | grep "pid=$p,") &&
				{ kill -STOP "$p"; stopped=$p; break; }
		done
		[ -n "$stopped" ] && break
		sleep 0.05
	done
	wait "$jpid"
	rc=$?
	ST=$(secs "$t0" "$(now)")
	[ -n "$stopped" ] && kill -CONT "$stopped"
	echo "a frozen host (sshd session of $H1 SIGSTOPped: ${stopped:-none found}):"
	printf '  %-52s %8s\n' "jobfix fleet fix, exit $rc" "$ST" \
		"its cost over a normal run (one deadline: $OPMS ms)" "$(python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) - float(sys.argv[2])))" "$ST" "$J")"
	grep -E "^$H1 " "$T/stop.out" | sed 's/^/  /'
	echo "  hosts fixed: $(grep -c ' fixed$' "$T/stop.out") of $N"
fi
ok 0 "benchmark ran"
done_testing >/dev/null
