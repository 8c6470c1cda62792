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
# configs/NAME.tests has one line per test program:
#
#	init PROGRAM	tools/testing/ukl/PROGRAM.c, linked statically with
#			the user-mode musl, runs as /init from the initramfs
#
# Environment: REPO and BUILD (set by the top-level Makefile; default: the
# repository this script is in and its build/), UKL_MUSL_GCC (compiler for
# the test programs; default $BUILD/musl/user/bin/musl-gcc, built by
# scripts/ukl-dev/musl.sh, which is not run when UKL_MUSL_GCC is set).

set -euo pipefail

me=ukl-test
testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${REPO:=$(cd "$testdir/../../.." && pwd)}"
: "${BUILD:=$REPO/build}"
# Absolute: kunit.py changes directory.
BUILD=$(realpath -m "$BUILD")
export REPO BUILD
configs=$testdir/configs

usage() {
	cat <<EOF
Usage: ukl-test.sh [--scenarios "A B"] [--smp N] [--timeout S]
       ukl-test.sh --run SCENARIO [--smp N] [--timeout S]

Without --run, build and boot every scenario of configs/CFLIST (or those
given with --scenarios), print the results as KTAP and a last line
"N passed, M failed"; exit 0 when nothing failed.  Output of each scenario
is kept in \$BUILD/test/SCENARIO/ (console.log, run.log, kunit.log, ...).

  --run SCENARIO     build SCENARIO and boot it once with its console on
                     stdout; exit with the status of its program
  --scenarios "A B"  the scenarios to test instead of configs/CFLIST
  --smp N            CPUs of each guest (default: ukl-run.sh's, 1)
  --timeout S        seconds a guest may run (default: ukl-run.sh's, 300)
  -h, --help         show this text
EOF
}

die() {
	echo "$me: error: $*" >&2
	exit 2
}

run= scenarios= run_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--run|--scenarios|--smp|--timeout)
		[ $# -ge 2 ] || die "$1 needs a value (see --help)"
		case $1 in
		--run)		run=$2 ;;
		--scenarios)	scenarios=$2 ;;
		--smp)		run_args+=(--smp "$2") ;;
		--timeout)	run_args+=(--timeout "$2") ;;
		esac
		shift 2
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

# Compile tools/testing/ukl/$2.c to $1/$2 unless that is up to date: the
# command line is the one of last time and no file that the compiler
# (-MD) or the linker (--dependency-file) read is newer.
build_program() {
	local dir=$1 prog=$2 src=$testdir/$2.c out=$1/$2 cmd deps

	[ -f "$src" ] || { echo "test program $src does not exist"; return 1; }
	cmd=("$musl_gcc" -static -Os -Wall -I"$kselftest" -I"$testdir"
	     -MD -MF "$out.d" -Wl,--dependency-file="$out.ld.d" -o "$out" "$src")
	if [ -f "$out.cmd" ] && [ "$(cat "$out.cmd")" = "${cmd[*]}" ] &&
	   [ -f "$out.d" ] && [ -f "$out.ld.d" ]; then
		deps=$(sed -e 's/^[^:]*://' -e 's/\\$//' "$out.d" "$out.ld.d")
		# shellcheck disable=SC2086
		stale "$out" $deps "$musl_gcc" || return 0
	fi
	echo "  CC      $out"
	rm -f "$out.cmd"
	"${cmd[@]}" 2>&1 || { echo "compiling $src failed"; return 1; }
	echo "${cmd[*]}" >"$out.cmd"
}

# Build the programs of configs/$1.tests into $BUILD/test/$1.
build_programs() {
	local s=$1 dir=$BUILD/test/$1 kind prog init=

	mkdir -p "$dir"
	while read -r kind prog; do
		case $kind in
		init)
			[ -z "$init" ] || { echo "$s.tests names two init programs"; return 1; }
			build_program "$dir" "$prog" || return 1
			init=$prog
			;;
		*)
			echo "$configs/$s.tests: unknown kind of test '$kind'"
			return 1
			;;
		esac
	done < <(config_lines "$configs/$s.tests")
	[ -n "$init" ] || { echo "$s.tests names no init program"; return 1; }
	echo "$init" >"$dir/init"
}

# Make $BUILD/test/$1/initramfs.cpio with the scenario's own gen_init_cpio.
build_initramfs() {
	local s=$1 dir=$BUILD/test/$1 kobj=$BUILD/kernel/$1
	local list=$BUILD/test/$1/initramfs.list cpio=$BUILD/test/$1/initramfs.cpio

	[ -x "$kobj/usr/gen_init_cpio" ] ||
		{ echo "$kobj/usr/gen_init_cpio is missing (CONFIG_BLK_DEV_INITRD?)"; return 1; }
	cat >"$list.new" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /tmp 1777 0 0
file /init $dir/$(cat "$dir/init") 0755 0 0
EOF
	if cmp -s "$list.new" "$list"; then
		rm "$list.new"
	else
		mv "$list.new" "$list"
	fi
	# shellcheck disable=SC2046
	if stale "$cpio" "$list" "$kobj/usr/gen_init_cpio" $(awk '$1 == "file" { print $3 }' "$list"); then
		echo "  CPIO    $cpio"
		"$kobj/usr/gen_init_cpio" "$list" >"$cpio.new" ||
			{ echo "gen_init_cpio failed"; return 1; }
		mv "$cpio.new" "$cpio"
	fi
}

