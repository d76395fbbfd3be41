#!/bin/bash
# 31-svc-rabbitmq: the RabbitMQ faults of FAQ section 2 made in one real
# broker (reused by every case): Job's user missing, the vhost missing, the
# user without permission, a wrong password, the broker stopped.  For each:
# diagnose finds exactly the fault (ACCESS_REFUSED and NOT_ALLOWED told
# apart), a dry run changes nothing in the broker or on disk, fix --yes
# creates only what is missing (rabbitmqctl under the test's own node name,
# the password on its stdin), logs in again and restarts Job, and a second
# fix does nothing.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

start_rabbitmq
SECRET=Amqp-Secret-77ab
make_site "$T/site" ijobs.amqp.password=$SECRET app.secret=$SECRET

write_jobfix_conf "$T/jobfix.conf" \
	'probes: { only = [ "rabbitmq" ]; deadline_ms = 5000; };' \
	'unattended: { max_runs = 100; };  # fix --yes without a terminal counts' \
	"rabbitmq: {
  ctl = \"/usr/lib/rabbitmq/bin/rabbitmqctl\";
  node = \"$RABBITMQ_NODENAME\";
  ctl_env = [ \"HOME=$RMQ_HOME\", \"ERL_EPMD_PORT=$RMQ_EPMD_PORT\",
              \"RABBITMQ_CONF_ENV_FILE=$RMQ_HOME/rabbitmq-env.conf\" ];
};"
broker() { rmqctl -s list_vhosts name | sort; rmqctl -s list_users | sort; rmqctl -s list_permissions -p bk_job 2>&1 | sort; }
perms() { rmqctl -s list_permissions -p bk_job 2>&1 | grep '^bk_job' | tr '\t' ' '; }
restarts() { wc -l <"$SITE/job-restarts.log"; }
# the planned (or run) rabbitmqctl commands of the grant, one word each
actions() { py 'print(" ".join(c["argv"].split(" -s ")[1].split()[0] for r in d.get("plan", d.get("runs", [])) if r["playbook"] == "rabbitmq-bk-job-grant" for s in r["steps"] for c in s.get("changes", []) if " -s " in c.get("argv", "")))'; }
# DESC STATUS ACTIONS: diagnose, dry run, fix, fix again
grant_case() {
	local desc=$1 status=$2 want=$3 before b0 r0
	jf diagnose
	is "$(findings)" "wait.rabbitmq.vhost" "$desc: exactly wait.rabbitmq.vhost"
	is "$(fact rabbitmq.status)" "$status" "$desc: rabbitmq.status = $status"
	before=$(snapshot)
	b0=$(broker)
	r0=$(restarts)
	jf --dry-run
	is "$RC" 1 "$desc: the dry run has work to do"
	is "$(actions)" "$want" "$desc: the dry run plans only what is missing"
	is "$(broker)" "$b0" "$desc: the dry run changed nothing in the broker"
	is "$(snapshot)" "$before" "$desc: the dry run changed nothing on disk"
	jf fix --yes
	is "$RC" 0 "$desc: fix --yes repairs it"
	is "$(actions)" "$want" "$desc: fix ran only what was missing"
	like "$(py 'print(json.dumps(d["runs"]))')" '(secret on stdin)|^[^<]*$' "$desc: a password goes on stdin only"
	is "$(perms)" "bk_job .* .* .*" "$desc: list_permissions -p bk_job shows the grant"
	is "$(fact rabbitmq.status)" ok "$desc: Job's login works"
	is "$(restarts)" "$((r0 + 1))" "$desc: Job was restarted once"
	before=$(snapshot)
	b0=$(broker)
	jf fix --yes
	is "$RC" 0 "$desc: a second fix finds nothing"
	is "$(py 'print(len(d["runs"]))')" 0 "$desc: a second fix runs nothing"
	is "$(broker)" "$b0" "$desc: a second fix changed nothing in the broker"
	is "$(restarts)" "$((r0 + 1))" "$desc: a second fix did not restart Job"
}

