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
src=nginx/src/core/nginx.c
. "$(dirname "${BASH_SOURCE[0]}")/ukl-app-build.sh"
out=$(realpath -m "${1:?usage: ukl-nginx-build.sh OUTDIR}")
mkdir -p "$out"
export UKL_ALLOW_DLOPEN=1

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

	hash=$( { cat "$BUILD/src/nginx/.ukl-unpacked"; echo "$cc ${conf[*]}"; } |
		inputs_hash "${BASH_SOURCE[0]}" "$ring3_cc")
	stamp=$tree/.ukl-stamp
	if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && [ -f "$tree/objs/nginx" ]; then
		return 0
	fi
	echo "  NGINX   $flavour: $tree (log: $tree.log)"
	rm -rf "$tree"
	cp -a "$BUILD/src/nginx" "$tree"
	if ! (cd "$tree" && ./configure --with-cc="$ring3_cc" "${conf[@]}" &&
	      make -j"$jobs" -f objs/Makefile ${cc:+CC="$cc"}) >"$tree.log" 2>&1; then
		tail -n 30 "$tree.log"
		die "building nginx ($flavour) failed (log: $tree.log)"
	fi
	echo "$hash" >"$stamp"
}

build ukl "$ccache$ukl_gcc" & ukl_build=$!
build ring3 "" & ring3_build=$!
wait_all "$ukl_build" "$ring3_build" || exit 1

install_if_changed "$out/ukl/objs/nginx" "$out/app.o"
install_if_changed "$out/ring3/objs/nginx" "$out/nginx"
