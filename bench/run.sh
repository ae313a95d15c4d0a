#!/bin/sh
# mxq benchmark: bench/run.sh [--quick] [options]; see bench/README.md.
# Needs root (knotd on port 53 of a loopback address of its own, for
# adnshost) and the Debian packages knot, adns-tools, bind9-dnsutils,
# knot-dnsutils, dnsperf and time.
set -e
here=$(dirname "$0")
exec /usr/bin/python3 "$here/run.py" "$@"
