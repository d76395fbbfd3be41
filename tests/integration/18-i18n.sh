#!/bin/bash
# 18-i18n: messages in Chinese under zh_CN, English under C and en; what
# programs read unchanged in every language.
#   - every printing or logging call of src/ passes its words through _(),
#     every C file of src/ is in po/POTFILES.in, and po/zh_CN.po translates
#     every message xgettext finds, none fuzzy (a later change that adds an
#     unmarked or untranslated message fails here);
#   - LANG / LC_MESSAGES choose: zh_CN.UTF-8 gives Chinese usage, errors,
#     findings, advice, explain (with the FAQ's own words beside each error
#     code), the dry-run and fix reports, status, audit show and the demo;
#     C and en_US stay English;
#   - --json is byte for byte the same in both languages (run ids and times
#     aside), the audit log and the state files carry no Chinese, exit
#     codes and fault IDs do not change.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 xgettext msgfmt msgcmp locale

ZH=zh_CN.UTF-8
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
	skip_all "the $ZH locale is not installed (contrib/debian-deps.sh generates it)"
fi
zh() { env -u LC_ALL -u LANGUAGE LANG=$ZH LC_MESSAGES=$ZH "$@"; }
en() { env -u LC_ALL -u LANGUAGE LANG=C LC_MESSAGES=C "$@"; }
cjk() { python3 -c 'import re,sys; sys.exit(0 if re.search("[\u4e00-\u9fff]", sys.stdin.read()) else 1)'; }

# --- every message marked and translated -----------------------------------
check "every printing and logging call passes its words through _()" -- \
	python3 "$top_srcdir/tests/i18n-marks.py" "$top_srcdir/src"
