#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel in QEMU and return the exit status of the program it ran.
# Run with --help for the options.

set -euo pipefail

me=ukl-run
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=$(cd "$srcdir/../../.." && pwd)/build}"
qemu=${QEMU:-qemu-system-x86_64}

usage() {
	cat <<EOF
Usage: ukl-run.sh --kernel BZIMAGE [OPTION]...

Boot BZIMAGE in QEMU (x86_64, serial console, no reboot) and exit with the
status of the program the guest ran.

  --kernel FILE        kernel image to boot (required): a bzImage, or for
                       --machine microvm the vmlinux of its build directory
  --machine pc|microvm QEMU machine (default pc: SeaBIOS, PCI, ACPI, the
                       bzImage).  microvm: no PCI, no ACPI, no option ROMs;
                       QEMU enters vmlinux at its PVH note (CONFIG_PVH, as
                       in configs/micro.config), devices are virtio-mmio,
                       the kernel, which cannot power off there, resets
                       the machine (reboot=t) and under TCG the kernel
                       is told what it would otherwise measure (see
                       "Fast boot" in Documentation/ukl/testing.rst)
  --initrd FILE        initramfs to pass to the kernel
  --append "ARGS"      kernel arguments, added after the defaults
                       "console=ttyS0 panic=-1"
  --smp N              number of CPUs (default 1)
  --mem SIZE           guest memory, QEMU syntax (default 256M)
  --numa N             N NUMA nodes, each with an equal share of the memory
                       and of the CPUs (--smp must be a multiple of N)
  --timeout S          kill the guest after S seconds, 0 for never
                       (default 300; 0 with --gdb)
  --log FILE           write the serial console to FILE; without --log it
                       goes to stdout
  --stdio              give the application standard input, output and
                       error of their own: the second serial port
                       (ukl.stdio=/dev/ttyS1, raw), connected to this
                       script's stdin and stdout, while the kernel's
                       console, the first, goes to the --log FILE only
  --verbose            print the QEMU command line, QEMU's own messages, and
                       the console on stdout even with --log (not with
                       --stdio)
  --accel auto|kvm|tcg accelerator (default auto: KVM when /dev/kvm is usable
                       and a test boot of this kernel under KVM reaches init;
                       the result is cached per QEMU version, kernel release
                       and host).  TCG runs -cpu max in one host thread,
                       KVM -cpu host
  --cpu MODEL          the CPU model under TCG instead of max; for example
                       Skylake-Client, for which Linux applies the
                       mitigations of such hardware (max is an AMD CPU it
                       deems unaffected by Meltdown and MDS)
  --probe-cache FILE   where --accel auto caches its probe
                       (default \$BUILD/ukl-run/kvm-probe)
  --icount             deterministic instruction counting
                       (-icount shift=0,sleep=off); implies TCG
  --stall CLASS:USEC   each executed instruction of CLASS (cpuid, wrmsr,
                       ...: the classes of insn-classes/insn_class.h) holds
                       its vCPU USEC microseconds of host time, as a VM exit
                       does under nested virtualization, so that interrupts
                       come where they would there; implies TCG.  Builds
                       insn-classes/'s QEMU plugin into \$BUILD/ukl-run/
                       (needs \$BUILD/src/qemu-plugin, make sources)
  --gdb[=PORT]         start stopped, with a gdb server on PORT (default 1234)
                       and no timeout; with CONFIG_RANDOMIZE_BASE, add
                       --append nokaslr (which init also gets as argument)
  --net-fwd H:G        virtio-net with QEMU user networking, forwarding host
                       TCP port H to guest port G (repeatable)
  --share DIR[:GDIR]   export the host directory DIR over virtio 9p (mount
                       tag ukl-share, security_model=none; GDIR after
                       DIR's last colon) and have the
                       kernel mount it on GDIR (default /share) for the
                       UKL application (ukl.share=GDIR); an init program
                       mounts it itself: mount -t 9p -o trans=virtio,
                       version=9p2000.L ukl-share GDIR
  --disk FILE          the raw disk image FILE as a virtio disk, the
                       guest's /dev/vda (writable: the guest's writes go
                       to FILE)
  --qemu-arg ARG       pass ARG to QEMU as it is (repeatable)
  --qmp SOCKET         QEMU's QMP monitor on the unix socket SOCKET, for a
                       host program that acts on the machine while it
                       runs (such as clients/mce-inject.py)
  --splats             print the extended regular expression of console
                       lines that fail a boot, and exit
  -h, --help           show this text

Exit status: the guest program's exit status (0..127) when it reports one,
either through the isa-debug-exit device at port 0xf4 (QEMU exits with
status*2+1) or on an ACPI power-off with the kernel line "ukl: application
exited with status N" (or "killed by signal N", giving 128+N); 124 when the
timeout killed the guest, 125 when the guest stopped without reporting a
status, 126 when QEMU could not be started or the options are wrong, 123
when the console shows a kernel oops, panic, BUG, warning, lockup, RCU
stall or sanitizer report (see --splats), whatever the program's status.

Environment: QEMU (QEMU binary, default qemu-system-x86_64), BUILD (default
build directory, for the probe cache).
EOF
}

