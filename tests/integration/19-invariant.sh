#!/bin/bash
# 19-invariant.sh - what must change nothing changes nothing, for every
# command of the command table: those that change nothing at all run as they
# are; those that change the host ("changes") or jobfix's own state
# ("state") run with --dry-run.  Each runs on this host, on a "remote" host
# with -H (over a real sshd), and fleet runs on two fleet hosts.  Before and
# after each run: every file under the install roots, the state directory,
# the remote roots and the audit log (path, type, mode, owner, group, size,
# mtime, sha256); around each batch: the real MariaDB's global variables,
# the real RabbitMQ's vhosts, users and permissions, and the fleet hosts'
# agent processes.  The hosts have faults with work to plan (the event
# scheduler off, Job's RabbitMQ user missing, dead agents) and an earlier
# run in the audit log, so the dry runs plan real changes.
#
# The list of commands is the program's (`jobfix --list-commands`, from
# cmd-table.c): a command this test has no invocation for fails the test,
# so a new command is held to the invariant by its table entry.

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd python3 sha256sum flock ssh-keygen
setup_tmp

start_mariadb
start_rabbitmq
fleet_setup 2          # a private sshd (127.0.0.1 too) and two fleet hosts
FLEET_CONF=$T/jobfix.conf
FLEET_INV=$T/inventory

