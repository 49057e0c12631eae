#!/usr/bin/env bash
# qemu.sh - make the QEMU every boot uses: qemu-system-aarch64 built from
# QEMU's Debian source with our series (patches/qemu/), and link it as
# build/qemu-system-aarch64.
#
# The binary is kept outside the clone in $CACHE/qemu/KEY/, KEY hashing the
# source version, the configure options and the patches, so a fresh clone
# or a second `make check` reuses it without building.  When build/qemu
# holds work not yet exported to patches/qemu/, that tree is built and used
# as it is (not cached).  QEMU=/path skips all of this and links /path.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:?CACHE must be set}
TREE=$TOP/build/qemu
BUILD=$TOP/build/qemu-build
LINK=$TOP/build/qemu-system-aarch64

log() { printf 'qemu: %s\n' "$*" >&2; }

link() {
	ln -sfn "$1" "$LINK"
	log "using $("$1" --version | head -n 1) at $1"
}

if [ -n "${QEMU:-}" ]; then
	bin=$(command -v "$QEMU") || { log "QEMU=$QEMU: not found"; exit 1; }
	link "$bin"
	exit 0
fi

OPTS=(--target-list=aarch64-softmmu --without-default-features --disable-docs
      --disable-tools --disable-download --disable-install-blobs
      --enable-fdt=system --enable-tcg --python=/usr/bin/python3)

ver=$(cat "$CACHE/qemu-src/version")
key=$( { echo "$ver"; echo "${OPTS[*]}"
	 sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/qemu/series" |
		 while read -r f; do cat "$TOP/patches/qemu/$f"; done; } |
	 sha256sum | cut -c1-16)
out=$CACHE/qemu/$key

# Work in build/qemu that patches/qemu/ does not carry yet?
local_work=0
if [ -d "$TREE/.git" ] && ! WHAT=qemu "$TOP/scripts/tree.sh" --check-only 2>/dev/null; then
	local_work=1
fi

if [ $local_work = 0 ] && [ -x "$out/qemu-system-aarch64" ]; then
	link "$out/qemu-system-aarch64"
	exit 0
fi

WHAT=qemu "$TOP/scripts/tree.sh" --ensure
# QEMU's configure hands meson an explicit compiler, so meson does not add
# ccache itself: put ccache's compiler links first on PATH instead.
export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$TOP
if [ ! -f "$BUILD/build.ninja" ] || [ "$(cat "$BUILD/harness-opts" 2>/dev/null)" != "${OPTS[*]}" ]; then
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	log "configure ${OPTS[*]}"
	(cd "$BUILD" && "$TREE/configure" "${OPTS[@]}" >configure.log 2>&1) || {
		tail -n 30 "$BUILD/configure.log" >&2
		log "configure failed: $BUILD/configure.log"
		exit 1
	}
	printf '%s\n' "${OPTS[*]}" >"$BUILD/harness-opts"
fi
log "building qemu-system-aarch64 ($(cat "$TOP/build/qemu-version"), $(git -C "$TREE" rev-list --count base..HEAD) patches)"
start=$(date +%s)
ninja -C "$BUILD" qemu-system-aarch64 >"$BUILD/ninja.log" 2>&1 || {
	grep -B2 -A10 -m3 'error' "$BUILD/ninja.log" >&2 || tail -n 30 "$BUILD/ninja.log" >&2
	log "build failed: $BUILD/ninja.log"
	exit 1
}
log "built in $(($(date +%s) - start)) s"

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
