#!/bin/bash
# 06-mycnf-real.sh - mycnf against MariaDB's own reader, my_print_defaults.
#
# For hand-written layouts and ~200 generated ones (seeded; includes,
# includedirs with .cnf/.ini/.CNF/.bak names, quotes, comments, escapes, CRLF,
# missing final newlines, loose-/skip-/enable- prefixes, odd group spellings):
#  - every option mycnf reads, in order, equals my_print_defaults' output;
#  - the last value of every option (names normalised: case, - and _,
#    loose-, skip-/disable-/enable-) equals mycnf_get.
# Then mycnf_set event_scheduler=ON in ~100 generated layouts full of
# event_scheduler spellings (includedir files setting event-scheduler=OFF
# later, loose-event_scheduler, skip-event-scheduler, bare ones) and in
# hand-written ones: my_print_defaults must end with event_scheduler=ON, and
# every other option it prints must be unchanged.
# Without my_print_defaults this test fails: it does not skip.
set -u
tool=${top_builddir:-.}/tests/unit/mycnf-tool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jf-mycnf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
umask 022
n=0 failed=0
GROUPS_SP="mysqld server mariadb mariadbd"
GROUPS_C=mysqld,server,mariadb,mariadbd

ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

MPD=$(command -v my_print_defaults || true)
if [ -z "$MPD" ]; then
	echo "not ok 1 - my_print_defaults not found (apt-get install mariadb-client)"
	echo "1..1"
	exit 1
fi
ok 0 "my_print_defaults is $MPD ($("$MPD" --version | head -n 1))"

# Last value of every option, normalised, from --name[=value] lines.
last_values() {
	awk '
	{
		line = substr($0, 3); eq = index(line, "=")
		if (eq) { name = substr(line, 1, eq - 1); val = substr(line, eq + 1); hv = 1 }
		else { name = line; val = ""; hv = 0 }
		k = tolower(name); gsub(/-/, "_", k)
		if (substr(k, 1, 6) == "loose_") k = substr(k, 7)
		if (k != "") last[k] = val
		b = k
		if (sub(/^(skip|disable)_/, "", b) && b != "") last[b] = (hv && val == "0") ? "1" : "0"
		else if (sub(/^enable_/, "", b) && b != "") last[b] = (hv && val == "0") ? "0" : "1"
	}
	END { for (k in last) printf "%s\t%s\n", k, last[k]; printf "never_set_option\t(unset)\n" }' | sort
}

# Compare one layout; $1 main file, $2 description.  Prints why on failure.
compare() {
	local main=$1 what=$2 rc1 rc2
	"$MPD" --defaults-file="$main" $GROUPS_SP >"$tmp/mpd.out" 2>"$tmp/mpd.err"
	rc1=$?
	"$tool" dump "$main" $GROUPS_SP >"$tmp/tool.out" 2>"$tmp/tool.err"
	rc2=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
		echo "# $what: my_print_defaults rc $rc1 ($(head -c 300 "$tmp/mpd.err")), mycnf rc $rc2 ($(head -c 300 "$tmp/tool.err"))"
		return 1
	fi
	if ! cmp -s "$tmp/mpd.out" "$tmp/tool.out"; then
		echo "# $what: read order or values differ"
		diff "$tmp/mpd.out" "$tmp/tool.out" | head -n 20 | sed 's/^/#   /'
		return 1
	fi
	last_values <"$tmp/mpd.out" >"$tmp/want.get"
	# shellcheck disable=SC2046
	"$tool" get "$main" $GROUPS_C $(cut -f1 "$tmp/want.get") 2>/dev/null | sort >"$tmp/got.get"
	if ! cmp -s "$tmp/want.get" "$tmp/got.get"; then
		echo "# $what: mycnf_get differs from the last value"
		diff "$tmp/want.get" "$tmp/got.get" | head -n 20 | sed 's/^/#   /'
		return 1
	fi
	return 0
}

# Both readers must refuse.
both_fail() {
	local main=$1
	"$MPD" --defaults-file="$main" mysqld >/dev/null 2>&1 && return 1
	"$tool" dump "$main" mysqld >/dev/null 2>"$tmp/tool.err" && return 1
	return 0
}

# event_scheduler as the server would end up with it: the last line of
# my_print_defaults that sets it, normalised like last_values.
es_after() {
	"$MPD" --defaults-file="$1" $2 | last_values | awk -F'\t' '$1 == "event_scheduler" { print $2 }'
}

