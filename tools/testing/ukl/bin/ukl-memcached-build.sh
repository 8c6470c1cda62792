#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build memcached and the libevent it links with (Debian's source packages,
# unpacked by scripts/ukl-dev/sources.sh into $BUILD/src/memcached and
# $BUILD/src/libevent) twice, without changing a line of either:
#
#   OUTDIR/app.o       memcached as the UKL application object: libevent
#                      and memcached configured with --host for the ring-0
#                      musl and built with ukl-gcc
#   OUTDIR/memcached   the same memcached as an ordinary static ring-3
#                      program, built with the user-mode musl
#                      ($BUILD/musl/user/bin/musl-gcc), the baseline
#
# Usage: ukl-memcached-build.sh OUTDIR
#
# Each package is built by its own ./configure and make, out of its source
# tree, in OUTDIR/FLAVOUR/{libevent,memcached}; libevent as a static
# library only (--disable-shared), without OpenSSL, samples and its
# regression tests, installed into OUTDIR/FLAVOUR/libevent-root, which
# memcached's --with-libevent names.  Only build flags differ from a
# plain build: CFLAGS=-O2 (no debug information), and CC.  A stamp of the
# inputs makes a second run a no-op.  ukl-test.sh runs this for the
# "build ukl-memcached-build.sh" line of the MEMCACHED scenario.
#
# The ring-0 compiler is scripts/ukl/ukl-gcc, run with UKL_LIBC set to
# the ring-0 musl; configure then cross-compiles
# (--host=x86_64-ukl-linux-musl): it cannot run what ukl-gcc links.
# UKL_GCC=path overrides the compiler.
#
# Environment: BUILD (default: the repository's build/), JOBS (default
# nproc), UKL_MUSL_GCC (ring-3 compiler, as for ukl-test.sh),
# UKL_CCACHE_DIR (default /var/cache/ukl/ccache).

set -euo pipefail

me=ukl-memcached-build
src=memcached/memcached.c
. "$(dirname "${BASH_SOURCE[0]}")/ukl-app-build.sh"
[ -f "$BUILD/src/libevent/event.c" ] ||
	die "no libevent source in $BUILD/src/libevent (make deps: scripts/ukl-dev/sources.sh)"
out=$(realpath -m "${1:?usage: ukl-memcached-build.sh OUTDIR}")
mkdir -p "$out"

libevent_conf=(--disable-shared --enable-static --disable-openssl --disable-samples
	       --disable-libevent-regress --disable-dependency-tracking)

# Configure and make package $3 (libevent or memcached) of flavour $1 in
# $2/$3 with compiler $4 and configure options $5...; log in $2/$3.log.
configure_make() {
	local flavour=$1 dir=$2/$3 pkg=$3 cc=$4 target

	shift 4
	echo "  MEMCACHED $flavour: $pkg in $dir (log: $dir.log)"
	rm -rf "$dir"
	mkdir -p "$dir"
	# libevent is installed for memcached; of memcached only the server.
	target=install
	[ "$pkg" = libevent ] || target=memcached
	if ! (cd "$dir" && "$BUILD/src/$pkg/configure" CC="$cc" CFLAGS=-O2 "$@" &&
	      make -j"$jobs" "$target") >"$dir.log" 2>&1; then
		tail -n 30 "$dir.log"
		die "building $pkg ($flavour) failed (log: $dir.log)"
	fi
}

# Build libevent and memcached for flavour $1 with compiler $2 and the
# configure options $3... of both.  Skipped when the stamp matches.
build() {
	local flavour=$1 cc=$2 dir=$out/$1 stamp hash

	shift 2
	hash=$( { cat "$BUILD/src/memcached/.ukl-unpacked" "$BUILD/src/libevent/.ukl-unpacked"
		  echo "$cc $* ${libevent_conf[*]}"; } | inputs_hash "${BASH_SOURCE[0]}")
	stamp=$dir/.ukl-stamp
	if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && [ -f "$dir/memcached/memcached" ]; then
		return 0
	fi
	rm -rf "$dir"
	configure_make "$flavour" "$dir" libevent "$cc" "$@" "${libevent_conf[@]}" \
		--prefix="$dir/libevent-root"
	configure_make "$flavour" "$dir" memcached "$cc" "$@" \
		--with-libevent="$dir/libevent-root"
	echo "$hash" >"$stamp"
}

build ukl "$ccache$ukl_gcc" --host=x86_64-ukl-linux-musl & ukl_build=$!
build ring3 "$ccache$musl_gcc -static" & ring3_build=$!
wait_all "$ukl_build" "$ring3_build" || exit 1

install_if_changed "$out/ukl/memcached/memcached" "$out/app.o"
install_if_changed "$out/ring3/memcached/memcached" "$out/memcached"
