#!/usr/bin/env bash
# patchcheck.sh - review gates for the series in patches/:
#   checkpatch.pl --strict on every patch (cover letter excluded), and,
#   unless CHECKPATCH_ONLY=1, a build of every commit of build/linux on
#   its own (bisectability): a throwaway worktree at each commit, built
#   with the harness's kernel config and W=1 in build/kbuild-each.
# Prints one KTAP line per gate and exits 1 when any failed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
TREE=${TREE:-$TOP/build/linux}
CACHE=${CACHE:?CACHE must be set}
n=0 bad=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; bad=$((bad + 1)); fi
}

mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series" 2>/dev/null)
echo "KTAP version 1"
for p in "${patches[@]}"; do
	out=$("$TREE/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES "$TOP/patches/$p" 2>&1)
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' <<<"$out"
	result $rc "checkpatch $p"
done

[ "${CHECKPATCH_ONLY:-0}" = 1 ] && { echo "$((n - bad)) passed, $bad failed, 0 skipped"; [ $bad = 0 ]; exit; }

wt=$TOP/build/linux-each
git -C "$TREE" worktree remove --force "$wt" 2>/dev/null
rm -rf "$wt"
git -C "$TREE" worktree add -q --detach "$wt" base
build() {
	TREE=$wt KBUILD_DIR=$TOP/build/kbuild-each EXTRA_MAKEFLAGS=W=1 KERNEL_ONLY=1 \
		"$TOP/scripts/build.sh" 2>&1
}
# The base first: W=1 warns about code the series does not touch; only
# warnings in the files a commit changes count against it.
build >/dev/null
for c in $(git -C "$TREE" rev-list --reverse base..HEAD); do
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	git -C "$wt" checkout -q "$c"
	out=$(build)
	rc=$?
	files=$(git -C "$TREE" show --format= --name-only "$c" | grep -E '\.[ch]$' || true)
	warnings=$(grep -E '(warning|error):' <<<"$out" |
		grep -F -f <(printf '%s\n' ${files:-/nonexistent}) || true)
	[ -z "$warnings" ] || { rc=1; sed 's/^/# /' <<<"$warnings"; }
	[ $rc = 0 ] || { tail -n 30 <<<"$out" | sed 's/^/# /'; }
	result $rc "builds on its own (W=1, no warnings): $subject"
done
git -C "$TREE" worktree remove --force "$wt"
echo "$((n - bad)) passed, $bad failed, 0 skipped"
[ $bad = 0 ]
