#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build-time checks of UKL, printed as KTAP: what must stop a build does
# stop it, with a message that says what to fix (an application return
# that bypasses the kernel's return thunk, an objtool warning on the
# kernel), and the ukl-gcc wrapper
# builds an ordinary project (two files, a static library, its own
# Makefile) and refuses what cannot work; ukl-mkapp --nolibc builds a
# nolibc program with the UKL entry, and not without NOLIBC_UKL; and ukl-run.sh, which make run
# uses, fails a boot whose console shows a kernel splat, whatever the
# program's exit status (a stand-in for QEMU prints the console).
#
# The ring-0 vDSO's object has all its code in the application's text.
#
# The instruction class counter of make bench (insn-classes/): its decoder
# agrees with objdump on its test cases and on every instruction of KOBJ's
# vmlinux; the QEMU plugin builds; and, in a boot of KOBJ under -icount
# with the plugin, the ring-3 suite's getppid() and read() execute a
# SYSCALL and a SYSRET each, the application's none at any level, and its
# getppid() at the direct level is a leaf call (ukl-insn-check.py).
#
# What ordinary processes pay: the ring-3 suite as init, on KOBJ and on
# the unpatched kernel of the same configuration, takes as many guest
# instructions for system calls and page faults (ukl-cost-check.py).
#
# Usage: ukl-buildcheck.sh KTREE KOBJ LIBC [SUITE QEMU_PLUGIN_INC [UNPATCHED]]
#
#   KTREE  the assembled kernel tree
#   KOBJ   a configured and built kernel with CONFIG_UNIKERNEL_LINUX=y
#   LIBC   the ring-0 musl (scripts/ukl-dev/musl.sh installs BUILD/musl/ukl)
#   SUITE  the ring-3 build of the suite (suite.c with the bench area), when
#          KOBJ's application is the suite; without it, the boot is skipped
#   QEMU_PLUGIN_INC  the directory of qemu/qemu-plugin.h (BUILD/src/qemu-plugin)
#   UNPATCHED  the bzImage of KOBJ's configuration without UKL (the REF
#          scenario's); without it, the comparison is skipped

set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
ktree=$1 kobj=$2 libc=$3 suite=${4:-} qemu_inc=${5:-} unpatched=${6:-}
[ -z "$qemu_inc" ] || qemu_inc=$(realpath -m "$qemu_inc")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

echo "KTAP version 1"
echo "1..70"

# result NAME STATUS(0 = pass) [DIAGNOSTIC]
result() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
	else
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
		echo "not ok $n $1"
		failed=$((failed + 1))
	fi
}

# expect_fail NAME PATTERN CMD...: CMD must fail and print PATTERN.
expect_fail() {
	local name=$1 pattern=$2 out
	shift 2

	if out=$("$@" 2>&1); then
		result "$name" 1 "succeeded, but must fail: $*"
	elif ! grep -qE -- "$pattern" <<<"$out"; then
		result "$name" 1 "failed without saying /$pattern/: $out"
	else
		result "$name" 0
	fi
}

# The makes below must not see the BUILD of the make test that runs this,
# which distclean would remove: not in the environment (functions.sh
# exports it), nor in MAKEFLAGS, through which make passes a BUILD=
# given on its command line.
own_make() {
	env -u BUILD -u O -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}
# The same with the caller's BUILD in the environment.
own_make_env() {
	env -u O -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}

