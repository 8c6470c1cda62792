#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nginx (Debian's source package, unpacked by scripts/ukl-dev/sources.sh
# into $BUILD/src/nginx) twice, without changing a line of it:
#
#   OUTDIR/app.o    nginx as the UKL application object, compiled and
#                   linked with ukl-gcc
#   OUTDIR/nginx    the same nginx as an ordinary static ring-3 program,
#                   built with the user-mode musl
#                   ($BUILD/musl/user/bin/musl-gcc -static), the baseline
#
# Usage: ukl-nginx-build.sh OUTDIR
#
# nginx's configure is its own, not autoconf's, and cannot cross-compile:
# it runs its test programs (the sizes of types, features that must
# work).  So both flavours are configured alike, with the user-mode musl,
# whose headers and ABI are the ring-0 musl's; the application is then
# built by the Makefile that configure wrote, with make CC=ukl-gcc.  Each
# flavour is built in a copy of the source tree (configure writes into
# it), with the same options (the variable conf below): no PCRE and zlib
# (the rewrite and gzip modules), which would be two more libraries to
# build for ring 0, and the paths of the NGINX scenario's root file
# system.  A stamp of the inputs makes a second run a no-op.  ukl-test.sh
# runs this for the "build ukl-nginx-build.sh" line of NGINX.tests.
#
# nginx calls dlopen() for its load_module directive, which the scenario
# does not use: the application is linked with UKL_ALLOW_DLOPEN=1, and
# dlopen() fails if it is called.  UKL_GCC=path overrides the compiler.
#
# Environment: BUILD (default: the repository's build/), JOBS (default
# nproc), UKL_MUSL_GCC (ring-3 compiler, as for ukl-test.sh),
# UKL_CCACHE_DIR (default /var/cache/ukl/ccache).

set -euo pipefail

me=ukl-nginx-build
testdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$testdir/../../.." && pwd)
: "${BUILD:=$repo/build}"
BUILD=$(realpath -m "$BUILD")
out=$(realpath -m "${1:?usage: ukl-nginx-build.sh OUTDIR}")
src=$BUILD/src/nginx
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

[ -f "$src/src/core/nginx.c" ] ||
	die "no nginx source in $src (make deps: scripts/ukl-dev/sources.sh)"
[ -f "$libc/lib/libc.a" ] || die "no ring-0 musl in $libc (scripts/ukl-dev/musl.sh)"
[ -x "$musl_gcc" ] || die "no user-mode musl-gcc $musl_gcc (scripts/ukl-dev/musl.sh)"
[ -x "$ukl_gcc" ] || die "no $ukl_gcc (scripts/ukl/ukl-gcc)"
mkdir -p "$out"
export UKL_LIBC=$libc UKL_ALLOW_DLOPEN=1

conf=(--with-cc-opt=-O2 --without-http_rewrite_module --without-http_gzip_module
      --prefix=/ --sbin-path=/nginx --conf-path=/etc/nginx/nginx.conf
      --error-log-path=/dev/stderr --http-log-path=/var/log/nginx/access.log
      --pid-path=/tmp/nginx.pid --lock-path=/tmp/nginx.lock
      --http-client-body-temp-path=/tmp/nginx-body
      --http-proxy-temp-path=/tmp/nginx-proxy
      --http-fastcgi-temp-path=/tmp/nginx-fastcgi
      --http-uwsgi-temp-path=/tmp/nginx-uwsgi
      --http-scgi-temp-path=/tmp/nginx-scgi)

# configure takes one word for the compiler, and the programs it runs must
# be static: a wrapper.
ring3_cc=$out/musl-gcc-static
printf '#!/bin/sh\nexec %s%s -static "$@"\n' "$ccache" "$musl_gcc" >"$ring3_cc.new"
chmod +x "$ring3_cc.new"
cmp -s "$ring3_cc.new" "$ring3_cc" && rm "$ring3_cc.new" || mv "$ring3_cc.new" "$ring3_cc"

# Build nginx for flavour $1 in a copy of the tree: configure with the
# ring-3 compiler, make with $2 (empty: the configured one).  Skipped when
# the stamp matches.
build() {
	local flavour=$1 cc=$2 tree=$out/$1 stamp hash

	hash=$( (cat "$src/.ukl-unpacked" 2>/dev/null; echo "$cc ${conf[*]}"
		 sha256sum "$libc/lib/libc.a" "$musl_gcc" "${BASH_SOURCE[0]}" "$ring3_cc" \
			"$ukl_gcc" "$repo/scripts/ukl/ukl-mkapp" "$repo/scripts/ukl/ukl-app.lds") |
		sha256sum | cut -d ' ' -f 1)
	stamp=$tree/.ukl-stamp
	if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && [ -f "$tree/objs/nginx" ]; then
		return 0
	fi
	echo "  NGINX   $flavour: $tree (log: $tree.log)"
	rm -rf "$tree"
	cp -a "$src" "$tree"
	if ! (cd "$tree" && ./configure --with-cc="$ring3_cc" "${conf[@]}" &&
	      make -j"$jobs" -f objs/Makefile ${cc:+CC="$cc"}) >"$tree.log" 2>&1; then
		tail -n 30 "$tree.log"
		die "building nginx ($flavour) failed (log: $tree.log)"
	fi
	echo "$hash" >"$stamp"
}

# A parent make's jobserver and variables must not reach nginx's make.
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS LDFLAGS

build ukl "$ccache$ukl_gcc"
build ring3 ""

# The kernel links app.o (CONFIG_UKL_APP): only replace it when it changed.
cmp -s "$out/ukl/objs/nginx" "$out/app.o" || cp "$out/ukl/objs/nginx" "$out/app.o"
cmp -s "$out/ring3/objs/nginx" "$out/nginx" || cp "$out/ring3/objs/nginx" "$out/nginx"
