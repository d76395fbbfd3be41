#!/bin/bash
# 62-consul: consul routing (FAQ 1 start.consul) against dnsmasq standing in
# for consul's DNS: resolv.conf must list 127.0.0.1 first without rotate;
# every *.service.consul name of job.conf must resolve through the system's
# resolver and through consul, and answer on its port.  A healthy site gives
# no finding; each fault is found and named exactly.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd python3

mkdir -p "$T/www"
start_http "$T/www"
DOWN_PORT=$(free_port)
# job and paas resolve; redis resolves to a port where nothing listens;
# cmdb has only an AAAA record (no A: registered unhealthy); anything else
# is refused (dnsmasq without upstream)
start_dns --address=/job.service.consul/127.0.0.1 \
	--address=/paas.service.consul/127.0.0.1 \
	--address=/redis.service.consul/127.0.0.1 \
	--address=/cmdb.service.consul/::1
make_site "$T/site" "bk.paas.host=http://paas.service.consul:$HTTP_PORT" \
	"job.consul.route=job.service.consul:$HTTP_PORT"
printf '# written by a test\nnameserver 127.0.0.1\nsearch service.consul\n' >"$T/resolv.conf"
OFF="probes: { disable = [ $REST_OTHER_PROBES, \"gsetask\", \"license\", \"cert\", \"paas\", \"cmdb\", \"ports\", \"nfs\" ]; deadline_ms = 20000; };"
CONSUL="consul: { resolv_conf = \"$T/resolv.conf\"; system_resolver = \"resolv.conf\"; resolv_port = $DNS_PORT; dns_port = $DNS_PORT; };"
rest_conf "$T/jobfix.conf" "$OFF" "$CONSUL"

check "healthy: diagnose finds nothing" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "" "healthy: no finding at all"
is "$(echo "$OUT" | fact consul.names)" "paas.service.consul:$HTTP_PORT job.service.consul:$HTTP_PORT" \
	"both names of job.conf, with their ports"
is "$(echo "$OUT" | fact consul.resolv)" "ok" "resolv.conf is right"

printf 'nameserver 127.0.0.2\nnameserver 127.0.0.1\n' >"$T/resolv.conf"
check_rc 1 "resolv.conf lists another nameserver first" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.consul:-" "start.consul"
like "$(echo "$OUT" | finding_field start.consul advice)" "resolv\.conf lists nameserver 127\.0\.0\.2 first, not 127\.0\.0\.1" \
	"names the first nameserver"
like "$(echo "$OUT" | finding_field start.consul advice)" "does not resolve through the system resolver" \
	"and the names the system cannot resolve through it"

printf 'nameserver 127.0.0.1\r\noptions timeout:1 rotate\r\n' >"$T/resolv.conf"
check_rc 1 "resolv.conf has options rotate" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.consul:-" "start.consul"
like "$(echo "$OUT" | finding_field start.consul advice)" "resolv\.conf:2 has options rotate" "names the line"
printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"

site_conf_set "$SITE" job.redis.route "redis.service.consul:$DOWN_PORT"
check_rc 1 "a name resolves but nothing answers on its port" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.consul:-" "start.consul"
like "$(echo "$OUT" | finding_field start.consul advice)" "redis\.service\.consul resolves to 127\.0\.0\.1, but nothing answers on port $DOWN_PORT" \
	"names the name and the port"
site_conf_set "$SITE" job.redis.route ""

site_conf_set "$SITE" job.cmdb.route "http://cmdb.service.consul/"
check_rc 1 "a name without an A record" -- jf --json diagnose
like "$(echo "$OUT" | finding_field start.consul advice)" "consul has no address for cmdb\.service\.consul \(job\.conf job\.cmdb\.route\)" \
	"consul has no address for it, naming the key"
site_conf_set "$SITE" job.cmdb.route "gse.service.consul:48669"
check_rc 1 "a name consul does not know" -- jf --json diagnose
like "$(echo "$OUT" | finding_field start.consul advice)" "gse\.service\.consul .*(REFUSED|NXDOMAIN)" \
	"consul's answer is quoted"
site_conf_set "$SITE" job.cmdb.route ""

SILENT=$(free_port)
sed -i "s/dns_port = $DNS_PORT;/dns_port = $SILENT;/" "$CONF"
check_rc 1 "consul's DNS does not answer" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.consul:-" "start.consul"
like "$(echo "$OUT" | finding_field start.consul advice)" "consul's DNS at 127\.0\.0\.1 port $SILENT does not answer .*consul is down" \
	"consul is down"
sed -i "s/dns_port = $SILENT;/dns_port = $DNS_PORT;/" "$CONF"

site_conf_set "$SITE" bk.paas.host "http://127.0.0.1:$HTTP_PORT"
site_conf_set "$SITE" job.consul.route ""
printf 'nameserver 8.8.8.8\noptions rotate\n' >"$T/resolv.conf"
check "no consul name in job.conf: consul is not checked" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "" "no finding, whatever resolv.conf says"
is "$(echo "$OUT" | fact consul.names)" "" "consul.names is empty"
check "explain start.consul" -- jf explain start.consul
like "$OUT" "resolv\.conf" "explain says what is checked"
done_testing
