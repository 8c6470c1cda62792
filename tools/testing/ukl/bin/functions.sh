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

# The programs' KTAP from a console log on standard input, without the
# kernel's (timestamped) messages.  The kernel writes to the serial
# console directly, so a message of its own may come on a line of its own
# or in the middle of a program's line, up to the message's end: the
# program's line goes on after it, and is joined again ("    o[    3.39]
# input: ...", then "k 1 cpl": "    ok 1 cpl").  What comes before the
# kernel's first message (SeaBIOS's last line) stays a line of its own,
# and so does a line of "#" alone before a message when a KTAP line
# follows: a quote of the kernel's log.  With --host, the KTAP was made
# on the host (buildcheck, stdiocheck, a host client), where no kernel
# writes in between, and is left as it is.  kselftest.h prints a skipped
# test as "ok N # SKIP name", kunit.py wants "ok N name # SKIP".
program_ktap_lines() {
	if [ "${1:-}" = --host ]; then
		tr -d '\r'
	else
		tr -d '\r' | python3 -c '
import re, sys

kmsg = re.compile(rb"^\[ *[0-9]+\.[0-9]+\] |\[ *[0-9]+\.[0-9]{6}\] ")
quote = re.compile(rb"^[ \t]*#[ \t#]*$")
ktap = re.compile(rb"^[ \t]*((not )?ok [0-9]|[0-9]+\.\.[0-9]|K?TAP version|#)")
out = sys.stdout.buffer.write
part, kernel = b"", False
for line in sys.stdin.buffer:
	m = kmsg.search(line)
	if m and not kernel:
		out(line[:m.start()] + b"\n")
		kernel = True
	elif m:
		part += line[:m.start()]
	else:
		if quote.match(part) and ktap.match(line):
			part += b"\n"
		out(part + line)
		part = b""
if part:
	out(part + b"\n")
'
	fi | sed -E 's/^([[:space:]]*(not )?ok [0-9]+) # SKIP (.*)$/\1 \3 # SKIP/'
}

# What is wrong with the kernel's KUnit results, kunit.py's JSON file $1,
# for the words of a .tests file's "kunit" line ($2...): a SUITE word
# whose suite did not run or ran no test case (a test kernel without
# CONFIG_UKL_KUNIT_TEST still prints "KTAP version 1" and "1..0"), and a
# skipped case that no word skip:CASE allows (CASE: the case or the
# parameterised test it belongs to).  A line each; nothing if all is well.
kunit_problems() {
	python3 - "$@" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
	top = json.load(f)
words = sys.argv[2:]
allowed = {w[len("skip:"):] for w in words if w.startswith("skip:")}
ran = {g["name"]: g for g in top["sub_groups"]}

def cases(group, path):
	for case in group["test_cases"]:
		yield path + [case["name"]], case["status"]
	for sub in group["sub_groups"]:
		yield from cases(sub, path + [sub["name"]])

# kunit.py makes a suite without cases ("1..0") a case of the top level.
empty = {case["name"] for case in top["test_cases"]}
for suite in (w for w in words if not w.startswith("skip:")):
	if suite in empty:
		print(f"KUnit suite {suite} ran no test case")
	elif suite not in ran:
		print(f"KUnit suite {suite} did not run")
for path, status in cases(top, []):
	if len(path) == 1 and path[0] in empty:
		continue	# a suite without cases: not a skipped case
	if status == "SKIP" and not allowed & set(path[1:]):
		print(f"KUnit case {'.'.join(path)} was skipped: no skip:{path[-1]} "
		      "on the kunit line allows it")
PY
}

# What failed ($@: a line each), for the end of make test's output, which
# may be all a CI keeps: the first 40, cut to 300 characters, and how many
# more.  Nothing when nothing failed.
failed_summary() {
	[ $# -gt 0 ] || return 0
	echo "# what failed (details above, logs in $BUILD/test/):"
	printf '%s\n' "${@:1:40}" | cut -c 1-300 | sed 's/^/#   /'
	[ $# -le 40 ] || echo "#   ... and $(($# - 40)) more"
}

# Background jobs whose end a script learns long after they end.  Bash
# forgets a job's exit status when a later child of the shell gets its
# pid, and "wait" then fails with 127 ("not a child of this shell"); the
# builds of a run wrap the pids (pid_max 32768) many times.  A pid given
# to "kill" after its job ended may name another process.

# bg_start FILE COMMAND [ARG...]: COMMAND in the background, in a session
# of its own ($! names the job, its process group and its session), writing
# its exit status to FILE when it ends.  Not with job control (set -m): the
# job would lead a process group already, and setsid would fork.
bg_start() {
	local file=$1

	shift
	rm -f "$file"
	setsid sh -c '"$@"; st=$?; echo $st >"$0.new" && mv -f "$0.new" "$0"; exit $st' \
		"$file" "$@" &
}

# bg_running PID: whether PID is a background job of this shell that runs.
# grep reads all of the list: with -q, "jobs" could die of SIGPIPE after
# the match, which pipefail takes for no match.
bg_running() {
	jobs -pr | grep -x "$1" >/dev/null
}

# bg_status FILE: the exit status that bg_start wrote to FILE, on standard
# output; fails when there is none (a signal ended the job, or it could not
# write the file).
bg_status() {
	[ -s "$1" ] && cat "$1"
}
