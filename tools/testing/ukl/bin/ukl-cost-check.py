#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check that UKL costs ordinary processes nothing (ukl-buildcheck.sh): in
# two boots under -icount of the ring-3 suite's bench area, one on the UKL
# kernel and one on the unpatched kernel of the same configuration, every
# benchmark takes as many guest instructions per operation on both.  The
# cheapest repetition of each counts, so that a timer interrupt in some
# repetitions does not; a difference of up to SLACK instructions is
# allowed for what moves with the kernel's layout.
#
# Usage: ukl-cost-check.py UKL_CONSOLE UNPATCHED_CONSOLE
# Prints what it found as KTAP diagnostics; exit status 0 when all holds.

import re
import sys

BENCH_RE = re.compile(r"# bench (\S+) ring3 rep=\d+ ops=(\d+) ns=(\d+)")
SLACK = 2


def cheapest(path):
	"""The fewest instructions per operation of each benchmark in a console."""
	best = {}
	console = open(path, errors="replace").read().replace("\r", "")
	for name, ops, ns in BENCH_RE.findall(console):
		per_op = int(ns) / int(ops)
		best[name] = min(per_op, best.get(name, per_op))
	return best


def main():
	ukl, unpatched = cheapest(sys.argv[1]), cheapest(sys.argv[2])
	bad = []
	if not ukl or set(ukl) != set(unpatched):
		print(f"# benchmarks: {sorted(ukl)} on UKL, {sorted(unpatched)} unpatched")
		return 1
	for name in sorted(ukl):
		diff = ukl[name] - unpatched[name]
		print(f"# {name}: {ukl[name]:.1f} instructions on the UKL kernel, "
		      f"{unpatched[name]:.1f} on the unpatched one ({diff:+.1f})")
		if diff > SLACK:
			bad.append(name)
	if bad:
		print(f"# more than {SLACK} more on the UKL kernel: {', '.join(bad)}")
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main())
