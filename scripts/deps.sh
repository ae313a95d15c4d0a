#!/bin/sh
# Install the Debian packages that a task needs and that are missing.
# usage: scripts/deps.sh build|demo|test|ci
# Only missing packages are installed (apt-get, through sudo when not root);
# when everything is there, nothing is run and no network is needed.
set -eu

build="gcc make pkg-config libc-ares-dev libidn2-dev libjansson-dev libssl-dev
       libcurl4-openssl-dev"
case "${1:-}" in
build)	pkgs="$build" ;;
demo)	pkgs="$build knot python3" ;;
test)	pkgs="$build libcmocka-dev knot knot-dnsutils python3 python3-pytest
	      python3-dnspython python3-jsonschema mandoc zsh fish jq parallel unbound
	      python3-aiosmtpd python3-cryptography openssl postfix iproute2" ;;
ci)	pkgs="$build libcmocka-dev knot knot-dnsutils python3 python3-pytest
	      python3-dnspython python3-jsonschema mandoc zsh fish jq parallel clang
	      libclang-rt-14-dev valgrind unbound python3-aiosmtpd
	      python3-cryptography openssl postfix iproute2" ;;
*)	echo "usage: $0 build|demo|test|ci" >&2; exit 2 ;;
esac

# postfix is there only for its posttls-finger (tests/system/smtpd.py; the
# tests that use it skip without it): never in place of another mail
# server, and never configured (debconf "No configuration": no main.cf, no
# service; its default would be "Internet Site", a server on port 25).
other_mta=$(dpkg-query -W -f='${Package} ${Status} ${Provides}\n' 2>/dev/null |
	awk '/ok installed/ && /mail-transport-agent/ && $1 != "postfix" {
		print $1 }')
missing=""
for p in $pkgs; do
	if [ "$p" = postfix ] && [ -n "$other_mta" ]; then
		echo "deps: not installing postfix (posttls-finger), the mail" \
			"server $other_mta is installed" >&2
		continue
	fi
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
case " $missing " in
*" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" |
		$sudo debconf-set-selections ;;
esac
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
