#!/bin/bash
# svc-frozen.sh - wall time of `jobfix diagnose` with every service frozen
# (SIGSTOP: the TCP connection is accepted, nothing answers), against the
# bound of 1.2 x probes.deadline_ms: each client library's own timeouts must
# end the probes' waits.  Runs scenario 34-svc-frozen RUNS times with
# JOBFIX_BENCH set, which adds the timed check, and prints each time.
#
#   bash tests/bench/svc-frozen.sh [RUNS]      (from a build tree; RUNS=3)
#
# Not part of make check: a loaded machine must not fail the test suite.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
export top_srcdir top_builddir
RUNS=${1:-3}
times=$(mktemp)
trap 'rm -f "$times"' EXIT
fail=0
for i in $(seq 1 "$RUNS"); do
	if ! JOBFIX_BENCH=$times bash "$top_srcdir/tests/integration/34-svc-frozen.sh" >"$times.log.$i" 2>&1; then
		fail=1
		grep -A6 '^not ok' "$times.log.$i" | sed 's/^/# /'
	fi
	rm -f "$times.log.$i"
done
printf 'diagnose, every service frozen, probes.deadline_ms = 4000 (bound 4800 ms):\n'
sort -n "$times" | awk '{ t[NR] = $1 } END { if (NR) printf "  runs %d, min %d ms, median %d ms, max %d ms\n", NR, t[1], t[int((NR + 1) / 2)], t[NR] }'
exit "$fail"
