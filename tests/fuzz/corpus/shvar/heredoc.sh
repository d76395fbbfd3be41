cat <<EOF
NOHUPLOG=x
EOF
: <<-"E"
	A=1
	E
X="a
b"
export NOHUPLOG='a b' # c
