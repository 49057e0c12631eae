#!/usr/bin/env bash
# perf.sh - cross-build a static arm64 `perf` from the kernel tree's
# tools/perf, for the busybox-only initramfs of the nested guest.
#
# Only the `perf` program is built (`make perf`): -static breaks the link of
# the dlfilters' shared objects that `all` would build.  Everything optional
# is off (NO_*), except libelf (static, with zlib and zstd) so that
# `perf report` / `perf script` resolve the symbols of the static workload;
# PERF_LIBELF=0 builds without it.
#
# The arm64 libraries come from Debian's arm64 packages, unpacked into a
# sysroot (lib.sh: sysroot; the system's dpkg architectures untouched).
#
# Outputs:
#   build/perf-build/              make's O= directory (objects)
#   $CACHE/perf/KEY/perf           the stripped binary (perf.unstripped too);
#                                  KEY hashes tools/{perf,lib,include,arch,
#                                  build,scripts} of the tree (commit and any
#                                  uncommitted edits), the options, the
#                                  compiler, the library packages and
#                                  this script
#   build/perf-arm64               symlink to it
# A second run with nothing changed only recomputes KEY and relinks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TREE=${TREE:-$TOP/build/linux}
OUT=${PERF_OUT:-$TOP/build/perf-build}
LINK=$TOP/build/perf-arm64
CROSS=aarch64-linux-gnu-
JOBS=${JOBS:-2}
PERF_LIBELF=${PERF_LIBELF:-1}
MA=aarch64-linux-gnu

[ -e "$TREE/.git" ] || die "no tree at $TREE: run 'make tree'"
command -v ${CROSS}gcc >/dev/null || die "no ${CROSS}gcc: run scripts/deps.sh"

# arm64 packages that give static libraries (libelf.a needs libz.a; libzstd.a
# lets perf itself read/write zstd-compressed records).
PKGS=()
[ "$PERF_LIBELF" = 1 ] && PKGS=(libelf-dev zlib1g-dev libzstd-dev)

# Everything perf can link but the guest does not need. NO_JEVENTS: no
# CPU-specific event tables (the guest counts generic events), so no
# Python at build time, which perf would otherwise find only through a
# python*-config on PATH: the same binary on every machine.
MAKEVARS=(ARCH=arm64 "CROSS_COMPILE=$CROSS" WERROR=0 NO_JEVENTS=1
	NO_LIBPYTHON=1 NO_LIBPERL=1 NO_LIBTRACEEVENT=1 NO_LIBBPF=1 BUILD_BPF_SKEL=0
	NO_LIBDW=1 NO_LIBDW_DWARF_UNWIND=1 NO_LIBUNWIND=1 NO_SLANG=1 NO_GTK2=1
	NO_LIBNUMA=1 NO_LIBBABELTRACE=1 NO_BABELTRACE2=1 NO_CAPSTONE=1
	NO_LIBLLVM=1 NO_CLANG=1 NO_LZMA=1 NO_LIBPFM4=1 NO_LIBDEBUGINFOD=1
	NO_SDT=1 NO_JVMTI=1 NO_SHELLCHECK=1 NO_RUST=1 NO_DEMANGLE=1 NO_LIBCAP=1
	NO_LIBCRYPTO=1 NO_AIO=1 NO_BACKTRACE=1)
[ "$PERF_LIBELF" = 1 ] || MAKEVARS+=(NO_LIBELF=1 NO_ZLIB=1 NO_LIBZSTD=1)

# ---- the cache key -------------------------------------------------------
paths=(tools/perf tools/lib tools/include tools/arch tools/build tools/scripts)
tree_state() {
	local p
	for p in "${paths[@]}"; do git -C "$TREE" rev-parse "HEAD:$p"; done
	# Uncommitted edits and new files under those paths count too.
	git -C "$TREE" diff HEAD -- "${paths[@]}"
	git -C "$TREE" ls-files -o --exclude-standard -z -- "${paths[@]}" |
		(cd "$TREE" && xargs -0 -r sha256sum)
}
key=$( {
	tree_state
	printf '%s\n' "${MAKEVARS[@]}" "${PKGS[@]}"
	${CROSS}gcc --version | head -n 1
} | cache_key sysroot use_ccache)
DEST=$CACHE/perf/$key

