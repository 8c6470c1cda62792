# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that build a program from sources outside this
# repository twice, as the UKL application and as a ring-3 baseline
# (ukl-redis-build.sh, ukl-memcached-build.sh, ukl-nginx-build.sh), after
# they set "me" (their name for messages) and "src" (a file of the source
# tree that must exist, relative to $BUILD/src).  Sets:
#
#   testdir, repo   this directory and the repository
#   BUILD           the build directory (absolute)
#   libc            the ring-0 musl, exported as UKL_LIBC for ukl-gcc
#   musl_gcc        the user-mode musl-gcc (UKL_MUSL_GCC overrides it)
#   ukl_gcc         scripts/ukl/ukl-gcc (UKL_GCC overrides it)
#   jobs            JOBS, or the number of CPUs
#   ccache          "ccache " when ccache is installed (the kernel builds'
#                   cache, UKL_CCACHE_DIR), else empty: a prefix for CC
#
# and checks that all of them are there.  A parent make's jobserver and
# variables are unset, as they must not reach the program's own build.

testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(cd "$testdir/../../.." && pwd)
: "${BUILD:=$repo/build}"
BUILD=$(realpath -m "$BUILD")
libc=$BUILD/musl/ukl
musl_gcc=${UKL_MUSL_GCC:-$BUILD/musl/user/bin/musl-gcc}
ukl_gcc=${UKL_GCC:-$repo/scripts/ukl/ukl-gcc}
jobs=${JOBS:-$(nproc)}
ccache=
if command -v ccache >/dev/null; then
	ccache="ccache "
	export CCACHE_DIR=${UKL_CCACHE_DIR:-/var/cache/ukl/ccache} CCACHE_BASEDIR=$BUILD
	mkdir -p "$CCACHE_DIR"
fi

die() { echo "$me: error: $*" >&2; exit 1; }

[ -f "$BUILD/src/$src" ] ||
	die "no $BUILD/src/$src (make deps: scripts/ukl-dev/sources.sh)"
[ -f "$libc/lib/libc.a" ] || die "no ring-0 musl in $libc (scripts/ukl-dev/musl.sh)"
[ -x "$musl_gcc" ] || die "no user-mode musl-gcc $musl_gcc (scripts/ukl-dev/musl.sh)"
[ -x "$ukl_gcc" ] || die "no $ukl_gcc (scripts/ukl/ukl-gcc)"
export UKL_LIBC=$libc
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS LDFLAGS

# The hash of the inputs $@ (files) and of the strings on standard input,
# with the ring-0 and ring-3 C libraries and the ring-0 linker: a build's
# stamp.
inputs_hash() {
	(cat; sha256sum "$libc/lib/libc.a" "$musl_gcc" "$ukl_gcc" \
		"$repo/scripts/ukl/ukl-mkapp" "$repo/scripts/ukl/ukl-app.lds" "$@") |
		sha256sum | cut -d ' ' -f 1
}

# Wait for the background jobs $@; false if any of them failed.  The two
# flavours of an application build at the same time: most of their time
# goes to configure scripts, which run on one CPU.
wait_all() {
	local p st=0

	for p; do
		wait "$p" || st=1
	done
	return "$st"
}

# Copy $1 to $2 unless they are the same: the kernel links app.o
# (CONFIG_UKL_APP), which must only change when the application did.
install_if_changed() {
	cmp -s "$1" "$2" || cp "$1" "$2"
}
