#!/bin/bash
# 61-http: PaaS and CMDB over HTTP (FAQ 3 and 9) and Job's health URL,
# against a real HTTP server answering JSON, an HTML page, a redirect, a
# 404 page, a server that accepts and says nothing, and a port where nothing
# listens.  A healthy site gives no finding; each fault is found with its ID
# and code, the evidence tells unreachable from not-JSON, explain shows it.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd python3

WWW=$T/www
mkdir -p "$WWW/redir"
printf '{"result": true, "code": 0, "data": {"username": "admin"}}\n' >"$WWW/ok.json"
printf '<html><head><title>Login</title></head><body>Firewall login</body></html>\n' >"$WWW/page.html"
printf 'partial' >"$WWW/redir/index.html"
start_http "$WWW"
# a server that accepts a connection and closes it without a word
cat >"$T/silent.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
PY
start_py silent "$T/silent.py"
SILENT_PORT=$PY_PORT
DOWN_PORT=$(free_port)

make_site "$T/site" "cmdb.server.url=127.0.0.1:$HTTP_PORT"
OFF="probes: { disable = [ $REST_OTHER_PROBES, \"gsetask\", \"license\", \"cert\", \"consul\", \"ports\", \"nfs\" ]; deadline_ms = 20000; };"
PATHS='paas: { check_path = "/ok.json"; }; cmdb: { check_path = "ok.json"; };'
HEALTH='http://127.0.0.1:'"$HTTP_PORT"'/ok.json'
rest_conf "$T/jobfix.conf" "$OFF"
sed -i '/^job: /d' "$CONF"
BASE=$(cat "$CONF")
# conf_with LINES...: the base conf plus LINES (PATHS and a job: line unless
# LINES bring their own)
conf_with() {
	{
		printf '%s\n' "$BASE"
		case "$*" in *check_path*) ;; *) printf '%s\n' "$PATHS" ;; esac
		case "$*" in *"job: "*) ;; *) printf 'job: { process_pattern = "no-such-process-jobfix-test"; health_url = "%s"; };\n' "$HEALTH" ;; esac
		printf '%s\n' "$@"
	} >"$CONF"
}
conf_with

check "healthy: diagnose finds nothing" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "" "healthy: no finding at all"
is "$(echo "$OUT" | fact paas.status)" "ok" "PaaS answers JSON"
is "$(echo "$OUT" | fact cmdb.status)" "ok" "CMDB answers JSON"
is "$(echo "$OUT" | fact cmdb.url)" "http://127.0.0.1:$HTTP_PORT/ok.json" "CMDB's URL from HOST:PORT and the path"
is "$(echo "$OUT" | fact job.health)" "ok" "Job's health URL answers"

# --- PaaS -------------------------------------------------------------------
sed -i 's|check_path = "/ok.json"|check_path = "/page.html"|' "$CONF"
check_rc 1 "PaaS answers an HTML page" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "login.paas:1213002" "login.paas, code 1213002: the answer is not JSON"
is "$(echo "$OUT" | fact paas.status)" "nonjson" "told apart as not JSON (1213002)"
like "$(echo "$OUT" | finding_field login.paas advice)" "HTTP 200 \(text/html\), not JSON .*Firewall login" \
	"the advice shows status, content type and the page"

sed -i 's|check_path = "/page.html"|check_path = "/redir"|' "$CONF"
check_rc 1 "PaaS answers a redirect" -- jf --json -v diagnose
is "$(echo "$OUT" | fact paas.status)" "nonjson" "a redirect is not JSON"
like "$(echo "$OUT" | finding_field login.paas advice)" "HTTP 301, a redirect to http://127\.0\.0\.1:$HTTP_PORT/redir/" "names where it redirects"

sed -i 's|check_path = "/redir"|check_path = "/missing.json"|' "$CONF"
check_rc 1 "PaaS answers a 404 page" -- jf --json -v diagnose
is "$(echo "$OUT" | fact paas.status)" "nonjson" "a 404 page is not JSON"
like "$(echo "$OUT" | finding_field login.paas advice)" "HTTP 404" "says 404"

conf_with
site_conf_set "$SITE" bk.paas.host "http://127.0.0.1:$SILENT_PORT"
check_rc 1 "PaaS accepts and answers nothing" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "login.paas:1213001" "login.paas"
is "$(echo "$OUT" | fact paas.status)" "down" "nothing is unhealthy (1213001)"
like "$(echo "$OUT" | finding_field login.paas advice)" "(Empty reply from server|Connection reset by peer)" "libcurl's words"

site_conf_set "$SITE" bk.paas.host "http://127.0.0.1:$DOWN_PORT"
check_rc 1 "nothing listens on PaaS's port" -- jf --json -v diagnose
is "$(echo "$OUT" | fact paas.status)" "down" "unreachable (1213001)"
like "$(echo "$OUT" | finding_field login.paas advice)" "127\.0\.0\.1:$DOWN_PORT.*(Connection refused|Couldn't connect)" \
	"names the address"

site_conf_set "$SITE" bk.paas.host "paas.jobfix-test.invalid"
check_rc 1 "bk.paas.host does not resolve" -- jf --json -v diagnose
is "$(echo "$OUT" | fact paas.status)" "down" "not resolving is unreachable (1213001)"
like "$(echo "$OUT" | finding_field login.paas advice)" "does not resolve.*paas\.jobfix-test\.invalid" "says it does not resolve"
check "explain 1213002" -- jf explain 1213002
like "$OUT" "login\.paas" "explain 1213002 names login.paas"
site_conf_set "$SITE" bk.paas.host "http://127.0.0.1:$HTTP_PORT"

# --- CMDB -------------------------------------------------------------------
sed -i 's|check_path = "ok.json"|check_path = "page.html"|' "$CONF"
check_rc 1 "CMDB answers an HTML page" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "cmdb.nonjson:1211002" "cmdb.nonjson, 1211002"
like "$(echo "$OUT" | finding_field cmdb.nonjson advice)" "not JSON" "says not JSON"
conf_with
site_conf_set "$SITE" cmdb.server.url "http://127.0.0.1:$DOWN_PORT"
check_rc 1 "CMDB unreachable" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "cmdb.down:1211001" "cmdb.down, 1211001"
like "$(echo "$OUT" | finding_field cmdb.down advice)" "127\.0\.0\.1:$DOWN_PORT" "names the address"
check "explain 1211002" -- jf explain 1211002
like "$OUT" "cmdb\.nonjson" "explain 1211002 names cmdb.nonjson"
site_conf_set "$SITE" cmdb.server.url ""
check "no CMDB key: not checked" -- jf --json -v diagnose
is "$(echo "$OUT" | fact cmdb.status)" "unconfigured" "cmdb.status unconfigured"
is "$(echo "$OUT" | findings)" "" "and no finding"

# --- Job's health URL ---------------------------------------------------------
conf_with 'job: { process_pattern = "no-such-process-jobfix-test"; health_url = "http://127.0.0.1:'"$HTTP_PORT"'/healthz"; };'
check "a health URL that answers 404" -- jf --json -v diagnose
is "$(echo "$OUT" | fact job.health)" "failed" "job.health failed"
like "$(echo "$OUT" | fact job.health_error)" "HTTP 404" "with the status"
# the server saw only GETs (nothing was posted or changed)
unlike "$(cat "$T"/http-*.log)" '"(POST|PUT|DELETE) ' "only GET requests reached the server"
done_testing
