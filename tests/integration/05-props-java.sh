#!/bin/bash
# 05-props-java.sh - src/props.c reads properties files exactly as
# java.util.Properties does, and Java reads back exactly what props_set()
# wrote.
#
# props-dump (tests/unit/props-dump.c) prints what props_get() sees;
# PropsDump.java prints what Properties.load() sees, in the same format (keys
# and values as UTF-16 code units in hex, sorted).  They are compared over
# the hand-written cases in tests/data/props, a few hundred random files, and
# the same files after random props_set() edits, whose expected content
# props-dump derives from the values before the edit.  The JVM starts once.
# PROPS_SEED and PROPS_COUNT change the random files.  Java is required: if
# it is missing the test fails.
. "$top_srcdir/tests/lib.sh"
setup_tmp

DUMP="$top_builddir/tests/unit/props-dump"
JAVA_SRC="$top_srcdir/tests/integration/PropsDump.java"
seed=${PROPS_SEED:-20240611}
count=${PROPS_COUNT:-300}

if ! command -v java >/dev/null 2>&1; then
	ok 1 "java is installed (default-jdk-headless)"
	done_testing
fi
ok 0 "java is installed"

mkdir -p "$T/gen" "$T/edit"
check "generate $count random files (seed $seed)" -- \
	"$DUMP" --generate "$seed" "$count" "$T/gen"

files=("$top_srcdir"/tests/data/props/*.properties "$T"/gen/*.properties)
ok $(( ${#files[@]} >= count + 30 ? 0 : 1 )) \
	"${#files[@]} files to compare"

# what C reads from every file
"$DUMP" "${files[@]}" >"$T/c-orig.out" 2>"$T/c-orig.err"
ok $? "props-dump reads every file"

# random edits of every file that parses; the expected result comes from
# the values read before the edit
: >"$T/c-edit.out"
edited=()
fail=0
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	out="$T/edit/$n-${f##*/}"
	"$DUMP" --edit "$((seed + n))" "$f" "$out" >>"$T/c-edit.out" \
		2>>"$T/c-edit.err"
	case $? in
	0) edited+=("$out") ;;
	2) ;; # does not parse: Java throws too (compared above)
	*) fail=1; diag "props_set failed on $f (seed $((seed + n)))" ;;
	esac
done
ok $fail "props_set succeeds on every file that parses"
ok $(( ${#edited[@]} >= count * 9 / 10 ? 0 : 1 )) "${#edited[@]} files edited"

# what Java reads: one JVM for everything
java "$JAVA_SRC" "${files[@]}" "${edited[@]}" >"$T/java.out" 2>"$T/java.err"
if ! ok $? "java PropsDump ran"; then
	_diag_output "$(cat "$T/java.err")"
fi
awk -v e="== $T/edit/" '
	index($0, "== ") == 1 { ed = index($0, e) == 1 }
	{ print > (ed ? FILENAME ".edit" : FILENAME ".orig") }
' "$T/java.out"

if diff -u "$T/java.out.orig" "$T/c-orig.out" >"$T/orig.diff"; then
	ok 0 "props_get matches java.util.Properties on all ${#files[@]} files"
else
	ok 1 "props_get matches java.util.Properties on all ${#files[@]} files"
	diag "$(head -n 40 "$T/orig.diff")"
fi
if diff -u "$T/java.out.edit" "$T/c-edit.out" >"$T/edit.diff"; then
	ok 0 "Java reads back every props_set value, other keys unchanged"
else
	ok 1 "Java reads back every props_set value, other keys unchanged"
	diag "$(head -n 40 "$T/edit.diff")"
fi

# the comparison is not vacuous
errors=$(grep -c '^ERROR$' "$T/c-orig.out")
entries=$(grep -c '^[0-9a-f]*=' "$T/c-orig.out")
ok $(( errors >= 3 && entries >= 2000 ? 0 : 1 )) \
	"$entries entries and $errors files Java rejects were compared"
for name in escapes continuation-eof backslash-only-eof crlf job-conf; do
	grep -q "^== .*/$name.properties\$" "$T/java.out.orig"
	ok $? "case $name was compared"
done

done_testing
