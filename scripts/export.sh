#!/usr/bin/env bash
# export.sh - write a series tree's commits (base..HEAD) back into its
# directory as `git format-patch --base` files: 0000-cover-letter.patch,
# NNNN-*.patch and `series` (the file names in order, no cover letter).
# WHAT=linux (default), qemu or qemu-vmm, as for tree.sh.
#
# The cover letter is made from cover.txt in the same directory: its first
# line is the title, the rest (after a blank line) the prose; the shortlog,
# diffstat and base-commit that follow are git's.  Only the top level of
# the series directory is written.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
WHAT=${WHAT:-linux}
series_vars "$WHAT"

[ -d "$TREE/.git" ] || die "no tree at ${TREE#"$TOP"/}"
if [ -d "$TREE/.git/rebase-apply" ] || [ -d "$TREE/.git/rebase-merge" ]; then
	die "${TREE#"$TOP"/} is in the middle of git am or rebase: finish it first"
fi
if [ -n "$(git -C "$TREE" status --porcelain -uno)" ]; then
	log "warning: uncommitted edits in ${TREE#"$TOP"/} are not exported"
fi
prose=$PATCHES/cover.txt
[ -f "$prose" ] || die "no ${prose#"$TOP"/}: its first line is the cover letter's title, then a blank line and the prose"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=$(git -C "$TREE" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "${TREE#"$TOP"/} has no commits on base"
git -C "$TREE" format-patch -q --zero-commit --no-signature --cover-letter \
	--base=base -o "$tmp" base..HEAD

# The template's "*** SUBJECT HERE ***" and "*** BLURB HERE ***" lines
# become cover.txt's title and prose (as data: no sed replacement).
TITLE=$(head -n 1 "$prose") awk -v prose="$prose" '
	BEGIN {
		while ((getline l < prose) > 0) if (++n > 2) body[++m] = l
		while (m > 0 && body[m] == "") m--
	}
	(i = index($0, "*** SUBJECT HERE ***")) {
		$0 = substr($0, 1, i - 1) ENVIRON["TITLE"] substr($0, i + 20)
	}
	/^\*\*\* BLURB HERE \*\*\*$/ { for (i = 1; i <= m; i++) print body[i]; next }
	{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover"
mv "$tmp/cover" "$tmp/0000-cover-letter.patch"

find "$PATCHES" -maxdepth 1 -name '*.patch' -delete
: >"$PATCHES/series"
for f in "$tmp"/*.patch; do
	cp "$f" "$PATCHES/"
	case $f in */0000-cover-letter.patch) ;; *) basename "$f" >>"$PATCHES/series" ;; esac
done
log "$n patches in ${PATCHES#"$TOP"/}/"