# Options other than event_scheduler, in order.
others() {
	"$MPD" --defaults-file="$1" $2 | awk '{ k = tolower($0); gsub(/-/, "_", k) } k !~ /^__(loose_)?((skip|enable|disable)_)?event_scheduler(=|$)/'
}

# Set event_scheduler=ON on $1 with groups $2 (space-separated).
check_set() {
	local main=$1 groups=$2 what=$3 got
	others "$main" "$groups" >"$tmp/before.others"
	if ! "$tool" set "$main" "${groups// /,}" event_scheduler ON >"$tmp/set.out" 2>"$tmp/set.err"; then
		echo "# $what: set failed: $(cat "$tmp/set.err")"
		return 1
	fi
	got=$(es_after "$main" "$groups")
	if [ "$got" != ON ]; then
		echo "# $what: my_print_defaults ends with event_scheduler='$got'"
		return 1
	fi
	others "$main" "$groups" >"$tmp/after.others"
	if ! cmp -s "$tmp/before.others" "$tmp/after.others"; then
		echo "# $what: other options changed"
		diff "$tmp/before.others" "$tmp/after.others" | head | sed 's/^/#   /'
		return 1
	fi
	# A second set changes nothing.
	"$tool" set "$main" "${groups// /,}" event_scheduler ON >"$tmp/set2.out" 2>/dev/null || return 1
	if [ -s "$tmp/set2.out" ]; then
		echo "# $what: second set changed $(cat "$tmp/set2.out")"
		return 1
	fi
	return 0
}

# --- hand-written layouts -------------------------------------------------
h=$tmp/hand
mkdir -p "$h/conf.d" "$h/empty.d"
printf '[mysqld]\nz=a\n' >"$h/conf.d/a.cnf"
printf '[mysqld]\nz=b\n# no newline\nevent-scheduler=OFF' >"$h/conf.d/b.cnf"
printf '[mysqld]\nz=ini\n' >"$h/conf.d/c.ini"
printf '[mysqld]\nz=upper\n' >"$h/conf.d/D.CNF"
printf '[mysqld]\nz=dots\n' >"$h/conf.d/e.x.cnf"
printf '[mysqld]\nz=bak\n' >"$h/conf.d/f.cnf.bak"
printf '[mysqld]\nz=hidden\n' >"$h/conf.d/.cnf"
printf '[mysqld]\nz=ww\n' >"$h/conf.d/g.cnf"; chmod o+w "$h/conf.d/g.cnf"
mkdir "$h/conf.d/sub.cnf"
printf '[client]\nport=1\n[mysqld]\nport=2\n' >"$h/inc.cnf"
printf '[mysqld]\nport=cut\n' >"$h/inc.cn"

printf '# stock\n[client]\nport = 3306\n\n[mysqld]\nport\t= 3306\ndatadir = /var/lib/mysql # data\nsql_mode="STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"\nevent_scheduler\n;old=1\n' >"$h/stock.cnf"
compare "$h/stock.cnf" stock; ok $? "hand: stock file"

printf '[mysqld]\na=1\n!include %s/inc.cnf\nb=2\n!includedir %s/conf.d\nc=3\n!include %s/missing.cnf\n[MYSQLD ]\nd=4\n[ mysqld]\ne=5\n' "$h" "$h" "$h" >"$h/includes.cnf"
compare "$h/includes.cnf" includes; ok $? "hand: !include, !includedir order and names, missing include, world-writable"

printf '[mysqld]\r\nport=1\r\n!include %s/inc.cnf\r\nq = "a b" # c\r\n' "$h" >"$h/crlf.cnf"
compare "$h/crlf.cnf" crlf; ok $? "hand: CRLF lines and include"

printf '[mysqld]\nport=1\n!include %s/inc.cnf' "$h" >"$h/nonl.cnf"
compare "$h/nonl.cnf" nonl; ok $? "hand: include on a last line without newline (the server cuts a byte)"

printf '[mysqld]\na=2#c\nb='"'"'q "# x'"'"' ; x\nc="  sp  "\nd=\\t\\s\\x\\\\\ne="unbal\nf=\ng = " x " y\nh = '"'"'it"s'"'"'\nLOOSE-Event_Scheduler = ON\nskip-event-scheduler\nenable_event_scheduler=0\n' >"$h/quote.cnf"
compare "$h/quote.cnf" quote; ok $? "hand: quotes, comments, escapes, prefixes"

