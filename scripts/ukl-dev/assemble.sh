#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn a pristine source tree into the UKL tree: copy the new files of the
# repository in and apply the diffs of a series file in order.
#
# Usage: assemble.sh PRISTINE TREE REPO SERIES [NEWFILE_DIR...]
#
#   PRISTINE     unpacked upstream tree, never modified
#   TREE         the tree that is built; created on first use
#   REPO         the UKL repository
#   SERIES       file listing diffs (relative to its directory), one per line
#   NEWFILE_DIR  paths relative to REPO whose files are copied to the same
#                path in TREE
#
# Only files whose content changes are written, so kbuild's incremental
# build (and ccache) see untouched timestamps for everything else.  Every
# diff is applied to a staging copy of the files it touches first; a diff
# that does not apply stops the assembly with its name and nothing in TREE
# is changed.  Files that an earlier assembly changed but the current one
# no longer touches are restored from PRISTINE (manifest in TREE).  A
# file that was edited in TREE since it was installed (checksums in TREE)
# is neither replaced nor restored: the assembly stops and names it, since
# the edit would be lost.

set -euo pipefail

pristine=$1 tree=$2 repo=$3 series=$4
shift 4

die() { echo "assemble: error: $*" >&2; exit 1; }

[ -d "$pristine" ] || die "no pristine tree at $pristine (run 'make sources')"
[ -f "$series" ] || die "no series file $series"

if [ ! -d "$tree" ]; then
	echo "assemble: copying $pristine to $tree" >&2
	mkdir -p "$(dirname "$tree")"
	mkdir -p "$tree.tmp"
	cp -a "$pristine/." "$tree.tmp"
	rm -f "$tree.tmp/.ukl-manifest"
	mv "$tree.tmp" "$tree"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage" "$stage.manifest"' EXIT

# 1. New files.
for d in "$@"; do
	[ -e "$repo/$d" ] || continue
	(cd "$repo" && find "$d" -type f ! -name '*.orig' ! -name '*.rej' -print0) |
	while IFS= read -r -d '' f; do
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$repo/$f" "$stage/$f"
	done
done

# 2. Diffs, in series order.
seriesdir=$(dirname "$series")
while read -r p _; do
	case "$p" in ''|'#'*) continue ;; esac
	diff="$seriesdir/$p"
	[ -f "$diff" ] || die "$series names $p, which does not exist"
	# The files the diff touches: stage pristine copies of those not staged.
	sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$diff" | while read -r f; do
		[ -e "$stage/$f" ] && continue
		mkdir -p "$stage/$(dirname "$f")"
		if [ -e "$pristine/$f" ]; then
			cp -p "$pristine/$f" "$stage/$f"
		fi
	done
	if ! out=$(patch -d "$stage" -p1 -N -s -r - --no-backup-if-mismatch < "$diff" 2>&1); then
		echo "$out" >&2
		die "diff $p does not apply to $(basename "$pristine") (from $series)"
	fi
done < "$series"

# 3. Install what changed; restore what is no longer ours.
(cd "$stage" && find . -type f | sed 's|^\./||' | sort) > "$stage.manifest"
# Files of ours that were edited in TREE since they were installed, and
# that this assembly would change: what it would install (or restore from
# PRISTINE) is not what the file holds now.
if [ -f "$tree/.ukl-sums" ]; then
	edited=()
	while IFS= read -r f; do
		if [ -f "$stage/$f" ]; then
			cmp -s "$stage/$f" "$tree/$f" && continue
		elif [ -e "$pristine/$f" ]; then
			cmp -s "$pristine/$f" "$tree/$f" && continue
		fi
		edited+=("$f")
	done < <(cd "$tree" && sha1sum --quiet -c .ukl-sums 2>/dev/null |
		 sed -n 's/: FAILED$//p' || true)
	if [ ${#edited[@]} -gt 0 ]; then
		echo "assemble: these files of $tree were edited since they were assembled:" >&2
		printf '  %s\n' "${edited[@]}" >&2
		die "the edits would be lost: move them into the repository ($repo/FILE" \
		    "for a new file, scripts/ukl-dev/mkdiff.sh for an upstream one), or" \
		    "remove the files from $tree to take the repository's"
	fi
fi
changed=0
while read -r f; do
	if ! cmp -s "$stage/$f" "$tree/$f"; then
		mkdir -p "$tree/$(dirname "$f")"
		cp "$stage/$f" "$tree/$f"
		chmod --reference="$stage/$f" "$tree/$f"
		changed=$((changed + 1))
	fi
done < "$stage.manifest"
if [ -f "$tree/.ukl-manifest" ]; then
	comm -23 "$tree/.ukl-manifest" "$stage.manifest" | while read -r f; do
		if [ -e "$pristine/$f" ]; then
			cp "$pristine/$f" "$tree/$f"
		else
			rm -f "$tree/$f"
		fi
	done
fi
mv "$stage.manifest" "$tree/.ukl-manifest"
(cd "$tree" && xargs -r -d '\n' -a .ukl-manifest sha1sum) > "$tree/.ukl-sums.new"
mv "$tree/.ukl-sums.new" "$tree/.ukl-sums"
[ "$changed" = 0 ] || echo "assemble: $changed file(s) updated in $tree" >&2
