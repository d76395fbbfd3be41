#!/bin/bash
# 01-lib-selftest.sh - tests/lib.sh itself.
#
# Every other scenario trusts this library to start real servers privately
# and to stop them all, so it is tested first and for real: the TAP helpers
# (including skip_all failing under CI), free_port, each server starter
# answered by the server's own client, the sandbox site, and the trap that
# stops every server by pid on a normal end, on bail out, on SIGTERM and on
# SIGINT (and keeps $T with JOBFIX_KEEP_TMP=1).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib.sh"

setup_tmp
LIB=$top_srcdir/tests/lib.sh
nl=$'\n'

# ------------------------------------------------------------ setup_tmp

check "setup_tmp made a private directory" -- test -d "$T" -a -O "$T"
is "$JOBFIX_STATE_DIR" "$T/state" "JOBFIX_STATE_DIR is under \$T"
is "$JOBFIX_AUDIT_LOG" "$T/audit.log" "JOBFIX_AUDIT_LOG is under \$T"
check "the state directory exists" -- test -d "$JOBFIX_STATE_DIR"

# ------------------------------------------------------------ TAP helpers

# A child test with known results; its stream and status are checked.
cat >"$T/tap-child.sh" <<EOF
. '$LIB'
check "true passes" -- true
check "false fails" -- sh -c 'echo oops; exit 3'
echo "rc=\$RC out=\$OUT"
check_fail "false is a failure" -- false
check_rc 3 "exit 3" -- sh -c 'exit 3'
is "a b" "a b" "same"
is "a" "b" "different"
like "hello world" '^hel+o' "like"
unlike "hello" 'xyz' "unlike"
unlike "hello" 'l+' "unlike fails"
skip "later" "not yet"
done_testing
EOF
check_fail "a child with failures exits nonzero" -- env -u CI bash "$T/tap-child.sh"
tap=$OUT
like "$tap" $'(^|\n)ok 1 - true passes\n' "check: ok on exit 0"
like "$tap" $'\nnot ok 2 - false fails\n' "check: not ok on exit 3"
like "$tap" $'\n# output:\n# oops\n' "check: a failure shows the output"
like "$tap" $'\nrc=3 out=oops\n' "check: sets RC and OUT"
like "$tap" $'\nok 3 - false is a failure\n' "check_fail"
like "$tap" $'\nok 4 - exit 3\n' "check_rc"
like "$tap" $'\nok 5 - same\nnot ok 6 - different\n#      got: .a.\n# expected: .b.\n' "is"
like "$tap" $'\nok 7 - like\nok 8 - unlike\nnot ok 9 - unlike fails\n' "like and unlike"
like "$tap" $'\nok 10 - later # SKIP not yet\n' "skip"
like "$tap" $'\n1\\.\\.10\n# failed 3 of 10\n?$' "done_testing prints the plan last"

printf '. %q\ncheck t -- true\n' "$LIB" >"$T/noplan.sh"
check_fail "a test that forgets done_testing fails" -- env -u CI bash "$T/noplan.sh"

printf '. %q\nskip_all "no frobnicator"\necho not reached\n' "$LIB" >"$T/skip.sh"
check "skip_all skips outside CI" -- env -u CI bash "$T/skip.sh"
is "$OUT" "1..0 # SKIP no frobnicator" "skip_all prints an empty plan"
check_fail "skip_all fails under CI" -- env CI=true bash "$T/skip.sh"
like "$OUT" '^Bail out! CI: cannot skip: no frobnicator' "skip_all under CI bails out"

printf '. %q\nrequire_cmd sh no-such-command-jobfix\n' "$LIB" >"$T/req.sh"
check "require_cmd skips on a missing program" -- env -u CI bash "$T/req.sh"
like "$OUT" "no-such-command-jobfix" "require_cmd names it"

printf '. %q\nbail "broken"\n' "$LIB" >"$T/bail.sh"
check_fail "bail exits nonzero" -- bash "$T/bail.sh"
is "$OUT" "Bail out! broken" "bail prints Bail out!"

# ------------------------------------------------------------ free_port

p1=$(free_port)
p2=$(free_port)
like "$p1" '^[0-9]+$' "free_port prints a number"
check "free_port: two calls differ" -- test "$p1" != "$p2"
check "free_port: the port is claimed" -- test -d "$(_jf_port_dir)/$p1"
check_fail "free_port: nothing listens on it" -- port_open 127.0.0.1 "$p1"

