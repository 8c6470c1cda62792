#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Server benchmarks of Redis, memcached and nginx ("make bench-redis",
# "make bench-memcached", "make bench-nginx"): boot the scenario's kernel
# (REDIS, MEMCACHED, NGINX) on one CPU under QEMU's -icount
# shift=0,sleep=on with the server as the UKL application at the base and
# the bypass level (modes "base", "bypass"; UKL_LEVEL in its environment,
# Documentation/ukl/shortcuts.rst) and as an ordinary ring-3 program on
# the same kernel ("ring3"; for Redis also "ring3-novdso", the same booted
# with vdso=0, where its clock reads are system calls), drive it from the
# host with a load generator from Debian's packages, and add the results
# to $BUILD/bench/ (APP.json, APP.md; merged into bench.json and
# bench.md).  Run with --help for the options; Documentation/ukl/
# redis.rst, memcached.rst and nginx.rst explain the numbers.
#
# Per benchmark and repetition:
#
#   instructions          CPU time of the server's processes during the
#                         run, per request: under -icount a guest
#                         nanosecond of execution is one guest
#                         instruction, and idle time is no process's, so
#                         this is the guest instructions the server
#                         executed per request, its system calls and the
#                         interrupts (network receive) taken while it ran
#                         included.  Redis and memcached report their own
#                         (INFO cpu; stats: rusage_user and rusage_system,
#                         getrusage() in microseconds); nginx's master and
#                         workers are read from /proc/PID/stat in clock
#                         ticks of 10 ms (10 million instructions) by
#                         NGINX.init's watcher (/ukl-cpu), which the run's
#                         size must dwarf
#   command-instructions  Redis only: INFO commandstats usec_per_call *
#                         1000, the instructions of the command itself (no
#                         system calls; should not differ between modes)
#   requests-per-second   the load generator's result: host wall clock
#                         under TCG, noise, for reference only
#
# Redis: redis-benchmark (redis-tools), SET and GET one request at a time
# and in pipelines of 16 ("redis-set", "redis-get", "redis-set-p16",
# "redis-get-p16").  memcached: memcaslap (libmemcached-tools; memaslap
# upstream) with its default mix of 90 % get and 10 % set of values of
# about 1 KiB ("memcached-mix"), and memcslap's sets ("memcached-set").
# nginx: ab (apache2-utils) fetching the 17-byte /index.html over
# keep-alive connections ("nginx-small") and a new connection a request
# ("nginx-small-close"), and /seq-150000 (938,895 bytes, sendfile) over
# keep-alive ("nginx-939k", a tenth of the requests).
#
# sleep=on, not the sleep=off of make bench: with sleep=off an idle guest
# runs its virtual clock ahead to the next timer at once, so that while it
# waits for the host its TCP timers see round trips of seconds: 5,000
# SETs of redis-benchmark did not finish in 90 s, and the run failed.
# sleep=on lets virtual time pass at host speed while the guest idles;
# running time is still counted in instructions.
#
# 4 clients, not redis-benchmark's 50: with 50, redis-benchmark busy-polls
# epoll_wait() on the host while the guest is slow to answer, and on a
# loaded 2-core host the guest then starved; runs stalled and failed with
# "Connection reset by peer".

set -euo pipefail

me=ukl-bench-app
. "$(dirname "${BASH_SOURCE[0]}")/functions.sh"
out=$BUILD/bench

usage() {
	cat <<EOF
Usage: ukl-bench-app.sh redis|memcached|nginx [OPTION]...

Build the REDIS, MEMCACHED or NGINX scenario, boot the server as the UKL
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

app=${1:-}
case $app in
redis|memcached|nginx) shift ;;
-h|--help) usage; exit 0 ;;
*) die "the first argument names the server, redis, memcached or nginx (see --help)" ;;
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
# The server: its port in the guest, its program, the load generators
# and their Debian package, its benchmarks and the modes it runs in.
modes=(base bypass ring3)
case $app in
redis)
	guest_port=6379 prog=redis-server
	tools=(redis-benchmark redis-cli) pkg=redis-tools
	benches=(redis-set redis-get redis-set-p16 redis-get-p16)
	modes+=(ring3-novdso)
	;;
memcached)
	guest_port=11211 prog=memcached
	tools=(memcaslap memcslap) pkg=libmemcached-tools
	benches=(memcached-mix memcached-set)
	;;
nginx)
	guest_port=80 prog=nginx
	tools=(ab) pkg=apache2-utils
	benches=(nginx-small nginx-small-close nginx-939k)
	;;
esac
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null || die "$t is missing (Debian package $pkg; make deps)"
done

