#!/bin/bash
# 60-gse-tls: gse_task, the certificates and the license server (FAQ 1, 7,
# 8), against a real openssl s_server and an HTTPS server with certificates
# made here (right CA, wrong CA, expired, key mismatch).  A healthy site
# gives no finding; each fault is found with its exact ID and code and shown
# by explain; the gse-task-restart playbook restarts a local gse_task
# (a fake gsectl starting s_server), after a dry run that changes nothing.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd openssl python3

PKI=$T/pki
make_ca "$PKI" gseca
make_ca "$PKI" otherca
for c in gse_server gse_api_client gse_agent; do make_cert "$PKI" "$c" gseca; done
make_cert "$PKI" rogue otherca
make_cert "$PKI" old gseca --expired

# -verify_return_error: without it s_server only logs a client certificate
# that does not verify, and accepts it
start_tls_server "$PKI/gse_server.crt" "$PKI/gse_server.key" "$PKI/gseca.crt" \
	-verify_return_error -www
make_site "$T/site"
cert=$SITE/cert
cp "$PKI"/gseca.crt "$PKI"/gse_server.* "$PKI"/gse_api_client.* "$PKI"/gse_agent.* "$cert/"
printf 'BlueKing platform licence for jobfix tests\n' >"$cert/platform.cert"
cp "$cert/platform.cert" "$T/expected.cert"
start_py license "$top_srcdir/tests/integration/rest-license.py" \
	"$PKI/gse_server.crt" "$PKI/gse_server.key" "$T/expected.cert"
LIC_PORT=$PY_PORT
site_conf_set "$SITE" license.server.url "https://127.0.0.1:$LIC_PORT"

OFF="probes: { disable = [ $REST_OTHER_PROBES, \"paas\", \"cmdb\", \"consul\", \"ports\", \"nfs\" ]; deadline_ms = 20000; };"
rest_conf "$T/jobfix.conf" "$OFF"
BASE=$(cat "$CONF")
# conf_with LINES...: $CONF is the base conf plus LINES
conf_with() { { printf '%s\n' "$BASE"; printf '%s\n' "$@"; } >"$CONF"; }

check "healthy: diagnose finds nothing" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "" "healthy: no finding at all"
is "$(echo "$OUT" | fact gsetask.status)" "ok" "healthy: TLS handshake with gse_task"
is "$(echo "$OUT" | fact license.status)" "ok" "healthy: license server says success"
is "$(echo "$OUT" | fact cert.status)" "ok" "healthy: certificates verify"
is "$(echo "$OUT" | fact gsetask.local)" "no" "healthy: GSE does not run here"

# --- gse_task -------------------------------------------------------------
conf_with 'gse: { tls_cert = "'"$PKI"'/rogue.crt"; tls_key = "'"$PKI"'/rogue.key"; };'
check_rc 1 "client certificate of another CA" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.task.tls:1210001" "gse.task.tls, 1210001"
like "$(echo "$OUT" | finding_field gse.task.tls advice)" "TLS handshake with 127\.0\.0\.1:$TLS_PORT: .*(alert|certificate)" \
	"the advice gives OpenSSL's reason"

conf_with 'gse: { tls_ca = "'"$PKI"'/otherca.crt"; };'
check_rc 1 "gse_task's certificate from an unknown CA" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.task.tls:1210001" "gse.task.tls again"
like "$(echo "$OUT" | finding_field gse.task.tls advice)" "certificate verify failed" \
	"OpenSSL says the verification failed"

conf_with
DOWN_PORT=$(free_port)
site_conf_set "$SITE" gse.taskserver.port "$DOWN_PORT"
check_rc 1 "nothing listens on the gse_task port" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.task.down:1210001" "gse.task.down, 1210001"
like "$(echo "$OUT" | finding_field gse.task.down advice)" "127\.0\.0\.1:$DOWN_PORT" "names the address"
check "explain gse.task.down" -- jf explain gse.task.down
like "$OUT" "gse-task-restart" "explain names the playbook"

