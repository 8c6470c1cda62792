#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Redis (Debian's source package, unpacked by scripts/ukl-dev/sources.sh
# into $BUILD/src/redis) twice, without changing a line of it:
#
#   OUTDIR/app.o         redis-server as the UKL application object, built
#                        with the ring-0 musl ($BUILD/musl/ukl)
#   OUTDIR/redis-server  the same Redis as an ordinary static ring-3
#                        program, built with the user-mode musl
#                        ($BUILD/musl/user/bin/musl-gcc), the baseline
#
# Usage: ukl-redis-build.sh OUTDIR
#
# Only build flags differ from a plain "make": MALLOC=libc (no jemalloc),
# USE_SYSTEMD=no, BUILD_TLS=no, no debug information (DEBUG=), and CC.
# Each flavour is built in a copy of the source tree (Redis builds in its
# tree); a stamp of the inputs makes a second run a no-op.  ukl-test.sh
# runs this for a scenario's "build ukl-redis-build.sh" line.
#
# The ring-0 compiler is scripts/ukl/ukl-gcc (the musl-gcc-like wrapper:
# compiles with the ring-0 flags, its link step makes the application
# object with ukl-mkapp; it is run with UKL_LIBC set to the ring-0 musl).
# UKL_GCC=path overrides it.
#
# Redis's mkreleasehdr.sh records the git commit of the tree it is built
# in: GIT_CEILING_DIRECTORIES keeps it from finding this repository's
# (it records 00000000, as for a tarball).  Both builds compile through
# ccache when it is installed (the kernel builds' cache, UKL_CCACHE_DIR).
#
# Environment: BUILD (default: the repository's build/), JOBS (default
# nproc), UKL_MUSL_GCC (ring-3 compiler, as for ukl-test.sh),
# UKL_CCACHE_DIR (default /var/cache/ukl/ccache).

set -euo pipefail

me=ukl-redis-build
src=redis/src/version.h
. "$(dirname "${BASH_SOURCE[0]}")/ukl-app-build.sh"
out=$(realpath -m "${1:?usage: ukl-redis-build.sh OUTDIR}")
mkdir -p "$out"

# Redis's own build variables: everything that makes these builds differ
# from Debian's default "make".
redis_make=(MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no DEBUG= AR=ar V=1)

# Redis's MODULE LOAD calls dlopen(), and reports its failure.
export UKL_ALLOW_DLOPEN=1

# --- building ------------------------------------------------------------------

# Build redis-server in a copy $2 of the source tree with compiler $3...;
# $1 names the flavour.  Skipped when the stamp matches.
build() {
	local name=$1 tree=$2 stamp hash

	shift 2
	hash=$( { cat "$BUILD/src/redis/.ukl-unpacked"; echo "$*" "${redis_make[*]}"; } |
		inputs_hash "${BASH_SOURCE[0]}")
	stamp=$tree/.ukl-stamp
	if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && [ -f "$tree/src/redis-server" ]; then
		return 0
	fi
	echo "  REDIS   $name: $tree (log: $tree.log)"
	rm -rf "$tree"
	cp -a "$BUILD/src/redis" "$tree"
	if ! make -C "$tree/src" -j"$jobs" redis-server "${redis_make[@]}" CC="$*" \
		>"$tree.log" 2>&1; then
		tail -n 30 "$tree.log"
		die "building Redis ($name) failed (log: $tree.log)"
	fi
	echo "$hash" >"$stamp"
}

export GIT_CEILING_DIRECTORIES=$out

build ukl "$out/redis-ukl" $ccache "$ukl_gcc"
build ring3 "$out/redis-ring3" $ccache "$musl_gcc" -static

install_if_changed "$out/redis-ukl/src/redis-server" "$out/app.o"
install_if_changed "$out/redis-ring3/src/redis-server" "$out/redis-server"
