#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build musl twice from the Debian source in BUILD_DIR/src/musl:
#
#   BUILD_DIR/musl/user  pristine musl, ordinary static user-mode build with
#                        the musl-gcc wrapper (for ring-3 test programs)
#   BUILD_DIR/musl/ukl   musl for ring 0: tree BUILD_DIR/musl/src-ukl from
#                        tools/ukl/musl/patches, the syscall_arch.h overlay of
#                        tools/ukl/musl/include, kernel code model; installs
#                        lib/{libc.a,crt1.o,crti.o,crtn.o,libukl-builtins.a}
#                        and include/ (with <ukl.h>)
#
# Usage: musl.sh BUILD_DIR
#
# Each flavour has a stamp holding a hash of its inputs (this script, the
# series, the diffs, the overlay, the builtins); when it matches, nothing is
# done.  The ukl flavour fails if an object contains an instruction that
# cannot work at CPL 0 (syscall, sysenter, hlt) or a relocation the kernel
# link cannot take, if a function lacks what objtool checks on vmlinux.o
# (an ELF size; endbr64 at the start of a global one), or if libc.a needs
# a symbol nothing provides.

set -euo pipefail

build=$(realpath -m "${1:?usage: musl.sh BUILD_DIR}")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
self=$repo/scripts/ukl-dev/musl.sh
assemble=$repo/scripts/ukl-dev/assemble.sh
src=$build/src/musl
top=$build/musl
ukl=$repo/tools/ukl/musl
series=$ukl/patches/series
jobs=$(nproc)

# The code generation flags of the application (ukl-mkapp says why each):
# the kernel code model, no red zone, ENDBR, no jump tables, the kernel's
# thunks for returns and indirect branches (a kernel without retpolines or
# return thunks has plain ones for the application, thunk_ukl.S).  The
# -iquote overlay replaces arch/x86_64/syscall_arch.h (included with
# quotes).
ukl_cflags="$("$repo/scripts/ukl/ukl-mkapp" --print-codegen-flags | tr '\n' ' ')"
ukl_cflags+="-O2 -iquote $ukl/include"
builtins_cflags="$ukl_cflags -std=c11 -ffreestanding -nostdinc -fno-builtin"
builtins_cflags+=" -fno-stack-protector -fno-asynchronous-unwind-tables"
builtins_cflags+=" -fno-unwind-tables -ffunction-sections -Wall"

# Relocation types the kernel link takes from the application.  What the
# build produces today: 32S (addresses in code, -mcmodel=kernel), 64
# (pointers in data), PC32 and PLT32 (rip-relative data and calls).
# R_X86_64_32 is accepted but absent: it only resolves for values below
# 4 GiB, so it could only be a constant, never a kernel-half address.  Any
# other type (GOT, other TLS models, ...) fails the build.
# TPOFF32: the thread-local shortcut level of builtins/ukl_level.c, read
# %fs-relative (the local-exec model) by every system call.
ok_relocs="R_X86_64_32S R_X86_64_64 R_X86_64_PC32 R_X86_64_PLT32 R_X86_64_32"
ok_relocs+=" R_X86_64_TPOFF32"
# Left undefined on purpose: the kernel provides them.
kernel_syms=$(grep -v '^#' "$repo/scripts/ukl/ukl-kernel-syms")

die() { echo "musl: error: $*" >&2; exit 1; }
log() { echo "musl: $*"; }

# A parent make's variables (ARCH=, CC=, -j jobserver ...) must not leak
# into musl's configure and Makefile.
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH CROSS_COMPILE CC CFLAGS CPPFLAGS LDFLAGS

[ -f "$src/VERSION" ] || die "no musl source at $src (run 'make sources')"
# assemble.sh copies the pristine tree with cp -a: resolve a symlinked
# source first, or the copy would be a link and patching would modify it.
src=$(realpath "$src")
[ -f "$series" ] || die "no series file $series"

mkdir -p "$top"
exec 9>"$top/.lock"
flock 9

# Hash of the files given, by name and content.
hash_files() {
	sha256sum "$@" | sha256sum | cut -d' ' -f1
}

# Run a build step quietly; show the end of its log when it fails.
run() {
	local logfile=$1 what=$2
	shift 2
	if ! "$@" > "$logfile" 2>&1; then
		tail -n 30 "$logfile" >&2
		die "$what failed (full log: $logfile)"
	fi
}

# Copy SRC to DST only when the content differs: consumers keep their
# timestamps when a rebuild produces the same file.
install_file() {
	if ! cmp -s "$1" "$2"; then
		install -D -m 644 "$1" "$2"
	fi
}

