#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kselftest boot of ukl-test.sh, run by busybox sh: runs the
# kernel selftests that the scenario's "kselftest" lines name, one after
# the other, with run_one() of the kernel's own
# tools/testing/selftests/kselftest/runner.sh, and prints one KTAP
# document.  /kselftest holds the programs at their selftests paths
# (/kselftest/x86/sigreturn_64), runner.sh, and the list "DIR PROG
# [ARGS...]" a line.  ARGS become KSELFTEST_<PROG>_ARGS, which run_one()
# passes to the program.  run_one() limits each program to 45 s with
# /usr/bin/timeout (kselftest-timeout).  The guest ends with the number of
# programs that failed (0..127) as its exit status.

export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev
# runner.sh writes to /dev/stdout, which devtmpfs does not provide.
for fd in 0:stdin 1:stdout 2:stderr; do
	ln -sf "/proc/self/fd/${fd%%:*}" "/dev/${fd#*:}"
done

# Programs that use kselftest.h print no "TAP version" line themselves.
export KSFT_TAP_LEVEL=1
BASE_DIR=/kselftest
. "$BASE_DIR/kselftest/runner.sh"

# runner.sh turns a program's output into "# " diagnostics.  Instead, a
# program's own KTAP (its plan or first result and all that follows)
# becomes a subtest named like run_one()'s result line, indented; output
# before that, and that of programs that print no KTAP (most x86 ones:
# "[OK]", "[FAIL]" and the exit status), stays "# " diagnostics.
# kselftest.h's "ok N # SKIP reason" becomes "ok N reason # SKIP", the
# form that kunit.py parses.
tap_prefix()
{
	awk -v name="$TEST_HDR_MSG" '
		!ktap && /^(1\.\.[0-9]|(not )?ok [0-9])/ {
			ktap = 1
			print "    KTAP version 1"
			print "    # Subtest: " name
		}
		ktap && match($0, /^(not )?ok [0-9]+ # SKIP */) {
			head = substr($0, 1, RLENGTH)
			rest = substr($0, RLENGTH + 1)
			sub(/ # SKIP *$/, "", head)
			sub(/[ \t]+$/, "", rest)
			$0 = head " " rest " # SKIP"
		}
		{ print (ktap ? "    " : "# ") $0; fflush() }'
}

echo "KTAP version 1"
echo "1..$(wc -l <"$BASE_DIR/list")"
n=0 failed=0
while read -r dir prog args; do
	n=$((n + 1))
	var=KSELFTEST_$(printf %s "$prog" | tr -c '[:alnum:]_' _ | tr a-z A-Z)_ARGS
	export "$var=$args"
	run_one "$dir" "$BASE_DIR/$dir/$prog" "$n" </dev/null | tee /tmp/kselftest.out
	grep -q '^not ok' /tmp/kselftest.out && failed=$((failed + 1))
done <"$BASE_DIR/list"

[ "$failed" -le 127 ] || failed=127
exec /bin/exitstatus "$failed"