# A port asked for again (a kept demo sandbox restarting its servers) is
# claimed while its last connections are in TIME_WAIT: the server closed
# them first, as one does when it stops.  A port something listens on is not.
p3=$(free_port)
python3 - "$p3" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port))
srv.listen(1)
cli = socket.create_connection(('127.0.0.1', port))
conn, _ = srv.accept()
conn.close()            # the server's side closes first: its TIME_WAIT
time.sleep(0.2)
cli.close()
srv.close()
EOF
like "$(ss -Htan state time-wait "( sport = :$p3 )")" "127\.0\.0\.1:$p3 " "a connection of port $p3 is in TIME_WAIT"
rm -rf "$(_jf_port_dir)/$p3"	# the claim, not the port, is what is asked again
is "$(srv_free_port "${_jf_owner:-$$}" "$p3" 2>&1)" "$p3" "free_port PORT: a port in TIME_WAIT is claimed again"
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("up", flush=True); time.sleep(30)' "$p3" >"$T/listen.out" &
listener=$!
register_server "$listener" listener "kill_wait $listener 5"
wait_for 20 "$listener" grep -q up "$T/listen.out"
rm -rf "$(_jf_port_dir)/$p3"	# the claim, not the port, is what is asked again
check_fail "free_port PORT: a port something listens on is not claimed" -- srv_free_port "${_jf_owner:-$$}" "$p3"
stop_server "$listener"

# ------------------------------------------------------------ all servers

# A background subshell starts every server with its own setup_tmp, writes
# what it started, and waits; this test talks to the servers with their
# real clients, then sends SIGTERM and checks the trap stopped them all.
child_env=$T/child.env
(
	setup_tmp
	echo "$T" >"$child_env.T"
	SSHD_ADDRS="127.0.0.2 127.0.0.3"
	MYSQL_ROOT_PASSWORD='r00t pw'
	start_mariadb
	make_site "$T/site"
	restart_mariadb --defaults-file "$T/site/etc/my.cnf"
	start_rabbitmq
	start_redis
	start_sshd
	make_ca "$T/pki" ca
	make_cert "$T/pki" server ca
	make_cert "$T/pki" client ca
	make_cert "$T/pki" old ca --expired
	start_tls_server "$T/pki/server.crt" "$T/pki/server.key" "$T/pki/ca.crt"
	mkdir -p "$T/www/api"
	echo '{"result": true}' >"$T/www/api/healthz.json"
	start_http "$T/www"
	start_dns --address=/job.service.consul/127.0.0.1 --address=/rabbitmq.service.consul/127.0.0.9
	{
		declare -p T SITE MYSQL_PORT MYSQL_SOCK MYSQL_PID _jf_mysql_pw \
			AMQP_PORT RABBITMQ_NODENAME RMQ_HOME RMQ_EPMD_PORT RABBITMQ_PID \
			RABBITMQ_BEAM_PID RMQ_EPMD_PID REDIS_PORT REDIS_PID SSHD_PORT SSHD_PID \
			SSH_USER SSH_USER_KEY SSH_KNOWN_HOSTS SSH_OPTS TLS_PORT TLS_PID \
			HTTP_PORT HTTP_PID DNS_PORT DNS_PID
		echo "child_pids='$(server_pids | tr '\n' ' ') $RABBITMQ_BEAM_PID'"
	} >"$child_env.tmp"
	mv "$child_env.tmp" "$child_env"
	while :; do sleep 0.2; done
) >"$T/child.out" 2>&1 &
child=$!

started=$SECONDS
while [ ! -e "$child_env" ]; do
	if ! pid_alive "$child"; then
		diag "the server child died:"
		diag "$(tail -n 60 "$T/child.out")"
		bail "cannot start the servers"
	fi
	[ $((SECONDS - started)) -gt 240 ] && bail "servers not up after 240s"
	sleep 0.2
done
diag "all servers up in $((SECONDS - started))s"
# Our own values (ports, keys) are replaced by the child's.
own_T=$T
. "$child_env"
child_T=$T
T=$own_T

# MariaDB, restarted with the site's my.cnf (event_scheduler = ON).
check "mariadb: the socket answers" -- sql 'select 1'
check "mariadb: my.cnf was read on restart" -- sql 'select @@event_scheduler'
is "$OUT" ON "mariadb: event_scheduler is ON from the site's my.cnf"
check "mariadb: root logs in over TCP with MYSQL_ROOT_PASSWORD" -- \
	env MYSQL_PWD='r00t pw' mariadb --no-defaults -h 127.0.0.1 -P "$MYSQL_PORT" -uroot -N -e 'select 2'
is "$OUT" 2 "mariadb: the TCP query ran"
check_fail "mariadb: root without the password is refused" -- \
	mariadb --no-defaults -h 127.0.0.1 -P "$MYSQL_PORT" -uroot -N -e 'select 2'

