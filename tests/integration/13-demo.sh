#!/bin/bash
# 13-demo: `jobfix demo` runs diagnose, dry run, fix and diagnose on its
# sandbox, ends healthy, and --keep leaves a sandbox that is really fixed.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd my_print_defaults

check "demo ends healthy" -- "$JOBFIX" --no-color demo --keep "$T/demo"
like "$OUT" "==> $(tre '1. diagnose: what is wrong')" "stage 1 ran"
like "$OUT" "==> $(tre '2. dry run: what would change (nothing is changed)')" "stage 2 ran"
like "$OUT" "==> $(tre '3. fix')" "stage 3 ran"
like "$OUT" "==> $(tre '4. diagnose again')" "stage 4 ran"
like "$OUT" "\[wait\.rabbitmq\.creds\]" "the credentials fault was shown"
like "$OUT" "$(tre 'No faults found.')" "the last diagnose is clean"
unlike "$OUT" "Demo-Secret-7f3a9c|guest-Pa55word" "no secret of the sandbox in the output"
is "$(grep -c restart "$T/demo/job-restarts.log")" "2" "the fake Job was restarted"
is "$(my_print_defaults --defaults-file="$T/demo/etc/my.cnf" mysqld | grep -E 'event[-_]scheduler' | tail -n 1 | tr - _)" \
	"__event_scheduler=ON" "the sandbox's my.cnf now turns the scheduler on"
check_rc 2 "demo --keep refuses an existing directory" -- "$JOBFIX" demo --keep "$T/demo"
done_testing
