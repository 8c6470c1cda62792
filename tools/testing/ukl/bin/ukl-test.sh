#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, boot and check the UKL test scenarios (tools/testing/ukl/configs/).
# Run with --help for the options.
#
# For each scenario NAME: the test programs that configs/NAME.tests lists
# are built with musl into $BUILD/test/NAME/, the kernel with
# 'make kernel SCENARIO=NAME' into $BUILD/kernel/NAME, then an initramfs
# with that kernel's gen_init_cpio, and the kernel is booted with
# ukl-run.sh and the arguments of configs/NAME.boot.  The KTAP that the
# programs print on the console is parsed with the kernel's
# tools/testing/kunit/kunit.py and reported as one KTAP document, ending
# with a line "N passed, M failed".  Every step is incremental: with
# nothing changed, only the boots are repeated.
#
# configs/NAME.tests says what to build and boot, one item a line; every
# ukl, init, script or buildcheck line is one boot (or check) of the
# scenario's kernel, in order:
#
#	ukl PROGRAM [ARGS...]
#			tools/testing/ukl/PROGRAM.c, built with ukl-mkapp and
#			the ring-0 musl into $BUILD/test/NAME/app.o (which the
#			scenario's CONFIG_UKL_APP names), so the kernel links
#			it in; the boot has no /init, so the kernel starts it.
#			A kernel links one application: every ukl line of a
#			scenario must name the same PROGRAM
#	init PROGRAM [ARGS...]
#			PROGRAM.c linked statically with the user-mode musl,
#			booted as /init from the initramfs
#	script PROGRAM [ARGS...]
#			like init, but /init is configs/NAME.init, a shell
#			script run by busybox, which may exec /ukl or PROGRAM
#	example PROGRAM	the application of the ukl lines is not PROGRAM.c but
#			the program PROGRAM of tools/testing/ukl/examples,
#			built by its Makefile with ukl-gcc ("make
#			ukl-toolchain") into $BUILD/test/NAME/examples/
#	file PROGRAM	PROGRAM.c linked statically with the user-mode musl, put
#			into every initramfs of the scenario as /PROGRAM
#	multicall PROGRAM AREA...
#			PROGRAM is built from PROGRAM.c and AREA.c..., all
#			compiled with -DUKL_TEST_MULTICALL, wherever the
#			scenario builds it (ukl, init, script, file): one
#			program that holds several tests (see suite.c)
#	build SCRIPT	run tools/testing/ukl/bin/SCRIPT $BUILD/test/NAME first: it
#			builds programs that have no PROGRAM.c here (such as
#			ukl-redis-build.sh, Redis from its own source tree);
#			then a ukl line for such a PROGRAM takes the app.o, an
#			init, script or file line the PROGRAM that SCRIPT left
#			in $BUILD/test/NAME
#	buildcheck	ukl-buildcheck.sh against the scenario's kernel
#	stdiocheck	ukl-stdio-check.sh: the scenario's kernel and the
#			initramfs of its ukl boots, the application's
#			standard input and output on a port of their own
#	series		'make check-series': the patch series applied, checked
#			and built patch by patch (scripts/ukl-dev/check-series.sh)
#	kselftest DIR/PROG [ARGS...]
#			the kernel selftest tools/testing/selftests/DIR/PROG of
#			the assembled tree (x86 ones with their _64 suffix),
#			built unmodified by its own Makefile with the user-mode
#			musl (static, -D_GNU_SOURCE, the tree's UAPI headers
#			after musl's) into $BUILD/test/NAME/kselftest/DIR/.
#			All kselftest lines of a scenario are one boot, at the
#			place of the first: busybox runs kselftest-init.sh as
#			/init, which runs each PROG ARGS as ring-3 program with
#			runner.sh's run_one(), its own KTAP as a subtest, and
#			ends the guest with the number of programs that failed
#			(exit status not 0 or 4, a crash, missing KTAP results)
#			as its exit status; the scenario's args and status do
#			not apply to it
#	args ARGS...	arguments for init, after "--" on the command line;
#			the ARGS of a boot line come after them
#	status N	the exit status every boot must end with (default 0)
#	smp N		boot with N CPUs (default 1; --smp overrides it)
#	numa N		boot with N NUMA nodes (ukl-run.sh --numa)
#	mem SIZE	guest memory (ukl-run.sh --mem; default its 256M)
#	machine M	QEMU machine of every boot: pc (the default) or
#			microvm, the fast path (ukl-run.sh --machine)
#	timeout S	seconds each boot may take (default: ukl-run.sh's;
#			--timeout overrides it)
#	hostnet PORT	boot with a virtio-net device on QEMU's user network,
#			a free host port forwarded to guest port PORT, and
#			UKL_TEST_HOSTNET=PORT for init; hostnet-client.py
#			talks to the guest from the host meanwhile (hostnet.c);
#			"make run" forwards host port PORT itself
#	hostclient PROGRAM
#			with hostnet: run tools/testing/ukl/clients/PROGRAM HOSTPORT
#			SECONDS ARGS (the boot line's) on the host instead of
#			hostnet-client.py; the KTAP it prints, if any, is the
#			boot's result instead of the console's (for programs
#			such as the examples and Redis that print none), and
#			it must end before the guest does or soon after
#	share DIR	each boot but the kselftest one shares a host
#			directory of its own with the guest on DIR
#			(ukl-run.sh --share; the kernel mounts it for the
#			application as init, suite.c as a ring-3 init, an
#			init script itself), with UKL_TEST_SHARE=DIR in
#			init's environment; core.c's host_share test reads
#			and writes files there, which the runner checks
#			after the boot
#	kunit [SUITE...] [skip:CASE...]
#			the kernel runs KUnit tests while it boots
#			(kunit.enable=1 on every boot's command line): the
#			KTAP it prints (timestamped kernel messages, unlike
#			the programs' output) is parsed too and reported as
#			the subtest "kunit" of each boot; each SUITE must
#			have run with a test case at least, and a skipped
#			case fails the boot unless a skip:CASE names it or
#			its parameterised test (functions.sh's
#			kunit_problems)
#	tree pristine	the kernel is built from the pristine tree
#			($BUILD/src/linux, into $BUILD/src/kernel/NAME), not
#			the patched one: the unpatched reference (REF)
#
# The ARGS of a boot line that come before a word "--" go to the kernel
# command line, not to init: boot-time choices of the scenario's kernel
# (pti=on, nokaslr, mitigations=off, preempt=full, ...), module parameters
# such as ukl.ret=1, and NAME=VALUE words with an upper-case NAME, which
# the kernel puts into init's environment, such as UKL_LEVEL=bypass, the
# shortcut level of the application's system calls
# (Documentation/ukl/shortcuts.rst).  Without a "--", leading words of
# the last two forms go to the kernel command line all the same.  A word
# qemu:ARG before the "--" goes to QEMU instead (ukl-run.sh --qemu-arg),
# for example qemu:-singlestep, with which TCG takes interrupts between
# any two instructions, not only between translated blocks.  A word
# stall:CLASS:USEC makes each instruction of CLASS take USEC microseconds
# of host time under TCG (ukl-run.sh --stall), for example stall:cpuid:2000:
# CPUIDs as slow as VM exits under nested virtualization, so that the
# timer interrupts come where they would there.  A word cpu:MODEL boots
# that CPU model under TCG (ukl-run.sh --cpu), for example cpu:EPYC-Rome,
# an AMD Zen 2 for which the kernel applies its AMD mitigations.  A word
# qmp:PROGRAM runs tools/testing/ukl/clients/PROGRAM QMP-SOCKET CONSOLE-LOG
# SECONDS on the host beside the boot, with QEMU's QMP monitor on that
# socket (ukl-run.sh --qmp), and puts UKL_TEST_QMP=PROGRAM into init's
# environment: qmp:mce-inject.py injects the machine checks that mce.c
# asks for on its console.  The word disk gives the guest an empty ext2
# image as /dev/vda (ukl-run.sh --disk) and UKL_TEST_DISK=vda: disk.c
# writes a file there and the program exits; after the boot the file must
# be on the image, whole.
#
# Boots of a scenario with the same PROGRAM and init arguments must
# report the same test results: a program built as the UKL application
# and as an ordinary ring-3 program must behave the same, whatever the
# boot-time choices (the kselftest boot is compared with no other).
# Every initramfs holds /etc/ukl-test.txt ("UKL test data").
#
# The time each scenario took to build and to boot is printed as a KTAP
# diagnostic after it, and the whole run's at the end; then, before the
# last line, what failed (test cases and problems of boots), one line
# each, for a CI that shows only the end of the output.
#
# Environment: REPO and BUILD (set by the top-level Makefile; default: the
# repository this script is in and its build/), UKL_MUSL_GCC (compiler for
# the test programs; default $BUILD/musl/user/bin/musl-gcc, built by
# scripts/ukl-dev/musl.sh, which is not run when UKL_MUSL_GCC is set),
# UKL_TEST_BUDGET (seconds the boots, builds and series check may take,
# default 4800: CI's limit is 90 min; a boot's timeout is cut to what is
# left of it, a boot that would have less than a minute and a scenario
# that would have less than five are not started but fail, and the
# series check is stopped with ten minutes left).

