#!/bin/bash
# rabbitmq-api.sh - wall time of the rabbitmq_account step's work, over the
# management plugin's HTTP API and with rabbitmqctl, against one real
# broker (tests/lib.sh, the plugin on a private port): `jobfix --dry-run`
# and `jobfix fix --yes` with Job's user missing (so the fix creates the
# user, tags it and grants it on bk_job, logs in again and restarts the
# site's stand-in Job), the median of RUNS each, and the ratio.
#
#   make bench-rabbitmq [BENCH_RUNS=5]
#   bash tests/bench/rabbitmq-api.sh [RUNS]     (from a build tree)
#
# Targets with the API: a dry run under 0.5 s, a fix under 2 s.  Not part of
# make check: timings depend on the machine and its load.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
RUNS=${1:-5}
setup_tmp
require_cmd python3 curl

start_rabbitmq --management
ADMIN_PW=Bench-Mgmt-Pw-61
printf '%s\n' "$ADMIN_PW" | rmqctl add_user jfadmin >/dev/null
rmqctl set_user_tags jfadmin administrator >/dev/null
printf 'machine 127.0.0.1 login jfadmin password %s\n' "$ADMIN_PW" >"$T/netrc"
chmod 600 "$T/netrc"
printf 'user = jfadmin\npassword = %s\n' "$ADMIN_PW" >"$T/admin.cred"
chmod 600 "$T/admin.cred"
make_site "$T/site"

conf() {	# FILE CREDENTIALS-FILE
	cat >"$1" <<CONFEOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ ];
job: { process_pattern = "no-such-process-jobfix-bench"; restart_wait_ms = 0; };
probes: { only = [ "rabbitmq" ]; deadline_ms = 5000; };
unattended: { max_runs = 100000; };
rabbitmq: {
  ctl = "$_jf_rmq_bin/rabbitmqctl";
  node = "$RABBITMQ_NODENAME";
  ctl_env = [ "HOME=$RMQ_HOME", "ERL_EPMD_PORT=$RMQ_EPMD_PORT",
              "RABBITMQ_CONF_ENV_FILE=$RMQ_HOME/rabbitmq-env.conf" ];
  api_url = "http://127.0.0.1:$RMQ_MGMT_PORT";
  api_credentials_file = "$2";
};
CONFEOF
}
conf "$T/api.conf" "$T/admin.cred"
conf "$T/ctl.conf" ""

# Job's user missing again (not timed)
reset() { curl -sf --netrc-file "$T/netrc" -X DELETE "http://127.0.0.1:$RMQ_MGMT_PORT/api/users/bk_job" >/dev/null 2>&1; true; }
ms() { date +%s%3N; }
# median of RUNS timings of "jobfix -c CONF ARGS...", from Job's user missing
median() {
	local conf=$1 i t0 t1 rc v=()
	shift
	for ((i = 0; i < RUNS; i++)); do
		reset
		t0=$(ms)
		"$JOBFIX" -c "$conf" "$@" >"$T/out" 2>&1 </dev/null
		rc=$?
		t1=$(ms)
		case "$*:$rc" in
		*--dry-run*:1 | fix*:0) ;;
		*) bail "jobfix -c $conf $* exited $rc: $(head -c 600 "$T/out")" ;;
		esac
		v+=($((t1 - t0)))
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
dry_api=$(median "$T/api.conf" --dry-run)
dry_ctl=$(median "$T/ctl.conf" --dry-run)
fix_api=$(median "$T/api.conf" fix --yes)
fix_ctl=$(median "$T/ctl.conf" fix --yes)
reset

ratio() { python3 -c "print('%.1f' % ($1 / max($2, 1)))"; }
printf '# rabbitmq_account, Job'"'"'s user missing: median of %d runs (load average %s)\n' \
	"$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %12s %14s %8s\n' "" "HTTP API" "rabbitmqctl" "ratio"
printf '%-22s %9d ms %11d ms %7sx\n' "jobfix --dry-run" "$dry_api" "$dry_ctl" "$(ratio "$dry_ctl" "$dry_api")"
printf '%-22s %9d ms %11d ms %7sx\n' "jobfix fix --yes" "$fix_api" "$fix_ctl" "$(ratio "$fix_ctl" "$fix_api")"
printf '# targets with the API: dry run < 500 ms, fix < 2000 ms\n'
ok 0 "benchmark ran"
done_testing
