#!/bin/bash
# demo.sh [RUNS] - times `jobfix demo` as the README's first command runs it
# (after the build): the whole demo, each server's start, and the load
# average before and after, RUNS times (1).  The target is under a minute.
# Not part of make check (it times wall-clock on a shared machine); run it
# from a build directory:
#
#   JOBFIX=./jobfix /path/to/tests/bench/demo.sh 3
set -u
RUNS=${1:-1}
JOBFIX=${JOBFIX:-$PWD/jobfix}
[ -x "$JOBFIX" ] || { echo "demo.sh: no jobfix at $JOBFIX (set JOBFIX)" >&2; exit 2; }
out=$(mktemp "${TMPDIR:-/tmp}/jobfix-bench-demo.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT
worst=0
for ((i = 1; i <= RUNS; i++)); do
	load0=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s%N)
	env -u LC_ALL -u LANGUAGE LANG=C LC_MESSAGES=C "$JOBFIX" --no-color demo </dev/null >"$out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	load1=$(cut -d' ' -f1 /proc/loadavg)
	[ "$ms" -gt "$worst" ] && worst=$ms
	printf 'run %d: %d.%03d s, exit %d, load %s -> %s;' "$i" $((ms / 1000)) $((ms % 1000)) \
		"$rc" "$load0" "$load1"
	sed -n 's/^  \([A-Za-z_]*\) *127\.0\.0\.1:[0-9]* *ready in \([0-9]*\) s$/ \1 \2 s/p' "$out" | tr -d '\n'
	echo
	[ "$rc" -eq 0 ] || tail -n 20 "$out" | sed 's/^/  | /'
done
printf 'slowest: %d.%03d s (target: under 60 s) %s\n' $((worst / 1000)) $((worst % 1000)) \
	"$([ "$worst" -lt 60000 ] && echo met || echo MISSED)"
