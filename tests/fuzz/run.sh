#!/bin/bash
# tests/fuzz/run.sh - explore with libFuzzer by hand, from fresh seeds, for
# longer than CI does (CI replays a fixed seed so that main stays green).
#
#   CC=clang-14 /path/to/configure --enable-fuzz --enable-asan && make
#   /path/to/tests/fuzz/run.sh SECONDS [NAME...]     (from that build dir)
#
# Each harness runs SECONDS over a copy of its corpus; crashes land in
# ./fuzz-artifacts/, new interesting inputs in ./fuzz-corpus/NAME (copy the
# small ones worth keeping into tests/fuzz/corpus/NAME, and every crash).
set -u
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:?usage: run.sh SECONDS [NAME...]}
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/fuzz-*.c; do
		n=${f##*/fuzz-}
		names+=("${n%.c}")
	done
fi
export LSAN_OPTIONS="suppressions=$here/../lsan.supp:print_suppressions=0"
mkdir -p fuzz-artifacts
failed=0
for n in "${names[@]}"; do
	mkdir -p "fuzz-corpus/$n"
	cp -rn "$here/corpus/$n/." "fuzz-corpus/$n/" 2>/dev/null
	if ./tests/fuzz/fuzz-"$n" -max_total_time="$seconds" -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="fuzz-artifacts/$n-" \
	    "fuzz-corpus/$n" >"fuzz-$n.log" 2>&1; then
		echo "fuzz-$n: ok"
	else
		echo "fuzz-$n: FAILED (see fuzz-$n.log and fuzz-artifacts/)"
		failed=1
	fi
done
exit $failed
