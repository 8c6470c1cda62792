#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build-time checks of UKL, printed as KTAP: what must stop a build does
# stop it, with a message that says what to fix.
#
# Usage: ukl-buildcheck.sh KTREE KOBJ LIBC
#
#   KTREE  the assembled kernel tree
#   KOBJ   a configured and built kernel with CONFIG_UNIKERNEL_LINUX=y
#   LIBC   the ring-0 musl (scripts/ukl-dev/musl.sh installs BUILD/musl/ukl)

set -uo pipefail

ktree=$1 kobj=$2 libc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

echo "KTAP version 1"
echo "1..6"

# result NAME STATUS(0 = pass) [DIAGNOSTIC]
result() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
	else
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
		echo "not ok $n $1"
		failed=$((failed + 1))
	fi
}

# expect_fail NAME PATTERN CMD...: CMD must fail and print PATTERN.
expect_fail() {
	local name=$1 pattern=$2 out
	shift 2

	if out=$("$@" 2>&1); then
		result "$name" 1 "succeeded, but must fail: $*"
	elif ! grep -qE -- "$pattern" <<<"$out"; then
		result "$name" 1 "failed without saying /$pattern/: $out"
	else
		result "$name" 0
	fi
}

cat > "$tmp/main.c" <<'EOF'
int main(void) { return 0; }
EOF
cat > "$tmp/sc.s" <<'EOF'
	.text
	.globl raw
raw:	syscall
	ret
	.section .note.GNU-stack,"",@progbits
EOF
gcc -c "$tmp/sc.s" -o "$tmp/sc.o"
gcc -c "$tmp/main.c" -o "$tmp/plain.o"

mkapp=$ktree/scripts/ukl/ukl-mkapp
check=$ktree/scripts/ukl/ukl-checkapp

if "$mkapp" --libc "$libc" -o "$tmp/app.o" "$tmp/main.c" >"$tmp/out" 2>&1 &&
   "$check" "$tmp/app.o" >>"$tmp/out" 2>&1; then
	result mkapp_builds_app 0
else
	result mkapp_builds_app 1 "$(cat "$tmp/out")"
fi
expect_fail mkapp_rejects_syscall "contains syscall instructions" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" "$tmp/main.c" "$tmp/sc.o"
expect_fail checkapp_rejects_plain_object "no global __ukl_app_entry" \
	"$check" "$tmp/plain.o"
expect_fail mkapp_rejects_shared "UKL applications are static" \
	"$mkapp" --libc "$libc" -o "$tmp/bad.o" -shared "$tmp/main.c"
expect_fail kbuild_rejects_missing_app 'CONFIG_UKL_APP=.*does not exist' \
	make -s -C "$ktree" O="$kobj" CONFIG_UKL_APP="\"$tmp/nonexistent.o\"" kernel/ukl/
expect_fail kbuild_rejects_plain_object "not made by scripts/ukl/ukl-mkapp" \
	make -s -C "$ktree" O="$kobj" CONFIG_UKL_APP="\"$tmp/plain.o\"" kernel/ukl/

echo "# Totals: pass:$((n - failed)) fail:$failed"
[ "$failed" = 0 ]
