#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the UKL change as a 'git format-patch' series against the pristine
# kernel tree.
#
# Usage: series.sh PRISTINE REPO OUT NEWFILE_DIR...
#
#   PRISTINE     unpacked upstream tree (never modified)
#   REPO         the UKL repository
#   OUT          output directory; OUT/series/*.patch is the series, with
#                cover letter; OUT/series.git the throwaway repository
#   NEWFILE_DIR  the paths of REPO that assemble.sh copies into the tree
#
# Each patch is described by a file REPO/patches/changelogs/NN-name.txt:
#
#	Subject: subsystem: what it does
#	Files: path			(a new file, or every new file below a
#					 directory, as REPO holds it now)
#	Files: patches/X.diff		(every file section of a diff of
#					 patches/series)
#	Files: patches/X.diff:path	(the section of X for one file)
#	<blank line>
#	changelog: why, then what
#
# Every new file that assemble.sh copies (but those of the paths that
# REPO/patches/not-in-series lists) and every file section of every
# diff in patches/series must be claimed by exactly one patch; anything
# unclaimed or claimed twice is an error.  The commits are made from the
# current content of the repository every time.  The cover letter is
# REPO/patches/cover-letter.txt with the computed parts filled in; the
# checkpatch output of every patch is kept in OUT/series/checkpatch/.

set -euo pipefail

pristine=$(realpath "$1") repo=$(realpath "$2") out=$(realpath -m "$3")
shift 3

me=series
die() { echo "$me: error: $*" >&2; exit 1; }

changelogs=$repo/patches/changelogs
series=$repo/patches/series
template=$repo/patches/cover-letter.txt
explained=$repo/patches/checkpatch-checks.txt
outside=$repo/patches/not-in-series
git=$out/series.git
dest=$out/series

author="UKL developers <ukl@example.org>"
# Fixed dates: the same repository content gives the same series.
date="Thu, 1 Jan 2026 00:00:00 +0000"

[ -f "$pristine/.ukl-unpacked" ] || die "no pristine tree at $pristine (run 'make sources')"
[ -d "$changelogs" ] || die "no $changelogs"
for f in "$series" "$template" "$explained" "$outside"; do
	[ -f "$f" ] || die "$f is missing"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- what there is to claim -------------------------------------------------

# "new PATH" for every new file, "diff NAME PATH" for every file section of
# every diff, in the order assemble.sh applies them.
# Paths that patches/not-in-series keeps out of the series are no items.
for d in "$@"; do
	[ -e "$repo/$d" ] || continue
	(cd "$repo" && find "$d" -type f ! -name '*.orig' ! -name '*.rej') | LC_ALL=C sort |
		sed 's/^/new /'
done | awk 'NR == FNR { if ($0 !~ /^(#|$)/) out[$0] = 1; next }
	    { for (p in out) if ($2 == p || index($2, p "/") == 1) next; print }' \
	"$outside" - > "$tmp/items"
n=0
while read -r p _; do
	case "$p" in ''|'#'*) continue ;; esac
	[ -f "$repo/patches/$p" ] || die "$series names $p, which does not exist"
	n=$((n + 1))
	sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$repo/patches/$p" |
		sed "s|^|diff $n patches/$p |"
done < "$series" >> "$tmp/items"