# The runner's comparison of two boots' results (functions.sh), which
# must report what passed in one boot and not in the other, and nothing
# when they agree.
me=ukl-buildcheck
. "$(dirname "${BASH_SOURCE[0]}")/functions.sh"
printf '%s\n' 'a PASS' 'b PASS' 'c SKIP' 'd PASS' >"$tmp/results-1"
printf '%s\n' 'a PASS' 'b SKIP' 'd FAIL' >"$tmp/results-2"
out=$(results_diff "$tmp/results-1" "$tmp/results-2")
status=$?
[ "$status" = 0 ] && [ "$out" = "< b PASS < c SKIP > b SKIP " ]
result results_diff_reports_difference $? "status $status, output '$out'"
out=$(results_diff "$tmp/results-1" "$tmp/results-1")
status=$?
[ "$status" = 0 ] && [ -z "$out" ]
result results_diff_same_results $? "status $status, output '$out'"
# The list of what failed at the end of make test: under set -e and
# pipefail, as in ukl-test.sh, a long one must not end the runner before
# its last line (a SIGPIPE of a pipe into "head").
mapfile -t lines < <(seq -f "UKL/boot: test_%g $(printf 'x%.0s' {1..200})" 3000)
out=$(set -euo pipefail; failed_summary "${lines[@]}"; echo end)
status=$?
[ "$status" = 0 ] && [ "$(tail -n 2 <<<"$out")" = "#   ... and 2960 more
end" ] && [ "$(grep -c '^#   UKL' <<<"$out")" = 40 ]
result failed_summary_long_list $? "status $status, output ends: $(tail -n 3 <<<"$out")"
# The kernel's KTAP from its console (functions.sh), for kunit.py: a
# message of the kernel between the lines of a subtest must not lose it.
cat > "$tmp/console.log" <<'EOF'
[   12.100000] KTAP version 1
[   12.100001] 1..2
[   12.100002]     KTAP version 1
[   12.100003]     # Subtest: ukl_layout
[   12.100004]     1..1
[   12.100005]     ok 1 ukl_layout_test
[   12.100006] ok 1 ukl_layout
[   12.325317]     KTAP version 1
[   12.325703]     # Subtest: ukl_binfmt
[   12.326367]     1..2
[   12.327033]         KTAP version 1
[   12.329455] input: ImExPS/2 Generic Explorer Mouse as /devices/platform/i8042/serio1/input/input2
[   12.327419]         # Subtest: ukl_binfmt_phdrs_test
[   12.347158]         ok 1 typical
[   12.371542]         ok 2 misaligned_tls
[   12.439056]     # ukl_binfmt_phdrs_test: pass:2 fail:0 skip:0 total:2
[   12.441440]     ok 1 ukl_binfmt_phdrs_test
[   12.450528]     ok 2 ukl_binfmt_auxv_test
[   12.654638] # ukl_binfmt: pass:2 fail:0 skip:0 total:2
[   12.657259] ok 2 ukl_binfmt
[   12.700000] Run /ukl as init process
EOF
kernel_ktap_lines <"$tmp/console.log" >"$tmp/kernel.log"
out=$(python3 "$ktree/tools/testing/kunit/kunit.py" parse --json="$tmp/kernel.json" \
	"$tmp/kernel.log" 2>&1)
grep -q 'Ran 4 tests: passed: 4$' <<<"$out" && ! grep -q ERROR <<<"$out"
result kernel_ktap_lines_keep_subtests $? "$(grep -E 'ERROR|Testing complete' <<<"$out")"
# The programs' KTAP from the console (functions.sh): a kernel message in
# the middle of a program's line must not cut it in two (a PS/2 probe
# that printed in "ok 1 cpl" lost the line and shifted every number).
printf '%s\n' 'Booting from ROM...' 'c[    0.000000] Linux version 6.12' \
	'KTAP version 1' '1..3' \
	'    o[    3.390967] input: ImExPS/2 Generic Explorer Mouse as /devices/platform/i8042/serio1/input/input2' \
	'k 1 cpl' '[    3.461860] input: AT Translated Set 2 keyboard' \
	'ok 2 # SKIP two[    3.500000] clocksource: Switched to clocksource tsc' '' \
	'not ok 3 th[    3.600000] first' '[    3.600001] second' 'ree' \
	'# # [    3.700000] a kernel line quoted' 'ok 4 four' \
	'    # Subtest: co[    3.800000] input: a mouse' 're' \
	'    # [    3.900000] input: a keyboard' 'Subtest: mem' >"$tmp/console.log"
out=$(program_ktap_lines <"$tmp/console.log")
want=$(printf '%s\n' 'Booting from ROM...' 'c' 'KTAP version 1' '1..3' '    ok 1 cpl' \
	'ok 2 two # SKIP' 'not ok 3 three' '# # ' 'ok 4 four' '    # Subtest: core' \
	'    # Subtest: mem')
# KTAP made on the host (stdiocheck's quotes two consoles) stays as it is.
host=$(printf '%s\n' '# # [    1.000000] Linux' 'ok 1 a # SKIP' | program_ktap_lines --host)
[ "$out" = "$want" ] && [ "$host" = "$(printf '%s\n' '# # [    1.000000] Linux' 'ok 1 a # SKIP')" ]
result program_ktap_lines_join_cut_lines $? "output: $out, with --host: $host"
# The suites a .tests file's "kunit" line names must have run, and a case
# may be skipped only where the line allows it (functions.sh): a kernel
# whose KUnit tests are not built in prints "KTAP version 1" all the same.
sed -i 's/ok 2 ukl_binfmt_auxv_test$/ok 2 ukl_binfmt_auxv_test # SKIP no auxv/' "$tmp/kernel.log"
python3 "$ktree/tools/testing/kunit/kunit.py" parse --json="$tmp/kernel.json" \
	"$tmp/kernel.log" >/dev/null 2>&1
out=$(kunit_problems "$tmp/kernel.json" ukl_layout ukl_binfmt ukl_mode 2>&1)
want="KUnit suite ukl_mode did not run
KUnit case ukl_binfmt.ukl_binfmt_auxv_test was skipped: no skip:ukl_binfmt_auxv_test on the kunit line allows it"
[ "$out" = "$want" ]
result kunit_problems_missing_suite_and_skip $? "$out"
out=$(kunit_problems "$tmp/kernel.json" ukl_layout ukl_binfmt skip:ukl_binfmt_auxv_test 2>&1)
[ -z "$out" ]
result kunit_problems_allowed_skip $? "$out"
# A suite that ran no case ("1..0", which kunit.py makes a skipped case).
printf '%s\n' "KTAP version 1" "1..1" "    KTAP version 1" "    # Subtest: ukl_mode" \
	"    1..0" "ok 1 ukl_mode # SKIP" >"$tmp/kernel.log"
python3 "$ktree/tools/testing/kunit/kunit.py" parse --json="$tmp/kernel.json" \
	"$tmp/kernel.log" >/dev/null 2>&1
out=$(kunit_problems "$tmp/kernel.json" ukl_mode 2>&1)
[ "$out" = "KUnit suite ukl_mode ran no test case" ]
result kunit_problems_empty_suite $? "$out"
# ... nor what a failed expectation printed under its "#" line: the
# values of its operands, which the runner shows when it fails.
cat > "$tmp/console.log" <<'EOF'
[   12.100000] KTAP version 1
[   12.100001] 1..1
[   12.100002]     KTAP version 1
[   12.100003]     # Subtest: ukl_layout
[   12.100004]     1..1
[   12.100005]     # ukl_layout_test: EXPECTATION FAILED at lib/ukl/layout_kunit.c:42
[   12.100006]     Expected end == start + size, but
[   12.100007]         end == 4096 (0x1000)
[   12.100008]         start + size == 8192 (0x2000)
[   12.100009] input: ImExPS/2 Generic Explorer Mouse as /devices/platform/i8042/serio1/input/input2
[   12.100010]     not ok 1 ukl_layout_test
[   12.100011] not ok 1 ukl_layout
EOF
kernel_ktap_lines <"$tmp/console.log" >"$tmp/kernel.log"
out=$(python3 "$ktree/tools/testing/kunit/kunit.py" parse "$tmp/kernel.log" 2>&1)
grep -q 'Ran 1 tests: failed: 1$' <<<"$out" &&
	grep -q 'start + size == 8192 (0x2000)$' <<<"$out" && ! grep -q ERROR <<<"$out"
result kernel_ktap_lines_keep_failure_values $? "$out"

# make tree keeps an edit made in the assembled tree: it stops and names
# the file rather than overwrite it with the repository's (assemble.sh);
# once the edit is in the repository, it goes on.
mkdir -p "$tmp/asm/pristine" "$tmp/asm/repo/kernel"
echo upstream >"$tmp/asm/pristine/a.c"
echo ours >"$tmp/asm/repo/kernel/x.c"
: >"$tmp/asm/repo/series"
assemble=$repo/scripts/ukl-dev/assemble.sh
out=$("$assemble" "$tmp/asm/pristine" "$tmp/asm/tree" "$tmp/asm/repo" \
	"$tmp/asm/repo/series" kernel 2>&1) &&
	echo "an edit" >>"$tmp/asm/tree/kernel/x.c" &&
	echo "ours, changed" >"$tmp/asm/repo/kernel/x.c" &&
	! out=$("$assemble" "$tmp/asm/pristine" "$tmp/asm/tree" "$tmp/asm/repo" \
		"$tmp/asm/repo/series" kernel 2>&1) &&
	grep -q "^  kernel/x.c$" <<<"$out" && grep -q "an edit" "$tmp/asm/tree/kernel/x.c" &&
	rm "$tmp/asm/tree/kernel/x.c" &&
	out=$("$assemble" "$tmp/asm/pristine" "$tmp/asm/tree" "$tmp/asm/repo" \
		"$tmp/asm/repo/series" kernel 2>&1) &&
	[ "$(cat "$tmp/asm/tree/kernel/x.c")" = "ours, changed" ] &&
	echo "edited, then moved" >"$tmp/asm/tree/kernel/x.c" &&
	cp "$tmp/asm/tree/kernel/x.c" "$tmp/asm/repo/kernel/x.c" &&
	out=$("$assemble" "$tmp/asm/pristine" "$tmp/asm/tree" "$tmp/asm/repo" \
		"$tmp/asm/repo/series" kernel 2>&1)
result assemble_keeps_edits_in_tree $? "$out; tree's kernel/x.c: $(cat "$tmp/asm/tree/kernel/x.c" 2>&1)"

# make cannot quote a path: in a clone whose path has a space, BUILD would
# split into words, and "make distclean" would remove the directory above
# the clone.  The Makefile must refuse to run there.
mkdir -p "$tmp/a clone"
cp "$repo/Makefile" "$tmp/a clone/"
expect_fail make_refuses_path_with_space "has a space" \
	own_make -s -n -C "$tmp/a clone" distclean
# BUILD= relative to where make runs, as O= is; an empty one is refused;
# O= wins over a BUILD in the environment (which functions.sh sets here).
mkdir -p "$tmp/clone"
cp "$repo/Makefile" "$tmp/clone/"
out=$(own_make -s -n -C "$tmp/clone" BUILD=out clean 2>&1)
[ "$out" = "rm -rf $tmp/clone/out/kernel $tmp/clone/out/test $tmp/clone/out/linux" ]
result make_build_relative $? "$out"
expect_fail make_refuses_empty_build "BUILD= is empty" \
	own_make -s -n -C "$tmp/clone" BUILD= distclean
out=$(BUILD=$tmp/env own_make_env -s -n -C "$tmp/clone" O="$tmp/o" clean 2>&1)
[ "$out" = "rm -rf $tmp/o/kernel $tmp/o/test $tmp/o/linux" ]
result make_o_beats_environment $? "$out"
# distclean removes a build directory, not one that holds something else
# (O= naming a directory of other builds, or the clone).
mkdir -p "$tmp/builds/kernel" "$tmp/builds/other-project"
expect_fail make_distclean_keeps_foreign_dir "other-project, which UKL does not make" \
	own_make -s -C "$tmp/clone" O="$tmp/builds" distclean
[ -d "$tmp/builds/other-project" ]
result make_distclean_kept_it $? "$tmp/builds was removed"

cat > "$tmp/main.c" <<'EOF'
int main(void) { return 0; }
EOF
cat > "$tmp/sc.s" <<'EOF'
	.text
	.globl raw
raw:	syscall
	ret
	.section .note.GNU-stack,"",@progbits
EOF
gcc -c "$tmp/sc.s" -o "$tmp/sc.o"
gcc -c "$tmp/main.c" -o "$tmp/plain.o"

mkapp=$ktree/scripts/ukl/ukl-mkapp
check=$ktree/scripts/ukl/ukl-checkapp

if "$mkapp" --libc "$libc" -o "$tmp/app.o" "$tmp/main.c" >"$tmp/out" 2>&1 &&
   "$check" "$tmp/app.o" >>"$tmp/out" 2>&1; then
	result mkapp_builds_app 0
else
	result mkapp_builds_app 1 "$(cat "$tmp/out")"
fi
expect_fail mkapp_rejects_syscall "syscall .does not work at CPL 0" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/main.c" "$tmp/sc.o"
# The other instructions that application code must not have, in the
# forms objdump prints them: SYSRET and SYSEXIT with their suffixes, far
# returns, which bypass the return thunk like RET, indirect branches with
# prefixes or far, INT N, which calls a kernel handler at CPL 0, and
# direct calls and jumps to a system call entry, which the restart of a
# system call would rewind into (it expects the two bytes of
# "call *%rcx"; taking the entry's address is fine).
cat > "$tmp/priv.s" <<'EOF'
	.text
	.globl priv
priv:	sysretq
	sysexitq
	lretq
	iretq
	ljmp *(%rax)
	bnd jmp *%rax
	cs call *%rdx
	.byte 0xcd, 0x03	/* int $0x3 */
	lea entry_SYSCALL_64_ukl(%rip), %rcx
	call *%rcx
	call entry_SYSCALL_64_ukl_bypass
	jmp entry_SYSCALL_64_ukl_leaf
	.section .note.GNU-stack,"",@progbits
EOF
gcc -c "$tmp/priv.s" -o "$tmp/priv.o"
objdump -dr "$tmp/priv.o" | awk -F'\t' -f "$ktree/scripts/ukl/ukl-insns.awk" \
	>"$tmp/out"
missing=
for w in sysretq sysexitq lretq iretq "indirect ljmp" "indirect bnd jmp" \
	 "indirect cs call" "int " "direct call entry_SYSCALL_64_ukl_bypass" \
	 "direct jmp entry_SYSCALL_64_ukl_leaf"; do
	grep -qF "<priv>:	$w" "$tmp/out" || missing="$missing, $w"
done
[ "$(grep -c entry_SYSCALL "$tmp/out")" = 2 ] ||
	missing="$missing, (not only the two direct branches to an entry)"
"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/main.c" "$tmp/priv.o" \
	>>"$tmp/out" 2>&1 && missing="$missing, (the application was built)"
result mkapp_rejects_sysret_far_and_prefixed $([ -z "$missing" ]; echo $?) \
	"not reported: ${missing#, }"
# make UKL_APP=... builds the fast-boot kernel with the network when the
# application calls socket() (porting.rst), and without it otherwise: the
# configuration fragments that make -n would merge.
cat > "$tmp/net.c" <<'EOF'
#include <sys/socket.h>
int main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }
EOF
net_fragment() {
	own_make -s -n -C "$repo" BUILD="$tmp/build" UKL_APP="$1" config 2>&1 |
		grep -c 'micro-net\.config'
}
if "$mkapp" --libc "$libc" -o "$tmp/net.o" "$tmp/net.c" >"$tmp/out" 2>&1; then
	with=$(net_fragment "$tmp/net.o") without=$(net_fragment "$tmp/app.o")
	[ "$with" = 1 ] && [ "$without" = 0 ]
	result app_kernel_network_for_socket $? \
		"micro-net.config: $with with socket(), $without without"
