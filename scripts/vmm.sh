#!/usr/bin/env bash
# vmm.sh - make the VMM that runs *inside* the arm64 test host: a static
# arm64 qemu-system-aarch64 with KVM only (no TCG), cross-built from the
# same Debian QEMU source as the outer QEMU (deps.sh fetched it) with our
# series patches/qemu-vmm/ (format-patch files + `series`; may be absent),
# and link it as build/qemu-vmm-aarch64.  In the host:
#
#   qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host \
#       -nographic -kernel Image -initrd guest.cpio ...
#
# The binary is static (no NEEDED), so the busybox initramfs needs only
# this one file.  It is kept outside the clone in $CACHE/qemu-vmm/KEY/, KEY
# hashing the source version, the options and the patches: a second run or
# a fresh clone only links it.
#
# The arm64 libraries (glib, pcre2, zlib, libfdt: their -dev packages ship
# .a files) are not installed on the system: their .debs are downloaded
# through a private apt configuration (APT::Architecture=arm64, own lists
# under $CACHE/apt/vmm-arm64, bookworm to match the cross toolchain's
# glibc) and unpacked into a sysroot under $CACHE/qemu-vmm/.  The C library
# and kernel headers come from the cross toolchain (libc6-dev-arm64-cross).
# dpkg's architectures and the system's apt sources are left alone.
#
# Work trees (git-ignored): build/qemu-vmm-src (Debian's source, Debian's
# patches applied, plus patches/qemu-vmm/), build/qemu-vmm-build.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export CACHE=${CACHE:-$HOME/.cache/kvm-pmu}
PATCHES=${VMM_PATCHES:-$TOP/patches/qemu-vmm}
SRC=$TOP/build/qemu-vmm-src
BUILD=$TOP/build/qemu-vmm-build
LINK=$TOP/build/qemu-vmm-aarch64
OUTDIR=$CACHE/qemu-vmm
APTDIR=$CACHE/apt/vmm-arm64
JOBS=${JOBS:-2}
# Suites for the arm64 libraries: those of the cross compiler (bookworm).
VMM_SUITES=(${VMM_SUITES:-bookworm bookworm-updates})
# -dev packages whose static libraries and .pc files the build needs.
LIBS=(libglib2.0-dev libpcre2-dev zlib1g-dev libfdt-dev)

OPTS=(--cross-prefix=aarch64-linux-gnu- --static
      --target-list=aarch64-softmmu --without-default-features
      --enable-kvm --disable-tcg --enable-fdt=system
      --disable-docs --disable-tools --disable-download --disable-install-blobs
      --disable-werror --python=/usr/bin/python3)

log() { printf 'vmm: %s\n' "$*" >&2; }

series() {
	[ -d "$PATCHES" ] || return 0
	if [ -f "$PATCHES/series" ]; then
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series" |
			sed "s|^|$PATCHES/|"
	else
		find "$PATCHES" -maxdepth 1 -name '*.patch' ! -name '0000-cover-letter.patch' | sort
	fi
}

link() {
	ln -sfn "$1" "$LINK"
	log "using $(cat "$(dirname "$1")/info" 2>/dev/null | head -n 1) at $1"
}

# Host tools (cross compiler, meson, ninja, pkg-config, dpkg-dev) and the
# QEMU source: deps.sh's job, cheap when already done.
deps() {
	env -u QEMU "$TOP/scripts/deps.sh"
}

[ -f "$CACHE/qemu-src/version" ] || deps
ver=$(cat "$CACHE/qemu-src/version")
mapfile -t patches < <(series)
key=$( { echo "$ver"; echo "${OPTS[*]}"; echo "${LIBS[*]}"
	 for f in "${patches[@]}"; do cat "$f"; done; } | sha256sum | cut -c1-16)
out=$OUTDIR/$key

if [ -x "$out/qemu-system-aarch64" ]; then
	link "$out/qemu-system-aarch64"
	exit 0
fi

start=$(date +%s)
deps
command -v aarch64-linux-gnu-gcc >/dev/null || { log "no aarch64-linux-gnu-gcc"; exit 1; }

# --- arm64 sysroot: the -dev .debs, unpacked ---------------------------
mirror() {
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk '$1 == "bookworm" { print $2; exit }'
}
m=$(mirror)
[ -n "$m" ] || { log "no bookworm mirror in the apt configuration"; exit 1; }
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$OUTDIR/debs"
[ -f "$APTDIR/status" ] || : >"$APTDIR/status"
aopts=(-o "Dir::Etc::sourcelist=$APTDIR/sources.list" -o Dir::Etc::sourceparts=/dev/null
       -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache::Archives=$APTDIR/archives"
       -o "Dir::State::status=$APTDIR/status"
       -o APT::Architecture=arm64 -o APT::Architectures::=arm64
       -o APT::Sandbox::User=root)
want=$(for s in "${VMM_SUITES[@]}"; do printf 'deb [arch=arm64] %s %s main\n' "$m" "$s"; done)
if [ "$(cat "$APTDIR/sources.list" 2>/dev/null)" != "$want" ] ||
   [ -z "$(find "$APTDIR/lists" -maxdepth 1 -name '*Packages*' -mmin -1440)" ]; then
	printf '%s\n' "$want" >"$APTDIR/sources.list"
	log "apt-get update (arm64: ${VMM_SUITES[*]})"
	apt-get -q "${aopts[@]}" update >&2
