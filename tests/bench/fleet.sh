#!/bin/bash
# fleet.sh N - times the same remediation (restart the dead GSE agents of N
# loopback hosts, verify each link to gse_task) with jobfix fleet, with
# Ansible (tuned: pipelining on, fact gathering off, forks 50) and with
# pssh -p 50, against the floor: N bare `ssh HOST true`, 50 at a time.
# Prints each time, the ratios, jobfix's second run (nothing to change) and
# its peak memory.  Not part of make check; run from a build directory:
#
#   JOBFIX=./jobfix /path/to/tests/bench/fleet.sh 200
#
# Installs Debian's ansible and pssh when they are missing (apt-get).  The
# hosts are tests/fleet-hosts.sh's: one private sshd per 16 addresses on
# loopback, host keys checked by every tool.
set -u
N=${1:-50}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
JOBFIX=${JOBFIX:-$PWD/jobfix}
export top_srcdir JOBFIX
[ -x "$JOBFIX" ] || { echo "fleet.sh: no jobfix at $JOBFIX (set JOBFIX)" >&2; exit 2; }
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"

need=()
command -v ansible-playbook >/dev/null || need+=(ansible)
command -v parallel-ssh >/dev/null || command -v pssh >/dev/null || need+=(pssh)
if [ ${#need[@]} -gt 0 ]; then
	echo "# installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
		{ echo "fleet.sh: cannot install ${need[*]}" >&2; exit 2; }
fi
PSSH=$(command -v parallel-ssh || command -v pssh)

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

RUNS=${RUNS:-3}
floor=() jf=() jf2=() ans=() ans2=() ps=()
for ((run = 1; run <= RUNS; run++)); do
	t0=$(now)
	xargs -P 50 -I{} ssh "${SSHO[@]}" {} true <"$T/hosts"
	floor+=("$(secs "$t0" "$(now)")")

	kill_agents
	t0=$(now)
	/usr/bin/time -f %M -o "$T/jobfix.rss" "$JOBFIX" -c "$T/jobfix.conf" fleet \
		--no-progress -i "$T/inventory" -f 50 --yes fix >"$T/jobfix.out" 2>&1
	rc=$?
	jf+=("$(secs "$t0" "$(now)")")
	links_ok && [ "$rc" -eq 0 ] || { echo "jobfix fleet failed (exit $rc)" >&2; tail -5 "$T/jobfix.out" >&2; }
	t0=$(now)
	"$JOBFIX" -c "$T/jobfix.conf" fleet --no-progress -i "$T/inventory" -f 50 \
		--yes fix >"$T/jobfix2.out" 2>&1 || echo "jobfix second run: exit $?" >&2
	jf2+=("$(secs "$t0" "$(now)")")

	kill_agents
	t0=$(now)
	(cd "$T/ansible" && ANSIBLE_CONFIG=$T/ansible/ansible.cfg ansible-playbook \
		-i hosts fix.yml >"$T/ansible.out" 2>&1) ||
		{ echo "ansible failed" >&2; tail -5 "$T/ansible.out" >&2; }
	ans+=("$(secs "$t0" "$(now)")")
	links_ok || echo "ansible: not every link is up" >&2
	t0=$(now)
	(cd "$T/ansible" && ANSIBLE_CONFIG=$T/ansible/ansible.cfg ansible-playbook \
		-i hosts fix.yml >"$T/ansible2.out" 2>&1)
	ans2+=("$(secs "$t0" "$(now)")")

	kill_agents
	t0=$(now)
	"$PSSH" -p 50 -h "$T/hosts" -x "${SSHO[*]}" "$T/fix-agent.sh" >"$T/pssh.out" 2>&1 ||
		{ echo "pssh failed" >&2; tail -5 "$T/pssh.out" >&2; }
	ps+=("$(secs "$t0" "$(now)")")
	links_ok || echo "pssh: not every link is up" >&2
done

F=$(median "${floor[@]}") J=$(median "${jf[@]}") J2=$(median "${jf2[@]}")
A=$(median "${ans[@]}") A2=$(median "${ans2[@]}") P=$(median "${ps[@]}")
echo "fleet of $N hosts, medians of $RUNS runs (seconds)"
printf '  %-40s %8s\n' "floor: ssh HOST true, 50 at a time" "$F" \
	"jobfix fleet fix (-f 50)" "$J" \
	"jobfix fleet, second run (nothing to do)" "$J2" \
	"ansible tuned (pipelining, no facts, 50)" "$A" \
	"ansible tuned, second run" "$A2" \
	"pssh -p 50" "$P"
echo "ratios"
printf '  %-40s %8s\n' "jobfix / ansible tuned (target <= 0.1)" "$(ratio "$J" "$A")" \
	"jobfix / pssh (target <= 0.5)" "$(ratio "$J" "$P")" \
	"jobfix / floor (target <= 1.4)" "$(ratio "$J" "$F")" \
	"jobfix second run / floor (target <= 1.1)" "$(ratio "$J2" "$F")"
echo "jobfix peak memory: $(($(tail -n 1 "$T/jobfix.rss") / 1024)) MiB (max RSS)"
ok 0 "benchmark ran"
done_testing >/dev/null
