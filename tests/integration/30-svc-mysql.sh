#!/bin/bash
# 30-svc-mysql: the MySQL faults of FAQ sections 1 and 4 made in one real
# MariaDB (reused by every case): a partition table whose last partition is
# yesterday (nolog.headroom), Job's events dropped (nolog.events-missing),
# the scheduler OFF with nothing in my.cnf (nolog.partition), DISABLED in the
# option file (nolog.scheduler-disabled), a wrong password (start.mysql and
# start.credentials naming the key), the server stopped (start.mysql).
# For each: diagnose finds exactly it, a dry run changes nothing in the
# server or on disk, fix --yes repairs the server, a second fix does
# nothing; a restart with the edited my.cnf keeps the scheduler ON.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum mariadbd

export MYSQL_ROOT_PASSWORD=Db-Secret-5b1c
start_mariadb
make_site "$T/site"
sed -i '/event_scheduler/d' "$SITE/etc/my.cnf"

# commands.mysql_restart: stop this test's mariadbd, start it again on the
# same datadir with the site's my.cnf, wait until it answers
MARIADBD=$(command -v mariadbd)
MARIADB=$(command -v mariadb)
cat >"$T/mysql-restart.sh" <<RESTART
#!/bin/bash
old=\$(cat "$T/mysql/mysqld.pid" 2>/dev/null)
if [ -n "\$old" ]; then
	kill -TERM "\$old" 2>/dev/null
	for i in \$(seq 300); do [ -d /proc/\$old ] || break; sleep 0.1; done
fi
setsid $MARIADBD --defaults-file="$SITE/etc/my.cnf" --datadir="$MYSQL_DATADIR" \\
	--socket="$MYSQL_SOCK" --port="$MYSQL_PORT" --bind-address=127.0.0.1 --user=root \\
	--pid-file="$T/mysql/mysqld.pid" --log-error="$T/mysql/error.log" \\
	</dev/null >>"$T/mysql/error.log" 2>&1 &
echo \$! >"$T/mysql/restarted.pid"
for i in \$(seq 600); do
	MYSQL_PWD='$MYSQL_ROOT_PASSWORD' $MARIADB --no-defaults -S "$MYSQL_SOCK" -uroot -e 'select 1' >/dev/null 2>&1 && exit 0
	sleep 0.1
done
echo "mariadbd did not come back" >&2
exit 1
RESTART
chmod 0755 "$T/mysql-restart.sh"

write_jobfix_conf "$T/jobfix.conf" \
	'probes: { only = [ "mysql", "logs" ]; deadline_ms = 5000; };' \
	"commands: { mysql_restart = [ \"$T/mysql-restart.sh\" ]; };"
sched() { sql 'select @@global.event_scheduler'; }
# a dry run changes no byte, no mtime and not the server's scheduler
dry_run_changes_nothing() {	# DESC
	local before s0
	before=$(snapshot)
	s0=$(sched)
	jf --dry-run
	is "$RC" 1 "$1: the dry run has work to do"
	is "$(snapshot)" "$before" "$1: the dry run changed nothing on disk"
	is "$(sched)" "$s0" "$1: the dry run left @@event_scheduler $s0"
}

# ---------------------------------------------------------------- healthy
sql "set global event_scheduler = ON"
printf 'event_scheduler = ON\n' >>"$SITE/etc/my.cnf"
jf diagnose
is "$RC" 0 "healthy MySQL: diagnose exits 0"
is "$(findings)" "" "healthy MySQL: no findings"
is "$(fact mysql.status)" ok "mysql.status = ok"
is "$(fact mysql.event_scheduler)" ON "mysql.event_scheduler = ON"
OUT=$("$JOBFIX" -c "$CONF" facts 2>&1)
like "$OUT" "mysql.endpoint = 127.0.0.1:$MYSQL_PORT +# host: job.conf key job.mysql.host \\($SITE/etc/job.conf:[0-9]+\\); port: job.conf key job.mysql.port" \
	"facts: the endpoint names the job.conf keys it was built from"
like "$OUT" 'password: job.conf key job.mysql.password \([^)]*\) = \*\*\*\*\*\*' "facts: the password key is named, its value masked"

# ---------------------------------------------------------------- headroom
today=$(sql 'select to_days(curdate())')
sql "create database jobLog;
create table jobLog.job_log (id int, d date) partition by range (to_days(d))
  (partition p1 values less than ($((today - 1))), partition p2 values less than ($today));
create table jobLog.step_log (id int, d date) partition by range (to_days(d))
  (partition p1 values less than ($today), partition pmax values less than maxvalue);
create table jobLog.task_log (id int, d date) partition by range columns (d)
  (partition p1 values less than ('2999-01-01'));
