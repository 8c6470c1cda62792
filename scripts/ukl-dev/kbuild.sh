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
# build with an objtool warning fails here instead, and its vmlinux.o is
# removed, so that the next build runs objtool again and does not pass
# because nothing was relinked.

set -o pipefail

kobj=${1:?usage: kbuild.sh KOBJ COMMAND...}
shift
err=$kobj/.ukl-build-stderr
mkdir -p "$kobj"

status=0
{ "$@" 2>&1 1>&3 3>&- | tee "$err" >&2 3>&-; } 3>&1 || status=$?
[ "$status" = 0 ] || exit "$status"
if grep -q 'warning: objtool:' "$err"; then
	rm -f "$kobj/vmlinux.o"
	echo "kbuild: error: objtool warnings above: returns or indirect branches that bypass the kernel's thunks, or other code objtool rejects (Documentation/ukl/porting.rst)" >&2
	exit 1
fi
