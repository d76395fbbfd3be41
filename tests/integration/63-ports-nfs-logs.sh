#!/bin/bash
# 63-ports-nfs-logs: port conflicts (FAQ 1 start.port) with a real process
# holding a port Job needs, named by pid and command; NFS storage (FAQ 9,
# 1259001) on a directory that is and one that is not an NFS mount point;
# and the log evidence of FAQ 5 and 6 (gse.pipeline, timeout.script,
# timeout.agent) from real log lines.  A healthy site gives no finding.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/integration/rest-lib.sh"
setup_tmp
require_cmd python3

mkdir -p "$T/www" "$T/share" "$T/local"
start_http "$T/www"
P1=$(free_port)
P2=$(free_port)
make_site "$T/site" "job.web.port=$P1" "job.api.port=$P2" "job.storage.path=$T/share"
# a mount table where $T/share is an NFS mount and $T/local is not
cat >"$T/mountinfo" <<EOF2
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:50 / $T/share rw,relatime shared:9 - nfs4 nas.example:/export/job rw,vers=4.1
EOF2
OFF="probes: { disable = [ $REST_OTHER_PROBES, \"gsetask\", \"license\", \"cert\", \"paas\", \"cmdb\", \"consul\" ]; deadline_ms = 20000; };"
rest_conf "$T/jobfix.conf" "$OFF" "nfs: { mountinfo = \"$T/mountinfo\"; };"

share_mtime=$(stat -c %y "$T/share")
sleep 0.01
check "healthy: diagnose finds nothing" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "" "healthy: no finding at all"
is "$(echo "$OUT" | fact ports.checked)" "job.web.port=$P1 job.api.port=$P2" "both ports checked"
is "$(echo "$OUT" | fact nfs.status)" "ok" "the storage is a writable NFS mount"
like "$(echo "$OUT" | fact nfs.mount)" "nas\.example:/export/job on $T/share type nfs4" "and which mount"
is "$(ls -A "$T/share")" "" "the probe left nothing behind"
is "$(stat -c %y "$T/share")" "$share_mtime" "and wrote nothing there: the directory's mtime is unchanged"
check "--dry-run" -- jf --json --dry-run fix
is "$(stat -c %y "$T/share")" "$share_mtime" "a dry run writes nothing in the storage either"

# --- ports --------------------------------------------------------------------
site_conf_set "$SITE" job.api.port "$P1"
check_rc 1 "two keys with the same port" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.port:-" "start.port"
like "$(echo "$OUT" | finding_field start.port advice)" "job\.web\.port and job\.api\.port in job\.conf are both $P1" \
	"names both keys"
site_conf_set "$SITE" job.api.port "$HTTP_PORT"
check_rc 1 "a port held by another process" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.port:-" "start.port"
like "$(echo "$OUT" | finding_field start.port advice)" "port $HTTP_PORT \(job\.conf job\.api\.port\) is bound on 127\.0\.0\.1 by pid $HTTP_PID: .*python3 .*http\.server" \
	"names the process by pid and command"
check "explain start.port" -- jf explain start.port
like "$OUT" "owning process" "explain says it names the owner"
# the same port held by Job itself is no conflict: a process that matches
# the pattern and is a JVM as far as jobfix checks (an executable named
# java, here a copy of perl, run by root or the install's owner)
mkdir -p "$T/jdk/bin"
cp "$(command -v perl)" "$T/jdk/bin/java"
HOLD=jobfix-port-holder-$$
"$T/jdk/bin/java" -MIO::Socket::INET -e '$0 = "java -Dname=" . shift; my $p = shift;
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
	    Listen => 5, ReuseAddr => 1) or die "listen: $!"; sleep 3600' "$HOLD" "$P1" </dev/null >/dev/null 2>&1 &
HOLDER=$!
register_server "$HOLDER" holder "kill_wait $HOLDER 5"
wait_for 10 "$HOLDER" port_open 127.0.0.1 "$P1" || bail "the port holder did not start"
site_conf_set "$SITE" job.api.port "$P2"
sed -i "s/process_pattern = \"no-such-process-jobfix-test\"/process_pattern = \"$HOLD\"/" "$CONF"
check "Job's own socket is no conflict" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "" "no finding"
kill_wait "$HOLDER" 5
# a process that only claims to be Job: python3 under the name java, with
# the same command line, holding Job's port, is a conflict
# (the system's python3: under another name, pyenv's cannot find its
# modules)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(python3 -c 'import sys; print(sys.executable)')
exec -a java "$PY" -c'import socket,sys,time;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("127.0.0.1",int(sys.argv[2])));s.listen();time.sleep(3600)' "-Dname=$HOLD" "$P1" </dev/null >/dev/null 2>&1 &
DECOY=$!
register_server "$DECOY" decoy "kill_wait $DECOY 5"
wait_for 10 "$DECOY" port_open 127.0.0.1 "$P1" || bail "the decoy did not start"
check_rc 1 "a decoy named java holding Job's port" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "start.port:-" "is a port conflict, not Job's own socket"
like "$(echo "$OUT" | finding_field start.port advice)" "port $P1 \(job\.conf job\.web\.port\) is bound on 127\.0\.0\.1 by pid $DECOY: java -c" \
	"naming the decoy"
kill_wait "$DECOY" 5
sed -i "s/process_pattern = \"$HOLD\"/process_pattern = \"no-such-process-jobfix-test\"/" "$CONF"
site_conf_set "$SITE" job.api.port "eighty"
check_rc 1 "a port that is not a number" -- jf --json diagnose
like "$(echo "$OUT" | finding_field start.port advice)" "job\.api\.port in job\.conf is \"eighty\", not a port" "says so"
site_conf_set "$SITE" job.api.port "$P2"

