#!/bin/bash
# 30-audit-head: the head file is matched to its log by the file, not by
# how the path is spelled (a symbolic link, "//", "./", a relative path),
# so records cut off the end are found whatever the spelling; a head for
# another file fails the check of the configured log, and a rotated log
# verified alone says plainly that its tail was not checked; a head, a log
# or a state file that is a FIFO, a device or a directory is refused by
# name and never hangs jobfix; a head that is cut short, garbage, huge or a
# symbolic link is named as unusable, and the next record says so in the
# chain; records swapped with record 1 are out of order, not cut.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 timeout mkfifo

make_site "$T/site"
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; };
probes: { network = false; };
EOF
# every command under a deadline: a hang is a failure, not a stuck suite
jf() { timeout 60 "$JOBFIX" -c "$CONF" --no-color "$@"; }
LOG=$JOBFIX_AUDIT_LOG
HEAD=$JOBFIX_STATE_DIR/audit.head
# set_head_log PATH: the head, naming its log as PATH
set_head_log() {
	python3 -c 'import json,sys
h=json.load(open(sys.argv[1])); h["log"]=sys.argv[2]
open(sys.argv[1],"w").write(json.dumps(h))' "$HEAD" "$1"
}
head_log() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["log"])' "$HEAD"; }
# cut_tail: the log without its last record (the head still names it)
cut_tail() { head -n 4 "$T/log.good" >"$LOG"; }
restore() { cp "$T/log.good" "$LOG"; rm -rf "$HEAD"; cp "$T/head.good" "$HEAD"; }

for i in 1 2 3 4 5; do
	check "audit mark $i" -- jf audit mark
done
cp "$LOG" "$T/log.good"
cp "$HEAD" "$T/head.good"
check "five records verify" -- jf audit verify
like "$OUT" "5 records, the chain is whole" "the chain is whole"

# a run given the log by another spelling writes the same head
is "$(head_log)" "$(realpath "$LOG")" "the head names the log by its resolved path"
check "a mark through another spelling of the log's path" -- \
	env JOBFIX_AUDIT_LOG="$T//./audit.log" "$JOBFIX" -c "$CONF" audit mark
is "$(head_log)" "$(realpath "$LOG")" "and the head still names it resolved"
check "the chain goes on through it" -- jf audit verify
like "$OUT" "6 records, the chain is whole" "six records, whole"
restore

# the head naming its log by another spelling: the tail is checked
ln -s "$LOG" "$T/link.log"
mkdir "$T/sub"
here=$PWD
cd "$T" || bail "cd $T"
for spelling in "$T/link.log" "$T//audit.log" "$T/./audit.log" "$T/sub/../audit.log" "./audit.log" "audit.log"; do
	restore
	set_head_log "$spelling"
	check "head names the log as $spelling: whole" -- jf audit verify
	cut_tail
	check_rc 1 "head names the log as $spelling: a cut tail is found" -- jf audit verify
	like "$OUT" "records 5 to 5 were cut off the end" "named as cut off the end ($spelling)"
done
cd "$here" || bail "cd $here"
restore
cut_tail
check_rc 1 "verify given the log by a symbolic link finds the cut tail" -- jf audit verify "$T/link.log"
check_rc 1 "verify given the log as ./audit.log finds it" -- sh -c "cd '$T' && timeout 60 '$JOBFIX' -c '$CONF' audit verify ./audit.log"

# the head naming another file
restore
echo something >"$T/other.log"
set_head_log "$T/other.log"
cut_tail
check_rc 1 "a head for another file does not let a cut tail pass" -- jf audit verify
like "$OUT" "tail can no longer be checked: the head file $HEAD is for \"$T/other.log\", not for this log" \
	"verify says the head is another file's"
unlike "$OUT" "whole" "and never that the chain is whole"
set_head_log /nonexistent/audit.log
check_rc 1 "nor a head for a file that is not there" -- jf audit verify
like "$OUT" "is for \"/nonexistent/audit.log\", not for this log" "naming it"
jf status >"$T/status.out" 2>&1
like "$(cat "$T/status.out")" "chain tail unchecked" "status shows the tail unchecked"