missing=$(cd "$top_srcdir" && for f in src/*.c; do
	# generated: the built-in playbooks, the demo's embedded files
	case $f in src/builtin-playbooks.c | src/sandbox-files.c) continue ;; esac
	grep -qxF "$f" po/POTFILES.in || echo "$f"; done)
is "$missing" "" "every C file of src/ is in po/POTFILES.in"
(cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 \
	--add-comments=TRANSLATORS: -o "$T/jobfix.pot" $(grep -v '^#' po/POTFILES.in)) 2>"$T/xgettext.err"
ok $? "xgettext reads src/"
is "$(cat "$T/xgettext.err")" "" "without warnings"
check "po/zh_CN.po has every message of src/" -- msgcmp "$top_srcdir/po/zh_CN.po" "$T/jobfix.pot"
check "po/zh_CN.po compiles, formats checked" -- msgfmt -c --statistics -o "$T/zh.mo" "$top_srcdir/po/zh_CN.po"
like "$OUT" '^[0-9]+ translated messages\.$' "no fuzzy and no untranslated message"

# --- the language follows the locale ---------------------------------------
check "zh_CN: --help" -- zh "$JOBFIX" --help
like "$OUT" '^用法：jobfix \[选项\] \[命令 \[参数\]\]' "the usage is Chinese"
like "$OUT" '  diagnose +查找故障，不做任何修改' "so are the commands' summaries"
check "C: --help" -- en "$JOBFIX" --help
like "$OUT" '^usage: jobfix \[options\]' "English under C"
check "en_US: --help" -- env -u LC_ALL -u LANGUAGE LANG=en_US.UTF-8 LC_MESSAGES=en_US.UTF-8 "$JOBFIX" --help
like "$OUT" '^usage: jobfix \[options\]' "English under en_US"
check "LANGUAGE alone does not translate the C locale" -- env -u LC_ALL LANG=C LC_MESSAGES=C LANGUAGE=zh_CN "$JOBFIX" --help
like "$OUT" '^usage: jobfix' "English"
check_rc 2 "zh_CN: a usage error" -- zh "$JOBFIX" no-such-command
like "$OUT" 'jobfix: 未知命令 "no-such-command"' "is Chinese"
like "$OUT" "请参阅 'jobfix --help'" "with the hint"
# getopt's own messages are glibc's, English here: jobfix says them itself
check_rc 2 "zh_CN: an unknown option" -- zh "$JOBFIX" --no-such-option
like "$OUT" '^jobfix：未知选项 --no-such-option' "is Chinese"
check_rc 2 "zh_CN: an option without its argument" -- zh "$JOBFIX" --wait
like "$OUT" '^jobfix：选项 --wait 需要一个参数' "is Chinese"
check_rc 2 "zh_CN: an unknown short option" -- zh "$JOBFIX" -nZ
like "$OUT" '^jobfix：未知选项 -Z' "is Chinese, naming the option"
check_rc 2 "zh_CN: an unknown fleet option" -- zh "$JOBFIX" fleet --no-such-option
like "$OUT" '^jobfix：未知选项 --no-such-option' "fleet's too"
check_rc 2 "C: an unknown option" -- en "$JOBFIX" --no-such-option
like "$OUT" '^jobfix: unknown option --no-such-option' "English under C"
check_rc 2 "zh_CN: an error" -- zh "$JOBFIX" -c "$T/no-such.conf" diagnose
like "$OUT" '^jobfix：错误：' "the error prefix is Chinese"
check_rc 2 "C: an error" -- en "$JOBFIX" -c "$T/no-such.conf" diagnose
like "$OUT" '^jobfix: error: ' "English under C"

# the playbooks' summaries are in the catalogue through a generated table
check "the table of playbook summaries is generated" -- sh "$top_srcdir/build-aux/playbook-strings.sh" "$top_srcdir"/playbooks/*.conf
is "$OUT" "$(cat "$top_srcdir/src/playbook-strings.h")" "src/playbook-strings.h is what build-aux/playbook-strings.sh makes"

printf 'playbook_dirs = [ ];\n' >"$T/empty.conf"
check "zh_CN: explain 1252001" -- zh "$JOBFIX" -c "$T/empty.conf" explain 1252001
like "$OUT" '^1252001 \(JOB -> MySQL\): 数据库异常' "the code's meaning in Chinese"
like "$OUT" 'FAQ 原文：“数据库异常”' "with the FAQ's own words beside it"
like "$OUT" 'nolog.partition: MySQL 事件调度器未开启' "the faults it points to, in Chinese"
like "$OUT" '处理建议：' "and their advice"
check "zh_CN: explain lists every code" -- zh "$JOBFIX" -c "$T/empty.conf" explain
like "$OUT" 'FAQ 原文：“PAAS服务不可达 - 地址配置错误或者地址无法正确解析”' "quoting the FAQ for 1213001"
check "C: explain 1252001" -- en "$JOBFIX" -c "$T/empty.conf" explain 1252001
like "$OUT" '^1252001 \(JOB -> MySQL\): database error' "English under C"
unlike "$OUT" 'FAQ: "' "without the Chinese quote"
echo "$OUT" | cjk
ok $((! $?)) "and no Chinese at all"

# --- a faulty site: reports, JSON, audit log -------------------------------
make_site "$T/site" ijobs.amqp.username=admin ijobs.amqp.password=wrong
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
audit: { syslog = false; };
probes: { network = false; only = [ "job", "logs" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
EOF
(cd "$T" && tar cf site.tar site)
reset_site() { rm -rf "$SITE" && (cd "$T" && tar xf site.tar); }
# JSON without what differs from run to run
norm() { python3 -c "import re
${JSON_LOAD}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ('run_id', 'time', 'ms')}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(re.sub(r"[0-9]{8}T[0-9]{6}-[0-9a-f]{12}", "RUN-ID",
    json.dumps(strip(d), sort_keys=True, ensure_ascii=False)))"; }

check_rc 1 "zh_CN: diagnose" -- zh "$JOBFIX" -c "$CONF" diagnose
like "$OUT" '发现的故障（1 项）' "the findings heading is Chinese"
like "$OUT" '\[wait\.rabbitmq\.creds\] ijobs\.amqp\.username/password 与 app\.code/app\.secret 不一致' \
	"the fault ID stays, its title is Chinese"
like "$OUT" '需要人工处理的事项|修复：剧本 rabbitmq-credentials' "the remedy is Chinese"
check_rc 1 "zh_CN: dry run" -- zh "$JOBFIX" -c "$CONF" --dry-run
like "$OUT" '计划（尚未做任何修改）' "the plan is Chinese"
like "$OUT" '\[将修改\]' "so are the step results"
like "$OUT" '\+ijobs\.amqp\.username=bk_job' "the diff is the file's own text"
like "$OUT" 'rabbitmq-credentials: 在 job\.conf 中使 ijobs\.amqp\.username/password 与 app\.code/app\.secret 一致，然后重启 Job' \
	"the playbook's summary is Chinese"
check "zh_CN: playbooks list" -- zh "$JOBFIX" -c "$CONF" playbooks list
like "$OUT" '在 Job 的启动脚本中设置 NOHUPLOG=job_jvm_console\.log' "lists the summaries in Chinese"
check_rc 1 "zh_CN: facts" -- zh "$JOBFIX" -c "$CONF" facts
like "$OUT" 'log\.job\.fresh = yes +# ".*/job\.log" 最后修改于 [0-9]+ 秒前' "evidence is Chinese"
like "$OUT" 'job\.running = no +# [0-9]+ 个进程中没有匹配 "no-such-process-jobfix-test"（设置 job\.process_pattern）的进程' \
	"down to where a pattern came from"
check_rc 1 "zh_CN: facts --json" -- zh "$JOBFIX" -c "$CONF" --json facts
echo "$OUT" | cjk
ok $((! $?)) "the evidence in the JSON stays English"
like "$OUT" '"evidence": "\\".*/job\.log\\" modified [0-9]+ s ago' "as it was"

for cmd in diagnose "--dry-run fix"; do
	# shellcheck disable=SC2086
	zh "$JOBFIX" -c "$CONF" --json $cmd >"$T/zh.json" 2>/dev/null
	rc_zh=$?
	# shellcheck disable=SC2086
	en "$JOBFIX" -c "$CONF" --json $cmd >"$T/c.json" 2>/dev/null
	rc_c=$?
	is "$rc_zh" "$rc_c" "$cmd --json: the same exit code in both languages"
	is "$(norm <"$T/zh.json")" "$(norm <"$T/c.json")" "$cmd --json: the same document"
	is "$(sed 's/"run_id": "[^"]*"//' "$T/zh.json")" "$(sed 's/"run_id": "[^"]*"//' "$T/c.json")" \
		"$cmd --json: byte for byte, apart from the run id"
done
cjk <"$T/zh.json"
ok $((! $?)) "no Chinese in the JSON of a zh_CN run"

reset_site
zh "$JOBFIX" -c "$CONF" --json --yes fix >"$T/zh-fix.json" 2>/dev/null
rc_zh=$?
reset_site
en "$JOBFIX" -c "$CONF" --json --yes fix >"$T/c-fix.json" 2>/dev/null
rc_c=$?
is "$rc_zh" "$rc_c" "fix --json: the same exit code"
is "$(norm <"$T/zh-fix.json")" "$(norm <"$T/c-fix.json")" "fix --json: the same document in both languages"

reset_site
check_rc 0 "zh_CN: fix" -- zh "$JOBFIX" -c "$CONF" --yes fix
like "$OUT" '已执行的操作' "the fix report is Chinese"
like "$OUT" '修复：剧本 rabbitmq-credentials（已修复）' "with the finding's state"
cjk <"$JOBFIX_AUDIT_LOG"
ok $((! $?)) "the audit log of zh_CN runs has no Chinese"
cat "$JOBFIX_STATE_DIR"/*.json | cjk
ok $((! $?)) "nor have the state files"

check "zh_CN: status" -- zh "$JOBFIX" -c "$CONF" status
like "$OUT" '维护标志 +未设置' "status is Chinese"
like "$OUT" '上次运行' "with the last run"
like "$OUT" '哈希链 完整' "and the audit chain's state"
check "zh_CN: audit show" -- zh "$JOBFIX" -c "$CONF" audit show
check "zh_CN: audit verify" -- zh "$JOBFIX" -c "$CONF" audit verify
like "$OUT" '哈希链完整' "audit verify is Chinese"

# --- the demo ----------------------------------------------------------------
check "zh_CN: the demo" -- zh "$JOBFIX" demo
like "$OUT" '==> 1\. 诊断：哪里出了问题' "the demo's stages are Chinese"
like "$OUT" '发现的故障' "and its reports"
like "$OUT" '未发现故障。' "down to the clean diagnose at the end"
done_testing
