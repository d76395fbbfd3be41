#!/bin/bash
# 16-metrics: the Prometheus textfile (metrics.textfile).  Off by default;
# a bad path is a configuration error naming file and line; every run
# replaces the file whole (no temporary file left, mode 0644); findings by
# fault ID and code, and how many runs in a row a fault stayed; the last
# run's time, duration and exit code; playbook runs by result and the
# rate-limit holds as counters that keep growing from run to run; the
# maintenance flag; each probe's duration and result.  promtool checks the
# file, and a private node_exporter (textfile collector only, on loopback)
# serves it to curl.  A fleet run writes one file with a host label.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 curl promtool prometheus-node-exporter

make_site "$T/site" ijobs.amqp.username=admin
J=$SITE/etc/job.conf
CONF=$T/jobfix.conf
TF=$T/textfile
PROM=$TF/jobfix.prom
mkdir -p "$T/pb" "$TF"
write_conf() {	# extra lines
	cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ "$T/pb" ];
audit: { syslog = false; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
probes: { network = false; only = [ "job", "logs" ]; };
$1
EOF
}
cat >"$T/pb/rabbitmq-credentials.conf" <<'EOF'
name    = "rabbitmq-credentials";
fixes   = [ "wait.rabbitmq.creds" ];
summary = "align the AMQP credentials";
steps   = (
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.username"; value = "${jobconf.app.code}"; },
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.password"; value = "${jobconf.app.secret}"; },
  { type = "verify"; fact = "jobconf.amqp_creds"; equals = "match"; }
);
EOF
breakit() { sed -i -e 's/^ijobs.amqp.username=.*/ijobs.amqp.username=admin/' \
	-e 's/^ijobs.amqp.password=.*/ijobs.amqp.password=wrong/' "$J"; }
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
# metric LINE-START: the value of the one sample whose line starts so
metric() { awk -v s="$1" 'index($0, s) == 1 { print $NF; n++ } END { if (!n) print "(none)" }' "$PROM"; }

# --- off by default, and a bad path ---------------------------------------
write_conf ""
check_rc 1 "without metrics.textfile a run works" -- jf diagnose
is "$(ls "$TF")" "" "and writes no metrics file"
write_conf 'metrics: { textfile = "relative/jobfix.prom"; };'
check_rc 2 "a relative metrics.textfile is a configuration error (exit 2)" -- jf diagnose
like "$OUT" "$CONF:6: \"metrics.textfile\" is an absolute path ending in .prom" \
	"naming the file and line"
write_conf "metrics: { textfile = \"$TF/jobfix.txt\"; };"
check_rc 2 "a metrics.textfile not ending in .prom is refused" -- jf diagnose

# --- a fault found run after run -------------------------------------------
write_conf "metrics: { textfile = \"$PROM\"; };"
breakit
code=$("$JOBFIX" -c "$CONF" explain wait.rabbitmq.creds | grep -oE '[0-9]{7}' | head -1)
check_rc 1 "diagnose finds the fault" -- jf diagnose
[ -f "$PROM" ]
ok $? "the metrics file is written"
is "$(stat -c %a "$PROM")" "644" "readable by node_exporter (0644)"
is "$(ls -A "$TF")" "jobfix.prom" "no temporary file is left beside it"
is "$(metric "jobfix_findings{fault=\"wait.rabbitmq.creds\",code=\"$code\",state=\"open\"}")" "1" \
	"the finding, by fault ID and error code"