# RabbitMQ.
check "rabbitmq: rabbitmqctl status" -- rmqctl status
check "rabbitmq: list_vhosts" -- rmqctl list_vhosts --quiet
like "$OUT" '(^|[[:space:]])bk_job($|[[:space:]])' "rabbitmq: vhost bk_job exists"
check "rabbitmq: the AMQP port is open" -- port_open 127.0.0.1 "$AMQP_PORT"
check_fail "rabbitmq: the system epmd port is not needed" -- test "$RMQ_EPMD_PORT" = 4369
# Mnesia writes its MnesiaCore.* dumps into the VM's working directory:
# the broker's own, never the directory make check runs in
is "$(readlink "/proc/$RABBITMQ_BEAM_PID/cwd")" "$(readlink -f "$RMQ_HOME")" "rabbitmq: the VM runs in its own directory"

# Redis.
check "redis: ping" -- redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
is "$OUT" PONG "redis: PONG"

# sshd, on three addresses, with strict host key checking.
for addr in 127.0.0.1 127.0.0.2 127.0.0.3; do
	check "sshd: ssh to $addr" -- ssh -i "$SSH_USER_KEY" -p "$SSHD_PORT" -F /dev/null \
		-o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -o IdentitiesOnly=yes "$SSH_USER@$addr" 'echo ran on $SSH_CONNECTION'
	like "$OUT" "^ran on 127\\.0\\.0\\.1 [0-9]+ ${addr//./\\.} $SSHD_PORT\$" "sshd: the command ran via $addr"
done
check "sshd: SSH_OPTS works" -- ssh "${SSH_OPTS[@]}" 127.0.0.2 true
: >"$T/empty_known_hosts"
check_fail "sshd: an unknown host key is refused" -- ssh -i "$SSH_USER_KEY" -p "$SSHD_PORT" \
	-F /dev/null -o UserKnownHostsFile="$T/empty_known_hosts" -o StrictHostKeyChecking=yes \
	-o BatchMode=yes 127.0.0.1 true
like "$OUT" 'Host key verification failed' "sshd: ssh says why"
check_fail "sshd: another key is refused" -- ssh -i "$child_T/pki/client.key" -p "$SSHD_PORT" \
	-F /dev/null -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
	-o BatchMode=yes -o IdentitiesOnly=yes 127.0.0.1 true

# TLS with a client certificate.
pki=$child_T/pki
check "tls: s_client with a client certificate" -- sh -c "echo | openssl s_client \
	-connect 127.0.0.1:$TLS_PORT -CAfile $pki/ca.crt -cert $pki/client.crt \
	-key $pki/client.key -verify_return_error -brief"
like "$OUT" 'Verification: OK' "tls: the server certificate verifies"
check "tls: curl https with a client certificate" -- curl -sS --max-time 10 \
	--cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key" \
	"https://127.0.0.1:$TLS_PORT/"
check_fail "tls: no client certificate, no answer" -- curl -sS --max-time 10 \
	--cacert "$pki/ca.crt" "https://127.0.0.1:$TLS_PORT/"
check_fail "make_cert --expired: the certificate has expired" -- \
	openssl verify -CAfile "$pki/ca.crt" "$pki/old.crt"
like "$OUT" 'certificate has expired' "make_cert --expired: openssl says so"
check "make_cert: SAN has 127.0.0.1" -- openssl x509 -in "$pki/server.crt" -noout -ext subjectAltName
like "$OUT" 'IP Address:127\.0\.0\.1' "make_cert: the SAN is there"

# HTTP.
check "http: curl" -- curl -fsS --max-time 10 "http://127.0.0.1:$HTTP_PORT/api/healthz.json"
is "$OUT" '{"result": true}' "http: the canned answer"

# DNS.
check "dns: dig" -- dig @127.0.0.1 -p "$DNS_PORT" +short +time=2 +tries=1 job.service.consul
is "$OUT" 127.0.0.1 "dns: job.service.consul answers"
check "dns: dig another name" -- dig @127.0.0.1 -p "$DNS_PORT" +short +time=2 +tries=1 rabbitmq.service.consul
is "$OUT" 127.0.0.9 "dns: rabbitmq.service.consul answers"
check "dns: dig over TCP" -- dig @127.0.0.1 -p "$DNS_PORT" +tcp +short +time=2 +tries=1 job.service.consul
is "$OUT" 127.0.0.1 "dns: TCP works too"

# The sandbox site made in the child.
check "site: job.conf" -- cat "$SITE/etc/job.conf"
for key in ijobs.amqp.addresses ijobs.amqp.username ijobs.amqp.password app.code \
	app.secret bk.paas.host gse.taskserver.ip; do
	like "$OUT" "(^|$nl)${key//./\\.}=[^$nl]+" "site: job.conf has $key"