die() {
	echo "$me: error: $*" >&2
	exit 126
}

# Console lines that fail a boot whatever its program reported: crashes,
# warnings, lockdep and sanitizer reports, RCU stalls, lockups.  A WARN()
# or lockdep report starts its line with "WARNING:"; a message that only
# contains it ("RETBleed: WARNING: ...", on Intel CPU models) is no splat.
# SLUB's debug checks report "BUG kmalloc-64 (Not tainted): ...", and
# lockdep a lock without a static key as "INFO: trying to register
# non-static key", with no WARN.  tools/testing/selftests/ukl/Makefile
# has the same list (buildcheck compares them).
splats='Kernel panic|BUG:|BUG [^ ]+ [(][^)]*[)]: |Oops|(^|[]] )WARNING:|UBSAN:'
splats+='|INFO: (rcu|task .* blocked|trying to register non-static key)'
splats+='|rcu: .*stall|hard LOCKUP|double fault|[Bb]ad stack'

kernel= initrd= append= smp=1 mem=256M numa= timeout= log= verbose= tcg_cpu=max stdio=
qmp=
accel=auto icount= stall= gdb_port= probe_cache= share= machine=pc disk=
net_fwd=() qemu_extra=()

while [ $# -gt 0 ]; do
	opt=$1 val= inline=
	shift
	case $opt in
	--*=*) val=${opt#*=} opt=${opt%%=*} inline=1 ;;
	esac
	case $opt in
	--kernel|--initrd|--append|--smp|--mem|--numa|--timeout|--log|--accel|\
	--probe-cache|--net-fwd|--qemu-arg|--cpu|--share|--machine|--stall|--qmp|\
	--disk)
		if [ -z "$inline" ]; then
			[ $# -gt 0 ] || die "$opt needs a value (see --help)"
			val=$1
			shift
		fi
		;;
	--gdb)
		;;
	*)
		[ -z "$inline" ] || die "$opt takes no value (see --help)"
		;;
	esac
	case $opt in
	--kernel)	kernel=$val ;;
	--initrd)	initrd=$val ;;
	--append)	append=$val ;;
	--smp)		smp=$val ;;
	--mem)		mem=$val ;;
	--numa)		numa=$val ;;
	--timeout)	timeout=$val ;;
	--log)		log=$val ;;
	--accel)	accel=$val ;;
	--probe-cache)	probe_cache=$val ;;
	--net-fwd)	net_fwd+=("$val") ;;
	--share)	share=$val ;;
	--disk)		disk=$val ;;
	--qemu-arg)	qemu_extra+=("$val") ;;
	--qmp)		qmp=$val ;;
	--cpu)		tcg_cpu=$val ;;
	--machine)	machine=$val ;;
	--verbose)	verbose=1 ;;
	--stdio)	stdio=1 ;;
	--icount)	icount=1 ;;
	--stall)	stall=$val ;;
	--gdb)		gdb_port=${val:-1234} ;;
	--splats)	echo "$splats"; exit 0 ;;
	-h|--help)	usage; exit 0 ;;
	*)		die "unknown option '$opt' (see --help)" ;;
	esac
