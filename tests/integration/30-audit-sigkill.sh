#!/bin/bash
# 30-audit-sigkill: a run killed with SIGKILL in the middle of a fix, at
# several points (at chosen delays; between the two edits of job.conf, while
# a command sleeps; while Job's restart runs), leaves job.conf whole (the
# old content, the content after the first edit, or the new content), the
# audit log valid, and the next `fix --yes` finishes the job.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum

make_site "$T/site" ijobs.amqp.username=admin ijobs.amqp.password=wrong-pw-0042
J=$SITE/etc/job.conf
cp "$J" "$T/old"
sed 's/^ijobs.amqp.username=.*/ijobs.amqp.username=bk_job/' "$T/old" >"$T/mid"
sed 's/^ijobs.amqp.password=.*/ijobs.amqp.password=jobfix-test-secret/' "$T/mid" >"$T/new"
mkdir -p "$T/pb"
cat >"$T/pb/rabbitmq-credentials.conf" <<'EOF'
name    = "rabbitmq-credentials";
fixes   = [ "wait.rabbitmq.creds" ];
summary = "align the AMQP credentials, with a pause between the edits";
steps   = (
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.username"; value = "${jobconf.app.code}"; },
  { type = "command"; argv = [ "/bin/sleep", "1" ]; summary = "pause"; },
  { type = "properties_set"; file = "${site.job_conf}";
    key = "ijobs.amqp.password"; value = "${jobconf.app.secret}"; },
  { type = "verify"; fact = "jobconf.amqp_creds"; equals = "match"; },
  { type = "service"; service = "job"; action = "restart"; when = "changed"; }
);
EOF
# a restart that takes its time, and says when it started
cat >"$T/slow-restart.sh" <<EOF
#!/bin/sh
echo started >>"$T/restart.log"
sleep 2
echo done >>"$T/restart.log"
EOF
chmod 0755 "$T/slow-restart.sh"
CONF=$T/jobfix.conf
cat >"$CONF" <<EOF
site: { root = "$SITE"; templates_dir = ""; };
playbook_dirs = [ "$T/pb" ];
audit: { syslog = false; };
unattended: { max_runs = 1000; };
commands: { job_restart = [ "$T/slow-restart.sh", "restart" ]; };
job: { process_pattern = "no-such-process-jobfix-test"; restart_wait_ms = 200; };
probes: { network = false; disable = [ "mysql", "rabbitmq", "redis", "gsetask",
  "license", "cert", "paas", "cmdb", "consul", "ports", "nfs", "agent" ]; };
EOF
jf() { "$JOBFIX" -c "$CONF" --no-color "$@"; }
whole() {	# job.conf is one of the three contents
	local s
	s=$(sha256sum <"$J")
	[ "$s" = "$(sha256sum <"$T/old")" ] || [ "$s" = "$(sha256sum <"$T/mid")" ] ||
		[ "$s" = "$(sha256sum <"$T/new")" ]
}

# kill_at WHAT CONDITION...: start a fix, kill -9 it once CONDITION holds
kill_at() {
	local what=$1 pid i
	shift
	cp "$T/old" "$J"
	: >"$T/restart.log"
	BASE=$(cat "$JOBFIX_AUDIT_LOG" 2>/dev/null | wc -l)
	"$JOBFIX" -c "$CONF" --no-color fix --yes >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		"$@" && break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	whole
	ok $? "killed $what: job.conf is whole"
	LEFT=$(sha256sum <"$J")
	check "killed $what: the audit log verifies" -- jf audit verify
	check "killed $what: the next fix --yes finishes the job" -- jf fix --yes
	is "$(sha256sum <"$J")" "$(sha256sum <"$T/new")" "killed $what: job.conf is fixed"
}
after() { sleep "$1"; }
new_records() { tail -n +$((BASE + 1)) "$JOBFIX_AUDIT_LOG" 2>/dev/null; }
in_log() { new_records | grep -q "$1"; }
restarting() { grep -q started "$T/restart.log" 2>/dev/null; }
audit_lines() { [ "$(new_records | wc -l)" -ge "$1" ]; }

kill_at "at once" after 0.01
kill_at "after 100 ms" after 0.1
kill_at "right after the first intent record" audit_lines 1
kill_at "between the two edits (during the sleep)" in_log '"summary":"pause"'
is "$LEFT" "$(sha256sum <"$T/mid")" "that kill left the first edit made, the second not"
kill_at "while Job's restart runs" restarting
is "$LEFT" "$(sha256sum <"$T/new")" "that kill left both edits made"
# a sweep of delays through the whole run
for d in 0.15 0.3 0.5 0.8 1.2 1.6; do
	kill_at "after ${d}s" after "$d"
done

# what jobfix runs ends with it: killed during the slow restart, the
# restart script gets SIGTERM and never writes "done" (a Ctrl-C, which its
# own process group does not see, ends it the same way)
cp "$T/old" "$J"
: >"$T/restart.log"
"$JOBFIX" -c "$CONF" --no-color fix --yes >/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 200; i++)); do restarting && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 3
is "$(cat "$T/restart.log")" "started" "killed during the restart: the restart script ended with jobfix"
jf fix --yes >/dev/null 2>&1

# what the killed runs left: every record verifies; the head may lag by one
check "the whole log verifies at the end" -- jf audit verify
like "$OUT" "the chain is whole" "after all those kills"
leftovers=$(find "$SITE/etc" -name '.*' -type f | wc -l)
diag "temporary files left in etc/ by kills during a write: $leftovers"
# the killed runs' children (sleep, the slow restart) end by themselves
sleep 2.5
done_testing
