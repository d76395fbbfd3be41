#!/bin/bash
# 35-svc-mysql-partial: a fix that is only partly possible keeps what is
# right.  Job's MySQL login (job.conf) may read but not SET GLOBAL: the
# my.cnf change, checked, stands; the running server's half is reported as
# needing a privileged login, with the exact statement; exit 1, not "fixed"
# and not "undone".  A privileged login is named without a password in
# jobfix.conf or argv: mysql.admin_defaults_file (a 0600 client option file)
# or mysql.admin_socket (root by socket authentication).  Each is checked:
# a file others can read is refused, a wrong password is refused without
# showing it, the socket login changes the same server.  The playbook
# grammar's groups: a failing group undoes itself only, a playbook without
# groups stands or falls as one, a group named twice is a parse error.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum mariadbd

# no root password: root@localhost keeps socket authentication
unset MYSQL_ROOT_PASSWORD
start_mariadb
JOB_PW=Job-Login-7c1e
ADMIN_PW=Admin-Secret-93fa
sql "CREATE USER 'job'@'127.0.0.1' IDENTIFIED BY '$JOB_PW';
GRANT SELECT ON *.* TO 'job'@'127.0.0.1';
CREATE USER 'dba'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PW';
GRANT ALL ON *.* TO 'dba'@'127.0.0.1';
SET GLOBAL event_scheduler = OFF"
make_site "$T/site"
sed -i -e '/event_scheduler/d' "$SITE/etc/my.cnf"
sed -i -e 's/^job.mysql.username=.*/job.mysql.username=job/' \
	-e "s/^job.mysql.password=.*/job.mysql.password=$JOB_PW/" "$SITE/etc/job.conf"

base_conf() {
	write_jobfix_conf "$T/jobfix.conf" \
		'probes: { only = [ "mysql" ]; deadline_ms = 5000; };' \
		'unattended: { max_runs = 1000; };' "$@"
}
base_conf
sched() { sql 'select @@global.event_scheduler'; }
run_outcome() { py "print(' '.join(r['outcome'] for r in d.get('runs', []) if r['playbook'] == '$1'))"; }
state_of() { py "print(' '.join(f['state'] for f in d['findings'] if f['fault'] == '$1'))"; }
note_of() { py "print(' '.join(f.get('note') or '' for f in d['findings'] if f['fault'] == '$1'))"; }
mycnf_on() { grep -Eq '^ *event_scheduler *= *ON' "$SITE/etc/my.cnf"; }

# ------------------------------------------- Job's login cannot SET GLOBAL
jf diagnose
is "$(findings)" "nolog.partition" "scheduler OFF, nothing in my.cnf: nolog.partition"
jf fix --yes
is "$RC" 1 "a partial fix exits 1 (findings remain), not 3 (undone) nor 5 (failed)"
mycnf_on
ok $? "the checked my.cnf change stands though SET GLOBAL was refused"
is "$(sched)" OFF "the running server was not changed (the login may not)"
is "$(run_outcome mysql-event-scheduler)" partial "the playbook's outcome is partial"
is "$(state_of nolog.partition)" remains "the finding remains: the running server still runs OFF"
NOTE=$(note_of nolog.partition)
like "$NOTE" 'partly fixed: this stands: .*my\.cnf' "the note says what stands"
like "$NOTE" "refused \"SET GLOBAL event_scheduler = ON\" to Job's login" "the note names the refused statement and whose"
like "$NOTE" 'error 1227' "the note gives the server's error"
like "$NOTE" 'Run it as a login that has it: SET GLOBAL event_scheduler = ON' "the note gives the exact statement to run"
like "$NOTE" 'mysql\.admin_defaults_file' "the note names the setting for a privileged login"
unlike "$NOTE" 'undone.*my\.cnf' "my.cnf is not said to be undone"
OUT=$("$JOBFIX" -c "$CONF" fix --yes 2>&1)
like "$OUT" 'partly done|event_scheduler' "text report: a second run is readable"

# the same, in text: the kept change says kept
sed -i -e '/event_scheduler/d' "$SITE/etc/my.cnf"
OUT=$("$JOBFIX" -c "$CONF" fix --yes 2>&1)
RC=$?
is "$RC" 1 "text run: exit 1"
like "$OUT" "$(tre 'partly done: a group of steps failed and was undone; the groups before it stand')" "text: the result says partly done"
like "$OUT" "$(tre 'kept: the steps of its group all passed')" "text: the my.cnf change is marked kept"
mycnf_on
ok $? "text run: my.cnf keeps ON"

