#!/usr/bin/env bash
# patchcheck.sh - review gates for the series in patches/:
#   checkpatch.pl --strict on every patch (cover letter excluded), QEMU's
#   checkpatch.pl on every patch of patches/qemu/ and patches/qemu-vmm/, and,
#   unless CHECKPATCH_ONLY=1, a build of every commit of build/linux on
#   its own (bisectability): a throwaway worktree at each commit, built
#   with the harness's kernel config and W=1 in build/kbuild-each.
# Prints one KTAP line per gate and exits 1 when any failed.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
TREE=${TREE:-$TOP/build/linux}
n=0 bad=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; bad=$((bad + 1)); fi
}

mapfile -t patches < <(series_files "$TOP/patches")
echo "KTAP version 1"
# Ignored: FILE_PATH_CHANGES (MAINTAINERS covers arch/arm64/kvm/ and
# drivers/perf/ as directories) and CAMELCASE (arm64's generated sysreg
# names, e.g. ID_AA64DFR0_EL1_PMUVer_V3P5, are mixed case by design).
for p in "${patches[@]}"; do
	out=$("$TREE/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES,CAMELCASE "$p" 2>&1)
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' <<<"$out"
	result $rc "checkpatch ${p##*/}"
done

# The QEMU series, with QEMU's own checkpatch.
mapfile -t qpatches < <(series_files "$TOP/patches/qemu"; series_files "$TOP/patches/qemu-vmm")
if [ ${#qpatches[@]} -gt 0 ]; then
	[ -x "$TOP/build/qemu/scripts/checkpatch.pl" ] || WHAT=qemu "$TOP/scripts/tree.sh" --ensure >/dev/null
	for p in "${qpatches[@]}"; do
		out=$("$TOP/build/qemu/scripts/checkpatch.pl" "$p" 2>&1)
		rc=$?
		[ $rc = 0 ] || sed 's/^/# /' <<<"$out"
		result $rc "qemu checkpatch ${p#"$TOP"/patches/}"
	done
fi

[ "${CHECKPATCH_ONLY:-0}" = 1 ] && { echo "$((n - bad)) passed, $bad failed, 0 skipped"; [ $bad = 0 ]; exit; }

wt=$TOP/build/linux-each
# Resumable: after each commit that passes, its id and the warnings seen so
# far are kept next to the build, and the worktree stays; a new run on the
# same series goes on after the last such commit instead of starting cold
# (a session may end in the middle: the whole series takes about 2 h).
# RESTART=1 starts cold.
state=$TOP/build/kbuild-each/.patchcheck-state
done_upto=
if [ "${RESTART:-0}" != 1 ] && [ -s "$state" ] && [ -d "$wt" ]; then
	c0=$(head -n 1 "$state")
	# Stopped in the middle of the next commit's build: back to c0, whose
	# objects are all there but for what that build had changed
	git -C "$TREE" rev-list base..HEAD | grep -qx "$c0" &&
		git -C "$wt" checkout -q "$c0" && done_upto=$c0
fi
if [ -z "$done_upto" ]; then
	git -C "$TREE" worktree remove --force "$wt" 2>/dev/null
	rm -rf "$wt"
	git -C "$TREE" worktree add -q --detach "$wt" base
fi
# W=1 runs kernel-doc, a Python script, on every file it compiles: call
# the interpreter itself, not a version manager's shim in front of it
# (pyenv's costs 0.7 s a call here, 30 min more for a full build)
pybin=$TOP/build/kbuild-each.python
mkdir -p "$pybin"
ln -sf "$(python3 -c 'import sys; print(sys.executable)')" "$pybin/python3"
build() {
	PATH=$pybin:$PATH TREE=$wt KBUILD_DIR=$TOP/build/kbuild-each EXTRA_MAKEFLAGS=W=1 \
		KERNEL_ONLY=1 "$TOP/scripts/build.sh" 2>&1
}
# The base first, built whole: W=1 warns about code the series does not
# touch. A commit is charged with the warnings in the files it changes
# that no earlier build showed (compared without line numbers): builds
# are incremental, so a file recompiled because a header changed brings
# its old warnings back, and those are not the commit's.
norm() { grep -E '(warning|error):' | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u; }
if [ -n "$done_upto" ]; then
	prev=$(tail -n +2 "$state")
else
	rm -rf "$TOP/build/kbuild-each"
	prev=$(build | norm)
fi
skipping=${done_upto:+1}
for c in $(git -C "$TREE" rev-list --reverse base..HEAD); do
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	if [ -n "$skipping" ]; then
		result 0 "builds on its own (W=1, no warnings): $subject # passed in an earlier run of this series"
		[ "$c" = "$done_upto" ] && skipping=
		continue
	fi
	git -C "$wt" checkout -q "$c"
	out=$(build)
	rc=$?
	cur=$(norm <<<"$out")
	files=$(git -C "$TREE" show --format= --name-only "$c" | grep -E '\.[ch]$' || true)
	warnings=$(comm -13 <(printf '%s\n' "$prev") <(printf '%s\n' "$cur") |
		grep -F -f <(printf '%s\n' ${files:-/nonexistent}) || true)
	prev=$(printf '%s\n%s\n' "$prev" "$cur" | sort -u)
	[ -z "$warnings" ] || { rc=1; sed 's/^/# /' <<<"$warnings"; }
	[ $rc = 0 ] || { tail -n 30 <<<"$out" | sed 's/^/# /'; }
	result $rc "builds on its own (W=1, no warnings): $subject"
	# Only an unbroken run of passes is kept: a failed commit is built again.
	[ $rc = 0 ] || broken=1
	[ -n "${broken:-}" ] || printf '%s\n%s\n' "$c" "$prev" >"$state"
done
[ -n "${broken:-}" ] || git -C "$TREE" worktree remove --force "$wt"
echo "$((n - bad)) passed, $bad failed, 0 skipped"
[ $bad = 0 ]
