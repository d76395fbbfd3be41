#!/bin/bash
# 14-docs: the man pages document what the program has: every setting of
# the settings table, every command, every fault ID and every step type; the
# pages format without warnings; the example configuration is valid.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd groff
MAN=$top_srcdir/man
printf 'playbook_dirs = [ ];\n' >"$T/jobfix.conf"

# every .It Cm word of a page, one per line
documented() { grep -E '^\.It ' "$1" | grep -oE 'Cm [A-Za-z0-9_.-]+' | sed 's/^Cm //'; }

check "jobfix config lists the settings" -- "$JOBFIX" -c "$T/jobfix.conf" config
settings=$(echo "$OUT" | grep -oE '^[a-z_.]+ =' | sed 's/ =$//')
conf_doc=$(documented "$MAN/jobfix.conf.5")
for s in $settings; do
	echo "$conf_doc" | grep -qxF "$s"
	ok $? "jobfix.conf(5) documents $s"
done

main_doc=$(documented "$MAN/jobfix.8")
for c in $("$JOBFIX" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'); do
	echo "$main_doc" | grep -qxF "$c"
	ok $? "jobfix(8) documents the command $c"
done
faults=$("$JOBFIX" -c "$T/jobfix.conf" explain | awk '/§/ { print $1 }')
for f in $faults; do
	grep -qE "^\.It Li $f\$" "$MAN/jobfix.8"
	ok $? "jobfix(8) lists the fault $f"
done

step_doc=$(documented "$MAN/jobfix-playbook.5")
for s in $("$JOBFIX" -c "$T/jobfix.conf" playbooks steps | awk '/^[a-z]/ { print $1 }'); do
	echo "$step_doc" | grep -qxF "$s"
	ok $? "jobfix-playbook(5) documents the step type $s"
done

for page in jobfix.8 jobfix.conf.5 jobfix-playbook.5; do
	warn=$(groff -mandoc -ww -z "$MAN/$page" 2>&1)
	is "$warn" "" "$page formats without warnings"
done

check "the example configuration is valid" -- "$JOBFIX" -c "$top_srcdir/contrib/jobfix.conf.example" config
like "$OUT" 'site.root = "/data/bkce"' "and sets the root"
done_testing