else
	result app_kernel_network_for_socket 1 "$(cat "$tmp/out")"
fi
# nolibc, as the kernel's selftests use it: with NOLIBC_UKL its system
# calls call the UKL entry; without, they are SYSCALLs, which the check
# refuses.
cat > "$tmp/nolibc.c" <<'EOF'
int main(int argc, char **argv)
{
	printf("argc %d, %s\n", argc, argv[0]);
	return write(1, "", 0);
}
EOF
nolibc=$ktree/tools/include/nolibc
if "$mkapp" --nolibc "$nolibc" -o "$tmp/nolibc.o" "$tmp/nolibc.c" >"$tmp/out" 2>&1 &&
   "$check" "$tmp/nolibc.o" >>"$tmp/out" 2>&1 &&
   { grep -q 'call  *\*%rcx' < <(objdump -d "$tmp/nolibc.o") ||
     ! echo "no 'call *%rcx' in $tmp/nolibc.o: its system calls do not call the UKL entry" >>"$tmp/out"; }; then
	result mkapp_builds_nolibc_app 0
else
	result mkapp_builds_nolibc_app 1 "$(cat "$tmp/out")"
fi
expect_fail mkapp_rejects_nolibc_syscall "syscall .does not work at CPL 0" \
	"$mkapp" --nolibc "$nolibc" -UNOLIBC_UKL -o "$tmp/bad.o" "$tmp/nolibc.c"
