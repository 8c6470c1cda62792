#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Where a boot's time goes: read the console of a boot with
# "initcall_debug ignore_loglevel" under -icount (timestamps in guest ns)
# and print the biggest items, the time from QEMU's start to the kernel's
# timekeeping and every gap between two kernel messages, named by the
# message before it ("calling FN" names the initcall FN).  Initcalls are
# named from vmlinux's symbols when the kernel has no kallsyms.  With
# --phases, print instead the boot's timeline in four phases, a line
# "NAME GUEST_NS" each: firmware (QEMU start to the kernel's timekeeping,
# with the loader and the kernel's early setup), setup (to the first
# initcall), initcalls (to the end of the last), init (to main()).  Run
# by ukl-bench.sh ("make bench"); Documentation/ukl/benchmarks.rst shows
# the result.
#
# Usage: ukl-boot-profile.py [--top N | --phases] VMLINUX CONSOLE_LOG

import argparse
import re
import subprocess
import sys

LINE_RE = re.compile(r"^\[\s*(\d+)\.(\d{6})\] (.*)$")
BOOT_RE = re.compile(r"# bench-boot \S+ cpl=\d+ tsc=(\d+) boottime_ns=(\d+)")
CALL_RE = re.compile(r"^calling  (\S+) @")
RET_RE = re.compile(r"^initcall (\S+) returned")


def symbols(vmlinux):
	"""Map each text address of vmlinux to its symbol."""
	try:
		nm = subprocess.run(["nm", vmlinux], capture_output=True, text=True,
				    check=True).stdout
	except (OSError, subprocess.CalledProcessError) as e:
		sys.exit(f"ukl-boot-profile: error: cannot read the symbols of {vmlinux}: {e}")
	syms = {}
	for line in nm.splitlines():
		f = line.split()
		if len(f) == 3 and f[1] in "tT":
			syms[int(f[0], 16)] = f[2]
	return syms


def name_of(what, syms):
	"""A message, with an initcall's address replaced by its name."""
	for regex, form in ((CALL_RE, "initcall {}"), (RET_RE, "after initcall {}")):
		m = regex.match(what)
		if m:
			fn = m.group(1)
			if fn.startswith("0x"):
				fn = syms.get(int(fn, 16), fn)
			return form.format(fn)
	return what


def main():
	ap = argparse.ArgumentParser(description=__doc__)
	ap.add_argument("--top", type=int, default=10, help="items to print (default 10)")
	ap.add_argument("--phases", action="store_true",
			help="print the four phases of the boot instead")
	ap.add_argument("vmlinux")
	ap.add_argument("log")
	a = ap.parse_args()

	with open(a.log, errors="replace") as f:
		lines = [l.rstrip("\r\n") for l in f]
	stamped = []
	boot = None
	for l in lines:
		m = LINE_RE.match(l)
		if m:
			stamped.append((int(m.group(1)) * 10**9 + int(m.group(2)) * 1000,
					m.group(3)))
		b = BOOT_RE.search(l)
		if b:
			boot = (int(b.group(1)), int(b.group(2)))
	if not stamped or not boot:
		sys.exit(f"ukl-boot-profile: error: {a.log} has no timestamped kernel "
			 "messages or no bench-boot line; boot with initcall_debug "
			 "ignore_loglevel and a program that calls ukl_bench_boot()")
	tsc, boottime = boot
	if a.phases:
		calls = [t for t, what in stamped if CALL_RE.match(what)]
		rets = [t for t, what in stamped if RET_RE.match(what)]
		if not calls or not rets:
			sys.exit(f"ukl-boot-profile: error: {a.log} shows no initcalls; "
				 "boot with initcall_debug ignore_loglevel")
		first, last = min(calls), max(rets)
		for name, ns in (("firmware", tsc - boottime), ("setup", first),
				 ("initcalls", last - first), ("init", boottime - last)):
			print(f"{name} {ns}")
		return
	syms = symbols(a.vmlinux)
	items = [(tsc - boottime, "QEMU start to the kernel's timekeeping "
		  "(firmware, PVH entry, early setup)")]
	# Messages at 0 come before timekeeping; gaps count from the first
	# later one.
	stamped.append((boottime, "main() of the application"))
	for (t0, what), (t1, _) in zip(stamped, stamped[1:]):
		if t1 > t0:
			items.append((t1 - t0, name_of(what, syms)))
	total = tsc
	print(f"# boot to main(): {total} guest ns; the {a.top} biggest items:")
	for ns, what in sorted(items, reverse=True)[:a.top]:
		print(f"{ns}\t{100 * ns / total:.1f}%\t{what}")


if __name__ == "__main__":
	main()
