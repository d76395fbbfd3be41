# tests/integration/rest-lib.sh - what the network probes' scenarios (6N-*.sh)
# share, sourced after tests/lib.sh: a jobfix.conf for the sandbox site with
# the other probes turned off (so a finding is one of ours), a
# python3 server of the test's own, and the findings of a --json run.

# Probes of other issues (MySQL, RabbitMQ, Redis, the agent): their servers
# are not started here.
REST_OTHER_PROBES='"mysql", "rabbitmq", "redis", "agent"'

# rest_conf FILE [LINES...]: a jobfix.conf for $SITE; LINES are appended
# (libconfig settings).  Exports CONF=FILE.
rest_conf() {
	local f=$1 line
	shift
	{
		printf 'site: { root = "%s"; templates_dir = ""; agent_dir = "%s/agent"; };\n' "$SITE" "$T"
		printf 'playbook_dirs = [ ];\n'
		printf 'job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };\n'
		for line; do
			printf '%s\n' "$line"
		done
	} >"$f"
	CONF=$f
	export CONF
}

# jf ARGS...: jobfix on $CONF.
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }

# rest_json CODE [ARGS...]: python3 CODE with d = the --json report on stdin
# (sys.argv[1:] = ARGS); "(no JSON report)" and a failure when it is none.
rest_json() {
	local code=$1
	shift
	python3 -c "$JSON_LOAD$code" "$@"
}

# findings: from a --json report on stdin, "fault:code" sorted, space-separated
# ("fault:-" without a code).
findings() {
	rest_json 'print(" ".join(sorted("%s:%s" % (f["fault"], f.get("code") or "-") for f in d["findings"])))'
}

# finding_field FAULT FIELD: a field of that finding in a --json report.
finding_field() {
	rest_json '
for f in d["findings"]:
    if f["fault"] == sys.argv[1]:
        print(f.get(sys.argv[2]) or "")' "$1" "$2"
}

# start_py NAME SCRIPT ARGS...: python3 SCRIPT PORT ARGS... on 127.0.0.1:PORT,
# registered to be stopped by the trap.  Prints nothing; sets PY_PORT PY_PID.
start_py() {
	local name=$1 script=$2 log
	shift 2
	PY_PORT=$(free_port) || bail "free_port failed"
	log=$T/$name-$PY_PORT.log
	python3 -u "$script" "$PY_PORT" "$@" </dev/null >"$log" 2>&1 &
	PY_PID=$!
	register_server "$PY_PID" "$name" "kill_wait $PY_PID 5"
	wait_for "$(_jf_timeout)" "$PY_PID" port_open 127.0.0.1 "$PY_PORT" ||
		_jf_start_failed "$name" "$log"
}

# fact NAME: the value of a fact in a --json -v report on stdin ("" if none).
fact() {
	rest_json 'print((d.get("facts") or {}).get(sys.argv[1], {}).get("value", ""))' "$1"
}
