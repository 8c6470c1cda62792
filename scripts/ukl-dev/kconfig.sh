#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the .config of a test scenario: tinyconfig, then the fragments merged
# with the kernel's own scripts/kconfig/merge_config.sh, then olddefconfig.
#
# Usage: kconfig.sh KSRC KOBJ FRAGMENT...
#
# A line "#include NAME" in a fragment stands for the fragment NAME of the
# same directory (merge_config.sh takes it for a comment), so that
# scenarios that share a kernel say so in one line: configs/UKL is
# "#include MAIN" and its application.
#
# Every option a fragment sets must survive olddefconfig with that value;
# when one does not (a typo, or an unmet dependency), the script stops and
# names it, instead of silently building something else.  The .config in
# KOBJ is only replaced when it changes, so kbuild does not rebuild an
# unchanged configuration; a new KOBJ whose configuration differs from a
# built sibling's only in the application starts as a copy of it.

set -euo pipefail

ksrc=$1 kobj=$2
shift 2

die() { echo "kconfig: error: $*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Print fragment $1 with its #include lines replaced by what they name;
# $2 is the chain of includes, to refuse a loop.
expand() {
	local f=$1 chain=$2 line inc

	[ -f "$f" ] || die "no config fragment $f${chain:+ (included by ${chain% <- })}"
	case " <- $chain" in *" <- $f <- "*) die "$f includes itself (${chain}$f)" ;; esac
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^#include[[:space:]]+([^[:space:]]+)[[:space:]]*$ ]]; then
			inc=${BASH_REMATCH[1]}
			[[ $inc == /* ]] || inc=$(dirname "$f")/$inc
			expand "$(realpath -m "$inc")" "$chain$f <- " || return 1
		else
			printf '%s\n' "$line"
		fi
	done <"$f"
}

frags=() n=0
for f in "$@"; do
	n=$((n + 1))
	expand "$(realpath -m "$f")" "" >"$tmp/fragment-$n.config"
	frags+=("$tmp/fragment-$n.config")
done
set -- "${frags[@]}"

# Nothing to do when neither the fragments nor the Kconfig files changed.
key=$( { cat "$@"; find "$ksrc" -name 'Kconfig*' -not -path '*/tools/*' -print0 |
	 sort -z | xargs -0 cat; } | sha256sum | cut -d' ' -f1)
if [ -f "$kobj/.config" ] && [ "$(cat "$kobj/.ukl-config-key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi

make -s -C "$ksrc" O="$tmp" tinyconfig >/dev/null
(cd "$tmp" && "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$tmp" "$tmp/.config" "$@" >/dev/null)
make -s -C "$ksrc" O="$tmp" olddefconfig >/dev/null

bad=0
for f in "$@"; do
	# Last assignment of an option across all fragments is what counts.
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)/\1 \2/p' \
	       -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1 n/p' "$f"
done | awk '{v[$1] = $2} END {for (k in v) print k, v[k]}' | sort |
while read -r opt val; do
	got=$(sed -n -e "s/^$opt=\(.*\)/\1/p" -e "s/^# $opt is not set/n/p" "$tmp/.config")
	[ -n "$got" ] || got=n
	if [ "$got" != "$val" ]; then
		echo "kconfig: error: $opt=$val was requested but the configuration has $opt=$got;" \
		     "check its spelling and its dependencies ('make menuconfig', then search with /)" >&2
		echo bad
	fi
done > "$tmp/bad"
[ -s "$tmp/bad" ] && exit 1

# A new build directory whose configuration differs from a built one only
# in CONFIG_UKL_APP (another application on the same kernel) starts as a
# copy of it: kbuild then rebuilds what depends on CONFIG_UKL_APP and
# relinks, instead of compiling the whole kernel.
if [ ! -f "$kobj/.config" ]; then
	for d in "$(dirname "$kobj")"/*; do
		[ "$d" != "$kobj" ] && [ -f "$d/vmlinux" ] && [ -f "$d/.config" ] || continue
		cmp -s <(grep -v '^CONFIG_UKL_APP=' "$d/.config") \
		       <(grep -v '^CONFIG_UKL_APP=' "$tmp/.config") || continue
		echo "kconfig: $kobj starts as a copy of $d (only CONFIG_UKL_APP differs)" >&2
		rm -rf "$kobj"
		cp -a "$d" "$kobj"
		break
	done
fi

mkdir -p "$kobj"
if ! cmp -s "$tmp/.config" "$kobj/.config"; then
	cp "$tmp/.config" "$kobj/.config"
	echo "kconfig: wrote $kobj/.config" >&2
fi
echo "$key" >"$kobj/.ukl-config-key"