done
like "$OUT" "(^|$nl)app\\.code=bk_job($nl|\$)" "site: app.code is bk_job"
check "site: job.sh status" -- "$SITE/job/job/bin/job.sh" status
check "site: job.sh restart" -- "$SITE/job/job/bin/job.sh" restart
check "site: job.sh has NOHUPLOG=/dev/null" -- grep -qx 'NOHUPLOG=/dev/null' "$SITE/job/job/bin/job.sh"
check "site: and the commented console log" -- grep -qx '#NOHUPLOG=job_jvm_console.log' "$SITE/job/job/bin/job.sh"
check "site: logs exist" -- test -f "$SITE/logs/job/job.log" -a -f "$SITE/logs/job/error.log"
check "site: my.cnf has [mysqld]" -- my_print_defaults --defaults-file="$SITE/etc/my.cnf" mysqld
like "$OUT" 'event[-_]scheduler=ON' "site: my.cnf turns the event scheduler on"

# make_site's overrides and the fault helpers.
make_site "$T/site2" app.code=other ijobs.amqp.password= extra.key=a=b
conf=$(cat "$T/site2/etc/job.conf")
like "$conf" "(^|$nl)app\\.code=other($nl|\$)" "make_site: KEY=VALUE overrides a key"
unlike "$conf" "ijobs\\.amqp\\.password=" "make_site: KEY= deletes a key"
like "$conf" "(^|$nl)extra\\.key=a=b($nl|\$)" "make_site: KEY=VALUE adds a key"
site_conf_set_empty "$T/site2" app.secret
like "$(cat "$T/site2/etc/job.conf")" "(^|$nl)app\\.secret=($nl|\$)" "site_conf_set_empty"
echo 3 >"$T/site2/job-sh-exit"
check_rc 3 "site: job-sh-exit makes job.sh fail" -- "$T/site2/job/job/bin/job.sh" restart
is "$(wc -l <"$T/site2/job-restarts.log")" 1 "site: job.sh logs each call"

# Stop the child: its trap must stop every server it started.
is "$(echo $child_pids | wc -w)" 9 "the child recorded nine server pids"
alive=
for p in $child_pids; do pid_alive "$p" || alive="$alive dead:$p"; done
is "$alive" "" "every server is running before SIGTERM"
kill -TERM "$child"
wait "$child"
is "$?" 143 "the child exits 143 on SIGTERM"
alive=
for p in $child_pids; do pid_alive "$p" && alive="$alive $p"; done
is "$alive" "" "the trap stopped every server (mariadb rabbitmq beam epmd redis sshd tls http dns)"
check_fail "the trap removed the child's \$T" -- test -e "$child_T"
claims=
for p in $MYSQL_PORT $AMQP_PORT $RMQ_EPMD_PORT $REDIS_PORT $SSHD_PORT $TLS_PORT $HTTP_PORT $DNS_PORT; do
	[ -e "$(_jf_port_dir)/$p" ] && claims="$claims $p"
done
is "$claims" "" "the trap released the child's port claims"
check_fail "the AMQP port is closed" -- port_open 127.0.0.1 "$AMQP_PORT"
check_fail "the sshd port is closed" -- port_open 127.0.0.1 "$SSHD_PORT"

# ------------------------------------------------------------ other exits

# Each case writes the pids it started to a file, then ends its own way.
trap_case() {	# NAME HOW
	(
		_tap_n=0 _tap_failed=0	# a fresh TAP stream in the subshell
		setup_tmp
		echo "$T" >"$T_PARENT/$1.T"
		start_redis
		start_http "$T"
		server_pids >"$T_PARENT/$1.pids"
		case $2 in
		bail) bail "deliberate" ;;
		fail) check "deliberate failure" -- false; done_testing ;;
		int) kill -INT "$BASHPID"; sleep 5 ;;
		keep) JOBFIX_KEEP_TMP=1; done_testing ;;
		esac
	) >"$T_PARENT/$1.out" 2>&1
}
T_PARENT=$T
for how in bail fail int keep; do
	trap_case "$how" "$how"
	rc=$?
	case $how in bail) want=99 ;; fail) want=1 ;; int) want=130 ;; keep) want=0 ;; esac
	is "$rc" "$want" "$how: the test's exit status"
	pids=$(cat "$T/$how.pids" 2>/dev/null)
	is "$(echo $pids | wc -w)" 2 "$how: two servers were started"
	alive=
	for p in $pids; do pid_alive "$p" && alive="$alive $p"; done
	is "$alive" "" "$how: the trap stopped them"
	ctmp=$(cat "$T/$how.T")
	if [ "$how" = keep ]; then
		check "keep: JOBFIX_KEEP_TMP=1 keeps \$T" -- test -d "$ctmp"
		like "$(cat "$T/$how.out")" "# kept ${ctmp//./\\.}" "keep: and says where"
		rm -rf "$ctmp"
	else
		check_fail "$how: \$T was removed" -- test -e "$ctmp"
	fi
done
like "$(cat "$T/int.out")" 'Bail out! caught SIGINT' "int: the interruption is reported"

done_testing
