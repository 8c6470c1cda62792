#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check from the host that the application's standard input, output and
# error can have a channel of their own, apart from the kernel's console
# (ukl.stdio=, ukl-run.sh --stdio); print KTAP.
#
# Usage: ukl-stdio-check.sh BZIMAGE INITRAMFS
#
# BZIMAGE links the test suite (suite.c with stdio.c) as its application,
# INITRAMFS is the application's root file system (scripts/ukl/rootfs.list
# has /dev/ttyS1 and /dev/kmsg).  Two boots:
#
#   ukl-run.sh --stdio, init arguments "area=stdio N": N bytes (every byte
#   value, CR LF, lone LF and CR, UTF-8, NULs) go in through ukl-run.sh's
#   stdin.  Its stdout must be "ready\n", the N bytes, 8 KiB of '=' lines
#   that the application writes right before it exits, and "stdio: N
#   bytes\n", exactly; the kernel's console must show the lines that the
#   application wrote to /dev/kmsg meanwhile and nothing of its output.
#
#   ukl.stdio= naming a path that does not exist: the kernel must say so,
#   and the application's output stays on the console.
#
# Each boot's console is printed as KTAP diagnostics, so that the runner
# sees any kernel splat in it.

set -euo pipefail

me=ukl-stdio-check
testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# = 2 ] || { echo "usage: $me BZIMAGE INITRAMFS" >&2; exit 2; }
kernel=$1 initrd=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {
	"$testdir/bin/ukl-run.sh" --kernel "$kernel" --initrd "$initrd" --smp 1 \
		--timeout 300 "$@"
}

# Print file $1 as diagnostics.
diag() {
	tr -d '\r' <"$1" | sed 's/^/# /'
}

echo "KTAP version 1"
echo "1..4"

# The input: every byte value, line ends of every kind, UTF-8, NULs, and
# a word that must not show up on the console.
python3 -c '
import sys
text = "UKL-STDIO-PAYLOAD CR LF\r\nLF only\nCR only\r \u00fcn\u00efc\u00f8d\u00e9 \u2713\n"
sys.stdout.buffer.write(bytes(range(256)) * 56 + text.encode() * 40 + bytes(64))
' >"$tmp/in"
n=$(stat -c %s "$tmp/in")
{
	printf 'ready\n'
	cat "$tmp/in"
	for ((i = 0; i < 128; i++)); do
		printf '%063d\n' 0 | tr 0 =
	done
	printf 'stdio: %d bytes\n' "$n"
} >"$tmp/want"

failed=0 status=0
run --stdio --log "$tmp/console" --append "-- area=stdio $n" \
	<"$tmp/in" >"$tmp/out" 2>"$tmp/err" || status=$?
diag "$tmp/console"
diag "$tmp/err"

if cmp -s "$tmp/want" "$tmp/out"; then
	echo "ok 1 output_byte_for_byte"
else
	echo "# stdout: $(stat -c %s "$tmp/out") bytes, not $(stat -c %s "$tmp/want");" \
	     "$(cmp "$tmp/want" "$tmp/out" 2>&1 | head -n 1)"
	failed=1
	echo "not ok 1 output_byte_for_byte"
fi

pieces=$(grep -ac 'ukl-stdio: piece ' "$tmp/console" || true)
if grep -qa 'ukl: standard input, output and error on /dev/ttyS1' "$tmp/console" &&
   [ "$pieces" -gt 1 ] && ! grep -qa 'UKL-STDIO-PAYLOAD\|^ready' "$tmp/console"; then
	echo "ok 2 kernel_log_apart"
else
	echo "# console: $pieces lines from /dev/kmsg; the payload or ready there:" \
	     "$(grep -ac 'UKL-STDIO-PAYLOAD\|^ready' "$tmp/console" || true) times"
	failed=1
	echo "not ok 2 kernel_log_apart"
fi

if [ "$status" = 0 ]; then
	echo "ok 3 exit_status_0"
else
	echo "# ukl-run.sh --stdio: exit status $status"
	failed=1
	echo "not ok 3 exit_status_0"
fi

status=0
run --log "$tmp/console2" --append "ukl.stdio=/dev/nonexistent -- area=stdio 0" \
	</dev/null >/dev/null 2>"$tmp/err2" || status=$?
diag "$tmp/console2"
diag "$tmp/err2"
if [ "$status" = 0 ] &&
   grep -qa 'ukl: cannot open ukl.stdio=/dev/nonexistent (-2): .* stay on the console' \
	"$tmp/console2" &&
   grep -qa 'stdio: 0 bytes' "$tmp/console2"; then
	echo "ok 4 missing_stdio_path_says_so"
else
	echo "# exit status $status; no message from the kernel or no output on the console"
	failed=1
	echo "not ok 4 missing_stdio_path_says_so"
fi
[ "$failed" = 0 ]
