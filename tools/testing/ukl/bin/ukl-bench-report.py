#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Turn the console logs of ukl-bench.sh's boots into bench.json, bench.md
# and bench.png.  Run by ukl-bench.sh; see Documentation/ukl/benchmarks.rst.
#
# Inputs in OUT: console-BOOT-METRIC.log (bench.c's "# bench ..." and
# "# bench-boot ..." lines; BOOT is NAME@MITIGATIONS for the TCG boots,
# with the set of mitigations "off" or "distro"), classes-BOOT-METRIC.txt
# (the QEMU plugin's counts by instruction class, one "mark" line per
# "# bench" line, in order), console-hello-METRIC.log, hello.txt (sizes
# and least memory of the hello-world kernel); the servers' APP.json and
# APP.md of "make bench-redis", "bench-memcached" and "bench-nginx"
# (ukl-bench-app.sh), if there, are carried over.

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess

# The servers of ukl-bench-app.sh, whose reports make bench carries over.
SERVERS = ["redis", "memcached", "nginx"]
BENCH_RE = re.compile(r"# bench (\S+) (\S+) rep=(\d+) ops=(\d+) ns=(-?\d+)")
BOOT_RE = re.compile(r"# bench-boot (\S+) cpl=(\d+) tsc=(\d+) boottime_ns=(\d+)")
TSC_RE = re.compile(r"tsc: Detected ([0-9.]+) MHz")
RELEASE_RE = re.compile(r"Linux version (\S+)")
MARK_RE = re.compile(r"^mark \d+ (.*)$", re.M)
# What the kernel says of its mitigations while it boots.
MITIGATION_RE = re.compile(r"^\[[ 0-9.]+\] ((?:Spectre V[12]|MDS|TAA|MMIO Stale Data|"
			   r"RETBleed|Speculative Store Bypass|SRBDS|GDS|"
			   r"Register File Data Sampling|ITS|Speculative Return Stack "
			   r"Overflow|x86/bugs|Kernel/User page tables isolation|"
			   r"VMSCAPE|BHI)[: ].*)$", re.M)

# The sets of mitigations of the TCG boots (ukl-bench.sh), and their title.
MITIGATIONS = {
	"off": "mitigations off (-cpu max, mitigations=off)",
	"distro": "a distribution's mitigations (-cpu Skylake-Client, the "
		  "kernel's defaults: PTI, retpolines, return thunks, VERW)",
	"host": "KVM, the host CPU and the kernel's default mitigations",
}

# The instruction classes of insn-classes/insn_class.h, with a modelled
# cost in cycles on a recent Intel core and where the figure comes from.
# A model, labelled as one in the tables: see benchmarks.rst.
CLASSES = [
	("syscall", 70, "assumption"),
	("sysret", 70, "assumption"),
	("iret", 100, "assumption"),
	("swapgs", 10, "assumption"),
	("mov-cr3", 100, "Documentation/arch/x86/pti.rst: 'on the order of a hundred cycles'"),
	("mov-cr", 100, "assumption, as mov-cr3"),
	("wrmsr", 100, "assumption"),
	("verw", 100, "assumption"),
	("fence", 20, "assumption"),
	("xsave", 100, "assumption"),
	("stac-clac", 10, "assumption"),
	("cli-sti", 5, "assumption"),
	("pushf-popf", 10, "assumption"),
	("cpuid", 100, "assumption"),
	("tlb", 100, "assumption"),
	("rep-string", 1, "counted as icount counts it: one instruction an iteration"),
]
# The privileged or serialising classes, those the fast path of the
# application's levels must not execute.
COSTLY = ["syscall", "sysret", "iret", "swapgs", "mov-cr3", "mov-cr",
	  "wrmsr", "verw", "cpuid", "tlb"]