cat > "$tmp/nosym.c" <<'EOF'
extern int ukl_no_such_function(void);
int main(void) { return ukl_no_such_function(); }
EOF
expect_fail mkapp_names_undefined_symbols "ukl_no_such_function, used in $tmp/nosym.c" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/nosym.c"
# An object compiled as C++ (by g++, which ukl-gcc does not replace) uses
# C++'s runtime, which the ring-0 musl lacks: say so.
cat > "$tmp/cxx.c" <<'EOF'
extern void *_Znwm(unsigned long);
int main(void) { return !_Znwm(8); }
EOF
expect_fail mkapp_names_cxx_runtime "Some are C\+\+'s runtime \(_Znwm\)" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/cxx.c"
expect_fail checkapp_rejects_plain_object "no global __ukl_app_entry" \
	"$check" "$tmp/plain.o"
expect_fail checkapp_usage "usage: ukl-checkapp OBJECT" "$check"
# Called through a symbolic link (in a directory of PATH), ukl-checkapp
# still finds its lists: an application with a SYSCALL in a local
# function is refused.
cat > "$tmp/localsc.s" <<'EOF'
	.text
raw:	syscall
	.section .note.GNU-stack,"",@progbits
EOF
mkdir -p "$tmp/bin"
ln -sf "$check" "$tmp/bin/ukl-checkapp"
gcc -c "$tmp/localsc.s" -o "$tmp/localsc.o" &&
	ld -r -o "$tmp/appsc.o" "$tmp/app.o" "$tmp/localsc.o"
expect_fail checkapp_through_symlink "syscall .does not work at CPL 0" \
	"$tmp/bin/ukl-checkapp" "$tmp/appsc.o"
# Application code runs in ring 0: its returns go through the kernel's
# return thunk, like the kernel's own.
cat > "$tmp/ret.s" <<'EOF'
	.text
	.globl helper
	.type helper,@function
helper:	endbr64
	xor %eax,%eax
	ret
	.size helper,.-helper
	.section .note.GNU-stack,"",@progbits
EOF
cat > "$tmp/callret.c" <<'EOF'
extern int helper(void);
int main(void) { return helper(); }
EOF
expect_fail mkapp_rejects_naked_return "helper>: ret .not through __x86_return_thunk" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/callret.c" "$tmp/ret.s"
# The same with a REP prefix (objdump's "repz ret"), an AMD idiom.
sed 's/^\tret$/\trep ret/' "$tmp/ret.s" >"$tmp/repret.s"
expect_fail mkapp_rejects_rep_return "helper>: ret .not through __x86_return_thunk" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/callret.c" "$tmp/repret.s"
# No red zone at CPL 0: an interrupt pushes its frame below the stack
# pointer, over what assembly keeps there.
cat > "$tmp/redzone.s" <<'EOF'
	.text
	.globl helper
	.type helper,@function
helper:	endbr64
	mov %rdi,-8(%rsp)
	mov -8(%rsp),%rax
	jmp __x86_return_thunk
	.size helper,.-helper
	.section .note.GNU-stack,"",@progbits
EOF
expect_fail mkapp_rejects_red_zone "helper>: mov %rdi,-0x8.%rsp. .below the stack pointer" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/callret.c" "$tmp/redzone.s"
# A kernel build with an objtool warning about a thunk fails and removes
# vmlinux.o, so that the next build runs objtool again; one about the
# application's control flow does not fail it (a stand-in for make warns).
mkdir -p "$tmp/kobj"
touch "$tmp/kobj/vmlinux.o"
if out=$("$repo/scripts/ukl-dev/kbuild.sh" "$tmp/kobj" sh -c \
	 "echo \"vmlinux.o: warning: objtool: ukl.f+0x4: 'naked' return found\" >&2" 2>&1); then
	result kbuild_fails_on_objtool_warning 1 "succeeded, but must fail: $out"
elif ! grep -q "objtool warnings above" <<<"$out"; then
	result kbuild_fails_on_objtool_warning 1 "failed without saying why: $out"
elif [ -e "$tmp/kobj/vmlinux.o" ]; then
	result kbuild_fails_on_objtool_warning 1 \
		"vmlinux.o left behind: the next build would not run objtool"
elif ! out=$("$repo/scripts/ukl-dev/kbuild.sh" "$tmp/kobj" sh -c \
	     "echo 'vmlinux.o: warning: objtool: ukl.f() falls through to next function' >&2" \
	     2>&1); then
	result kbuild_fails_on_objtool_warning 1 \
		"failed on a warning about the application's control flow: $out"
else
	result kbuild_fails_on_objtool_warning 0
fi
expect_fail mkapp_rejects_shared "UKL applications are static" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" -shared "$tmp/main.c"
expect_fail kbuild_rejects_missing_app 'CONFIG_UKL_APP=.*does not exist' \
	make -s -C "$ktree" O="$kobj" CONFIG_UKL_APP="\"$tmp/nonexistent.o\"" kernel/ukl/
expect_fail kbuild_rejects_plain_object "not made by scripts/ukl/ukl-mkapp" \
	make -s -C "$ktree" O="$kobj" CONFIG_UKL_APP="\"$tmp/plain.o\"" kernel/ukl/

