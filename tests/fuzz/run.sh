#!/bin/sh
# Build the libFuzzer harnesses, replay the seed corpus, then fuzz.
#
#   tests/fuzz/run.sh [SECONDS] [HARNESS ...]
#
# SECONDS (default 60) is the fuzzing time per harness; 0 only replays.
# HARNESS is wire, answer, name or fmt (or fuzz_wire, ...); default: all.
# Run from anywhere; paths are relative to the repository root.
#
# Each harness is built with clang (-fsanitize=fuzzer,address,undefined)
# into build/fuzz/.  Its corpus tests/fuzz/corpus/<harness>/ is replayed
# first: every seed must pass.  Fuzzing then works on a copy of the corpus
# in a temporary directory, so the committed corpus never grows.  A crash,
# leak, sanitizer report or timeout is kept as
# build/fuzz/<harness>.artifacts/crash-* (leak-*, timeout-*, ...), its path
# is printed and the script exits 1 once every harness has run.  Inputs
# that crashed before are kept in tests/fuzz/crashes/<harness>-<what> and
# replayed with the corpus.  Logs: build/fuzz/<harness>.{replay,fuzz}.log.
#
# Environment: CLANG (default clang), PKG_CONFIG (default pkg-config).
set -eu

usage() {
	echo "usage: tests/fuzz/run.sh [SECONDS] [wire|answer|name|fmt ...]" >&2
	exit 2
}

cd "$(dirname "$0")/../.."
root=$(pwd)

CLANG=${CLANG:-clang}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

seconds=60
case "${1:-}" in
'') ;;
-h|--help) usage ;;
*[!0-9]*)
	;;	# not a number: a harness name
*)
	seconds=$1
	shift
	;;
esac

harnesses=
for h in "$@"; do
	case "$h" in
	wire|fuzz_wire) harnesses="$harnesses fuzz_wire" ;;
	answer|fuzz_answer) harnesses="$harnesses fuzz_answer" ;;
	name|fuzz_name) harnesses="$harnesses fuzz_name" ;;
	fmt|fuzz_fmt) harnesses="$harnesses fuzz_fmt" ;;
	*)
		echo "run.sh: unknown harness '$h' (wire, answer, name or fmt)" >&2
		usage
		;;
	esac
done
[ -n "$harnesses" ] || harnesses="fuzz_wire fuzz_answer fuzz_name fuzz_fmt"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "run.sh: $CLANG not found (Debian: apt-get install clang" \
	    "libclang-rt-14-dev)" >&2
	exit 2
fi
# As the Makefile: libcurl's headers only (src/curl_load.c loads it).
pc="libcares libidn2 jansson libssl libcrypto"
if ! pc_cflags=$($PKG_CONFIG --cflags $pc libcurl) ||
    ! pc_libs=$($PKG_CONFIG --libs $pc); then
	echo "run.sh: pkg-config cannot find $pc or libcurl (apt-get" \
	    "install libc-ares-dev libidn2-dev libjansson-dev libssl-dev" \
	    "libcurl4-openssl-dev)" >&2
	exit 2
fi

CFLAGS_FUZZ="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 -fno-omit-frame-pointer -g -O1 -std=c11 -D_DEFAULT_SOURCE -Iinclude
 -Itests/fuzz -Itests/unit"

# Library sources each harness needs (never src/main.c).  The model and
# the engine reach the checks and the probe, so those two harnesses take
# every library source, as the program does.
library() {
	for f in src/*.c; do
		case "$f" in
		src/main.c|"${1:-}") ;;
		*) printf '%s ' "$f" ;;
		esac
	done
}
sources() {
	case "$1" in
	fuzz_wire)
		echo "src/wire.c src/esc.c src/status.c" ;;
	fuzz_answer)
		echo "src/answer.c src/wire.c src/esc.c src/status.c" ;;
	fuzz_name)
		library ;;
	fuzz_fmt)
		# The engine as shipped, on the unit tests' fake transport.
		echo "$(library src/resolver.c) tests/unit/fake_resolver.c" ;;
	esac
}

# Sanitizer reports end the run with a stack trace; leaks count too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

out=build/fuzz
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mxq-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

failed=
report() {	# harness, message ...
	h_=$1
	shift
	echo "run.sh: $h_: $*" >&2
	failed="$failed $h_"
}

for h in $harnesses; do
	bin=$out/$h
	corpus=tests/fuzz/corpus/$h
	artifacts=$out/$h.artifacts
	echo "=== $h: build"
	# shellcheck disable=SC2046,SC2086
	if ! $CLANG $CFLAGS_FUZZ $pc_cflags -o "$bin" "tests/fuzz/$h.c" \
	    $(sources "$h") $pc_libs -lpthread -ldl -lm; then
		report "$h" "build failed"
		continue
	fi
	mkdir -p "$artifacts"
	max_len=
	dict=
	case "$h" in
	fuzz_wire|fuzz_answer|fuzz_fmt)
		max_len=-max_len=65535
		dict=-dict=tests/fuzz/fuzz_wire.dict
		;;
	fuzz_name)
		dict=-dict=tests/fuzz/fuzz_name.dict
		;;
	esac

	# 1. Replay: every seed and every saved crash input must pass now.
	seeds=
	if [ -d "$corpus" ]; then
		seeds=$(find "$corpus" -type f | sort)
	fi
	if [ -d tests/fuzz/crashes ]; then
		seeds="$seeds $(find tests/fuzz/crashes -type f -name "$h-*" |
		    sort)"
	fi
	# shellcheck disable=SC2086
	n=$(echo $seeds | wc -w)
	echo "=== $h: replay $n inputs from $corpus"
	if [ "$n" -gt 0 ]; then
		# shellcheck disable=SC2086
		if ! "$bin" -runs=1 -artifact_prefix="$artifacts/" $seeds \
		    >"$out/$h.replay.log" 2>&1; then
			tail -n 40 "$out/$h.replay.log" >&2
			bad=$(sed -n 's/^Running: //p' "$out/$h.replay.log" |
			    tail -n 1)
			report "$h" "corpus replay failed on $bad (reproduce:" \
			    "$bin $bad; log: $root/$out/$h.replay.log)"
			continue
		fi
	else
		echo "run.sh: $h: no seed corpus in $corpus" >&2
	fi
	[ "$seconds" -gt 0 ] || continue

	# 2. Fuzz on a copy of the corpus.
	work=$tmp/$h
	mkdir -p "$work"
	if [ -d "$corpus" ]; then
		find "$corpus" -type f -exec cp {} "$work/" \;
	fi
	echo "=== $h: fuzz for $seconds s"
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $max_len $dict -artifact_prefix="$artifacts/" \
	    "$work" >"$out/$h.fuzz.log" 2>&1; then
		grep -E '^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
		    "$out/$h.fuzz.log" || true
	else
		tail -n 60 "$out/$h.fuzz.log" >&2
		# libFuzzer names the input it kept: "Test unit written to F".
		found=$(sed -n 's/.*Test unit written to //p' \
		    "$out/$h.fuzz.log" | tail -n 1)
		if [ -n "$found" ] && [ -f "$found" ]; then
			report "$h" "FOUND A CRASH, input kept in $root/$found" \
			    "(reproduce: $bin $found; log: $root/$out/$h.fuzz.log)"
		else
			report "$h" "libFuzzer failed (log: $root/$out/$h.fuzz.log)"
		fi
	fi
done

if [ -n "$failed" ]; then
	echo "run.sh: FAILED:$failed" >&2
	exit 1
fi
echo "run.sh: all harnesses passed ($harnesses )"
