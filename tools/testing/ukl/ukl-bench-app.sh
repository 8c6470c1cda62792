#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Server benchmarks of memcached and nginx ("make bench-memcached", "make
# bench-nginx"): boot the scenario's kernel (MEMCACHED, NGINX) on one CPU
# under QEMU's -icount shift=0,sleep=on with the server as the UKL
# application at the base and the bypass level (modes "base", "bypass")
# and as an ordinary ring-3 program on the same kernel ("ring3"), drive it
# from the host with a load generator from Debian's packages, and add the
# results to $BUILD/bench/ (APP.json, APP.md; merged into bench.json and
# bench.md).  Run with --help for the options; Documentation/ukl/
# memcached.rst and nginx.rst explain the numbers.
#
# Per benchmark and repetition, two metrics:
#
#   instructions         CPU time of the server's processes during the
#                        run, per request: under -icount a guest
#                        nanosecond of execution is one guest instruction,
#                        and idle time is no process's, so this is the
#                        guest instructions the server executed per
#                        request, its system calls and the interrupts
#                        (network receive) taken while it ran included.
#                        memcached reports its own (stats: rusage_user and
#                        rusage_system, getrusage() in microseconds);
#                        nginx's master and workers are read from
#                        /proc/PID/stat in clock ticks of 10 ms (10
#                        million instructions) by NGINX.init's watcher
#                        (/ukl-cpu), which the run's size must dwarf
#   requests-per-second  the load generator's result: host wall clock
#                        under TCG, noise, for reference only
#
# memcached: memcaslap (Debian's libmemcached-tools; memaslap upstream)
# with its default mix of 90 % get and 10 % set of values of about 1 KiB
# ("memcached-mix"), and memcslap's sets ("memcached-set").  nginx: ab
# (apache2-utils) fetching the 17-byte /index.html over keep-alive
# connections ("nginx-small") and a new connection a request
# ("nginx-small-close"), and /seq-150000 (938,895 bytes, sendfile) over
# keep-alive ("nginx-939k", a tenth of the requests).
#
# sleep=on and few clients for the reasons ukl-bench-redis.sh gives.

set -euo pipefail

me=ukl-bench-app
testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${REPO:=$(cd "$testdir/../../.." && pwd)}"
: "${BUILD:=$REPO/build}"
BUILD=$(realpath -m "$BUILD")
export REPO BUILD
out=$BUILD/bench

usage() {
	cat <<EOF
Usage: ukl-bench-app.sh memcached|nginx [OPTION]...

Build the MEMCACHED or NGINX scenario, boot the server as the UKL
application and as a ring-3 program under QEMU -icount, drive both from
the host and write APP.json and APP.md to \$BUILD/bench/ (merged into
bench.json and bench.md).

  --requests N   requests per run (default 20000)
  --clients N    the load generator's parallel connections (default 4)
  --reps R       repetitions of each run (default 3)
  --timeout S    seconds a boot may take (default 1800)
  -h, --help     show this text
EOF
}

die() {
	echo "$me: error: $*" >&2
	exit 2
}

app=${1:-}
case $app in
memcached|nginx) shift ;;
-h|--help) usage; exit 0 ;;
*) die "the first argument names the server, memcached or nginx (see --help)" ;;
esac
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
for v in requests clients reps timeout; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v wants a count, not '${!v}'"
done

scenario=${app^^}
tdir=$BUILD/test/$scenario
kobj=$BUILD/kernel/$scenario
case $app in
memcached)
	guest_port=11211
	tools=(memcaslap memcslap)
	pkg=libmemcached-tools
	;;
nginx)
	guest_port=80
	tools=(ab)
	pkg=apache2-utils
	;;
esac
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null || die "$t is missing (Debian package $pkg; make deps)"
done

log() {
	echo "  $*"
}

mkdir -p "$out"
start=$SECONDS
qemu=
# A guest still running when this script ends is stopped.
trap '[ -z "$qemu" ] || kill -- -"$qemu" 2>/dev/null || true' EXIT

