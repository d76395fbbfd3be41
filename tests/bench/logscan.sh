#!/bin/bash
# logscan.sh - is the log scanner as fast as it must be?
#
#   tests/bench/logscan.sh [SIZE_MIB]      (default 1024; run from the build
#                                          directory, or set LOGSCAN_BENCH)
#
# 1. generates a SIZE_MIB synthetic job.log (Java log lines with timestamps,
#    stack traces, a few thousand signature hits scattered);
# 2. times `grep -F -c -f SIGNATURES` and the scanner's first scan of it
#    (fresh state each time), median of 3 each, and prints the ratio
#    (target: the scanner at least as fast as grep);
# 3. appends 1 MiB and times the rescan, median of 5 (target: under 20 ms,
#    and only the new bytes read).
# The big file is removed at the end, whatever happens.  A benchmark, not a
# test: timings depend on the machine, so make check never runs it.
set -eu

size=${1:-1024}
bench=${LOGSCAN_BENCH:-./tests/bench/logscan-bench}
if [ ! -x "$bench" ]; then
	echo "logscan.sh: $bench not found: run from the build directory after" \
	    "make check, or set LOGSCAN_BENCH" >&2
	exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/logscan-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/job.log
state=$work/state

now_ns() { date +%s%N; }
median() { sort -n | sed -n 2p; }

echo "generating a $size MiB job.log in $work"
"$bench" gen "$log" "$size"
"$bench" sigs > "$work/sigs"
sync                          # the generator's writeback, out of the way
cat "$log" > /dev/null        # the page cache, warm for both

grep_times=() scan_times=()
for i in 1 2 3; do
	t0=$(now_ns)
	n=$(grep -F -c -f "$work/sigs" "$log")
	t1=$(now_ns)
	grep_times+=($(( (t1 - t0) / 1000000 )))
done
for i in 1 2 3; do
	rm -f "$state"
	t0=$(now_ns)
	out=$("$bench" scan "$log" "$state")
	t1=$(now_ns)
	scan_times+=($(( (t1 - t0) / 1000000 )))
done
g=$(printf '%s\n' "${grep_times[@]}" | median)
s=$(printf '%s\n' "${scan_times[@]}" | median)
echo "grep -F -c -f:  ${grep_times[*]} ms  median $g ms  ($n matching lines)"
echo "first scan:     ${scan_times[*]} ms  median $s ms  ($out)"
awk -v g="$g" -v s="$s" 'BEGIN { printf "ratio grep/scan: %.2f (%s)\n", g / (s ? s : 1),
    s <= g ? "scanner at least as fast: ok" : "SLOWER than grep" }'

rescan=()
for i in 1 2 3 4 5; do
	"$bench" append "$log" 1024
	sync
	out=$("$bench" scan "$log" "$state")
	echo "rescan after 1 MiB appended: $out"
	rescan+=("${out%% ms*}")
done
r=$(printf '%s\n' "${rescan[@]}" | sort -g | sed -n 3p)
awk -v r="$r" 'BEGIN { printf "rescan median: %s ms (%s)\n", r,
    r < 20 ? "under 20 ms: ok" : "OVER 20 ms" }'
