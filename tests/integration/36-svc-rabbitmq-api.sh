#!/bin/bash
# 36-svc-rabbitmq-api: the rabbitmq_account step over the management
# plugin's HTTP API, against a real broker with the plugin on a private
# port.  Each grant case (Job's user missing, the vhost missing, the tag
# missing): a dry run changes nothing in the broker (read back through the
# API itself) and runs no rabbitmqctl; fix --yes makes it with PUTs only,
# Job's AMQP login then works (the playbook's verify step), an untouched
# password hash stays (a tag change keeps Job's login); a second run plans
# nothing.  A verify that fails undoes the PUTs (DELETE, old values).  A
# wrong administrator password is an error naming the endpoint and HTTP
# 401, nothing changed, no fallback; a credentials file others can read is
# refused by name; an API port that is closed leaves the work to
# rabbitmqctl, and the report says so, as does a loopback API URL with a
# remote host (-H).  No password in any output, the
# audit log, the state directory, or the argv of any process during the
# runs.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum curl

start_rabbitmq --management
# unique to this run: a sampler sees every process, a concurrent run too
SECRET=Amqp-Secret-36cd-$$
ADMIN_PW=Mgmt-Admin-Pw-5e21-$$
API=http://127.0.0.1:$RMQ_MGMT_PORT
printf '%s\n' "$ADMIN_PW" | rmqctl add_user jfadmin >/dev/null
rmqctl set_user_tags jfadmin administrator >/dev/null
rmqctl set_permissions -p / jfadmin '.*' '.*' '.*' >/dev/null
make_site "$T/site" ijobs.amqp.password=$SECRET app.secret=$SECRET

# the test's own requests: the login from a netrc file, never on argv
printf 'machine 127.0.0.1 login jfadmin password %s\n' "$ADMIN_PW" >"$T/netrc"
chmod 600 "$T/netrc"
api() { curl -sf --netrc-file "$T/netrc" -X "${2:-GET}" "$API$1"; }
# the broker as its API shows it: vhosts; users with tags and hash; bk_job's
# permissions
broker() {
	api /api/vhosts | python3 -c 'import json,sys; print(sorted(v["name"] for v in json.load(sys.stdin)))'
	api /api/users | python3 -c 'import json,sys; print(sorted((u["name"], str(u["tags"]), u["password_hash"]) for u in json.load(sys.stdin)))'
	api /api/vhosts/bk_job/permissions 2>/dev/null | python3 -c 'import json,sys; print(sorted((p["user"], p["configure"], p["write"], p["read"]) for p in json.load(sys.stdin)))' 2>/dev/null
}
user_tags() { api /api/users/bk_job | python3 -c 'import json,sys; t=json.load(sys.stdin)["tags"]; print(",".join(t) if isinstance(t, list) else t)'; }
perms() { api /api/vhosts/bk_job/permissions | python3 -c 'import json,sys; print(" ".join(" ".join((p["configure"], p["write"], p["read"])) for p in json.load(sys.stdin) if p["user"] == "bk_job"))'; }

# rabbitmqctl as jobfix runs it: through a wrapper that logs each call
CTL_LOG=$T/ctl.log
: >"$CTL_LOG"
cat >"$T/rabbitmqctl" <<EOF
#!/bin/bash
echo "\$*" >>"$CTL_LOG"
exec "$_jf_rmq_bin/rabbitmqctl" "\$@"
EOF
chmod 755 "$T/rabbitmqctl"

CRED=$T/rmq-admin.cred
printf '# the management API login\nuser = jfadmin\npassword = %s\n' "$ADMIN_PW" >"$CRED"
chmod 600 "$CRED"
conf() {	# API-URL CREDENTIALS-FILE
	write_jobfix_conf "$T/jobfix.conf" \
		'probes: { only = [ "rabbitmq" ]; deadline_ms = 5000; };' \
		'unattended: { max_runs = 1000; };' \
		"rabbitmq: {
  ctl = \"$T/rabbitmqctl\";
  node = \"$RABBITMQ_NODENAME\";
  ctl_env = [ \"HOME=$RMQ_HOME\", \"ERL_EPMD_PORT=$RMQ_EPMD_PORT\",
              \"RABBITMQ_CONF_ENV_FILE=$RMQ_HOME/rabbitmq-env.conf\" ];
  api_url = \"$1\";
  api_credentials_file = \"$2\";
  api_timeout_ms = 20000;
};"
}
conf "$API" "$CRED"