# bench.c's benchmarks, in its order, with what one operation is.
BENCHES = [
	("empty", "one iteration of an empty loop"),
	("call", "a call of a function that does nothing"),
	("getppid", "getppid()"),
	("clock_gettime", "clock_gettime(CLOCK_MONOTONIC): the vDSO in ring 3"),
	("read-1", "read() of 1 byte from /dev/zero"),
	("read-4k", "read() of 4 KiB from /dev/zero"),
	("write-1", "write() of 1 byte to /dev/null"),
	("write-4k", "write() of 4 KiB to /dev/null"),
	("sendto-recvfrom", "sendto() and recvfrom() of 64 bytes, UDP over loopback"),
	("mmap-fault-munmap", "mmap() of a page, a write fault, munmap()"),
	("fault-anon", "MADV_DONTNEED of a page, a write fault on it (anonymous)"),
	("fault-file", "MADV_DONTNEED of a page, a read fault on it (shmem file)"),
	("fault-uaccess", "MADV_DONTNEED of a page, read() of /dev/zero into it "
	 "(a fault of copy_to_user())"),
	("thread", "pthread_create() and pthread_join()"),
	("ctxsw", "a 1-byte round trip to another process over two pipes (2 switches)"),
	("signal", "kill() of oneself, the SIGUSR1 handler, sigreturn"),
	("tcp-echo", "a 64-byte request and its echo, TCP over loopback"),
]

def read(path):
	try:
		with open(path, errors="replace") as f:
			return f.read().replace("\r", "")
	except OSError:
		return ""


def record(name, mode, metric, values, mitigations=None):
	r = {"name": name, "mode": mode, "metric": metric,
	     "median": statistics.median(values), "min": min(values),
	     "max": max(values), "repetitions": len(values)}
	if mitigations:
		r["mitigations"] = mitigations
	return r


def fmt(v):
	if v is None:
		return "-"
	if abs(v) >= 100:
		return f"{v:,.0f}"
	return f"{v:.1f}"