is "$(metric 'jobfix_finding_consecutive_runs{fault="wait.rabbitmq.creds"')" "1" "found in 1 run"
is "$(metric 'jobfix_runs_total ')" "1" "runs_total 1"
is "$(metric 'jobfix_last_run_exit_code ')" "1" "the last run's exit code"
now=$(date +%s)
t=$(metric 'jobfix_last_run_timestamp_seconds ')
python3 -c "import sys; sys.exit(0 if abs($t - $now) < 120 else 1)"
ok $? "the last run's time ($t, now $now)"
d=$(metric 'jobfix_last_run_duration_seconds ')
python3 -c "import sys; sys.exit(0 if 0 <= $d < 120 else 1)"
ok $? "its duration ($d s)"
is "$(metric 'jobfix_probe_result{probe="jobconf",result="ok"}')" "1" "each probe's result"
is "$(metric 'jobfix_probe_result{probe="jobconf",result="failed"}')" "0" "(the other results 0)"
like "$(metric 'jobfix_probe_duration_seconds{probe="logs"}')" '^[0-9]+\.[0-9]{3}$' "each probe's duration in seconds"
is "$(metric 'jobfix_maintenance_paused ')" "0" "not paused"
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="fixed"}')" "0" \
	"every playbook's counters are there at 0 before its first run"
check_rc 1 "a second diagnose" -- jf diagnose
is "$(metric 'jobfix_finding_consecutive_runs{fault="wait.rabbitmq.creds"')" "2" "found in 2 runs in a row"
is "$(metric 'jobfix_runs_total ')" "2" "runs_total counts on across processes"

check "promtool checks the file" -- promtool check metrics <"$PROM"
is "$(metric 'jobfix_metrics_write_failures_total ')" "0" "no write has failed"

# a run whose file cannot be written still ran: counted, and so is the failure
write_conf "metrics: { textfile = \"$T/no-such-dir/jobfix.prom\"; };"
OUT=$(jf diagnose 2>&1)
like "$OUT" "jobfix: warning: metrics: " "a metrics file that cannot be written is a warning"
write_conf "metrics: { textfile = \"$PROM\"; };"
check_rc 1 "the next run writes the file again" -- jf diagnose
is "$(metric 'jobfix_runs_total ')" "4" "runs_total counts the run whose file was not written"
is "$(metric 'jobfix_metrics_write_failures_total ')" "1" "and the failed write is counted"
is "$(metric 'jobfix_finding_consecutive_runs{fault="wait.rabbitmq.creds"')" "4" \
	"the run without a file counts among the runs in a row"
check "promtool checks the file with the failure counter" -- promtool check metrics <"$PROM"

# --- repairs, holds and the maintenance flag -------------------------------
write_conf "metrics: { textfile = \"$PROM\"; };
policy: { rabbitmq-credentials: { mode = \"auto\"; max_runs = 2; window_seconds = 3600; }; };"
check_rc 0 "run 1 fixes" -- jf --auto fix
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="fixed"}')" "1" "fixed: 1"
is "$(metric 'jobfix_finding_consecutive_runs{')" "(none)" "a fixed fault is no longer counted"
is "$(metric 'jobfix_last_run_exit_code ')" "0" "exit code 0"
breakit
check_rc 0 "run 2 fixes" -- jf --auto fix
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="fixed"}')" "2" "fixed: 2"
breakit
check_rc 1 "run 3 is held by the rate limit" -- jf --auto fix
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="held"}')" "1" "held: 1"
is "$(metric 'jobfix_ratelimit_holds_total{playbook="rabbitmq-credentials"}')" "1" "one rate-limit hold"
is "$(metric 'jobfix_ratelimit_held{playbook="rabbitmq-credentials"}')" "1" "held now"
check_rc 1 "run 4 is still held" -- jf --auto fix
is "$(metric 'jobfix_ratelimit_holds_total{playbook="rabbitmq-credentials"}')" "1" "the same hold is not counted again"
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="held"}')" "2" "held runs: 2"
is "$(metric 'jobfix_playbook_runs_total{playbook="rabbitmq-credentials",result="fixed"}')" "2" \
	"the fixed counter kept its value"
check "pause" -- jf pause "upgrade"
check_rc 1 "a run while paused" -- jf --auto fix
is "$(metric 'jobfix_maintenance_paused ')" "1" "the maintenance flag is 1"
check "resume" -- jf resume
check "promtool checks the file after repairs and holds" -- promtool check metrics <"$PROM"

