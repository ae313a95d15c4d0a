#!/bin/sh
# Run a command in a network namespace of its own that has nothing but
# loopback (127.0.0.0/8 and ::1), so that a test that would send a packet
# anywhere else, by a mistake in the test data or in mxq (--ns and --smtp
# connect to addresses found in DNS), cannot: the packet has no route.
# Where no namespace can be made (no unshare(1) or ip(8), not root and no
# user namespaces), the command runs as it is, and says so.
# usage: scripts/loopback-only.sh command [arg ...]
set -eu

inner='ip link set lo up && exec "$@"'
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		unshare -n true 2>/dev/null &&
			exec unshare -n sh -c "$inner" sh "$@"
	else
		unshare -rn true 2>/dev/null &&
			exec unshare -rn sh -c "$inner" sh "$@"
	fi
fi
echo "loopback-only: no network namespace here; running with the host's" \
	"network (every test address is on loopback anyway)" >&2
exec "$@"