# a rotated log on its own meets the current log's head: not tampered
restore
mv "$LOG" "$LOG.1"
check "a record in the new log after rotation" -- jf audit mark
check_rc 1 "the rotated log alone: its tail cannot be checked, exit 1" -- jf audit verify "$LOG.1"
like "$OUT" "5 records, the chain holds, but their tail cannot be checked alone \\(the head file is another log's\\)" \
	"saying its tail cannot be checked alone"
like "$OUT" "note: the head file is for \"$(realpath "$LOG")\", not for this file: give the files oldest first" \
	"naming the file the head is for"
unlike "$OUT" "BROKEN|whole" "neither broken nor whole"
cp "$LOG.1" "$T/rot.copy"
sed -i '3,$d' "$LOG.1"
check_rc 1 "the rotated log cut to two records, alone: not whole (exit 1)" -- jf audit verify "$LOG.1"
unlike "$OUT" "whole" "and never called whole"
check "--no-head: the chain of a rotated copy alone" -- jf audit verify --no-head "$LOG.1"
cp "$T/rot.copy" "$LOG.1"
check "both files verify as one chain" -- jf audit verify "$LOG.1" "$LOG"
like "$OUT" "6 records, the chain is whole" "whole across the rotation"
head -n 4 "$T/log.good" >"$LOG.1"
check_rc 1 "a record cut off the rotated log is found across both" -- jf audit verify "$LOG.1" "$LOG"
like "$OUT" "record 5 is missing" "named"
check "the current log alone, with its own head, verifies" -- jf audit verify
rm -f "$LOG.1"
restore

# FIFOs, devices, directories: refused by name, never a hang
rm "$HEAD"
mkfifo "$HEAD"
check_rc 1 "a FIFO at audit.head: verify does not hang" -- jf audit verify
like "$OUT" "\"$HEAD\": a FIFO, not a regular file" "it names the head and what it is"
like "$OUT" "tail can no longer be checked" "the tail is unchecked"
rm "$HEAD"
mkdir "$HEAD"
check_rc 1 "a directory at audit.head" -- jf audit verify
like "$OUT" "\"$HEAD\": is a directory|\"$HEAD\": a directory" "is named"
rmdir "$HEAD"
ln -s /dev/zero "$HEAD"
check_rc 1 "a symbolic link to /dev/zero at audit.head" -- jf audit verify
like "$OUT" "a symbolic link, not followed" "is not followed"
rm "$HEAD"
cp "$T/head.good" "$HEAD"
mv "$LOG" "$T/log.moved"
mkfifo "$LOG"
check_rc 2 "a FIFO at the audit log: verify does not hang" -- jf audit verify
like "$OUT" "audit log \"$LOG\": a FIFO, not a regular file" "it names the log"
check_rc 2 "nor does audit show" -- jf audit show
like "$OUT" "a FIFO, not a regular file" "which names it too"
rm "$LOG"
ln -s /dev/zero "$LOG"
check_rc 2 "the audit log a link to /dev/zero: verify does not read forever" -- jf audit verify
like "$OUT" "a character device, not a regular file" "it says what it is"
rm "$LOG"
restore
for f in lock last-run.json ratelimit.json metrics.json; do
	rm -f "$JOBFIX_STATE_DIR/$f"
	mkfifo "$JOBFIX_STATE_DIR/$f"
done
jf status >"$T/status.out" 2>&1
rc=$?
[ "$rc" != 124 ]
ok $? "status with FIFOs in the state directory does not hang"
like "$(cat "$T/status.out")" "last run     unreadable: \"$JOBFIX_STATE_DIR/last-run.json\": a FIFO, not a regular file" \
	"and names what it found"
like "$(cat "$T/status.out")" "rate limits  unreadable: \"$JOBFIX_STATE_DIR/ratelimit.json\": a FIFO, not a regular file" \
	"each of them"