log "BUILD   $scenario (ukl-test.sh --build)"
"$testdir/ukl-test.sh" --build --scenarios "$scenario" >"$out/$app-build.log" 2>&1 ||
	{ cat "$out/$app-build.log" >&2; die "building $scenario failed"; }

# The initramfs of the scenario's boots, as ukl-test.sh makes it: the
# application's root file system, busybox, the init script, the ring-3
# server and /exitstatus.
{
	grep -v -e '^#' -e '^$' "$REPO/scripts/ukl/rootfs.list" |
		sed "s|@ROOTFS@|$REPO/scripts/ukl/rootfs|g"
	cat <<EOF
dir /bin 0755 0 0
file /bin/busybox /bin/busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /init $testdir/configs/$scenario.init 0755 0 0
file /$app $tdir/$app 0755 0 0
file /exitstatus $tdir/exitstatus 0755 0 0
EOF
} >"$out/initramfs-$app.list"
"$kobj/usr/gen_init_cpio" "$out/initramfs-$app.list" >"$out/initramfs-$app.cpio"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Talk to the server on port $1: "up" (exit status 0 when it answers),
# "cpu" (its CPU time in microseconds), "stop".
server() {
	python3 - "$app" "$@" <<'EOF'
import http.client, socket, sys, time
app, port, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def memcached(cmd, end=b"\r\n"):
	s = socket.create_connection(("127.0.0.1", port), timeout=30)
	s.sendall(cmd.encode() + b"\r\n")
	data = b""
	while end and not data.endswith(end):
		chunk = s.recv(1 << 16)
		if not chunk:
			break
		data += chunk
	s.close()
	return data.decode()

def get(path):
	c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
	c.request("GET", path)
	r = c.getresponse()
	body = r.read()
	c.close()
	return r.status, body

try:
	if app == "memcached":
		if what == "up":
			sys.exit(0 if memcached("version").startswith("VERSION") else 1)
		if what == "cpu":
			lines = memcached("stats", b"END\r\n").splitlines()
			st = dict(l.split()[1:3] for l in lines if l.startswith("STAT "))
			print(round((float(st["rusage_user"]) + float(st["rusage_system"])) * 1e6))
		if what == "stop":
			memcached("shutdown", None)
	else:
		if what == "up":
			sys.exit(0 if get("/")[0] == 200 else 1)
		if what == "cpu":
			# The watcher of NGINX.init answers the Nth /ukl-cpu with
			# /ukl-cpu-N: the ticks of 10 ms of master and workers.
			n = 1
			while get(f"/ukl-cpu-{n}")[0] == 200:
				n += 1
			get("/ukl-cpu")
			for _ in range(300):
				status, body = get(f"/ukl-cpu-{n}")
				if status == 200:
					print(int(body) * 10000)
					break
				time.sleep(0.2)
			else:
				sys.exit("no /ukl-cpu-%d from NGINX.init's watcher" % n)
		if what == "stop":
			get("/ukl-stop")
except (OSError, http.client.HTTPException, KeyError, ValueError) as e:
	sys.exit(f"{app} on port {port}: {what}: {type(e).__name__}: {e}")
EOF
}

# Run benchmark $2 against port $1; print its requests per second.  A
# failed run is repeated once.
run_load() {
	local port=$1 bench=$2 try rps n

	for try in 1 2; do
		rps=
		case $bench in
		memcached-mix)
			rps=$(memcaslap -s "127.0.0.1:$port" -T 1 -c "$clients" \
					-x "$requests" 2>&1 |
			      sed -n 's/.*Ops: [0-9]* TPS: \([0-9]*\).*/\1/p' | tail -n 1) || true
			;;
		memcached-set)
			n=$((requests / clients))
			rps=$(memcslap -s "127.0.0.1:$port" -t set -c "$clients" -e "$n" 2>&1 |
			      awk -v n=$((n * clients)) '
				/^Time to set .* threads:/ && $(NF - 1) + 0 > 0 {
					printf "%.0f", n / $(NF - 1)
				}') || true
			;;
		nginx-*)
			local path=/index.html keep=-k n=$requests
			case $bench in
			*-close)	keep= ;;
			nginx-939k)	path=/seq-150000 n=$((requests / 10)) ;;
			esac
			rps=$(ab -q -n "$n" -c "$clients" $keep "http://127.0.0.1:$port$path" 2>&1 |
			      awk '/^Failed requests:/ && $3 != 0 { bad = 1 }
				   /^Requests per second:/ { r = $4 }
				   END { if (!bad && r) printf "%.0f", r }') || true
			;;
		esac
		[ -z "$rps" ] || { echo "$rps"; return 0; }
		echo "$me: $bench failed (try $try)" >&2
	done
	return 1
}

