#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Redis benchmark ("make bench-redis"): boot the REDIS scenario's kernel
# under QEMU's -icount shift=0,sleep=on with Redis as the UKL application
# at the base and the bypass level (modes "base", "bypass"; UKL_LEVEL in
# its environment, Documentation/ukl/shortcuts.rst) and as an ordinary
# ring-3 program on the same kernel (mode "ring3"; and "ring3-novdso", the
# same booted with vdso=0, where its clock reads are system calls as they
# are for the application, which has no vDSO), run Debian's
# redis-benchmark from the host against the forwarded port, and add the
# results to $BUILD/bench/ (redis.json, redis.md; merged into bench.json
# and bench.md).  Run with --help for the options;
# Documentation/ukl/redis.rst explains the numbers.
#
# Per benchmark (SET and GET, without pipelining and with 16 commands a
# pipeline) and repetition, three metrics:
#
#   instructions          CPU time of the Redis process (INFO cpu, that is
#                         getrusage()) per request: under -icount a guest
#                         nanosecond of execution is one guest instruction,
#                         and idle time is not the process's, so this is
#                         the guest instructions Redis executed per
#                         request, its system calls and the interrupts
#                         taken while it ran included
#   command-instructions  INFO commandstats usec_per_call * 1000: the
#                         instructions of the command itself (no system
#                         calls; should not differ between the modes)
#   requests-per-second   redis-benchmark's own result: host wall clock
#                         under TCG, noise, for reference only
#
# sleep=on, not the sleep=off of make bench: with sleep=off an idle guest
# runs its virtual clock ahead to the next timer at once, so that while it
# waits for the host its TCP timers see round trips of seconds: 5,000
# SETs of redis-benchmark did not finish in 90 s, and the run failed.  sleep=on lets virtual
# time pass at host speed while the guest idles; running time is still
# counted in instructions.
#
# 4 clients, not redis-benchmark's 50: with 50, redis-benchmark busy-polls
# epoll_wait() on the host while the guest is slow to answer, and on a
# loaded 2-core host the guest then starved; runs stalled and failed with
# "Connection reset by peer".

set -euo pipefail

me=ukl-bench-redis
testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${REPO:=$(cd "$testdir/../../.." && pwd)}"
: "${BUILD:=$REPO/build}"
BUILD=$(realpath -m "$BUILD")
export REPO BUILD
out=$BUILD/bench
tdir=$BUILD/test/REDIS
kobj=$BUILD/kernel/REDIS

usage() {
	cat <<EOF
Usage: ukl-bench-redis.sh [OPTION]...

Build the REDIS scenario, boot Redis as the UKL application and as a
ring-3 program under QEMU -icount, run redis-benchmark against both and
write redis.json and redis.md to \$BUILD/bench/ (merged into bench.json and
bench.md).

  --requests N   requests per redis-benchmark run (default 20000)
  --clients N    redis-benchmark's parallel connections (default 4)
  --reps R       repetitions of each run (default 3)
  --timeout S    seconds a boot may take (default 1800)
  -h, --help     show this text
EOF
}

die() {
	echo "$me: error: $*" >&2
	exit 2
}

requests=20000 clients=4 reps=3 timeout=1800
while [ $# -gt 0 ]; do
	case $1 in
	--requests|--clients|--reps|--timeout)
		[ $# -ge 2 ] || die "$1 needs a value (see --help)"
		case $1 in
		--requests)	requests=$2 ;;
		--clients)	clients=$2 ;;
		--reps)		reps=$2 ;;
		--timeout)	timeout=$2 ;;
		esac
		shift 2
		;;
	-h|--help)	usage; exit 0 ;;
	*)		die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $requests =~ ^[1-9][0-9]*$ ]] || die "--requests wants a count, not '$requests'"
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps wants a count, not '$reps'"
[[ $clients =~ ^[1-9][0-9]*$ ]] || die "--clients wants a count, not '$clients'"
command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null ||
	die "redis-benchmark and redis-cli are missing (Debian package redis-tools; make deps)"

log() {
	echo "  $*"
}

mkdir -p "$out"
start=$SECONDS
qemu=
# A guest still running when this script ends is stopped.
trap '[ -z "$qemu" ] || kill -- -"$qemu" 2>/dev/null || true' EXIT

log "BUILD   REDIS (ukl-test.sh --build)"
"$testdir/ukl-test.sh" --build --scenarios REDIS >"$out/redis-build.log" 2>&1 ||
	{ cat "$out/redis-build.log" >&2; die "building REDIS failed"; }

