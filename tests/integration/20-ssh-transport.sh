#!/bin/bash
# 20-ssh-transport.sh - the SSH transport against a private sshd on loopback:
# file round trips (mode, owner, symlinks, binary, 5 MB), argv arriving
# verbatim, host key checking (unknown, changed, accept-new, hashed), user
# key refusal, ssh-agent, a connection dropped mid-operation, timeouts.
# Driven through tests/unit/ssh-tool (see its header for the commands).

. "$top_srcdir/tests/lib.sh"

TOOL=$top_builddir/tests/unit/ssh-tool
[ -x "$TOOL" ] || bail "no $TOOL (make check builds it)"
setup_tmp
start_sshd

H=127.0.0.1
NL=$'\n'
TAB=$'\t'
S=(-p "$SSHD_PORT" -i "$SSH_USER_KEY" -k "$SSH_KNOWN_HOSTS" -c 20000 -o 30000)
tool() { "$TOOL" "${S[@]}" "$H" "$@"; }
D=$T/remote
mkdir -p "$D"

# descendants PID: every process below PID, one per line
descendants() {
	local p
	for p in $(ps -e -o pid=,ppid= | awk -v pp="$1" '$2 == pp { print $1 }'); do
		echo "$p"
		descendants "$p"
	done
}

# ---------------------------------------------------------------- connect, run

check "connects, checks the host key, authenticates" -- tool connect
diag "$OUT"

args=(plain "two words" "it's" "'" '"dq"' '$(id)' '`id`' 'a;b' 'a|b&c'
	$'new\nline' $'tab\there' '\' '*' -n -- '~' '#c' '${HOME}' '!' ''
	$'trailing\n' '%s' ' lead')
want=$(/usr/bin/printf '%s\n' "${args[@]}"; echo .)
got=$("$TOOL" "${S[@]}" "$H" run /usr/bin/printf '%s\n' "${args[@]}"; echo .)
is "$got" "$want" "argv with quotes, spaces, \$(), ;, newlines arrives verbatim"

check "env -i with our entries" -- tool run -e 'JF_A=x y' -e "JF_Q=it's" /usr/bin/env
is "$OUT" $'PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\nJF_A=x y\nJF_Q=it\'s' \
	"only PATH, LANG and the given entries reach the program"

check_rc 7 "exit status comes back" -- tool run /bin/sh -c 'exit 7'
check_rc 143 "death by signal is 128 + n" -- tool run /bin/sh -c 'kill -TERM $$'
out=$("$TOOL" "${S[@]}" "$H" run /bin/sh -c 'echo out; echo err >&2' 2>"$T/err")
is "$out|$(cat "$T/err")" "out|err" "stdout and stderr kept apart"

head -c 300000 /dev/urandom >"$T/in.bin"
printf 'a\0b\r\n' >>"$T/in.bin"
"$TOOL" "${S[@]}" "$H" run -s /bin/cat <"$T/in.bin" >"$T/out.bin"
ok $? "binary stdin through cat"
cmp -s "$T/in.bin" "$T/out.bin"
ok $? "binary stdin arrives intact"
check_fail "a missing program is an error" -- tool run /nonexistent/prog
like "$OUT" '127\.0\.0\.1: "/nonexistent/prog": No such file or directory' \
	"naming host and program"
like "$OUT" 'code 3' "as JF_ERR_NOTFOUND"
check_fail "a relative program is refused" -- tool run printf x
like "$OUT" 'not an absolute path' "saying why"

# ---------------------------------------------------------------- files

printf 'hello\n' >"$T/new.txt"
"$TOOL" "${S[@]}" "$H" write "$D/new.txt" 0640 <"$T/new.txt"
ok $? "write a new file"
check "stat it" -- tool stat "$D/new.txt"
like "$OUT" '^1 100640 0 0 6 ' "a new file gets the given mode"
check "read it back" -- tool read "$D/new.txt"
is "$OUT" hello "read gives what was written"