mkdir -p "$out"
start=$SECONDS
qemu=
# A guest still running when this script ends is stopped.
trap '[ -z "$qemu" ] || kill -- -"$qemu" 2>/dev/null || true' EXIT

log "BUILD   $scenario (ukl-test.sh --build)"
"$testdir/bin/ukl-test.sh" --build --scenarios "$scenario" >"$out/$app-build.log" 2>&1 ||
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
file /$prog $tdir/$prog 0755 0 0
file /exitstatus $tdir/exitstatus 0755 0 0
EOF
} >"$out/initramfs-$app.list"
"$kobj/usr/gen_init_cpio" "$out/initramfs-$app.list" >"$out/initramfs-$app.cpio"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# "KEY VALUE" lines of INFO section $2 of the Redis on port $1.
redis_info() {
	redis-cli -p "$1" info "$2" | tr -d '\r' | sed -n 's/^\([a-z_]*\):\(.*\)$/\1 \2/p'
}

# Talk to the server on port $1: "up" (exit status 0 when it answers),
# "cpu" (its CPU time in microseconds), "stop"; for Redis also "reset"
# (of its command statistics) and "usec-per-call COMMAND".
server() {
	if [ "$app" = redis ]; then
		case $2 in
		up)	[ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] ;;
		cpu)	redis_info "$1" cpu |
			awk '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { s += $2 }
			     END { printf "%.0f\n", s * 1e6 }' ;;
		reset)	redis-cli -p "$1" config resetstat >/dev/null ;;
		usec-per-call)
			redis_info "$1" commandstats | awk -v c="cmdstat_$3" '$1 == c {
				n = split($2, f, ",")
				for (i = 1; i <= n; i++)
					if (sub(/^usec_per_call=/, "", f[i]))
						print f[i]
			}' ;;
		stop)	redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true ;;
		esac
		return
	fi
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
		redis-*)
			local cmd=${bench#redis-} p=1
			[ "${cmd%-p16}" = "$cmd" ] || p=16
			rps=$(redis-benchmark -p "$port" -c "$clients" -t "${cmd%-p16}" \
					-n "$requests" -P "$p" -q 2>&1 | tr '\r' '\n' |
			      sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' |
			      tail -n 1) || true
			;;
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

# Boot the server in mode $1 (base, bypass, ring3, ring3-novdso) and run
# every benchmark $reps times; the results go to $out/$app-$1.txt, one
# line a run: "BENCH MODE rep=I requests=N cpu_us=T [usec_per_call=U]
# rps=R".
bench_mode() {
	local mode=$1 port env status=0 rep t bench cpu0 cpu1 rps i n upc cmd
	local res=$out/$app-$1.txt

	case $mode in
	base)	env= ;;
	bypass)	env=UKL_LEVEL=bypass ;;
	ring3)	env=${scenario}_MODE=ring3 ;;
	ring3-novdso)	env="vdso=0 ${scenario}_MODE=ring3" ;;
	esac
	port=$(free_port)
	log "BOOT    $app $mode (port $port)"
	t=$SECONDS
	# A session of its own: the EXIT trap stops QEMU with ukl-run.sh.
	setsid "$testdir/bin/ukl-run.sh" --kernel "$kobj/arch/x86/boot/bzImage" \
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
	(requests=$(((requests + 9) / 10)); run_load "$port" "${benches[0]}") >/dev/null ||
		log "        (warm-up failed)"
	: >"$res"
	for ((rep = 1; rep <= reps; rep++)); do
		for bench in "${benches[@]}"; do
			[ "$app" != redis ] || server "$port" reset
			cpu0=$(server "$port" cpu) || die "reading $app's CPU time failed ($mode)"
			rps=$(run_load "$port" "$bench") || die "$bench failed twice ($mode)"
			cpu1=$(server "$port" cpu) || die "reading $app's CPU time failed ($mode)"
			n=$(bench_requests "$bench")
			upc=
			if [ "$app" = redis ]; then
				cmd=${bench#redis-}
				upc=$(server "$port" usec-per-call "${cmd%-p16}")
				upc=" usec_per_call=${upc:-0}"
			fi
			echo "$bench $mode rep=$rep requests=$n cpu_us=$((cpu1 - cpu0))$upc" \
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

for mode in "${modes[@]}"; do
	bench_mode "$mode"
done

log "REPORT  $out/$app.md $app.json (merged into bench.md, bench.json)"
python3 "$testdir/bin/ukl-bench-app-report.py" --out "$out" --app "$app" \
	--seconds $((SECONDS - start)) --reps "$reps" --clients "$clients" \
	--requests "$requests" --benches "${benches[*]}" --modes "${modes[*]}"
cat "$out/$app.md"
