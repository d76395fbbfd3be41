#!/bin/bash
# 18-core-state: jobfix's own files.  The state directory is trusted as
# OpenSSH and sudo trust theirs (owner root or the running user, writable by
# no one else, all the way up) or refused; a link planted in it is never
# followed; another user's audit log is refused; the temp files of a crashed
# run are removed by the next one; a relative -r is made absolute once; a
# pause reason never shows a secret.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3
[ "$(id -u)" = 0 ] || skip_all "needs root (chown to another user)"

SECRET=Sekr3t-Value-41e9
make_site "$T/site" app.secret=$SECRET ijobs.amqp.password=$SECRET
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
probes: { network = false; only = [ "job" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
EOF
run() { "$JOBFIX" -c "$CONF" --no-color "$@"; }

# ---------------------------------------------------------------- trust
S=$T/untrusted/state
mkdir -p "$S"
chown 65534 "$S"
check_rc 2 "a state dir owned by another user is refused" -- env JOBFIX_STATE_DIR="$S" "$JOBFIX" -c "$CONF" status
like "$OUT" "\"$S\" is owned by uid 65534, not by root or the running user" "naming it and its owner"
chown 0 "$S"
chmod 0777 "$S"
check_rc 2 "a state dir every user may write is refused" -- env JOBFIX_STATE_DIR="$S" "$JOBFIX" -c "$CONF" status
like "$OUT" "writable by every user \\(mode 0777\\)" "saying so"
chmod 0700 "$S"
chmod 0775 "$T/untrusted"
check_rc 2 "a group-writable directory above it is refused" -- env JOBFIX_STATE_DIR="$S" "$JOBFIX" -c "$CONF" status
like "$OUT" "\"$T/untrusted\" is writable by its group" "naming that directory"
chmod 0755 "$T/untrusted"
check "a state dir owned by root, 0700, under /tmp (sticky) is used" -- env JOBFIX_STATE_DIR="$S" "$JOBFIX" -c "$CONF" status

# ---------------------------------------------------------------- no links
echo "victim" >"$T/victim"
ln -s "$T/victim" "$JOBFIX_STATE_DIR/maintenance"
check_fail "pause through a planted link fails" -- run pause "upgrade"
like "$OUT" "symbolic link" "saying it is a link"
is "$(cat "$T/victim")" victim "the link's target is untouched"
rm -f "$JOBFIX_STATE_DIR/maintenance"
mkdir -p "$T/elsewhere"
ln -s "$T/elsewhere" "$JOBFIX_STATE_DIR/backups"
site_conf_set "$SITE" ijobs.amqp.username admin
check_fail "a run with backups/ a link" -- run --yes run rabbitmq-credentials
is "$(find "$T/elsewhere" -type f | wc -l)" 0 "writes nothing through the link"
is "$(find "$T/elsewhere" -mindepth 1 | wc -l)" 0 "and makes no directory through it"
rm -f "$JOBFIX_STATE_DIR/backups"
mkdir "$JOBFIX_STATE_DIR/backups"
chown 65534 "$JOBFIX_STATE_DIR/backups"
check_fail "a run with backups/ owned by another user" -- run --yes run rabbitmq-credentials
like "$OUT" "backups\" is owned by uid 65534" "is refused, naming the directory and its owner"
is "$(find "$JOBFIX_STATE_DIR/backups" -mindepth 1 | wc -l)" 0 "and nothing is put in it"
rmdir "$JOBFIX_STATE_DIR/backups"
run reset rabbitmq-credentials >/dev/null 2>&1

# ---------------------------------------------------------------- audit log
: >"$T/other-audit.log"
chown 65534 "$T/other-audit.log"
check "pause with another user's audit log" -- env JOBFIX_AUDIT_LOG="$T/other-audit.log" "$JOBFIX" -c "$CONF" pause x
like "$OUT" "owned by uid 65534, not by the running user \\(uid 0\\): refusing to use it" "refuses that log, saying whose it is"
run resume >/dev/null 2>&1
is "$(stat -c %s "$T/other-audit.log")" 0 "nothing appended to it"
# an audit log in a directory every user may write (no sticky bit), or
# with a second name (a hard link to another file): refused, nothing
# appended, and what is wrong is named
mkdir -m 0777 "$T/open"
check "pause with the audit log in a 0777 directory" -- env JOBFIX_AUDIT_LOG="$T/open/audit.log" "$JOBFIX" -c "$CONF" pause x
like "$OUT" "audit log directory \"$T/open\": \"$T/open\" is writable by every user \\(mode 0777\\): refusing to use it" "names the directory and its mode"
[ ! -e "$T/open/audit.log" ]
ok $? "no audit log was made there"
run resume >/dev/null 2>&1
mkdir -m 0700 "$T/al"
printf 'not a record\n' >"$T/victim"
ln "$T/victim" "$T/al/audit.log"
check "pause with an audit log that has two names" -- env JOBFIX_AUDIT_LOG="$T/al/audit.log" "$JOBFIX" -c "$CONF" pause x
like "$OUT" "audit log \"$T/al/audit.log\": it has 2 names \\(hard links\\): refusing to use it" "refuses it, saying why"
is "$(cat "$T/victim")" "not a record" "nothing appended to the other name's file"
run resume >/dev/null 2>&1


# ---------------------------------------------------------------- pause
check "pause with a secret in its reason" -- run pause "rotating $SECRET today"
! grep -qF "$SECRET" "$JOBFIX_STATE_DIR/maintenance"
ok $? "the flag file (0644) does not hold the secret"
like "$(cat "$JOBFIX_STATE_DIR/maintenance")" 'rotating \*\*\*\*\*\* today' "it is masked"
! grep -qF "$SECRET" "$JOBFIX_AUDIT_LOG"
ok $? "nor does the audit log"
run resume >/dev/null 2>&1

# ---------------------------------------------------------------- litter
# a run killed between its temp file and the rename: the temp file stays,
# holding the new content; the next run removes it, however young it is
site_conf_set "$SITE" ijobs.amqp.username admin
printf "%s\n" "$SITE/etc/job.conf" >"$JOBFIX_STATE_DIR/pending-writes"
printf 'ijobs.amqp.password=%s\n' "$SECRET" >"$SITE/etc/.job.conf.jobfix-AbC123"
touch "$SITE/etc/.other.conf.jobfix-ZzZ999"
check_rc 0 "the next run" -- run --yes run rabbitmq-credentials
[ ! -e "$SITE/etc/.job.conf.jobfix-AbC123" ]
ok $? "removes the temp file of the crashed run (a second old)"
[ -e "$SITE/etc/.other.conf.jobfix-ZzZ999" ]
ok $? "and leaves a temp file of a target it was not writing"
[ ! -e "$JOBFIX_STATE_DIR/pending-writes" ]
ok $? "the list of pending writes is empty after the run"

# ---------------------------------------------------------------- relative -r
site_conf_set "$SITE" ijobs.amqp.username admin
rel=$(cd "$T" && pwd)
check_rc 0 "a relative -r" -- sh -c "cd '$T' && '$JOBFIX' -c '$CONF' --no-color -r site --yes run rabbitmq-credentials"
unlike "$OUT" "not an absolute path" "restarts work"
like "$(tail -n 3 "$SITE/job-restarts.log")" restart "Job was restarted"
python3 - "$JOBFIX_AUDIT_LOG" "$rel/site" <<'EOF'
import json, sys
files = [json.loads(l).get("file", "") for l in open(sys.argv[1])]
files = [f for f in files if f]
bad = [f for f in files if not f.startswith(sys.argv[2] + "/")]
sys.exit(1 if not files or bad else 0)
EOF
ok $? "the audit records name absolute paths"

# ---------------------------------------------------------------- expansion
# ${...} that doubles at every level: bounded, and named
bomb() {
	{
		printf 'playbook_dirs = [ ];\nsite: {\n'
		printf '  log_dir = "%s";\n' "$(printf '${site.cert_dir}%.0s' $(seq 16))"
		printf '  cert_dir = "%s";\n' "$(printf '${site.mycnf}%.0s' $(seq 16))"
		printf '  mycnf = "%s";\n' "$(printf '${site.job_sh}%.0s' $(seq 16))"
		printf '  job_sh = "%s";\n' "$(printf '${site.job_sh_alt}%.0s' $(seq 16))"
		printf '  job_sh_alt = "%s";\n' "$(printf '${site.agent_dir}%.0s' $(seq 16))"
		printf '  agent_dir = "%s";\n' "$(printf '${site.host_name}%.0s' $(seq 16))"
		printf '  host_name = "%s";\n};\n' "$1"
	} >"$2"
}
bomb AAAAAAAAAAAAAAAA "$T/bomb.conf"
check_rc 2 "a jobfix.conf whose \${...} grows exponentially" -- timeout 60 "$JOBFIX" -c "$T/bomb.conf" config
like "$OUT" "bomb.conf:3: setting \"site.log_dir\": \\\$\{...\} expands to more than 65536 bytes" "is refused, naming file, line and setting"
bomb "" "$T/bomb2.conf"
check_rc 2 "one of empty references that multiply" -- timeout 60 "$JOBFIX" -c "$T/bomb2.conf" config
like "$OUT" "more than 65536 references" "is refused too"
line=$(printf 'site.job_sh=%s' "$(printf '${site.job_sh_alt}%.0s' $(seq 16))")
for k in job_sh_alt:agent_dir agent_dir:host_name; do
	line="$line site.${k%%:*}=$(printf "\${site.${k#*:}}%.0s" $(seq 16))"
done
line="$line site.host_name=$(printf 'A%.0s' $(seq 64)) agent.gsectl=$(printf '${site.job_sh}%.0s' $(seq 16))"
printf '# hosts\n127.0.0.1:1 %s\n' "$line" >"$T/bomb.inv"
check_rc 2 "an inventory line whose settings grow exponentially" -- timeout 60 "$JOBFIX" -c "$CONF" fleet -i "$T/bomb.inv" diagnose
like "$OUT" "bomb.inv:2: host 127.0.0.1:1: setting \"" "is refused, naming the line and the setting"

# a setting that refers back to itself is not taken literally as a path
printf 'playbook_dirs = [ ];\nsite: {\n  job_conf = "${site.mycnf}";\n  mycnf = "${site.job_conf}";\n};\n' >"$T/cycle.conf"
check_rc 2 "a jobfix.conf whose \${...} refer to each other" -- "$JOBFIX" -c "$T/cycle.conf" config
like "$OUT" "cycle.conf:3: setting \"site.job_conf\": \\\$\{...\} refers back to itself" "is refused, naming file, line and setting"

done_testing