printf 'old\n' >"$D/owned.txt"
chmod 0604 "$D/owned.txt"
chown 65534:65534 "$D/owned.txt"
ino_before=$(stat -c %i "$D/owned.txt")
printf 'new content\n' | "$TOOL" "${S[@]}" "$H" write "$D/owned.txt" 0600
ok $? "replace a file owned by someone else"
is "$(stat -c '%a %u %g' "$D/owned.txt")" "604 65534 65534" "mode, owner and group kept"
is "$(cat "$D/owned.txt")" "new content" "content replaced"
[ "$(stat -c %i "$D/owned.txt")" != "$ino_before" ]
ok $? "by a rename (new inode)"
left=$(find "$D" -name '.jobfix-*' | wc -l)
is "$left" 0 "no temp file left behind"

# the ACL: the file's own is kept, the directory's default is not taken
if command -v setfacl >/dev/null; then
	mkdir "$D/acl"
	printf 'old\n' >"$D/acl/f.conf"
	chmod 0640 "$D/acl/f.conf"
	setfacl -m u:daemon:r "$D/acl/f.conf"
	setfacl -d -m u:nobody:r "$D/acl"
	printf 'new\n' | "$TOOL" "${S[@]}" "$H" write "$D/acl/f.conf" 0600
	ok $? "replace a file with an ACL in a directory with a default ACL"
	acl=$(getfacl -c -p "$D/acl/f.conf" 2>/dev/null)
	like "$acl" "user:daemon:r--" "the file's own ACL entry is kept"
	unlike "$acl" "user:nobody" "the directory's default ACL is not taken"
	is "$(stat -c %a "$D/acl/f.conf")" 640 "and its mode"
	printf 'plain\n' >"$D/acl-plain.conf"
	chmod 0644 "$D/acl-plain.conf"
	printf 'new\n' | "$TOOL" "${S[@]}" "$H" write "$D/acl-plain.conf" 0600
	is "$(getfacl -cs "$D/acl-plain.conf" 2>/dev/null)" "" "a file without an ACL stays without one"
else
	ok 1 "setfacl is missing (Debian package acl)"
fi

printf 'target\n' >"$D/target.txt"
chmod 0640 "$D/target.txt"
ln -s target.txt "$D/link.txt"
printf 'via link\n' | "$TOOL" "${S[@]}" "$H" write "$D/link.txt" 0600
ok $? "write through a symlink"
[ -L "$D/link.txt" ] && [ "$(readlink "$D/link.txt")" = target.txt ]
ok $? "the link stays a link"
is "$(cat "$D/target.txt")" "via link" "its target was replaced"
is "$(stat -c %a "$D/target.txt")" 640 "keeping the target's mode"
check "realpath follows the link" -- tool realpath "$D/link.txt"
is "$OUT" "$(readlink -f "$D/target.txt")" "to the target"

ln -s dangling-target "$D/dangling"
printf 'made\n' | "$TOOL" "${S[@]}" "$H" write "$D/dangling" 0644
ok $? "write through a dangling symlink"
is "$(cat "$D/dangling-target" 2>/dev/null)" made "creates the link's target"

head -c 5000000 /dev/urandom >"$T/big.bin"
printf '\0\0\0' >>"$T/big.bin"
"$TOOL" "${S[@]}" "$H" write "$D/big.bin" 0644 <"$T/big.bin"
ok $? "write 5 MB of binary data"
cmp -s "$T/big.bin" "$D/big.bin"
ok $? "arrives intact, NULs and all"
"$TOOL" "${S[@]}" "$H" read "$D/big.bin" >"$T/big.back"
ok $? "read 5 MB back"
cmp -s "$T/big.bin" "$T/big.back"
ok $? "reads back intact"
check_fail "a file over read's limit" -- tool read "$D/big.bin" 1000
like "$OUT" 'more than the limit of 1000 bytes' "is refused, saying so"
like "$OUT" 'code 4' "as JF_ERR_TOOBIG"
printf '12345' >"$D/exact"
check "a file of exactly the limit" -- tool read "$D/exact" 5
is "$OUT" 12345 "is read whole"