def cell(r):
	if not r:
		return "-"
	if r["repetitions"] == 1:
		return fmt(r["median"])
	return f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])})"


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--out", required=True)
	ap.add_argument("--modes", required=True)
	ap.add_argument("--command", default="make bench")
	ap.add_argument("--seconds", type=int, default=0)
	ap.add_argument("--kvm", action="store_true")
	a = ap.parse_args()
	out = a.out
	modes_all = a.modes.split()

	records = []
	samples = {}		# (name, mode, metric, mitigations) -> [per-op values]
	classes = {}		# (name, mode, mitigations, class) -> [per-op counts]
	boots = []		# (boot, metric, program, tsc, boottime_ns, tsc_mhz)
	release = {}
	active = {}		# mitigations -> what the UKL kernel said of them
	notes = []
	# The boots' names: the hello world's are hello-MACHINE and
	# hello-unpatched (the unpatched kernel on microvm), mode MACHINE and
	# microvm-unpatched.
	boot_mode = {"ukl": "base", "unpatched": "ring3-unpatched",
		     "hello-unpatched": "microvm-unpatched"}
	for fn in sorted(os.listdir(out)):
		m = re.fullmatch(r"console-(.+)-(instructions|ns)\.log", fn)
		if not m:
			continue
		boot, metric = m.groups()
		boot, _, mit = boot.partition("@")
		mit = mit or ("host" if metric == "ns" else "off")
		text = read(os.path.join(out, fn))
		rel = RELEASE_RE.search(text)
		if rel:
			release[boot] = rel.group(1)
		if boot == "ukl":
			active[mit] = MITIGATION_RE.findall(text)
		mhz = TSC_RE.search(text)
		lines = list(BENCH_RE.finditer(text))
		marks = MARK_RE.findall(read(os.path.join(
			out, fn.replace("console-", "classes-").replace(".log", ".txt"))))
		if boot.startswith("hello-"):
			# hello.c's one stop marker, first thing in main():
			# the classes from QEMU start to main().
			if marks:
				counts = dict(kv.split("=") for kv in marks[0].split())
				for c, _, _ in CLASSES:
					records.append(record("hello-boot-to-main",
							      boot_mode.get(boot, boot[6:]),
							      "class-" + c,
							      [int(counts.get(c, 0))]))
		elif metric == "instructions" and len(marks) != len(lines):
			notes.append(f"{fn}: {len(lines)} results but {len(marks)} "
				     "plugin records: no instruction classes for this boot")
			marks = []
		for i, b in enumerate(lines):
			name, mode, rep, ops, ns = b.groups()
			if int(rep) == 0:	# the warm-up
				continue
			samples.setdefault((name, mode, metric, mit), []).append(int(ns) / int(ops))
			if not marks:
				continue
			counts = dict(kv.split("=") for kv in marks[i].split())
			for c, _, _ in CLASSES:
				classes.setdefault((name, mode, mit, c), []).append(
					int(counts.get(c, 0)) / int(ops))
		bb = BOOT_RE.search(text)
		if bb and mit in ("off", "host"):
			boots.append((boot, metric, bb.group(1), int(bb.group(3)),
				      int(bb.group(4)), float(mhz.group(1)) if mhz else None))
	for (name, mode, metric, mit), v in samples.items():
		records.append(record(name, mode, metric, v, mit))
	for (name, mode, mit, c), v in classes.items():
		records.append(record(name, mode, "class-" + c, v, mit))
	# The model: every instruction a cycle, a class's its cost.
	cost = {c: k for c, k, _ in CLASSES}
	for (name, mode, metric, mit), v in samples.items():
		if metric != "instructions" or (name, mode, mit, "syscall") not in classes:
			continue
		extra = [sum(classes[(name, mode, mit, c)][i] * (cost[c] - 1) for c in cost)
			 for i in range(len(v))]
		records.append(record(name, mode, "modelled-cycles",
				      [a + b for a, b in zip(v, extra)], mit))

	# Boot to main: instructions (icount) or ns (KVM), one boot each.
	for boot, metric, prog, tsc, boottime, mhz in boots:
		prefix = "hello-" if boot.startswith("hello-") else ""
		mode = boot_mode.get(boot, boot[len(prefix):])
		if metric == "instructions":
			since_start = tsc
		else:
			since_start = tsc * 1000 / mhz if mhz else None
		if since_start is not None:
			records.append(record(prefix + "boot-to-main", mode, metric, [since_start]))
		records.append(record(prefix + "boot-to-main-kernel", mode, metric, [boottime]))

	hello = {}
	for line in read(os.path.join(out, "hello.txt")).splitlines():
		k, _, v = line.partition(" ")
		hello[k] = v
	if hello.get("bzimage"):
		records.append(record("hello-bzImage", "base", "bytes", [int(hello["bzimage"])]))
		records.append(record("hello-vmlinux", "base", "bytes", [int(hello["vmlinux"])]))
		records.append(record("hello-vmlinux-loaded", "base", "bytes",
				      [int(hello.get("vmlinux_loaded", 0))]))
	if hello.get("min_mem_mib", "none") != "none":
		records.append(record("hello-min-memory", "base", "MiB",
				      [int(hello["min_mem_mib"])]))

	servers = []
	for app in SERVERS:
		try:
			with open(os.path.join(out, app + ".json")) as f:
				servers += json.load(f)
		except (OSError, ValueError):
			pass
	with open(os.path.join(out, "bench.json"), "w") as f:
		json.dump(records + servers, f, indent=1)
		f.write("\n")

	idx = {(r["name"], r["mode"], r["metric"], r.get("mitigations")): r
	       for r in records}
	modes = [m for m in modes_all if any(k[1] == m for k in samples)]
	mits = [m for m in MITIGATIONS if any(k[3] == m for k in samples)]
	levels = [m for m in ("base", "ret", "bypass", "direct") if m in modes]

	md = []
	when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
	# The hello world boots quietly: without the microbenchmarks' boot
	# no console names the release.
	kernel = f"Linux {release['ukl']}, " if "ukl" in release else ""
	md.append(f"Produced by `{a.command}` on {when} "
		  f"({a.seconds // 60} min {a.seconds % 60} s), {kernel}1 CPU, "
		  "medians of the repetitions (min-max in parentheses).")
	md.append("")
	md += [f"Note: {n}" for n in notes] + ([""] if notes else [])

	def table(metric, mit, title):
		md.append(title + ":")
		md.append("")
		modes = [m for m in modes_all
			 if any(k[1] == m and k[3] == mit for k in samples)]
		hdr = ["benchmark"] + modes
		ratios = [m for m in levels if "ring3" in modes]
		hdr += [f"{m}/ring3" for m in ratios]
		md.append("| " + " | ".join(hdr) + " |")
		md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
		for name, _ in BENCHES:
			row = [idx.get((name, m, metric, mit)) for m in modes]
			if not any(row):
				continue
			cells = [name] + [cell(r) for r in row]
			for m in ratios:
				b = idx.get((name, m, metric, mit))
				r3 = idx.get((name, "ring3", metric, mit))
				cells.append(f"{b['median'] / r3['median']:.2f}"
					     if b and r3 and r3["median"] > 0 else "-")
			md.append("| " + " | ".join(cells) + " |")
		md.append("")

	def class_cell(name, mode, mit):
		parts = []
		for c, _, _ in CLASSES:
			r = idx.get((name, mode, "class-" + c, mit))
			if r and r["median"] >= 0.005:
				parts.append(f"{c} {r['median']:.2f}")
		if (name, mode, "class-syscall", mit) not in idx:
			return "-"
		return ", ".join(parts) or "none"

	for mit in mits:
		if mit == "host":
			continue
		md.append(f"## {MITIGATIONS[mit][0].upper()}{MITIGATIONS[mit][1:]}")
		md.append("")
		said = active.get(mit)
		if said:
			md.append("The UKL kernel's boot log on its mitigations:")
			md.append("")
			md += ["    " + line for line in said]
			md.append("")
		elif mit in active:
			md.append("The UKL kernel's boot log says nothing of mitigations.")
			md.append("")
		table("instructions", mit, "Guest instructions per operation "
		      "(QEMU TCG, -icount shift=0,sleep=off)")
		if any(k[2] == mit for k in classes):
			md.append("Instructions of the costly classes per operation "
				  "(QEMU plugin insn-classes/; classes below 0.005 "
				  "per operation left out):")
			md.append("")
			md.append("| benchmark | mode | per operation |")
			md.append("|---|---|---|")
			for name, _ in BENCHES:
				for m in modes:
					if (name, m, "instructions", mit) in idx:
						md.append(f"| {name} | {m} | "
							  f"{class_cell(name, m, mit)} |")
			md.append("")
			table("modelled-cycles", mit, "Modelled cycles per operation "
			      "(a model, not a measurement: every instruction one "
			      "cycle, each class its cost of benchmarks.rst)")
	if "host" in mits:
		table("ns", "host", "Nanoseconds per operation (KVM)")
	else:
		md.append("Nanoseconds per operation (KVM): not measured, KVM does "
			  "not work on this machine (ukl-run.sh's probe).")
		md.append("")

	md.append("Boot and size:")
	md.append("")
	md.append("| measurement | value |")
	md.append("|---|---:|")
	labels = {
		"boot-to-main": "QEMU start to main(), firmware included",
		"boot-to-main-kernel": "kernel timekeeping start to main()",
	}
	for r in records:
		n = r["name"]
		base = n[6:] if n.startswith("hello-") else n
		if base in labels and not r["metric"].startswith("class-"):
			kernel = {"base": "UKL kernel, application",
				  "ring3-unpatched": "unpatched kernel, ring-3 init",
				  "microvm": "hello world, microvm and PVH",
				  "pc": "hello world, pc and SeaBIOS",
				  "microvm-unpatched": "hello world, unpatched kernel "
						       "and ring-3 init, microvm and PVH",
				  }.get(r["mode"], r["mode"])
			# Under -icount a boot's guest ns are instructions plus
			# the idle time QEMU skips (sleep=off).
			unit = "guest ns (-icount)" if r["metric"] == "instructions" else "ms"
			v = r["median"] if r["metric"] == "instructions" else r["median"] / 1e6
			md.append(f"| {labels[base]} ({kernel}) | {fmt(v)} {unit} |")
			reps = idx.get((n, r["mode"], "class-rep-string", None))
			if reps and r["metric"] == "instructions" and r["median"]:
				md.append(f"| of which iterations of REP string instructions, "
					  f"a guest ns each ({kernel}) | {fmt(reps['median'])} "
					  f"({reps['median'] / r['median']:.0%}) |")
	if "hello-bzImage" in {r["name"] for r in records}:
		md.append(f"| hello-world bzImage | {int(hello['bzimage']):,} bytes |")
		md.append(f"| hello-world vmlinux | {int(hello['vmlinux']):,} bytes |")
		md.append(f"| hello-world vmlinux, what PVH loads | "
			  f"{int(hello.get('vmlinux_loaded', 0)):,} bytes |")
		md.append(f"| least -m the hello world boots with | "
			  f"{hello.get('min_mem_mib', '?')} MiB |")
	md.append("")
	profile = read(os.path.join(out, "hello-profile.txt")).splitlines()
	if profile:
		md.append("Where the hello world's fast boot goes (one boot with "
			  "initcall_debug, guest ns; ukl-boot-profile.py):")
		md.append("")
		md.append("| guest ns | share | item |")
		md.append("|---:|---:|---|")
		for line in profile[1:]:
			ns, share, what = line.split("\t", 2)
			md.append(f"| {int(ns):,} | {share} | {what.replace('|', '/')} |")
		md.append("")

	# The targets of the benchmark issue: reported, not asserted.
	md.append("Targets (reported, not asserted):")
	md.append("")
	def med(name, mode, metric, mit):
		r = idx.get((name, mode, metric, mit))
		return r["median"] if r else None

	for mit in [m for m in mits if m != "host"]:
		md.append(f"With {mit} mitigations (instructions; classes from the plugin):")
		md.append("")
		r3 = med("getppid", "ring3", "instructions", mit)
		best = min(((med("getppid", m, "instructions", mit), m) for m in levels
			    if med("getppid", m, "instructions", mit) is not None),
			   default=None)
		if best and r3:
			costly = [c for c in ("syscall", "sysret", "swapgs", "iret",
					      "mov-cr3", "verw")
				  if (med("getppid", best[1], "class-" + c, mit) or 0) >= 0.005]
			md.append(f"- getppid at the best level ({best[1]}) <= 1/6 of ring 3 "
				  f"and none of SYSCALL, SYSRET, SWAPGS, IRET, MOV to CR3, "
				  f"VERW: {best[0] / r3:.3f} of it, "
				  + (("with " + ", ".join(costly)) if costly else
				     "none of them" if (("getppid", best[1], "class-syscall", mit)
							 in idx) else "classes not counted"))
		slower = [n for n, _ in BENCHES
			  if n not in ("empty", "call") and
			  med(n, "base", "instructions", mit) is not None and
			  med(n, "ring3", "instructions", mit) is not None and
			  med(n, "base", "instructions", mit) > med(n, "ring3", "instructions", mit)]
		if med("getppid", "base", "instructions", mit) is not None:
			md.append("- base at most ring 3 on every microbenchmark: " +
				  ("yes" if not slower else "no: " + ", ".join(
					  f"{n} {med(n, 'base', 'instructions', mit) / med(n, 'ring3', 'instructions', mit):.2f}"
					  for n in slower)))
		for n in ("read-1", "write-1"):
			b = med(n, "bypass", "instructions", mit)
			r = med(n, "ring3", "instructions", mit)
			if b and r:
				md.append(f"- bypass {n} <= 0.85 of ring 3: {b / r:.2f}")
		c0 = [med("clock_gettime", m, "instructions", mit) for m in levels]
		c3 = med("clock_gettime", "ring3", "instructions", mit)
		if c3 and any(c0):
			bestc = min(v for v in c0 if v)
			md.append(f"- clock_gettime(CLOCK_MONOTONIC) at most the ring-3 vDSO: "
				  f"{'yes' if bestc <= c3 else 'no'} ({bestc:,.0f} against {c3:,.0f})")
		for m in levels:
			per = sum(med(n, m, "class-" + c, mit) or 0
				  for n in ("getppid", "read-1", "write-1") for c in COSTLY)
			r3c = sum(med(n, "ring3", "class-" + c, mit) or 0
				  for n in ("getppid", "read-1", "write-1") for c in COSTLY)
			if ("getppid", m, "class-syscall", mit) in idx:
				md.append(f"- {m}: privileged or serialising instructions per "
					  f"call of getppid, read-1 and write-1 together: "
					  f"{per:.2f} (ring 3: {r3c:.2f})")
		md.append("")
	if hello.get("bzimage"):
		bz = int(hello["bzimage"])
		mem = hello.get("min_mem_mib", "none")
		md.append(f"- hello-world bzImage < 1.5 MB: {'yes' if bz < 1.5e6 else 'no'} "
			  f"({bz / 1e6:.2f} MB); boots on the fast path in <= 16 MiB: "
			  f"{'yes' if mem != 'none' and int(mem) <= 16 else 'no'} "
			  f"(least: {mem} MiB)")
	for name, limit, what in (("hello-boot-to-main", 1e7, "QEMU start"),
				  ("hello-boot-to-main-kernel", 5e6, "kernel timekeeping start")):
		k = idx.get((name, "microvm", "instructions", None))
		if k:
			md.append(f"- hello world on the fast path, {what} to main() <= "
				  f"{limit / 1e6:.0f} ms (guest ns, -icount): "
				  f"{'yes' if k['median'] <= limit else 'no'} "
				  f"({k['median'] / 1e6:.1f} ms)")
	k = idx.get(("hello-boot-to-main", "microvm", "ns", None))
	if k:
		md.append(f"- hello world on the fast path under KVM, wall clock: "
			  f"{k['median'] / 1e6:.1f} ms to main()")
	else:
		md.append("- hello world under KVM: not measured (KVM does not work here)")
	md.append("")
	missing = [m for m in modes_all if m not in modes]
	if missing:
		md.append("Modes without results (not built yet, or skipped): " +
			  ", ".join(missing) + ".")
		md.append("")

	for app in SERVERS:
		server_md = read(os.path.join(out, app + ".md"))
		if server_md:
			md += ["", server_md]
	with open(os.path.join(out, "bench.md"), "w") as f:
		f.write("\n".join(md))

	plot(out, idx, modes, mits[0] if mits else None)
	plot_boot(out, idx)
	plot_timeline(out)