# ---------------------------------------------------------------- user missing
grant_case "user missing" access_refused "add_user set_user_tags set_permissions"
like "$(rmqctl -s list_users | grep '^bk_job')" 'management' "the user is tagged management"
OUT=$("$JOBFIX" -c "$CONF" facts 2>&1)
like "$OUT" "rabbitmq.addresses = 127.0.0.1:$AMQP_PORT +# addresses: job.conf key ijobs.amqp.addresses" \
	"facts: the addresses name their job.conf key"

# ---------------------------------------------------------------- vhost missing
rmqctl delete_vhost bk_job >/dev/null
grant_case "vhost missing" not_allowed "add_vhost set_permissions"

# ---------------------------------------------------------------- no permission
rmqctl clear_permissions -p bk_job bk_job >/dev/null
grant_case "user without permission" not_allowed "set_permissions"

# ---------------------------------------------------------------- wrong password
printf 'Other-Pw-3\n' | rmqctl change_password bk_job >/dev/null
jf diagnose
is "$(findings)" "wait.rabbitmq.vhost" "wrong password: wait.rabbitmq.vhost"
is "$(fact rabbitmq.status)" access_refused "wrong password: access_refused (not not_allowed)"
like "$(fact rabbitmq.error)" 'ACCESS_REFUSED' "the broker's words are quoted"
adv=$(py 'print(" ".join(f.get("advice", "") for f in d["findings"]))')
like "$adv" 'a wrong password is refused the same way as a user that does not exist' \
	"wrong password: the advice names the actual cause"
unlike "$adv" 'Create the vhost and user' "wrong password: the advice does not say to create the user"
b0=$(broker)
r0=$(restarts)
jf fix --yes
isnt_ok=$([ "$RC" -ne 0 ] && echo 0 || echo 1)
ok "$isnt_ok" "wrong password, password not managed: fix does not claim success"
like "$(py 'print(chr(10).join(d["notes"]))')" 'rabbitmq.manage_password' "the report says how to let jobfix set it"
is "$(broker)" "$b0" "wrong password, not managed: nothing changed in the broker"
is "$(restarts)" "$r0" "wrong password, not managed: Job not restarted"
sed -i 's/^rabbitmq: {/rabbitmq: {\n  manage_password = true;/' "$CONF"
jf fix --yes
is "$RC" 0 "wrong password, managed: fix sets it"
is "$(actions)" "change_password" "only change_password ran"
is "$(fact rabbitmq.status)" ok "Job's login works again"
jf fix --yes
is "$(py 'print(len(d["runs"]))')" 0 "again: nothing to do"

# ---------------------------------------------------------------- job-restart
r0=$(restarts)
jf run job-restart --yes
is "$(restarts)" "$((r0 + 1))" "job-restart with the broker up restarts Job"

# ---------------------------------------------------------------- broker stopped
stop_rabbitmq
jf diagnose
is "$(findings)" "wait.rabbitmq.down" "broker stopped: exactly wait.rabbitmq.down"
like "$(py 'print(json.dumps(d["findings"]))')" "RabbitMQ at 127.0.0.1:$AMQP_PORT does not answer" \
	"the message names the endpoint"
before=$(snapshot)
jf --dry-run
is "$(snapshot)" "$before" "broker stopped: the dry run changed nothing"
r0=$(restarts)
jf fix --yes
is "$(restarts)" "$r0" "broker still down: Job is not restarted"
like "$(py 'print(json.dumps(d["runs"]))')" 'rabbitmq.status is \\"down\\"' "the run says the broker is still down"

unlike "$(cat "$ALL_OUT" "$JOBFIX_AUDIT_LOG" 2>/dev/null)" "$SECRET|Other-Pw-3" \
	"no password in any output or the audit log"
done_testing