# checked writes: replace only what was read
printf 'read\n' >"$D/checked.conf"
sum=$(sha256sum <"$D/checked.conf" | cut -c1-64)
printf 'planned\n' | "$TOOL" "${S[@]}" "$H" write "$D/checked.conf" 0644 "$sum"
ok $? "a checked write of an unchanged file"
is "$(cat "$D/checked.conf")" planned "replaces it"
check_fail "a checked write of a changed file" -- tool write "$D/checked.conf" 0644 "$sum" </dev/null
like "$OUT" 'changed since it was read' "is refused, saying so"
like "$OUT" "now $(sha256sum <"$D/checked.conf" | cut -c1-64), expected $sum" \
	"naming both hashes"
like "$OUT" 'code 8' "as JF_ERR_CHANGED"
is "$(cat "$D/checked.conf")" planned "the file untouched"
check_fail "a new file that appeared meanwhile" -- tool write "$D/checked.conf" 0644 absent </dev/null
like "$OUT" 'now [0-9a-f]{64}, expected no file' "is not replaced"
printf 'fresh\n' | "$TOOL" "${S[@]}" "$H" write "$D/fresh.conf" 0600 absent
ok $? "a checked write creates an absent file"
is "$(cat "$D/fresh.conf")" fresh "with its content"
is "$(find "$D" -name '.jobfix-*' | wc -l)" 0 "no temp file left by checked writes"

check "read a range" -- tool range "$D/big.bin" 1000000 64
"$TOOL" "${S[@]}" "$H" range "$D/big.bin" 1000000 64 >"$T/range.got"
tail -c +1000001 "$T/big.bin" | head -c 64 >"$T/range.want"
cmp -s "$T/range.got" "$T/range.want"
ok $? "the range has the right bytes"
"$TOOL" "${S[@]}" "$H" range "$D/big.bin" 5000000 100 >"$T/range.end"
is "$(od -An -tx1 "$T/range.end" | tr -d ' \n')" 000000 "a range past the end is short"

check_fail "reading a missing file fails" -- tool read "$D/missing"
like "$OUT" "127\\.0\\.0\\.1: \"$D/missing\": No such file or directory" \
	"naming host and path"
like "$OUT" 'code 3' "as JF_ERR_NOTFOUND"
check_fail "reading a directory fails" -- tool read "$D"
like "$OUT" 'is a directory' "saying it is a directory"
check "stat of a missing file" -- tool stat "$D/missing"
like "$OUT" '^0 ' "says it does not exist"

mkdir "$D/dir"
: >"$D/dir/b"; : >"$D/dir/.hidden"; : >"$D/dir/a b"; : >"$D/dir/"$'x\ny'
check "list a directory" -- tool ls "$D/dir"
want=$(printf '%s\n' '.hidden' 'a b' 'b' $'x\ny')
is "$OUT" "$want" "sorted names, dot files and newlines included"
check_fail "list a file" -- tool ls "$D/new.txt"
like "$OUT" 'is not a directory' "is refused"

check "unlink" -- tool rm "$D/new.txt"
[ ! -e "$D/new.txt" ]
ok $? "removes the file"
check_fail "unlink of a missing file" -- tool rm "$D/new.txt"
like "$OUT" 'code 3' "is JF_ERR_NOTFOUND"

# ---------------------------------------------------------------- /proc

/bin/sh -c 'sleep 300' 'jf-proc-probe'$'\n''second line' &
probe=$!
sleep 0.2
check "list processes" -- tool procs
like "$OUT" "(^|$NL)$probe$TAB/bin/sh -c sleep 300 jf-proc-probe\\\\nsecond line" \
	"a command line with a newline comes through whole"
kill $(descendants "$probe") "$probe" 2>/dev/null; wait "$probe" 2>/dev/null
check "list TCP sockets" -- tool tcp
like "$OUT" "(^|$NL)10 127\\.0\\.0\\.1:$SSHD_PORT 0\\.0\\.0\\.0:0 " \
	"the private sshd's listening socket is there"

