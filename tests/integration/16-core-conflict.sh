#!/bin/bash
# 16-core-conflict: a person's edit made while jobfix runs is never lost.
# jobfix replaces a file only if it still holds what it read (or, undoing,
# what it wrote): on apply, on the rollback after a failed step, on undo.
# The edit is timed into each window for real: an LD_PRELOAD shim holds
# jobfix's rename onto job.conf while the test edits the file, and a
# restart command waits while the test edits the file it just changed.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

SHIM=$top_builddir/tests/shim/rename-delay.so
[ -r "$SHIM" ] || bail "no $SHIM (make check builds it)"
# the shim is built without the sanitizers; an ASan jobfix accepts it
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

make_site "$T/site"
JC=$SITE/etc/job.conf
mkdir -p "$T/pb"
cat >"$T/pb/edit.conf" <<EOF
name = "edit-app-code";
fixes = [ "wait.rabbitmq.creds" ];
summary = "sets app.code in job.conf";
steps = (
  { type = "properties_set"; file = "\${site.job_conf}"; key = "app.code"; value = "planned-by-jobfix"; }
);
EOF
# a restart that takes a while: the test edits job.conf meanwhile; then
# it fails, so jobfix rolls back
cat >"$T/slow-restart" <<EOF
#!/bin/sh
: >"$T/restarting"
i=0
while [ ! -e "$T/edited" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
echo "restart failed" >&2
exit 1
EOF
chmod 0755 "$T/slow-restart"
cat >"$T/pb/edit-restart.conf" <<EOF
name = "edit-then-restart";
fixes = [ "wait.rabbitmq.creds" ];
summary = "sets app.code, then a restart that fails";
steps = (
  { type = "properties_set"; file = "\${site.job_conf}"; key = "app.code"; value = "planned-by-jobfix"; },
  { type = "command"; argv = [ "$T/slow-restart" ]; timeout_ms = 60000; }
);
EOF
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ "$T/pb" ];
probes: { network = false; only = [ "job" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
EOF
sum() { sha256sum <"$1" | cut -c1-64; }
# The copy of planned content the last output names (run ids made in the
# same second do not sort in the order they were made).
planned_copy() { printf '%s\n' "$OUT" | grep -o "$JOBFIX_STATE_DIR/backups/[^ ]*\.planned" | tail -n 1; }

# ---------------------------------------------------------------- apply
# jobfix read job.conf; the person's edit lands right before the rename
read_sum=$(sum "$JC")
(
	export LD_PRELOAD=$SHIM JF_RENAME_DELAY_NAME=job.conf \
		JF_RENAME_DELAY_READY=$T/held1 JF_RENAME_DELAY_GO=$T/go1
	"$JOBFIX" -c "$CONF" --no-color run edit-app-code --yes >"$T/out1" 2>&1
	echo $? >"$T/rc1"
) &
wait_for 60 "" test -e "$T/held1"
ok $? "apply: jobfix holds its rename onto job.conf"
echo 'person.edit=during-apply' >>"$JC"
person_sum=$(sum "$JC")
: >"$T/go1"
wait
OUT=$(cat "$T/out1")
diag "$OUT"
is "$(cat "$T/rc1")" 3 "apply: the playbook stops (exit 3: failed, nothing left changed)"
grep -q '^person.edit=during-apply$' "$JC"
ok $? "apply: the person's edit is kept"
! grep -q 'planned-by-jobfix' "$JC"
ok $? "apply: jobfix's content did not replace it"
like "$OUT" 'changed by someone else' "apply: the conflict is reported"
like "$OUT" "sha256 now $person_sum" "apply: naming the hash of the person's version"
like "$OUT" "jobfix read $read_sum" "apply: and the hash of what jobfix read"
saved=$(planned_copy)
like "$OUT" "would have written is in $saved" "apply: and where the planned content is"
grep -q '^app.code=planned-by-jobfix$' "$saved" 2>/dev/null
ok $? "apply: the planned content was saved there"
is "$(stat -c %a "$saved" 2>/dev/null)" 600 "apply: readable by its owner only"
is "$(find "$SITE/etc" -name '.*jobfix-*' | wc -l)" 0 "apply: no temp file left"

# ---------------------------------------------------------------- rollback
# jobfix changed job.conf; during the restart the person edits it; the
# restart fails and the rollback must not put the pre-run content back
sed -i '/^person.edit=/d' "$JC"
rm -f "$T/restarting" "$T/edited"
"$JOBFIX" -c "$CONF" --no-color run edit-then-restart --yes >"$T/out2" 2>&1 &
pid=$!
wait_for 60 "" test -e "$T/restarting"
ok $? "rollback: the restart is under way"
grep -q '^app.code=planned-by-jobfix$' "$JC"
ok $? "rollback: jobfix changed job.conf before the restart"
wrote_sum=$(sum "$JC")
echo 'person.edit=during-restart' >>"$JC"
person_sum=$(sum "$JC")
: >"$T/edited"
wait "$pid"
rc=$?
OUT=$(cat "$T/out2")
diag "$OUT"
is "$rc" 5 "rollback: exit 5 (a fix failed and could not be fully undone)"
grep -q '^person.edit=during-restart$' "$JC"
ok $? "rollback: the person's edit is kept"
like "$OUT" 'not undone: .*job.conf" was changed by someone else' "rollback: says it kept the changed file"
like "$OUT" "sha256 now $person_sum, jobfix wrote $wrote_sum" "rollback: naming both hashes"
saved=$(planned_copy)
grep -q '^app.code=bk_job$' "$saved" 2>/dev/null
ok $? "rollback: the content it would have put back is saved ($saved)"

# ---------------------------------------------------------------- undo
# a run that worked; undo checks the hash, then the person edits right
# before undo's rename
sed -i '/^person.edit=/d' "$JC"
site_conf_set "$SITE" app.code bk_job
"$JOBFIX" -c "$CONF" --no-color run edit-app-code --yes >"$T/out3" 2>&1
rc=$?
[ "$rc" -le 1 ] && grep -q '^app.code=planned-by-jobfix$' "$JC"
ok $? "undo: a run that changes job.conf (exit $rc)"
run_id=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("event") == "applied": i = r["run_id"]
print(i)' "$JOBFIX_AUDIT_LOG")
wrote_sum=$(sum "$JC")
(
	export LD_PRELOAD=$SHIM JF_RENAME_DELAY_NAME=job.conf \
		JF_RENAME_DELAY_READY=$T/held3 JF_RENAME_DELAY_GO=$T/go3
	"$JOBFIX" -c "$CONF" --no-color undo "$run_id" >"$T/out4" 2>&1
	echo $? >"$T/rc4"
) &
wait_for 60 "" test -e "$T/held3"
ok $? "undo: holds its rename onto job.conf"
echo 'person.edit=during-undo' >>"$JC"
person_sum=$(sum "$JC")
: >"$T/go3"
wait
OUT=$(cat "$T/out4")
diag "$OUT"
is "$(cat "$T/rc4")" 5 "undo: refused (exit 5: not fully undone)"
grep -q '^person.edit=during-undo$' "$JC"
ok $? "undo: the person's edit is kept"
grep -q '^app.code=planned-by-jobfix$' "$JC"
ok $? "undo: nothing was put back over it"
like "$OUT" "sha256 now $person_sum" "undo: naming the person's version"
like "$OUT" "$wrote_sum" "undo: and what the run had left"
is "$(find "$SITE/etc" -name '.*jobfix-*' | wc -l)" 0 "no temp file left"

done_testing
