#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh KOBJ COMMAND... - run the kernel build COMMAND, fail on objtool
# warnings
#
# objtool checks vmlinux.o, the application linked in, for what the
# kernel's configuration promises: with retpolines and return thunks, that
# no return or indirect branch bypasses them; with IBT, that indirect
# branches land on ENDBR.  In 6.12 it only warns, and kbuild goes on.  A
# build with such a warning fails here instead, as with any objtool
# warning about the kernel's own code, and its vmlinux.o is removed, so
# that the next build runs objtool again and does not pass because
# nothing was relinked.
#
# objtool also follows the control flow of the application's functions
# (ukl.NAME) and warns where it cannot: a program's own noreturn
# functions that have a return path ("falls through to next function"),
# stack frames it cannot follow.  These say nothing about mitigations, and
# the application has no ORC data to get wrong: they are counted, not
# fatal.

set -o pipefail

kobj=${1:?usage: kbuild.sh KOBJ COMMAND...}
shift
err=$kobj/.ukl-build-stderr
mkdir -p "$kobj"

status=0
{ "$@" 2>&1 1>&3 3>&- | tee "$err" >&2 3>&-; } 3>&1 || status=$?
[ "$status" = 0 ] || exit "$status"

mitigation="'naked' return|indirect (call|jump) found|retpoline|UNTRAIN|ENDBR|return thunk"
app='objtool: (ukl\.|\.ukl\.text)'
warnings=$(grep 'warning: objtool:' "$err" || true)
fatal=$(grep -vE "$app" <<<"$warnings" || true)
fatal+=$(grep -E "$app" <<<"$warnings" | grep -E "$mitigation" || true)
if [ -n "$fatal" ]; then
	rm -f "$kobj/vmlinux.o"
	echo "kbuild: error: objtool warnings above: returns or indirect branches that bypass the kernel's thunks, or kernel code objtool rejects (Documentation/ukl/porting.rst)" >&2
	exit 1
fi
n=$(grep -cE "$app" <<<"$warnings" || true)
[ "${n:-0}" = 0 ] || [ -z "$warnings" ] ||
	echo "kbuild: $n objtool warnings about the application's control flow, not its mitigations (Documentation/ukl/porting.rst)" >&2
exit 0
