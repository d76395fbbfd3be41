#!/bin/bash
# 17-completion: the bash completion (contrib/bash-completion/jobfix),
# sourced into this bash and called as bash calls it, with COMP_WORDS and
# COMP_CWORD: commands, options, sub-commands, playbook names (site ones
# too, through -c), fault IDs and error codes for explain, inventory files
# for fleet -i; the same words under a Chinese locale.
. "${top_srcdir:-.}/tests/lib.sh"
setup_tmp
require_cmd python3

# shellcheck source=/dev/null
. "$top_srcdir/contrib/bash-completion/jobfix"
# comp WORD...: the completions of the last word, sorted, on one line
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_jobfix
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

is "$(complete -p jobfix)" "complete -o default -F _jobfix jobfix" \
	"the function is registered for jobfix, falling back to file names"
is "$(comp "$JOBFIX" explain 125)" "1250001 1250002 1252001 1255001 1259001" \
	"jobfix explain 125<TAB>: the error codes"
is "$(comp "$JOBFIX" explain nolog.)" \
	"nolog.events-missing nolog.headroom nolog.partition nolog.scheduler-disabled" \
	"jobfix explain nolog.<TAB>: the fault IDs"
all_codes=$(LC_ALL=C "$JOBFIX" explain | awk '/^[0-9]+ / { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
is "$(comp "$JOBFIX" explain 12)" "$all_codes" "every error code of jobfix explain"
commands=$(LC_ALL=C "$JOBFIX" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
is "$(comp "$JOBFIX" "")" "$commands" "jobfix <TAB>: every command"
is "$(comp "$JOBFIX" di)" "diagnose" "jobfix di<TAB>"
is "$(comp "$JOBFIX" --dry)" "--dry-run" "jobfix --dry<TAB>"
is "$(comp "$JOBFIX" --all)" "--allow-restart" "jobfix --all<TAB>"
is "$(comp "$JOBFIX" -r /tmp explain 1252)" "1252001" "options with arguments before the command are skipped"
is "$(comp "$JOBFIX" run mysql-)" "mysql-event-scheduler mysql-scheduler-disabled" \
	"jobfix run mysql-<TAB>: playbook names"
is "$(comp "$JOBFIX" reset job-)" "job-console-log job-restart" "jobfix reset job-<TAB>"
is "$(comp "$JOBFIX" playbooks "")" "check list show steps" "jobfix playbooks <TAB>"
is "$(comp "$JOBFIX" playbooks show job-c)" "job-console-log" "jobfix playbooks show job-c<TAB>"
is "$(comp "$JOBFIX" audit "")" "mark show verify" "jobfix audit <TAB>"

# a site playbook, found through the -c typed before
mkdir -p "$T/pb"
cat >"$T/pb/site-only.conf" <<'EOF'
name    = "site-only-playbook";
fixes   = [ "start.nolog" ];
summary = "a playbook of this site";
steps   = ( { type = "note"; text = "nothing"; } );
EOF
printf 'playbook_dirs = [ "%s" ];\n' "$T/pb" >"$T/jobfix.conf"
is "$(comp "$JOBFIX" -c "$T/jobfix.conf" run site-)" "site-only-playbook" \
	"-c on the command line: the site's playbooks"

# files: -c, fleet -i, playbooks check
touch "$T/hosts.inv" "$T/hosts.old"
is "$(comp "$JOBFIX" fleet -i "$T/hosts.")" "$T/hosts.inv $T/hosts.old" "jobfix fleet -i <TAB>: files"
is "$(comp "$JOBFIX" -c "$T/jobfix.co")" "$T/jobfix.conf" "jobfix -c <TAB>: files"
is "$(comp "$JOBFIX" fleet -i "$T/hosts.inv" "")" "diagnose fix run" "jobfix fleet -i FILE <TAB>"
is "$(comp "$JOBFIX" fleet -i "$T/hosts.inv" run gse-a)" "gse-agent-restart" "jobfix fleet -i FILE run gse-a<TAB>"
is "$(comp "$JOBFIX" fleet --can)" "--canary" "fleet's own options"
is "$(comp "$JOBFIX" playbooks check "$T/pb/site")" "$T/pb/site-only.conf" "jobfix playbooks check <TAB>: files"

# the words are jobfix's, whatever language it speaks
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
	is "$(LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 comp "$JOBFIX" explain 125)" \
		"1250001 1250002 1252001 1255001 1259001" "the same codes under zh_CN.UTF-8"
	is "$(LANG=zh_CN.UTF-8 comp "$JOBFIX" pl)" "playbooks" "the same commands under zh_CN.UTF-8"
else
	skip "the completion under zh_CN.UTF-8" "no zh_CN.UTF-8 locale"; skip "(2)" "no zh_CN.UTF-8 locale"
fi
done_testing