# ukl-gcc: an ordinary two-file project with a static library and its
# own Makefile, "make CC=ukl-gcc AR=ar".
gcc=$(realpath "$ktree")/scripts/ukl/ukl-gcc
libc=$(realpath "$libc")
export UKL_LIBC=$libc
mkdir -p "$tmp/proj"
cat > "$tmp/proj/main.c" <<'EOF'
#include <stdio.h>
#include "lib.h"
int main(int argc, char **argv) { printf("%d\n", twice(argc)); return 0; }
EOF
cat > "$tmp/proj/lib.h" <<'EOF'
int twice(int x);
EOF
cat > "$tmp/proj/lib.c" <<'EOF'
#include <math.h>
#include <pthread.h>
#include "lib.h"
int twice(int x) { return (int)sqrt(4.0 * x * x) + (pthread_self() ? 0 : 1); }
EOF
printf '%s\n' 'CFLAGS = -O2 -g -Wall -std=gnu11 -pthread -fPIC' \
	'app: main.o libtwice.a' \
	'	$(CC) $(CFLAGS) -rdynamic -o $@ main.o -L. -ltwice -lm -lpthread -lrt -ldl -lc' \
	'%.o: %.c' \
	'	$(CC) $(CFLAGS) -MMD -MP -MF $*.d -MT $@ -c $< -o $@' \
	'libtwice.a: lib.o' \
	'	$(AR) rcs $@ $^' >"$tmp/proj/Makefile"
if make -s -C "$tmp/proj" CC="$gcc" AR=ar >"$tmp/out" 2>&1 &&
   "$check" "$tmp/proj/app" >>"$tmp/out" 2>&1 &&
   grep -q 'lib.h' "$tmp/proj/main.d" 2>>"$tmp/out"; then
	result gcc_builds_project_with_static_library 0
else
	result gcc_builds_project_with_static_library 1 "$(cat "$tmp/out")"
fi
if out=$("$gcc" -M "$tmp/proj/main.c" 2>&1) && grep -q "$libc/include/stdio.h" <<<"$out" &&
   grep -q 'lib.h' <<<"$out"; then
	result gcc_dependencies_name_ring0_headers 0
else
	result gcc_dependencies_name_ring0_headers 1 "$out"
fi
if [ "$("$gcc" -dumpmachine 2>&1)" = "$(gcc -dumpmachine)" ] &&
   grep -q 'Free Software Foundation' < <("$gcc" --version); then
	result gcc_answers_queries_like_gcc 0
else
	result gcc_answers_queries_like_gcc 1 "$("$gcc" -dumpmachine 2>&1)"
fi
# Options whose value is a word of its own, as gcc takes them, and an
# option of ukl-mkapp without its value: an error that says so.
if "$gcc" --param max-inline-insns-single=100 -Xassembler --noexecstack \
	-c "$tmp/proj/lib.c" -o "$tmp/param.o" >"$tmp/out" 2>&1 &&
   "$gcc" -z noexecstack -u main -o "$tmp/param" "$tmp/proj/main.o" \
	"$tmp/proj/libtwice.a" >>"$tmp/out" 2>&1; then
	result gcc_takes_separate_option_values 0
else
	result gcc_takes_separate_option_values 1 "$(cat "$tmp/out")"
fi
expect_fail mkapp_option_needs_value "-o needs a value" \
	"$mkapp" --libc "$libc" "$tmp/main.c" -o
# Flags that would undo the ring-0 code generation (ukl-mkapp's codegen)
# are refused by name, by ukl-gcc when it compiles and by ukl-mkapp.
bad=
for f in -fcf-protection=none -fcf-protection=return -fjump-tables -mred-zone \
	 -mcmodel=small -mindirect-branch=keep -mfunction-return=keep; do
	if out=$("$gcc" "$f" -c "$tmp/proj/lib.c" -o "$tmp/bad.o" 2>&1) ||
	   ! grep -q -- "$f: " <<<"$out"; then
		bad="$bad $f"
	fi
done
if [ -z "$bad" ]; then
	result gcc_rejects_codegen_overrides 0
else
	result gcc_rejects_codegen_overrides 1 "accepted or not named:$bad"
fi
expect_fail mkapp_rejects_codegen_overrides "-mred-zone: " \
	"$mkapp" --libc "$libc" -mred-zone -o "$tmp/bad.o" "$tmp/main.c"
expect_fail mkapp_rejects_pic "-fPIE: UKL applications are static, non-PIC" \
	"$mkapp" --libc "$libc" -fPIE -o "$tmp/bad.o" "$tmp/main.c"
expect_fail gcc_rejects_shared "-shared: UKL applications are static" \
	"$gcc" -shared -fPIC -o "$tmp/lib.so" "$tmp/proj/lib.c"
gcc -shared -o "$tmp/libplain.so" "$tmp/plain.o"
expect_fail gcc_rejects_shared_object "cannot link shared objects" \
	"$gcc" -o "$tmp/bad" "$tmp/proj/main.o" "$tmp/libplain.so"
cat > "$tmp/dl.c" <<'EOF'
#include <dlfcn.h>
int main(void) { return !dlopen("libm.so", RTLD_NOW); }
EOF
expect_fail gcc_rejects_dlopen "calls dlopen\(\)" \
	"$gcc" -o "$tmp/bad" "$tmp/dl.c" -ldl
# Compiling and linking in one command, the sources are named, not the
# objects ukl-gcc compiled them to (which are gone by then).
expect_fail gcc_names_sources "ukl_no_such_function, used in $tmp/nosym.c$" \
	"$gcc" -o "$tmp/bad" "$tmp/proj/lib.c" "$tmp/nosym.c"
# ... and linking objects only, as make does after "ukl-gcc -c", it
# passes ukl-mkapp's messages on.
"$gcc" -c -o "$tmp/nosym.o" "$tmp/nosym.c"
expect_fail gcc_links_objects_with_messages "ukl_no_such_function, used in $tmp/nosym.o$" \
	"$gcc" -o "$tmp/bad" "$tmp/nosym.o"
if UKL_ALLOW_DLOPEN=1 "$gcc" -o "$tmp/dl" "$tmp/dl.c" -ldl >"$tmp/out" 2>&1; then
	result gcc_links_dlopen_when_allowed 0
else
	result gcc_links_dlopen_when_allowed 1 "$(cat "$tmp/out")"
fi

