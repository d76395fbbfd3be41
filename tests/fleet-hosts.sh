# fleet-hosts.sh - many loopback "hosts" for jobfix fleet tests and the
# fleet benchmark; sourced after tests/lib.sh and setup_tmp.
#
# Host I (1-based) is the address fleet_addr I (127.0.0.2 ... 127.0.0.251,
# then 127.1.x.y), all served by one private sshd; its files live in
# $T/h/I (jobfix's site.root there: the inventory says root=$T/h/I), with a
# GSE agent in $T/h/I/agent whose gsectl is sandbox/fake-gsectl.
# Its taskserver is fleet_task_addr I on $GSE_PORT, where one small listener
# (sandbox/gse-task-listener.py) stands in for gse_task.  Each
# host has its own taskserver address so that, although every "host" sees
# the same process and socket tables, each agent's link is its own.

fleet_addr() {
	local i=$(($1 - 1))
	if [ "$i" -lt 250 ]; then echo "127.0.0.$((i + 2))"
	else echo "127.1.$((i / 250)).$((i % 250 + 2))"; fi
}

fleet_task_addr() {
	local i=$(($1 - 1))
	echo "127.2.$((i / 250)).$((i % 250 + 2))"
}

# fleet_setup N: sshd for N hosts, the gse_task stand-in, N host trees,
# $T/jobfix.conf and $T/inventory.  Agents are not started.
fleet_setup() {
	local n=$1 i addrs="" tasks="" d pid
	FLEET_N=$n
	for ((i = 1; i <= n; i++)); do
		addrs+=" $(fleet_addr "$i")"
		tasks+=" $(fleet_task_addr "$i")"
	done
	# sshd listens on at most 16 addresses: more sshds for more hosts,
	# made from the first one's configuration (same keys, same port)
	local -a all=($addrs)
	SSHD_ADDRS=${all[*]:0:15} start_sshd
	for ((i = 15; i < ${#all[@]}; i += 16)); do
		_fleet_more_sshd "$i" "${all[@]:i:16}"
	done
	GSE_PORT=$(free_port) || bail "free_port failed"
	# shellcheck disable=SC2086
	python3 "$top_srcdir/sandbox/gse-task-listener.py" "$GSE_PORT" \
		$tasks >"$T/gse-task.out" 2>&1 &
	pid=$!
	GSE_PID=$pid
	register_server "$pid" gse_task "kill_wait $pid 5"
	# a loaded machine may take long to start python
	wait_for 90 "$pid" grep -q ready "$T/gse-task.out" ||
		_jf_start_failed gse_task "$T/gse-task.out" "no ready line"
	# agents are killed before the listener goes (stopped newest first)
	register_server 2000000001 agents fleet_kill_all
	: >"$T/inventory"
	echo "[agents]" >>"$T/inventory"
	for ((i = 1; i <= n; i++)); do
		d=$T/h/$i/agent
		mkdir -p "$d/bin" "$d/etc" "$d/log" "$d/run"
		cp "$top_srcdir/sandbox/fake-gsectl" "$d/bin/gsectl"
		printf '{\n  "cloudid": 0,\n  "bizid": 2,\n  "taskserver": [ { "ip": "%s", "port": %s } ]\n}\n' \
			"$(fleet_task_addr "$i")" "$GSE_PORT" >"$d/etc/agent.conf"
		echo "$(fleet_addr "$i") root=$T/h/$i" >>"$T/inventory"
	done
	cat >"$T/jobfix.conf" <<EOC
# jobfix.conf of the fleet test: every host's agent under its own root
site = { agent_dir = "\${site.root}/agent"; };
agent = {
  process_pattern = "\${site.agent_dir}/bin/gse_agent( |\$)";
  port = $GSE_PORT;
  log_dir = "\${site.agent_dir}/log";
  restart_wait_ms = 30000;
};
# each host's own jobfix (its lock, its maintenance flag) under its root
remote = { state_dir = "\${site.root}/var/lib/jobfix"; };
# the tests repair the same hosts more often than an hour's limit allows
unattended = { max_runs = 1000; };
ssh = {
  port = $SSHD_PORT;
  identity = "$SSH_USER_KEY";
  known_hosts = "$SSH_KNOWN_HOSTS";
  op_timeout_ms = 60000;  # a loaded test machine is slow
};
EOC
}

# _fleet_more_sshd TAG ADDR...: one more sshd like start_sshd's, for ADDRs
_fleet_more_sshd() {
	local tag=$1 d=$T/ssh cfg addr pid
	shift
	cfg=$d/sshd_config.$tag
	grep -v -e '^ListenAddress' -e '^PidFile' "$d/sshd_config" >"$cfg"
	echo "PidFile $d/sshd.$tag.pid" >>"$cfg"
	for addr; do
		echo "ListenAddress $addr" >>"$cfg"
		printf '[%s]:%s %s\n' "$addr" "$SSHD_PORT" \
			"$(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")" >>"$SSH_KNOWN_HOSTS"
	done
	/usr/sbin/sshd -D -e -f "$cfg" </dev/null >"$d/sshd.$tag.log" 2>&1 &
	pid=$!
	register_server "$pid" "sshd.$tag" "kill_wait $pid 10"
	for addr; do
		wait_for 20 "$pid" _jf_ssh_banner "$addr" "$SSHD_PORT" ||
			_jf_start_failed sshd "$d/sshd.$tag.log" "no banner on $addr"
	done
}

# fleet_agent_start I / fleet_agent_kill I
fleet_agent_start() { "$T/h/$1/agent/bin/gsectl" start; }
fleet_agent_kill() { "$T/h/$1/agent/bin/gsectl" stop >/dev/null 2>&1; }

fleet_kill_all() {
	local f
	for f in "$T"/h/*/agent/run/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# fleet_links: ESTABLISHED connections to the gse_task stand-in
fleet_links() {
	local hex
	hex=$(printf '%04X' "$GSE_PORT")
	awk -v p=":$hex" '$3 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l
}

# fleet_agents_running: gse_agent processes of this test
fleet_agents_running() {
	local n=0 f
	for f in "$T"/h/*/agent/run/*.pid; do
		[ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
