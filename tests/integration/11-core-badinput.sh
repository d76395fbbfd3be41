#!/bin/bash
# 11-core-badinput: bad input gets a clear message naming the file and line
# (or the thing), the documented exit code, and nothing is changed.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

make_site "$T/site" ijobs.amqp.username=admin
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
probes: { network = false; only = [ "job", "logs" ]; };  # the core alone
EOF
snapshot() { (cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 stat -c '%n %s %Y' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(snapshot)

# --- jobfix.conf ---------------------------------------------------------
check_rc 2 "a missing -c file is a usage error" -- "$JOBFIX" -c "$T/nope.conf" diagnose
like "$OUT" "$T/nope.conf" "and names the file"
# pause and resume set this machine's flag, which holds every host: not -H
for c in pause resume; do
	check_rc 2 "$c -H is refused" -- env JOBFIX_STATE_DIR="$T/st-$c" "$JOBFIX" -H example.invalid $c
	like "$OUT" "$c -H example.invalid.*jobfix $c" "$c -H: names the command, the host and where to run it"
	[ ! -e "$T/st-$c" ]
	ok $? "$c -H: no state was made"
done
printf 'site: { root = "%s"; \n  this is not libconfig\n' "$SITE" >"$T/garbage.conf"
check_rc 2 "a garbage jobfix.conf" -- "$JOBFIX" -c "$T/garbage.conf" fix --yes
like "$OUT" "$T/garbage.conf:2" "names the file and line"
printf 'site: { root = "%s"; };\nstate_dri = "/tmp/x";\n' "$SITE" >"$T/typo.conf"
check_rc 2 "an unknown setting" -- "$JOBFIX" -c "$T/typo.conf" fix --yes
like "$OUT" "typo.conf:2: unknown setting \"state_dri\"" "names file, line and setting"
printf 'probes: { deadline_ms = "soon"; };\n' >"$T/type.conf"
check_rc 2 "a setting of the wrong type" -- "$JOBFIX" -c "$T/type.conf" diagnose
like "$OUT" "type.conf:1: \"probes.deadline_ms\" takes a number" "says what it takes"
: >"$T/empty.conf"
check_rc 1 "an empty jobfix.conf means defaults (site missing: findings only)" -- \
	"$JOBFIX" -c "$T/empty.conf" -r "$SITE" diagnose
printf 'a\0b' >"$T/binary.conf"
check_rc 2 "a binary jobfix.conf" -- "$JOBFIX" -c "$T/binary.conf" diagnose
like "$OUT" "binary" "is called binary"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$T/huge.conf"
check_rc 2 "a huge jobfix.conf" -- "$JOBFIX" -c "$T/huge.conf" diagnose
like "$OUT" "huge.conf.*limit" "names the size limit"
check_rc 2 "a directory as jobfix.conf" -- "$JOBFIX" -c "$T" diagnose
check_rc 2 "an unknown command" -- "$JOBFIX" frobnicate
check_rc 2 "an unknown option" -- "$JOBFIX" --frobnicate
check_rc 2 "--wait wants seconds" -- "$JOBFIX" --wait soon diagnose
is "$(snapshot)" "$before" "no bad configuration changed anything"

# --- playbooks -----------------------------------------------------------
mkdir -p "$T/pb"
pbcheck() { printf '%s\n' "$2" >"$T/pb/$1.conf"; check_rc 2 "playbooks check: $1" -- "$JOBFIX" playbooks check "$T/pb/$1.conf"; like "$OUT" "$3" "$1: $3"; }
pbcheck syntax 'name = "x"; summary = "s"; fixes = [ "start.nolog" ]; steps = ( { type = "note"; text = "t" } ' "syntax.conf:[0-9]+:"
pbcheck nofix 'name = "x"; summary = "s"; fixes = [ "no.such.fault" ]; steps = ();' 'no.such.fault" is not a fault ID'
pbcheck steptype 'name = "x"; summary = "s"; fixes = [ "start.nolog" ];
steps = ( { type = "teleport"; } );' 'steptype.conf:2: step 1: unknown step type "teleport"'
pbcheck param 'name = "x"; summary = "s"; fixes = [ "start.nolog" ];
steps = ( { type = "shell_var"; file = "/x"; name = "A"; } );' 'missing parameter "value"'
pbcheck unknownparam 'name = "x"; summary = "s"; fixes = [ "start.nolog" ];
steps = ( { type = "note"; text = "t"; colour = "red"; } );' 'unknown parameter "colour"'
pbcheck match 'name = "x"; summary = "s"; fixes = [ "start.nolog" ]; match = "a == ";
steps = ();' 'match: column'
pbcheck relative 'name = "x"; summary = "s"; fixes = [ "start.nolog" ];
steps = ( { type = "command"; argv = [ "rm", "-rf", "/" ]; } );' 'absolute path'
# a check runs while planning: SELECT ... INTO OUTFILE would write a file on
# the database host even in a dry run (a READ ONLY transaction allows it)
pbcheck sqlinto 'name = "x"; summary = "s"; fixes = [ "start.nolog" ];
steps = ( { type = "sql"; statement = "SET GLOBAL event_scheduler = ON";
  check = "SELECT @@event_scheduler INTO OUTFILE \x27/tmp/x\x27"; equals = "ON"; } );' 'SELECT or SHOW without INTO'
pbcheck field 'name = "x"; summary = "s"; fixes = [ "start.nolog" ]; stpes = ();' 'unknown field "stpes"'
printf 'name = "ok-one"; summary = "fine"; fixes = [ "start.nolog" ]; steps = ( { type = "note"; text = "hi"; } );\n' >"$T/pb/good.conf"
check_rc 0 "a valid playbook passes check" -- "$JOBFIX" playbooks check "$T/pb/good.conf"
# a broken playbook in a playbook directory stops every run before probing
sed -i "s#^playbook_dirs.*#playbook_dirs = [ \"$T/pb\" ];#" "$CONF"
check_rc 2 "a run with a broken playbook in its directories" -- "$JOBFIX" -c "$CONF" fix --yes
like "$OUT" "$T/pb/" "names the broken file"
sed -i "s#^playbook_dirs.*#playbook_dirs = [ ];#" "$CONF"
is "$(snapshot)" "$before" "no bad playbook changed anything"

# --- the install root ------------------------------------------------------
before=$(snapshot)
check_rc 2 "an install root that does not exist: usage error" -- \
	"$JOBFIX" -c "$CONF" -r "$T/no-such-root" diagnose
like "$OUT" "install root $T/no-such-root does not exist" "names the path"
unlike "$OUT" "start.credentials|job.conf missing" "no finding about job.conf"
mkdir -p "$T/empty-root/etc"
check_rc 2 "an install root without an install: usage error" -- \
	"$JOBFIX" -c "$CONF" -r "$T/empty-root" fix --yes
like "$OUT" "install root $T/empty-root holds no BlueKing install" "names the path"
is "$(ls -A "$T/empty-root/etc")" "" "nothing was made in it"
is "$(snapshot)" "$before" "nothing changed in the site"
# job.conf missing in a real install: the advice has no hole
mv "$SITE/etc/job.conf" "$T/job.conf.away"
check_rc 1 "job.conf missing: a finding" -- "$JOBFIX" -c "$CONF" diagnose
unlike "$OUT" ' \? |\(not known\)|keys  must|\.\.|。。' "no unresolved placeholder, no doubled punctuation"
check_rc 1 "job.conf missing: the JSON report" -- "$JOBFIX" -c "$CONF" --json diagnose
like "$(printf '%s' "$OUT" | python3 -c "$JSON_LOAD"'print(" ".join(f["advice"] for f in d["findings"]))')" \
	"^$SITE/etc/job.conf cannot be used: it does not exist\. Change the template" "the advice says what is wrong"
mv "$T/job.conf.away" "$SITE/etc/job.conf"

# --- the site's own files ------------------------------------------------
cp "$SITE/etc/job.conf" "$T/job.conf.orig"
printf 'app.code=bk_job\0\n' >>"$SITE/etc/job.conf"
check_rc 1 "binary job.conf: diagnose still runs" -- "$JOBFIX" -c "$CONF" --json diagnose
like "$OUT" "jobconf.*binary|NUL" "and says the file is binary"
sum=$(sha256sum <"$SITE/etc/job.conf")
"$JOBFIX" -c "$CONF" fix --yes >/dev/null 2>&1
is "$(sha256sum <"$SITE/etc/job.conf")" "$sum" "fix leaves a binary job.conf alone"
cp "$T/job.conf.orig" "$SITE/etc/job.conf"

mv "$SITE/etc/job.conf" "$T/moved"; mkdir "$SITE/etc/job.conf"
check_rc 1 "a job.conf that is a directory: facts still answers, with a finding" -- "$JOBFIX" -c "$CONF" facts
like "$OUT" "jobconf.status = unreadable" "and calls it unreadable"
rmdir "$SITE/etc/job.conf"; mv "$T/moved" "$SITE/etc/job.conf"

# --- a read-only file system and a full disk: nothing half-written ---------
if mkdir -p "$T/ro" && mount -t tmpfs -o size=1m tmpfs "$T/ro" 2>/dev/null; then
	make_site "$T/ro/site" ijobs.amqp.username=admin
	RO=$SITE
	printf 'site: { root = "%s"; templates_dir = ""; };\nplaybook_dirs = [ ];\nprobes: { network = false; only = [ "job", "logs" ]; };\n' "$RO" >"$T/ro.conf"
	sum=$(sha256sum <"$RO/etc/job.conf")
	mount -o remount,ro "$T/ro"
	check_rc 3 "a read-only file system: the fix fails, nothing changed (exit 3)" -- \
		"$JOBFIX" -c "$T/ro.conf" run rabbitmq-credentials --yes
	like "$OUT" "Read-only file system" "names the cause"
	is "$(sha256sum <"$RO/etc/job.conf")" "$sum" "job.conf untouched"
	mount -o remount,rw "$T/ro"
	# fill the disk, leaving too little for the new job.conf
	dd if=/dev/zero of="$T/ro/fill" bs=1k count=2000 2>/dev/null
	printf '# %s\n' "$(head -c 3000 /dev/zero | tr '\0' y)" >>"$RO/etc/job.conf" 2>/dev/null
	sum=$(sha256sum <"$RO/etc/job.conf")
	check_rc 3 "a full disk: the fix fails, nothing changed (exit 3)" -- \
		"$JOBFIX" -c "$T/ro.conf" run rabbitmq-credentials --yes
	like "$OUT" "No space left on device" "names the cause"
	is "$(sha256sum <"$RO/etc/job.conf")" "$sum" "job.conf untouched"
	is "$(ls -A "$RO/etc" | grep -c jobfix)" "0" "no temporary file left behind"
	umount "$T/ro"
else
	skip_all "cannot mount a tmpfs here"
fi

done_testing
