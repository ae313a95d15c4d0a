#!/bin/sh
# Run the cmocka test programs given as arguments; print each one's report
# and, at the end, which tests failed and which programs broke (so that
# the last lines of a long log say what went wrong), then one closing line
# with the number of tests passed and failed.  A program that hangs (a
# loop guard broken, say) is killed after UNIT_TIMEOUT seconds (default
# 120) and counts as failed, as does one that ends without a cmocka
# summary (killed by a signal, or exit() called in the code under test).
pass=0 fail=0 skip=0 failed=
for t in "$@"; do
	case $t in /*) ;; *) t=./$t ;; esac
	out=$(timeout "${UNIT_TIMEOUT:-120}" "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	skip=$((skip + ${s:-0}))
	if [ -n "$f" ]; then
		names=$(printf '%s\n' "$out" |
		    sed -n 's/^\[  FAILED  \] \([A-Za-z_0-9]*\)$/\1/p' |
		    sort -u | tr '\n' ' ')
		failed="$failed
  $t: $names"
	elif [ "$rc" -ne 0 ]; then
		last=$(printf '%s\n' "$out" |
		    sed -n 's/^\[ RUN      \] //p' | tail -n 1)
		fail=$((fail + 1))
		failed="$failed
  $t: ended with status $rc without a summary${last:+, in $last}"
	fi
done
[ -n "$failed" ] && printf 'unit: failed:%s\n' "$failed"
echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