def plot(out, idx, modes, mit):
	"""A bar chart of the instruction counts, one group per benchmark."""
	png = os.path.join(out, "bench.png")
	if not shutil.which("gnuplot"):
		print("ukl-bench: gnuplot not found (Debian package gnuplot-nox): no bench.png")
		return
	names = [n for n, _ in BENCHES
		 if any((n, m, "instructions", mit) in idx for m in modes)]
	if not names or not modes:
		return
	dat = os.path.join(out, "bench.dat")
	with open(dat, "w") as f:
		f.write("# benchmark " + " ".join(modes) + "\n")
		for n in names:
			vals = []
			for m in modes:
				r = idx.get((n, m, "instructions", mit))
				vals.append(f"{r['median']:.1f}" if r else "NaN")
			f.write(n + " " + " ".join(vals) + "\n")
	cols = ", ".join(f"'{dat}' using {i + 2}:xtic(1) title '{m}'"
			 for i, m in enumerate(modes))
	script = f"""
set terminal pngcairo size 1200,600 noenhanced
set output '{png}'
set title 'UKL microbenchmarks: guest instructions per operation (QEMU -icount, mitigations {mit}), log scale'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [1:*]
set ylabel 'instructions per operation'
set xtics rotate by -30
set key top left
set grid ytics
plot {cols}
"""
	gnuplot(script, png)