# the example alerting rules of jobfix(8) are valid rules
sed -n '/^groups:$/,/^\.Ed$/p' "$top_srcdir/man/jobfix.8" | sed '$d' >"$T/rules.yml"
check "promtool checks the alerting rules of jobfix(8)" -- promtool check rules "$T/rules.yml"
like "$OUT" "SUCCESS: 2 rules found" "both of them"

# --- a real node_exporter serves it ----------------------------------------
port=$(free_port) || bail "free_port failed"
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$TF" >"$T/node_exporter.log" 2>&1 &
nepid=$!
register_server "$nepid" node_exporter "kill_wait $nepid 5"
wait_for 20 "$nepid" port_open 127.0.0.1 "$port" ||
	_jf_start_failed node_exporter "$T/node_exporter.log"
check "node_exporter is scraped with curl" -- curl -sf "http://127.0.0.1:$port/metrics"
like "$OUT" 'jobfix_last_run_exit_code 1' "the scrape shows the timer run's exit code"
like "$OUT" 'jobfix_playbook_runs_total\{playbook="rabbitmq-credentials",result="fixed"\} 2' \
	"and its counters"
like "$OUT" 'node_textfile_scrape_error 0' "node_exporter read the file without error"
check_rc 1 "another timer run" -- jf --auto fix
check "scraped again" -- curl -sf "http://127.0.0.1:$port/metrics"
like "$OUT" 'jobfix_runs_total [0-9]+' "the new run is served"
is "$(echo "$OUT" | awk '/^jobfix_runs_total /{print $2}')" "$(metric 'jobfix_runs_total ')" \
	"node_exporter serves the file as written"
unlike "$(cat "$T/node_exporter.log")" 'level=error' "node_exporter logged no error"

# --- a fleet: one file on the controller, a host label ---------------------
. "$top_srcdir/tests/fleet-hosts.sh"
require_cmd ssh-keygen
fleet_setup 2
C=$T/jobfix.conf
echo "metrics: { textfile = \"$T/fleet-tf/fleet.prom\"; };" >>"$C"
mkdir -p "$T/fleet-tf"
PROM=$T/fleet-tf/fleet.prom
H1=$(fleet_addr 1)
H2=$(fleet_addr 2)
closed=$(free_port) || bail "free_port failed"
echo "127.0.0.1:$closed root=$T/h/x" >>"$T/inventory"
check_rc 6 "fleet fix: two hosts fixed, one unreachable" -- \
	"$JOBFIX" -c "$C" fleet -i "$T/inventory" --no-progress --yes fix
for h in "$H1" "$H2"; do
	is "$(metric "jobfix_playbook_runs_total{host=\"$h\",playbook=\"gse-agent-restart\",result=\"fixed\"}")" "1" \
		"$h: the agent restart counted as fixed"
	is "$(metric "jobfix_last_run_exit_code{host=\"$h\"}")" "0" "$h: exit code 0"
	is "$(metric "jobfix_probe_result{host=\"$h\",probe=\"agent\",result=\"ok\"}")" "1" "$h: its probes"
done
is "$(metric "jobfix_last_run_exit_code{host=\"127.0.0.1:$closed\"}")" "6" "the unreachable host's exit code"
check "promtool checks the fleet's file" -- promtool check metrics <"$PROM"
is "$(grep -c '^# TYPE jobfix_last_run_exit_code ' "$PROM")" "1" "one TYPE line per family for all hosts"
# --- a link planted at the path is refused, never followed -----------------
echo precious >"$T/victim"
ln -s "$T/victim" "$TF/link.prom"
write_conf "metrics: { textfile = \"$TF/link.prom\"; };"
OUT=$(jf diagnose 2>&1)
like "$OUT" "link.prom\" is a symbolic link, not a regular file" "a link at metrics.textfile is refused"
is "$(cat "$T/victim")" precious "and the write is not redirected to its target"
[ -L "$TF/link.prom" ]
ok $? "and the link is left as it was"

done_testing