# The application's root file system of "make run": rootfs.list's
# directories, device nodes and /etc/passwd, then the files of UKL_FILES,
# all root's;
# and a UKL_FILES that is not a directory stops it with a clear error.
mkdir -p "$tmp/files/etc"
echo "UKL example configuration" >"$tmp/files/etc/app.conf"
rootfs=$ktree/scripts/ukl/ukl-rootfs
if "$rootfs" "$ktree" "$kobj" "$tmp/rootfs.cpio" "$tmp/files" >"$tmp/out" 2>&1 &&
   cpio -itv <"$tmp/rootfs.cpio" >"$tmp/list" 2>>"$tmp/out" &&
   grep -qE '^drwxrwxrwt .* root +root .* tmp$' "$tmp/list" &&
   grep -qE '^drwxrwxrwt .* dev/shm$' "$tmp/list" &&
   grep -qE '^crw-rw-rw- .* 1, +3 .* dev/null$' "$tmp/list" &&
   grep -qE '^crw------- .* 5, +1 .* dev/console$' "$tmp/list" &&
   grep -qE '^d.* proc$' "$tmp/list" && grep -qE '^d.* sys$' "$tmp/list" &&
   grep -qE '^-rw-r--r-- .* root +root .* etc/app.conf$' "$tmp/list" &&
   [ "$(cd "$tmp" && cpio -i --to-stdout etc/app.conf <rootfs.cpio 2>/dev/null)" = \
     "UKL example configuration" ] &&
   (cd "$tmp" && cpio -i --to-stdout etc/passwd <rootfs.cpio 2>/dev/null) |
	grep -q '^root:x:0:0:'; then
	result rootfs_has_nodes_and_files 0
else
	result rootfs_has_nodes_and_files 1 "$(cat "$tmp/out" "$tmp/list" 2>/dev/null)"
fi
expect_fail rootfs_rejects_missing_files "UKL_FILES=.*is not a directory" \
	"$rootfs" "$ktree" "$kobj" "$tmp/rootfs.cpio" "$tmp/no-such-dir"

# UKL_ARGV and UKL_ENVIRON: the rootfs's /ukl carries their strings, of
# any bytes but NUL, each tagged, in their order, after the magic (the
# kernel side: core.c's file_strings_byte_for_byte, KUnit's
# ukl_binfmt_strings_test); the last string of a file may lack its NUL.
python3 - "$tmp/argv" "$tmp/environ" <<'EOF'
import sys
big = bytes(1 + i % 255 for i in range(100 << 10))
args = [b"a b", b"'\"$x\\`", b"new\nline", b"", "\u00e4\u20ac".encode(), big]
open(sys.argv[1], "wb").write(b"\0".join(args) + b"\0")
open(sys.argv[2], "wb").write(b"A=1\0B=\n \\")
EOF
if "$rootfs" --argv "$tmp/argv" --environ "$tmp/environ" "$ktree" "$kobj" \
	"$tmp/args.cpio" >"$tmp/out" 2>&1 &&
   cpio -itv <"$tmp/args.cpio" >"$tmp/list" 2>>"$tmp/out" &&
   grep -qE '^-rwx------ .* root +root .* ukl$' "$tmp/list" &&
   (cd "$tmp" && cpio -i --to-stdout ukl <args.cpio >ukl.out 2>/dev/null) &&
   python3 - "$tmp/argv" "$tmp/environ" "$tmp/ukl.out" <<'EOF'
import sys
argv, env, ukl = (open(f, "rb").read() for f in sys.argv[1:])
want = b"\177UKL" + b"".join(b"a" + s + b"\0" for s in argv.split(b"\0")[:-1])
want += b"".join(b"e" + s + b"\0" for s in env.split(b"\0"))
sys.exit(ukl != want)
EOF
then
	result rootfs_carries_argv_environ 0
else
	result rootfs_carries_argv_environ 1 "$(cat "$tmp/out" "$tmp/list" 2>/dev/null)"
fi
expect_fail rootfs_rejects_missing_argv "no-such-file is not a file: give a file of NUL" \
	"$rootfs" --argv "$tmp/no-such-file" "$ktree" "$kobj" "$tmp/rootfs.cpio"

# make bench refuses options that would make it measure nothing or fail
# every boot, before it builds anything; good ones get past that (to an
# error about a combination that leaves nothing to do).
bench=$(dirname "${BASH_SOURCE[0]}")/ukl-bench.sh
out=
for a in "--only getppid,nosuch" "--timeout 10m" "--scale x"; do
	# shellcheck disable=SC2086
	"$bench" $a >"$tmp/out" 2>&1 && out+="'$a' passed; "
	grep -qE "no benchmark 'nosuch'|wants seconds|wants a number" "$tmp/out" ||
		out+="'$a': $(cat "$tmp/out"); "
done
"$bench" --only getppid,read-1 --scale 0.5 --timeout 60 --hello-only --no-hello \
	>"$tmp/out" 2>&1
grep -q 'leave nothing to do' "$tmp/out" || out+="good options: $(cat "$tmp/out")"
[ -z "$out" ]
result bench_rejects_bad_options $? "$out"
# The kselftest boot's /usr/bin/timeout, with which runner.sh limits each
# selftest: it ends a program that hangs, passes on a status, and takes 0
# for no limit.
kt=$(dirname "${BASH_SOURCE[0]}")/kselftest-timeout
t=$SECONDS
"$kt" --foreground 1 sleep 60
hung=$?
"$kt" 5 sh -c 'exit 3'
three=$?
"$kt" --foreground 0 true
zero=$?
[ "$hung" != 0 ] && [ $((SECONDS - t)) -lt 10 ] && [ "$three" = 3 ] && [ "$zero" = 0 ]
result kselftest_timeout_ends_hung_program $? \
	"hung: status $hung after $((SECONDS - t)) s; 'exit 3': $three; 0 s: $zero"

# A QEMU stand-in that prints a console and exits as isa-debug-exit does
# for status 0; the console has a kernel warning when $UKL_FAKE_SPLAT is set.
cat > "$tmp/qemu" <<'EOF'
#!/bin/bash
[ -z "${UKL_FAKE_SPLAT:-}" ] ||
	echo "[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/fake.c:1 fake+0x0/0x1"
[ -z "${UKL_FAKE_MORE:-}" ] || seq -f "[    2.000000] more console %g" 20000
echo "ok 1 fake_test"
exit 1
EOF
chmod +x "$tmp/qemu"
: > "$tmp/bzImage"
run=$(dirname "${BASH_SOURCE[0]}")/ukl-run.sh
out=$(QEMU=$tmp/qemu "$run" --kernel "$tmp/bzImage" --accel tcg 2>&1)
result run_passes_clean_console $? "$out"
out=$(QEMU=$tmp/qemu UKL_FAKE_SPLAT=1 "$run" --kernel "$tmp/bzImage" --accel tcg 2>&1)
rc=$?
if [ "$rc" = 123 ] && grep -q 'the kernel reported: WARNING: CPU: 0' <<<"$out"; then
	result run_fails_on_kernel_splat 0
else
	result run_fails_on_kernel_splat 1 "exit status $rc: $out"
fi
# What counts as a splat: the kernel's reports, not messages that only
# mention a warning; the kernel selftest's Makefile has the same list.
splats=$("$run" --splats)
out=
while IFS= read -r l; do
	grep -qaE "$splats" <<<"$l" || out+="missed: $l; "
