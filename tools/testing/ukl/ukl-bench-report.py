#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Turn the console logs of ukl-bench.sh's boots into bench.json, bench.md
# and bench.png.  Run by ukl-bench.sh; see Documentation/ukl/benchmarks.rst.
#
# Inputs in OUT: console-BOOT-METRIC.log (bench.c's "# bench ..." and
# "# bench-boot ..." lines), console-hello-METRIC.log, hello.txt (sizes and
# least memory of the hello-world kernel); redis.json and redis.md of
# "make bench-redis" (ukl-bench-redis.sh), if there, are carried over.

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess

BENCH_RE = re.compile(r"# bench (\S+) (\S+) rep=(\d+) ops=(\d+) ns=(-?\d+)")
BOOT_RE = re.compile(r"# bench-boot (\S+) cpl=(\d+) tsc=(\d+) boottime_ns=(\d+)")
TSC_RE = re.compile(r"tsc: Detected ([0-9.]+) MHz")
RELEASE_RE = re.compile(r"Linux version (\S+)")

# bench.c's benchmarks, in its order, with what one operation is.
BENCHES = [
	("empty", "one iteration of an empty loop"),
	("call", "a call of a function that does nothing"),
	("getppid", "getppid()"),
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
METRICS = {"instructions": "guest instructions per operation "
				"(QEMU TCG, -icount shift=0,sleep=off)",
	   "ns": "nanoseconds per operation (KVM)"}


def read(path):
	try:
		with open(path, errors="replace") as f:
			return f.read().replace("\r", "")
	except OSError:
		return ""


def record(name, mode, metric, values):
	return {"name": name, "mode": mode, "metric": metric,
		"median": statistics.median(values), "min": min(values),
		"max": max(values), "repetitions": len(values)}


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
	samples = {}		# (name, mode, metric) -> [per-op values]
	boots = []		# (boot, metric, program, tsc, boottime_ns, tsc_mhz)
	release = {}
	for fn in sorted(os.listdir(out)):
		m = re.fullmatch(r"console-(.+)-(instructions|ns)\.log", fn)
		if not m:
			continue
		boot, metric = m.groups()
		text = read(os.path.join(out, fn))
		rel = RELEASE_RE.search(text)
		if rel:
			release[boot] = rel.group(1)
		mhz = TSC_RE.search(text)
		for b in BENCH_RE.finditer(text):
			name, mode, rep, ops, ns = b.groups()
			if int(rep) == 0:	# the warm-up
				continue
			samples.setdefault((name, mode, metric), []).append(int(ns) / int(ops))
		bb = BOOT_RE.search(text)
		if bb:
			boots.append((boot, metric, bb.group(1), int(bb.group(3)),
				      int(bb.group(4)), float(mhz.group(1)) if mhz else None))
	for (name, mode, metric), v in samples.items():
		records.append(record(name, mode, metric, v))

	# Boot to main: instructions (icount) or ns (KVM), one boot each.
	boot_mode = {"ukl": "base", "unpatched": "ring3-unpatched", "hello": "base"}
	for boot, metric, prog, tsc, boottime, mhz in boots:
		prefix = "hello-" if boot == "hello" else ""
		mode = boot_mode.get(boot, boot)
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
	if hello.get("min_mem_mib", "none") != "none":
		records.append(record("hello-min-memory", "base", "MiB",
				      [int(hello["min_mem_mib"])]))

	redis = []
	try:
		with open(os.path.join(out, "redis.json")) as f:
			redis = json.load(f)
	except (OSError, ValueError):
		pass
	with open(os.path.join(out, "bench.json"), "w") as f:
		json.dump(records + redis, f, indent=1)
		f.write("\n")

	idx = {(r["name"], r["mode"], r["metric"]): r for r in records}
	modes = [m for m in modes_all if any(k[1] == m for k in samples)]

	md = []
	when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
	md.append(f"Produced by `{a.command}` on {when} "
		  f"({a.seconds // 60} min {a.seconds % 60} s), Linux "
		  f"{release.get('ukl', '?')}, 1 CPU, "
		  "medians of the repetitions (min-max in parentheses).")
	md.append("")
	for metric, title in METRICS.items():
		if not any(k[2] == metric for k in samples):
			if metric == "ns":
				md.append(f"{title[0].upper()}{title[1:]}: not measured, "
					  "KVM does not work on this machine "
					  "(ukl-run.sh's probe).")
				md.append("")
			continue
		md.append(f"{title[0].upper()}{title[1:]}:")
		md.append("")
		hdr = ["benchmark"] + modes
		ratios = [m for m in ("base", "ret", "bypass", "direct")
			  if m in modes and "ring3" in modes]
		hdr += [f"{m}/ring3" for m in ratios]
		md.append("| " + " | ".join(hdr) + " |")
		md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
		for name, _ in BENCHES:
			row = [idx.get((name, m, metric)) for m in modes]
			if not any(row):
				continue
			cells = [name] + [cell(r) for r in row]
			for m in ratios:
				b = idx.get((name, m, metric))
				r3 = idx.get((name, "ring3", metric))
				cells.append(f"{b['median'] / r3['median']:.2f}"
					     if b and r3 and r3["median"] > 0 else "-")
			md.append("| " + " | ".join(cells) + " |")
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
		if base in labels:
			kernel = "hello-world kernel" if n.startswith("hello-") else \
				 {"base": "UKL kernel, application",
				  "ring3-unpatched": "unpatched kernel, ring-3 init"
				  }.get(r["mode"], r["mode"])
			# Under -icount a boot's guest ns are instructions plus
			# the idle time QEMU skips (sleep=off).
			unit = "guest ns (-icount)" if r["metric"] == "instructions" else "ms"
			v = r["median"] if r["metric"] == "instructions" else r["median"] / 1e6
			md.append(f"| {labels[base]} ({kernel}) | {fmt(v)} {unit} |")
	if "hello-bzImage" in {r["name"] for r in records}:
		md.append(f"| hello-world bzImage | {int(hello['bzimage']):,} bytes |")
		md.append(f"| hello-world vmlinux | {int(hello['vmlinux']):,} bytes |")
		md.append(f"| least -m the hello world boots with | "
			  f"{hello.get('min_mem_mib', '?')} MiB |")
	md.append("")

	# The targets of the benchmark issue: reported, not asserted.
	md.append("Targets (reported, not asserted):")
	md.append("")
	g = idx.get(("getppid", "bypass", "instructions"))
	r3 = idx.get(("getppid", "ring3", "instructions"))
	if g and r3:
		md.append(f"- bypass getppid <= 1/10 of ring 3: "
			  f"{g['median'] / r3['median']:.3f} of it")
	else:
		md.append("- bypass getppid <= 1/10 of ring 3: no bypass mode yet")
	for metric in METRICS:
		slower = [n for n, _ in BENCHES
			  if (n, "base", metric) in idx and (n, "ring3", metric) in idx and
			  n not in ("empty", "call") and
			  idx[(n, "base", metric)]["median"] > idx[(n, "ring3", metric)]["median"]]
		if any(k[2] == metric and k[1] == "base" for k in samples):
			md.append(f"- base never slower than ring 3 ({metric}): " +
				  ("yes" if not slower else "no: " + ", ".join(slower)))
	if hello.get("bzimage"):
		bz = int(hello["bzimage"])
		mem = hello.get("min_mem_mib", "none")
		md.append(f"- hello-world bzImage < 2 MB: {'yes' if bz < 2e6 else 'no'} "
			  f"({bz / 1e6:.2f} MB); boots in <= 16 MB: "
			  f"{'yes' if mem != 'none' and int(mem) <= 16 else 'no'} "
			  f"(least: {mem} MiB)")
	k = idx.get(("hello-boot-to-main", "base", "ns"))
	if k:
		md.append(f"- boot to main < 10 ms under KVM: "
			  f"{'yes' if k['median'] < 1e7 else 'no'} ({k['median'] / 1e6:.1f} ms)")
	else:
		md.append("- boot to main < 10 ms under KVM: not measured (no KVM)")
	md.append("")
	missing = [m for m in modes_all if m not in modes]
	if missing:
		md.append("Modes without results (not built yet, or skipped): " +
			  ", ".join(missing) + ".")
		md.append("")

	redis_md = read(os.path.join(out, "redis.md"))
	if redis_md:
		md += ["", redis_md]
	with open(os.path.join(out, "bench.md"), "w") as f:
		f.write("\n".join(md))

	plot(out, idx, modes)


def plot(out, idx, modes):
	"""A bar chart of the instruction counts, one group per benchmark."""
	png = os.path.join(out, "bench.png")
	if not shutil.which("gnuplot"):
		print("ukl-bench: gnuplot not found (Debian package gnuplot-nox): no bench.png")
		return
	names = [n for n, _ in BENCHES
		 if any((n, m, "instructions") in idx for m in modes)]
	if not names or not modes:
		return
	dat = os.path.join(out, "bench.dat")
	with open(dat, "w") as f:
		f.write("# benchmark " + " ".join(modes) + "\n")
		for n in names:
			vals = []
			for m in modes:
				r = idx.get((n, m, "instructions"))
				vals.append(f"{r['median']:.1f}" if r else "NaN")
			f.write(n + " " + " ".join(vals) + "\n")
	cols = ", ".join(f"'{dat}' using {i + 2}:xtic(1) title '{m}'"
			 for i, m in enumerate(modes))
	script = f"""
set terminal pngcairo size 1200,600 noenhanced
set output '{png}'
set title 'UKL microbenchmarks: guest instructions per operation (QEMU -icount), log scale'
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
	r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
	if r.returncode:
		# gnuplot-nox may lack cairo: fall back to the plain png terminal.
		script = script.replace("pngcairo size 1200,600 noenhanced",
					"png size 1200,600 noenhanced")
		r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
	if r.returncode:
		print("ukl-bench: gnuplot failed: " + r.stderr.strip())


if __name__ == "__main__":
	main()