site_conf_set "$SITE" gse.taskserver.port "$TLS_PORT"
site_conf_set "$SITE" gse.taskserver.ip "gse-task.jobfix-test.invalid"
check_rc 1 "gse.taskserver.ip does not resolve" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.task.addr:1210001" "gse.task.addr, 1210001"
like "$(echo "$OUT" | finding_field gse.task.addr advice)" "gse\.taskserver\.ip .*does not resolve" \
	"the advice names the key"
site_conf_set "$SITE" gse.taskserver.ip 127.0.0.1
site_conf_set "$SITE" gse.taskserver.port "80x"
check_rc 1 "a port that is not a number" -- jf --json diagnose
like "$(echo "$OUT" | finding_field gse.task.addr advice)" "gse\.taskserver\.port in job\.conf is \"80x\"" \
	"names the key and its value"
site_conf_set "$SITE" gse.taskserver.port "$TLS_PORT"

# --- certificates on disk -------------------------------------------------
cp "$cert/gse_server.key" "$T/gse_server.key.good"
cp "$PKI/gse_api_client.key" "$cert/gse_server.key"
check_rc 1 "a key that does not match its certificate" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.cert:-" "start.cert"
like "$(echo "$OUT" | finding_field start.cert advice)" "gse_server\.key does not match the certificate .*gse_server\.crt" \
	"names the key and the certificate"
cp "$T/gse_server.key.good" "$cert/gse_server.key"

cp "$PKI/old.crt" "$PKI/old.key" "$cert/"
conf_with 'cert: { names = [ "gse_server", "gse_api_client", "old" ]; };'
check_rc 1 "an expired certificate" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.cert:-" "start.cert"
like "$(echo "$OUT" | finding_field start.cert advice)" "old\.crt expired on 2021-01-01" "says when it expired"

cp "$PKI/rogue.crt" "$PKI/rogue.key" "$cert/"
conf_with 'cert: { names = [ "gse_server", "rogue" ]; };'
check_rc 1 "a certificate of another CA" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.cert:-" "start.cert"
like "$(echo "$OUT" | finding_field start.cert advice)" "rogue\.crt does not verify against the CA .*gseca\.crt" \
	"says it does not verify"

conf_with 'cert: { expiry_days = 100000; };'
check_rc 1 "certificates expiring within the warning window" -- jf --json diagnose
like "$(echo "$OUT" | finding_field start.cert advice)" "gse_server\.crt expires in [0-9]+ days" "says in how many days"

conf_with 'cert: { agent_name = "rogue"; };'
check_rc 1 "the agent's certificate comes from another CA" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "agent.tls:-" "agent.tls"
like "$(echo "$OUT" | finding_field agent.tls advice)" "rogue\.crt .*(does not verify|issued by)" \
	"says how it differs"

rm "$cert/gseca.crt"
conf_with
check_rc 1 "the CA is missing" -- jf --json diagnose
like "$(echo "$OUT" | findings)" "start.cert:-" "start.cert"
like "$(echo "$OUT" | finding_field start.cert advice)" "gseca\.crt is missing" "says the CA is missing"
cp "$PKI/gseca.crt" "$cert/"

# --- license server --------------------------------------------------------
printf 'a licence of another install\n' >"$cert/platform.cert"
check_rc 1 "a platform.cert the license server refuses" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.license:1210101" "start.license, 1210101"
like "$(echo "$OUT" | finding_field start.license advice)" "without \"success\"" "says the answer lacked success"
cp "$T/expected.cert" "$cert/platform.cert"

conf_with 'license: { ca = "'"$PKI"'/otherca.crt"; };'
check_rc 1 "the license server's certificate does not verify" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.license:1210101" "start.license"
like "$(echo "$OUT" | finding_field start.license advice)" "TLS with https://127\.0\.0\.1:$LIC_PORT" "names the TLS failure"