done <<'EOF'
[    3.1] WARNING: CPU: 1 PID: 9 at mm/slub.c:1 f+0x0/0x1
[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008
[    3.1] BUG kmalloc-64 (Not tainted): Poison overwritten
[    3.1] INFO: trying to register non-static key.
[    3.1] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[    3.1] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [ukl:1]
[    3.1] INFO: task ukl:1 blocked for more than 120 seconds.
[    3.1] Oops: general protection fault, probably for non-canonical address
[    3.1] Kernel panic - not syncing: Attempted to kill init!
[    3.1] UBSAN: shift-out-of-bounds in kernel/ukl/ukl.c:1:2
EOF
while IFS= read -r l; do
	! grep -qaE "$splats" <<<"$l" || out+="taken for a splat: $l; "
done <<'EOF'
[    0.1] RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks, data leaks possible!
[    0.1] tsc: Marking TSC unstable due to TSCs unsynchronized
[    0.1] BUGGY firmware (not a splat)
EOF
mk=$(sed -n 's/^SPLATS := //p' "$repo/tools/testing/selftests/ukl/Makefile")
[ "$mk" = "$splats" ] || out+="selftests/ukl/Makefile's SPLATS differ: $mk"
[ -z "$out" ]
result run_splat_patterns $? "$out"
# ... also with a long console after the splat (the search for it stops
# at the first: what it reads from must not die of SIGPIPE under set -e).
out=$(QEMU=$tmp/qemu UKL_FAKE_SPLAT=1 UKL_FAKE_MORE=1 "$run" --kernel "$tmp/bzImage" \
	--accel tcg --log "$tmp/long.log" 2>&1)
rc=$?
[ "$rc" = 123 ] && grep -q 'the kernel reported: WARNING: CPU: 0' <<<"$out"
result run_fails_on_splat_before_long_console $? "exit status $rc: $out"
# Without --log, the console is on stdout and its temporary file is gone
# when a message would send the reader there: a guest that powers off
# without reporting a status.
printf '#!/bin/bash\necho "[    1.000000] reboot: Power down"\n' >"$tmp/qemu-off"
chmod +x "$tmp/qemu-off"
out=$(QEMU=$tmp/qemu-off "$run" --kernel "$tmp/bzImage" --accel tcg 2>&1)
rc=$?
[ "$rc" = 125 ] && grep -q 'without reporting a status (see the console output above)' <<<"$out"
result run_names_no_removed_log $? "exit status $rc: $out"
# --machine microvm under TCG with a vmlinux that has no .config beside
# it (the kernel's HZ is then unknown): it boots all the same.
cat > "$tmp/pvh.s" <<'EOF'
	.section .note.Xen,"a",@note
	.balign 4
	.long 4, 4, 0x12	/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long 0x1000000
	.text
	.globl _start
_start:	hlt
	.section .note.GNU-stack,"",@progbits
EOF
mkdir -p "$tmp/pvh"
gcc -c "$tmp/pvh.s" -o "$tmp/pvh.o" && ld -o "$tmp/pvh/vmlinux" "$tmp/pvh.o"
out=$(QEMU=$tmp/qemu "$run" --kernel "$tmp/pvh/vmlinux" --machine microvm --accel tcg 2>&1)
result run_microvm_without_config $? "exit status $?: $out"

# A host whose KVM cannot run the guest (here QEMU asserts, as Debian's
# 7.2 does on some nested hosts): the probe says so in one line and the
# boot goes on under TCG, without QEMU's assertion on the terminal.
cat > "$tmp/qemu-nokvm" <<'EOF'
#!/bin/bash
if [[ " $* " = *" -accel kvm "* ]]; then
	echo "qemu-system-x86_64: ../target/i386/kvm/kvm.c:2915:" \
		"kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT $$
fi
exec "${0%-nokvm}" "$@"
EOF
chmod +x "$tmp/qemu-nokvm"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	out=$(QEMU=$tmp/qemu-nokvm "$run" --kernel "$tmp/bzImage" --verbose \
		--probe-cache "$tmp/probe" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'KVM does not work here, using TCG' <<<"$out" &&
	   ! grep -q 'Assertion' <<<"$out" && grep -q 'Assertion' "$tmp/probe.log"; then
		result run_says_kvm_does_not_work 0
	else
		result run_says_kvm_does_not_work 1 "exit status $rc: $out"
	fi
else
	n=$((n + 1))
	echo "ok $n run_says_kvm_does_not_work # SKIP no /dev/kvm"
fi
# ... and a probe whose QEMU does not end on SIGTERM (a vCPU stuck in KVM)
# does not hang the boot.
cat > "$tmp/qemu-stuck" <<'EOF'
#!/bin/bash
if [[ " $* " = *" -accel kvm "* ]]; then
	trap '' TERM	# inherited by sleep: SIGKILL alone ends it
	echo "KVM internal error. Suberror: 1" >&2
	exec sleep 600
fi
exec "${0%-stuck}" "$@"
EOF
chmod +x "$tmp/qemu-stuck"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	out=$(QEMU=$tmp/qemu-stuck timeout -k 5 60 "$run" --kernel "$tmp/bzImage" \
		--probe-cache "$tmp/probe-stuck" 2>&1)
	rc=$?
	[ "$rc" = 0 ] && grep -q 'KVM does not work here, using TCG' <<<"$out"
	result run_kvm_probe_ends_stuck_qemu $? "exit status $rc (124: hung): $out"
else
	n=$((n + 1))
	echo "ok $n run_kvm_probe_ends_stuck_qemu # SKIP no /dev/kvm"
fi

# The ring-0 vDSO runs in application context: all its code must be in
# the application's text, .ukl.text.  A function that the compiler kept
# out of line in .text would run kernel text on the application's stack.
# .altinstr_replacement only holds bytes that alternatives copy.
vobj=$kobj/arch/x86/entry/vdso/vdso_ukl.o
out=$(readelf -SW "$vobj" 2>&1 | awk '
	/\] / {
		sub(/^.*\] +/, "")
		if ($7 !~ /X/) next
		if ($1 == ".ukl.text") { app = $5 !~ /^0+$/; next }
		if ($1 != ".altinstr_replacement" && $5 !~ /^0+$/)
			print $1 ": 0x" $5 " bytes of code outside .ukl.text"
	}
	END { if (!app) print "no code in .ukl.text" }')
[ -f "$vobj" ] || out="$vobj: not built"
[ -z "$out" ]
result vdso_code_in_app_text $? "$out"

# The instruction class counter.
testdir=$(dirname "${BASH_SOURCE[0]}")/..
ic=$tmp/insn-classes
mkdir -p "$ic"
out=$(make -s -C "$testdir/insn-classes" OUT="$ic" check 2>&1)
result insn_class_decoder_cases $? "$out"
if make -s -C "$testdir/insn-classes" OUT="$ic" "$ic/insn_class_test" >"$tmp/out" 2>&1 &&
   objdump -d --insn-width=16 "$kobj/vmlinux" >"$tmp/vmlinux.dis" 2>>"$tmp/out"; then
	out=$("$ic/insn_class_test" <"$tmp/vmlinux.dis" 2>&1)
	result insn_class_decoder_vmlinux $? "$out"
else
	result insn_class_decoder_vmlinux 1 "$(cat "$tmp/out")"
fi
rm -f "$tmp/vmlinux.dis"

# The suite ends an area with what it left behind (suite.c's relay()):
# its area "leftover" exits at once, leaving a child that holds the area's
# output for a minute.  The ring-3 suite runs on the host as well.
if [ -z "$suite" ]; then
	n=$((n + 1))
	echo "ok $n suite_ends_area_leftovers # SKIP no ring-3 suite"
else
	start=$SECONDS
	out=$(UKL_TEST_AREA_TIMEOUT=30 timeout -k 5 90 "$suite" leftover 2>&1)
	rc=$? took=$((SECONDS - start))
	[ "$rc" = 0 ] && [ "$took" -lt 15 ] && grep -q '^ok 1 leftover$' <<<"$out"
	result suite_ends_area_leftovers $? "status $rc after $took s: $out"
fi

# A background job's exit status outlives its pid (functions.sh): in a pid
# namespace of its own, where the next pid can be chosen, a pipeline of the
# shell takes the pid of a job that ended.  Bash's own "wait" then fails
# with 127, as it failed for the runner's series check in CI.  The job
# leads its session and process group, which series_stop() kills.
if ! unshare --pid --fork --mount-proc \
	sh -c 'echo 1 >/proc/sys/kernel/ns_last_pid' 2>/dev/null; then
	n=$((n + 1))
	echo "ok $n bg_status_outlives_pid # SKIP no pid namespace whose next pid can be set"
else
	out=$(timeout -k 5 30 unshare --pid --fork --mount-proc bash -c '
		me=bg . "$1"
		bg_start "$2/bg.status" sh -c ": >\"\$0\"; sleep 1; exit 3" "$2/bg.started"
		pid=$!
		until [ -e "$2/bg.started" ]; do sleep 0.1; done
		read -r _ _ _ _ pgrp sid _ <"/proc/$pid/stat"
		[ "$pgrp $sid" = "$pid $pid" ] ||
			echo "job $pid: process group $pgrp, session $sid"
		while bg_running "$pid"; do sleep 0.1; done
		echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid
		{ echo "$BASHPID" >"$2/bg.next"; } | :
		[ "$(cat "$2/bg.next")" = "$pid" ] || echo "pid $pid was not taken again"
		wait "$pid" 2>/dev/null
		echo "wait: $?, bg_status: $(bg_status "$2/bg.status")"
		bg_running "$pid" && echo "a pipeline that ended is a running job"' \
		bg "$(dirname "${BASH_SOURCE[0]}")/functions.sh" "$tmp" 2>&1)
	[ "$out" = "wait: 127, bg_status: 3" ]
	result bg_status_outlives_pid $? "$out"
fi

# An initramfs with the ring-3 suite as file $1 (/suite, /init), into $2.
suite_initramfs() {
	printf '%s\n' "dir /dev 0755 0 0" "nod /dev/console 0600 0 0 c 5 1" \
		"dir /tmp 1777 0 0" "file $1 $suite 0755 0 0" >"$2.list"
	"$kobj/usr/gen_init_cpio" "$2.list" >"$2"
}

out=$(make -s -C "$testdir/insn-classes" OUT="$ic" QEMU_PLUGIN_INC="$qemu_inc" 2>&1)
result insn_plugin_builds $? "$out"
if [ -z "$suite" ] || [ ! -f "$ic/ukl-insn-plugin.so" ]; then
	n=$((n + 1))
	echo "ok $n insn_plugin_counts_levels # SKIP no ring-3 suite or no plugin"
else
	suite_initramfs /suite "$tmp/initramfs.cpio"
	bench_args="area=bench only=getppid,read-1,signal reps=1 levels=base,bypass,direct spawn=/suite"
	"$run" --kernel "$kobj/arch/x86/boot/bzImage" --initrd "$tmp/initramfs.cpio" \
		--icount --timeout 900 --log "$tmp/console" \
		--qemu-arg -plugin --qemu-arg "$ic/ukl-insn-plugin.so,out=$tmp/classes" \
		--append "kunit.enable=0 -- $bench_args" \
		>"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		out=$("$testdir/bin/ukl-insn-check.py" "$tmp/console" "$tmp/classes" 2>&1)
		rc=$?
	else
		out="the boot ended with status $rc: $(cat "$tmp/out")"
	fi
	result insn_plugin_counts_levels "$rc" "$out"
fi

# Mitigations off on an AMD model: with an Intel one, which return
# instructions take the ITS return thunk depends on their address in
# either kernel, which moves with any change of its text.
if [ -z "$suite" ] || [ ! -f "$unpatched" ]; then
	n=$((n + 1))
	echo "ok $n ring3_costs_as_unpatched # SKIP no ring-3 suite or no unpatched kernel"
else
	suite_initramfs /init "$tmp/ring3.cpio"
	bench_args="area=bench mode=ring3 reps=7 scale=0.01"
	bench_args="$bench_args only=getppid,read-1,fault-anon,fault-file"
	out= rc=0
	for k in ukl unpatched; do
		bz=$unpatched
		[ "$k" = unpatched ] || bz=$kobj/arch/x86/boot/bzImage
		if ! "$run" --kernel "$bz" --initrd "$tmp/ring3.cpio" --icount --cpu max \
			--timeout 600 --log "$tmp/cost-$k" >"$tmp/out" 2>&1 \
			--append "kunit.enable=0 mitigations=off -- $bench_args"; then
			rc=1 out="$out$k: the boot failed: $(cat "$tmp/out")"
		fi
	done
	if [ "$rc" = 0 ]; then
		out=$("$testdir/bin/ukl-cost-check.py" "$tmp/cost-ukl" "$tmp/cost-unpatched" 2>&1)
		rc=$?
	fi
	result ring3_costs_as_unpatched "$rc" "$out"
fi

echo "# Totals: pass:$((n - failed)) fail:$failed"
[ "$failed" = 0 ]