# ---------------------------------------------------------------- host keys

fp=$(ssh-keygen -lf "$SSH_HOST_KEY.pub" -E sha256 | awk '{ print $2 }')
: >"$T/kh.empty"
check_fail "an unknown host key is refused" -- "$TOOL" -p "$SSHD_PORT" \
	-i "$SSH_USER_KEY" -k "$T/kh.empty" "$H" connect
like "$OUT" "unknown host key" "saying it is unknown"
like "$OUT" "${fp//+/\\+}" "with the SHA256 fingerprint ($fp)"
like "$OUT" "\\[127\\.0\\.0\\.1\\]:$SSHD_PORT" "naming host and port"
like "$OUT" 'code 6' "as JF_ERR_REFUSED"

printf '%s %s\n' "$H" "$(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")" >"$T/kh.plain"
check_fail "an entry for the bare name does not vouch for another port" -- \
	"$TOOL" -p "$SSHD_PORT" -i "$SSH_USER_KEY" -k "$T/kh.plain" "$H" connect

ssh-keygen -q -t ed25519 -N '' -f "$T/other_host_key" </dev/null
printf '# comment\n[%s]:%s %s\n' "$H" "$SSHD_PORT" \
	"$(cut -d' ' -f1,2 "$T/other_host_key.pub")" >"$T/kh.changed"
check_fail "a changed host key is refused" -- "$TOOL" -p "$SSHD_PORT" \
	-i "$SSH_USER_KEY" -k "$T/kh.changed" "$H" connect
like "$OUT" "CHANGED" "saying it changed"
like "$OUT" "${fp//+/\\+}" "with the offered key's fingerprint"
check_fail "a changed host key is refused even with accept-new" -- "$TOOL" -A \
	-p "$SSHD_PORT" -i "$SSH_USER_KEY" -k "$T/kh.changed" "$H" connect
like "$OUT" "CHANGED" "still saying it changed"
is "$(grep -c . "$T/kh.changed")" 2 "and nothing was added"

ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/other_rsa" </dev/null
printf '[%s]:%s %s\n' "$H" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/other_rsa.pub")" \
	>"$T/kh.othertype"
check_fail "a key of another type on record counts as changed" -- "$TOOL" -A \
	-p "$SSHD_PORT" -i "$SSH_USER_KEY" -k "$T/kh.othertype" "$H" connect
like "$OUT" "CHANGED" "saying so"

printf 'no newline at the end' >"$T/kh.new"
check "accept-new accepts an unknown key" -- "$TOOL" -A -p "$SSHD_PORT" \
	-i "$SSH_USER_KEY" -k "$T/kh.new" "$H" connect
like "$(cat "$T/kh.new")" $'\n'"\\[127\\.0\\.0\\.1\\]:$SSHD_PORT ssh-ed25519 " \
	"and records it on a line of its own"
check "the recorded key is then known" -- "$TOOL" -p "$SSHD_PORT" \
	-i "$SSH_USER_KEY" -k "$T/kh.new" "$H" connect
grep -v 'no newline' "$T/kh.new" >"$T/kh.new2"
check "ssh(1) accepts the line we wrote" -- ssh "${SSH_OPTS[@]}" \
	-o UserKnownHostsFile="$T/kh.new2" "$H" true

{ cat "$SSH_KNOWN_HOSTS"; echo "@revoked * $(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")"; } \
	>"$T/kh.revoked"
check_fail "a key marked @revoked is refused" -- "$TOOL" -p "$SSHD_PORT" \
	-i "$SSH_USER_KEY" -k "$T/kh.revoked" "$H" connect
like "$OUT" "@revoked" "saying so"

cp "$SSH_KNOWN_HOSTS" "$T/kh.hashed"
ssh-keygen -q -H -f "$T/kh.hashed" >/dev/null 2>&1
grep -q '^|1|' "$T/kh.hashed"
ok $? "a hashed known_hosts made"
check "a hashed entry matches" -- "$TOOL" -p "$SSHD_PORT" -i "$SSH_USER_KEY" \
	-k "$T/kh.hashed" "$H" connect

