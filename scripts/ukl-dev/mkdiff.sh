#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write a diff of upstream files edited in the assembled tree.
#
# Usage: mkdiff.sh PRISTINE TREE OUT.diff "header text" FILE...
#
# The header text becomes the diff's description (what and why); FILEs are
# paths relative to the trees.  Append OUT.diff to patches/series by hand.

set -euo pipefail
pristine=$1 tree=$2 out=$3 header=$4
shift 4
{
	printf '%s\n\n' "$header"
	for f in "$@"; do
		diff -u --label "a/$f" --label "b/$f" "$pristine/$f" "$tree/$f" || [ $? = 1 ]
	done
} > "$out"