create event jobLog.add_partitions on schedule every 1 day do select 1;"
jf diagnose
is "$(findings)" "nolog.headroom" "last partition yesterday: exactly nolog.headroom"
is "$(fact mysql.headroom_days)" 0 "mysql.headroom_days = 0"
is "$(fact mysql.headroom_table)" jobLog.job_log "the table without a partition for today is named"
is "$(fact mysql.partitioned_tables)" 3 "three RANGE-partitioned tables seen"
is "$(fact mysql.events.count)" 1 "Job's event is counted"

# ---------------------------------------------------------------- events dropped
sql "drop event jobLog.add_partitions"
jf diagnose
is "$(findings)" "nolog.events-missing nolog.headroom" "events dropped: nolog.events-missing"
before=$(snapshot)
jf fix --yes
is "$RC" 1 "events missing: fix has nothing to run (advice), findings remain"
is "$(snapshot)" "$before" "events missing: fix changed nothing on disk"
sql "create event jobLog.add_partitions on schedule every 1 day do select 1"

# ---------------------------------------------------------------- scheduler OFF
sed -i '/event_scheduler/d' "$SITE/etc/my.cnf"
sql "set global event_scheduler = OFF"
jf diagnose
is "$(findings)" "nolog.headroom nolog.partition" "scheduler OFF: nolog.partition"
dry_run_changes_nothing "scheduler OFF"
like "$OUT" 'SET GLOBAL event_scheduler = ON' "the dry run shows the statement"
unlike "$OUT" 'was not checked' "the dry run's notes do not contradict its plan (it read OFF)"
jf fix --yes
is "$(sched)" ON "fix: @@event_scheduler is ON"
# the server was started with --no-defaults: my.cnf is not what it reads
state_of() { py "print(' '.join(f['state'] for f in d['findings'] if f['fault'] == '$1'))"; }
note_of() { py "print(' '.join(f.get('note', '') for f in d['findings'] if f['fault'] == '$1'))"; }
is "$(state_of nolog.partition)" "applied until restart" \
	"server started with --no-defaults: applied until restart, not fixed"
like "$(note_of nolog.partition)" "applied until the next restart \\($SITE/etc/my.cnf was changed\\): .*not among the option files of the server at 127.0.0.1:$MYSQL_PORT \\(pid $MYSQL_PID: none\\).*--no-defaults" \
	"the note gives the evidence: the server's command line"
isnt_zero() { [ "$1" -ne 0 ]; }
isnt_zero "$RC"
ok $? "applied until restart is not exit 0 (exit $RC)"
like "$(grep -n 'event_scheduler' "$SITE/etc/my.cnf")" 'event_scheduler *= *ON' "fix: my.cnf says event_scheduler = ON"
is "$(py 'print(" ".join(r["playbook"] + ":" + r["outcome"] for r in d["runs"]))')" \
	"mysql-event-scheduler:changed" "fix: the playbook changed things"
like "$(py 'print(chr(10).join(d["notes"]))')" 'partitions are still missing: jobLog.job_log has 0 days ahead' \
	"fix: the report says partitions are still missing and the events must run"
before=$(snapshot)
jf fix --yes
is "$(py 'print(len(d["runs"]))')" 0 "second fix: nothing to do"
is "$(snapshot)" "$before" "second fix: nothing changed on disk"
restart_mariadb --defaults-file "$SITE/etc/my.cnf"
is "$(sched)" ON "restarted with the edited my.cnf: the scheduler is still ON"
# now the server reads my.cnf (--defaults-file on its command line)
is "$(fact mysql.reads_mycnf)" yes "the server's option files include my.cnf"
sed -i '/event_scheduler/d' "$SITE/etc/my.cnf"
sql "set global event_scheduler = OFF"
jf fix --yes
is "$(state_of nolog.partition)" fixed "the server reads the edited file: fixed"
# and a server reading other option files than the edited one
cp "$SITE/etc/my.cnf" "$T/other.cnf"
restart_mariadb --defaults-file "$T/other.cnf"
is "$(fact mysql.reads_mycnf)" no "started with another option file: my.cnf is not read"
sed -i '/event_scheduler/d' "$SITE/etc/my.cnf"
sql "set global event_scheduler = OFF"
jf fix --yes
is "$(state_of nolog.partition)" "applied until restart" "another option file: applied until restart"
like "$(note_of nolog.partition)" "--defaults-file=$T/other.cnf" "the note names the file the server reads"
restart_mariadb --defaults-file "$SITE/etc/my.cnf"