# --- NFS ----------------------------------------------------------------------
site_conf_set "$SITE" job.storage.path "$T/local"
check_rc 1 "the storage path is not an NFS mount" -- jf --json -v diagnose
is "$(echo "$OUT" | findings)" "nfs.down:1259001" "nfs.down, 1259001"
is "$(echo "$OUT" | fact nfs.status)" "not_mounted" "not mounted"
like "$(echo "$OUT" | finding_field nfs.down advice)" "$T/local is not a mounted NFS file system: it lies on / \(type ext4" \
	"names the path and what it lies on"
site_conf_set "$SITE" job.storage.path "$T/missing"
check_rc 1 "the storage path does not exist" -- jf --json diagnose
like "$(echo "$OUT" | finding_field nfs.down advice)" "$T/missing does not exist" "says so"
printf 'not a directory\n' >"$T/share/file"
site_conf_set "$SITE" job.storage.path "$T/share/file"
check_rc 1 "the storage path cannot be written" -- jf --json -v diagnose
is "$(echo "$OUT" | fact nfs.status)" "not_writable" "not writable"
like "$(echo "$OUT" | finding_field nfs.down advice)" "$T/share/file \(NFS $T/share from nas\.example:/export/job\) is not writable" \
	"names the path and the mount"
rm "$T/share/file"
site_conf_set "$SITE" job.storage.path "$T/share"
sed -i "s|$T/share rw,relatime|$T/share ro,relatime|" "$T/mountinfo"
check_rc 1 "a read-only mount" -- jf --json -v diagnose
is "$(echo "$OUT" | fact nfs.status)" "not_writable" "not writable"
like "$(echo "$OUT" | finding_field nfs.down advice)" "mounted read-only \\(ro,relatime\\)" "says it is mounted read-only"
sed -i "s|$T/share ro,relatime|$T/share rw,relatime|" "$T/mountinfo"
chmod 0555 "$T/share"
check_rc 1 "a storage directory nobody may write" -- jf --json -v diagnose
like "$(echo "$OUT" | finding_field nfs.down advice)" "no write permission for anyone \\(mode 0555\\)" "says so, with the mode"
chmod 0755 "$T/share"
check "writable again" -- jf --json -v diagnose
is "$(echo "$OUT" | fact nfs.status)" "ok" "ok"
# the real mount table: the test's directory is on no NFS mount
sed -i "s|mountinfo = \"$T/mountinfo\"|mountinfo = \"/proc/self/mountinfo\"|" "$CONF"
site_conf_set "$SITE" job.storage.path "$T/share"
check_rc 1 "the real mount table: not an NFS mount" -- jf --json -v diagnose
is "$(echo "$OUT" | fact nfs.status)" "not_mounted" "not mounted"
site_conf_set "$SITE" job.storage.path ""
check "no storage path: not checked" -- jf --json -v diagnose
is "$(echo "$OUT" | fact nfs.status)" "unconfigured" "unconfigured"
is "$(echo "$OUT" | findings)" "" "and no finding"

# --- log evidence (FAQ 5, 6, 9) ---------------------------------------------------
now=$(date '+%Y-%m-%d %H:%M:%S')
printf '%s ERROR [task-7] c.t.b.j.e.LogPuller - redis reply is not string\n' "$now" >>"$SITE/logs/job/job.log"
check_rc 1 "redis reply is not string" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.pipeline:-" "gse.pipeline"
printf '%s ERROR [task-8] Script log timed out, timeout 1000 s, elapsed 1005 s\n' "$now" >>"$SITE/logs/job/job.log"
check_rc 1 "a script that ran up to its timeout" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.pipeline:- timeout.script:-" "timeout.script"
printf '%s ERROR [task-9] Script log timed out, timeout 1000 s, elapsed 1250 s\n' "$now" >>"$SITE/logs/job/job.log"
check_rc 1 "a script that ran past the agent's grace" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.pipeline:- timeout.agent:-" "timeout.agent"
printf '%s ERROR [io] upload failed: 1259001 NFS storage unavailable\n' "$now" >>"$SITE/logs/job/error.log"
check_rc 1 "code 1259001 in error.log" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "gse.pipeline:- nfs.down:1259001 timeout.agent:-" "nfs.down from the log"
# a diagnose keeps no scan state (it changes nothing); a fixing run does
is "$(find "$JOBFIX_STATE_DIR" -path '*logscan*' -name '*.state' 2>/dev/null | wc -l)" 0 \
	"diagnose saved no scan state"
check_rc 1 "a fixing run (nothing to fix: advice only)" -- jf --json --yes fix
# an hour later the old lines no longer count
# (the scan's state remembers when each signature was last seen)
n=0
for f in $(find "$JOBFIX_STATE_DIR" -path '*logscan*' -name '*.state'); do
	n=$((n + 1))
	python3 - "$f" <<'PY'
import re, sys, time
p = sys.argv[1]
s = open(p).read()
# every number that looks like a current timestamp goes two hours back
s = re.sub(r'\b(1[6-9]\d{8})\b', lambda m: str(int(m.group(1)) - 7200) if abs(int(m.group(1)) - time.time()) < 86400 else m.group(1), s)
open(p, 'w').write(s)
PY
done
ok $((n == 0)) "the scan state was found ($n files)"
check "log lines older than an hour no longer count" -- jf --json diagnose
is "$(echo "$OUT" | findings)" "" "no finding"
done_testing