# ---------------------------------------------------------------- user keys

ssh-keygen -q -t ed25519 -N '' -f "$T/wrong_user_key" </dev/null
check_fail "a key the server does not know is refused" -- "$TOOL" \
	-p "$SSHD_PORT" -i "$T/wrong_user_key" -k "$SSH_KNOWN_HOSTS" "$H" connect
like "$OUT" 'public key authentication refused' "saying so"
like "$OUT" 'code 6' "as JF_ERR_REFUSED"
check_fail "a missing key file is refused" -- "$TOOL" -p "$SSHD_PORT" \
	-i "$T/no_such_key" -k "$SSH_KNOWN_HOSTS" "$H" connect
like "$OUT" 'no_such_key' "naming the file"

if command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null; then
	agent_out=$(ssh-agent -a "$T/agent.sock" -s)
	agent_pid=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' <<<"$agent_out")
	register_server "$agent_pid" ssh-agent "kill $agent_pid"
	SSH_AUTH_SOCK=$T/agent.sock ssh-add -q "$SSH_USER_KEY" </dev/null
	mkdir -p "$T/emptyhome"
	check "no identity: the ssh-agent's key is used" -- env \
		SSH_AUTH_SOCK="$T/agent.sock" HOME="$T/emptyhome" \
		"$TOOL" -p "$SSHD_PORT" -k "$SSH_KNOWN_HOSTS" "$H" connect
	check_fail "no identity, no agent, no ~/.ssh keys: refused" -- env \
		-u SSH_AUTH_SOCK HOME="$T/emptyhome" \
		"$TOOL" -p "$SSHD_PORT" -k "$SSH_KNOWN_HOSTS" "$H" connect
	like "$OUT" 'refused' "saying so"
	stop_server "$agent_pid"
else
	skip "ssh-agent" "ssh-agent is not installed"
fi

# ---------------------------------------------------------------- failures

# A connection dropped mid-operation: kill the per-connection sshd while
# `sleep 30` runs.  -R then runs one more command, which connects again.
start=$SECONDS
"$TOOL" "${S[@]}" -R "$H" run /bin/sleep 30 >"$T/drop.out" 2>&1 &
tpid=$!
found=1
for _ in $(seq 150); do
	for p in $(descendants "$SSHD_PID"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "/bin/sleep 30 " ] &&
			found=0
	done
	[ "$found" -eq 0 ] && break
	sleep 0.1
done
ok "$found" "the remote sleep 30 started"
kill -KILL $(descendants "$SSHD_PID") 2>/dev/null
wait "$tpid"
rc=$?
elapsed=$((SECONDS - start))
[ "$rc" -eq 99 ]
ok $? "a dropped connection is an error (exit $rc)"
[ "$elapsed" -lt 15 ]
ok $? "quickly (${elapsed}s, not the 30 s of the sleep)"
like "$(cat "$T/drop.out")" '127\.0\.0\.1: "/bin/sleep": connection lost' \
	"naming the host and the operation"
like "$(cat "$T/drop.out")" 'again: reconnected' \
	"the next operation connects again"

start=$(date +%s%N)
check_rc 124 "a run past its timeout is stopped" -- tool run -t 1500 /bin/sleep 100.25
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 8000 ]
ok $? "at the deadline (${ms} ms)"
left=1
for _ in $(seq 80); do
	left=0
	for p in $(descendants "$SSHD_PID"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "/bin/sleep 100.25 " ] &&
			left=1
	done
	[ "$left" -eq 0 ] && break
	sleep 0.1
done
is "$left" 0 "and the remote program does not outlive it for long"
check_rc 124 "the operation timeout applies to run without its own" -- \
	"$TOOL" "${S[@]}" -o 1500 "$H" run /bin/sleep 100.5

check "bench: 20 runs of /bin/true on one session" -- tool bench 20
diag "$OUT"

done_testing