# Everything scenario $1 needs to boot; false on failure.  The programs
# come before the kernel, which may link one of them in.
prepared=
build_scenario() {
	local s=$1

	if [ -z "$prepared" ]; then
		prepared=ok
		prepare 2>&1 | diag || prepared=failed
	fi
	[ "$prepared" = ok ] || { echo "cannot build $s (see above)" | diag; return 1; }
	build_programs "$s" 2>&1 | diag || return 1
	echo "  MAKE    kernel SCENARIO=$s" | diag
	make --no-print-directory -C "$REPO" kernel SCENARIO="$s" 2>&1 | diag ||
		{ echo "building the kernel of $s failed" | diag; return 1; }
	build_initramfs "$s" 2>&1 | diag
}

# ukl-run.sh arguments for booting scenario $1, one per line.
boot_args() {
	local s=$1 dir=$BUILD/test/$1

	printf '%s\n' --kernel "$BUILD/kernel/$s/arch/x86/boot/bzImage" \
		--initrd "$dir/initramfs.cpio" --log "$dir/console.log"
	if [ -f "$configs/$s.boot" ]; then
		printf '%s\n' --append "$(config_lines "$configs/$s.boot" | tr '\n' ' ')"
	fi
}

# --- make run --------------------------------------------------------------

if [ -n "$run" ]; then
	build_scenario "$run" || die "cannot run $run"
	mapfile -t args < <(boot_args "$run")
	exec "$testdir/ukl-run.sh" "${args[@]}" ${run_args[@]+"${run_args[@]}"} --verbose
fi

# --- make test -------------------------------------------------------------

# Print the results in kunit.py's JSON file $1 as KTAP subtests of a test
# named $3, indented by $2; write "PASSED FAILED SKIPPED", the counts of
# leaf test cases, to the file $4.
ktap_from_json() {
	python3 - "$@" <<'EOF'
import json, sys

counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

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
		if status == "FAIL":
			all_ok = False
		print(f"{indent}{'not ok' if status == 'FAIL' else 'ok'} {n} "
		      f"{case['name'] or '(no result)'}"
		      f"{' # SKIP' if status == 'SKIP' else ''}")
	return all_ok

with open(sys.argv[1]) as f:
	emit(json.load(f), sys.argv[2], sys.argv[3])
with open(sys.argv[4], "w") as f:
	print(counts["PASS"], counts["FAIL"], counts["SKIP"], file=f)
EOF
}

# Boot scenario $1 and check its results: print its KTAP subtests and set
# pass, fail (leaf test cases) and problems (what went wrong beyond failing
# test cases).
check_scenario() {
	local s=$1 dir=$BUILD/test/$1 args start status=0 oops

	mapfile -t args < <(boot_args "$s")
	start=$SECONDS
	"$testdir/ukl-run.sh" "${args[@]}" ${run_args[@]+"${run_args[@]}"} \
		>"$dir/run.log" 2>&1 || status=$?
	echo "$s: booted in $((SECONDS - start))s, exit status $status" | diag
	diag <"$dir/run.log"

	# The programs' output without the kernel's (timestamped) messages
	# that may come in between.
	tr -d '\r' <"$dir/console.log" |
		grep -avE '^\[ *[0-9]+\.[0-9]+\] ' >"$dir/ktap.log" || true
	rm -f "$dir/results.json" "$dir/counts"
	python3 "$kunit" parse --json="$dir/results.json" "$dir/ktap.log" \
		>"$dir/kunit.log" 2>&1 || true
	if grep -qaE '^\s*K?TAP version' "$dir/ktap.log" && [ -s "$dir/results.json" ]; then
		ktap_from_json "$dir/results.json" "    " "$s" "$dir/counts"
		read -r pass fail _ <"$dir/counts"
		[ $((pass + fail)) != 0 ] || problems+=("no test results in its KTAP output")
		# kunit.py's summary shows what the failing tests printed.
		[ "$fail" = 0 ] || sed -e 's/^\[[0-9:]*\] //' -e '/^\[PASSED\]/d' \
			-e '/^====*$/d' -e '/^Test results stored/d' "$dir/kunit.log" | diag
	else
		problems+=("no KTAP output on the console")
	fi

	case $status in
	0) ;;
	124) problems+=("timed out") ;;
	125) problems+=("the guest stopped without reporting an exit status") ;;
	126) problems+=("QEMU failed") ;;
	*)
		# A failing test case explains a failing exit status.
		[ "$fail" != 0 ] || problems+=("the test program exited with status $status")
		;;
	esac
	oops=$(tr -d '\r' <"$dir/console.log" | grep -aE -m 1 'Kernel panic|BUG:|Oops' || true)
	[ -z "$oops" ] || problems+=("the kernel crashed: ${oops#*\] }")
}

nscen=$(echo "$scenarios" | wc -w)
echo "KTAP version 1"
echo "1..$nscen"
total_pass=0 total_fail=0 i=0
for s in $scenarios; do
	i=$((i + 1))
	pass=0 fail=0 problems=() booted=
	if build_scenario "$s"; then
		check_scenario "$s"
		booted=1
	else
		problems+=("the build failed (see above)")
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ ${#problems[@]} -gt 0 ]; then
		total_fail=$((total_fail + 1))
		for p in "${problems[@]}"; do
			echo "# $s: $p"
		done
	fi
	if [ ${#problems[@]} -gt 0 ] || [ "$fail" != 0 ]; then
		[ -z "$booted" ] || echo "# $s: console log: $BUILD/test/$s/console.log"
		echo "not ok $i $s"
	else
		echo "ok $i $s"
	fi
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
