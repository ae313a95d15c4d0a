#!/bin/sh
# Install the Debian packages that a task needs and that are missing.
# usage: scripts/deps.sh build|demo|test|ci
# Only missing packages are installed (apt-get, through sudo when not root);
# when everything is there, nothing is run and no network is needed.
set -eu

build="gcc make pkg-config libc-ares-dev libidn2-dev libjansson-dev"
case "${1:-}" in
build)	pkgs="$build" ;;
demo)	pkgs="$build knot python3" ;;
test)	pkgs="$build libcmocka-dev knot knot-dnsutils python3 python3-pytest
	      python3-dnspython python3-jsonschema mandoc zsh fish jq parallel unbound" ;;
ci)	pkgs="$build libcmocka-dev knot knot-dnsutils python3 python3-pytest
	      python3-dnspython python3-jsonschema mandoc zsh fish jq parallel clang
	      libclang-rt-14-dev valgrind unbound" ;;
*)	echo "usage: $0 build|demo|test|ci" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: missing packages:$missing (run as root or install sudo)" >&2
		exit 1
	}
	sudo=sudo
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
