#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# UKL benchmarks ("make bench"): build the kernels, boot them, and write
# bench.md, bench.json and bench.png to $BUILD/bench/.  Run with --help for
# the options; Documentation/ukl/benchmarks.rst explains the numbers.
#
# Kernels:
#   UKL        the UKL scenario of "make test" (configs/UKL): its
#              application, the suite, holds bench.c as the area "bench"
#   HELLO      configs/HELLO: the fast-boot kernel (configs/micro.config),
#              hello.c as the application (size, least memory, boot time
#              on the microvm machine, PVH, and on the pc machine, SeaBIOS)
#   HELLOREF   the same configuration without UKL from the pristine tree,
#              hello.c as a ring-3 /init (boot time on microvm)
#   unpatched  the REF scenario of "make test" (configs/REF): the main
#              configuration without UKL, built from the pristine tree
#              $BUILD/src/linux into $BUILD/src/kernel/REF
#
# Modes: every line of the table "modes" below is one boot, which prints
# results for one or more modes ("# bench NAME MODE rep=I ops=N ns=T",
# see bench.c).  The application's boot measures the base level, then the
# ret, the bypass and the direct level (levels=base,ret,bypass,direct),
# then the ring-3 build (spawn=), each in a new process.  A new mode is one
# more line there or one more level, and one more entry in mode_order.
#
# Metrics: "instructions", from boots under QEMU's -icount shift=0,sleep=off
# (TCG), where one guest instruction is one guest nanosecond; "ns", from
# boots under KVM, when ukl-run.sh's probe finds that KVM works.  The TCG
# boots also count the instructions by class (SYSCALL, SWAPGS, MOV to CR3,
# VERW, ...) with the QEMU plugin of insn-classes/, and run once per set of
# mitigations: "off" (-cpu max, mitigations=off) and "distro" (-cpu
# Skylake-Client, for which the kernel applies what it applies on such
# hardware: PTI, retpolines, return thunks, VERW).

set -euo pipefail

me=ukl-bench
. "$(dirname "${BASH_SOURCE[0]}")/functions.sh"
configs=$testdir/configs
out=$BUILD/bench
: "${UKL_CCACHE_DIR:=/var/cache/ukl/ccache}"
: "${JOBS:=$(nproc)}"

usage() {
	cat <<EOF
Usage: ukl-bench.sh [OPTION]...

Build the UKL and HELLO scenarios and an unpatched reference kernel, boot
them, and write bench.md (tables), bench.json (one record per benchmark,
mode and metric) and bench.png (bar chart) to \$BUILD/bench/.

  --reps R         repetitions of each benchmark (default 7)
  --scale S        scale the operations per repetition (default 1)
  --only A,B       run only these benchmarks (bench.c's names)
  --no-unpatched   skip the unpatched reference kernel
  --no-hello       skip the hello-world size, memory and boot measurements
  --hello-only     only the hello-world measurements (HELLO and HELLOREF)
  --no-kvm         do not try KVM (ns), only instruction counts
  --mitigations M  the sets of mitigations of the TCG boots, of off and
                   distro (default off,distro)
  --timeout S      seconds a benchmark boot may take (default 1800)
  -h, --help       show this text
EOF
}

reps=7 scale=1 only= unpatched=1 hello=1 try_kvm=1 timeout=1800 mitigations=off,distro
hello_only=
while [ $# -gt 0 ]; do
	case $1 in
	--reps|--scale|--only|--timeout|--mitigations)
		[ $# -ge 2 ] || die "$1 needs a value (see --help)"
		case $1 in
		--reps)		reps=$2 ;;
		--scale)	scale=$2 ;;
		--only)		only=$2 ;;
		--timeout)	timeout=$2 ;;
		--mitigations)	mitigations=$2 ;;
		esac
		shift 2
		;;
	--no-unpatched)	unpatched= ; shift ;;
	--no-hello)	hello= ; shift ;;
	--hello-only)	hello_only=1 ; shift ;;
	--no-kvm)	try_kvm= ; shift ;;
	-h|--help)	usage; exit 0 ;;
	*)		die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps wants a count, not '$reps'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds, not '$timeout'"