conf_with
site_conf_set "$SITE" license.server.url "127.0.0.1:$DOWN_PORT"
check_rc 1 "the license server is down" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.license:1210101" "start.license"
like "$(echo "$OUT" | finding_field start.license advice)" "https://127\.0\.0\.1:$DOWN_PORT/certificate" "names the URL"
check "explain 1210101" -- jf explain 1210101
like "$OUT" "start\.license" "explain 1210101 names start.license"
site_conf_set "$SITE" license.server.url "https://127.0.0.1:$LIC_PORT"

# --- gse_task runs here: the gse-task-restart playbook -----------------------
GSE_PORT=$(free_port)
mkdir -p "$SITE/gse/server/bin"
cat >"$SITE/gse/server/bin/gsectl" <<GSECTL
#!/bin/bash
# fake gsectl: "restart task" starts s_server as gse_task on $GSE_PORT
echo "\$*" >>"$T/gsectl.log"
[ "\$1 \$2" = "restart task" ] || exit 2
setsid bash -c 'echo \$\$ >"$T/gse_task.pid"; exec -a gse_task openssl s_server -accept 127.0.0.1:$GSE_PORT -cert "$PKI/gse_server.crt" -key "$PKI/gse_server.key" -CAfile "$PKI/gseca.crt" -Verify 1 -verify_return_error -www' </dev/null >"$T/gse_task.log" 2>&1 &
exit 0
GSECTL
chmod 0755 "$SITE/gse/server/bin/gsectl"
site_conf_set "$SITE" gse.taskserver.port "$GSE_PORT"
before=$(cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 sha256sum)

check_rc 1 "local gse_task down" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "gse.pipeline:- gse.task.down:1210001" "gse.task.down, and the pipeline without gse_task"
is "$(echo "$OUT" | fact gsetask.local)" "yes" "GSE runs on this host"
is "$(echo "$OUT" | fact gsetask.missing_procs)" "gse_task" "gse_task is not running"
is "$(echo "$OUT" | finding_field gse.task.down playbook)" "gse-task-restart" "the playbook applies"

check_rc 1 "dry run" -- jf --dry-run
like "$OUT" "gsectl restart task" "the dry run shows the exact argv"
is "$(cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 sha256sum)" "$before" "the dry run changed no file"
[ ! -e "$T/gsectl.log" ]
ok $? "the dry run ran no gsectl"
! port_open 127.0.0.1 "$GSE_PORT"
ok $? "and started nothing"

OUT=$(jf fix --yes 2>&1)
like "$OUT" "gse-task-restart: .*result: changed" "fix --yes runs gse-task-restart"
like "$OUT" 'gsetask\.status is "ok"' "and waits until the handshake succeeds"
[ -s "$T/gse_task.pid" ] && register_server "$(cat "$T/gse_task.pid")" gse_task "kill_wait $(cat "$T/gse_task.pid") 5"
is "$(cat "$T/gsectl.log" 2>/dev/null)" "restart task" "gsectl restart task ran once"
port_open 127.0.0.1 "$GSE_PORT"
ok $? "gse_task listens again"
check "a second run finds nothing" -- jf --json fix --yes
is "$(echo "$OUT" | findings)" "" "no finding after the fix"
is "$(wc -l <"$T/gsectl.log")" "1" "the second run restarted nothing"

# without a local GSE the playbook does not apply
rm -rf "$SITE/gse"
site_conf_set "$SITE" gse.taskserver.port "$DOWN_PORT"
check_rc 1 "remote gse_task down" -- jf --json --dry-run
is "$(echo "$OUT" | finding_field gse.task.down state)" "advice" "advice only when GSE runs elsewhere"
like "$(echo "$OUT" | finding_field gse.task.down note)" "gse-task-restart does not apply here" "and says why"
done_testing
