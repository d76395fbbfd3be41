#!/bin/bash
# jobconf.sh [LINES...] - does jobfix's cost grow linearly with job.conf?
#
# For each size (default 2000 20000 200000 lines) it makes a sandbox site
# (tests/lib.sh's make_site) whose job.conf is padded to that many lines with
# distinct keys, comments and a few duplicates, with one fault in it: the
# AMQP user and password differ from app.code and app.secret.  Then it times
#   diagnose      (every probe that needs no network; finds the fault)
#   fix --yes     (rewrites the two keys of job.conf, shows the diff,
#                  verifies, restarts the fake Job)
# median of 3 runs each (the fix on a fresh copy of the file each time) and
# the peak RSS of each (GNU time's "Maximum resident set size").  It prints
# the growth ratio of each size over the one before it: linear cost gives
# about the ratio of the sizes (10), quadratic cost its square.
# Target: 200,000 lines fixed in under 1 s, peak RSS under 64 MiB.
#
# Not part of make check (timings depend on the machine).  From a build
# directory:  make bench-jobconf   or   JOBFIX=./jobfix tests/bench/jobconf.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
JOBFIX=${JOBFIX:-$PWD/jobfix}
export top_srcdir JOBFIX
[ -x "$JOBFIX" ] || { echo "jobconf.sh: no jobfix at $JOBFIX (set JOBFIX)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "jobconf.sh: needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
. "$top_srcdir/tests/lib.sh"
setup_tmp

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 20000 200000)

# pad FILE LINES: appends lines until FILE has LINES lines: mostly distinct
# keys, a comment every 50 lines, a repeated key every 97 (the last wins)
pad() {
	awk -v have="$(wc -l <"$1")" -v want="$2" 'BEGIN {
		for (i = have; i < want; i++) {
			if (i % 50 == 0)
				printf "# section %d of the padding\n", i / 50
			else if (i % 97 == 0)
				printf "bench.repeated.key = value %d\n", i
			else
				printf "bench.module%d.setting%d=value-%d \\u4e2d\n", i % 13, i, i
		}
	}' >>"$1"
}

# run ID CMD...: runs CMD under GNU time; appends "SECONDS RSS_KIB EXIT
# CPU_SECONDS" to $T/ID.times
run() {
	local id=$1 rc
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$T/time.out" "$@" >"$T/$id.out" 2>"$T/$id.err"
	rc=$?
	tail -n 1 "$T/time.out" | awk -v rc="$rc" '{ printf "%s %s %s %.2f\n", $1, $2, rc, $3 + $4 }' >>"$T/$id.times"
}

# median of column 1 (seconds), the largest of column 2 (KiB), the median
# of column 4 (CPU seconds)
summary() {
	awk '{ t[NR] = $1; c[NR] = $4; if ($2 > m) m = $2 }
	    END { asort(t); asort(c); k = int((NR + 1) / 2)
	    printf "%s %d %s\n", t[k], m, c[k] }' "$1"
}

printf '%-8s %8s %8s %8s %8s %9s %9s %7s %7s\n' lines diag_s diag_cpu \
	fix_s fix_cpu diag_MiB fix_MiB diag_x fix_x
prev_d= prev_f= prev_n=
fail=0
for n in "${sizes[@]}"; do
	dir=$T/site-$n
	make_site "$dir" ijobs.amqp.username=admin ijobs.amqp.password=wrong-pw >/dev/null
	pad "$SITE/etc/job.conf" "$n"
	cp -p "$SITE/etc/job.conf" "$T/job.conf.orig"
	conf=$T/jobfix-$n.conf
	cat >"$conf" <<EOF
site: { root = "$SITE"; templates_dir = ""; agent_dir = "$SITE/gse-agent"; };
playbook_dirs = [ "$top_srcdir/playbooks" ];
probes: { network = false; };
job: { process_pattern = "no-such-process-jobfix-bench"; restart_wait_ms = 0; };
agent: { process_pattern = "no-such-process-jobfix-bench"; };
EOF
	for i in 1 2 3; do
		cp -p "$T/job.conf.orig" "$SITE/etc/job.conf"
		JOBFIX_STATE_DIR=$T/state-$n-$i run diag-$n "$JOBFIX" -c "$conf" \
			--no-color diagnose
		cp -p "$T/job.conf.orig" "$SITE/etc/job.conf"
		JOBFIX_STATE_DIR=$T/state-$n-$i run fix-$n "$JOBFIX" -c "$conf" \
			--no-color fix --yes
	done
	# the outcome must be the real one, or the times mean nothing
	if ! awk '$3 != 1 { exit 1 }' "$T/diag-$n.times"; then
		echo "jobconf.sh: diagnose of $n lines did not exit 1 (findings):" >&2
		tail -n 5 "$T/diag-$n.err" >&2
		fail=1
	fi
	if ! awk '$3 != 0 { exit 1 }' "$T/fix-$n.times" ||
	    ! grep -q '^ijobs.amqp.username=bk_job$' "$SITE/etc/job.conf"; then
		echo "jobconf.sh: fix of $n lines did not repair job.conf (exit 0):" >&2
		tail -n 5 "$T/fix-$n.out" "$T/fix-$n.err" >&2
		fail=1
	fi
	read -r d drss dcpu < <(summary "$T/diag-$n.times")
	read -r f frss fcpu < <(summary "$T/fix-$n.times")
	dx=- fx=-
	if [ -n "$prev_n" ]; then
		dx=$(awk -v a="$d" -v b="$prev_d" 'BEGIN { printf "%.1f", a / (b > 0.01 ? b : 0.01) }')
		fx=$(awk -v a="$f" -v b="$prev_f" 'BEGIN { printf "%.1f", a / (b > 0.01 ? b : 0.01) }')
	fi
	printf '%-8s %8s %8s %8s %8s %9.1f %9.1f %7s %7s\n' "$n" "$d" "$dcpu" "$f" "$fcpu" \
		"$(awk -v k="$drss" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$frss" 'BEGIN { print k / 1024 }')" "$dx" "$fx"
	prev_n=$n prev_d=$d prev_f=$f
	last_f=$f last_rss=$(( drss > frss ? drss : frss )) last_n=$n
	[ "${KEEP-}" = 1 ] || rm -rf "$dir"
done
echo "(median of 3 runs: _s wall clock, _cpu user + system seconds; _MiB peak"
echo " RSS; diag_x and fix_x: wall time over the previous size's; GNU time has"
echo " 10 ms resolution, so ratios of small sizes are rough; load: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$last_n" = 200000 ]; then
	awk -v t="$last_f" -v m="$last_rss" 'BEGIN {
		printf "200,000 lines: fix %.2f s (target under 1 s: %s), peak RSS %.1f MiB (target under 64 MiB: %s)\n",
		    t, t < 1 ? "met" : "NOT MET", m / 1024, m < 65536 ? "met" : "NOT MET" }'
fi
exit $fail
