#!/bin/bash
# 66-terminal-escape: host data that would act on a terminal or reorder
# what a person reads is shown escaped wherever jobfix prints it: a raw
# 0x9b byte (CSI on an 8-bit terminal), the C1 control U+009B written in
# UTF-8, and the right-to-left override U+202E, from a job.conf value, a
# process's command line and the install's path, in the text report, in
# `audit show` and in an error on stderr.  The JSON report and `audit show
# --json` hold the same values, with the controls as \u escapes.  Chinese
# text is kept as it is.  Everything is real: the install a fix edits, the
# audit log it writes, a process started with those bytes in its argv.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd python3

RAW=$'\x9b'           # CSI on an 8-bit terminal: not UTF-8 on its own
C1=$'\xc2\x9b'        # U+009B, CSI, in UTF-8
RLO=$'\xe2\x80\xae'   # U+202E RIGHT-TO-LEFT OVERRIDE
ZH='作业平台'         # Chinese: kept as is
# the install's path holds U+009B and U+202E (a path is UTF-8 in JSON)
make_site "$T/site${C1}31m${RLO}gpj"
SITE_ESC="$T/site\\\\u009b31m\\\\u202egpj" # as a regex
# app.code holds all three, so the fix aligning ijobs.amqp.username to it
# shows them in its diff
LC_ALL=C site_conf_set "$SITE" app.code "bk${RAW}2J${C1}31m${RLO}boj"
LC_ALL=C site_conf_set "$SITE" bk.paas.host "http://127.0.0.1/$ZH"
rest_conf "$T/jobfix.conf" \
	"probes: { network = false; disable = [ $REST_OTHER_PROBES, \"gsetask\", \"license\", \"cert\", \"paas\", \"cmdb\", \"consul\", \"ports\", \"nfs\" ]; };" \
	'audit: { syslog = false; };'
# raw_controls: whether stdin holds a raw 0x9b byte, U+0080-U+009F or a
# bidi control; prints what it found
raw_controls() {
	python3 -c '
import re, sys
t = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
m = re.findall("[\udc80-\udc9f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", t)
print(" ".join("%04x" % (ord(c) & 0xff if ord(c) >= 0xdc00 else ord(c)) for c in m))
sys.exit(0 if m else 1)'
}
# no_raw DESC TEXT: ok when TEXT holds none of them
no_raw() {
	local found
	found=$(printf '%s' "$2" | raw_controls)
	is "$found" "" "$1"
}

# --- the text report ------------------------------------------------------
check_rc 1 "facts with hostile bytes in job.conf" -- jf -v diagnose
no_raw "diagnose -v prints no raw 0x9b, C1 or bidi control" "$OUT"
like "$OUT" 'app\.code = bk\\x9b2J\\u009b31m\\u202eboj' \
	"a raw 0x9b as \\x9b, U+009B as \\u009b, U+202E as \\u202e"
like "$OUT" "bk\.paas\.host = http://127\.0\.0\.1/$ZH" "Chinese is kept"
like "$OUT" "on [^ ]+ \($SITE_ESC\)" "the install's path is escaped in the heading"

check_rc 0 "fix --yes with hostile bytes in job.conf and the path" -- jf fix --yes
no_raw "the fix's report prints no raw control" "$OUT"
# (the properties writer writes non-ASCII as Java's \uXXXX)
like "$OUT" '\+ijobs\.amqp\.username=bk\\x9b2J\\u009[bB]31m\\u202[eE]boj' "the diff shows them escaped"

# --- the JSON report: the same values, controls as \u escapes ---------------
check_rc 0 "diagnose --json -v" -- jf --json -v diagnose
no_raw "the JSON report holds no raw C1 or bidi control" "$OUT"
like "$OUT" '"value": "[^"]*/site\\u009b31m\\u202egpj"' "in a path (UTF-8) they are JSON escapes"
is "$(printf '%s' "$OUT" | fact site.root)" "$SITE" "which decode to the path"
# JSON cannot hold the raw byte: a value with one is shown whole as the
# text report shows it
is "$(printf '%s' "$OUT" | fact jobconf.app.code)" 'bk\x9b2J\u009b31m\u202eboj' \
	"a value that is not UTF-8 is shown escaped as in the text report"
