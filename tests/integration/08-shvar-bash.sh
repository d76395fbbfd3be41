#!/bin/bash
# 08-shvar-bash.sh - shvar against bash itself.  Hand-written and ~200
# generated (seeded, side-effect free) scripts are sourced by bash; the value
# bash ends with must equal what shvar_get reads, and after shvar_set with
# awkward values (spaces, quotes, $, backslashes, newlines, empty) bash must
# read exactly the new value.
set -u
tool=${top_builddir:-.}/tests/unit/shvar-tool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jf-shvar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok() { local d=${2//$'\n'/\\n}; n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $d"; else echo "not ok $n - $d"; failed=$((failed + 1)); fi; }

# What bash ends up with after sourcing $1 (unset and empty both give "").
bash_value() {
	env -u NOHUPLOG bash -c 'source "$1" >/dev/null 2>&1 </dev/null; printf %s "${NOHUPLOG-}"' _ "$1"
}

# Compare shvar_get with bash on file $1; dynamic values are not compared.
check_get() {
	local f=$1 what=$2 rc
	"$tool" get "$f" NOHUPLOG >"$tmp/tool.out" 2>"$tmp/tool.err"
	rc=$?
	bash_value "$f" >"$tmp/bash.out"
	case $rc in
	0|3) cmp -s "$tmp/tool.out" "$tmp/bash.out"; return $? ;;
	4) return 0 ;;
	*) echo "# $what: $(cat "$tmp/tool.err")"; return 1 ;;
	esac
}

# shvar_set then bash must read exactly the value.
check_set() {
	local f=$1 v=$2
	"$tool" set "$f" NOHUPLOG "$v" >"$tmp/set.sh" 2>"$tmp/tool.err" || {
		echo "# set failed: $(cat "$tmp/tool.err")"; return 1; }
	printf %s "$v" >"$tmp/want"
	bash_value "$tmp/set.sh" >"$tmp/bash.out"
	cmp -s "$tmp/want" "$tmp/bash.out" || { echo "# bash reads '$(cat "$tmp/bash.out")' want '$v'"; return 1; }
	"$tool" get "$tmp/set.sh" NOHUPLOG >"$tmp/tool.out" && cmp -s "$tmp/want" "$tmp/tool.out"
}

# --- hand-written scripts -------------------------------------------------
hand() { printf '%s' "$2" >"$tmp/hand-$1.sh"; }
hand stock '#!/bin/bash
# Job start script
SELF_DIR=$(cd "$(dirname "$0")"; pwd)
NOHUPLOG=/dev/null
#NOHUPLOG=job_jvm_console.log

start() {
    NOHUPLOG=in_function
    nohup java -jar job.jar >>$NOHUPLOG 2>&1 &
}
case "${1-}" in
  start) NOHUPLOG=in_case; start ;;
  *) : ;;
esac
'
hand commented_only '#!/bin/bash
NOHUPLOG_X=1
# NOHUPLOG=job_jvm_console.log   # the console log
'
hand none '#!/bin/bash
# nothing here
A=1
'
hand heredoc '#!/bin/bash
NOHUPLOG=before
: <<EOF
NOHUPLOG=in_heredoc
EOF
: <<-"END"
	NOHUPLOG=in_heredoc2
	END
