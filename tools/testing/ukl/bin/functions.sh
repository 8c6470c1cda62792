# SPDX-License-Identifier: GPL-2.0
#
# Sourced by ukl-test.sh, ukl-bench.sh and ukl-bench-app.sh after they set
# $me, their name in messages:
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
