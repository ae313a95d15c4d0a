#!/bin/sh
# make demo: install what is missing, build, serve the bundled example zones
# with knotd on loopback, run mxq on them, stop the server.  No network needed
# beyond the package archive, and only when something is missing.
set -eu
cd "$(dirname "$0")/.."

sh scripts/deps.sh demo

make -s

cat > build/demo-run.sh <<'EOS'
#!/bin/sh
# Runs inside tests/system/knot.py, which sets MXQ_TEST_PORT.
set -u
mxq() {
	printf '\n$ mxq %s\n' "$*"
	./mxq @127.0.0.1 -p "$MXQ_TEST_PORT" "$@"
	echo "(exit status $?)"
}
echo "knotd is serving examples/zones on 127.0.0.1 port $MXQ_TEST_PORT;"
echo "every query below goes there (the zone data is made up)."
mxq cisco.com
mxq hp.com
mxq apple.com
mxq nomail.example
mxq implicit.example
mxq --idn bücher.example
mxq -s cisco.com
mxq -s cisco.com hp.com nomail.example
mxq -j hp.com
mxq -v cisco.com
mxq oops.example
exit 0
EOS
exec /usr/bin/python3 tests/system/knot.py --zones examples/zones \
	-- sh build/demo-run.sh