done

# --- checks ----------------------------------------------------------------

[ -n "$kernel" ] || die "--kernel is required (see --help)"
[ -f "$kernel" ] || die "kernel image $kernel does not exist"
[ -z "$initrd" ] || [ -f "$initrd" ] || die "initrd $initrd does not exist"
[ -z "$stdio" ] || [ -n "$log" ] ||
	die "--stdio needs --log FILE: the kernel's console goes there"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a CPU count, not '$smp'"
[[ $mem =~ ^[1-9][0-9]*[MmGg]?$ ]] || die "--mem wants a size like 256M, not '$mem'"
if [ -n "$numa" ]; then
	[[ $numa =~ ^[1-9][0-9]*$ ]] && [ $((smp % numa)) = 0 ] ||
		die "--numa wants a node count that divides --smp $smp, not '$numa'"
	mem_mib=${mem%[MmGg]}
	[[ $mem == *[Gg] ]] && mem_mib=$((mem_mib * 1024))
	[ $((mem_mib % numa)) = 0 ] ||
		die "--mem $mem does not split into $numa equal nodes of whole MiB"
fi
[ -z "$timeout" ] || [[ $timeout =~ ^[0-9]+$ ]] ||
	die "--timeout wants seconds, not '$timeout'"
[ -z "$gdb_port" ] || [[ $gdb_port =~ ^[0-9]+$ ]] ||
	die "--gdb wants a port number, not '$gdb_port'"
case $accel in
auto|kvm|tcg) ;;
*) die "--accel is auto, kvm or tcg, not '$accel'" ;;
esac
for f in ${net_fwd[@]+"${net_fwd[@]}"}; do
	[[ $f =~ ^[0-9]+:[0-9]+$ ]] || die "--net-fwd wants HOSTPORT:GUESTPORT, not '$f'"
