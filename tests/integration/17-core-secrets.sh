#!/bin/bash
# 17-core-secrets: where a secret may and may not go.  A secret is never
# written into a file more readable than the one it came from (a 0644
# template of a 0640 job.conf); the templates edited are those beside the
# root given (-r on a copy never edits /data/src).
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3

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

CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
playbook_dirs = [ ];
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
like "$OUT" "more readable than $SITE/etc/job.conf" "the report says why"
like "$OUT" "chmod 0640 $TPL" "and what to do"

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