SECRET=Inv-Secret-91cd
make_site "$T/rsite" ijobs.amqp.password=$SECRET app.secret=$SECRET "job.storage.path=$T/rsite/share"
make_site "$T/site" ijobs.amqp.password=$SECRET app.secret=$SECRET "job.storage.path=$T/site/share"
mkdir -p "$T/site/share" "$T/rsite/share"
# Job's storage is an NFS mount, as far as the NFS probe can tell
cat >"$T/mountinfo" <<EOF
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:50 / $T/site/share rw,relatime shared:9 - nfs4 nas.example:/export/job rw,vers=4.1
41 22 0:51 / $T/rsite/share rw,relatime shared:9 - nfs4 nas.example:/export/job rw,vers=4.1
EOF
mkdir -p "$T/rstate" "$JOBFIX_STATE_DIR"
write_jobfix_conf "$T/local.conf" \
	'unattended: { max_runs = 100; };' \
	"rabbitmq: {
  ctl = \"/usr/lib/rabbitmq/bin/rabbitmqctl\";
  node = \"$RABBITMQ_NODENAME\";
  ctl_env = [ \"HOME=$RMQ_HOME\", \"ERL_EPMD_PORT=$RMQ_EPMD_PORT\",
              \"RABBITMQ_CONF_ENV_FILE=$RMQ_HOME/rabbitmq-env.conf\" ];
};" \
	"ssh: { port = $SSHD_PORT; identity = \"$SSH_USER_KEY\"; known_hosts = \"$SSH_KNOWN_HOSTS\"; op_timeout_ms = 60000; };" \
	"remote: { state_dir = \"$T/rstate\"; };" \
	'# the probes of what the hosts have (the others would wait for servers
# that are not there), with room for a loaded machine
probes: { only = [ "mysql", "rabbitmq", "nfs", "logs", "ports" ]; deadline_ms = 20000; };' \
	"nfs: { mountinfo = \"$T/mountinfo\"; };"
LC=$T/local.conf
ROOTS=("$T/site" "$T/rsite" "$T/h" "$T/rstate" "$JOBFIX_STATE_DIR" "$JOBFIX_AUDIT_LOG")

# an earlier run in the audit log (undo has something to list): the event
# scheduler off in my.cnf and in the server, fixed
sql "SET GLOBAL event_scheduler = OFF"
sed -i 's/^event_scheduler = ON/event_scheduler = OFF/' "$T/site/etc/my.cnf" "$T/rsite/etc/my.cnf"
"$JOBFIX" -c "$LC" --json --yes run mysql-event-scheduler >"$T/setup.json" 2>"$T/setup.err" ||
	diag "setup fix: exit $? $(head -c 2000 "$T/setup.err")"
RUN=$(python3 -c 'import json,sys
print([json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("event") == "applied"][0]["run_id"])' \
	"$JOBFIX_AUDIT_LOG" 2>/dev/null)
ok "$([ -n "$RUN" ] && echo 0 || echo 1)" "setup: a run in the audit log to undo ($RUN)"
# faults with work to plan: the scheduler off in the server again, Job's
# RabbitMQ user missing (guest only), the fleet agents dead
sql "SET GLOBAL event_scheduler = OFF"

snap_files() {
	find "${ROOTS[@]}" -printf '%p %y %m %u %g %s %T@\n' 2>/dev/null | sort
	find "${ROOTS[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum
}
snap_services() {
	echo "== mysql"
	sql "SHOW GLOBAL VARIABLES"
	echo "== rabbitmq"
	rmqctl -s list_vhosts name | sort
	rmqctl -s list_users | sort
	rmqctl -s list_permissions -p bk_job | sort
	echo "== agents running: $(fleet_agents_running)"
}

# The invocations of every command (after the global options).  "-n" is
# put in front for commands that change things.  Keep one line per command
# of the table; the test fails for a command without one.
declare -A INVOKE
INVOKE[fix]="fix|--auto --json fix"
INVOKE[run]="run mysql-event-scheduler|run rabbitmq-bk-job-grant"
INVOKE[diagnose]="--json diagnose"
INVOKE[facts]="facts"
INVOKE[playbooks]="playbooks list|playbooks show mysql-event-scheduler"
INVOKE[explain]="explain nolog.partition|explain 1252001"
INVOKE[config]="config"
INVOKE[status]="--json status"
INVOKE[audit]="audit show|audit verify|audit show --host 127.0.0.1|audit mark"
INVOKE[undo]="--json undo $RUN"
INVOKE[pause]="pause upgrading"
INVOKE[resume]="resume"
INVOKE[reset]="reset mysql-event-scheduler|reset *"
INVOKE[fleet]="fleet -i $FLEET_INV --no-progress diagnose|fleet -i $FLEET_INV --no-progress --json --dry-run fix|fleet -i $FLEET_INV --no-progress --dry-run run gse-agent-restart"
# demo builds and changes a sandbox of its own (a new temporary directory)
SANDBOX_OK=" demo "

# run_one MODE CLASS INVOCATION: run it, compare the files
run_one() {
	local mode=$1 class=$2 inv=$3 before after args=() conf=$LC
	read -r -a args <<<"$inv"
	[ "$class" = nothing ] || args=(-n "${args[@]}")
	case $mode in
	remote) args=(-r "$T/rsite" -H "127.0.0.1" "${args[@]}") ;;
	esac
	[ "${args[*]}" != "${args[*]#*fleet }" ] && conf=$FLEET_CONF
	before=$(snap_files)
	sleep 0.01
	OUT=$("$JOBFIX" -c "$conf" "${args[@]}" </dev/null 2>&1)
	RC=$?
	after=$(snap_files)
	if [ "$RC" -ge 2 ] && [ "$RC" -ne 3 ]; then
		# a refusal is fine (nothing changed either), a crash is not
		ok "$([ "$RC" -lt 128 ] && echo 0 || echo 1)" "$mode: jobfix ${args[*]}: ran (exit $RC)"
	fi
	if [ "$before" = "$after" ]; then
		ok 0 "$mode: jobfix ${args[*]}: changed no file"
	else
		ok 1 "$mode: jobfix ${args[*]}: changed no file"
		diag "$(diff <(echo "$before") <(echo "$after") | head -n 20)"
		diag "$(echo "$OUT" | tail -n 10)"
	fi
}

table=$("$JOBFIX" --list-commands)
ok "$([ "$(echo "$table" | wc -l)" -ge 10 ] && echo 0 || echo 1)" "the command table is listed ($(echo "$table" | wc -l) commands)"
for mode in local remote; do
	services=$(snap_services)
	while read -r name class; do
		case $class in
		nothing | changes | state) ;;
		sandbox)
			ok "$([[ $SANDBOX_OK == *" $name "* ]] && echo 0 || echo 1)" \
				"$mode: $name changes only its own sandbox"
			continue ;;
		*) ok 1 "$mode: $name: unknown class \"$class\""; continue ;;
		esac
		if [ -z "${INVOKE[$name]+set}" ]; then
			ok 1 "$mode: command \"$name\" ($class) has no invocation in this test: add one"
			continue
		fi
		# fleet runs its own hosts: once, in the local pass
		[ "$name" = fleet ] && [ "$mode" = remote ] && continue
		IFS='|' read -r -a invs <<<"${INVOKE[$name]}"
		for inv in "${invs[@]}"; do
			run_one "$mode" "$class" "$inv"
		done
	done <<<"$table"
	is "$(snap_services)" "$services" "$mode: MariaDB's variables, RabbitMQ's users and permissions, the agents: unchanged"
done

# only the executor reaches the writable transport
is "$(cd "$top_srcdir/src" && grep -l -- '->writable' ./*.c ./*.h | sort | tr '\n' ' ')" "./exec.c ./site.c " \
	"only the executor (exec.c) and the site that keeps it (site.c) name the writable transport"

# the test can fail: a command that changes things, run without -n, is seen
before=$(snap_files)
"$JOBFIX" -c "$LC" pause "the invariant test's own check" >/dev/null 2>&1
ok "$([ "$before" != "$(snap_files)" ] && echo 0 || echo 1)" "a real pause is seen as a change (the snapshot can fail)"
"$JOBFIX" -c "$LC" resume >/dev/null 2>&1

done_testing
