#!/usr/bin/env bash
# export.sh - write build/linux's commits (base..HEAD) back into patches/ as
# a format-patch series: patches/0000-cover-letter.patch, NNNN-*.patch and
# patches/series (one file name per line, in order, no cover letter).
#
# The cover letter keeps its subject and prose; its shortlog and diffstat
# are regenerated.  Only the top level of patches/ is touched: subfolders
# (patches/qemu/, ...) are series of their own; WHAT=qemu exports
# build/qemu into patches/qemu/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
WHAT=${WHAT:-linux}
case $WHAT in
linux)	TREE=${TREE:-$TOP/build/linux} PATCHES=$TOP/patches ;;
qemu)	TREE=${TREE:-$TOP/build/qemu} PATCHES=$TOP/patches/qemu ;;
*)	echo "export: WHAT=$WHAT: want linux or qemu" >&2; exit 2 ;;
esac

log() { printf 'export: %s\n' "$*" >&2; }

[ -d "$TREE/.git" ] || { log "no tree at $TREE"; exit 1; }
if [ -d "$TREE/.git/rebase-apply" ] || [ -d "$TREE/.git/rebase-merge" ]; then
	log "$TREE is in the middle of git am or rebase: finish it first"
	exit 1
fi
if [ -n "$(git -C "$TREE" status --porcelain -uno)" ]; then
	log "warning: uncommitted edits in $TREE are not exported"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=$(git -C "$TREE" rev-list --count base..HEAD)
if [ "$n" -gt 0 ]; then
	git -C "$TREE" format-patch -q --zero-commit --no-signature --cover-letter \
		-o "$tmp" base..HEAD
fi

# The generated tail of a cover letter: walking back from the end over
# diffstat lines, shortlog entries, "Author (N):" headers and blank lines,
# the tail starts at the first author header of that run.
tail_start() {
	awk '{ line[NR] = $0 }
	END {
		start = NR + 1
		for (i = NR; i > 0; i--) {
			l = line[i]
			if (l ~ /^[^ \t].* \([0-9]+\):$/) start = i
			else if (l ~ /^$/ || l ~ /^  [^ ]/ || l ~ /^ [^ ].* \| / ||
				 l ~ /^ [0-9]+ files? changed/) continue
			else break
		}
		print start
	}' "$1"
}

cover=$PATCHES/0000-cover-letter.patch
new=$tmp/0000-cover-letter.patch
if [ -f "$new" ] && [ -f "$cover" ]; then
	title=$(sed -n 's/^Subject: \[[^]]*\] //p' "$cover" | head -n 1)
	body_start=$(grep -n -m1 '^$' "$cover" | cut -d: -f1)
	old_tail=$(tail_start "$cover")
	new_body=$(grep -n -m1 '^$' "$new" | cut -d: -f1)
	new_tail=$(tail_start "$new")
	{
		# The title as data, not as a sed replacement (& / \ in it)
		head -n $((new_body - 1)) "$new" | TITLE=$title awk '
			!done && match($0, /^Subject: \[[^]]*\] /) {
				print substr($0, 1, RLENGTH) ENVIRON["TITLE"]; done = 1; next
			}
			{ print }'
		sed -n "${body_start},$((old_tail - 1))p" "$cover"
		tail -n +"$new_tail" "$new"
	} >"$tmp/cover"
	mv "$tmp/cover" "$new"
fi

mkdir -p "$PATCHES"
find "$PATCHES" -maxdepth 1 -name '*.patch' -delete
: >"$PATCHES/series"
for f in "$tmp"/*.patch; do
	[ -e "$f" ] || continue
	cp "$f" "$PATCHES/"
	case $f in */0000-cover-letter.patch) ;; *) basename "$f" >>"$PATCHES/series" ;; esac
done
log "$n patches in ${PATCHES#$TOP/}/"