def gnuplot(script, png):
	"""Run gnuplot; without cairo (gnuplot-nox), with the plain png terminal."""
	r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
	if r.returncode:
		script = script.replace("pngcairo", "png")
		r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
	if r.returncode:
		print(f"ukl-bench: gnuplot failed, no {png}: " + r.stderr.strip())


# The hello world's boots, by make bench's names, as the plots label them.
BOOT_LABELS = {
	"pc": "pc, SeaBIOS, bzImage",
	"microvm": "microvm, PVH",
	"microvm-unpatched": "microvm, PVH, unpatched",
}


def stacked_ms(png, size, boxwidth):
	"""The start of a gnuplot script: stacked bars of guest ms into png."""
	return f"""
set terminal pngcairo size {size} noenhanced
set output '{png}'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth {boxwidth}
set ylabel 'guest ms'
set grid ytics
"""


def plot_boot(out, idx):
	"""The hello world's boots to main(): firmware, then the kernel."""
	png = os.path.join(out, "boot.png")
	boots = [m for m in BOOT_LABELS
		 if ("hello-boot-to-main", m, "instructions", None) in idx]
	if not boots or not shutil.which("gnuplot"):
		return
	dat = os.path.join(out, "boot.dat")
	with open(dat, "w") as f:
		f.write("# boot firmware-and-early-kernel-ms kernel-ms\n")
		for m in boots:
			total = idx[("hello-boot-to-main", m, "instructions", None)]["median"]
			kernel = idx[("hello-boot-to-main-kernel", m, "instructions", None)]["median"]
			f.write(f"\"{BOOT_LABELS[m]}\" {(total - kernel) / 1e6:.2f} {kernel / 1e6:.2f}\n")
	gnuplot(stacked_ms(png, "1200,400", 0.6) + f"""
set title 'Hello world: QEMU start to main() (guest ms under -icount, 2 CPUs)'
set key top right
plot '{dat}' using 2:xtic(1) title 'firmware, loader, early kernel', \\
     '' using 3 title 'kernel timekeeping start to main()'
""", png)