if [ -x "$DEST/perf" ]; then
	ln -sfn "$DEST/perf" "$LINK"
	log "cached: ${LINK#"$TOP"/} -> $DEST/perf"
	exit 0
fi

# ---- the arm64 sysroot ---------------------------------------------------
if [ ${#PKGS[@]} -gt 0 ]; then
	sysroot "${PKGS[@]}"
	lib=$SYSROOT/usr/lib/$MA
	# A static libelf needs libz and libzstd after it on every link line,
	# the feature tests' (`$(CC) ... -lelf`) included: make libelf.a a
	# linker script that pulls them in.
	if [ ! -f "$lib/libelf-real.a" ]; then
		mv "$lib/libelf.a" "$lib/libelf-real.a"
		echo 'GROUP ( -lelf-real -lz -lzstd )' >"$lib/libelf.a"
	fi
	MAKEVARS+=("EXTRA_CFLAGS=-I$SYSROOT/usr/include -I$SYSROOT/usr/include/$MA"
		   "LDFLAGS=-static -L$SYSROOT/usr/lib/$MA")
	export PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/$MA/pkgconfig PKG_CONFIG_SYSROOT_DIR=$SYSROOT
else
	MAKEVARS+=(LDFLAGS=-static)
	export PKG_CONFIG_LIBDIR=/nonexistent
fi
unset PKG_CONFIG_PATH

# ---- the build -----------------------------------------------------------
use_ccache
# Objects of another configuration do not mix (perf's Makefile does not
# notice a changed NO_* set): start afresh when it changed.
if [ "$(cat "$OUT/harness-makevars" 2>/dev/null)" != "${MAKEVARS[*]}" ]; then
	rm -rf "$OUT"
fi
mkdir -p "$OUT"
printf '%s\n' "${MAKEVARS[*]}" >"$OUT/harness-makevars"
log "building static arm64 perf in ${OUT#"$TOP"/} (key $key)"
start=$(date +%s)
buildlog=$OUT/build.log
if ! nice -n 10 make -C "$TREE/tools/perf" O="$OUT" -j"$JOBS" \
	CC="ccache ${CROSS}gcc" "${MAKEVARS[@]}" perf >"$buildlog" 2>&1; then
	tail -n 40 "$buildlog" >&2
	log "build failed; full log in ${buildlog#"$TOP"/}"
	exit 1
fi
grep -E 'Makefile.config.*(warning|Warning)' "$buildlog" >&2 || true

bin=$OUT/perf
# A static aarch64 executable: AArch64, no program interpreter
if ! ${CROSS}readelf -h "$bin" | grep -q 'Machine:.*AArch64' ||
   ${CROSS}readelf -l "$bin" | grep -q 'INTERP'; then
	log "not a static aarch64 binary: $bin"
	exit 1
fi
if [ "$PERF_LIBELF" = 1 ] && ! ${CROSS}nm "$bin" | grep ' T elf_begin$' >/dev/null; then
	log "warning: libelf did not get linked in; reports will not be symbolised"
fi
mkdir -p "$DEST"
cp "$bin" "$DEST/perf.unstripped.new"
${CROSS}strip -o "$DEST/perf.new" "$bin"
mv "$DEST/perf.unstripped.new" "$DEST/perf.unstripped"
mv "$DEST/perf.new" "$DEST/perf"
ln -sfn "$DEST/perf" "$LINK"
log "done in $(($(date +%s) - start)) s: ${LINK#"$TOP"/} ($(stat -c %s "$DEST/perf") bytes stripped)"
