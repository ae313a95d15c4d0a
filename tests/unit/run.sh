#!/bin/sh
# Run the cmocka test programs given as arguments; print each one's report
# and one closing line with the number of tests passed and failed.  A
# program that hangs (a loop guard broken, say) is killed after
# UNIT_TIMEOUT seconds (default 120) and counts as failed.
pass=0 fail=0 broken=0
for t in "$@"; do
	case $t in /*) ;; *) t=./$t ;; esac
	out=$(timeout "${UNIT_TIMEOUT:-120}" "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	# A program that crashed or failed without a cmocka summary.
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		broken=$((broken + 1))
		fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