check_rc 2 "fix with a FIFO as the lock refuses, naming it" -- jf fix --yes
like "$OUT" "lock \"$JOBFIX_STATE_DIR/lock\": a FIFO, not a regular file" "the lock is named"
rm -f "$JOBFIX_STATE_DIR"/lock "$JOBFIX_STATE_DIR"/*.json
mkfifo "$JOBFIX_STATE_DIR/pending-writes"
jf fix --yes >/dev/null 2>&1
rc=$?
[ "$rc" != 124 ]
ok $? "a FIFO as pending-writes does not hang a run"
rm -f "$JOBFIX_STATE_DIR/pending-writes"
restore

# heads an attacker might leave
for kind in cut garbage huge empty; do
	restore
	case $kind in
	cut) head -c 30 "$T/head.good" >"$HEAD" ;;
	garbage) printf '\x00\xffnot json' >"$HEAD" ;;
	huge) { printf '{"seq":5,"hash":"%s",' "$(python3 -c 'import json; print(json.load(open("'"$T/head.good"'"))["hash"])')"; head -c 2000000 /dev/zero | tr '\0' ' '; printf '"log":"%s"}' "$LOG"; } >"$HEAD" ;;
	empty) : >"$HEAD" ;;
	esac
	check_rc 1 "a head that is $kind: verify fails" -- jf audit verify
	like "$OUT" "tail can no longer be checked: the head file cannot be used: \"$HEAD\": " \
		"naming the head ($kind)"
	unlike "$OUT" "whole" "never whole ($kind)"
done
restore
python3 -c 'import json,sys
h=json.load(open(sys.argv[1])); h["hash"]="Z"*64
open(sys.argv[1],"w").write(json.dumps(h))' "$HEAD"
check_rc 1 "a head whose hash is not hex" -- jf audit verify
like "$OUT" "not a head file" "is not a head"
restore
useradd_ok=0
if id nobody >/dev/null 2>&1; then
	echo '{"seq":5}' >"$T/nobody.head"
	chown nobody "$T/nobody.head" && useradd_ok=1
fi
if [ "$useradd_ok" = 1 ]; then
	rm "$HEAD"
	ln -s "$T/nobody.head" "$HEAD"
	check_rc 1 "a head that is a symbolic link to another user's file" -- jf audit verify
	like "$OUT" "\"$HEAD\": a symbolic link, not followed" "is not followed"
else
	skip "a head linked to another user's file" "no user nobody"
fi
restore
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$HEAD"
	check_rc 1 "an unreadable head" -- jf audit verify
	like "$OUT" "the head file cannot be used: \"$HEAD\": Permission denied" "is named"
	chmod 600 "$HEAD"
else
	skip "an unreadable head" "root reads a mode 000 file"
fi

# a record written over an unusable head says so in the chain
restore
cut_tail
printf 'garbage' >"$HEAD"
check "audit mark with a garbage head" -- jf audit mark
like "$(tail -n 2 "$LOG" | head -n 1)" '"event":"chain-break".*the head file could not be used' \
	"a chain-break record is written first"
check_rc 1 "so the cut tail stays visible after the head moves on" -- jf audit verify
like "$OUT" "BROKEN at record 5 .*the head file could not be used" "named"
restore
cut_tail
rm "$HEAD"
check "audit mark with the head deleted" -- jf audit mark
check_rc 1 "the cut tail stays visible after the head is written again" -- jf audit verify
like "$OUT" "BROKEN at record 5 .*the head file was missing: records cut off the end" "named"
restore
cut_tail
rm "$HEAD"
mkfifo "$HEAD"
check_rc 5 "audit mark with a FIFO head does not hang" -- jf audit mark
like "$OUT" "\"$HEAD\": is a FIFO, not replacing it" "it refuses to write the head, naming it"
like "$(cat "$LOG")" '"event":"chain-break".*could not be used' "the chain-break record says why"
restore

# swaps with record 1
sed -i '1{h;d};2G' "$LOG"
is "$(sed -n 2p "$LOG")" "$(sed -n 1p "$T/log.good")" "records 1 and 2 swapped"
check_rc 1 "records 1 and 2 swapped break the chain" -- jf audit verify
like "$OUT" "out of order: the log starts at record 2, and record 1 is further on \\($LOG line 2\\)" \
	"and verify says out of order"
unlike "$OUT" "records before it were cut" "not cut"
cp "$T/log.good" "$LOG"
sed -i '1{h;d};$G' "$LOG"
check_rc 1 "record 1 moved to the end" -- jf audit verify
like "$OUT" "out of order: the log starts at record 2, and record 1 is further on \\($LOG line 5\\)" \
	"is out of order"
cp "$T/log.good" "$LOG"
sed -i '1,2d' "$LOG"
check_rc 1 "records 1 and 2 deleted" -- jf audit verify
like "$OUT" "starts at record 3: records before it were cut from the start" "are cut from the start"
restore
check "restored, the log verifies" -- jf audit verify
done_testing
