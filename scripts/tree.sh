#!/usr/bin/env bash
# tree.sh - make build/linux: the Linux base as the first commit of a git
# repository, with the series in patches/ applied on top by `git am`.
# WHAT=qemu does the same for build/qemu: QEMU's Debian source (deps.sh
# fetched it; Debian's own patches applied) plus patches/qemu/.
#
#   tree.sh               (re)make the tree
#   tree.sh --ensure      make it only when missing or behind patches/
#   tree.sh --check-only  fail if the tree holds work not in patches/
#
# The base is $LINUX_SRC when set, else the linux-source tarball deps.sh
# fetched.  A tree that holds commits not yet exported to patches/ (or
# uncommitted edits) is never thrown away unless FORCE=1.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
WHAT=${WHAT:-linux}
case $WHAT in
linux)	TREE=${TREE:-$TOP/build/linux} PATCHES=$TOP/patches ;;
qemu)	TREE=${TREE:-$TOP/build/qemu} PATCHES=$TOP/patches/qemu ;;
*)	echo "tree: WHAT=$WHAT: want linux or qemu" >&2; exit 2 ;;
esac

log() { printf 'tree: %s\n' "$*" >&2; }

# Commits (by patch-id) the tree holds that no file in patches/ carries.
unexported() {
	local base known c id
	base=$(git -C "$TREE" rev-list --max-parents=0 HEAD | tail -n 1)
	known=$(cat "$PATCHES"/*.patch 2>/dev/null | git patch-id --stable | awk '{ print $1 }')
	for c in $(git -C "$TREE" rev-list --reverse "$base..HEAD"); do
		id=$(git -C "$TREE" show "$c" | git patch-id --stable | awk '{ print $1 }')
		[ -z "$id" ] || grep -qx "$id" <<<"$known" ||
			git -C "$TREE" log -1 --format='  %h %s' "$c"
	done
	git -C "$TREE" status --porcelain -uno | sed 's/^/  edit: /'
}

# The patch files of the series, in order, without the cover letter.
series() {
	if [ -f "$PATCHES/series" ]; then
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series" |
			sed "s|^|$PATCHES/|"
	else
		find "$PATCHES" -maxdepth 1 -name '*.patch' ! -name '0000-cover-letter.patch' | sort
	fi
}

# Patches of the series the tree does not carry (by patch-id).
missing() {
	local have f id
	have=$(git -C "$TREE" log -p base..HEAD | git patch-id --stable | awk '{ print $1 }')
	series | while read -r f; do
		id=$(git patch-id --stable <"$f" | awk '{ print $1 }')
		grep -qx "$id" <<<"$have" || echo "  $(basename "$f")"
	done
}

mode=${1:-}
if [ "$mode" = --ensure ] && [ -d "$TREE/.git" ]; then
	lost=$(unexported)
	if [ -n "$lost" ]; then
		log "using $TREE as it is; it holds work not in ${PATCHES#$TOP/}/:"
		printf '%s\n' "$lost" >&2
		exit 0
	fi
	[ -z "$(missing)" ] && exit 0
	log "patches/ changed since the tree was made: remaking it"
fi

if [ -d "$TREE/.git" ]; then
	lost=$(unexported)
	if [ -n "$lost" ] && [ "${FORCE:-0}" != 1 ]; then
		log "$TREE holds work that is not in ${PATCHES#$TOP/}/:"
		printf '%s\n' "$lost" >&2
		log "run 'make export' first, or add FORCE=1 to discard it"
		exit 1
	fi
fi
[ "$mode" = --check-only ] && exit 0

CACHE=${CACHE:?CACHE must be set}
rm -rf "$TREE"
mkdir -p "$TREE"
if [ "$WHAT" = qemu ]; then
	ver=$(cat "$CACHE/qemu-src/version")
	log "base: qemu $ver (Debian source)"
	rm -rf "$TREE.src"
	dpkg-source -q --no-copy -x "$CACHE/qemu-src/$ver"/*.dsc "$TREE.src" 2> >(grep -v "^gpgv:" >&2) >&2
	rm -rf "$TREE" && mv "$TREE.src" "$TREE"
	base_name="QEMU $(cat "$TREE/VERSION") (Debian source qemu $ver)"
	printf '%s\n' "$base_name" >"$TOP/build/qemu-version"
elif [ -n "${LINUX_SRC:-}" ]; then
	log "base: $LINUX_SRC"
	rsync -a --exclude=.git "$LINUX_SRC"/ "$TREE"/
	base_name="Linux $(make -s -C "$TREE" kernelversion) from $LINUX_SRC"
else
	log "base: linux-source $(cat "$CACHE/base/version")"
	tar -xf "$CACHE/base/linux-source.tar.xz" -C "$TREE" --strip-components=1
	base_name="Linux $(make -s -C "$TREE" kernelversion) (Debian linux-source $(cat "$CACHE/base/version"))"
fi
if [ "$WHAT" = linux ]; then
	printf '%s\n' "$base_name" >"$TOP/build/base-version"
	# Debian's linux-source adds "/*" (ignore everything at the top level)
	# to .gitignore, which would hide every new file a patch adds.
	sed -i '/^# Debian packaging: ignore everything at the top level/,/^!\/debian\/$/d' \
		"$TREE/.gitignore"
fi

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

mapfile -t files < <(series)
if [ ${#files[@]} -gt 0 ]; then
	log "applying ${#files[@]} patches"
	git -C "$TREE" am -q --committer-date-is-author-date "${files[@]}" || {
		log "git am failed: ${PATCHES#$TOP/}/ does not apply to $base_name;"
		log "the tree is left mid-am in $TREE"
		exit 1
	}
fi
log "$(git -C "$TREE" log --oneline base..HEAD | wc -l) commits on $base_name"