set -euo pipefail

me=ukl-test
. "$(dirname "${BASH_SOURCE[0]}")/functions.sh"
configs=$testdir/configs

usage() {
	cat <<EOF
Usage: ukl-test.sh [--scenarios "A B"] [--smp N] [--timeout S]
       ukl-test.sh --run SCENARIO [--smp N] [--timeout S] [--gdb PORT]
       ukl-test.sh --build [--scenarios "A B"]

Without --run, build and boot every scenario of configs/CFLIST (or those
given with --scenarios), print the results as KTAP and a last line
"N passed, M failed"; exit 0 when nothing failed.  Output of each scenario
is kept in \$BUILD/test/SCENARIO/ (console.log, run.log, kunit.log, ...).

  --run SCENARIO     build SCENARIO and boot it once with its console on
                     stdout; exit with the status of its program
  --scenarios "A B"  the scenarios to test instead of configs/CFLIST
  --build            only build the scenarios' programs and kernels, boot
                     nothing (for ukl-bench.sh); exit 0 when all built
  --gdb PORT         with --run: the guest waits for gdb on PORT
                     (ukl-run.sh --gdb; nokaslr for a kernel with KASLR)
  --smp N            CPUs of each guest (default: ukl-run.sh's, 1)
  --timeout S        seconds a guest may run (default: ukl-run.sh's, 300)
  -h, --help         show this text
EOF
}

run= scenarios= run_args=() timeout_set= build_only= gdb_port=
while [ $# -gt 0 ]; do
	case $1 in
	--run|--scenarios|--smp|--timeout|--gdb)
		[ $# -ge 2 ] || die "$1 needs a value (see --help)"
		case $1 in
		--run)		run=$2 ;;
		--gdb)		gdb_port=$2 ;;
		--scenarios)	scenarios=$2 ;;
		--smp)		[[ $2 =~ ^[1-9][0-9]*$ ]] ||
					die "--smp wants a CPU count, not '$2'"
				run_args+=(--smp "$2") ;;
		--timeout)	[[ $2 =~ ^[0-9]+$ ]] ||
					die "--timeout wants seconds, not '$2'"
				run_args+=(--timeout "$2") timeout_set=$2 ;;
		esac
		shift 2
		;;
	--build)
		build_only=1
		shift
		;;
	-h|--help)
		usage
		exit 0
		;;
	*)
		die "unknown argument '$1' (see --help)"
		;;
	esac
done

# Lines of a config file without comments and blank lines.
config_lines() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

if [ -n "$run" ]; then
	scenarios=$run
elif [ -z "$scenarios" ]; then
	[ -f "$configs/CFLIST" ] || die "no $configs/CFLIST"
	scenarios=$(config_lines "$configs/CFLIST")
fi
[ -n "$scenarios" ] || die "no scenarios to test"
for s in $scenarios; do
	[ -f "$configs/$s" ] || die "no scenario $s: $configs/$s does not exist"
	[ -f "$configs/$s.tests" ] ||
		die "scenario $s has no $configs/$s.tests saying what to run"
done

kselftest=$BUILD/linux/tools/testing/selftests
kunit=$BUILD/linux/tools/testing/kunit/kunit.py
musl_gcc=${UKL_MUSL_GCC:-$BUILD/musl/user/bin/musl-gcc}

# Build output: on stderr for --run, as KTAP diagnostics otherwise.
diag() {
	if [ -n "$run" ]; then
		cat >&2
	else
		sed -u 's/^/# /'
	fi
}

# --- building --------------------------------------------------------------

# True when $1 is missing or older than any of the other files.
stale() {
	local out=$1 f

	shift
	[ -e "$out" ] || return 0
	for f in "$@"; do
		[ ! "$f" -nt "$out" ] || return 0
	done
	return 1
}

# The kernel tree (for kselftest.h and kunit.py) and the user-mode musl:
# once per run, whatever the scenarios.
prepare() {
	local script=$REPO/scripts/ukl-dev/musl.sh

	make --no-print-directory -C "$REPO" tree ||
		{ echo "assembling the kernel tree failed"; return 1; }
	if [ -z "${UKL_MUSL_GCC:-}" ] && [ -f "$script" ]; then
		bash "$script" "$BUILD" || { echo "$script failed"; return 1; }
	fi
	if [ ! -x "$musl_gcc" ]; then
		echo "no musl compiler $musl_gcc (built by scripts/ukl-dev/musl.sh;" \
		     "UKL_MUSL_GCC overrides it)"
		return 1
	fi
}

# The sources of program $2 of scenario $1, one a line: $2.c, and for a
# "multicall $2 AREA..." line also -DUKL_TEST_MULTICALL and each AREA.c.
program_sources() {
	local area

	echo "$testdir/$2.c"
	for area in $(config_lines "$configs/$1.tests" |
		      awk -v p="$2" '$1 == "multicall" && $2 == p { $1 = $2 = ""; print }'); do
		echo "$testdir/$area.c"
	done
}

# Compiler flags for program $2 of scenario $1 beyond the common ones: for
# a multicall program -DUKL_TEST_MULTICALL and -DUKL_TEST_AREA_<AREA> for
# each of its areas (for areas that not every scenario builds).
program_flags() {
	config_lines "$configs/$1.tests" |
		awk -v p="$2" '$1 == "multicall" && $2 == p {
			print "-DUKL_TEST_MULTICALL"
			for (i = 3; i <= NF; i++) print "-DUKL_TEST_AREA_" $i
		}'
}

