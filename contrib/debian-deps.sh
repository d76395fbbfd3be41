#!/bin/sh
# contrib/debian-deps.sh - install what jobfix needs to build and test on
# Debian 12: the packages listed in contrib/debian-packages.txt.
#
# Runs apt-get as root (through sudo when not root).  The tests never use the
# system-wide servers these packages bring: if a package's post-install
# script starts one on its default port, that is harmless.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
list=$here/debian-packages.txt
pkgs=$(sed -e 's/#.*//' "$list" | tr -s ' \t\n' ' ')
[ -n "$pkgs" ] || { echo "debian-deps.sh: no packages in $list" >&2; exit 1; }

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 ||
		{ echo "debian-deps.sh: run as root (or install sudo)" >&2; exit 1; }
	sudo=sudo
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
# shellcheck disable=SC2086 # one word per package, on purpose
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs
# the Chinese locale the translation tests run jobfix under
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
	$sudo localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
fi
