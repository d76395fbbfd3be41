#!/bin/bash
# 10-core-fix: the core flow on a sandbox site with the faults of the core
# issue: diagnose finds exactly them, a dry run changes no byte and no mtime,
# fix repairs them (my_print_defaults reads event_scheduler=ON), a second fix
# is a no-op, no secret reaches any output or file name, a failed verify is
# undone, the lock holds off a second run.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd my_print_defaults python3 flock sha256sum

SECRET=Sekr3t-Value-41e9
AMQPPW=Wrong-Amqp-Pw-77
make_site "$T/site" ijobs.amqp.username=admin ijobs.amqp.password=$AMQPPW \
	app.secret=$SECRET
# the faults: no event scheduler (an include turns it OFF), a partition
# error, a console that goes nowhere while Job has been silent for a day
sed -i '/event_scheduler/d' "$SITE/etc/my.cnf"
mkdir -p "$SITE/etc/conf.d"
printf '[mysqld]\nevent-scheduler = OFF\n' >"$SITE/etc/conf.d/tune.cnf"
printf '!includedir %s/etc/conf.d\n' "$SITE" >>"$SITE/etc/my.cnf"
printf 'java.sql.SQLException: Table has no partition for value 738846\n' \
	>>"$SITE/logs/job/error.log"
touch -d '2 days ago' "$SITE/logs/job/job.log"

CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
probes: { network = false; only = [ "job", "logs" ]; };  # the core alone
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 500; };
EOF
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
findings() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted(f["fault"] for f in d["findings"])))'; }

# every byte and mtime of the site (the state dir is elsewhere: $T/state)
snapshot() { (cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 stat -c '%n %s %Y %a' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
ALL_OUT=$T/all-output
: >"$ALL_OUT"

check_rc 1 "diagnose finds faults" -- jf --json diagnose
echo "$OUT" >>"$ALL_OUT"
is "$(echo "$OUT" | findings)" "nolog.partition start.nolog wait.rabbitmq.creds" \
	"diagnose: exactly the three faults"

before=$(snapshot)
check_rc 1 "dry run has work to do" -- jf --dry-run
echo "$OUT" >>"$ALL_OUT"
is "$(snapshot)" "$before" "dry run changed no byte and no mtime in the site"
like "$OUT" "$(tre 'would change')" "dry run says what would change"
like "$OUT" '\+event-scheduler = ON' "dry run shows the my.cnf diff"
like "$OUT" "\\\$ $SITE/job/job/bin/job.sh restart" "dry run shows the exact argv"
like "$OUT" 'ijobs\.amqp\.password=\*\*\*\*\*\*' "dry run masks the password in the diff"
unlike "$OUT" "$(tre 'skipped')" "dry run reports nothing as skipped"
is "$(wc -l <"$SITE/job-restarts.log")" "0" "dry run restarted nothing"

check_rc 1 "dry run in JSON" -- jf --dry-run --json
echo "$OUT" >>"$ALL_OUT"
is "$(echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["plan"]), d["dry_run"])')" \
	"3 True" "JSON dry run: three playbooks planned"

check_rc 2 "fix without a terminal and without --yes refuses" -- jf fix
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "$(tre 'nothing was changed: no terminal to confirm on; run with --yes to apply the plan above, or --dry-run to only see it')" "and says why"
is "$(snapshot)" "$before" "the refused fix changed nothing"

check_rc 0 "fix --yes repairs everything" -- jf fix --yes
echo "$OUT" >>"$ALL_OUT"
is "$(my_print_defaults --defaults-file="$SITE/etc/my.cnf" mysqld | grep -E 'event[-_]scheduler' | tail -n 1 | tr - _)" \
	"__event_scheduler=ON" "my_print_defaults reads event_scheduler=ON"
like "$(cat "$SITE/etc/job.conf")" "ijobs.amqp.username=bk_job" "username aligned with app.code"
grep -q "^ijobs.amqp.password=$SECRET\$" "$SITE/etc/job.conf"
ok $? "password aligned with app.secret"
like "$(cat "$SITE/job/job/bin/job.sh")" "(^|
)NOHUPLOG=job_jvm_console.log" "NOHUPLOG set"
like "$(cat "$SITE/job/job/bin/job.sh")" "#NOHUPLOG=job_jvm_console.log" "the commented alternative stays"
is "$(grep -c restart "$SITE/job-restarts.log")" "2" "Job restarted by the two playbooks that need it"
is "$(stat -c %a "$SITE/etc/job.conf")" "644" "job.conf keeps its mode"
like "$(ls "$JOBFIX_STATE_DIR"/backups/*/ 2>&1)" "etc_job.conf" "a backup of job.conf was kept"

after=$(snapshot)
restarts=$(wc -l <"$SITE/job-restarts.log")
check_rc 0 "a second fix finds nothing to do" -- jf fix --yes
echo "$OUT" >>"$ALL_OUT"
like "$OUT" "$(tre 'No faults found.')" "and says so"
is "$(snapshot)" "$after" "the second fix changed no byte and no mtime"
is "$(wc -l <"$SITE/job-restarts.log")" "$restarts" "the second fix restarted nothing"
check_rc 0 "diagnose is clean" -- jf diagnose

# secrets: in no output, no file name under the state dir
n=0
for s in "$SECRET" "$AMQPPW"; do
	n=$((n + 1))
	! grep -qF -- "$s" "$ALL_OUT"
	ok $? "secret $n appears in no output"
	! (find "$JOBFIX_STATE_DIR" | grep -qF -- "$s")
	ok $? "secret $n appears in no file name of the state dir"
done

# a failed verify undoes the playbook's changes
mkdir -p "$T/pb"
cat >"$T/pb/bad.conf" <<'EOF'
name = "bad-verify";
fixes = [ "wait.rabbitmq.creds" ];
summary = "edits job.conf, then fails its verify";
steps = (
  { type = "properties_set"; file = "${site.job_conf}"; key = "app.code"; value = "changed"; },
  { type = "verify"; fact = "jobconf.app.code"; equals = "something-else"; }
);
EOF
sed -i '/^playbook_dirs/d' "$CONF"
printf 'playbook_dirs = [ "%s/pb" ];\n' "$T" >>"$CONF"
sum=$(sha256sum <"$SITE/etc/job.conf")
check_rc 3 "a failed verify exits 3" -- jf run bad-verify --yes
like "$OUT" "$(tre 'undone')" "and reports the undo"
is "$(sha256sum <"$SITE/etc/job.conf")" "$sum" "job.conf is back as it was"

# one run at a time
mkdir -p "$JOBFIX_STATE_DIR"
flock "$JOBFIX_STATE_DIR/lock" sleep 5 &
holder=$!
sleep 0.5
check_rc 4 "a second run while the lock is held exits 4" -- jf fix --yes
like "$OUT" "another jobfix run" "and names the lock"
check_rc 0 "a dry run needs no lock" -- jf --dry-run
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

done_testing
