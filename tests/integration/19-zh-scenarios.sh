#!/bin/bash
# 19-zh-scenarios: the key scenarios of the core pass in Chinese too.  Each
# runs whole under LANG=zh_CN.UTF-8 (messages Chinese; the scenario's
# checks of text use tests/lib.sh's t/tre, which ask the same catalogue):
# a fix and its dry run, bad input, the demo.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd locale gettext
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
	skip_all "the zh_CN.UTF-8 locale is not installed (contrib/debian-deps.sh generates it)"
fi
for s in 10-core-fix 11-core-badinput 13-demo; do
	env -u LC_ALL -u LANGUAGE LANG=zh_CN.UTF-8 LC_MESSAGES=zh_CN.UTF-8 \
		"$BASH" "$top_srcdir/tests/integration/$s.sh" >"$T/$s.log" 2>&1
	rc=$?
	ok "$rc" "$s passes under zh_CN.UTF-8"
	if [ "$rc" -ne 0 ]; then
		grep -A8 '^not ok\|^Bail out' "$T/$s.log" | head -40 | sed 's/^/# /'
	fi
	grep -q '^ok' "$T/$s.log"
	ok $? "$s ran its checks"
done
done_testing