# Requests of one run of benchmark $1.
bench_requests() {
	case $1 in
	nginx-939k)	echo $((requests / 10)) ;;
	memcached-set)	echo $((requests / clients * clients)) ;;
	*)		echo "$requests" ;;
	esac
}

case $app in
memcached)	benches=(memcached-mix memcached-set) ;;
nginx)		benches=(nginx-small nginx-small-close nginx-939k) ;;
esac

# Boot the server in mode $1 (base, bypass or ring3) and run every
# benchmark $reps times; the results go to $out/$app-$1.txt, one line a
# run: "BENCH MODE rep=I requests=N cpu_us=T rps=R".
bench_mode() {
	local mode=$1 port env status=0 rep t bench cpu0 cpu1 rps i n
	local res=$out/$app-$1.txt

	case $mode in
	base)	env= ;;
	bypass)	env=UKL_LEVEL=bypass ;;
	ring3)	env=${scenario}_MODE=ring3 ;;
	esac
	port=$(free_port)
	log "BOOT    $app $mode (port $port)"
	t=$SECONDS
	# A session of its own: the EXIT trap stops QEMU with ukl-run.sh.
	setsid "$testdir/ukl-run.sh" --kernel "$kobj/arch/x86/boot/bzImage" \
		--initrd "$out/initramfs-$app.cpio" --accel tcg --smp 1 \
		--qemu-arg=-icount --qemu-arg=shift=0,sleep=on \
		--net-fwd "$port:$guest_port" --timeout "$timeout" \
		--log "$out/console-$app-$mode.log" \
		--append "kunit.enable=0${env:+ $env}" >"$out/run-$app-$mode.log" 2>&1 &
	qemu=$!
	for ((i = 0; i < 600; i++)); do
		server "$port" up 2>/dev/null && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 1
	done
	if ! server "$port" up 2>/dev/null; then
		kill -- -"$qemu" 2>/dev/null || true
		wait "$qemu" || true
		qemu=
		die "$app ($mode) did not answer (console: $out/console-$app-$mode.log)"
	fi
	log "        up after $((SECONDS - t))s"
	# The first connections after boot are sometimes slow or reset (QEMU
	# user network under a loaded host): warm up, and allow a failure.
	run_load "$port" "${benches[0]}" >/dev/null || log "        (warm-up failed)"
	: >"$res"
	for ((rep = 1; rep <= reps; rep++)); do
		for bench in "${benches[@]}"; do
			cpu0=$(server "$port" cpu) || die "reading $app's CPU time failed ($mode)"
			rps=$(run_load "$port" "$bench") || die "$bench failed twice ($mode)"
			cpu1=$(server "$port" cpu) || die "reading $app's CPU time failed ($mode)"
			n=$(bench_requests "$bench")
			echo "$bench $mode rep=$rep requests=$n cpu_us=$((cpu1 - cpu0))" \
			     "rps=${rps:-0}" >>"$res"
			log "        $(tail -n 1 "$res")"
		done
	done
	server "$port" stop || true
	wait "$qemu" || status=$?
	qemu=
	log "        $((SECONDS - t))s, exit status $status"
	[ "$status" = 0 ] || die "$app ($mode) ended with status $status" \
		"(console: $out/console-$app-$mode.log)"
}

bench_mode base
bench_mode bypass
bench_mode ring3

log "REPORT  $out/$app.md $app.json (merged into bench.md, bench.json)"
python3 "$testdir/ukl-bench-app-report.py" --out "$out" --app "$app" \
	--seconds $((SECONDS - start)) --reps "$reps" --clients "$clients" \
	--requests "$requests" --benches "${benches[*]}"
cat "$out/$app.md"
