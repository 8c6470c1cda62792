#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the series that series.sh exported; print KTAP.
#
# Usage: check-series.sh BUILD REPO
#
# BUILD/series/ is the series (make series), BUILD/series.git its
# repository, BUILD/linux the tree the kernel is built from (make tree).
# The series is applied with 'git am', patch by patch, to a clean checkout
# of the pristine tree in BUILD/series-check/linux.  For every patch:
#
#   checkpatch  scripts/checkpatch.pl --strict: every ERROR, WARNING and
#               CHECK must be listed in patches/checkpatch-checks.txt
#   kernel-doc  scripts/kernel-doc -none -Wall on the C files and headers
#               the patch adds: no warning
#   UKL=n       vmlinux of tinyconfig + base.config + REF (the main
#               configuration without UKL)
#   UKL=y       vmlinux of tinyconfig + base.config + UKL (the main
#               configuration), once CONFIG_UNIKERNEL_LINUX can be
#               enabled (an architecture selects ARCH_SUPPORTS_UKL, at the
#               end of the series), with the series' own selftest,
#               tools/testing/selftests/ukl/ukl-test.c built with nolibc,
#               as the application
#
# Then the last UKL=y kernel boots under QEMU and its selftest must pass
# (the selftests' "make rerun"), and the tree must be identical to
# BUILD/linux but for the paths of patches/not-in-series.
# A patch that changes nothing the kernel build reads (only Documentation/,
# tools/, MAINTAINERS) or only adds files that no Makefile or Kconfig names
# yet is not built again: its build tests are skipped.  So the first build
# is the one after the patch that adds CONFIG_UNIKERNEL_LINUX.

# Builds are incremental, one O= directory per configuration in
# BUILD/series-check/kernel/, laid out like BUILD/kernel/ next to
# BUILD/linux (and BUILD/src/kernel/ next to the pristine BUILD/src/linux)
# so that ccache hits with the scenario builds: the UKL=n build compiles
# what the series changes, the UKL=y build (of the final tree) hardly
# anything.  The two builds of a patch run at the same time.
# Logs:
# BUILD/series-check/log/.  Exit status 0 when every test passed.

set -euo pipefail

build=$(realpath "$1") repo=$(realpath "$2")
me=check-series
die() { echo "$me: error: $*" >&2; exit 2; }

git=$build/series.git
patches=$build/series
top=$build/series-check
src=$top/linux
logs=$top/log
configs=$repo/tools/testing/ukl/configs
explained=$repo/patches/checkpatch-checks.txt
outside=$repo/patches/not-in-series
jobs=${JOBS:-$(nproc)}
: "${UKL_CCACHE_DIR:=/var/cache/ukl/ccache}"

[ -d "$git" ] && [ -f "$patches/checkpatch.explained" ] ||
	die "no series in $patches (run 'make series')"
[ -f "$build/linux/.ukl-manifest" ] || die "no assembled tree $build/linux (run 'make tree')"

