# SPDX-License-Identifier: GPL-2.0
#
# Sourced by ukl-test.sh, ukl-bench.sh, ukl-bench-app.sh and
# ukl-buildcheck.sh after they set $me, their name in messages:
#
#	. "$(dirname "${BASH_SOURCE[0]}")/functions.sh"
#
# Sets testdir (tools/testing/ukl), and REPO and BUILD unless the
# environment has them (the clone and its build directory), and exports
# REPO and BUILD for the scripts these run.

testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${REPO:=$(cd "$testdir/../../.." && pwd)}"
: "${BUILD:=$REPO/build}"
# Absolute: kunit.py changes directory.
BUILD=$(realpath -m "$BUILD")
export REPO BUILD

# die MESSAGE: the error on standard error, and exit status 2.
die() {
	echo "$me: error: $*" >&2
	exit 2
}

# log MESSAGE: a progress line on standard output.
log() {
	echo "  $*"
}

# The results ("NAME STATUS" lines) of file $1 but those of tests that
# failed in $1 or in $2.
results_not_failed() {
	awk 'FNR == 1 { file++ }
	     { name = $0; sub(/ [^ ]*$/, "", name) }
	     file < 3 && $NF == "FAIL" { failed[name] = 1 }
	     file == 3 && !(name in failed)' "$1" "$2" "$1"
}

# Where the results of two boots, files $1 and $2, differ: what passed or
# was skipped in one boot and not in the other, or ran in one boot only.
# A test that failed in one of them is left out: it fails that boot
# already.  Prints nothing when they agree; fails only when diff fails.
results_diff() {
	local status=0

	diff <(results_not_failed "$1" "$2") <(results_not_failed "$2" "$1") |
		awk '/^[<>]/ { printf "%s ", $0 }' || status=$?
	# diff: 1 for a difference, 2 for trouble.
	[ "$status" -le 1 ]
}

# The kernel's KTAP (KUnit's) from a console log on standard input: its
# timestamped lines that are KTAP (version, plan, result and "#" lines),
# and the indented lines under a failed expectation's "#" line (its
# operands' values), without the kernel's other messages.  An
# asynchronous probe may print one between the lines of a subtest, and
# kunit.py then loses the subtest ("Expected test number 9 but found 3":
# the PS/2 mouse of a boot under -singlestep among ukl_binfmt's results).
# KUnit indents a test case's lines by four spaces or more; the kernel's
# messages are not indented so far (a call trace's lines by one or two).
kernel_ktap_lines() {
	tr -d '\r' |
		grep -aE '^\[ *[0-9]+\.[0-9]+\] +(K?TAP version|#|ok |not ok |[0-9]+\.\.[0-9]+)|^\[ *[0-9]+\.[0-9]+\]     ' ||
		true
}
