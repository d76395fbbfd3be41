#!/bin/bash
# 17-core-secrets: where a secret may and may not go.  A secret is never
# written into a file more readable than the one it came from (a 0644
# template of a 0640 job.conf); the templates edited are those beside the
# root given (-r on a copy never edits /data/src).
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3
require_cmd getfacl
require_cmd setfacl
# who may read a file depends on the directories above it too: the test's
# files must be reachable by others, as a site's are
chmod 0755 "$T"
d=$T
while d=${d%/*}; [ -n "$d" ]; do
	[ $(( 0$(stat -c %a "$d") & 1 )) -eq 1 ] ||
		skip_all "$d cannot be searched by others (TMPDIR)"
done

SECRET=Sekr3t-Value-41e9
AMQPPW=Wrong-Amqp-Pw-77
make_site "$T/copy/bkce" ijobs.amqp.username=admin ijobs.amqp.password=$AMQPPW \
	app.secret=$SECRET
chmod 0640 "$SITE/etc/job.conf"
TPLDIR=$T/copy/src/job/support-files/templates
TPL="$TPLDIR/#etc#job.conf"
mkdir -p "$TPLDIR"
# the template renders app.secret from a placeholder; it holds no secret yet
sed "s/^app.secret=.*/app.secret=__APP_SECRET__/" "$SITE/etc/job.conf" >"$TPL"
chmod 0644 "$TPL"
cp "$TPL" "$T/tpl.orig"

CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
playbook_dirs = [ ];
unattended: { max_runs = 1000; };
probes: { network = false; only = [ "job" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
EOF
ALL_OUT=$T/all-output
: >"$ALL_OUT"
run() { "$JOBFIX" -c "$CONF" --no-color "$@"; }

# ---------------------------------------------------------------- templates
check_rc 1 "dry run against a copy (-r), site.templates_dir not set" -- run -r "$SITE" --dry-run
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "in the template $TPL" "the copy's template is planned (the src beside the root)"
unlike "$OUT" "/data/src" "nothing under /data/src"

tpl_before=$(cat "$TPL")
check_rc 0 "fix aligns the credentials" -- run -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
grep -q "^ijobs.amqp.password=$SECRET\$" "$SITE/etc/job.conf"
ok $? "job.conf (0640) gets the secret"
! grep -qF "$SECRET" "$TPL"
ok $? "the 0644 template does not"
is "$(stat -c %a "$TPL")" 644 "the template's mode is left as it was"
like "$OUT" "is readable by someone $SITE/etc/job.conf \\(mode 0640, owner 0, group 0\\), where the secret comes from, keeps out" "the report says why"
like "$OUT" "chmod 0640 $TPL" "and what to do"

# the same mode is not enough: the template of another group (0640), or
# of another user (0600), is read by someone job.conf (0640 root:root)
# keeps out; each is refused too, as the 0644 one
for who in "root:nogroup 0640" "nobody:root 0600"; do
	site_conf_set "$SITE" ijobs.amqp.password "$AMQPPW"
	chmod 0640 "$SITE/etc/job.conf"
	cp "$T/tpl.orig" "$TPL"
	chown "${who% *}" "$TPL"
	chmod "${who#* }" "$TPL"
	check_rc 0 "fix with a ${who#* } template owned by ${who% *}" -- run -r "$SITE" --yes run rabbitmq-credentials
	echo "$OUT" >>"$ALL_OUT"
	! grep -qF "$SECRET" "$TPL"
	ok $? "the ${who#* } template of ${who% *} does not get the secret"
	like "$OUT" "keeps out" "and the report says why (${who})"
done
chown root:root "$TPL"

# a 0644 job.conf behind a 0700 etc/ is read by root alone: a 0644
# template in an open directory would give the secret away
site_conf_set "$SITE" ijobs.amqp.password "$AMQPPW"
chmod 0644 "$SITE/etc/job.conf"
chmod 0700 "$SITE/etc"
cp "$T/tpl.orig" "$TPL"
chmod 0644 "$TPL"
check_rc 0 "fix with job.conf in a 0700 directory" -- run -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
! grep -qF "$SECRET" "$TPL"
ok $? "the template in an open directory does not get the secret"
like "$OUT" "behind directories others cannot search" "the report says why"
chmod 0755 "$SITE/etc"

# an ACL entry on the template that job.conf lacks: refused too
site_conf_set "$SITE" ijobs.amqp.password "$AMQPPW"
chmod 0640 "$SITE/etc/job.conf"
cp "$T/tpl.orig" "$TPL"
chmod 0640 "$TPL"
setfacl -m u:nobody:r "$TPL"
check_rc 0 "fix with a 0640 template nobody may read through its ACL" -- run -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
! grep -qF "$SECRET" "$TPL"
ok $? "the template with the ACL entry does not get the secret"
like "$OUT" "lets user:nobody:r-- read it through its ACL" "the report names the entry"
setfacl -b "$TPL"

# who can read through ACLs and directories is judged strictly: each of
# these lets nobody read the template but not job.conf, and is refused
tpl_case() {	# NAME JOBCONF-MODE TEMPLATE-MODE SETUP...
	local name=$1 jm=$2 tm=$3
	shift 3
	site_conf_set "$SITE" ijobs.amqp.password "$AMQPPW"
	chmod "$jm" "$SITE/etc/job.conf"
	cp "$T/tpl.orig" "$TPL"
	chmod "$tm" "$TPL"
	"$@"
	check_rc 0 "fix: $name" -- run -r "$SITE" --yes run rabbitmq-credentials
	echo "$OUT" >>"$ALL_OUT"
	! grep -qF "$SECRET" "$TPL"
	ok $? "$name: the template does not get the secret"
	setfacl -b "$SITE/etc/job.conf" "$TPL" "$TPLDIR"
	chmod 0755 "$TPLDIR"
	chown root:root "$TPL" "$TPLDIR"
}
tpl_case "job.conf's ACL keeps nobody out" 0644 0644 setfacl -m u:nobody:--- "$SITE/etc/job.conf"
tpl_case "an ACL on the template's directory lets nobody in" 0640 0644 \
	sh -c "chmod 0700 '$TPLDIR' && setfacl -m u:nobody:rx '$TPLDIR'"
tpl_case "the template's ACL, its directory open to others" 0640 0640 \
	sh -c "setfacl -m u:nobody:r '$TPL' && chmod 0701 '$TPLDIR'"
tpl_case "a template nobody owns, mode 0000" 0640 0000 chown nobody "$TPL"
tpl_case "the template's directory owned by nobody" 0640 0640 chown nobody "$TPLDIR"
like "$OUT" "which uid $(id -u nobody) owns and can open to anyone" "the report names the directory's owner"

# a rewritten file keeps its own ACL and takes none from its directory's
# default ACL
site_conf_set "$SITE" ijobs.amqp.password "$AMQPPW"
chmod 0640 "$SITE/etc/job.conf"
setfacl -m u:daemon:r "$SITE/etc/job.conf"
setfacl -d -m u:nobody:r "$SITE/etc"
cp "$T/tpl.orig" "$TPL"
chmod 0640 "$TPL"
check_rc 0 "fix in a directory with a default ACL" -- run -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
grep -q "^ijobs.amqp.password=$SECRET\$" "$SITE/etc/job.conf"
ok $? "job.conf was rewritten"
acl=$(getfacl -c -p "$SITE/etc/job.conf" 2>/dev/null)
like "$acl" "user:daemon:r--" "the rewritten job.conf keeps its own ACL entry"
unlike "$acl" "user:nobody" "and takes none from the directory's default ACL"
setfacl -b "$SITE/etc/job.conf"
setfacl -k "$SITE/etc"

# ---------------------------------------------------------------- leaks
# a secret continued on the next line: no part of it in diff context
make_site "$T/cont" ijobs.amqp.username=admin
site_conf_set "$SITE" app.secret ""
printf 'app.secret=Sekr3t-\\\n    Cont1nued-Half\n' >>"$SITE/etc/job.conf"
sed -i '/^bk.paas.host=/d' "$SITE/etc/job.conf"
printf 'bk.paas.host=http://admin:Url-Passw0rd@127.0.0.1:80/\n' >>"$SITE/etc/job.conf"
check_rc 1 "dry run on a site with a continued secret" -- run -r "$SITE" --dry-run
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "app.secret=" "the diff shows the secret's line as context"
unlike "$OUT" "Cont1nued" "but not the second half of the secret"
check_rc 1 "facts" -- run -r "$SITE" facts
echo "$OUT" >>"$ALL_OUT"
like "$OUT" 'http://\*\*\*\*\*\*@127.0.0.1' "facts mask the userinfo of a URL"
check_rc 1 "diagnose" -- run -r "$SITE" diagnose
echo "$OUT" >>"$ALL_OUT"
! grep -qF -- "Url-Passw0rd" "$ALL_OUT"
ok $? "the password in a URL appears in no output"

# no secret reaches an argv, whatever brings it there: a URL with a
# password in a playbook's command, a password in a jobfix.conf command
mkdir -p "$T/pbs"
cat >"$T/pbs/url.conf" <<'EOF'
name = "rabbitmq-credentials";
fixes = [ "wait.rabbitmq.creds" ];
summary = "puts a URL with a password in argv";
steps = (
  { type = "command"; argv = [ "/usr/bin/touch", "${site.root}/ran-url", "${jobconf.bk.paas.host}" ]; },
  { type = "service"; service = "job"; action = "restart"; }
);
EOF
cat >"$T/secrets.conf" <<EOF
playbook_dirs = [ "$T/pbs" ];
unattended: { max_runs = 1000; };
probes: { network = false; only = [ "job" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
commands: { job_restart = [ "/usr/bin/touch", "$SITE/ran-restart", "\${jobconf.app.secret}" ]; };
EOF
check_rc 3 "a URL with a password in a command's argv: the step is refused" -- "$JOBFIX" -c "$T/secrets.conf" --no-color -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
[ ! -e "$SITE/ran-url" ]
ok $? "the command was not run"
like "$OUT" 'argv\[2\] .*holds a secret, which /proc shows to every user' "the refusal says why"
sed -i '/ran-url/d' "$T/pbs/url.conf"
check_rc 3 "a secret in commands.job_restart: the restart is refused" -- "$JOBFIX" -c "$T/secrets.conf" --no-color -r "$SITE" --yes --allow-restart run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
[ ! -e "$SITE/ran-restart" ]
ok $? "the restart was not run with the secret in its argv"
like "$OUT" 'holds a secret' "and says why"
# a jobfix.conf setting with a password in a URL, put in an argv
cat >"$T/pbs/url.conf" <<'EOF'
name = "rabbitmq-credentials";
fixes = [ "wait.rabbitmq.creds" ];
summary = "puts a setting's URL with a password in argv";
steps = (
  { type = "command"; argv = [ "/usr/bin/touch", "${site.root}/ran-conf", "${mysql.log_schema}" ]; }
);
EOF
printf 'mysql: { log_schema = "http://u:CfgPw-K2@h/"; };\n' >>"$T/secrets.conf"
check_rc 3 "a jobfix.conf URL with a password in argv: refused" -- "$JOBFIX" -c "$T/secrets.conf" --no-color -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
[ ! -e "$SITE/ran-conf" ]
ok $? "the command with the setting's password was not run"
! grep -qF -- "CfgPw-K2" "$ALL_OUT"
ok $? "the setting's password is in no output"

# a password written straight into a URL of an argv, in a playbook or in
# a jobfix.conf command: refused all the same (the password holds '/')
cat >"$T/pbs/url.conf" <<'EOF'
name = "rabbitmq-credentials";
fixes = [ "wait.rabbitmq.creds" ];
summary = "puts a literal URL with a password in argv";
steps = (
  { type = "command"; argv = [ "/usr/bin/touch", "${site.root}/ran-lit", "http://u:Lit-Pw/7@h/" ]; }
);
EOF
check_rc 3 "a literal URL with a password in a playbook's argv: refused" -- "$JOBFIX" -c "$T/secrets.conf" --no-color -r "$SITE" --yes run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
[ ! -e "$SITE/ran-lit" ]
ok $? "the command with the literal password was not run"
like "$OUT" 'argv\[2\] .*holds a secret' "the refusal names the argument"
cat >"$T/pbs/url.conf" <<'EOF'
name = "rabbitmq-credentials";
fixes = [ "wait.rabbitmq.creds" ];
summary = "restarts Job";
steps = ( { type = "service"; service = "job"; action = "restart"; } );
EOF
sed 's|^commands: .*|commands: { job_restart = [ "/usr/bin/touch", "'"$SITE"'/ran-lit-cmd", "http://admin:CmdPw-9#x@h/" ]; };|' "$T/secrets.conf" >"$T/literal.conf"
check_rc 3 "a literal URL password in commands.job_restart: refused" -- "$JOBFIX" -c "$T/literal.conf" --no-color -r "$SITE" --yes --allow-restart run rabbitmq-credentials
echo "$OUT" >>"$ALL_OUT"
[ ! -e "$SITE/ran-lit-cmd" ]
ok $? "the restart with the literal password was not run"
like "$OUT" 'holds a secret' "and says why"
! grep -qF -e "Lit-Pw" -e "CmdPw-9" "$ALL_OUT"
ok $? "the literal passwords are in no output"

# passwords operators write unescaped, and JDBC's ?password=: masked
printf 'job.jdbc.url=jdbc:mysql://db:3306/job?user=job&password=Jdbc-Pw-5&useSSL=false\n' >>"$SITE/etc/job.conf"
printf 'job.mq.url=amqp://bk_job:Sl/ash#Pw@mq:5672/bk_job\n' >>"$SITE/etc/job.conf"
check_rc 1 "facts with a JDBC password and a password holding / and #" -- "$JOBFIX" -c "$T/secrets.conf" -v -r "$SITE" facts
echo "$OUT" >>"$ALL_OUT"
like "$OUT" 'password=\*\*\*\*\*\*&useSSL=false' "a JDBC ?password= is masked, the rest of the URL shown"
like "$OUT" 'amqp://\*\*\*\*\*\*@mq:5672' "a userinfo whose password holds / and # is masked whole"
! grep -qF -e "Jdbc-Pw-5" -e "Sl/ash" -e "ash#Pw" "$ALL_OUT"
ok $? "neither password appears in any output"

# a pause reason that holds the URL's password: masked in the flag file
# (0644) and in the audit log
check_rc 0 "pause with a password in the reason" -- "$JOBFIX" -c "$T/secrets.conf" -r "$SITE" pause "see Url-Passw0rd"
! grep -rqF -- "Url-Passw0rd" "$JOBFIX_STATE_DIR" "$JOBFIX_AUDIT_LOG"
ok $? "the URL's password is not in the maintenance flag nor the audit log"
"$JOBFIX" -c "$T/secrets.conf" -r "$SITE" resume >/dev/null 2>&1

# a password key named through keys.* is a secret, whatever its name
printf 'ijobs.amqp.pass=Amqp-Pass-Q9x\n' >>"$SITE/etc/job.conf"
printf 'keys: { amqp_password = "ijobs.amqp.pass"; };\n' >>"$T/secrets.conf"
check_rc 1 "facts with a renamed password key" -- "$JOBFIX" -c "$T/secrets.conf" -v -r "$SITE" facts
echo "$OUT" >>"$ALL_OUT"
unlike "$OUT" "Amqp-Pass-Q9x" "the value of the key keys.amqp_password names is masked"

# a secret in a command's argv is refused by playbooks check
cat >"$T/argv.conf" <<'EOF'
name = "secret-in-argv";
fixes = [ "wait.rabbitmq.creds" ];
summary = "puts a secret where /proc shows it";
steps = (
  { type = "command"; argv = [ "/usr/bin/printf", "%s", "${jobconf.app.secret}" ]; }
);
EOF
check_rc 2 "playbooks check refuses a secret fact in argv" -- run playbooks check "$T/argv.conf"
like "$OUT" 'argv\[2\] holds \$\{jobconf.app.secret\}, a secret' "naming the argument"
like "$OUT" 'pass it on stdin' "and where it belongs"

! grep -qF -- "$SECRET" "$ALL_OUT"
ok $? "the secret appears in no output"

done_testing
