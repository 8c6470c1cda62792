#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check what the QEMU plugin of insn-classes/ counted in a boot of the
# bench area (ukl-buildcheck.sh): the ring-3 calls execute one SYSCALL and
# one SYSRET each, the application's calls at every level none,
# getppid() at the direct level, a leaf call, fewer than 0.75 of the base
# level's instructions (a full call of the direct level takes some 0.95),
# and a signal at the bypass and direct levels no more CLI/STI than at the
# base level: when the exit has work, they do it once, as base does.
#
# Usage: ukl-insn-check.py CONSOLE CLASSES
# Prints what it found as KTAP diagnostics; exit status 0 when all holds.

import re
import sys

SYSCALL_BENCHES = ("getppid", "read-1", "read-4k", "write-1", "write-4k")
BENCH_RE = re.compile(r"# bench (\S+) (\S+) rep=(\d+) ops=(\d+) ns=(-?\d+)")


def main():
	console = open(sys.argv[1], errors="replace").read().replace("\r", "")
	marks = [dict(kv.split("=") for kv in m.split())
		 for m in re.findall(r"^mark \d+ (.*)$", open(sys.argv[2]).read(), re.M)]
	lines = BENCH_RE.findall(console)
	bad = []
	if not lines or len(lines) != len(marks):
		print(f"# {len(lines)} benchmark results, {len(marks)} plugin records")
		return 1
	ns = {}
	cli = {}
	for (name, mode, rep, ops, t), m in zip(lines, marks):
		ops = int(ops)
		sc, sr = int(m["syscall"]), int(m["sysret"])
		print(f"# {name} {mode} rep={rep}: {int(t) / ops:.0f} instructions, "
		      f"syscall {sc / ops:.2f}, sysret {sr / ops:.2f}, "
		      f"swapgs {int(m['swapgs']) / ops:.2f}, iret {int(m['iret']) / ops:.2f} "
		      "per operation")
		# One system call per operation, in ring 3 (the vDSO's
		# clock_gettime() makes none).  A signal's are not counted: its
		# rt_sigreturn() returns with IRET.
		want = ops if mode == "ring3" and name in SYSCALL_BENCHES else 0
		counted = mode != "ring3" or name != "signal"
		if counted and (sc != want or sr != want):
			bad.append(f"{name} {mode}: {sc} SYSCALL, {sr} SYSRET for {ops} "
				   f"operations, not {want}")
		ns[(name, mode)] = int(t) / ops
		cli[(name, mode)] = int(m["cli-sti"]) / ops
	d, b = ns.get(("getppid", "direct")), ns.get(("getppid", "base"))
	if d is None or b is None or d >= 0.75 * b:
		bad.append(f"getppid at the direct level: {d} instructions, not below "
			   f"0.75 of the base level's {b}: no leaf call")
	b = cli.get(("signal", "base"))
	for mode in ("bypass", "direct"):
		c = cli.get(("signal", mode))
		if b is None or c is None or c > b + 0.5:
			bad.append(f"signal at the {mode} level: {c} CLI/STI per call, "
				   f"not at most the base level's {b}")
	for m in bad:
		print("# " + m)
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main())