# Make directory DST an identical copy of SRC, rewriting changed files only.
sync_dir() {
	local f
	(cd "$1" && find . -type f) | while read -r f; do
		install_file "$1/$f" "$2/$f"
	done
	(cd "$2" && find . -type f) | while read -r f; do
		[ -e "$1/$f" ] || rm -f "$2/$f"
	done
}

# ---------------------------------------------------------------- user ----

user_prefix=$top/user
user_obj=$top/obj-user
user_stamp=$top/.stamp-user

build_user() {
	log "building user-mode musl in $user_obj"
	rm -rf "$user_obj" "$user_prefix" "$user_stamp"
	mkdir -p "$user_obj"
	run "$user_obj/configure.log" "configure (user)" \
		sh -c 'cd "$1" && "$2/configure" --prefix="$3" --disable-shared \
			--enable-wrapper=gcc' sh "$user_obj" "$src" "$user_prefix"
	run "$user_obj/build.log" "make (user)" make -C "$user_obj" -j"$jobs"
	run "$user_obj/install.log" "make install (user)" \
		make -C "$user_obj" install

	# The wrapper must produce a working static binary on this host.
	local t=$user_obj/hello
	mkdir -p "$t"
	cat > "$t/hello.c" <<-'EOF'
	#include <stdio.h>
	int main(void) { printf("hello from musl\n"); return 0; }
	EOF
	run "$t/cc.log" "musl-gcc -static hello.c" \
		"$user_prefix/bin/musl-gcc" -static -O2 -o "$t/hello" "$t/hello.c"
	[ "$(readelf -lW "$t/hello" | grep -c INTERP || true)" = 0 ] ||
		die "musl-gcc -static produced a dynamic binary: $t/hello"
	[ "$("$t/hello")" = "hello from musl" ] ||
		die "static musl hello world does not run: $t/hello"
	echo "$user_hash" > "$user_stamp"
}

# The user flavour depends on the source and on how it is built, not on the
# rest of this script.
user_hash=$( (echo "$src"; declare -f build_user run) |
	    cat - "$src/VERSION" "$src/debian/changelog" | sha256sum | cut -d' ' -f1)

if [ "$(cat "$user_stamp" 2>/dev/null)" != "$user_hash" ] ||
   [ ! -x "$user_prefix/bin/musl-gcc" ] || [ ! -f "$user_prefix/lib/libc.a" ]; then
	build_user
fi

# ----------------------------------------------------------------- ukl ----

ukl_prefix=$top/ukl
ukl_obj=$top/obj-ukl
ukl_tree=$top/src-ukl
ukl_stamp=$top/.stamp-ukl
ukl_inputs=("$self" "$assemble")
while IFS= read -r -d '' f; do
	ukl_inputs+=("$f")
done < <(find "$ukl/include" "$ukl/patches" "$ukl/builtins" -type f \
	 ! -name '*~' ! -name '*.orig' ! -name '*.rej' -print0 | LC_ALL=C sort -z)
ukl_hash=$( (echo "$src $ukl_cflags"; hash_files "${ukl_inputs[@]}") |
	   sha256sum | cut -d' ' -f1)
ukl_outputs=(lib/libc.a lib/crt1.o lib/crti.o lib/crtn.o
	     lib/libukl-builtins.a include/stdio.h)

ukl_up_to_date() {
	local f
	[ "$(cat "$ukl_stamp" 2>/dev/null)" = "$ukl_hash" ] || return 1
	for f in "${ukl_outputs[@]}"; do
		[ -f "$ukl_prefix/$f" ] || return 1
	done
}

# Objects whose disassembly shows an instruction that does not work at
# CPL 0, or a return or an indirect branch that bypasses the kernel's
# thunks (all but the system call, "call *%rcx"); every "call *%rcx"
# site is counted.
check_insns() {
	local bad
	bad=$(objdump -d "$@" |
		awk -F'\t' -v calls="$ukl_obj/calls" -f "$repo/scripts/ukl/ukl-insns.awk" |
		awk -F'\t' '{ print $1 ": " $3 }' | sort | uniq -c)
	if [ -n "$bad" ]; then
		echo "$bad" >&2
		die "instructions that cannot run at CPL 0 or bypass the kernel's thunks in the objects above"
	fi
}

# Relocation types other than $ok_relocs, with the object using them.
check_relocs() {
	local bad
	bad=$(readelf -rW "$@" | awk -v ok="$ok_relocs" '
		BEGIN { n = split(ok, a, " "); for (i = 1; i <= n; i++) good[a[i]] = 1 }
		/^File: / { obj = $2; next }
		$3 ~ /^R_X86_64_/ && !($3 in good) { print obj ": " $3 }' |
		sort | uniq -c)
	if [ -n "$bad" ]; then
		echo "$bad" >&2
		die "relocation types the kernel link cannot take in the objects above"
	fi
}