# ---------------------------------------------------------------- DISABLED
sed -i 's/^event_scheduler.*/event_scheduler = DISABLED/' "$SITE/etc/my.cnf"
restart_mariadb --defaults-file "$SITE/etc/my.cnf"
is "$(sched)" DISABLED "the server runs with event_scheduler DISABLED"
jf diagnose
is "$(findings)" "nolog.headroom nolog.scheduler-disabled" "DISABLED: exactly nolog.scheduler-disabled"
dry_run_changes_nothing "DISABLED"
jf fix --yes
is "$(sched)" DISABLED "fix without --allow-restart: the server was not restarted"
like "$(grep 'event_scheduler' "$SITE/etc/my.cnf")" '^event_scheduler *= *ON' "fix: the option file says ON"
like "$(py 'print(json.dumps(d["runs"]))')" 'needs --allow-restart' "the report says the restart needs --allow-restart"
is "$(py 'print(" ".join(f["state"] for f in d["findings"] if f["fault"] == "nolog.scheduler-disabled"))')" \
	held "the finding is held"
before=$(snapshot)
jf fix --yes
is "$(snapshot)" "$before" "again without --allow-restart: nothing more changes"
is "$(sched)" DISABLED "again: still not restarted"
jf --allow-restart fix --yes
is "$(sched)" ON "fix --allow-restart: MySQL restarted, the scheduler is ON"
if [ -r "$T/mysql/restarted.pid" ]; then
	rpid=$(cat "$T/mysql/restarted.pid")
	register_server "$rpid" mariadb "kill_wait $rpid 30"
fi
is "$(py 'print(" ".join(f["state"] for f in d["findings"] if f["fault"] == "nolog.scheduler-disabled"))')" \
	fixed "the finding is fixed"
jf --allow-restart fix --yes
is "$(py 'print(len(d["runs"]))')" 0 "again with --allow-restart: nothing to do"

# ---------------------------------------------------------------- wrong password
cp "$SITE/etc/job.conf" "$T/job.conf.good"
site_conf_set "$SITE" job.mysql.password Wrong-Db-Pw-9
jf diagnose
is "$(findings)" "start.credentials start.mysql" "wrong password: start.mysql and start.credentials"
like "$(py 'print(json.dumps(d["findings"]))')" 'mysql.bad_keys = job.mysql.username, job.mysql.password' \
	"start.credentials names the keys"
is "$(fact mysql.status)" auth_failed "mysql.status = auth_failed"
adv=$(py 'print(" ".join(f.get("advice", "") for f in d["findings"]))')
like "$adv" "MySQL refused the login made with job.mysql.username, job.mysql.password" "the advice names the refused keys"
unlike "$adv" ' \? |\(not known\)|keys  must|\.\.|;;' "no unresolved placeholder, no doubled punctuation"
cp "$T/job.conf.good" "$SITE/etc/job.conf"

# ---------------------------------------------------------------- localhost:PORT
# Job's JDBC reaches localhost:PORT over TCP; the client library would take
# "localhost" for its default Unix socket and ignore the port, so look at
# whichever server owns that socket, or at none
site_conf_set "$SITE" job.mysql.host localhost
sql "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD'; GRANT ALL ON *.* TO 'root'@'127.0.0.1'; CREATE USER IF NOT EXISTS 'root'@'::1' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD'; GRANT ALL ON *.* TO 'root'@'::1'"
jf diagnose
is "$(fact mysql.status)" ok "localhost:PORT: reached over TCP, as Job does"
is "$(fact mysql.port)" "$MYSQL_PORT" "localhost:PORT: the server that answered has @@port $MYSQL_PORT"
OUT=$("$JOBFIX" -c "$CONF" facts 2>&1)
like "$OUT" "mysql.event_scheduler = ON +# SELECT @@event_scheduler on localhost:$MYSQL_PORT" \
	"each fact says which server it came from"
like "$OUT" "mysql.server = localhost:$MYSQL_PORT +# TCP to localhost:$MYSQL_PORT: the server of host [^,]*, @@port $MYSQL_PORT, @@socket $MYSQL_SOCK" \
	"mysql.server: address, port and socket of the server that answered"
cp "$T/job.conf.good" "$SITE/etc/job.conf"

# ---------------------------------------------------------------- down
pid=$(cat "$T/mysql/mysqld.pid")
kill -TERM "$pid"
for i in $(seq 300); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
jf diagnose
is "$(findings)" "start.mysql" "server stopped: exactly start.mysql"
like "$(py 'print(json.dumps(d["findings"]))')" "cannot connect to 127.0.0.1:$MYSQL_PORT" "the message names the endpoint"
before=$(snapshot)
jf --dry-run
is "$(snapshot)" "$before" "server stopped: the dry run changed nothing"

unlike "$(cat "$ALL_OUT" "$JOBFIX_AUDIT_LOG" 2>/dev/null)" "$MYSQL_ROOT_PASSWORD|Wrong-Db-Pw-9" \
	"no password in any output or the audit log"
done_testing