# Every process's argv, sampled while jobfix runs: a password there is a leak.
printf '%s\n%s\n' "$SECRET" "$ADMIN_PW" >"$T/secrets"
ARGV_HITS=$T/argv-hits
: >"$ARGV_HITS"
touch "$T/watching"
python3 - "$T/watching" "$T/secrets" "$ARGV_HITS" <<'PYEOF' &
import glob, os, sys, time
flag, secrets, hits = sys.argv[1:4]
words = [w.encode() for w in open(secrets).read().split()]
with open(hits, "a") as out:
    while os.path.exists(flag):
        for f in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                argv = open(f, "rb").read()
            except OSError:
                continue
            if any(w in argv for w in words):
                out.write(f + " " + argv.replace(b"\0", b" ").decode(errors="replace") + "\n")
                out.flush()
        time.sleep(0.02)
PYEOF
WATCH_PID=$!
# control: the sampler sees a password put on a command line
bash -c 'sleep 2; :' "argv-control-$SECRET"
like "$(cat "$ARGV_HITS")" "argv-control-$SECRET" "the argv sampler sees a password in a process's argv (control)"
: >"$ARGV_HITS"

# the run's changes: "METHOD /api/..." (API) or "ctl" (rabbitmqctl), in order
actions() { py 'import re
out = []
for r in d.get("plan", d.get("runs", [])):
    if r["playbook"] != "rabbitmq-bk-job-grant": continue
    for s in r["steps"]:
        for c in s.get("changes", []):
            a = c.get("argv", "")
            m = re.match(r"(PUT|DELETE|GET) http://[^/]+(/api/\S*)", a)
            if m: out.append(m.group(1) + " " + m.group(2))
            elif " -s " in a: out.append("ctl")
print(" ".join(out))'; }
ctl_calls() { wc -l <"$CTL_LOG"; }

# DESC STATUS ACTIONS: diagnose, dry run, fix, fix again, all over the API
grant_case() {
	local desc=$1 status=$2 want=$3 before b0 c0
	jf diagnose
	is "$(findings)" "wait.rabbitmq.vhost" "$desc: exactly wait.rabbitmq.vhost"
	is "$(fact rabbitmq.status)" "$status" "$desc: rabbitmq.status = $status"
	before=$(snapshot)
	b0=$(broker)
	c0=$(ctl_calls)
	jf --dry-run
	is "$RC" 1 "$desc: the dry run has work to do"
	is "$(actions)" "$want" "$desc: the dry run plans the API requests of what is missing"
	is "$(broker)" "$b0" "$desc: the dry run changed nothing in the broker (its API)"
	is "$(snapshot)" "$before" "$desc: the dry run changed nothing on disk"
	is "$(ctl_calls)" "$c0" "$desc: the dry run ran no rabbitmqctl"
	jf fix --yes
	is "$RC" 0 "$desc: fix --yes repairs it"
	is "$(actions)" "$want" "$desc: fix made only those requests"
	is "$(ctl_calls)" "$c0" "$desc: fix ran no rabbitmqctl"
	is "$(perms)" ".* .* .*" "$desc: the API shows the grant on bk_job"
	is "$(user_tags)" "management" "$desc: the user is tagged management"
	is "$(fact rabbitmq.status)" ok "$desc: Job's AMQP login works"
	b0=$(broker)
	jf --dry-run
	is "$RC" 0 "$desc: a second dry run has nothing to do"
	jf fix --yes
	is "$RC" 0 "$desc: a second fix finds nothing"
	is "$(py 'print(len(d["runs"]))')" 0 "$desc: a second fix runs nothing"
	is "$(broker)" "$b0" "$desc: a second fix changed nothing in the broker"
}

# ---------------------------------------------------------------- user missing
grant_case "user missing" access_refused "PUT /api/users/bk_job PUT /api/permissions/bk_job/bk_job"
like "$(cat "$ALL_OUT")" 'PUT http://127\.0\.0\.1:[0-9]+/api/users/bk_job \{[\\"]*password[\\"]*:[\\"]*\(secret\)' \
	"the report shows the request's password as (secret)"
is "$(rmqctl -s list_permissions -p bk_job | grep '^bk_job' | tr '\t' ' ')" "bk_job .* .* .*" \
	"rabbitmqctl list_permissions agrees"

# ---------------------------------------------------------------- vhost missing
api /api/vhosts/bk_job DELETE >/dev/null
grant_case "vhost missing" not_allowed "PUT /api/vhosts/bk_job PUT /api/permissions/bk_job/bk_job"

# ---------------------------------------------------------------- tag missing
# set_user_tags with no tag (Job's login works: no finding, so the playbook
# is run by name); the password hash must survive the tag's PUT
rmqctl set_user_tags bk_job >/dev/null
hash0=$(api /api/users/bk_job | python3 -c 'import json,sys; print(json.load(sys.stdin)["password_hash"])')
jf --dry-run run rabbitmq-bk-job-grant
is "$(actions)" "PUT /api/users/bk_job" "tag missing: the dry run plans one PUT of the user"
is "$(user_tags)" "" "tag missing: the dry run did not tag it"
jf run rabbitmq-bk-job-grant --yes
is "$RC" 0 "tag missing: the playbook tags the user"
is "$(user_tags)" management "tag missing: tagged management"
is "$(api /api/users/bk_job | python3 -c 'import json,sys; print(json.load(sys.stdin)["password_hash"])')" \
	"$hash0" "tag missing: the user's password hash is unchanged"
is "$(fact rabbitmq.status)" ok "tag missing: Job's login still works"

# ---------------------------------------------------------------- undo
# Job logs in with another password than the one the grant sets (the
# playbook run alone, by name): its verify step fails, and what the run
# made is undone over the API.
api /api/users/bk_job DELETE >/dev/null
cp -p "$SITE/etc/job.conf" "$T/job.conf.orig"
sed -i "s/^ijobs.amqp.password=.*/ijobs.amqp.password=Not-The-Grant-Pw/" "$SITE/etc/job.conf"
b0=$(broker)
jf run rabbitmq-bk-job-grant --yes
is "$RC" 3 "verify fails: the fix is undone (exit 3)"
is "$(py 'print(" ".join(r["outcome"] for r in d["runs"]))')" undone "the run says undone"
is "$(actions)" "PUT /api/users/bk_job PUT /api/permissions/bk_job/bk_job" "the run had made the user and the grant"
is "$(broker)" "$b0" "undo: the broker is as it was (user deleted again, no permission)"
cp -p "$T/job.conf.orig" "$SITE/etc/job.conf"  # (sed would put the password on argv)

# ---------------------------------------------------------------- wrong admin password
cp "$CRED" "$T/wrong.cred"
sed -i 's/^password = .*/password = Wrong-Admin-Pw/' "$T/wrong.cred"
chmod 600 "$T/wrong.cred"
conf "$API" "$T/wrong.cred"
b0=$(broker)
c0=$(ctl_calls)
before=$(snapshot)
jf fix --yes
is "$RC" 3 "wrong admin password: the fix fails having changed nothing (exit 3)"
like "$(cat "$T/stderr"; printf '%s' "$OUT")" "RabbitMQ API GET $API/api/vhosts\\?columns=name: HTTP 401" \
	"wrong admin password: the error names the endpoint and HTTP 401"
is "$(broker)" "$b0" "wrong admin password: nothing changed in the broker"
is "$(snapshot)" "$before" "wrong admin password: nothing changed on disk"
is "$(ctl_calls)" "$c0" "wrong admin password: no silent fallback to rabbitmqctl"
unlike "$(cat "$ALL_OUT")" "Wrong-Admin-Pw" "wrong admin password: not shown"

# ---------------------------------------------------------------- credentials file others can read
conf "$API" "$CRED"
chmod 0644 "$CRED"
jf fix --yes
isnt_ok=$([ "$RC" -ne 0 ] && echo 0 || echo 1)
ok "$isnt_ok" "0644 credentials file: the fix does not run"
like "$(cat "$T/stderr"; printf '%s' "$OUT")" "rabbitmq\\.api_credentials_file $CRED: mode 0644 lets other users read it" \
	"0644 credentials file: refused, naming the file and its mode"
is "$(broker)" "$b0" "0644 credentials file: nothing changed in the broker"
is "$(ctl_calls)" "$c0" "0644 credentials file: no fallback to rabbitmqctl"
chmod 0640 "$CRED"
jf --dry-run
is "$(actions)" "PUT /api/users/bk_job PUT /api/permissions/bk_job/bk_job" "a 0640 credentials file is accepted"
chmod 0600 "$CRED"

# ---------------------------------------------------------------- API port closed
CLOSED=$(free_port) || bail "free_port failed"
conf "http://127.0.0.1:$CLOSED" "$CRED"
jf fix --yes
is "$RC" 0 "API port closed: fix still repairs it"
is "$(actions)" "ctl ctl ctl" "API port closed: with rabbitmqctl (add_user, set_user_tags, set_permissions)"
ok "$([ "$(ctl_calls)" -gt "$c0" ] && echo 0 || echo 1)" "API port closed: rabbitmqctl ran"
like "$(py 'print(chr(10).join(d["notes"]))')" 'management API did not answer.*rabbitmqctl' \
	"API port closed: the report says it fell back to rabbitmqctl"
is "$(perms)" ".* .* .*" "API port closed: the grant is there"
is "$(fact rabbitmq.status)" ok "API port closed: Job's login works"

# ---------------------------------------------------------------- not configured
conf "$API" ""
api /api/permissions/bk_job/bk_job DELETE >/dev/null
c0=$(ctl_calls)
jf --dry-run
is "$(actions)" "ctl" "no credentials file: rabbitmqctl plans it"
like "$(py 'print(chr(10).join(d["notes"]))')" 'management API is not configured' \
	"no credentials file: the report says rabbitmqctl did the work"

# ---------------------------------------------------------------- a remote host
# The API is asked from the jobfix process: with -H, a loopback api_url
# would name this host's broker, not the remote one's.  It is not used;
# rabbitmqctl runs on the remote host (here the same machine, over SSH).
if [ -x /usr/sbin/sshd ]; then
	start_sshd
	conf "$API" "$CRED"
	cat >>"$T/jobfix.conf" <<EOC
remote = { state_dir = "$T/remote-state"; };
ssh = { port = $SSHD_PORT; identity = "$SSH_USER_KEY"; known_hosts = "$SSH_KNOWN_HOSTS"; op_timeout_ms = 60000; };
EOC
	c0=$(ctl_calls)
	b0=$(broker)
	OUT=$("$JOBFIX" -c "$CONF" -H 127.0.0.1 --json --dry-run 2>"$T/stderr")
	RC=$?
	printf '%s\n' "$OUT" >>"$ALL_OUT"
	is "$RC" 1 "-H, loopback api_url: the dry run has work to do"
	is "$(actions)" "ctl" "-H, loopback api_url: rabbitmqctl plans it, not the API"
	ok "$([ "$(ctl_calls)" -gt "$c0" ] && echo 0 || echo 1)" "-H, loopback api_url: rabbitmqctl listed on the remote host"
	like "$(py 'print(chr(10).join(d["notes"]))')" 'api_url is a loopback address' \
		"-H, loopback api_url: the report says why the API was not used"
	is "$(broker)" "$b0" "-H: the dry run changed nothing in the broker"
else
	skip "-H with a loopback api_url" "/usr/sbin/sshd is not installed"
fi

# ---------------------------------------------------------------- secrets
rm -f "$T/watching"
wait "$WATCH_PID" 2>/dev/null
# (the control's own line may land after the truncation above: a scan of
# /proc under load outlives it)
is "$(grep -v 'argv-control-' "$ARGV_HITS" | sort -u | tr '\n' ' ')" "" "no password in any process's argv during the runs"
unlike "$(cat "$ALL_OUT" "$JOBFIX_AUDIT_LOG" 2>/dev/null)" "$SECRET|$ADMIN_PW" \
	"no password in any output or the audit log"
is "$(grep -rlF -e "$SECRET" -e "$ADMIN_PW" "$JOBFIX_STATE_DIR" 2>/dev/null)" "" \
	"no password in the state directory"
done_testing
