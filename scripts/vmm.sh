#!/usr/bin/env bash
# vmm.sh - make the VMM that runs *inside* the arm64 test host: a static
# arm64 qemu-system-aarch64, KVM only (no TCG), cross-built from the same
# Debian QEMU source as the test machine with the VMM series
# (patches/qemu-vmm/, in build/qemu-vmm made by `WHAT=qemu-vmm tree.sh`),
# linked as build/qemu-vmm-aarch64.  In the host:
#
#   qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host \
#       -nographic -kernel Image -initrd guest.cpio ...
#
# Static (no NEEDED), so the busybox initramfs needs this one file.  Kept
# in $CACHE/qemu-vmm/KEY/ as qemu.sh keeps the test machine's, and built
# uncached while build/qemu-vmm holds unexported work.  The arm64
# libraries (glib, pcre2, zlib, libfdt: their -dev packages ship .a files)
# are Debian's arm64 packages unpacked into a sysroot (lib.sh: sysroot);
# the C library and kernel headers are the cross toolchain's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
series_vars qemu-vmm
BUILD=$TOP/build/qemu-vmm-build
LINK=$TOP/build/qemu-vmm-aarch64
LIBS=(libglib2.0-dev libpcre2-dev zlib1g-dev libfdt-dev)
OPTS=(--cross-prefix=aarch64-linux-gnu- --static
      --target-list=aarch64-softmmu --without-default-features
      --enable-kvm --disable-tcg --enable-fdt=system
      --disable-docs --disable-tools --disable-download --disable-install-blobs
      --disable-werror --python=/usr/bin/python3)

link() {
	ln -sfn "$1" "$LINK"
	log "using $(head -n 1 "$(dirname "$1")/info" 2>/dev/null) at $1"
}

[ -f "$CACHE/qemu-src/version" ] || env -u QEMU "$TOP/scripts/deps.sh"
ver=$(cat "$CACHE/qemu-src/version")
key=$( { echo "$ver"; echo "${OPTS[*]}"; echo "${LIBS[*]}"; cat "$QEMU_DEVICES"; series_code "$PATCHES"; } |
	cache_key qemu_build use_ccache sysroot)
out=$CACHE/qemu-vmm/$key
local_work=0
[ -d "$TREE/.git" ] && ! WHAT=qemu-vmm "$TOP/scripts/tree.sh" --check-only 2>/dev/null && local_work=1
if [ $local_work = 0 ] && [ -x "$out/qemu-system-aarch64" ]; then
	link "$out/qemu-system-aarch64"
	exit 0
fi

env -u QEMU "$TOP/scripts/deps.sh"
command -v aarch64-linux-gnu-gcc >/dev/null || die "no aarch64-linux-gnu-gcc"
sysroot "${LIBS[@]}"
# Only static libraries are wanted; the .so links of the -dev packages
# point at runtime packages not fetched.
for l in glib-2.0 pcre2-8 z fdt; do
	[ -f "$SYSROOT/usr/lib/aarch64-linux-gnu/lib$l.a" ] || die "lib$l.a missing from the arm64 sysroot"
done
export PKG_CONFIG=pkg-config PKG_CONFIG_SYSROOT_DIR=$SYSROOT PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig:$SYSROOT/usr/share/pkgconfig
[ -x /usr/lib/ccache/aarch64-linux-gnu-gcc ] || log "no ccache link for aarch64-linux-gnu-gcc: building without ccache"

WHAT=qemu-vmm "$TOP/scripts/tree.sh" --ensure
log "building $(cat "$BASE_FILE") with $(git -C "$TREE" rev-list --count base..HEAD) patches, static arm64"
# --sysroot adds the sysroot's multiarch dirs after the cross toolchain's
# own (libc, kernel headers), for the compiler and meson's find_library.
qemu_build "$TREE" "$BUILD" "${OPTS[@]}" "--extra-cflags=--sysroot=$SYSROOT" \
	"--extra-ldflags=--sysroot=$SYSROOT"
bin=$BUILD/qemu-system-aarch64
re=aarch64-linux-gnu-readelf
$re -h "$bin" | grep -q 'Machine:.*AArch64' || die "$bin is not an aarch64 ELF"
if $re -l "$bin" | grep -q INTERP || $re -d "$bin" | grep -q NEEDED; then
	$re -d "$bin" | grep NEEDED >&2 || true
	die "$bin is not static"
fi
[ $local_work = 0 ] || out=$BUILD/harness-out
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
aarch64-linux-gnu-strip -o "$out.tmp/qemu-system-aarch64" "$bin"
{ echo "qemu $ver (Debian source), static arm64 KVM-only VMM"
  echo "options: ${OPTS[*]}"
  cat "$SYSROOT/done" | sed 's/^/library: /'
  git -C "$TREE" log --format='patch: %s' --reverse base..HEAD
} >"$out.tmp/info"
rm -rf "$out"
mv "$out.tmp" "$out"
[ $local_work = 0 ] || log "build/qemu-vmm holds unexported work: using it uncached (WHAT=qemu-vmm make export)"
link "$out/qemu-system-aarch64"