: >"$h/empty.cnf"
compare "$h/empty.cnf" empty; ok $? "hand: empty file"

printf '[mysqld]\n!includedir %s/empty.d\nx=1\n' "$h" >"$h/emptydir.cnf"
compare "$h/emptydir.cnf" emptydir; ok $? "hand: empty includedir"

printf '[mysqld]\n!includedir %s/nodir\n' "$h" >"$h/bad1.cnf"
both_fail "$h/bad1.cnf"; ok $? "hand: missing includedir refused by both"
printf 'x=1\n[mysqld]\n' >"$h/bad2.cnf"
both_fail "$h/bad2.cnf"; ok $? "hand: option before a group refused by both"
printf '[mysqld]\n[mysqld\n' >"$h/bad3.cnf"
both_fail "$h/bad3.cnf"; ok $? "hand: unclosed group refused by both"
printf '[mysqld]\n!include\n' >"$h/bad4.cnf"
both_fail "$h/bad4.cnf"; ok $? "hand: empty !include refused by both"
both_fail "$h/none.cnf"; ok $? "hand: missing main file refused by both"

# --- generated layouts: reading ------------------------------------------
bad=0
for seed in $(seq 1 200); do
	d=$tmp/g$seed
	mkdir -p "$d"
	main=$("$tool" generate "$seed" "$d") || { bad=$((bad + 1)); continue; }
	if ! compare "$main" "seed $seed"; then
		bad=$((bad + 1))
		[ -n "${JOBFIX_KEEP_TMP:-}" ] && cp -r "$d" "/tmp/mycnf-fail-$seed"
	fi
	rm -rf "$d"
done
ok $bad "200 generated layouts read as my_print_defaults reads them ($bad differ)"

# --- setting event_scheduler ----------------------------------------------
s=$tmp/set
mkdir -p "$s/conf.d"
printf '[mysqld]\nport=1\n!includedir %s/conf.d\n' "$s" >"$s/a.cnf"
printf '[mysqld]\nevent-scheduler=OFF\n' >"$s/conf.d/90-late.cnf"
check_set "$s/a.cnf" mysqld "includedir file sets OFF later"; ok $? "set: OFF in a later includedir file"
cat "$s/conf.d/90-late.cnf" | grep -q '^event-scheduler=ON$'; ok $? "set: rewritten in the includedir file, spelling kept"

printf '[mysqld]\nloose-event_scheduler = OFF   # keep\n[client]\nport=1\n' >"$s/b.cnf"
check_set "$s/b.cnf" mysqld "loose-event_scheduler"; ok $? "set: loose-event_scheduler"
grep -q '^loose-event_scheduler = ON   # keep$' "$s/b.cnf"; ok $? "set: spacing and comment kept"

printf '[client]\r\nport=1' >"$s/c.cnf"
check_set "$s/c.cnf" mysqld "no [mysqld]"; ok $? "set: no section, CRLF, no final newline"
printf '[client]\r\nport=1\r\n\r\n[mysqld]\r\nevent_scheduler=ON' | cmp -s - "$s/c.cnf"; ok $? "set: section appended with CRLF"

printf '[mysqld]\nskip-event-scheduler\n[server]\n' >"$s/d.cnf"
check_set "$s/d.cnf" "$GROUPS_SP" "skip-event-scheduler"; ok $? "set: skip-event-scheduler"

bad=0
for seed in $(seq 1 100); do
	d=$tmp/s$seed
	mkdir -p "$d"
	main=$("$tool" generate "$seed" "$d" es) || { bad=$((bad + 1)); continue; }
	if [ $((seed % 2)) = 0 ]; then groups=$GROUPS_SP; else groups=mysqld; fi
	if ! "$MPD" --defaults-file="$main" mysqld >/dev/null 2>&1; then
		echo "# seed $seed: generated layout not readable"
		bad=$((bad + 1))
	elif ! check_set "$main" "$groups" "seed $seed"; then
		bad=$((bad + 1))
		[ -n "${JOBFIX_KEEP_TMP:-}" ] && cp -r "$d" "/tmp/mycnf-setfail-$seed"
	fi
	rm -rf "$d"
done
ok $bad "100 generated layouts: event_scheduler=ON wins after mycnf_set ($bad fail)"

echo "1..$n"
[ $failed -eq 0 ]