mkdir -p "$top/kernel" "$logs" "$top/test/UKL"
rm -f "$logs"/*

export GIT_DIR=$git GIT_WORK_TREE=$src
export GIT_AUTHOR_NAME="UKL developers" GIT_AUTHOR_EMAIL="ukl@example.org"
export GIT_COMMITTER_NAME="UKL developers" GIT_COMMITTER_EMAIL="ukl@example.org"
base=$(git rev-parse refs/heads/base)

# A clean copy of the pristine tree.  Only the files that differ are
# written, so the builds below stay incremental.
mkdir -p "$src"
git read-tree -m -u --reset "$base" 2>/dev/null || git checkout -q -f --detach "$base"
git update-ref --no-deref HEAD "$base"
git reset -q --hard "$base"
git clean -q -ffdx
git am --abort >/dev/null 2>&1 || true

# The application: the series' selftest, built with the current
# ukl-mkapp and the nolibc of the tree that the series must end in.  Its
# path is the one configs/UKL names, relative to the source tree.
app=$top/test/UKL/app.o
"$repo/scripts/ukl/ukl-mkapp" --nolibc "$build/linux/tools/include/nolibc" \
	-o "$top/app.o.new" -Wall "$repo/tools/testing/selftests/ukl/ukl-test.c" \
	> "$logs/app.log" 2>&1 ||
	die "building the application failed (see $logs/app.log)"
if cmp -s "$top/app.o.new" "$app"; then rm "$top/app.o.new"; else mv "$top/app.o.new" "$app"; fi

# Build target $3 (default vmlinux) of configuration $1 (off/on) with
# fragment $2.
kbuild() {
	local obj=$top/kernel/$1
	bash "$repo/scripts/ukl-dev/kconfig.sh" "$src" "$obj" "$configs/base.config" "$2" &&
	CCACHE_DIR=$UKL_CCACHE_DIR CCACHE_BASEDIR=$build \
	KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026" \
	KBUILD_BUILD_USER=ukl KBUILD_BUILD_HOST=ukl \
		make -s -C "$src" O="$obj" CC="ccache gcc" -j"$jobs" "${3:-vmlinux}"
}

# Build configuration $1 (off/on) with fragment $2 in the background; log
# to $3, exit status and seconds to $3.status.
build_bg() {
	local t0=$SECONDS
	{
		local st=0
		kbuild "$1" "$2" >"$3" 2>&1 || st=$?
		echo "$st $((SECONDS - t0))" >"$3.status"
	} &
}

# Print result $1 build-$2 of the build that logged to $3; false if it
# failed.
build_result() {
	local n=$1 name=$2 log=$3 st=1 secs=0
	read -r st secs <"$log.status"
	if [ "$st" = 0 ]; then
		result "$n" "build-$name" ok
	else
		tail -n 20 "$log" | sed 's/^/    # /'
		result "$n" "build-$name" fail "log: $log"
	fi
	echo "    # $name: ${secs}s"
	[ "$st" = 0 ]
}

# Print "ok N name" or "not ok N name", with a reason as directive.
result() {
	local n=$1 name=$2 status=$3 why=${4:-}
	case $status in
	ok)	echo "    ok $n $name" ;;
	skip)	echo "    ok $n $name # SKIP $why" ;;
	*)	echo "    not ok $n $name"; [ -z "$why" ] || echo "    # $why" ;;
	esac
}

mapfile -t list < <(ls "$patches"/0*.patch | grep -v '/0000-')
np=${#list[@]}
echo "KTAP version 1"
echo "1..$((np + 2))"
failed=0

# The checkpatch findings of patch $1 without an explanation.
unexplained() {
	awk -F'\t' -v p="$1" '$1 == p && $6 == "-" { print $2 ":" $3 " " $4 ": " $5 }' \
		"$patches/checkpatch.explained"
}

i=0
for p in "${list[@]}"; do
	i=$((i + 1))
	b=$(basename "$p" .patch)
	ok=ok
	echo "    KTAP version 1"
	echo "    # Subtest: $b"
	echo "    1..4"

	if ! git am -q --keep-cr "$p" > "$logs/$b.am.log" 2>&1; then
		sed 's/^/    # /' "$logs/$b.am.log"
		git am --abort >/dev/null 2>&1 || true
		n=0
		for t in checkpatch kernel-doc build-UKL=n build-UKL=y; do
			n=$((n + 1))
			result $n "$t" fail "git am failed"
		done
		echo "not ok $i $b"
		failed=1
		break
	fi

	# checkpatch (run by series.sh for the cover letter).
	bad=$(unexplained "$b")
	if [ -z "$bad" ]; then
		result 1 checkpatch ok
	else
		echo "$bad" | sed 's/^/    # /'
		result 1 checkpatch fail "findings not in patches/checkpatch-checks.txt (full output: $patches/checkpatch/$b.txt)"
		ok="not ok"
	fi

	# kernel-doc on the C files and headers the patch adds.
	mapfile -t new < <(git diff --name-only --diff-filter=A HEAD^ HEAD -- '*.c' '*.h')
	if [ ${#new[@]} = 0 ]; then
		result 2 kernel-doc skip "no new C file or header"
	else
		(cd "$src" && perl scripts/kernel-doc -none -Wall "${new[@]}") > "$logs/$b.kdoc.log" 2>&1 || true
		if [ -s "$logs/$b.kdoc.log" ]; then
			sed 's/^/    # /' "$logs/$b.kdoc.log"
			result 2 kernel-doc fail "warnings"
			ok="not ok"
		else
			result 2 kernel-doc ok
		fi
	fi

	# Builds.  A patch that changes only Documentation/, tools/ and
	# MAINTAINERS, or only adds files (kbuild does not look for files:
	# a new file is only built once a Makefile or Kconfig change names
	# it), builds what the patch before it built.
	changed=$(git diff --name-only --diff-filter=a HEAD^ HEAD |
		  grep -vE '^(Documentation/|tools/|MAINTAINERS$)' || true)
	added=$(git diff --name-only --diff-filter=A HEAD^ HEAD |
		grep -vE '^(Documentation/|tools/)' || true)
	if [ -z "$changed" ]; then
		why="changes nothing the kernel build reads"
		[ -z "$added" ] || why="only adds files, which nothing builds yet"
		result 3 build-UKL=n skip "$why"
		result 4 build-UKL=y skip "$why"
	else

		# Both configurations build at once: the build of a small
		# patch is mostly its vmlinux link, which runs on one CPU.
		build_bg off "$configs/REF" "$logs/$b.off.log"
		ukl=
		if grep -qsE '^[[:space:]]select ARCH_SUPPORTS_UKL' "$src/arch/x86/Kconfig"; then
			ukl=1
			build_bg on "$configs/UKL" "$logs/$b.on.log"
		fi
		wait
		build_result 3 UKL=n "$logs/$b.off.log" || ok="not ok"
		if [ -z "$ukl" ]; then
			result 4 build-UKL=y skip "CONFIG_UNIKERNEL_LINUX cannot be enabled yet"
		else
			build_result 4 UKL=y "$logs/$b.on.log" || ok="not ok"
		fi
	fi
	[ "$ok" = ok ] || failed=1
	echo "$ok $i $b"
done

# The last UKL=y kernel boots its selftest, a nested KTAP document.
i=$((np + 1))
echo "    KTAP version 1"
echo "    # Subtest: selftests-ukl"
if ! grep -qsE '^[[:space:]]select ARCH_SUPPORTS_UKL' "$src/arch/x86/Kconfig"; then
	echo "    1..0"
	echo "not ok $i selftests-ukl # the series does not let x86 enable UKL"
	failed=1
elif ! kbuild on "$configs/UKL" bzImage > "$logs/bzImage.log" 2>&1; then
	echo "    1..0"
	tail -n 20 "$logs/bzImage.log" | sed 's/^/    # /'
	echo "not ok $i selftests-ukl # the bzImage does not build (log: $logs/bzImage.log)"
	failed=1
else
	# Under -icount the guest's clock counts its instructions: the
	# check runs niced beside make test's builds, and a guest that sees
	# host time pass while its vCPUs wait for the CPU panics ("IO-APIC +
	# timer doesn't work!").  It also puts both vCPUs on one host
	# thread, as ukl-run.sh does against QEMU 7.2's stale code.
	st=0
	make -s -C "$src/tools/testing/selftests/ukl" O="$top/kernel/on" \
		QEMU_ARGS="-icount shift=4,sleep=off" TIMEOUT=600 rerun \
		> "$logs/selftests-ukl.log" 2>&1 || st=$?
	sed -e 's/^\([0-9]* passed, [0-9]* failed\)$/# \1/' -e 's/^/    /' \
		"$logs/selftests-ukl.log"
	if [ "$st" = 0 ]; then
		echo "ok $i selftests-ukl"
	else
		echo "not ok $i selftests-ukl # console: $src/tools/testing/selftests/ukl/run.out"
		failed=1
	fi
fi

# The result must be the tree that 'make tree' assembles, byte for byte
# and with the same modes, but for the paths that patches/not-in-series
# keeps out of the series.  Only build output there is left out: the
# stamps and checksums of the scripts, kunit.py's __pycache__, the
# netlink specs that 'make htmldocs' generates in the source tree, and the
# CamelCase cache of a checkpatch run in it (which series.sh leaves out of
# the base commit).

i=$((np + 2))
export GIT_INDEX_FILE=$top/index.tree
git read-tree HEAD
GIT_WORK_TREE=$build/linux git update-index -q --refresh >/dev/null 2>&1 || true
buildout='(\.ukl-manifest|\.ukl-sums|\.ukl-unpacked|.*/__pycache__/.*'
buildout+='|Documentation/networking/netlink_spec/[^/]*\.rst'
buildout+='|\.checkpatch-camelcase\..*'
buildout+=$(awk '!/^(#|$)/ { gsub(/\./, "\\."); printf "|%s(/.*)?", $0 }' "$outside")')'
diffs=$( { GIT_WORK_TREE=$build/linux git diff-files --name-status
	   (cd "$build/linux" && GIT_WORK_TREE=. git ls-files --others) | sed 's/^/?\t/'; } |
	grep -vE $'^\\?\t'"$buildout\$" || true)


rm -f "$GIT_INDEX_FILE"
if [ -z "$diffs" ] && [ "$(git rev-list --count "$base..HEAD")" = "$np" ]; then
	echo "ok $i tree-identical-to-build/linux"
else
	head -n 20 <<<"$diffs" | sed 's/^/# differs: /'
	echo "not ok $i tree-identical-to-build/linux"
	failed=1
fi
[ "$failed" = 0 ]
