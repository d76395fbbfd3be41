#!/bin/bash
# 64-healthy: a healthy site built from every network service at once -
# gse_task (s_server), the license server, certificates, PaaS and CMDB
# (HTTP), consul (dnsmasq), Job's ports, NFS storage, Job's health URL -
# gives no finding at all, every network probe reports "ok", all of them
# run concurrently within one deadline, and nothing in the site changes.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd openssl python3

PKI=$T/pki
make_ca "$PKI" gseca
for c in gse_server gse_api_client gse_agent; do make_cert "$PKI" "$c" gseca; done
start_tls_server "$PKI/gse_server.crt" "$PKI/gse_server.key" "$PKI/gseca.crt" \
	-verify_return_error -www
mkdir -p "$T/www" "$T/share"
printf '{"result": true}\n' >"$T/www/ok.json"
start_http "$T/www"
# PaaS and CMDB are asked through the system's resolver (libcurl), which
# does not know the sandbox's consul: they go by address, Job's own route
# by consul name
start_dns --address=/job.service.consul/127.0.0.1
printf 'licence\n' >"$T/expected.cert"
start_py license "$top_srcdir/tests/integration/rest-license.py" \
	"$PKI/gse_server.crt" "$PKI/gse_server.key" "$T/expected.cert"
make_site "$T/site" "bk.paas.host=http://127.0.0.1:$HTTP_PORT" \
	"cmdb.server.url=http://127.0.0.1:$HTTP_PORT" \
	"job.consul.route=job.service.consul:$HTTP_PORT" \
	"license.server.url=127.0.0.1:$PY_PORT" \
	"job.web.port=$(free_port)" "job.api.port=$(free_port)" \
	"job.storage.path=$T/share"
cp "$PKI"/gseca.crt "$PKI"/gse_server.* "$PKI"/gse_api_client.* "$PKI"/gse_agent.* \
	"$T/expected.cert" "$SITE/cert/"
mv "$SITE/cert/expected.cert" "$SITE/cert/platform.cert"
printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
printf '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n41 22 0:51 / %s rw - nfs nas:/job rw\n' "$T/share" >"$T/mountinfo"
rest_conf "$T/jobfix.conf" \
	"probes: { disable = [ $REST_OTHER_PROBES ]; deadline_ms = 5000; };" \
	"paas: { check_path = \"/ok.json\"; }; cmdb: { check_path = \"/ok.json\"; };" \
	"consul: { resolv_conf = \"$T/resolv.conf\"; system_resolver = \"resolv.conf\"; resolv_port = $DNS_PORT; dns_port = $DNS_PORT; };" \
	"nfs: { mountinfo = \"$T/mountinfo\"; };"
sed -i 's|restart_wait_ms = 200; };|restart_wait_ms = 200; health_url = "http://127.0.0.1:'"$HTTP_PORT"'/ok.json"; };|' "$CONF"
snapshot() { (cd "$SITE" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find "$T/share" | sort); }
before=$(snapshot)

start=$(date +%s%N)
check "diagnose a healthy site" -- jf --json -v diagnose
ms=$((($(date +%s%N) - start) / 1000000))
is "$(echo "$OUT" | findings)" "" "no finding at all"
for f in gsetask.status:ok license.status:ok cert.status:ok paas.status:ok \
    cmdb.status:ok consul.resolv:ok nfs.status:ok job.health:ok; do
	is "$(echo "$OUT" | fact "${f%%:*}")" "${f#*:}" "${f%%:*} is ${f#*:}"
done
is "$(echo "$OUT" | fact consul.names)" "job.service.consul:$HTTP_PORT" "the consul name was checked"
for f in consul.problem ports.conflict cert.problem cert.agent_problem gsetask.error; do
	is "$(echo "$OUT" | fact "$f")" "" "no $f"
done
diag "diagnose with every network probe took $ms ms"
ok $((ms >= 5000)) "all probes ran within one deadline ($ms ms)"
check "fix --yes on a healthy site" -- jf fix --yes
like "$OUT" "No faults found" "finds nothing to fix"
is "$(snapshot)" "$before" "no file of the site changed, nothing left in the share"
done_testing
