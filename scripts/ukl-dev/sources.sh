#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages UKL builds with, fetch the kernel, musl,
# Redis, memcached, libevent and nginx sources, unpack them into the
# build directory and check their versions.
#
# Usage: sources.sh BUILD_DIR
#
# Idempotent: when every package is installed and all trees are unpacked
# and stamped, it only checks versions and returns in well under a second.

set -euo pipefail

build=${1:?usage: sources.sh BUILD_DIR}
src="$build/src"

# The versions this series is written for.  A mismatch is an error: the
# diffs in patches/ and tools/ukl/musl/patches/ are made against these.
want_linux_major=6.12
want_musl=1.2.3
# Redis for the REDIS scenario and make bench-redis (Documentation/ukl/
# redis.rst): the upstream version is pinned, the Debian revision is
# whatever bookworm's security updates carry (recorded in the stamp).
want_redis=7.0.15
# memcached and the libevent it is linked with, for the MEMCACHED scenario
# (Documentation/ukl/memcached.rst), likewise.
want_memcached=1.6.18
want_libevent=2.1.12-stable
# nginx for the NGINX scenario (Documentation/ukl/nginx.rst), likewise.
want_nginx=1.22.1

packages=(linux-source-6.12 qemu-system-x86 gcc binutils make flex bison bc
	  libelf-dev libssl-dev cpio ccache xz-utils dpkg-dev python3
	  busybox-static git python3-ply python3-sphinx python3-sphinx-rtd-theme
	  graphviz gnuplot-nox redis-tools apache2-utils libmemcached-tools
	  e2fsprogs)

die() { echo "sources: error: $*" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
	grep -q 'install ok installed' < <(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) ||
		missing+=("$p")
done

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	[ "$(id -u)" = 0 ] || die "missing packages need root: run 'make deps' as root"
	apt-get update -qq
	apt_updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
	echo "sources: installing ${missing[*]}" >&2
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# apt-get source needs deb-src entries; add them for the suites the
# machine already uses (Debian 12 ships deb822 sources).
enable_deb_src() {
	local f=/etc/apt/sources.list.d/debian.sources

	grep -qx Sources < <(apt-get indextargets --format '$(IDENTIFIER)' 2>/dev/null) && return
	[ "$(id -u)" = 0 ] || die "enabling deb-src needs root: run 'make deps' as root"
	if [ -f "$f" ] && grep -q '^Types: deb$' "$f"; then
		sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
	else
		sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list \
			> /etc/apt/sources.list.d/ukl-deb-src.list
	fi
	apt_updated=
	apt_update
}

mkdir -p "$src"

# --- Linux -----------------------------------------------------------------
linux_tar=/usr/src/linux-source-$want_linux_major.tar.xz
[ -f "$linux_tar" ] || die "$linux_tar not found (package linux-source-$want_linux_major)"
linux_pkg_ver=$(dpkg-query -W -f='${Version}' linux-source-$want_linux_major)
linux="$src/linux"
if [ ! -f "$linux/.ukl-unpacked" ] || [ "$(cat "$linux/.ukl-unpacked")" != "$linux_pkg_ver" ]; then
	echo "sources: unpacking linux-source-$want_linux_major $linux_pkg_ver" >&2
	rm -rf "$linux" "$src/linux-source-$want_linux_major"
	tar -C "$src" -xJf "$linux_tar"
	mv "$src/linux-source-$want_linux_major" "$linux"
	echo "$linux_pkg_ver" > "$linux/.ukl-unpacked"
fi
kver=$(make -s -C "$linux" kernelversion 2>/dev/null)
case "$kver" in
$want_linux_major.*) ;;
*) die "kernel source is $kver, UKL is written for Linux $want_linux_major.x" ;;
esac

# --- musl ------------------------------------------------------------------
musl="$src/musl"
if [ ! -f "$musl/.ukl-unpacked" ]; then
	enable_deb_src
	echo "sources: fetching musl $want_musl source" >&2
	tmp=$(mktemp -d "$src/musl-src.XXXXXX")
	if ! (cd "$tmp" && apt-get source -qq "musl=$want_musl-1" >/dev/null 2>&1); then
		apt_updated=
		apt_update
		(cd "$tmp" && apt-get source -qq "musl=$want_musl-1" >/dev/null) ||
			die "apt-get source musl=$want_musl-1 failed"
	fi
	d=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'musl-*' | head -1)
	[ -n "$d" ] || die "apt-get source did not unpack a musl tree"
	rm -rf "$musl"
	mv "$d" "$musl"
	rm -rf "$tmp"
	touch "$musl/.ukl-unpacked"
fi
mver=$(cat "$musl/VERSION")
[ "$mver" = "$want_musl" ] || die "musl source is $mver, UKL is written for musl $want_musl"