# The initramfs of the REDIS scenario's boots (ukl-test.sh makes the same).
cat >"$out/initramfs-redis.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /tmp 1777 0 0
dir /bin 0755 0 0
file /bin/busybox /bin/busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /init $testdir/configs/REDIS.init 0755 0 0
file /redis-server $tdir/redis-server 0755 0 0
file /exitstatus $tdir/exitstatus 0755 0 0
EOF
"$kobj/usr/gen_init_cpio" "$out/initramfs-redis.list" >"$out/initramfs-redis.cpio"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# The CPU time of the Redis on port $1 (user and system, INFO cpu) in us.
cpu_us() {
	info "$1" cpu | awk '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { s += $2 }
		END { printf "%.0f", s * 1e6 }'
}

# usec_per_call of command $2 in INFO commandstats of the Redis on port $1.
usec_per_call() {
	info "$1" commandstats | awk -v c="cmdstat_$2" '$1 == c {
		n = split($2, f, ",")
		for (i = 1; i <= n; i++)
			if (f[i] ~ /^usec_per_call=/) {
				sub(/^usec_per_call=/, "", f[i])
				print f[i]
			}
	}'
}

# "KEY VALUE" lines of INFO section $2 of the Redis on port $1.
info() {
	redis-cli -p "$1" info "$2" | tr -d '\r' | sed -n 's/^\([a-z_]*\):\(.*\)$/\1 \2/p'
}

# Run redis-benchmark against port $1 with options $2...; print its
# requests per second.  A failed run is repeated once.
run_benchmark() {
	local port=$1 try rps

	shift
	for try in 1 2; do
		rps=$(redis-benchmark -p "$port" -c "$clients" "$@" -q 2>&1 | tr '\r' '\n' |
		      sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1) || true
		[ -z "$rps" ] || { echo "$rps"; return 0; }
		echo "$me: redis-benchmark $* failed (try $try)" >&2
	done
	return 1
}

# Boot Redis in mode $1 (base, bypass, ring3 or ring3-novdso) and run every benchmark $reps
# times; the results go to $out/redis-$1.txt, one line a run:
# "BENCH MODE rep=I requests=N cpu_us=T usec_per_call=U rps=R".
bench_mode() {
	local mode=$1 port env= status=0 rep t p bench cmd cpu0 cpu1 upc rps i
	local res=$out/redis-$1.txt

	case $mode in
	base)	env= ;;
	bypass)	env=UKL_LEVEL=bypass ;;
	ring3)	env=REDIS_MODE=ring3 ;;
	ring3-novdso)	env="vdso=0 REDIS_MODE=ring3" ;;
	esac
	port=$(free_port)
	log "BOOT    redis $mode (port $port)"
	t=$SECONDS
	# A session of its own: the EXIT trap stops QEMU with ukl-run.sh.
	setsid "$testdir/ukl-run.sh" --kernel "$kobj/arch/x86/boot/bzImage" \
		--initrd "$out/initramfs-redis.cpio" --accel tcg --smp 1 \
		--qemu-arg=-icount --qemu-arg=shift=0,sleep=on \
		--net-fwd "$port:6379" --timeout "$timeout" \
		--log "$out/console-redis-$mode.log" \
		--append "kunit.enable=0${env:+ $env}" >"$out/run-redis-$mode.log" 2>&1 &
	qemu=$!
	for ((i = 0; i < 600; i++)); do
		[ "$(redis-cli -p "$port" ping 2>/dev/null)" != PONG ] || break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 1
	done
	if [ "$(redis-cli -p "$port" ping 2>/dev/null)" != PONG ]; then
		kill -- -"$qemu" 2>/dev/null || true
		wait "$qemu" || true
		qemu=
		die "Redis ($mode) did not answer (console: $out/console-redis-$mode.log)"
	fi
	log "        up after $((SECONDS - t))s"
	# The first connections after boot are sometimes slow or reset (QEMU
	# user network under a loaded host): warm up, and allow a failure.
	run_benchmark "$port" -t set,get -n 2000 >/dev/null ||
		log "        (warm-up failed)"
	: >"$res"
	for ((rep = 1; rep <= reps; rep++)); do
		for p in 1 16; do
			for cmd in set get; do
				bench=redis-$cmd
				[ "$p" = 1 ] || bench=$bench-p$p
				redis-cli -p "$port" config resetstat >/dev/null
				cpu0=$(cpu_us "$port")
				rps=$(run_benchmark "$port" -t "$cmd" -n "$requests" -P "$p") ||
					die "redis-benchmark -t $cmd -P $p failed twice ($mode)"
				cpu1=$(cpu_us "$port")
				upc=$(usec_per_call "$port" "$cmd")
				echo "$bench $mode rep=$rep requests=$requests" \
				     "cpu_us=$((cpu1 - cpu0)) usec_per_call=${upc:-0}" \
				     "rps=${rps:-0}" >>"$res"
				log "        $(tail -n 1 "$res")"
			done
		done
	done
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	wait "$qemu" || status=$?
	qemu=
	log "        $((SECONDS - t))s, exit status $status"
	[ "$status" = 0 ] || die "Redis ($mode) ended with status $status" \
		"(console: $out/console-redis-$mode.log)"
}

