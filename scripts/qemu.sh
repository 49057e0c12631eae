#!/usr/bin/env bash
# qemu.sh - make the QEMU every boot uses: qemu-system-aarch64 built from
# QEMU's Debian source with the test machine's series (patches/qemu/, in
# build/qemu made by `WHAT=qemu tree.sh`), linked as
# build/qemu-system-aarch64.
#
# The binary is kept outside the clone in $CACHE/qemu/KEY/ (KEY: source
# version, options, patches and this script), so a fresh clone or a second
# `make check` only links it.  While build/qemu holds work not yet
# exported, that tree is built and used as it is, uncached.  QEMU=/path
# skips all of this and links /path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
series_vars qemu
BUILD=$TOP/build/qemu-build
LINK=$TOP/build/qemu-system-aarch64
# Only the virt board (qemu_build: config/qemu-devices.mak): every
# configuration boots it, and the other boards are a third of the build.
OPTS=(--target-list=aarch64-softmmu --without-default-features --disable-docs
      --disable-tools --disable-download --disable-install-blobs
      --enable-fdt=system --enable-tcg --python=/usr/bin/python3)

link() {
	ln -sfn "$1" "$LINK"
	log "using $("$1" --version | head -n 1) at $1"
}

if [ -n "${QEMU:-}" ]; then
	bin=$(command -v "$QEMU") || die "QEMU=$QEMU: not found"
	link "$bin"
	exit 0
fi

ver=$(cat "$CACHE/qemu-src/version")
key=$( { echo "$ver"; echo "${OPTS[*]}"; cat "$QEMU_DEVICES"; series_code "$PATCHES"; } |
	cache_key qemu_build use_ccache)
out=$CACHE/qemu/$key
local_work=0
[ -d "$TREE/.git" ] && ! WHAT=qemu "$TOP/scripts/tree.sh" --check-only 2>/dev/null && local_work=1
if [ $local_work = 0 ] && [ -x "$out/qemu-system-aarch64" ]; then
	link "$out/qemu-system-aarch64"
	exit 0
fi

WHAT=qemu "$TOP/scripts/tree.sh" --ensure
log "building $(cat "$BASE_FILE") with $(git -C "$TREE" rev-list --count base..HEAD) patches"
qemu_build "$TREE" "$BUILD" "${OPTS[@]}"
if [ $local_work = 1 ]; then
	log "build/qemu holds unexported work: using it uncached (WHAT=qemu make export)"
	link "$BUILD/qemu-system-aarch64"
	exit 0
fi
mkdir -p "$out.tmp"
install -m 0755 "$BUILD/qemu-system-aarch64" "$out.tmp/"
{ echo "source: qemu $ver"; git -C "$TREE" log --format='patch: %s' --reverse base..HEAD; } >"$out.tmp/info"
rm -rf "$out"
mv "$out.tmp" "$out"
link "$out/qemu-system-aarch64"