# -------------------------------- admin_defaults_file that others can read
printf '[client]\nuser=dba\npassword=%s\n' "$ADMIN_PW" >"$T/admin.cnf"
chmod 0644 "$T/admin.cnf"
base_conf "mysql: { admin_defaults_file = \"$T/admin.cnf\"; };"
jf fix --yes
is "$RC" 3 "a refused admin file: the step fails, nothing was changed (exit 3)"
is "$(sched)" OFF "a world-readable admin file is not used"
like "$OUT" "mysql\\.admin_defaults_file $T/admin\\.cnf: mode 0644 lets other users read it" "the refusal names the file and its mode"

# ------------------------------------------- admin file, wrong password
chmod 0600 "$T/admin.cnf"
printf '[client]\nuser=dba\npassword=Wrong-%s\n' "$ADMIN_PW" >"$T/admin.cnf"
jf fix --yes
is "$RC" 3 "a wrong admin password: exit 3"
like "$OUT" "as the login in $T/admin\\.cnf: Access denied" "the refusal names the login's file and the server's answer"
is "$(sched)" OFF "nothing changed with a wrong admin password"

# ------------------------------------------- admin file that may
printf '[client]\nuser=dba\npassword=%s\n' "$ADMIN_PW" >"$T/admin.cnf"
jf fix --yes
is "$(sched)" ON "the login of mysql.admin_defaults_file set the running server ON"
unlike "$(state_of nolog.partition)" '^remains$' "with a privileged login the finding does not remain"
is "$(run_outcome mysql-event-scheduler)" changed "with a privileged login the playbook ran through (changed)"

# ------------------------------------------- admin_socket: root by socket auth
sql "SET GLOBAL event_scheduler = OFF"
base_conf "mysql: { admin_socket = \"$MYSQL_SOCK\"; };"
jf fix --yes
is "$(sched)" ON "mysql.admin_socket: root over the socket set the server ON"
base_conf "mysql: { admin_socket = \"$MYSQL_SOCK\"; admin_defaults_file = \"$T/admin.cnf\"; };"
sql "SET GLOBAL event_scheduler = OFF"
jf fix --yes
like "$OUT" 'set one of mysql.admin_defaults_file and mysql.admin_socket, not both' "both set: refused, named"
is "$(sched)" OFF "both set: nothing changed"
sql "SET GLOBAL event_scheduler = ON"

# no password of any login reached any output or the audit log
unlike "$(cat "$ALL_OUT")" "$ADMIN_PW|$JOB_PW" "no password in any output"
unlike "$(cat "$JOBFIX_AUDIT_LOG" 2>/dev/null)" "$ADMIN_PW|$JOB_PW" "no password in the audit log"

# ------------------------------------------------- the playbook grammar
mkdir -p "$T/pb"
pb_with() {	# GROUP2: a file edit, then a check that fails
	cat >"$T/pb/grp.conf" <<EOF
name = "mysql-event-scheduler";
fixes = [ "nolog.partition" ];
summary = "test: groups";
steps = (
  { type = "ini_set"; file = "\${site.mycnf}"; section = "mysqld";
    key = "event_scheduler"; value = "ON"; },
  { type = "verify"; fact = "mycnf.event_scheduler"; equals = "ON"; },
  { type = "verify"; $1 fact = "mysql.event_scheduler"; equals = "NEVER"; }
);
EOF
}
sql "SET GLOBAL event_scheduler = OFF"
sed -i -e '/event_scheduler/d' "$SITE/etc/my.cnf"
base_conf
sed -i "s|^playbook_dirs = \[ \];|playbook_dirs = [ \"$T/pb\" ];|" "$CONF"
pb_with 'group = "later";'
jf fix --yes
mycnf_on
ok $? "groups: the first group's checked change stands when a later group fails"
is "$(run_outcome mysql-event-scheduler)" partial "groups: partial"
sed -i -e '/event_scheduler/d' "$SITE/etc/my.cnf"
pb_with ''
jf fix --yes
! mycnf_on
ok $? "no groups: the playbook stands or falls as one (my.cnf undone)"
is "$(run_outcome mysql-event-scheduler)" undone "no groups: undone"
cat >"$T/pb/grp.conf" <<'EOF'
name = "twice";
fixes = [ "nolog.partition" ];
summary = "test";
steps = (
  { type = "note"; group = "a"; text = "1"; },
  { type = "note"; group = "b"; text = "2"; },
  { type = "note"; group = "a"; text = "3"; }
);
EOF
OUT=$("$JOBFIX" playbooks check "$T/pb/grp.conf" 2>&1)
RC=$?
is "$RC" 2 "a group named again after another: exit 2"
like "$OUT" "$T/pb/grp.conf:[0-9]+: step 3: group \"a\" began at step 1 and another came between" "the error names the file, line, step and group"

done_testing