# The section of diff $1 for file $2: from its "--- " line to the next one.
diff_section() {
	awk -v f="$2" '
		/^--- / { hdr = $0; keep = 0; next }
		/^\+\+\+ / { p = $2; sub(/^[^\/]*\//, "", p); keep = (p == f)
			     if (keep) print hdr; }
		keep' "$1"
}

# --- the claims --------------------------------------------------------------

mapfile -t logs < <(find "$changelogs" -maxdepth 1 -name '[0-9][0-9]-*.txt' | LC_ALL=C sort)
[ ${#logs[@]} -gt 0 ] || die "no changelogs in $changelogs"

: > "$tmp/claims"
i=0
for log in "${logs[@]}"; do
	i=$((i + 1))
	name=${log#"$repo"/}
	subject=$(sed -n '1s/^Subject: //p' "$log")
	[ -n "$subject" ] || die "$name: the first line must be 'Subject: ...'"
	# Header lines up to the first blank line, then the changelog.
	[ -z "$(awk 'NR > 1 && /^$/ { exit } NR > 1 && !/^Files: /' "$log")" ] ||
		die "$name: header lines must be 'Files: ...' up to the first blank line"
	[ -n "$(awk 'f; /^$/ { f = 1 }' "$log")" ] || die "$name: no changelog after the header"

	while read -r claim; do
		claim=${claim%/}
		case $claim in
		patches/*.diff:*)
			matched=$(awk -v d="${claim%%:*}" -v f="${claim#*:}" \
				'$1 == "diff" && $3 == d && $4 == f' "$tmp/items") ;;
		patches/*.diff)
			matched=$(awk -v d="$claim" '$1 == "diff" && $3 == d' "$tmp/items") ;;
		*)
			matched=$(awk -v p="$claim" '$1 == "new" &&
				($2 == p || substr($2, 1, length(p) + 1) == p "/")' "$tmp/items") ;;
		esac
		[ -n "$matched" ] || die "$name claims '$claim', which is no new file of" \
			"the repository and no diff (section) of patches/series"
		echo "$matched" | sed "s|^|$i |" >> "$tmp/claims"
	done < <(sed -n '2,/^$/s/^Files: *//p' "$log")
done

# Everything exactly once.
bad=$(cut -d' ' -f2- "$tmp/claims" | LC_ALL=C sort | uniq -d)
[ -z "$bad" ] || die "claimed by more than one patch:"$'\n'"$bad"
bad=$(comm -23 <(LC_ALL=C sort "$tmp/items") <(cut -d' ' -f2- "$tmp/claims" | LC_ALL=C sort))
[ -z "$bad" ] || die "not claimed by any patch in $changelogs"$'\n'"$bad"$'\n'"add them to the 'Files:' lines of a patch"
# A file that several diffs change gets their sections in patches/series order.
bad=$(awk '$2 == "diff" { k = $5; if (k in last && $3 < last[k])
		print "patches/" $4 " changes " k " before an earlier diff of patches/series";
		last[k] = $3 }' "$tmp/claims")
[ -z "$bad" ] || die "$bad"

# --- the base commit ---------------------------------------------------------

export GIT_AUTHOR_NAME="UKL developers" GIT_AUTHOR_EMAIL="ukl@example.org"
export GIT_COMMITTER_NAME="UKL developers" GIT_COMMITTER_EMAIL="ukl@example.org"
export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
export GIT_DIR=$git

pkgver=$(cat "$pristine/.ukl-unpacked")
kver=$(make -s -C "$pristine" kernelversion 2>/dev/null)
if [ "$(cat "$git/ukl-pristine" 2>/dev/null)" != "$pristine $pkgver" ] ||
   ! git rev-parse -q --verify refs/heads/base >/dev/null; then
	echo "$me: importing $pristine into $git (once)"
	rm -rf "$git"
	git init -q --bare "$git"
	git config core.bare false
	git config gc.auto 0
	git config core.autocrlf false
	GIT_WORK_TREE=$pristine git add -A -f .
	git rm -q --cached .ukl-unpacked
	# A CamelCase cache that a checkpatch run in the tree left behind.
	git rm -q --cached --ignore-unmatch -- '.checkpatch-camelcase.*'
	tree=$(git write-tree)
	base=$(printf 'Linux %s\n\nThe pristine tree of Debian linux-source-6.12 %s.\n' "$kver" "$pkgver" |
	       git commit-tree "$tree")
	git update-ref refs/heads/base "$base"
	echo "$pristine $pkgver" > "$git/ukl-pristine"
fi
base=$(git rev-parse refs/heads/base)

# --- the commits ---------------------------------------------------------------

export GIT_INDEX_FILE=$tmp/index
git read-tree "$base"
prev=$base
i=0
for log in "${logs[@]}"; do
	i=$((i + 1))
	name=${log#"$repo"/}
	awk -v i="$i" '$1 == i' "$tmp/claims" > "$tmp/mine"
	# New files, with the mode assemble.sh gives them.
	awk '$2 == "new" { print $3 }' "$tmp/mine" | while read -r f; do
		mode=100644
		[ ! -x "$repo/$f" ] || mode=100755
		sha=$(git hash-object -w "$repo/$f")
		git update-index --add --cacheinfo "$mode,$sha,$f"
	done
	# Diff sections, in patches/series order.
	awk '$2 == "diff" { print $3, $4, $5 }' "$tmp/mine" | sort -n -s -k1,1 |
	while read -r _ d f; do
		diff_section "$repo/$d" "$f" > "$tmp/section"
		git apply --cached --whitespace=nowarn "$tmp/section" 2>"$tmp/err" ||
			die "$name: $d does not apply to $f: $(cat "$tmp/err")"
	done
	tree=$(git write-tree)
	{
		sed -n '1s/^Subject: //p' "$log"
		echo
		body=$(awk 'f; /^$/ { f = 1 }' "$log")
		echo "$body"
		# Tags that end the changelog (Fixes:, Link:) and the sign-off
		# are one block.
		[[ $(tail -n 1 <<<"$body") =~ ^(Fixes|Link|Reported-by|Cc):\  ]] || echo
		echo "Signed-off-by: $author"
	} | git stripspace > "$tmp/msg"
	prev=$(git commit-tree "$tree" -p "$prev" -F "$tmp/msg")
done
git update-ref refs/heads/ukl "$prev"
unset GIT_INDEX_FILE

# The MAINTAINERS entry must cover every new file.
git show "$prev:MAINTAINERS" | awk '/^UKL \(UNIKERNEL LINUX\)$/ { f = 1; next }
	f && /^$/ { f = 0 } f && /^F:/ { print $2 }' > "$tmp/fpats"

[ -s "$tmp/fpats" ] || die "MAINTAINERS has no 'UKL (UNIKERNEL LINUX)' entry with F: lines"
bad=$(awk 'NR == FNR { pat[++n] = $1; next }
	$1 == "new" { ok = 0
		for (i = 1; i <= n; i++)
			if ($2 == pat[i] || (pat[i] ~ /\/$/ && index($2, pat[i]) == 1))
				ok = 1
		if (!ok) print $2 }' "$tmp/fpats" "$tmp/items")
[ -z "$bad" ] || die "not covered by the UKL entry of MAINTAINERS (patches/maintainers-ukl*.diff):"$'\n'"$bad"


rm -rf "$dest"
mkdir -p "$dest"
git format-patch -q --cover-letter --base="$base" --no-signature \
	-o "$dest" "$base..refs/heads/ukl"

# --- checkpatch --------------------------------------------------------------

# checkpatch of every patch (the tree's own checkpatch, spelling list and
# so on), as "PATCH SEVERITY TYPE FILE message" lines in $dest/checkpatch.list.
# It runs in $tmp: checkpatch writes its cache of the tree's CamelCase
# identifiers (.checkpatch-camelcase.*) to the current directory, which
# must not be the pristine tree.  UNKNOWN_COMMIT_ID is left out: the
# pristine tree is a source package without upstream's history, in which
# checkpatch cannot look up the commit of a Fixes: tag.
mkdir -p "$dest/checkpatch"
: > "$dest/checkpatch.list"
for p in "$dest"/0*.patch; do
	b=$(basename "$p" .patch)
	[ "${b%%-*}" != 0000 ] || continue
	(cd "$tmp" && env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE \
		perl "$pristine/scripts/checkpatch.pl" --root="$pristine" \
		--strict --show-types --no-color --ignore UNKNOWN_COMMIT_ID \
		"$p") > "$dest/checkpatch/$b.txt" 2>&1 || true
	grep -q '^total: ' "$dest/checkpatch/$b.txt" || die "checkpatch failed on $p"

	awk -v b="$b" '
		/^(ERROR|WARNING|CHECK):[A-Z_0-9]+:/ {
			if (sev != "") print b, sev, type, "-", msg
			sev = $0; sub(/:.*/, "", sev)
			type = $0; sub(/^[A-Z]+:/, "", type); sub(/:.*/, "", type)
			msg = $0; sub(/^[A-Z]+:[A-Z_0-9]+: /, "", msg)
			next
		}
		sev != "" && /^#[0-9]+: FILE: / {
			f = $3; sub(/:[0-9]+:$/, "", f)
			print b, sev, type, f, msg
			sev = ""
		}
		/^$/ { if (sev != "") print b, sev, type, "-", msg; sev = "" }
		END { if (sev != "") print b, sev, type, "-", msg }' \
		"$dest/checkpatch/$b.txt" >> "$dest/checkpatch.list"
done

# The explanation of a finding "TYPE FILE", or nothing.
explain() {
	local type path file why
	while IFS=$'\t' read -r type path why; do
		case $type in ''|'#'*) continue ;; esac
		file=$2
		# shellcheck disable=SC2053
		if [ "$type" = "$1" ] && [[ $file == $path ]]; then
			echo "$why"
			return
		fi
	done < "$explained"
}

while read -r p sev type file msg; do
	why=$(explain "$type" "$file")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$sev" "$type" "$file" "$msg" "${why:--}"
done < "$dest/checkpatch.list" > "$dest/checkpatch.explained"

# --- cover letter --------------------------------------------------------------

# Patch table: number, lines added and removed, files, subject.
{
	printf '  %-3s %6s %6s  %s\n' "#" "added" "removed" "subject"
	git rev-list --reverse "$base..refs/heads/ukl" | {
		i=0 ta=0 tr=0
		while read -r c; do
			i=$((i + 1))
			read -r a r < <(git diff --numstat "$c^" "$c" |
				awk '{ a += $1; r += $2 } END { print a + 0, r + 0 }')
			ta=$((ta + a)) tr=$((tr + r))
			printf '  %-3s %6s %6s  %s\n' "$i" "+$a" "-$r" "$(git log -1 --format=%s "$c")"
		done
		printf '  %-3s %6s %6s\n' "all" "+$ta" "-$tr"
	}
} > "$tmp/patches"

# Limitations: every section title of limitations.rst (not the document
# title, which has an overline) with the first sentence of its text.
awk '
	function out(  s) {
		if (title == "" || para == "") return
		s = para; gsub(/``/, "", s)
		if (match(s, /\.  /)) s = substr(s, 1, RSTART)
		print "- " title ": " s
		title = ""
	}
	/^===+$/ { if (prev != "" && pprev !~ /^===+$/ && prev !~ /^===+$/) {
			out(); title = prev; para = "" }
		   pprev = prev; prev = $0; next }
	{ pprev = prev; prev = $0 }
	title != "" && /^$/ { if (para != "") out(); next }
	title != "" && $0 != title { para = para (para == "" ? "" : " ") $0 }
	END { out() }' "$repo/Documentation/ukl/limitations.rst" | fold -s -w 72 |
	sed -e 's/ *$//' -e '/^- /!s/^/  /' > "$tmp/limitations"

# The checkpatch findings that remain, per patch, with their explanation.
awk -F'\t' '{ k = $1 "\t" $2 ":" $3 "\t" $4; n[k]++; why[k] = $6; msg[k] = $5
	      if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
	END {
		if (m == 0) { print "None."; exit }
		for (i = 1; i <= m; i++) {
			split(order[i], a, "\t")
			printf "- patch %d, %s, %s (%d x): %s\n  why: %s\n", a[1] + 0, a[3],
				a[2], n[order[i]], msg[order[i]],
				why[order[i]] == "-" ? "NOT EXPLAINED" : why[order[i]]
		}
	}' "$dest/checkpatch.explained" > "$tmp/checks"


# Benchmarks, for @BENCH@: the literal block of the "Latest results"
# section of Documentation/ukl/benchmarks.rst (the report of 'make bench'
# as committed, never build output) as plain text: its Markdown tables
# aligned, without the min-max ranges of the cells (a table too wide for
# that becomes a list), its other lines folded to 72 columns.
bench_rst=$repo/Documentation/ukl/benchmarks.rst
if grep -qx '@BENCH@' "$template"; then
	awk '
	# Print s folded to 72 columns; a "- " item continues indented.
	function wrap(s,  ind, line, n, w, i) {
		ind = s ~ /^- / ? "  " : ""
		n = split(s, w, " ")
		line = w[1]
		for (i = 2; i <= n; i++) {
			if (length(line) + 1 + length(w[i]) > 72) {
				print line
				line = ind w[i]
			} else
				line = line " " w[i]
		}
		print line
	}
	# A blank line before anything but the first output.
	function sep() { if (blank) print ""; blank = 0; out = 1 }
	# Print the table collected so far.
	function flush(  i, j, line, total) {
		if (nrows == 0) return
		sep()
		tables++
		total = 0
		for (j = 1; j <= maxcol; j++) total += width[j] + 2
		for (i = 1; i <= nrows; i++) {
			if (total > 72) {
				# One "- first: rest" item a row, the header
				# row first, which names the columns.
				line = "- " cell[i, 1] ":"
				for (j = 2; j <= ncols[i]; j++) line = line " " cell[i, j]
				wrap(line)
				continue
			}
			line = sprintf("  %-" width[1] "s", cell[i, 1])
			for (j = 2; j <= ncols[i]; j++)
				line = line sprintf("  %" width[j] "s", cell[i, j])
			print line
		}
		nrows = maxcol = 0
		split("", width); split("", cell); split("", ncols)
	}
	/^Latest results$/ { sec = 1; next }
	sec == 1 && /^::$/ { sec = 2; next }
	sec == 2 && /^[^ ]/ { exit }
	sec == 2 {
		sub(/^  /, "")
		if ($0 ~ /^\|[-:| ]+\|$/) next		# header separator
		if ($0 ~ /^\|/) {
			n = split($0, f, "|")
			nrows++
			for (j = 2; j < n; j++) {
				c = f[j]
				gsub(/^ +| +$/, "", c)
				gsub(/ \([0-9.,]+-[0-9.,]+\)/, "", c)
				cell[nrows, j - 1] = c
				if (length(c) > width[j - 1]) width[j - 1] = length(c)
			}
			ncols[nrows] = n - 2
			if (n - 2 > maxcol) maxcol = n - 2
			next
		}
		flush()
		if ($0 == "") { if (out) blank = 1; next }
		gsub(/`/, "\047")
		sub(/ \(min-max in parentheses\)/, "")
		sep()
		wrap($0)
	}
	END { flush(); if (!tables) exit 1 }' "$bench_rst" > "$tmp/bench" ||
		die "@BENCH@: no table in the literal block of 'Latest results' in $bench_rst"
fi

printf 'Base: Linux %s, the pristine tree of Debian linux-source-6.12 %s\n(the base-commit below is that tree imported into git).\n' \
	"$kver" "$pkgver" > "$tmp/base"

cover=$(ls "$dest"/0000-*.patch)
subject=$(sed -n '1s/^Subject: //p' "$template")
awk -v subject="$subject" -v dir="$tmp" '
	function file(f,  l) { while ((getline l < f) > 0) print l; close(f) }
	FNR == 1 { nf++ }
	nf == 1 && FNR == 1 { next }
	nf == 1 && /^#/ { next }
	nf == 1 && n == 0 && /^$/ { next }
	nf == 1 { body[++n] = $0; next }
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject); print; next }
	/^\*\*\* BLURB HERE \*\*\*$/ {
		for (i = 1; i <= n; i++) {
			if (body[i] ~ /^@[A-Z]+@$/) {
				k = body[i]; gsub(/@/, "", k); file(dir "/" tolower(k))
			} else
				print body[i]
		}
		next
	}
	{ print }' "$template" "$cover" > "$tmp/cover"
mv "$tmp/cover" "$cover"

echo "$me: $(ls "$dest"/0*.patch | wc -l) files in $dest (base $base)"