done
# The guest directory follows the last colon, if an absolute path does.
share_dir=$share share_guest=/share
if [[ $share == *:/* ]]; then
	share_dir=${share%:*} share_guest=${share##*:}
fi
[ -z "$share" ] || [ -d "$share_dir" ] ||
	die "--share: $share_dir is not a directory (make it first)"
[ -z "$disk" ] || [ -f "$disk" ] ||
	die "--disk: $disk is not a file (make a raw image first, e.g. with" \
	    "truncate -s 8M FILE && mkfs.ext2 -q FILE)"
[ -z "$share" ] || [[ $share_guest == /* && $share_guest != *[[:space:]]* ]] ||
	die "--share: the guest directory must be an absolute path" \
	    "without blanks, not '$share_guest'"
# The vmlinux of kernel image $1: itself when it is an ELF file, else (a
# bzImage, arch/x86/boot/bzImage) the vmlinux of its build directory.
vmlinux_of() {
	if [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = 177ELF ]; then
		echo "$1"
	else
		echo "$(dirname "$1")/../../../vmlinux"
	fi
}

# The machine's options, and how its virtio devices attach (QEMU's
# virtio-*-pci or virtio-*-device, the latter virtio-mmio).
machine_opts=() virtio=pci
case $machine in
pc)
	;;
microvm)
	# QEMU would add the virtio-mmio devices to the end of the command
	# line, where they would be init's arguments after a "--": the
	# command line below names them itself.
	machine_opts=(-M microvm,x-option-roms=off,acpi=off,auto-kernel-cmdline=off)
	virtio=device
	# QEMU enters an ELF vmlinux at its PVH note (XEN_ELFNOTE_PHYS32_ENTRY,
	# 0x12); a bzImage stands for the vmlinux of its build directory.
	vmlinux=$(vmlinux_of "$kernel")
	[ -f "$vmlinux" ] ||
		die "--machine microvm boots a vmlinux: $kernel is none," \
		    "and its build directory has none"
	kernel=$(realpath "$vmlinux")
	grep -q 'Xen .*(0x00000012)' < <(readelf -n "$kernel" 2>/dev/null) ||
		die "--machine microvm: $kernel has no PVH entry; build it with" \
		    "CONFIG_PVH=y (configs/micro.config) or boot it with --machine pc"
	;;
*)
	die "--machine is pc or microvm, not '$machine'"
	;;
esac
command -v "$qemu" >/dev/null || die "$qemu not found (Debian package qemu-system-x86)"

if [ -n "$icount" ]; then
	[ "$accel" != kvm ] || die "--icount needs TCG, it cannot be used with --accel kvm"
	accel=tcg
fi
if [ -n "$stall" ]; then
	[[ $stall =~ ^[a-z0-9-]+:[1-9][0-9]*$ ]] ||
		die "--stall wants CLASS:USEC, for example cpuid:2000, not '$stall'"
	[ "$accel" != kvm ] || die "--stall needs TCG, it cannot be used with --accel kvm"
	accel=tcg
	inc=$BUILD/src/qemu-plugin
	[ -f "$inc/qemu/qemu-plugin.h" ] ||
		die "--stall: $inc/qemu/qemu-plugin.h is missing; make sources puts it there"
	plugin_dir=$BUILD/ukl-run/plugin
	mkdir -p "$plugin_dir"
	# Boots run in parallel: one builds, the others wait for it.
	flock "$plugin_dir/.lock" make -s -C "$srcdir/insn-classes" OUT="$plugin_dir" \
		QEMU_PLUGIN_INC="$inc" >"$plugin_dir/build.log" 2>&1 ||
		die "--stall: building the QEMU plugin failed; see $plugin_dir/build.log"
fi
if [ -z "$timeout" ]; then
	# Waiting for a debugger is not a hang.
	if [ -n "$gdb_port" ]; then
		timeout=0
	else
		timeout=300
	fi
fi

# --- accelerator -----------------------------------------------------------

# The release ("uname -r") of a bzImage, from the kernel_version field of
# its setup header.
kernel_release() {
	local off

	[ "$(dd if="$1" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] || return 1
	off=$(od -An -tu2 -j $((0x20e)) -N 2 "$1" | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 1
	dd if="$1" bs=1 skip=$((off + 0x200)) count=64 status=none |
		tr '\0' ' ' | cut -d ' ' -f 1
}

# Boot the kernel under KVM without an initramfs, and decide whether KVM
# works: it does when the kernel gets to the end of its initialisation
# (where it frees its init memory, starts init or, without a root file
# system, panics trying to mount one) before KVM reports an error, which
# with nested KVM stops the VM rather than ending QEMU.  When it does not,
# say so in one line; what QEMU printed (an assertion in its KVM code, on
# some hosts) goes to the file $1.
probe_kvm() {
	local dir pid i result=tcg
	local done_re='Freeing unused kernel|Run .* as init process'
	local err_re='emulation failure|KVM internal error'

	done_re+='|VFS: Unable to mount root|No working init found'
	err_re+='|failed to initialize kvm|Could not access KVM'

	dir=$(mktemp -d)
	"$qemu" "${machine_opts[@]}" -accel kvm -cpu host -m 256M -smp 1 -nographic -no-reboot \
		-monitor none -serial "file:$dir/console" -kernel "$kernel" \
		-append "console=ttyS0 panic=-1" </dev/null >"$dir/out" 2>"$dir/err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -qsaE "$err_re" "$dir/out" "$dir/err" && break
		grep -qaE "$done_re" "$dir/console" 2>/dev/null && break
		jobs -pr | grep -x "$pid" >/dev/null || break
		sleep 0.1
	done
	# A vCPU stuck in the kernel's KVM code may keep QEMU from ending
	# on SIGTERM: SIGKILL after 5 s.  Signals only while QEMU runs: the
	# pid of a job that ended may be another process's.
	for ((i = 0; i < 50; i++)); do
		jobs -pr | grep -x "$pid" >/dev/null || break
		[ "$i" != 0 ] || kill "$pid" 2>/dev/null || true
		sleep 0.1
	done
	! jobs -pr | grep -x "$pid" >/dev/null || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if ! grep -qsaE "$err_re" "$dir/out" "$dir/err" &&
	   grep -qaE "$done_re" "$dir/console" 2>/dev/null; then
		result=kvm
	else
		{ cat "$dir/err" "$dir/out"; tail -n 5 "$dir/console"; } >"$1" 2>/dev/null
		echo "$me: KVM does not work here, using TCG (QEMU's messages: $1)" >&2
	fi
	rm -rf "$dir"
	echo "$result"
}

kvm_usable() {
	local cache key result= rel

	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	cache=${probe_cache:-$BUILD/ukl-run/kvm-probe}
	rel=$(kernel_release "$kernel") || rel="unknown-$(cksum <"$kernel" | cut -d ' ' -f 1)"
	key="$("$qemu" --version | head -n 1)|$rel|$(uname -n) $(uname -r)"
	if [ -f "$cache" ]; then
		result=$(awk -F '\t' -v k="$key" '$1 == k { r = $2 } END { print r }' "$cache")
	fi
	if [ -z "$result" ]; then
		[ -z "$verbose" ] || echo "$me: probing KVM with $kernel" >&2
		mkdir -p "$(dirname "$cache")"
		result=$(probe_kvm "$cache.log")
		printf '%s\t%s\n' "$key" "$result" >>"$cache"
	elif [ -n "$verbose" ] && [ "$result" != kvm ]; then
		echo "$me: KVM does not work here, using TCG (probed before: $cache)" >&2
	fi
	[ -z "$verbose" ] || [ "$result" != kvm ] ||
		echo "$me: KVM works here (probed for $key: $cache)" >&2
	[ "$result" = kvm ]
}

if [ "$accel" = auto ]; then
	if [ "$tcg_cpu" != max ]; then
		accel=tcg	# --cpu asks for a model that KVM does not run
	elif kvm_usable; then
		accel=kvm
	else
		accel=tcg
	fi
fi
accel_opts=$accel
if [ "$accel" = kvm ]; then
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || die "--accel kvm: /dev/kvm is not accessible"
	[ "$tcg_cpu" = max ] ||
		die "--cpu $tcg_cpu: KVM runs -cpu host; use --accel tcg or --icount"
	cpu=host
else
	cpu=$tcg_cpu
	# One host thread for all vCPUs.  With a thread each, QEMU 7.2 now
	# and then runs a translation of kernel text that another vCPU has
	# just patched (text_poke_bp()), and the guest dies of "Oops: int3"
	# where a static key changes (3 of 6 boots of UKL once, 1 of 18
	# short boots); the boots take no longer here.
	accel_opts=tcg,thread=single
fi

# --- command line ----------------------------------------------------------

cmdline="console=ttyS0 panic=-1"
[ -z "$stdio" ] || cmdline+=" ukl.stdio=/dev/ttyS1"
[ -z "$share" ] || cmdline+=" ukl.share=$share_guest"
if [ "$machine" = microvm ]; then
	# Without ACPI the kernel cannot power off: the application's exit
	# resets the machine, at once with reboot=t, which -no-reboot makes
	# QEMU's exit.  No check of the I/O APIC's timer, as on KVM.
	cmdline+=" reboot=t no_timer_check"
	# QEMU 7.2's microvm has 8 virtio-mmio transports of 512 bytes from
	# 0xfeb00000, with the interrupts from 5 on, and plugs devices into
	# the last free one: net (first on QEMU's command line), 9p, disk.
	nvirtio=0
	[ ${#net_fwd[@]} = 0 ] || nvirtio=$((nvirtio + 1))
	[ -z "$share" ] || nvirtio=$((nvirtio + 1))
	[ -z "$disk" ] || nvirtio=$((nvirtio + 1))
	for ((i = 7; i > 7 - nvirtio; i--)); do
		printf -v dev '512@0x%x:%d' $((0xfeb00000 + i * 512)) $((5 + i))
		cmdline+=" virtio_mmio.device=$dev"
	done
	if [ "$accel" = tcg ]; then
		# What a hypervisor tells a guest (kvmclock, the TSC deadline
		# timer, an invariant TSC) and TCG does not, so that the kernel
		# does not spend 300 ms measuring it: a TSC that needs no
		# synchronisation check, the PIT as the tick instead of the
		# local APIC timer (whose calibration waits 200 ms), and under
		# -icount the TSC's frequency (1 GHz: one instruction is one
		# nanosecond) and the delay loop's (which each CPU but the
		# first would calibrate, 80 ms).
		cmdline+=" tsc=reliable noapictimer"
		hz=$(sed -n 's/^CONFIG_HZ=//p' "$(dirname "$kernel")/.config" 2>/dev/null || true)
		if [ -n "$icount" ]; then
			cmdline+=" tsc_early_khz=1000000${hz:+ lpj=$((1000000000 / hz))}"
		else
			# Without -icount the guest's TSC is the host's.  Its
			# frequency (the host's BogoMIPS are twice its MHz)
			# spares the kernel a calibration against the PIT,
			# which fails now and then on a loaded host: the TSC is
			# then unstable, and the clock source refined-jiffies.
			khz=$(awk -F': *' '/^bogomips/ { printf "%d", $2 * 500; exit }' \
				/proc/cpuinfo 2>/dev/null)
			[ "${khz:-0}" = 0 ] || cmdline+=" tsc_early_khz=$khz"
		fi
	fi
fi
[ -z "$append" ] || cmdline+=" $append"

# With NUMA nodes, a socket each: CPUs that share a cache share a node.
cmd=("$qemu" "${machine_opts[@]}" -accel "$accel_opts" -cpu "$cpu"
     -smp "$smp${numa:+,sockets=$numa}" -m "$mem"
     -nographic -no-reboot -monitor none
     -device isa-debug-exit,iobase=0xf4,iosize=0x04
     -kernel "$kernel" -append "$cmdline")
[ -z "$initrd" ] || cmd+=(-initrd "$initrd")
# The console on stdout, or with --stdio in the log, the application's
# port on stdin and stdout.
if [ -n "$stdio" ]; then
	cmd+=(-serial "file:$log")
	if [ "$machine" = microvm ]; then
		# microvm makes only the first port of -serial.
		cmd+=(-chardev stdio,id=ukl-stdio -device isa-serial,chardev=ukl-stdio,index=1)
	else
		cmd+=(-serial stdio)
	fi
else
	cmd+=(-serial stdio)
fi
# NUMA nodes: each its RAM and a contiguous range of the CPUs.
for ((n = 0; n < ${numa:-0}; n++)); do
	per=$((smp / numa))
	cmd+=(-object "memory-backend-ram,id=ram$n,size=$((mem_mib / numa))M"
	      -numa "node,nodeid=$n,memdev=ram$n,cpus=$((n * per))-$((n * per + per - 1))")
done
[ -z "$icount" ] || cmd+=(-icount shift=0,sleep=off)
[ -z "$stall" ] || cmd+=(-plugin "$plugin_dir/ukl-insn-plugin.so,out=/dev/null,stall=$stall")
[ -z "$gdb_port" ] || cmd+=(-gdb "tcp::$gdb_port" -S)
[ -z "$qmp" ] || cmd+=(-qmp "unix:$qmp,server=on,wait=off")
if [ ${#net_fwd[@]} -gt 0 ]; then
	netdev=user,id=net0
	for f in "${net_fwd[@]}"; do
		netdev+=",hostfwd=tcp::${f%%:*}-:${f##*:}"
	done
	cmd+=(-netdev "$netdev" -device "virtio-net-$virtio,netdev=net0")
fi
if [ -n "$share" ]; then
	# QEMU's option syntax doubles a comma in a value.
	share_dir=$(realpath "$share_dir")
	cmd+=(-fsdev "local,id=ukl-share,path=${share_dir//,/,,},security_model=none"
	      -device "virtio-9p-$virtio,fsdev=ukl-share,mount_tag=ukl-share")
fi
if [ -n "$disk" ]; then
	disk=$(realpath "$disk")
	cmd+=(-drive "file=${disk//,/,,},format=raw,if=none,id=ukl-disk"
	      -device "virtio-blk-$virtio,drive=ukl-disk")
fi
cmd+=(${qemu_extra[@]+"${qemu_extra[@]}"})

# --- run -------------------------------------------------------------------

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Where messages send the reader: the log, or without --log (a file that
# is removed on exit) the console output, on stdout.
if [ -n "$log" ]; then
	mkdir -p "$(dirname "$log")"
	where="console: $log"
else
	log=$tmp/console
	where="see the console output above"
fi
: >"$log"

if [ -n "$verbose" ]; then
	printf '%s: ' "$me" >&2
	printf '%q ' "${cmd[@]}" >&2
	echo >&2
fi
if [ -n "$gdb_port" ]; then
	vmlinux=$(vmlinux_of "$kernel")
	[ -f "$vmlinux" ] && vmlinux=$(realpath "$vmlinux") || vmlinux=vmlinux
	echo "$me: the guest waits for gdb: gdb $vmlinux -ex 'target remote :$gdb_port'" >&2
	if [ -f "$(dirname "$vmlinux")/.config" ] &&
	   grep -q '^CONFIG_RANDOMIZE_BASE=y' "$(dirname "$vmlinux")/.config" &&
	   [[ " $append " != *" nokaslr "* ]]; then
		echo "$me: the kernel has KASLR: symbols will not match" \
		     "without --append nokaslr" >&2

	fi
fi

# The console goes to stdout too when there is no --log or with --verbose;
# then a terminal stays connected to the guest's console (Ctrl-C ends
# QEMU).  Otherwise QEMU gets no input.  With --stdio, QEMU writes the
# console to the log itself and stdin and stdout are the application's.
# (The braces keep bash from reporting a QEMU that crashed: that is done
# below, with its messages.)  The log is read while the guest runs (the
# end of the boot below, the host programs of ukl-test.sh): what QEMU
# wrote must be in it at once.  dd without bs= would hold up to 511 bytes
# until more came.
if [ "$log" = "$tmp/console" ] || [ -n "$verbose" ]; then
	show=(tee "$log")
else
	show=(dd "of=$log" bs=64K status=none)
fi
stdin=/dev/null
[ ! -t 0 ] || [ "${show[0]}" != tee ] || stdin=/dev/stdin
[ -z "$verbose" ] || [ -z "$stdio" ] || echo "$me: the kernel's console: $log" >&2
start=$SECONDS
set +e
if [ -n "$stdio" ] && [ ! -t 0 ]; then
	# Input from a file or pipe goes to the port only once the kernel
	# has opened it for the application: opening a serial port resets
	# it and drops what came before.
	# (A background job's stdin is /dev/null: cat gets ours as fd 4.)
	mkfifo "$tmp/stdin"
	exec 3<>"$tmp/stdin" 4<&0
	{
		until grep -qa 'ukl: standard input, output and error on' "$log" 2>/dev/null; do
			sleep 0.1
		done
		exec cat <&4 >"$tmp/stdin"
	} &
	forward=$!
	exec 4<&-
	{ timeout --foreground -k 10 "$timeout" "${cmd[@]}" 2>"$tmp/err" <&3; } 2>/dev/null
	rc=$?
	# Only while it runs: the pid of a cat that ended may be another
	# process's by now.
	if jobs -pr | grep -x "$forward" >/dev/null; then
		kill "$forward" 2>/dev/null
		wait "$forward" 2>/dev/null
	fi
	exec 3>&-
elif [ -n "$stdio" ]; then
	{ timeout --foreground -k 10 "$timeout" "${cmd[@]}" 2>"$tmp/err"; } 2>/dev/null
	rc=$?
else
	{
		timeout --foreground -k 10 "$timeout" "${cmd[@]}" 2>"$tmp/err" <"$stdin" |
			"${show[@]}"
	} 2>/dev/null
	rc=${PIPESTATUS[0]}
fi
set -e
[ -z "$verbose" ] || [ ! -s "$tmp/err" ] || sed "s/^/$me: qemu: /" "$tmp/err" >&2

# The last console line matching the regular expression $1, if any.
console_shows() {
	tr -d '\r' <"$log" | { grep -aE "$1" || true; } | tail -n 1
}

# With --stdio, the application's output is not on stdout when the kernel
# could not give it the port: say why.
if [ -n "$stdio" ]; then
	line=$(console_shows 'ukl: cannot (open|make) ukl\.stdio=')
	[ -z "$line" ] || echo "$me: ${line#*\] } ($where)" >&2
fi

# The first console line that shows a kernel splat, if any.
splat=$(tr -d '\r' <"$log" | grep -aE -m 1 "$splats") || true
if [ -n "$splat" ]; then
	echo "$me: the kernel reported: ${splat#*\] } ($where)" >&2
fi

# Exit with the guest program's status $1, or with 123 after a splat.
finish() {
	if [ -n "$splat" ]; then
		echo "$me: failing (status 123) although the program's status was $1:" \
		     "the kernel must not oops, warn or lock up" >&2
		exit 123
	fi
	exit "$1"
}

# timeout(1) exits 124, or 137 when SIGTERM did not end QEMU; 137 is
# also what QEMU exits with when the guest reports 68.
if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "$timeout" != 0 ] &&
			 [ $((SECONDS - start)) -ge "$timeout" ]; }; then
	rc=timeout
fi

case $rc in
timeout)
	echo "$me: timeout: the guest did not finish within ${timeout}s and was killed" \
	     "($where)" >&2
	exit 124
	;;
0)
	# Power-off (or, with -no-reboot, a reboot): the kernel may have
	# said how the application ended.
	line=$(console_shows 'ukl: application (exited with status|killed by signal) [0-9]+')
	n=$(echo "$line" | sed -nE 's/.*ukl: application [a-z ]+ ([0-9]+).*/\1/p')
	case $line in
	*"exited with status"*)
		finish $((n & 255))
		;;
	*"killed by signal"*)
		finish $((128 + n))
		;;
	esac
	panic=$(console_shows 'Kernel panic')
	[ -z "$panic" ] || echo "$me: ${panic#*\] }" >&2
	echo "$me: guest powered off without reporting a status ($where)" >&2
	exit 125
	;;
*)
	if [ $((rc % 2)) = 1 ] && { [ "$rc" != 1 ] || [ -s "$log" ]; }; then
		# isa-debug-exit: QEMU exits with (status << 1) | 1.
		finish $(((rc - 1) / 2))
	fi
	echo "$me: QEMU failed (exit status $rc):" >&2
	if [ -s "$tmp/err" ]; then
		sed 's/^/  /' "$tmp/err" >&2
	else
		echo "  (no messages; command: ${cmd[*]})" >&2
	fi
	exit 126
	;;
esac