# Compile program $3 of scenario $1 into $2/$3 unless that is up to date:
# the command line is the one of last time and no file that the compiler
# (-M) or the linker (--dependency-file) read is newer.
build_program() {
	local s=$1 dir=$2 prog=$3 out=$2/$3 cmd deps src srcs flags

	mapfile -t srcs < <(program_sources "$s" "$prog")
	mapfile -t flags < <(program_flags "$s" "$prog")
	for src in "${srcs[@]}"; do
		[ -f "$src" ] || { echo "test program source $src does not exist"; return 1; }
	done
	cmd=("$musl_gcc" -static -Os -Wall -Werror -I"$kselftest" -I"$testdir"
	     ${flags[@]+"${flags[@]}"} -Wl,--dependency-file="$out.ld.d" -o "$out" "${srcs[@]}")
	if [ -f "$out.cmd" ] && [ "$(cat "$out.cmd")" = "${cmd[*]}" ] &&
	   [ -f "$out.d" ] && [ -f "$out.ld.d" ]; then
		deps=$(sed -e 's/^[^:]*://' -e 's/\\$//' "$out.d" "$out.ld.d")
		# shellcheck disable=SC2086
		stale "$out" $deps "$musl_gcc" || return 0
	fi
	echo "  CC      $out"
	rm -f "$out.cmd"
	"${cmd[@]}" 2>&1 || { echo "compiling $prog failed"; return 1; }
	# The headers of every source (-MD -MF keeps only the last one's).
	"$musl_gcc" -I"$kselftest" -I"$testdir" ${flags[@]+"${flags[@]}"} -M "${srcs[@]}" \
		>"$out.d" 2>&1 || { echo "listing the headers of $prog failed"; return 1; }
	echo "${cmd[*]}" >"$out.cmd"
}

