#!/usr/bin/env bash
# tree.sh - make the git tree of a series: its base as the first commit
# (tagged base), the series applied on top by `git am`.
#
#   WHAT=linux (default)  build/linux: the newest Debian linux-source-7.3
#                         deps.sh fetched, or $LINUX_SRC; patches/
#   WHAT=qemu             build/qemu: QEMU's Debian source (Debian's own
#                         patches applied); patches/qemu/ (the test machine)
#   WHAT=qemu-vmm         build/qemu-vmm: the same QEMU source;
#                         patches/qemu-vmm/ (the VMM side)
#
#   tree.sh               (re)make the tree
#   tree.sh --ensure      make it only when missing or behind its series
#   tree.sh --check-only  fail if the tree holds work not in its series
#
# A tree that holds commits not yet exported (or uncommitted edits) is
# never thrown away unless FORCE=1.  The series records the base it was
# exported on (format-patch --base); a tree made on another base (a newer
# Debian revision, LINUX_SRC) is made all the same, with a warning.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
WHAT=${WHAT:-linux}
series_vars "$WHAT"

# Patches of the series the tree does not carry (by patch-id).
missing() {
	local have f id
	have=$(git -C "$TREE" log -p base..HEAD | git patch-id --stable | awk '{ print $1 }')
	series_files "$PATCHES" | while read -r f; do
		id=$(git patch-id --stable <"$f" | awk '{ print $1 }')
		grep -qx "$id" <<<"$have" || echo "  $(basename "$f")"
	done
}

mode=${1:-}
if [ -d "$TREE/.git" ]; then
	lost=$(unexported)
	if [ "$mode" = --ensure ]; then
		if [ -n "$lost" ]; then
			log "using ${TREE#"$TOP"/} as it is; it holds work not in ${PATCHES#"$TOP"/}/:"
			printf '%s\n' "$lost" >&2
			exit 0
		fi
		[ -z "$(missing)" ] && exit 0
		log "${PATCHES#"$TOP"/}/ changed since the tree was made: remaking it"
	elif [ -n "$lost" ] && [ "${FORCE:-0}" != 1 ]; then
		log "${TREE#"$TOP"/} holds work that is not in ${PATCHES#"$TOP"/}/:"
		printf '%s\n' "$lost" >&2
		log "run 'WHAT=$WHAT make export' first, or add FORCE=1 to discard it"
		exit 1
	fi
fi
[ "$mode" = --check-only ] && exit 0

rm -rf "$TREE"
mkdir -p "$TREE"
case $WHAT in
qemu*)
	ver=$(cat "$CACHE/qemu-src/version")
	log "base: qemu $ver (Debian source)"
	rm -rf "$TREE.src"
	dpkg-source -q --no-copy -x "$CACHE/qemu-src/$ver"/*.dsc "$TREE.src" 2> >(grep -v "^gpgv:" >&2) >&2
	rm -rf "$TREE" && mv "$TREE.src" "$TREE"
	base_name="QEMU $(cat "$TREE/VERSION") (Debian source qemu $ver)"
	;;
linux)
	if [ -n "${LINUX_SRC:-}" ]; then
		log "base: $LINUX_SRC"
		rsync -a --exclude=.git "$LINUX_SRC"/ "$TREE"/
		base_name="Linux $(make -s -C "$TREE" kernelversion) from $LINUX_SRC"
	else
		log "base: linux-source $(cat "$CACHE/base/version")"
		tar -xf "$CACHE/base/linux-source.tar.xz" -C "$TREE" --strip-components=1
		base_name="Linux $(make -s -C "$TREE" kernelversion) (Debian linux-source $(cat "$CACHE/base/version"))"
	fi
	# Debian's linux-source adds "/*" (ignore everything at the top level)
	# to .gitignore, which would hide every new file a patch adds.
	sed -i '/^# Debian packaging: ignore everything at the top level/,/^!\/debian\/$/d' \
		"$TREE/.gitignore"
	;;
esac
printf '%s\n' "$base_name" >"$BASE_FILE"

# The base commit is the same wherever the same source is unpacked (fixed
# names and dates), so a series can name it.
export GIT_AUTHOR_NAME=base GIT_AUTHOR_EMAIL=base@localhost
export GIT_COMMITTER_NAME=base GIT_COMMITTER_EMAIL=base@localhost
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git -C "$TREE" init -q -b master
git -C "$TREE" config core.autocrlf false
git -C "$TREE" config user.name "${GIT_USER_NAME:-$(git -C "$TOP" config user.name || echo developer)}"
git -C "$TREE" config user.email "${GIT_USER_EMAIL:-$(git -C "$TOP" config user.email || echo developer@localhost)}"
git -C "$TREE" add -A -f .
git -C "$TREE" commit -q -m "$base_name"
git -C "$TREE" tag -f base >/dev/null
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE

want=$(sed -n 's/^base-commit: //p' "$PATCHES"/0000-cover-letter.patch 2>/dev/null | head -n 1)
have=$(git -C "$TREE" rev-parse base)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
	log "warning: ${PATCHES#"$TOP"/}/ was exported on base $want, this base is $have ($base_name)"
fi

mapfile -t files < <(series_files "$PATCHES")
if [ ${#files[@]} -gt 0 ]; then
	log "applying ${#files[@]} patches"
	git -C "$TREE" am -q --committer-date-is-author-date "${files[@]}" || {
		log "git am failed: ${PATCHES#"$TOP"/}/ does not apply to $base_name;"
		die "the tree is left mid-am in ${TREE#"$TOP"/}"
	}
fi
log "$(git -C "$TREE" log --oneline base..HEAD | wc -l) commits on $base_name"