[[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && [[ $scale =~ [1-9] ]] ||
	die "--scale wants a number above 0, not '$scale'"
if [ -n "$only" ]; then
	# bench.c's names: the first string of each line of its table.
	names=$(awk '/^} benches\[\] = \{/ { on = 1; next }
		     on && /^};/ { exit }
		     on && match($0, /"[^"]+"/) { print substr($0, RSTART + 1, RLENGTH - 2) }' \
		"$testdir/bench.c")
	for b in ${only//,/ }; do
		grep -qxF -- "$b" <<<"$names" ||
			die "--only: bench.c has no benchmark '$b'; it has:" $names
	done
fi
[[ $mitigations =~ ^(off|distro)(,(off|distro))*$ ]] ||
	die "--mitigations wants off, distro or off,distro, not '$mitigations'"

# The sets of mitigations of the TCG boots: QEMU CPU model and kernel
# arguments.  Under TCG, -cpu max is an AMD family 0Fh CPU that Linux deems
# unaffected by Meltdown and MDS; an Intel model makes it apply what it
# applies on that hardware.
declare -A mit_cpu=([off]=max [distro]=Skylake-Client)
declare -A mit_args=([off]=mitigations=off [distro]=)

# The order of the columns; modes without results are left out.
mode_order="ring3 base ret bypass direct ring3-unpatched"

mkdir -p "$out"
start=$SECONDS

# --- kernels ---------------------------------------------------------------

[ -z "$hello_only" ] || [ -n "$hello" ] || die "--hello-only and --no-hello leave nothing to do"
scenarios=UKL
[ -z "$unpatched" ] || scenarios="$scenarios REF"
[ -z "$hello" ] || scenarios="$scenarios HELLO HELLOREF"
[ -z "$hello_only" ] || scenarios="HELLO HELLOREF" unpatched=
log "BUILD   $scenarios (ukl-test.sh --build)"
"$testdir/bin/ukl-test.sh" --build --scenarios "$scenarios" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "building $scenarios failed"; }

# The instruction class counter, against the installed QEMU's plugin API
# (scripts/ukl-dev/sources.sh fetched its header for ukl-test.sh --build).
log "PLUGIN  insn-classes/ukl-insn-plugin.so"
plugin=$out/plugin/ukl-insn-plugin.so
mkdir -p "$out/plugin"
make -s -C "$testdir/insn-classes" OUT="$out/plugin" \
	QEMU_PLUGIN_INC="$BUILD/src/qemu-plugin" >>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "building the QEMU plugin failed"; }

kunpatched=$BUILD/src/kernel/REF
if [ -n "$unpatched" ]; then
	# What differs between the two configurations besides UKL.
	diff <(grep '^CONFIG_' "$BUILD/kernel/UKL/.config" | sort) \
	     <(grep '^CONFIG_' "$kunpatched/.config" | sort) >"$out/config.diff" || true
fi

# --- initramfs -------------------------------------------------------------

# Make initramfs $1 with init $2 (empty: none, the UKL application runs)
# and the ring-3 suite as /suite.
make_cpio() {
	local cpio=$1 init=$2 list=$1.list

	{
		cat <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /tmp 1777 0 0
file /suite $BUILD/test/UKL/suite 0755 0 0
EOF
		[ -z "$init" ] || echo "file /init $init 0755 0 0"
	} >"$list"
	"$gen_init_cpio" "$list" >"$cpio"
}

gen_init_cpio=$BUILD/kernel/UKL/usr/gen_init_cpio
[ -z "$hello_only" ] || gen_init_cpio=$BUILD/kernel/HELLO/usr/gen_init_cpio
if [ -z "$hello_only" ]; then
	make_cpio "$out/initramfs-ukl.cpio" ""
	make_cpio "$out/initramfs-ring3.cpio" "$BUILD/test/UKL/suite"
fi
# The hello world's: /dev/console, and hello.c as /init for HELLOREF.
printf 'dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\n' >"$out/initramfs-hello.list"
"$gen_init_cpio" "$out/initramfs-hello.list" >"$out/initramfs-hello.cpio"
if [ -n "$hello" ]; then
	{ cat "$out/initramfs-hello.list"
	  echo "file /init $BUILD/test/HELLOREF/hello 0755 0 0"; } >"$out/initramfs-helloref.list"
	"$gen_init_cpio" "$out/initramfs-helloref.list" >"$out/initramfs-helloref.cpio"
fi

# --- boots -----------------------------------------------------------------

opts="reps=$reps scale=$scale${only:+ only=$only}"
kukl=$BUILD/kernel/UKL/arch/x86/boot/bzImage
khello=$BUILD/kernel/HELLO/arch/x86/boot/bzImage

# One line a boot: name, kernel, initramfs, init arguments.  kunit.enable=0:
# the UKL kernel's KUnit tests would run in the boot otherwise.
levels=base,ret,bypass,direct
modes=()
if [ -z "$hello_only" ]; then
	printf -v ukl_mode '%s|%s|%s|%s' ukl "$kukl" "$out/initramfs-ukl.cpio" \
		"area=bench levels=$levels spawn=/suite $opts"
	modes+=("$ukl_mode")
fi
if [ -n "$unpatched" ]; then
	printf -v unpatched_mode '%s|%s|%s|%s' unpatched "$kunpatched/arch/x86/boot/bzImage" \
		"$out/initramfs-ring3.cpio" "area=bench mode=ring3-unpatched $opts"
	modes+=("$unpatched_mode")
fi

# Does KVM work here?  ukl-run.sh's probe decides (and caches its answer).
kvm=
if [ -n "$try_kvm" ]; then
	# The application with nothing to run: it exits at once.
	probe=(--kernel "$kukl" --initrd "$out/initramfs-ukl.cpio"
	       --append "kunit.enable=0 -- area=bench only=none reps=1")
	[ -z "$hello_only" ] ||
		probe=(--kernel "$khello" --machine microvm --initrd "$out/initramfs-hello.cpio")
	if "$testdir/bin/ukl-run.sh" "${probe[@]}" --accel auto --verbose --timeout 120 \
		--log "$out/kvm-probe.log" >/dev/null 2>"$out/kvm-probe.err"; then :; fi
	grep -q -- '-accel kvm' "$out/kvm-probe.err" && kvm=1
fi
if [ -n "$kvm" ]; then
	log "KVM     usable: ns rows will be measured"
else
	log "KVM     not usable here: only instruction counts"
fi

# Boot $1 (name) of kernel $2 with initramfs $3 and init arguments $4 for
# metric $5, with the mitigations $6 (TCG) or those of the host (KVM):
# console-NAME-METRIC.log, and classes-NAME-METRIC.txt from the plugin.
bench_boot() {
	local name=$1 kernel=$2 cpio=$3 args=$4 metric=$5 mit=$6 status=0 t=$SECONDS
	local accel

	case $metric in
	instructions)
		accel=(--icount --cpu "${mit_cpu[$mit]}"
		       --qemu-arg -plugin --qemu-arg "$plugin,out=$out/classes-$name-$metric.txt")
		;;
	ns)	accel=(--accel kvm) ;;
	esac
	what=$metric
	[ -z "$mit" ] || what+=", mitigations $mit: -cpu ${mit_cpu[$mit]} ${mit_args[$mit]}"
	log "BOOT    $name ($what)"
	"$testdir/bin/ukl-run.sh" --kernel "$kernel" --initrd "$cpio" "${accel[@]}" \
		--timeout "$timeout" --log "$out/console-$name-$metric.log" \
		--append "kunit.enable=0 ${mit:+${mit_args[$mit]} }-- $args" \
		>"$out/run-$name-$metric.log" 2>&1 || status=$?
	log "        $((SECONDS - t))s, exit status $status"
	[ "$status" = 0 ] ||
		failed_boots+=("$name ($metric): exit status $status, console $out/console-$name-$metric.log")
}

