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
# The arm64 libraries come from Debian's arm64 packages, downloaded through
# a private apt configuration ($CACHE/apt/perf-arm64, the system's dpkg
# architectures untouched) and unpacked into $CACHE/perf-sysroot/KEY.
#
# Outputs:
#   build/perf-build/              make's O= directory (objects)
#   $CACHE/perf/KEY/perf           the stripped binary (perf.unstripped too);
#                                  KEY hashes tools/{perf,lib,include,arch,
#                                  build,scripts} of the tree (commit and any
#                                  uncommitted edits), the options, the
#                                  compiler and the library packages
#   build/perf-arm64               symlink to it
# A second run with nothing changed only recomputes KEY and relinks.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/kvm-pmu}
TREE=${TREE:-$TOP/build/linux}
OUT=${PERF_OUT:-$TOP/build/perf-build}
LINK=$TOP/build/perf-arm64
CROSS=aarch64-linux-gnu-
JOBS=${JOBS:-2}
PERF_LIBELF=${PERF_LIBELF:-1}
APTDIR=$CACHE/apt/perf-arm64
DEBS=$CACHE/debs
MA=aarch64-linux-gnu

log() { printf 'perf: %s\n' "$*" >&2; }

[ -e "$TREE/.git" ] || { log "no tree at $TREE: run 'make tree'"; exit 1; }
command -v ${CROSS}gcc >/dev/null || { log "no ${CROSS}gcc: run scripts/deps.sh"; exit 1; }

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
	sha256sum <"$0"
} | sha256sum | cut -c1-16)
DEST=$CACHE/perf/$key

if [ -x "$DEST/perf" ]; then
	ln -sfn "$DEST/perf" "$LINK"
	log "cached: ${LINK#"$TOP"/} -> $DEST/perf"
	exit 0
fi

# ---- the arm64 sysroot ---------------------------------------------------
mirror() {
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk '$1 == "bookworm" { print $2; exit }'
}
aptopts=(-o "Dir::Etc::sourcelist=$APTDIR/sources.list"
	 -o Dir::Etc::sourceparts=/dev/null
	 -o "Dir::State::Lists=$APTDIR/lists"
	 -o "Dir::Cache=$APTDIR/cache"
	 -o "Dir::Cache::Archives=$APTDIR/archives"
	 -o "Dir::State::status=$APTDIR/status"
	 -o APT::Architecture=arm64 -o APT::Architectures::=arm64
	 -o APT::Sandbox::User=root)

apt_update() {
	log "apt-get update (arm64 bookworm, private lists in ${APTDIR#"$CACHE"/})"
	apt-get -q "${aptopts[@]}" update >&2
}

apt_setup() {
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/cache" "$DEBS"
	[ -f "$APTDIR/status" ] || : >"$APTDIR/status"
	local m want
	m=$(mirror)
	[ -n "$m" ] || { log "no bookworm mirror in the apt configuration"; exit 1; }
	want="deb [arch=arm64] $m bookworm main"
	if [ "$(cat "$APTDIR/sources.list" 2>/dev/null)" != "$want" ] ||
	   [ -z "$(find "$APTDIR/lists" -maxdepth 1 -name '*Packages*')" ]; then
		printf '%s\n' "$want" >"$APTDIR/sources.list"
		# deps.sh's arm64 lists (busybox-static) are the same index:
		# copy them rather than download it again.
		local theirs=$CACHE/apt/arm64
		if [ "$(cat "$theirs/sources.list" 2>/dev/null)" = "$want" ] &&
		   [ -n "$(find "$theirs/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
			cp "$theirs"/lists/*InRelease "$theirs"/lists/*Packages* "$APTDIR/lists/"
		else
			apt_update
		fi
	fi
}

# deb_of PKG: the .deb of PKG's candidate version in $DEBS (downloaded once).
deb_of() {
	local pkg=$1 ver deb
	ver=$(apt-cache "${aptopts[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { log "$pkg:arm64 not found"; exit 1; }
	deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_arm64.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg:arm64 $ver"
		(cd "$DEBS" && apt-get -q "${aptopts[@]}" download "$pkg:arm64=$ver" >&2)
		deb=$DEBS/${pkg}_${ver//:/%3a}_arm64.deb
	fi
	printf '%s\n' "$deb"
}

SYSROOT=
if [ ${#PKGS[@]} -gt 0 ]; then
	apt_setup
	debs=()
	for p in "${PKGS[@]}"; do
		if ! d=$(deb_of "$p"); then
			# A stale index names a version the mirror dropped.
			apt_update
			d=$(deb_of "$p")
		fi
		debs+=("$d")
	done
	skey=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -c1-16)
	SYSROOT=$CACHE/perf-sysroot/$skey
	if [ ! -f "$SYSROOT/done" ]; then
		rm -rf "$SYSROOT" && mkdir -p "$SYSROOT"
		for d in "${debs[@]}"; do dpkg-deb -x "$d" "$SYSROOT"; done
		lib=$SYSROOT/usr/lib/$MA
		# A static libelf needs libz and libzstd after it on every link
		# line, the feature tests' (`$(CC) ... -lelf`) included: make
		# libelf.a a linker script that pulls them in.
		mv "$lib/libelf.a" "$lib/libelf-real.a"
		echo 'GROUP ( -lelf-real -lz -lzstd )' >"$lib/libelf.a"
		printf '%s\n' "${debs[@]##*/}" >"$SYSROOT/done"
		log "sysroot ${SYSROOT#"$CACHE"/}: ${PKGS[*]}"
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
export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G} CCACHE_SLOPPINESS=time_macros
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