# Fetch Debian's source package $1 and unpack it, with Debian's patches
# applied, as $2; record the package version in $2/.ukl-unpacked.  Kept
# until that file is removed.  Debian builds run autoreconf, so a patch to
# Makefile.am or configure.ac leaves the shipped configure outdated in
# make's eyes: the generated autotools files are touched in the order
# autoreconf would write them, which keeps make from running automake.
fetch_deb_source() {
	local pkg=$1 dir=$2 tmp d dsc f

	[ -f "$dir/.ukl-unpacked" ] && return
	enable_deb_src
	echo "sources: fetching $pkg source" >&2
	tmp=$(mktemp -d "$src/$pkg-src.XXXXXX")
	if ! (cd "$tmp" && apt-get source -qq "$pkg" >/dev/null 2>&1); then
		apt_updated=
		apt_update
		# A mirror may lag behind the index of security updates: the
		# newest version's files can be missing, an older one's there.
		for v in "" $(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' |
			      sort -r -V); do
			rm -rf "${tmp:?}"/*
			(cd "$tmp" && apt-get source -qq "$pkg${v:+=$v}" >/dev/null 2>&1) && break
		done
		[ -n "$(find "$tmp" -maxdepth 1 -name "${pkg}_*.dsc")" ] ||
			die "apt-get source $pkg failed (deb-src entries?)"
	fi
	d=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -1)
	[ -n "$d" ] || die "apt-get source did not unpack a $pkg tree"
	dsc=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.dsc" | head -1)
	for f in aclocal.m4 configure config.h.in Makefile.in; do
		find "$d" -name "$f" -exec touch {} +
		sleep 1
	done
	rm -rf "$dir"
	mv "$d" "$dir"
	sed -n 's/^Version: //p' "$dsc" >"$dir/.ukl-unpacked"
	rm -rf "$tmp"
}

# The upstream version of the tree in $1 is $2 ($3 names the package),
# as read by the command in $4.
check_version() {
	[ "$2" = "$3" ] ||
		die "$4 source is ${2:-unknown}, UKL is tested with $4 $3 (rm -r $1 to fetch it again)"
}

# --- Redis, memcached, libevent and nginx -------------------------------------
redis="$src/redis"
fetch_deb_source redis "$redis"
check_version "$redis" \
	"$(sed -n 's/^#define REDIS_VERSION "\(.*\)"$/\1/p' "$redis/src/version.h")" \
	"$want_redis" redis
memcached="$src/memcached"
fetch_deb_source memcached "$memcached"
check_version "$memcached" "$(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" "$memcached/configure")" \
	"$want_memcached" memcached
libevent="$src/libevent"
fetch_deb_source libevent "$libevent"
check_version "$libevent" "$(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" "$libevent/configure")" \
	"$want_libevent" libevent
nginx="$src/nginx"
fetch_deb_source nginx "$nginx"
check_version "$nginx" \
	"$(sed -n 's/^#define NGINX_VERSION  *"\(.*\)"$/\1/p' "$nginx/src/core/nginx.h")" \
	"$want_nginx" nginx

# --- the QEMU plugin API --------------------------------------------------
# qemu-plugin.h of the installed QEMU, for make bench's TCG plugin
# (tools/testing/ukl/insn-classes/): only in Debian's qemu source package.
qver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
qplugin="$src/qemu-plugin"
if [ "$(cat "$qplugin/.ukl-unpacked" 2>/dev/null)" != "$qver" ]; then
	enable_deb_src
	echo "sources: fetching qemu-plugin.h of qemu $qver" >&2
	tmp=$(mktemp -d "$src/qemu-src.XXXXXX")
	if ! (cd "$tmp" && apt-get source -qq --download-only "qemu=$qver" >/dev/null 2>&1); then
		apt_updated=
		apt_update
		(cd "$tmp" && apt-get source -qq --download-only "qemu=$qver" >/dev/null) ||
			die "apt-get source qemu=$qver failed (deb-src entries?)"
	fi
	orig=$(find "$tmp" -maxdepth 1 -name 'qemu_*.orig.tar.*' | head -1)
	[ -n "$orig" ] || die "apt-get source qemu=$qver fetched no upstream tarball"
	tar -xf "$orig" -C "$tmp" --wildcards '*/include/qemu/qemu-plugin.h' ||
		die "$orig has no include/qemu/qemu-plugin.h"
	rm -rf "$qplugin"
	mkdir -p "$qplugin/qemu"
	mv "$tmp"/*/include/qemu/qemu-plugin.h "$qplugin/qemu/"
	echo "$qver" >"$qplugin/.ukl-unpacked"
	rm -rf "$tmp"
fi

# --- toolchain -------------------------------------------------------------
gver=$(gcc -dumpversion)
case "$gver" in
1[2-9]*) ;;
*) die "gcc $gver is too old: UKL is tested with Debian 12's gcc 12" ;;
esac