: <<\X; : <<Y
NOHUPLOG=a
X
NOHUPLOG=b
Y
'
hand strings '#!/bin/bash
NOHUPLOG="a b"
X="line one
NOHUPLOG=in_string
"
Y='"'"'
NOHUPLOG=in_single
'"'"'
Z=$(echo "
NOHUPLOG=in_subst
")
'
hand export 'export NOHUPLOG='"'"'x y'"'"' # trailing comment
'
hand prefix 'NOHUPLOG=keep
NOHUPLOG=temp :
NOHUPLOG=piped | :
false && NOHUPLOG=cond
true || NOHUPLOG=cond2
( NOHUPLOG=subshell )
{ :; }
'
hand continuation 'NOHUPLOG=abc\
def; B=2
'
hand escapes 'NOHUPLOG=a\ b"c\"d\$e"'"'"'f\g'"'"'
'
hand crlf_free_last 'NOHUPLOG="no final newline"'
hand blocks 'if false; then
  NOHUPLOG=if
elif false; then NOHUPLOG=elif
else :
fi
while false; do NOHUPLOG=w; done
until :; do NOHUPLOG=u; done
for i in; do NOHUPLOG=f; done
for ((i=0;i<0;i++)); do NOHUPLOG=ff; done
[[ a == b ]] && NOHUPLOG=dbr
(( 0 )) && NOHUPLOG=arith
function g { NOHUPLOG=g; }
h() ( NOHUPLOG=h )
NOHUPLOG=last
'
for f in "$tmp"/hand-*.sh; do
	name=${f##*/hand-}
	check_get "$f" "$name"; ok $? "get matches bash: ${name%.sh}"
	for v in job_jvm_console.log "" "a b" "it's" 'say "hi"' '$HOME' 'back\slash' 'multi
line' '~/x' '#hash' ' lead' 'trail '; do
		check_set "$f" "$v"; ok $? "set '$v' read back by bash: ${name%.sh}"
	done
done

# --- generated scripts ----------------------------------------------------
RANDOM=4242
pick() { local a=("$@"); printf %s "${a[RANDOM % $#]}"; }
lit() {
	pick job_jvm_console.log /dev/null "'a b'" '"x y"' 'a\ b' '"q\"uote"' \
	    "'s'\"d\"u" '"\$notvar"' "''" '""' '' 'x#y' '/tmp/a:b' '"multi
line"' 'a\
b'
}
value() {
	local i k=$((RANDOM % 6)) v=
	for ((i = 0; i < k; i++)); do
		v+=$(pick a ' ' "'" '"' '$' '\' '`' '
' '	' '~' '#' '*' 'x y' 'é' '!' '{a,b}' ';' '&' '|' '(' ')' '<' '>' '$(x)' '\n')
	done
	printf %s "$v"
}
piece() {
	case $((RANDOM % 22)) in
	0|1|2) printf 'NOHUPLOG=%s\n' "$(lit)" ;;
	3) printf 'export NOHUPLOG=%s\n' "$(lit)" ;;
	4) printf 'declare NOHUPLOG=%s\n' "$(lit)" ;;
	5) printf '#NOHUPLOG=%s\n' "$(lit | tr '\n\\' '_/')" ;;
	6) printf '# NOHUPLOG=%s # comment\n' "$(lit | tr '\n\\' '_/')" ;;
	7) printf 'f%d() {\n    NOHUPLOG=%s\n}\n' $RANDOM "$(lit)" ;;
	8) printf 'function g%d {\n  local x=1; NOHUPLOG=%s\n}\n' $RANDOM "$(lit)" ;;
	9) printf 'if false; then\n  NOHUPLOG=%s\nfi\n' "$(lit)" ;;
	10) printf 'case x in\n  y) NOHUPLOG=%s ;;\n  *) : ;;\nesac\n' "$(lit)" ;;
	11) printf ': <<EOF\nNOHUPLOG=%s\nEOF\n' "$(lit)" ;;
	12) printf ": <<-'EOT'\n\tNOHUPLOG=%s\n\tEOT\n" "$(lit)" ;;
	13) printf 'X="start\nNOHUPLOG=%s\n"\n' "$RANDOM" ;;
	14) printf 'OTHER=%s; NOHUPLOG=%s\n' "$(lit)" "$(lit)" ;;
	15) printf 'NOHUPLOG=%s :\n' "$(lit)" ;;
	16) printf 'false && NOHUPLOG=%s\n' "$(lit)" ;;
	17) printf 'while false; do NOHUPLOG=%s; done\n' "$(lit)" ;;
	18) printf ": \$(NOHUPLOG=%s; echo NOHUPLOG=x)\\n" "$RANDOM" ;;
	19) printf '# just a comment with NOHUPLOG in it\n' ;;
	20) printf 'Y=%s\n' "$(lit)" ;;
	21) printf '( NOHUPLOG=%s )\n' "$(lit)" ;;
	esac
}
gen_ok=0 gen_total=0 set_ok=0 set_total=0
for ((s = 0; s < 200; s++)); do
	f=$tmp/gen-$s.sh
	{
		[ $((RANDOM % 3)) = 0 ] || printf '#!/bin/bash\n# generated %d\n' $s
		for ((k = RANDOM % 8; k > 0; k--)); do piece; done
	} >"$f"
	gen_total=$((gen_total + 1))
	if check_get "$f" gen; then gen_ok=$((gen_ok + 1)); else
		echo "# get differs from bash on generated script $s:"; sed 's/^/#   /' "$f"; fi
	for ((k = 0; k < 3; k++)); do
		v=$(value; echo .); v=${v%.}
		set_total=$((set_total + 1))
		if check_set "$f" "$v"; then set_ok=$((set_ok + 1)); else
			echo "# set '$v' failed on generated script $s:"; sed 's/^/#   /' "$f"; fi
	done
done
[ $gen_ok = $gen_total ]; ok $? "get matches bash on $gen_ok/$gen_total generated scripts"
[ $set_ok = $set_total ]; ok $? "set read back by bash on $set_ok/$set_total generated edits"

echo "1..$n"
[ $failed = 0 ]
