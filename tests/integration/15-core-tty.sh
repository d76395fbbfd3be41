#!/bin/bash
# 15-core-tty: on a terminal, fix shows the plan and asks; "n" changes
# nothing (exit 1), "y" applies the plan (exit 0).  script(1) gives jobfix
# a real pseudo-terminal.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd script sha256sum

make_site "$T/site" ijobs.amqp.username=admin
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
probes: { network = false; only = [ "job", "logs" ]; };
EOF
# answer on the terminal; the exit status of jobfix comes back through -e
on_tty() { printf '%s\n' "$1" | script -qec "$JOBFIX -c $CONF --no-color fix" /dev/null; }

sum=$(sha256sum <"$SITE/etc/job.conf")
OUT=$(on_tty n 2>&1); RC=$?
is "$RC" 1 "answering n: exit 1 (findings remain)"
like "$OUT" "Apply these changes\? \[y/N\]" "the question was asked"
like "$OUT" "would change.*ijobs.amqp.username=bk_job" "after showing the plan"
like "$OUT" "nothing was changed" "and it says nothing was changed"
is "$(sha256sum <"$SITE/etc/job.conf")" "$sum" "job.conf untouched"
is "$(wc -l <"$SITE/job-restarts.log")" 0 "Job not restarted"

OUT=$(on_tty y 2>&1); RC=$?
is "$RC" 0 "answering y: exit 0"
like "$(cat "$SITE/etc/job.conf")" "ijobs.amqp.username=bk_job" "the plan was applied"
is "$(wc -l <"$SITE/job-restarts.log")" 1 "Job restarted once"
done_testing
