#!/bin/bash
# 32-svc-redis: the Redis faults of FAQ section 1 (1250001/1250002) in real
# redis-servers: a password required and none (or a wrong one) in job.conf,
# memory at maxmemory with writes refused, the server stopped.  Each gives
# exactly its finding; jobfix has no playbook for them, so a dry run and a
# fix change nothing and say what a person should do.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3 sha256sum redis-cli

RPW=Redis-Secret-c3d2
start_redis --requirepass "$RPW"
make_site "$T/site"

write_jobfix_conf "$T/jobfix.conf" \
	'probes: { only = [ "redis", "logs" ]; deadline_ms = 5000; };'
# DESC FINDINGS STATUS: diagnose, then a dry run and a fix change nothing
advice_case() {
	local before
	jf diagnose
	is "$RC" 1 "$1: diagnose exits 1"
	is "$(findings)" "$2" "$1: exactly $2"
	is "$(fact redis.status)" "$3" "$1: redis.status = $3"
	before=$(snapshot)
	jf --dry-run
	is "$(snapshot)" "$before" "$1: the dry run changed nothing"
	jf fix --yes
	is "$RC" 1 "$1: fix has only advice, the finding remains"
	is "$(snapshot)" "$before" "$1: fix changed nothing"
	like "$(py 'print(json.dumps(d["findings"]))')" "127.0.0.1:$REDIS_PORT" "$1: the advice names the endpoint"
}

# ---------------------------------------------------------------- requirepass
advice_case "password required, none in job.conf" "start.credentials start.redis" auth_failed
like "$(fact redis.error)" "requires a password and job.conf key job.redis.password is empty" \
	"the error names the key"
site_conf_set "$SITE" job.redis.password Wrong-Redis-Pw
advice_case "wrong password" "start.credentials start.redis" auth_failed
like "$(fact redis.error)" "refused the password of job.conf key job.redis.password" "the error names the key"
site_conf_set "$SITE" job.redis.password "$RPW"
jf diagnose
is "$RC" 0 "the right password: healthy"
is "$(fact redis.status)" ok "redis.status = ok"
OUT=$("$JOBFIX" -c "$CONF" facts 2>&1)
like "$OUT" "redis.endpoint = 127.0.0.1:$REDIS_PORT +# host: job.conf key job.redis.host" \
	"facts: the endpoint names the job.conf keys it was built from"
like "$OUT" 'password: job.conf key job.redis.password \([^)]*\) = \*\*\*\*\*\*' "facts: the password masked"
stop_server "$REDIS_PID"

# ---------------------------------------------------------------- maxmemory
start_redis --maxmemory 2mb --maxmemory-policy noeviction
site_conf_set "$SITE" job.redis.port "$REDIS_PORT"
site_conf_set "$SITE" job.redis.password ""
python3 -c 'print("\n".join("SET k%d %s" % (i, "x" * 5000) for i in range(2000)))' |
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" >"$T/fill.out" 2>&1
like "$(cat "$T/fill.out")" 'OOM' "the server refuses writes: OOM"
advice_case "memory full" "start.redis" oom
like "$(fact redis.error)" 'is full: used_memory [0-9]+ of maxmemory 2097152, policy noeviction' "the error says why"
[ "$(fact redis.oom_errors)" -gt 0 ] 2>/dev/null
ok $? "redis.oom_errors counts the refused writes"
code() { py "print(' '.join(str(f.get('code')) for f in d['findings'] if f['fault'] == '$1'))"; }
jf diagnose
is "$(code start.redis)" 1250002 "memory full under noeviction: code 1250002, not 1250001"
OUT=$("$JOBFIX" -c "$CONF" diagnose 2>&1)
like "$OUT" "start.redis\].*code 1250002" "the text report carries 1250002 too"
# used_memory counts the buffers of connected clients: once the client that
# filled Redis has gone, used_memory may sit a little below maxmemory, and
# the next write fills it again.  Within 5% with writes refused is full;
# half full is not.
rinfo() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info memory | tr -d '\r' | sed -n "s/^$1://p"; }
U=$(rinfo used_memory)
redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set maxmemory $((U + U / 100)) >/dev/null
jf diagnose
is "$(findings)" start.redis "1% below maxmemory after refused writes: still full"
redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set maxmemory $((U * 2)) >/dev/null
jf diagnose
is "$RC" 0 "half full: healthy"
is "$(fact redis.status)" ok "half full: redis.status = ok"
stop_server "$REDIS_PID"

# volatile-* evicts only keys with a TTL: with none, writes fail with OOM
for policy in volatile-lru volatile-ttl; do
	start_redis --maxmemory 2mb --maxmemory-policy "$policy"
	site_conf_set "$SITE" job.redis.port "$REDIS_PORT"
	python3 -c 'print("\n".join("SET k%d %s" % (i, "x" * 5000) for i in range(2000)))' |
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" >"$T/fill.out" 2>&1
	like "$(cat "$T/fill.out")" 'OOM' "$policy, no key with a TTL: the server refuses writes: OOM"
	advice_case "memory full under $policy, no TTL" "start.redis" oom
	is "$(code start.redis)" 1250002 "$policy without TTLs: code 1250002"
	like "$(fact redis.error)" "policy $policy and no key has a TTL" "$policy: the error says why nothing can be evicted"
	stop_server "$REDIS_PID"
done
# with keys that have a TTL, volatile-lru evicts them: writes succeed
start_redis --maxmemory 2mb --maxmemory-policy volatile-lru
site_conf_set "$SITE" job.redis.port "$REDIS_PORT"
python3 -c 'print("\n".join("SET k%d %s EX 3600" % (i, "x" * 5000) for i in range(2000)))' |
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" >"$T/fill.out" 2>&1
unlike "$(cat "$T/fill.out")" 'OOM' "volatile-lru with TTLs: the server evicts, no OOM"
jf diagnose
is "$RC" 0 "volatile-lru with keys that have a TTL: healthy"
is "$(fact redis.status)" ok "redis.status = ok"

# ---------------------------------------------------------------- down
stop_server "$REDIS_PID"
advice_case "server stopped" "start.redis" down
is "$(code start.redis)" 1250001 "server stopped: code 1250001"
like "$(fact redis.error)" "cannot connect to 127.0.0.1:$REDIS_PORT" "the error names the endpoint"

unlike "$(cat "$ALL_OUT" "$JOBFIX_AUDIT_LOG" 2>/dev/null)" "$RPW|Wrong-Redis-Pw" \
	"no password in any output or the audit log"
done_testing