is "$(printf '%s' "$OUT" | fact jobconf.bk.paas.host)" "http://127.0.0.1/$ZH" "Chinese is kept in JSON"

# --- audit show -------------------------------------------------------------
check "audit show" -- jf audit show
like "$OUT" "applied" "it lists the fix's records"
no_raw "audit show prints no raw C1 or bidi control" "$OUT"
like "$OUT" "\($SITE_ESC/etc/job\.conf\)" "the file a record names is shown escaped"
check "audit show --json" -- jf audit show --json
no_raw "audit show --json holds none either" "$OUT"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted({r.get("file","") for r in json.load(sys.stdin)["records"]} - {""})[0])')" \
	"$SITE/etc/job.conf" "and decodes to the path"
# a message with a newline cannot forge a second record line
printf '{"seq":99,"time":"2099-01-01T00:00:00Z","event":"mark","message":"x\\n2099-01-01T00:00:00Z  #100  forged%s"}\n' "$RLO" >>"$JOBFIX_AUDIT_LOG"
check "audit show with a record holding a newline" -- jf audit show
unlike "$OUT" $'\n2099-01-01T00:00:00Z  #100' "a newline in a record does not start a line"
like "$OUT" 'x\\x0a2099-01-01T00:00:00Z  #100  forged\\u202e' "it is shown escaped"

# audit verify names the file it checks: escaped too
cp "$JOBFIX_AUDIT_LOG" "$T/copy${C1}31m${RLO}gol"
check_rc 1 "audit verify of a copy whose name holds C1 and bidi controls" -- \
	jf audit verify --no-head "$T/copy${C1}31m${RLO}gol"
like "$OUT" "audit log $T/copy\\\\u009b31m\\\\u202egol: " "the name is shown escaped"
no_raw "audit verify prints no raw control" "$OUT"

# --- stderr -----------------------------------------------------------------
check_fail "an error quoting a path with hostile bytes" -- \
	"$JOBFIX" -c "$CONF" --no-color -r "$T/gone${RAW}2J${C1}31m${RLO}gpj-$ZH" diagnose
like "$OUT" "error: .*gone\\\\x9b2J\\\\u009b31m\\\\u202egpj-$ZH" \
	"the error names the path, escaped, Chinese kept"
no_raw "stderr holds no raw 0x9b, C1 or bidi control" "$OUT"

# --- a process's command line -----------------------------------------------
NL=$'\n'
PY=$(python3 -c 'import sys; print(sys.executable)')
HCLASS=Hostile$$
exec -a java "$PY" -c 'import time; time.sleep(3600)' "-Dx=${RAW}2J${C1}31m${RLO}" $HCLASS </dev/null >/dev/null 2>&1 &
P=$!
register_server "$P" java "kill_wait $P 5"
wait_for 10 "$P" grep -q "$HCLASS" "/proc/$P/cmdline" || bail "the process did not start"
rest_conf "$T/jobfix.conf" \
	"probes: { network = false; disable = [ $REST_OTHER_PROBES, \"gsetask\", \"license\", \"cert\", \"paas\", \"cmdb\", \"consul\", \"ports\", \"nfs\" ]; };" \
	'audit: { syslog = false; };'
sed -i "s/no-such-process-jobfix-test/$HCLASS( |\$)/" "$CONF"
check "facts with hostile bytes in a command line" -- jf facts
no_raw "facts prints no raw control from the command line" "$OUT"
like "$OUT" "pid $P .*-Dx=\\\\x9b2J\\\\u009b31m\\\\u202e $HCLASS" "the command line is shown escaped"
kill_wait "$P" 5
# a newline in a command line forges no line of the report
exec -a java "$PY" -c 'import time; time.sleep(3600)' $'-Dy=x\n\nFORGED-LINE' $HCLASS </dev/null >/dev/null 2>&1 &
P=$!
register_server "$P" java "kill_wait $P 5"
wait_for 10 "$P" grep -q "$HCLASS" "/proc/$P/cmdline" || bail "the process did not start"
check "facts with a newline in a command line" -- jf facts
unlike "$OUT" "(^|$NL)FORGED-LINE" "no line of the report starts with what the command line holds"
like "$OUT" "pid $P .*-Dy=x\\\\x0a\\\\x0aFORGED-LINE" "the newline is shown escaped"
kill_wait "$P" 5
done_testing