bench_mode base
bench_mode bypass
bench_mode ring3
bench_mode ring3-novdso

log "REPORT  $out/redis.md redis.json (merged into bench.md, bench.json)"
python3 - "$out" "$requests" "$reps" $((SECONDS - start)) "$clients" <<'EOF'
import datetime, json, os, re, statistics, sys

out, requests, reps, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
clients = int(sys.argv[5])
LINE = re.compile(r"(\S+) (\S+) rep=(\d+) requests=(\d+) cpu_us=(-?\d+) "
		  r"usec_per_call=([0-9.]+) rps=([0-9.]+)")
BENCHES = [("redis-set", "SET, one request at a time"),
	   ("redis-get", "GET, one request at a time"),
	   ("redis-set-p16", "SET, pipelines of 16"),
	   ("redis-get-p16", "GET, pipelines of 16")]
MODES = ["ring3", "ring3-novdso", "base", "bypass"]
samples = {}
for mode in MODES:
	try:
		text = open(os.path.join(out, f"redis-{mode}.txt")).read()
	except OSError:
		continue
	for m in LINE.finditer(text):
		name, md, _, n, cpu, upc, rps = m.groups()
		n = int(n)
		samples.setdefault((name, md, "instructions"), []).append(int(cpu) * 1000 / n)
		samples.setdefault((name, md, "command-instructions"), []).append(float(upc) * 1000)
		samples.setdefault((name, md, "requests-per-second"), []).append(float(rps))
records = [{"name": k[0], "mode": k[1], "metric": k[2],
	    "median": statistics.median(v), "min": min(v), "max": max(v),
	    "repetitions": len(v)} for k, v in sorted(samples.items())]
with open(os.path.join(out, "redis.json"), "w") as f:
	json.dump(records, f, indent=1)
	f.write("\n")

idx = {(r["name"], r["mode"], r["metric"]): r for r in records}
def fmt(v):
	return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"
def cell(r):
	return "-" if not r else f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])})"
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
md = ["Redis", "-----", "",
      f"Produced by `make bench-redis` on {when} ({seconds // 60} min {seconds % 60} s): "
      f"Redis 7.0.15 (Debian's source, unmodified) as the UKL application (base, and "
      f"bypass: UKL_LEVEL=bypass) and as a "
      f"static ring-3 program (ring3; ring3-novdso: booted with vdso=0) on the same "
      f"kernel, 1 CPU, QEMU TCG with "
      f"-icount shift=0,sleep=on, redis-benchmark -n {requests} from the host through "
      f"QEMU's user network, {clients} clients; medians of {reps} runs (min-max).", ""]
titles = {"instructions": "Guest instructions per request in the Redis process "
			  "(process CPU time under -icount; system calls and interrupts included)",
	  "command-instructions": "Guest instructions per command in Redis's command "
				  "handler (INFO commandstats usec_per_call x 1000)",
	  "requests-per-second": "Requests per second (host wall clock under TCG: noise)"}
for metric, title in titles.items():
	md += [title + ":", "",
	       "| benchmark | " + " | ".join(MODES) + " | base/ring3 | bypass/ring3 |",
	       "|---|" + "---:|" * (len(MODES) + 2)]
	for name, _ in BENCHES:
		r3 = idx.get((name, "ring3", metric))
		cells = [cell(idx.get((name, m, metric))) for m in MODES]
		for m in ("base", "bypass"):
			b = idx.get((name, m, metric))
			cells.append(f"{b['median'] / r3['median']:.2f}"
				     if b and r3 and r3["median"] else "-")
		md.append(f"| {name} | " + " | ".join(cells) + " |")
	md.append("")
with open(os.path.join(out, "redis.md"), "w") as f:
	f.write("\n".join(md))

# Merge into bench.json and bench.md (make bench's report keeps them too).
bj = os.path.join(out, "bench.json")
try:
	old = json.load(open(bj))
except (OSError, ValueError):
	old = []
old = [r for r in old if not r["name"].startswith("redis-")] + records
with open(bj, "w") as f:
	json.dump(old, f, indent=1)
	f.write("\n")
bm = os.path.join(out, "bench.md")
try:
	text = open(bm).read()
except OSError:
	text = ""
text = text.split("\nRedis\n-----\n")[0].rstrip("\n")
with open(bm, "w") as f:
	f.write((text + "\n\n" if text else "") + "\n".join(md))
EOF
cat "$out/redis.md"
