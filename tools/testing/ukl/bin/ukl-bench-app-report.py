#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The report of ukl-bench-app.sh: read OUT/APP-MODE.txt (one line a run,
# "BENCH MODE rep=I requests=N cpu_us=T [usec_per_call=U] rps=R"), write
# OUT/APP.json and OUT/APP.md, and merge both into OUT/bench.json and
# OUT/bench.md, whose section for APP they replace (make bench keeps them).

import argparse
import datetime
import json
import os
import re
import statistics

LINE = re.compile(r"(\S+) (\S+) rep=(\d+) requests=(\d+) cpu_us=(-?\d+)"
                  r"(?: usec_per_call=([0-9.]+))? rps=([0-9.]+)")
# The order of the table's columns.
MODES = ["ring3", "ring3-novdso", "base", "bypass"]
# Title, the server, the load.
WHAT = {
    "redis": ("Redis", "Redis 7.0.15 (Debian's source, unmodified)",
              "redis-benchmark -n {requests} -c {clients}: SET and GET one at a time "
              "(redis-set, redis-get) and in pipelines of 16 (-P 16: redis-set-p16, "
              "redis-get-p16)"),
    "memcached": ("memcached", "memcached 1.6.18 with libevent 2.1.12 (Debian's sources, "
                  "unmodified), 4 worker threads",
                  "memcaslap -T 1 -c {clients} -x {requests} (memcached-mix: 90 % get, "
                  "10 % set) and memcslap -t set -c {clients} (memcached-set)"),
    "nginx": ("nginx", "nginx 1.22.1 (Debian's source, unmodified), a master and 2 workers",
              "ab -c {clients}: /index.html (17 bytes) with keep-alive (nginx-small) and "
              "without (nginx-small-close), /seq-150000 (938,895 bytes) with keep-alive "
              "(nginx-939k)"),
}


def main():
    ap = argparse.ArgumentParser()
    for a in ("out", "app", "benches", "modes"):
        ap.add_argument("--" + a, required=True)
    for a in ("seconds", "reps", "clients", "requests"):
        ap.add_argument("--" + a, type=int, required=True)
    args = ap.parse_args()
    title, server, load = WHAT[args.app]
    benches = args.benches.split()
    modes = [m for m in MODES if m in args.modes.split()]

    samples = {}
    for mode in modes:
        try:
            text = open(os.path.join(args.out, f"{args.app}-{mode}.txt")).read()
        except OSError:
            continue
        for m in LINE.finditer(text):
            name, md, _, n, cpu, upc, rps = m.groups()
            samples.setdefault((name, md, "instructions"), []).append(int(cpu) * 1000 / int(n))
            if upc is not None:
                samples.setdefault((name, md, "command-instructions"), []).append(
                    float(upc) * 1000)
            samples.setdefault((name, md, "requests-per-second"), []).append(float(rps))
    records = [{"name": k[0], "mode": k[1], "metric": k[2],
                "median": statistics.median(v), "min": min(v), "max": max(v),
                "repetitions": len(v)} for k, v in sorted(samples.items())]
    with open(os.path.join(args.out, f"{args.app}.json"), "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")

    idx = {(r["name"], r["mode"], r["metric"]): r for r in records}

    def fmt(v):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"

    def cell(r):
        return "-" if not r else f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])})"

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    s = args.seconds
    md = [title, "-" * len(title), "",
          f"Produced by `make bench-{args.app}` on {when} ({s // 60} min {s % 60} s): "
          f"{server}, as the UKL application (base, and bypass: UKL_LEVEL=bypass) and as "
          f"a static ring-3 program (ring3"
          + ("; ring3-novdso: booted with vdso=0" if "ring3-novdso" in modes else "")
          + ") on the same kernel, 1 CPU, QEMU TCG with "
          f"-icount shift=0,sleep=on; "
          + load.format(clients=args.clients, requests=args.requests)
          + f" from the host through QEMU's user network; medians of {args.reps} runs "
          f"(min-max).", ""]
    titles = {"instructions": f"Guest instructions per request in the {title} processes "
                              "(their CPU time under -icount; system calls and interrupts "
                              "included)",
              "command-instructions": f"Guest instructions per command in {title}'s command "
                                      "handler (INFO commandstats usec_per_call x 1000)",
              "requests-per-second": "Requests per second (host wall clock under TCG: noise)"}
    for metric, head in titles.items():
        if not any(k[2] == metric for k in samples):
            continue
        md += [head + ":", "",
               "| benchmark | " + " | ".join(modes) + " | base/ring3 | bypass/ring3 |",
               "|---|" + "---:|" * (len(modes) + 2)]
        for name in benches:
            r3 = idx.get((name, "ring3", metric))
            cells = [cell(idx.get((name, m, metric))) for m in modes]
            for m in ("base", "bypass"):
                b = idx.get((name, m, metric))
                cells.append(f"{b['median'] / r3['median']:.2f}"
                             if b and r3 and r3["median"] else "-")
            md.append(f"| {name} | " + " | ".join(cells) + " |")
        md.append("")
    with open(os.path.join(args.out, f"{args.app}.md"), "w") as f:
        f.write("\n".join(md))

    # Merge into bench.json and bench.md, replacing this server's part.
    bj = os.path.join(args.out, "bench.json")
    try:
        old = json.load(open(bj))
    except (OSError, ValueError):
        old = []
    old = [r for r in old if not r["name"].startswith(args.app + "-")] + records
    with open(bj, "w") as f:
        json.dump(old, f, indent=1)
        f.write("\n")
    bm = os.path.join(args.out, "bench.md")
    try:
        text = open(bm).read()
    except OSError:
        text = ""
    head = f"\n{title}\n{'-' * len(title)}\n"
    if head in text:
        before, after = text.split(head, 1)
        # The section ends where the next one of the same form starts.
        m = re.search(r"\n\n(\S[^\n]*)\n-+\n", after)
        text = before.rstrip("\n") + ("\n\n" + after[m.start() + 2:] if m else "")
    with open(bm, "w") as f:
        f.write((text.rstrip("\n") + "\n\n" if text.strip() else "") + "\n".join(md))


if __name__ == "__main__":
    main()