# Build program $3 of scenario $1 as the UKL application $2/app.o unless
# that is up to date.
build_app() {
	local s=$1 dir=$2 prog=$3 out=$2/app.o libc=$BUILD/musl/ukl src srcs flags
	local mkapp=$REPO/scripts/ukl/ukl-mkapp

	mapfile -t srcs < <(program_sources "$s" "$prog")
	mapfile -t flags < <(program_flags "$s" "$prog")
	for src in "${srcs[@]}"; do
		[ -f "$src" ] || { echo "test program source $src does not exist"; return 1; }
	done
	if [ -f "$out.prog" ] && [ "$(cat "$out.prog")" = "$prog ${flags[*]} ${srcs[*]}" ] &&
	   ! stale "$out" "${srcs[@]}" "$testdir"/*.h "$kselftest/kselftest.h" \
		"$libc/lib/libc.a" "$libc/lib/libukl-builtins.a" "$mkapp" \
		"$REPO/scripts/ukl/ukl-app.lds" "$REPO/scripts/ukl/ukl-checkapp" \
		"$REPO/scripts/ukl/ukl-insns.awk" "$REPO/scripts/ukl/ukl-kernel-syms"; then
		return 0
	fi
	echo "  MKAPP   $out"
	rm -f "$out.prog"
	"$mkapp" --libc "$libc" -o "$out" -Wall -Werror -DUKL_APP ${flags[@]+"${flags[@]}"} \
		-I"$kselftest" -I"$testdir" "${srcs[@]}" 2>&1 ||
		{ echo "building the application $prog failed"; return 1; }
	echo "$prog ${flags[*]} ${srcs[*]}" >"$out.prog"
}

# Build the example $3 of scenario $1 (tools/testing/ukl/examples) with
# its Makefile and ukl-gcc as the UKL application $2/app.o.
build_example() {
	local s=$1 dir=$2 prog=$3 out=$2/app.o

	make --no-print-directory -s -C "$REPO" ukl-toolchain || return 1
	echo "  EXAMPLE $dir/examples/$prog"
	make --no-print-directory -s -C "$testdir/examples" O="$dir/examples" \
		CC="$BUILD/ukl-toolchain/bin/ukl-gcc" "$dir/examples/$prog" 2>&1 ||
		{ echo "building the example $prog failed"; return 1; }
	cmp -s "$dir/examples/$prog" "$out" || cp "$dir/examples/$prog" "$out"
}

# Build what configs/$1.tests names into $BUILD/test/$1 and write the
# boots, one a line ("ukl PROGRAM [ARGS]", "init PROGRAM [ARGS]",
# "script PROGRAM [ARGS]" or "buildcheck"), to $BUILD/test/$1/boots.
build_programs() {
	local s=$1 dir=$BUILD/test/$1 kind args prog app= prebuilt= example

	mkdir -p "$dir"
	: >"$dir/boots.new"
	example=$(tests_value "$s" example "")
	while read -r kind args; do
		prog=${args%% *}
		# A program that the scenario's build script made.
		if [ -n "$prebuilt" ] && [ ! -f "$testdir/$prog.c" ]; then
			case $kind in
			ukl)	[ -f "$dir/app.o" ] || {
					echo "$prebuilt made no $dir/app.o"; return 1; } ;;
			init|script|file)
				[ -f "$dir/$prog" ] || {
					echo "$prebuilt made no $dir/$prog"; return 1; }
				[ "$kind" = file ] || echo "$kind $args" >>"$dir/boots.new"
				continue ;;
			esac
		fi
		case $kind in
		build)
			echo "  BUILD   $args"
			# shellcheck disable=SC2086
			"$testdir/bin/"$args "$dir" 2>&1 ||
				{ echo "$args failed"; return 1; }
			prebuilt=${args%% *}
			;;
		ukl)
			if [ -n "$app" ] && [ "$app" != "$prog" ]; then
				echo "$configs/$s.tests: one application per kernel," \
					"not $app and $prog"
				return 1
			fi
			if [ -n "$example" ]; then
				[ "$example" = "$prog" ] || { echo "$configs/$s.tests:" \
					"the ukl lines must name the example $example"; return 1; }
				[ -n "$app" ] || build_example "$s" "$dir" "$prog" || return 1
			elif [ -z "$app" ] &&
			   { [ -z "$prebuilt" ] || [ -f "$testdir/$prog.c" ]; }; then
				build_app "$s" "$dir" "$prog" || return 1
			fi
			app=$prog
			echo "ukl $args" >>"$dir/boots.new"
			;;
		init|script)
			build_program "$s" "$dir" "$prog" || return 1
			echo "$kind $args" >>"$dir/boots.new"
			;;
		file)
			build_program "$s" "$dir" "$args" || return 1
			;;
		buildcheck|series|stdiocheck)
			echo "$kind" >>"$dir/boots.new"
			;;
		kselftest)
			grep -qx kselftest "$dir/boots.new" || echo kselftest >>"$dir/boots.new"
			;;
		args|status|smp|numa|mem|multicall|timeout|hostnet|hostclient|example|kunit|tree|\
		share|machine)
			;;
		*)
			echo "$configs/$s.tests: unknown kind of test '$kind'"
			return 1
			;;
		esac
	done < <(config_lines "$configs/$s.tests")
	[ -s "$dir/boots.new" ] || { echo "$s.tests names nothing to boot"; return 1; }
	if grep -qx kselftest "$dir/boots.new"; then
		build_program "$s" "$dir" exitstatus || return 1
		build_kselftests "$s" "$dir/kselftest" || return 1
	fi
	mv "$dir/boots.new" "$dir/boots"
}

# Build the kernel selftests of the kselftest lines of configs/$1.tests
# into $2/DIR/PROG with their own Makefiles, and write the list of the
# kselftest boot ("DIR PROG [ARGS...]" a line) to $2/list.  The UAPI
# headers come from the assembled tree ('make headers' into
# $BUILD/test/uapi); a change of the compiler command rebuilds everything.
build_kselftests() {
	local s=$1 out=$2 uapi=$BUILD/test/uapi d cc targets

	mkdir -p "$out/kselftest"
	make --no-print-directory -s -C "$BUILD/linux" O="$uapi" ARCH=x86 headers 2>&1 ||
		{ echo "installing the UAPI headers into $uapi failed"; return 1; }
	cc="$musl_gcc -static -D_GNU_SOURCE= -idirafter $uapi/usr/include"
	if [ "$(cat "$out/cc" 2>/dev/null)" != "$cc" ]; then
		rm -rf "${out:?}"/*
		mkdir -p "$out/kselftest"
	fi
	config_lines "$configs/$s.tests" | awk '$1 == "kselftest" {
		d = $2; sub(/\/[^\/]*$/, "", d); sub(/^.*\//, "", $2)
		$1 = ""; sub(/^ /, ""); print d, $0 }' >"$out/list.new"
	while read -r d _; do
		[ -f "$kselftest/$d/Makefile" ] ||
			{ echo "$configs/$s.tests: no selftests directory $d"; return 1; }
	done <"$out/list.new"
	for d in $(cut -d ' ' -f 1 "$out/list.new" | sort -u); do
		targets=$(awk -v d="$d" -v o="$out/$d" '$1 == d { print o "/" $2 }' "$out/list.new")
		mkdir -p "$out/$d"
		echo "  KSFT    $d:" $(awk -v d="$d" '$1 == d { print $2 }' "$out/list.new")
		# shellcheck disable=SC2086
		make --no-print-directory -s -C "$kselftest/$d" OUTPUT="$out/$d" CC="$cc" \
			KHDR_INCLUDES="-idirafter $uapi/usr/include" $targets 2>&1 ||
			{ echo "building the selftests of $d failed"; return 1; }
	done
	echo "$cc" >"$out/cc"
	cp -p "$kselftest/kselftest/runner.sh" "$out/kselftest/runner.sh"
	if cmp -s "$out/list.new" "$out/list"; then
		rm "$out/list.new"
	else
		mv "$out/list.new" "$out/list"
	fi
}

# The build directory of the kernel of scenario $1 (as the Makefile's KOBJ).
kobj_dir() {
	if [ "$(tests_value "$1" tree "")" = pristine ]; then
		echo "$BUILD/src/kernel/$1"
	else
		echo "$BUILD/kernel/$1"
	fi
}

# The value of the "$2" line of configs/$1.tests, or $3.
tests_value() {
	local v

	v=$(config_lines "$configs/$1.tests" | sed -n "s/^$2[[:space:]]\{1,\}//p" | tail -n 1)
	echo "${v:-$3}"
}

# Make the initramfs of boot $2 ("ukl PROG ...", "init PROG ...",
# "script PROG ...") of scenario $1 with the scenario's own gen_init_cpio;
# print its path.
build_initramfs() {
	local s=$1 kind prog dir=$BUILD/test/$1 kobj

	kobj=$(kobj_dir "$s")
	local name list cpio

	read -r kind prog _ <<<"$2"
	name=$kind${prog:+-$prog}
	list=$dir/initramfs-$name.list cpio=$dir/initramfs-$name.cpio
	if [ ! -x "$kobj/usr/gen_init_cpio" ]; then
		echo "$kobj/usr/gen_init_cpio is missing (CONFIG_BLK_DEV_INITRD?)" >&2
		return 1
	fi
	printf 'UKL test data\n' >"$dir/ukl-test.txt.new"
	cmp -s "$dir/ukl-test.txt.new" "$dir/ukl-test.txt" ||
		mv "$dir/ukl-test.txt.new" "$dir/ukl-test.txt"
	rm -f "$dir/ukl-test.txt.new"
	# The root file system of every UKL application (make run's), then
	# the test's files; an entry for a path that is there already is
	# left out.
	{
		grep -v -e '^#' -e '^$' "$REPO/scripts/ukl/rootfs.list" |
			sed "s|@ROOTFS@|$REPO/scripts/ukl/rootfs|g"
		cat <<EOF
file /etc/ukl-test.txt $dir/ukl-test.txt 0644 0 0
EOF
		config_lines "$configs/$s.tests" | awk -v dir="$dir" \
			'$1 == "file" { print "file /" $2 " " dir "/" $2 " 0755 0 0" }'
		case $kind in
		init)
			echo "file /init $dir/$prog 0755 0 0"
			;;
		script)
			echo "dir /bin 0755 0 0"
			echo "file /bin/busybox /bin/busybox 0755 0 0"
			echo "slink /bin/sh busybox 0777 0 0"
			echo "file /init $configs/$s.init 0755 0 0"
			echo "file /$prog $dir/$prog 0755 0 0"
			;;
		kselftest)
			echo "dir /bin 0755 0 0"
			echo "file /bin/busybox /bin/busybox 0755 0 0"
			echo "slink /bin/sh busybox 0777 0 0"
			echo "file /bin/exitstatus $dir/exitstatus 0755 0 0"
			echo "file /init $testdir/bin/kselftest-init.sh 0755 0 0"
			echo "dir /usr 0755 0 0"
			echo "dir /usr/bin 0755 0 0"
			echo "file /usr/bin/timeout $testdir/bin/kselftest-timeout 0755 0 0"
			echo "dir /kselftest 0755 0 0"
			echo "dir /kselftest/kselftest 0755 0 0"
			echo "file /kselftest/kselftest/runner.sh" \
				"$dir/kselftest/kselftest/runner.sh 0644 0 0"
			echo "file /kselftest/list $dir/kselftest/list 0644 0 0"
			awk '{
				n = split($1, p, "/"); d = ""
				for (i = 1; i <= n; i++) {
					d = d "/" p[i]
					print "dir /kselftest" d " 0755 0 0"
				}
			}' \
				"$dir/kselftest/list" | awk '!seen[$0]++'
			awk -v k="$dir/kselftest" '{
				f = $1 "/" $2
				print "file /kselftest/" f " " k "/" f " 0755 0 0"
			}' \
				"$dir/kselftest/list"
			;;
		esac
	} | awk '!seen[$2]++' >"$list.new"
	if cmp -s "$list.new" "$list"; then
		rm "$list.new"
	else
		mv "$list.new" "$list"
	fi
	# shellcheck disable=SC2046
	if stale "$cpio" "$list" "$kobj/usr/gen_init_cpio" \
		$(awk '$1 == "file" { print $3 }' "$list"); then
		echo "  CPIO    $cpio" >&2
		"$kobj/usr/gen_init_cpio" "$list" >"$cpio.new" ||
			{ echo "gen_init_cpio failed" >&2; return 1; }
		mv "$cpio.new" "$cpio"
	fi
	echo "$cpio"
}

# Everything scenario $1 needs to boot; false on failure.  The programs
# come before the kernel, which may link one of them in.  Leaves the
# seconds it took in t_prepare (the tree and musl, once a run), t_programs
# and t_kernel.
# Its output is also kept in $BUILD/test/build-$1.log, from which the
# list of what failed takes the first error.
prepared=
build_scenario() {
	local s=$1 t blog=$BUILD/test/build-$1.log

	t_prepare=0 t_programs=0 t_kernel=0
	mkdir -p "$BUILD/test"
	: >"$blog"
	t=$SECONDS
	if [ -z "$prepared" ]; then
		prepared=ok
		prepare 2>&1 | tee -a "$blog" | diag || prepared=failed
	fi
	t_prepare=$((SECONDS - t))
	[ "$prepared" = ok ] ||
		{ echo "cannot build $s: the tree or libc failed (see above)" | tee -a "$blog" | diag
		  return 1; }
	t=$SECONDS
	build_programs "$s" 2>&1 | tee -a "$blog" | diag || return 1
	t_programs=$((SECONDS - t)) t=$SECONDS
	echo "  MAKE    kernel SCENARIO=$s" | diag
	make --no-print-directory -C "$REPO" kernel SCENARIO="$s" 2>&1 | tee -a "$blog" | diag ||
		{ echo "building the kernel of $s failed" | tee -a "$blog" | diag; return 1; }
	t_kernel=$((SECONDS - t))
}

# The first line of build log $1 that tells an error, if any.
build_error() {
	grep -m 1 -aE '[Ee]rror[: ]|\*\*\*|: cannot |[Ff]ailed|[Nn]o such |not found|unknown ' "$1" 2>/dev/null |
		cut -c 1-200 || true
}

# "1h 02m 03s" for $1 seconds.
duration() {
	local t=$1

	if [ "$t" -ge 3600 ]; then
		printf '%dh %02dm %02ds' $((t / 3600)) $((t % 3600 / 60)) $((t % 60))
	elif [ "$t" -ge 60 ]; then
		printf '%dm %02ds' $((t / 60)) $((t % 60))
	else
		printf '%ds' "$t"
	fi
}

# A leading word of a boot line's ARGS that belongs on the kernel command
# line before "--": NAME=VALUE with an upper-case NAME (init's environment)
# or a module parameter MODULE.PARAM=VALUE (such as ukl.ret=1).
cmdline_word='([A-Z][A-Z0-9_]*|[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)=[^[:space:]]*'

# Split the ARGS of boot line $1 ("KIND PROGRAM ARGS...") into the words
# for the kernel command line (everything before a word "--", or else the
# leading cmdline_word ones) and init's arguments; print the first with
# $2 = env, the second with $2 = args.
boot_line_split() {
	local kind prog args= env= word

	read -r kind prog args <<<"$1"
	if [[ " $args " == *" -- "* ]]; then
		args=" $args "
		env=${args%% -- *} args=${args#* -- }
		env=${env# } args=${args% }
	else
		while [[ $args =~ ^($cmdline_word)([[:space:]]+|$) ]]; do
			word=${BASH_REMATCH[1]}
			env="$env${env:+ }$word"
			args=${args:${#BASH_REMATCH[0]}}
		done
	fi
	if [ "$2" = env ]; then echo "$env"; else echo "$args"; fi
}

# The name of boot line $1 in KTAP and log file names: its words joined
# by "-", without the "--".
boot_name() {
	local b=" $1 "

	b=${b// -- / }
	b=${b# } b=${b% }
	echo "${b// /-}"
}

# The init arguments of boot line $1.
boot_line_args() {
	boot_line_split "$1" args
}

# The words of boot line $1 for the kernel command line: boot-time
# choices, module parameters, and init's environment.
boot_line_env() {
	boot_line_split "$1" env
}

# ukl-run.sh arguments for boot $2 of scenario $1 with console log $3,
# one per line.
boot_args() {
	local s=$1 boot=$2 log=$3 append= cpio args= bargs env timeout word share

	cpio=$(build_initramfs "$s" "$boot" 2> >(diag >&2)) || return 1
	printf '%s\n' --kernel "$(kobj_dir "$s")/arch/x86/boot/bzImage" \
		--initrd "$cpio" --log "$log"
	[ ! -f "$configs/$s.boot" ] || append=$(config_lines "$configs/$s.boot" | tr '\n' ' ')
	! grep -qE '^kunit([[:space:]]|$)' < <(config_lines "$configs/$s.tests") ||
		append="$append kunit.enable=1"
	# make run boots the program as a user would, without test arguments.
	if [ -z "$run" ] && [ "$boot" != kselftest ]; then
		args=$(tests_value "$s" args "")
		bargs=$(boot_line_args "$boot")
		args=${args:+$args${bargs:+ }}$bargs
		env=$(boot_line_env "$boot")
		for word in $env; do
			case $word in
			qemu:*)	printf '%s\n' --qemu-arg "${word#qemu:}" ;;
			stall:*) printf '%s\n' --stall "${word#stall:}" ;;
			cpu:*)	printf '%s\n' --cpu "${word#cpu:}" ;;
			qmp:*)	[ -z "${qmp_sock:-}" ] && continue
				printf '%s\n' --qmp "$qmp_sock"
				append="$append UKL_TEST_QMP=${word#qmp:}" ;;
			disk)	disk_make "${log%.log}-disk.img" >/dev/null || return 1
				printf '%s\n' --disk "${log%.log}-disk.img"
				append="$append UKL_TEST_DISK=vda" ;;
			*)	append="$append $word" ;;
			esac
		done
		share=$(tests_value "$s" share "")
		if [ -n "$share" ]; then
			share_make "${log%.log}-share" || return 1
			printf '%s\n' --share "${log%.log}-share:$share"
			append="$append UKL_TEST_SHARE=$share UKL_TEST_SHARE_SIZE=$share_size"
		fi
	fi
	if [ -n "${hostnet_port:-}" ]; then
		printf '%s\n' --net-fwd "$hostnet_port:$(tests_value "$s" hostnet "")"
		append="$append UKL_TEST_HOSTNET=$(tests_value "$s" hostnet "")"
	fi
	[ -z "$args" ] || append="$append -- $args"
	[ -z "$append" ] || printf '%s\n' --append "$append"
	printf '%s\n' --smp "$(tests_value "$s" smp 1)"
	[ -z "$(tests_value "$s" numa "")" ] || printf '%s\n' --numa "$(tests_value "$s" numa "")"
	[ -z "$(tests_value "$s" mem "")" ] || printf '%s\n' --mem "$(tests_value "$s" mem "")"
	printf '%s\n' --machine "$(tests_value "$s" machine pc)"
	timeout=$(tests_value "$s" timeout "")
	[ -n "$timeout_set" ] || [ -z "$timeout" ] || printf '%s\n' --timeout "$timeout"
}

# "share DIR": a host directory of each boot shared with the guest on DIR
# (ukl-run.sh --share), with the file "in" of share_size bytes that
# core.c's host_share test reads (share_byte()); the test leaves it
# backwards in "out", which share_check checks after the boot.
share_size=300007
share_file() {
	python3 -c 'import sys
n = int(sys.argv[1])
b = bytes((i * 7 + i // 251) & 0xff for i in range(n))
sys.stdout.buffer.write(b[::-1] if sys.argv[2] == "out" else b)' "$share_size" "$1"
}

share_make() {
	rm -rf "$1" && mkdir -p "$1" && share_file in >"$1/in"
}

# Whether the guest left share directory $1 as core.c's test must.
share_check() {
	share_file out | cmp -s - "$1/out" && [ ! -e "$1/out.tmp" ] && [ ! -e "$1/sub" ]
}

# "disk": an empty ext2 image $1 for a boot, and the file that disk.c
# writes to it (disk_byte()), which disk_check reads back after the boot.
disk_file_size=$((256 * 1024 + 7))
disk_file() {
	python3 -c 'import sys
n = int(sys.argv[1])
sys.stdout.buffer.write(bytes((i * 13 + i // 509) & 0xff for i in range(n)))' "$disk_file_size"
}

disk_make() {
	local PATH=$PATH:/usr/sbin:/sbin

	if ! command -v mkfs.ext2 >/dev/null || ! command -v debugfs >/dev/null; then
		echo "$me: the boot word disk needs mkfs.ext2 and debugfs:" \
		     "apt-get install e2fsprogs" >&2
		return 1
	fi
	rm -f "$1" && truncate -s 16M "$1" && mkfs.ext2 -q -F "$1"
}

# Whether image $1 holds disk.c's file, whole.
disk_check() {
	local PATH=$PATH:/usr/sbin:/sbin

	debugfs -R "cat /ukl-disk-test" "$1" 2>/dev/null >"$1.file" &&
		disk_file | cmp -s - "$1.file"
}

# A TCP port on the host that nothing listens on now.
free_port() {
	python3 - <<-'EOF'
		import socket
		s = socket.socket()
		s.bind(("127.0.0.1", 0))
		print(s.getsockname()[1])
	EOF
}

# --- make run --------------------------------------------------------------

if [ -n "$run" ]; then
	build_scenario "$run" || die "cannot run $run"
	boot=$(grep -m 1 -vE '^(buildcheck|series|stdiocheck)$' "$BUILD/test/$run/boots") ||
		die "$run has nothing to boot"
	# The scenario's guest port, forwarded from the same host port.
	hostnet_port=$(tests_value "$run" hostnet "")
	mapfile -t args < <(boot_args "$run" "$boot" "$BUILD/test/$run/console-run.log")
	[ ${#args[@]} -gt 0 ] || die "cannot make the initramfs of $run"
	if [ -n "$gdb_port" ] &&
	   grep -q '^CONFIG_RANDOMIZE_BASE=y' "$(kobj_dir "$run")/.config"; then
		# Symbols match vmlinux only without KASLR.  (The kernel passes
		# the word to init as an argument too.)
		for i in "${!args[@]}"; do
			[ "${args[$i]}" != --append ] || args[i + 1]="nokaslr ${args[i + 1]}"
		done
		[[ " ${args[*]} " == *" nokaslr"* ]] || args+=(--append nokaslr)
	fi
	[ -z "$gdb_port" ] || run_args+=(--gdb="$gdb_port")
	exec "$testdir/bin/ukl-run.sh" "${args[@]}" ${run_args[@]+"${run_args[@]}"} --verbose
fi

# --- building only ---------------------------------------------------------

if [ -n "$build_only" ]; then
	for s in $scenarios; do
		build_scenario "$s" || die "building $s failed"
	done
	exit 0
fi

# --- make test -------------------------------------------------------------

# Print the results in kunit.py's JSON file $1 as KTAP subtests of a test
# named $3, indented by $2; write "PASSED FAILED SKIPPED", the counts of
# leaf test cases, to the file $4, and "name status" a leaf case to $5.
# The results in the JSON file $6, if given, become the subtest "kunit".
ktap_from_json() {
	python3 - "$@" <<'EOF'
import json, sys

counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
results = []

def emit(group, indent, name):
	"""Print group as a KTAP subtest; return whether all of it passed."""
	print(f"{indent}KTAP version 1")
	print(f"{indent}# Subtest: {name}")
	print(f"{indent}1..{len(group['sub_groups']) + len(group['test_cases'])}")
	all_ok = True
	n = 0
	for sub in group["sub_groups"]:
		n += 1
		ok = emit(sub, indent + "    ", sub["name"])
		all_ok = all_ok and ok
		print(f"{indent}{'ok' if ok else 'not ok'} {n} {sub['name']}")
	for case in group["test_cases"]:
		n += 1
		status = case["status"] if case["status"] in counts else "FAIL"
		counts[status] += 1
		results.append(f"{case['name'] or '(no result)'} {status}")
		if status == "FAIL":
			all_ok = False
		print(f"{indent}{'not ok' if status == 'FAIL' else 'ok'} {n} "
		      f"{case['name'] or '(no result)'}"
		      f"{' # SKIP' if status == 'SKIP' else ''}")
	return all_ok

with open(sys.argv[1]) as f:
	top = json.load(f)
if len(sys.argv) > 6 and sys.argv[6]:
	with open(sys.argv[6]) as f:
		top["sub_groups"].append(dict(json.load(f), name="kunit"))
emit(top, sys.argv[2], sys.argv[3])
with open(sys.argv[4], "w") as f:
	print(counts["PASS"], counts["FAIL"], counts["SKIP"], file=f)
with open(sys.argv[5], "w") as f:
	print("\n".join(results), file=f)
EOF
}

# Check one boot of scenario $1: $2 is the boot ("ukl PROG ...",
# "init PROG ...", "script PROG ...", "buildcheck"), $3 its number, $4 the
# indentation of its
# KTAP.  Prints its KTAP subtests; adds to pass and fail (leaf test cases)
# and to problems (what went wrong beyond failing test cases); leaves the
# "name status" list of its results in $dir/results-$3.
check_boot() {
	local s=$1 boot=$2 nb=$3 ind=$4 dir=$BUILD/test/$1 args start status=0 oops
	local hostclient= client= ktapsrc i suite cpio qmp_prog qmp_dir qmp_client kp
	local name want bp=0 bf=0 log kjson= np=${#problems[@]} left boot_timeout cut=

	name=$(boot_name "$boot")

	log=$dir/console-$nb-$name.log
	rm -f "$log" "$dir/results-$nb" "$dir/counts-$nb"
	start=$SECONDS
	if [ "$boot" = series ]; then
		# Started in the background by series_background, or now.
		[ -n "$series_pid" ] || series_background "$s" force
		want=0
		# Within the run's time budget, like the boots.
		# It must end with time left for the scenarios after it.
		while bg_running "$series_pid" &&
		      [ $((run_start + budget - SECONDS)) -gt 600 ]; do
			sleep 2
		done
		series_stop
		# Its status from the file: bash may have forgotten it.
		if status=$(bg_status "$series_status"); then
			:
		elif [ $((run_start + budget - SECONDS)) -le 600 ]; then
			problems+=("$name: stopped: $budget_spent")
			status=$want
		else
			status="unknown (no $series_status: a signal ended it?)"
		fi
		series_pid=
		cp "$series_log" "$log"
		start=$series_start
	elif [ "$boot" = buildcheck ]; then
		# The ring-3 suite, if the scenario builds one, for the boot
		# with the instruction class counter.
		suite=$dir/suite
		[ -f "$suite" ] || suite=
		"$testdir/bin/ukl-buildcheck.sh" "$BUILD/linux" "$(kobj_dir "$s")" "$BUILD/musl/ukl" \
			"$suite" "$BUILD/src/qemu-plugin" "$(kobj_dir REF)/arch/x86/boot/bzImage" \
			>"$log" 2>&1 || status=$?
		want=0
	elif [ "$boot" = stdiocheck ]; then
		cpio=$(build_initramfs "$s" "$(grep -m 1 '^ukl ' "$dir/boots")" 2> >(diag >&2)) &&
		"$testdir/bin/ukl-stdio-check.sh" "$(kobj_dir "$s")/arch/x86/boot/bzImage" "$cpio" \
			>"$log" 2>&1 || status=$?
		want=0
	else
		# The run's time budget: a boot gets at most what is left of
		# it, so that guests that hang until their timeouts cannot take
		# the run past a CI's limit before it prints what failed.
		left=$((run_start + budget - SECONDS))
		if [ "$left" -lt 60 ]; then
			problems+=("$name: not booted: $budget_spent")
			return 1
		fi
		boot_timeout=${timeout_set:-$(tests_value "$s" timeout 300)}
		if [ "$boot_timeout" = 0 ] || [ "$boot_timeout" -gt "$left" ]; then
			boot_timeout=$left
			cut=" after $left s, what was left of the run's time budget"
			cut+=" (UKL_TEST_BUDGET=$budget s)"
		fi
		hostnet_port= client= hostclient=$(tests_value "$s" hostclient "")
		[ -z "$(tests_value "$s" hostnet "")" ] || hostnet_port=$(free_port)
		# A qmp:PROGRAM word: the program, and QEMU's socket for it (in
		# /tmp: a unix socket's path has at most 107 bytes).
		qmp_prog=$(boot_line_env "$boot" | tr ' ' '\n' | sed -n 's/^qmp://p')
		qmp_dir= qmp_sock=
		[ -z "$qmp_prog" ] || qmp_dir=$(mktemp -d /tmp/ukl-qmp.XXXXXX)
		qmp_sock=${qmp_dir:+$qmp_dir/sock}
		if ! boot_args "$s" "$boot" "$log" >"$dir/args-$nb"; then
			problems+=("$name: cannot make its initramfs, share or disk")
			[ -z "$qmp_dir" ] || rm -rf "$qmp_dir"
			return 1
		fi
		mapfile -t args <"$dir/args-$nb"
		rm -f "$dir/hostclient-$nb.ktap"
		if [ -n "$qmp_prog" ]; then
			"$testdir/clients/$qmp_prog" "$qmp_sock" "$log" 600 \
				>"$dir/qmp-$nb.log" 2>&1 &
			qmp_client=$!
		fi
		if [ -n "$hostnet_port" ] && [ -n "$hostclient" ]; then
			# shellcheck disable=SC2046
			"$testdir/clients/$hostclient" "$hostnet_port" 600 $(boot_line_args "$boot") \
				>"$dir/hostclient-$nb.ktap" 2>"$dir/hostnet-$nb.log" &
			client=$!
		elif [ -n "$hostnet_port" ]; then
			"$testdir/clients/hostnet-client.py" "$hostnet_port" 600 \
				>"$dir/hostnet-$nb.log" 2>&1 &
			client=$!
		fi
		"$testdir/bin/ukl-run.sh" "${args[@]}" ${run_args[@]+"${run_args[@]}"} \
			--timeout "$boot_timeout" \
			>"$dir/run-$nb.log" 2>&1 || status=$?
		if [ -n "$client" ]; then
			# A hostclient reports after the guest's last answer:
			# let it finish, for 30 s at most.
			for ((i = 0; i < 150; i++)); do
				[ -n "$hostclient" ] && bg_running "$client" || break
				sleep 0.2
			done
			if bg_running "$client"; then
				kill "$client" 2>/dev/null || true
				wait "$client" 2>/dev/null || true
			fi
			[ -n "$hostclient" ] || diag <"$dir/hostnet-$nb.log"
		fi
		if [ -n "$qmp_prog" ]; then
			if bg_running "$qmp_client"; then
				kill "$qmp_client" 2>/dev/null || true
				wait "$qmp_client" 2>/dev/null || true
			fi
			rm -rf "$qmp_dir"
			diag <"$dir/qmp-$nb.log"
		fi
		want=$(tests_value "$s" status 0)
		[ "$boot" != kselftest ] || want=0
		diag <"$dir/run-$nb.log"
	fi
	echo "$s/$name: $((SECONDS - start))s, exit status $status" | diag

	# The programs' output without the kernel's messages (functions.sh).
	# A host client's KTAP stands for the console's.
	ktapsrc=$log made=
	case $boot in
	buildcheck|series|stdiocheck) made=--host ;;
	esac
	if [ -s "$dir/hostclient-$nb.ktap" ]; then
		ktapsrc=$dir/hostclient-$nb.ktap made=--host
	fi
	program_ktap_lines $made <"$ktapsrc" >"$dir/ktap-$nb.log" || true
	rm -f "$dir/results-$nb.json" "$dir/counts-$nb" "$dir/results-$nb"
	python3 "$kunit" parse --json="$dir/results-$nb.json" "$dir/ktap-$nb.log" \
		>"$dir/kunit-$nb.log" 2>&1 || true
	# What the guest says it wrote to the host share must be there.
	if [ -n "$(tests_value "$s" share "")" ] &&
	   grep -qaE '^\s*ok [0-9]+ host_share$' "$dir/ktap-$nb.log" &&
	   ! share_check "${log%.log}-share"; then
		problems+=("$name: ${log%.log}-share/out is not what core.c wrote")
	fi
	# The host must have had the answer of a guest that says it gave one
	# (hostnet-client.py's log).
	if [ -n "$(tests_value "$s" hostnet "")" ] && [ -z "$(tests_value "$s" hostclient "")" ] &&
	   grep -qaE '^\s*ok [0-9]+ tcp_server_reached_from_host$' "$dir/ktap-$nb.log" &&
	   ! grep -q ': answered$' "$dir/hostnet-$nb.log"; then
		problems+=("$name: tcp_server_reached_from_host passed, but the host got no answer ($dir/hostnet-$nb.log)")
	fi
	# What the guest wrote to its disk before it exited must be there;
	# a boot with a disk whose test did not pass (or was skipped) proves
	# nothing.
	if [[ " $(boot_line_env "$boot") " == *" disk "* ]]; then
		if ! grep -qaE '^\s*ok [0-9]+ disk_written_before_exit$' "$dir/ktap-$nb.log"; then
			problems+=("$name: disk.c's disk_written_before_exit did not pass")
		elif ! disk_check "${log%.log}-disk.img"; then
			problems+=("$name: the file disk.c wrote is not whole on ${log%.log}-disk.img")
		fi
	fi
	# "kunit": the kernel's own KTAP, from its messages.
	rm -f "$dir/kernel-results-$nb.json"
	if [ "$boot" != buildcheck ] && [ "$boot" != series ] && [ "$boot" != stdiocheck ] &&
	   grep -qE '^kunit([[:space:]]|$)' < <(config_lines "$configs/$s.tests"); then
		kernel_ktap_lines <"$log" >"$dir/kernel-$nb.log"
		python3 "$kunit" parse --json="$dir/kernel-results-$nb.json" "$dir/kernel-$nb.log" \
			>"$dir/kunit-kernel-$nb.log" 2>&1 || true
		if grep -qaE 'K?TAP version' "$dir/kernel-$nb.log" &&
		   [ -s "$dir/kernel-results-$nb.json" ]; then
			kjson=$dir/kernel-results-$nb.json
			# shellcheck disable=SC2046
			kp=$(kunit_problems "$kjson" $(tests_value "$s" kunit "") 2>&1) ||
				kp="kunit_problems failed on $kjson: $kp"
			while IFS= read -r i; do
				[ -z "$i" ] || problems+=("$name: $i")
			done <<<"$kp"
		else
			problems+=("$name: no KUnit KTAP from the kernel (log: $log)")
		fi
	fi
	if grep -qaE '^\s*K?TAP version' "$dir/ktap-$nb.log" && [ -s "$dir/results-$nb.json" ]; then
		ktap_from_json "$dir/results-$nb.json" "$ind" "$name" "$dir/counts-$nb" \
			"$dir/results-$nb" "$kjson"
		read -r bp bf _ <"$dir/counts-$nb"
		[ $((bp + bf)) != 0 ] || problems+=("$name: no test results in its KTAP output")
		while IFS= read -r i; do
			failed_cases+=("$s/$name: ${i% FAIL}")
		done < <(awk '$NF == "FAIL"' "$dir/results-$nb")
		# kunit.py's summary shows what the failing tests printed.
		[ "$bf" = 0 ] || sed -e 's/^\[[0-9:]*\] //' -e '/^\[PASSED\]/d' \
			-e '/^====*$/d' -e '/^Test results stored/d' "$dir/kunit-$nb.log" \
			${kjson:+"$dir/kunit-kernel-$nb.log"} | diag
	else
		problems+=("$name: no KTAP output (log: $log)")
	fi
	pass=$((pass + bp))
	fail=$((fail + bf))

	case $status in
	"$want") ;;
	124) problems+=("$name: timed out$cut") ;;
	125) problems+=("$name: the guest stopped without reporting an exit status") ;;
	126) problems+=("$name: QEMU failed") ;;
	123) ;;	# ukl-run.sh saw a splat, reported below
	*)
		# A failing test case explains a failing exit status.
		[ "$bf" != 0 ] || problems+=("$name: exit status $status, expected $want")
		;;
	esac
	# Any splat fails the boot, even if the program passed: warnings,
	# lockdep and sanitizer reports, RCU stalls, lockups, crashes.  The
	# build checks and the series check have no kernel console.
	oops=
	case $boot in buildcheck|series) ;;
	*) oops=$(tr -d '\r' <"$log" | grep -aE -m 1 "$splats" || true) ;;
	esac
	[ -z "$oops" ] ||
		problems+=("$name: the kernel reported: ${oops#*\] }$(splat_report "$log")")
	# Only this boot's problems make it fail, not an earlier boot's.
	[ ${#problems[@]} = "$np" ] && [ "$bf" = 0 ]
}

# Console lines that fail a boot whatever its programs reported: the
# ones ukl-run.sh fails a boot for.
splats=$("$testdir/bin/ukl-run.sh" --splats)

# The first report on console log $1, each line after a newline, without
# timestamps: the lines after the one that matched $splats, to the end of
# the report or at most 60.  A CI keeps the output, not the logs.
splat_report() {
	tr -d '\r' <"$1" | grep -aE -A 60 -m 1 "$splats" | tail -n +2 |
		sed 's/^\[ *[0-9.]*\] //' |
		awk '{ print ""; printf "%s", $0 }
		     /^==========+$|^---\[ end trace/ { exit }'
}

# The series check builds kernels and boots one, under -icount, which a
# niced guest needs (check-series.sh).  When a scenario of the
# run lists it, it starts, niced, as the boots of the first scenario built
# from the patched tree ($1) start, or with $2 = force at once, so that
# it gets the CPU time that the boots of that scenario and the later ones
# leave idle; check_boot waits for it in its place in the list.
series_pid= series_started= series_log=$BUILD/test/series.log
series_status=$BUILD/test/series.status
series_background() {
	local s

	[ -z "$series_started" ] || return 0
	if [ "${2:-}" != force ]; then
		[ "$(tests_value "$1" tree "")" != pristine ] || return 0
		for s in $scenarios; do
			grep -qx series <(config_lines "$configs/$s.tests") && break
		done || return 0
	fi
	series_started=1 series_start=$SECONDS
	mkdir -p "$(dirname "$series_log")"
	# A session of its own, which series_stop can end whole.
	bg_start "$series_status" nice -n 19 make --no-print-directory -C "$REPO" \
		check-series >"$series_log" 2>&1
	series_pid=$!
}

# The series check ends with the run, when the scenario that waits for it
# failed to build or the run was interrupted: a later run would reset
# the tree that it builds in.
series_stop() {
	[ -n "$series_pid" ] && bg_running "$series_pid" || return 0
	kill -TERM -- "-$series_pid" 2>/dev/null || return 0
	sleep 5
	kill -KILL -- "-$series_pid" 2>/dev/null || true
}
trap series_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Boot scenario $1 once per boot it lists, check each, and compare the
# results of its program boots with the same arguments: they must be the
# same.
check_scenario() {
	local s=$1 dir=$BUILD/test/$1 boots nb=0 first ok key ok_to_compare diff
	local -A firsts=()

	mapfile -t boots <"$dir/boots"
	series_background "$s"
	echo "    KTAP version 1"
	echo "    # Subtest: $s"
	echo "    1..${#boots[@]}"
	for boot in "${boots[@]}"; do
		nb=$((nb + 1))
		ok=ok
		check_boot "$s" "$boot" "$nb" "        " || ok="not ok"
		case $boot in
		buildcheck|series|stdiocheck|kselftest) ok_to_compare= ;;
		*) ok_to_compare=1 ;;
		esac
		if [ -n "$ok_to_compare" ] && [ -f "$dir/results-$nb" ]; then
			read -r _ key _ <<<"$boot"
			key="$key args:$(boot_line_args "$boot")"
			first=${firsts[$key]:-}
			if [ -z "$first" ]; then
				firsts[$key]=$nb
			elif ! diff=$(results_diff "$dir/results-$first" "$dir/results-$nb") ||
			     [ -n "$diff" ]; then
				problems+=("$(boot_name "$boot"): results differ from boot $first: $diff")
				ok="not ok"
			fi
		fi
		echo "    $ok $nb $(boot_name "$boot")"
	done
}

budget=${UKL_TEST_BUDGET:-4800}
[[ $budget =~ ^[1-9][0-9]*$ ]] || die "UKL_TEST_BUDGET wants seconds, not '$budget'"
budget_spent="the run's time budget (UKL_TEST_BUDGET=$budget s) is spent"
nscen=$(echo "$scenarios" | wc -w)
echo "KTAP version 1"
echo "1..$nscen"
total_pass=0 total_fail=0 i=0 run_start=$SECONDS failed_problems=() failed_cases=()
sum_build=0 sum_boot=0
for s in $scenarios; do
	i=$((i + 1))
	pass=0 fail=0 problems=()
	t_build=$SECONDS t_kernel=0 t_programs=0 t_prepare=0
	if [ $((run_start + budget - SECONDS)) -lt 300 ]; then
		# Not even a build: it would take the time the summary needs.
		problems+=("not built: $budget_spent")
		t_build=0 t_boot=0
	elif build_scenario "$s"; then
		t_build=$((SECONDS - t_build)) t_boot=$SECONDS
		check_scenario "$s"
		t_boot=$((SECONDS - t_boot))
	else
		t_build=$((SECONDS - t_build)) t_boot=0
		problems+=("the build failed: $(build_error "$BUILD/test/build-$s.log") (see above)")
	fi
	sum_build=$((sum_build + t_build)) sum_boot=$((sum_boot + t_boot))
	# What the scenario cost: its kernel configuration's build (a relink
	# when another scenario built the same configuration), and its boots
	# and checks (the series check builds kernels too).
	cost="kernel $(kobj_dir "$s" | sed "s|^$BUILD/||") $(duration "$t_kernel")"
	cost="$cost, programs $(duration "$t_programs")"
	[ "$t_prepare" = 0 ] || cost="$cost, tree and libc $(duration "$t_prepare")"
	echo "# $s: build $(duration "$t_build") ($cost), boots $(duration "$t_boot")"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ ${#problems[@]} -gt 0 ]; then
		total_fail=$((total_fail + 1))
		for p in "${problems[@]}"; do
			failed_problems+=("$s: ${p%%$'\n'*}")
			printf '%s\n' "$p" | awk -v s="$s" 'NR == 1 { print "# " s ": " $0; next }
							   { print "#   " $0 }'
		done
	fi
	if [ ${#problems[@]} -gt 0 ] || [ "$fail" != 0 ]; then
		echo "# $s: logs in $BUILD/test/$s/"
		echo "not ok $i $s"
	else
		echo "ok $i $s"
	fi
done
echo "# total: $(duration $((SECONDS - run_start))) (builds $(duration "$sum_build")," \
     "boots and checks $(duration "$sum_boot"))"
# A CI may show only the end of the output: what failed, once more, there.
# The boots' problems first (splats, timeouts, builds), then test cases.
failed_summary ${failed_problems[@]+"${failed_problems[@]}"} \
	${failed_cases[@]+"${failed_cases[@]}"}
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
