A=1
# NOHUPLOG=x
B="$(case a in a) NOHUPLOG=1;; esac)"
for ((i=0;i<1;i++)); do :; done
[[ a < b ]] && X=1
f() ( Y=2 )
function g { Z=${A:-"}"}; }