def plot_timeline(out):
	"""The hello world's boots in phases (ukl-boot-profile.py --phases)."""
	png = os.path.join(out, "boot-timeline.png")
	boots = []
	for m in ("pc", "microvm"):
		phases = dict(line.split() for line in
			      read(os.path.join(out, f"hello-phases-{m}.txt")).splitlines())
		if set(phases) == set(PHASES):
			boots.append((BOOT_LABELS[m], phases))
	if not boots or not shutil.which("gnuplot"):
		return
	dat = os.path.join(out, "boot-timeline.dat")
	with open(dat, "w") as f:
		f.write("# boot " + " ".join(f"{p}-ms" for p in PHASES) + "\n")
		for label, phases in boots:
			f.write(f"\"{label}\" " +
				" ".join(f"{int(phases[p]) / 1e6:.2f}" for p in PHASES) + "\n")
	# One panel a boot, each with its own scale: the pc path takes 30
	# times as long.
	panels = ""
	for n, (label, _) in enumerate(boots):
		series = ", ".join(
			f"'{dat}' every ::{n}::{n} using {i + 2}{':xtic(1)' if not i else ''} "
			f"title '{PHASES[p]}'" for i, p in enumerate(PHASES))
		panels += f"set title '{label}'\nplot {series}\n"
	gnuplot(stacked_ms(png, "1200,500", 0.5) + f"""
set key below
set multiplot layout 1,{len(boots)} title 'Hello world: QEMU start to main() in phases (guest ms under -icount; boots with initcall_debug, which prints every initcall)'
{panels}unset multiplot
""", png)


# The phases of ukl-boot-profile.py --phases, in their order.
PHASES = {
	"firmware": "QEMU start to timekeeping: firmware, loader, early kernel",
	"setup": "kernel setup to the first initcall",
	"initcalls": "initcalls",
	"init": "the last initcall to main()",
}


if __name__ == "__main__":
	main()
