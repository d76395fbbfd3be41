#!/bin/bash
# 07-diff-real.sh - diff_unified against GNU diff -u over seeded random file
# pairs (labels instead of timestamps), with and without final newlines.
#  - "unique" pairs (every line distinct, so the alignment is unambiguous):
#    output must be byte for byte that of `diff -u`;
#  - "noisy" pairs (few distinct lines, many equally good alignments): the
#    diff must patch a into b exactly (GNU patch) and change as many lines
#    as `diff --minimal -u` does.
set -u
tool=${top_builddir:-.}/tests/unit/diff-tool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jf-diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { local d=${2//$'\n'/\\n}; n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $d"; else echo "not ok $n - $d"; failed=$((failed + 1)); fi; }

if ! command -v diff >/dev/null || ! diff --version 2>/dev/null | grep -q GNU; then
	echo "1..0 # SKIP GNU diff not found"; exit 0
fi
RANDOM=${DIFF_SEED:-7}
uniq_id=0

# unique pair: base of distinct lines; a drops/replaces some, b inserts some
gen_unique() {
	local len=$((RANDOM % 40)) i r
	: >"$1"; : >"$2"
	for ((i = 0; i < len; i++)); do
		r=$((RANDOM % 10)); uniq_id=$((uniq_id + 1))
		case $r in
		0) echo "only-a $uniq_id" >>"$1" ;;
		1) echo "only-b $uniq_id" >>"$2" ;;
		2) echo "old $uniq_id" >>"$1"; echo "new $uniq_id" >>"$2" ;;
		*) echo "line $uniq_id with some text" >>"$1"; echo "line $uniq_id with some text" >>"$2" ;;
		esac
	done
}
# noisy pair: lines from a tiny alphabet
gen_noisy() {
	local la=$((RANDOM % 25)) lb=$((RANDOM % 25)) i
	: >"$1"; : >"$2"
	for ((i = 0; i < la; i++)); do echo "w$((RANDOM % 4))" >>"$1"; done
	for ((i = 0; i < lb; i++)); do echo "w$((RANDOM % 4))" >>"$2"; done
	if [ $((RANDOM % 3)) = 0 ]; then cp "$1" "$2"; sed -i "$((RANDOM % 20 + 1))s/.*/changed/" "$2"; fi
}
# drop the final newline of a file now and then, add a \r now and then
mangle() {
	if [ $((RANDOM % 4)) = 0 ] && [ -s "$1" ]; then truncate -s -1 "$1"; fi
	if [ $((RANDOM % 8)) = 0 ]; then sed -i "$((RANDOM % 5 + 1))s/\$/\r/" "$1"; fi
}
counts() { grep -c '^[-+][^-+]\|^[-+]$' "$1"; }

exact=0 exact_total=0
for ((k = 0; k < 150; k++)); do
	gen_unique "$tmp/a" "$tmp/b"; mangle "$tmp/a"; mangle "$tmp/b"
	ctx=$((RANDOM % 4))
	diff -U $ctx --label A --label B "$tmp/a" "$tmp/b" >"$tmp/gnu"
	"$tool" -U $ctx "$tmp/a" "$tmp/b" A B >"$tmp/ours"
	exact_total=$((exact_total + 1))
	if cmp -s "$tmp/gnu" "$tmp/ours"; then exact=$((exact + 1)); else
		echo "# unique pair $k (context $ctx) differs from GNU diff:"
		diff "$tmp/gnu" "$tmp/ours" | head -20 | sed 's/^/#   /'
	fi
done
[ $exact = $exact_total ]; ok $? "byte for byte as diff -u on $exact/$exact_total unique pairs"

good=0 total=0
for ((k = 0; k < 150; k++)); do
	gen_noisy "$tmp/a" "$tmp/b"; mangle "$tmp/a"; mangle "$tmp/b"
	ctx=$((RANDOM % 4))
	diff --minimal -U $ctx --label A --label B "$tmp/a" "$tmp/b" >"$tmp/gnu"
	"$tool" -U $ctx "$tmp/a" "$tmp/b" A B >"$tmp/ours"
	total=$((total + 1))
	cp "$tmp/a" "$tmp/patched"
	if [ -s "$tmp/ours" ]; then
		patch -s -o "$tmp/patched" "$tmp/a" "$tmp/ours" >/dev/null 2>&1 || echo "# patch failed"
	fi
	if cmp -s "$tmp/patched" "$tmp/b" &&
	    [ "$(counts "$tmp/gnu")" = "$(counts "$tmp/ours")" ]; then
		good=$((good + 1))
	else
		echo "# noisy pair $k: patch or size differs"; diff "$tmp/gnu" "$tmp/ours" | head -10 | sed 's/^/#   /'
	fi
done
[ $good = $total ]; ok $? "patches a into b, minimal like diff --minimal, on $good/$total noisy pairs"

# fixed edge cases, against GNU diff
edge() {
	printf "$2" >"$tmp/a"; printf "$3" >"$tmp/b"
	diff -u --label A --label B "$tmp/a" "$tmp/b" >"$tmp/gnu"
	"$tool" "$tmp/a" "$tmp/b" A B >"$tmp/ours"
	cmp -s "$tmp/gnu" "$tmp/ours"; ok $? "as diff -u: $1"
}
edge "empty to text" '' 'a\nb\n'
edge "text to empty" 'a\nb\n' ''
edge "final newline removed" 'a\nb\n' 'a\nb'
edge "final newline added" 'a\nb' 'a\nb\n'
edge "both without final newline" 'a\nx' 'b\nx'
edge "CR kept in lines" 'a\r\nb\r\n' 'a\r\nc\r\n'
edge "identical" 'same\n' 'same\n'
edge "blank lines" '\n\n\n' '\n\n'

# secrets are masked on both sides
printf 'ijobs.amqp.username=job\nijobs.amqp.password=hunter2\n' >"$tmp/a"
printf 'ijobs.amqp.username=bk_job\nijobs.amqp.password=hunter3\n' >"$tmp/b"
"$tool" "$tmp/a" "$tmp/b" A B >"$tmp/ours"
grep -q '^-ijobs.amqp.password=\*\*\*\*\*\*$' "$tmp/ours" &&
    grep -q '^+ijobs.amqp.password=\*\*\*\*\*\*$' "$tmp/ours" &&
    ! grep -q hunter "$tmp/ours"; ok $? "secret values masked on - and + lines"

echo "1..$n"
[ $failed = 0 ]