rm -f "$out"/console-*.log "$out"/classes-*.txt
# Boots that failed: their cells are missing or wrong, and make bench fails.
failed_boots=()
for m in "${modes[@]}"; do
	IFS='|' read -r name kernel cpio args <<<"$m"
	for mit in ${mitigations//,/ }; do
		bench_boot "$name@$mit" "$kernel" "$cpio" "$args" instructions "$mit"
	done
	[ -z "$kvm" ] || bench_boot "$name" "$kernel" "$cpio" "$args" ns ""
done

# --- hello world: size, least memory, boot time -----------------------------

# Boot the hello world: $1 the name of its console log, $2 the kernel's
# bzImage (ukl-run.sh boots the vmlinux beside it on microvm), $3 the
# initramfs, then ukl-run.sh's options.
hello_boot() {
	local name=$1 kernel=$2 cpio=$3

	shift 3
	"$testdir/bin/ukl-run.sh" --kernel "$kernel" --initrd "$cpio" --smp 2 \
		--log "$out/console-$name.log" "$@" >"$out/run-$name.log" 2>&1
}

# True when the HELLO kernel boots on the fast path with $1 MiB and greets.
hello_boots() {
	hello_boot hello-mem "$khello" "$out/initramfs-hello.cpio" --machine microvm \
		--accel tcg --mem "${1}M" --timeout 60 &&
	grep -aq 'Hello, world' "$out/console-hello-mem.log"
}

: >"$out/hello.txt"
if [ -n "$hello" ]; then
	log "HELLO   size, memory, boot time"
	vmlinux=$BUILD/kernel/HELLO/vmlinux
	echo "bzimage $(stat -c %s "$khello")" >>"$out/hello.txt"
	echo "vmlinux $(stat -c %s "$vmlinux")" >>"$out/hello.txt"
	# What PVH loads of vmlinux: its loadable segments, without symbols.
	loaded=0
	for size in $(readelf -lW "$vmlinux" | awk '$1 == "LOAD" { print $5 }'); do
		loaded=$((loaded + size))
	done
	echo "vmlinux_loaded $loaded" >>"$out/hello.txt"
	lo=1 hi=64
	if hello_boots "$hi"; then
		# Bisect: lo does not boot, hi does.
		while [ $((hi - lo)) -gt 1 ]; do
			mid=$(((lo + hi) / 2))
			if hello_boots "$mid"; then hi=$mid; else lo=$mid; fi
		done
		echo "min_mem_mib $hi" >>"$out/hello.txt"
	else
		echo "min_mem_mib none" >>"$out/hello.txt"
	fi
	# To main() on the fast path and on the pc machine, and the
	# unpatched kernel on the fast path; under KVM, the fast path.  The
	# kernel is quiet, as a unikernel's is: its messages still go to the
	# log buffer, not through the serial port.
	# The plugin counts their instructions by class to main() (hello.c's
	# marker): REP string instructions count an iteration each.
	khelloref=$BUILD/src/kernel/HELLOREF/arch/x86/boot/bzImage
	for b in "microvm $khello hello" "pc $khello hello" "microvm $khelloref helloref"; do
		read -r machine kernel cpio <<<"$b"
		name=hello-$machine-instructions
		[ "$cpio" = hello ] || name=hello-unpatched-instructions
		hello_boot "$name" "$kernel" "$out/initramfs-$cpio.cpio" \
			--machine "$machine" --icount --timeout 120 --append quiet \
			--qemu-arg -plugin --qemu-arg "$plugin,out=$out/classes-$name.txt" ||
			failed_boots+=("$name: exit status $?, console $out/console-$name.log")
	done
	[ -z "$kvm" ] || hello_boot hello-microvm-ns "$khello" "$out/initramfs-hello.cpio" \
		--machine microvm --accel kvm --timeout 120 --append quiet ||
		failed_boots+=("hello-microvm-ns: exit status $?, console $out/console-hello-microvm-ns.log")
	# Where the fast path's time goes: the initcalls and the gaps between
	# the kernel's messages, in one more boot (ukl-boot-profile.py); and
	# the timeline of both paths in four phases, for boot-timeline.png.
	hello_boot hello-profile "$khello" "$out/initramfs-hello.cpio" --machine microvm \
		--icount --timeout 120 --append "initcall_debug ignore_loglevel" || true
	python3 "$testdir/bin/ukl-boot-profile.py" --top 10 "$vmlinux" \
		"$out/console-hello-profile.log" >"$out/hello-profile.txt" || true
	python3 "$testdir/bin/ukl-boot-profile.py" --phases "$vmlinux" \
		"$out/console-hello-profile.log" >"$out/hello-phases-microvm.txt" || true
	hello_boot hello-profile-pc "$khello" "$out/initramfs-hello.cpio" --machine pc \
		--icount --timeout 120 --append "initcall_debug ignore_loglevel" || true
	python3 "$testdir/bin/ukl-boot-profile.py" --phases "$vmlinux" \
		"$out/console-hello-profile-pc.log" >"$out/hello-phases-pc.txt" || true
fi

# --- results ---------------------------------------------------------------

log "REPORT  $out/bench.md bench.json bench.png"
python3 "$testdir/bin/ukl-bench-report.py" --out "$out" --modes "$mode_order" \
	--command "make bench${BENCHFLAGS:+ BENCHFLAGS=\"$BENCHFLAGS\"}" \
	--seconds $((SECONDS - start)) ${kvm:+--kvm}
cat "$out/bench.md"
if [ ${#failed_boots[@]} -gt 0 ]; then
	echo "$me: error: ${#failed_boots[@]} boot(s) failed; the report misses what they" \
	     "would have measured:" >&2
	printf '  %s\n' "${failed_boots[@]}" >&2
	exit 1
fi