fi
debs=()
for p in "${LIBS[@]}"; do
	v=$(apt-cache "${aopts[@]}" policy "$p" | awk '/Candidate:/ { print $2 }')
	[ -n "$v" ] && [ "$v" != "(none)" ] || { log "$p:arm64 not found in ${VMM_SUITES[*]}"; exit 1; }
	f=$(ls "$OUTDIR/debs/${p}_${v//:/%3a}_arm64.deb" 2>/dev/null || true)
	if [ -z "$f" ]; then
		log "downloading $p:arm64 $v"
		(cd "$OUTDIR/debs" && apt-get -q "${aopts[@]}" download "$p:arm64=$v" >&2)
		f=$OUTDIR/debs/${p}_${v//:/%3a}_arm64.deb
	fi
	debs+=("$f")
done
skey=$(for f in "${debs[@]}"; do basename "$f"; done | sha256sum | cut -c1-16)
SYSROOT=$OUTDIR/sysroot-$skey
if [ ! -f "$SYSROOT/done" ]; then
	rm -rf "$SYSROOT"
	for f in "${debs[@]}"; do dpkg-deb -x "$f" "$SYSROOT"; done
	for f in "${debs[@]}"; do basename "$f"; done >"$SYSROOT/done"
fi
# Only static libraries are wanted; the .so links of the -dev packages
# point at runtime packages we do not fetch.
for l in glib-2.0 pcre2-8 z fdt; do
	[ -f "$SYSROOT/usr/lib/aarch64-linux-gnu/lib$l.a" ] ||
		{ log "lib$l.a missing from the arm64 sysroot"; exit 1; }
done

# --- source: Debian's, with patches/qemu-vmm/ ---------------------------
log "source: qemu $ver, ${#patches[@]} patches from ${PATCHES#$TOP/}/"
rm -rf "$SRC" "$SRC.tmp"
mkdir -p "$TOP/build"
dpkg-source -q --no-copy -x "$CACHE/qemu-src/$ver"/*.dsc "$SRC.tmp" 2> >(grep -v "^gpgv:" >&2) >&2
for f in "${patches[@]}"; do
	# git apply outside any repository (build/ is inside the clone's):
	# exact, no fuzz, unlike patch(1).
	(cd "$SRC.tmp" && GIT_CEILING_DIRECTORIES=$TOP/build git apply --whitespace=nowarn "$f") || {
		log "${f#$TOP/} does not apply to qemu $ver"
		exit 1
	}
done
mv "$SRC.tmp" "$SRC"

# --- configure and build -------------------------------------------------
# configure hands meson an explicit compiler, so put ccache's links first.
export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$TOP
export PKG_CONFIG=pkg-config PKG_CONFIG_SYSROOT_DIR=$SYSROOT PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig:$SYSROOT/usr/share/pkgconfig
[ -x /usr/lib/ccache/aarch64-linux-gnu-gcc ] || log "no ccache link for aarch64-linux-gnu-gcc: building without ccache"
# --sysroot adds the sysroot's multiarch dirs after the cross toolchain's
# own (libc, kernel headers), for the compiler and meson's find_library.
cfg=("${OPTS[@]}" "--extra-cflags=--sysroot=$SYSROOT" "--extra-ldflags=--sysroot=$SYSROOT")
rm -rf "$BUILD"
mkdir -p "$BUILD"
log "configure ${OPTS[*]}"
(cd "$BUILD" && nice -n 10 "$SRC/configure" "${cfg[@]}" >configure.log 2>&1) || {
	tail -n 30 "$BUILD/configure.log" >&2
	log "configure failed: $BUILD/configure.log"
	exit 1
}
log "building qemu-system-aarch64 for arm64 (-j$JOBS)"
nice -n 10 ninja -j"$JOBS" -C "$BUILD" qemu-system-aarch64 >"$BUILD/ninja.log" 2>&1 || {
	grep -B2 -A10 -m3 'error' "$BUILD/ninja.log" >&2 || tail -n 30 "$BUILD/ninja.log" >&2
	log "build failed: $BUILD/ninja.log"
	exit 1
}
bin=$BUILD/qemu-system-aarch64
# Static (plain or static-pie): an aarch64 ELF with no interpreter and no
# NEEDED entry, so the initramfs needs only this file.
re=aarch64-linux-gnu-readelf
$re -h "$bin" | grep -q 'Machine:.*AArch64' || { log "$bin is not an aarch64 ELF"; exit 1; }
if $re -l "$bin" | grep -q INTERP || $re -d "$bin" | grep -q NEEDED; then
	log "$bin is not static:"; $re -d "$bin" | grep NEEDED >&2 || true; exit 1
fi

mkdir -p "$out.tmp"
install -m 0755 "$bin" "$out.tmp/qemu-system-aarch64"
aarch64-linux-gnu-strip "$out.tmp/qemu-system-aarch64"
{ echo "qemu $ver (Debian source), static arm64 KVM-only VMM"
  echo "options: ${OPTS[*]}"
  for f in "${debs[@]}"; do echo "library: $(basename "$f")"; done
  for f in "${patches[@]}"; do echo "patch: $(sed -n 's/^Subject: //p' "$f" | head -n 1)"; done
} >"$out.tmp/info"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built in $(($(date +%s) - start)) s: $(du -h "$out/qemu-system-aarch64" | cut -f1), static aarch64"
link "$out/qemu-system-aarch64"