# Function symbols objtool cannot check on vmlinux.o: without an ELF size
# ("missing an ELF size annotation"), or global without endbr64 at their
# start.  gcc -fcf-protection=branch gives C functions one; an
# application may call any global function through a pointer, which IBT
# only allows onto ENDBR.  The asm gets both from patches 0010 and 0011,
# but for the functions that a .discard.noendbr entry names (objtool's
# ANNOTATE_NOENDBR): they are never the target of an indirect branch.
check_funcs() {
	local bad
	bad=$( { objdump -t "$@"; echo "@@relocations"; objdump -r "$@"
		 echo "@@disassembly"; objdump -d "$@"; } | awk '
		/^@@relocations$/ { pass = 1; n = 0; next }
		/^@@disassembly$/ { pass = 2; n = 0; next }
		/file format/ { n++; obj = $1; sub(/:$/, "", obj); next }
		# objdump -r: the symbols that .discard.noendbr entries name
		pass == 1 && /^RELOCATION RECORDS FOR / {
			noendbr_sec = ($0 ~ /\[\.discard\.noendbr\]/)
			next
		}
		pass == 1 {
			if (noendbr_sec && /^[0-9a-f]+ +R_/)
				noendbr[n, $3] = 1
			next
		}
		# objdump -t: value, 7 flag characters, section TAB size name
		pass != 2 && /^[0-9a-f]+ / {
			flags = substr($0, 18, 7)
			if (substr(flags, 7, 1) != "F") next
			split(substr($0, 26), f, "\t")
			if (f[1] == "*UND*") next
			m = split(f[2], g, " ")
			if (g[1] ~ /^0+$/) print obj ": " g[m] ": no ELF size"
			if (substr(flags, 1, 1) == "g" || substr(flags, 2, 1) == "w") {
				want[n, f[1], $1] = obj ": " g[m]
				name[n, f[1], $1] = g[m]
			}
			next
		}
		/^Disassembly of section / { sec = $4; sub(/:$/, "", sec); next }
		/^[0-9a-f]+ <.*>:$/ { key = n SUBSEP sec SUBSEP $1; first = 1; next }
		first && /^ *[0-9a-f]+:\t/ {
			first = 0
			if ((key in want) && $0 !~ /\tendbr64/ &&
			    !((n SUBSEP name[key]) in noendbr))
				print want[key] ": no endbr64 at its start"
			delete want[key]
		}
		END { for (k in want) print want[k] ": not found by objdump -d" }' |
		sort -u)
	if [ -n "$bad" ]; then
		echo "$bad" >&2
		die "functions objtool would reject in the objects above"
	fi
}

# Every symbol libc.a, the crt objects and the builtins reference must be
# defined by one of them, except the kernel's entry, the application's main
# and weak references (__init_array_start and friends, _DYNAMIC), and
# _GLOBAL_OFFSET_TABLE_, which gcc declares in every object with a
# thread-local access although no relocation uses it (check_relocs rejects
# GOT relocations; ukl-mkapp strips the symbol).  This covers whatever an
# application may pull in; link_test checks a real link.
check_closure() {
	local undef
	undef=$(comm -23 \
		<(nm --undefined-only "$@" 2>/dev/null | awk '$1 == "U" { print $2 }' | LC_ALL=C sort -u) \
		<( (nm --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }'
		    printf '%s\n' $kernel_syms main _GLOBAL_OFFSET_TABLE_) | LC_ALL=C sort -u))
	if [ -n "$undef" ]; then
		echo "$undef" | sed 's/^/  /' >&2
		die "symbols referenced by the ukl libc that nothing provides (missing builtins?)"
	fi
}

# Partially link a small program the way the kernel build does and list
# what stays undefined (_GLOBAL_OFFSET_TABLE_ aside: see check_closure).
link_test() {
	local t=$ukl_obj/linktest lib=$ukl_obj/lib undef
	mkdir -p "$t"
	cat > "$t/hello.c" <<-'EOF'
	#include <stdio.h>
	#include <stdlib.h>

	int main(int argc, char **argv)
	{
		__int128 n = (__int128)strtoll(argv[0], 0, 0) << 70;
		unsigned __int128 u = n;
		long double x = strtold(argv[0], 0);

		printf("hello %d %lld %llu %Lg\n", argc, (long long)(n / argc),
		       (unsigned long long)(u % (unsigned)argc), x * 3);
		return 0;
	}
	EOF
	run "$t/cc.log" "compiling the link test" \
		gcc $ukl_cflags -nostdinc -isystem "$ukl_prefix.new/include" \
		-c -o "$t/hello.o" "$t/hello.c"
	run "$t/ld.log" "ld -r of the link test" \
		ld -r -u _start -o "$t/hello-ukl.o" "$lib/crt1.o" "$lib/crti.o" \
		"$t/hello.o" "$lib/libc.a" "$lib/libukl-builtins.a" "$lib/crtn.o"
	undef=$(nm -u "$t/hello-ukl.o" | awk '$1 == "U" { print $2 }' |
		grep -vxF -f <(printf '%s\n' $kernel_syms _GLOBAL_OFFSET_TABLE_) ||
		true)
	if [ -n "$undef" ]; then
		echo "$undef" | sed 's/^/  /' >&2
		die "undefined symbols left in the partially linked test program"
	fi
	nm -u "$t/hello-ukl.o" > "$t/undefined.txt"
}

build_ukl() {
	local deep f
	rm -f "$ukl_stamp"
	# A failed rebuild leaves no library behind that a later link could
	# pick up by mistake.
	ukl_building=1
	trap '[ -z "$ukl_building" ] || rm -f "$ukl_prefix"/lib/*.[ao]' EXIT
	[ ! -L "$ukl_tree" ] || die "$ukl_tree is a symlink; remove it"
	bash "$assemble" "$src" "$ukl_tree" "$repo" "$series"

	# musl's Makefile does not track arch headers or the overlay: when a
	# header or the flags change, start over from an empty object dir.
	deep=$( (echo "$src $ukl_cflags"; declare -f build_ukl
		 hash_files "$ukl"/include/*
		 grep '\.h$' "$ukl_tree/.ukl-manifest" | sed "s|^|$ukl_tree/|" |
		 xargs -r sha256sum) | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$ukl_obj/.headers" 2>/dev/null)" != "$deep" ] ||
	   [ ! -f "$ukl_obj/config.mak" ]; then
		log "configuring ring-0 musl in $ukl_obj"
		rm -rf "$ukl_obj"
		mkdir -p "$ukl_obj"
		run "$ukl_obj/configure.log" "configure (ukl)" \
			sh -c 'cd "$1" && "$2/configure" --prefix="$3" \
				--disable-shared --disable-wrapper CFLAGS="$4"' \
			sh "$ukl_obj" "$ukl_tree" "$ukl_prefix" "$ukl_cflags"
		echo "$deep" > "$ukl_obj/.headers"
	fi

	# Not "make all": Scrt1.o/rcrt1.o are built with -fPIC.
	log "building ring-0 musl in $ukl_obj"
	run "$ukl_obj/build.log" "make (ukl)" make -C "$ukl_obj" -j"$jobs" \
		lib/libc.a lib/crt1.o lib/crti.o lib/crtn.o

	mkdir -p "$ukl_obj/builtins"
	rm -f "$ukl_obj/builtins/"*.o
	for f in "$ukl"/builtins/*.c; do
		run "$ukl_obj/builtins.log" "compiling $f" \
			gcc $builtins_cflags -c -o \
			"$ukl_obj/builtins/$(basename "${f%.c}").o" "$f"
	done
	rm -f "$ukl_obj/lib/libukl-builtins.a"
	ar rcs "$ukl_obj/lib/libukl-builtins.a" "$ukl_obj/builtins/"*.o

	# Headers to a fresh staging prefix (the link test compiles against
	# it); libraries only once every check passed.
	rm -rf "$ukl_prefix.new"
	run "$ukl_obj/install.log" "make install-headers (ukl)" \
		make -C "$ukl_obj" DESTDIR= includedir="$ukl_prefix.new/include" \
		install-headers

	# <ukl.h>, the application's interface to the shortcut levels.
	install_file "$ukl/include/ukl.h" "$ukl_prefix.new/include/ukl.h"

	(
		cd "$ukl_obj/lib"
		objs=(libc.a crt1.o crti.o crtn.o libukl-builtins.a)
		check_insns "${objs[@]}"
		check_relocs "${objs[@]}"
		check_funcs "${objs[@]}"
		check_closure "${objs[@]}"
	)
	link_test

	mkdir -p "$ukl_prefix/lib"
	for f in libc.a crt1.o crti.o crtn.o libukl-builtins.a; do
		install_file "$ukl_obj/lib/$f" "$ukl_prefix/lib/$f"
	done
	mkdir -p "$ukl_prefix/include"
	sync_dir "$ukl_prefix.new/include" "$ukl_prefix/include"
	rm -rf "$ukl_prefix.new"
	ukl_building=
	log "ring-0 musl installed in $ukl_prefix ($(cat "$ukl_obj/calls") call *%rcx sites, no syscall)"
	echo "$ukl_hash" > "$ukl_stamp"
}

ukl_up_to_date || build_ukl
