# lib.sh - sourced by the harness's shell scripts; defines nothing that
# runs by itself.
#
#   TOP, CACHE          the clone, and the cache kept across clones
#   log MSG, die MSG    "NAME: MSG" on stderr (NAME: the script's name)
#   series_vars WHAT    TREE, PATCHES and BASE_FILE of one of the three
#                       series: linux, qemu (the test machine), qemu-vmm
#   series_files DIR    the patch files of a series, in order, no cover
#   series_code DIR     their code only (cache keys ignore commit messages)
#   unexported          commits and edits of $TREE that $PATCHES lacks
#   cache_key [FUNC...] 16 hex digits hashing stdin, the calling script
#                       and the named functions of this file it builds with
#   private_apt ARCH SUITE...   APT_OPTS: apt-get options for a private
#                       list of the machine's own Debian mirror
#   deb_of PKG          the .deb of PKG's candidate in $CACHE/debs
#   sysroot PKG...      SYSROOT: those arm64 packages unpacked, once
#   use_ccache          ccache for every compiler on PATH
#   qemu_build TREE BUILD OPT...  configure (when OPT changed) and build
#                       qemu-system-aarch64 with the devices of
#                       $QEMU_DEVICES (config/qemu-devices.mak) only
#   busybox_spec DIR... gen_init_cpio lines of a busybox root with DIRs
#   pack_cpio OUT       an uncompressed cpio of the spec on stdin

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CACHE=${CACHE:-$HOME/.cache/kvm-pmu}
LOG_NAME=${LOG_NAME:-$(basename "$0" .sh)}
# The top make runs stages in parallel (-j3); the makes a script starts
# choose their own -j and must not inherit its jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL

log() { printf '%s: %s\n' "$LOG_NAME" "$*" >&2; }
die() { log "$@"; exit 1; }

series_vars() {
	case $1 in
	linux)	  TREE=${TREE:-$TOP/build/linux} PATCHES=$TOP/patches ;;
	qemu)	  TREE=${TREE:-$TOP/build/qemu} PATCHES=$TOP/patches/qemu ;;
	qemu-vmm) TREE=${TREE:-$TOP/build/qemu-vmm} PATCHES=$TOP/patches/qemu-vmm ;;
	*)	  log "WHAT=$1: want linux, qemu or qemu-vmm"; exit 2 ;;
	esac
	# What the tree was made from, in words (tree.sh writes it)
	case $1 in
	linux)	BASE_FILE=$TOP/build/base-version ;;
	*)	BASE_FILE=$TOP/build/$1-version ;;
	esac
}

# series_code DIR: the code of DIR's series (each patch from its first
# "diff --git" on), for cache keys: a reworded commit message does not
# call for a rebuild.
series_code() {
	series_files "$1" | xargs -r sed -n '/^diff --git /,$p'
}

series_files() {
	local dir=$1
	[ -d "$dir" ] || return 0
	if [ -f "$dir/series" ]; then
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$dir/series" | sed "s|^|$dir/|"
	else
		find "$dir" -maxdepth 1 -name '*.patch' ! -name '0000-cover-letter.patch' | sort
	fi
}

unexported() {
	local known c id
	known=$(cat "$PATCHES"/*.patch 2>/dev/null | git patch-id --stable | awk '{ print $1 }')
	for c in $(git -C "$TREE" rev-list --reverse base..HEAD); do
		id=$(git -C "$TREE" show "$c" | git patch-id --stable | awk '{ print $1 }')
		[ -z "$id" ] || grep -qx "$id" <<<"$known" ||
			git -C "$TREE" log -1 --format='  %h %s' "$c"
	done
	git -C "$TREE" status --porcelain -uno | sed 's/^/  edit: /'
}

cache_key() {
	{ cat; cat "$0"; [ $# = 0 ] || declare -f "$@"; } | sha256sum | cut -c1-16
}

apt_mirror() {
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk '$1 == "bookworm" { print $2; exit }'
}

APT_OPTS=()
private_apt() {
	local arch=$1 m want dir lock
	shift
	dir=$CACHE/apt/$arch-$(tr ' ' + <<<"$*")
	m=$(apt_mirror)
	[ -n "$m" ] || die "no bookworm mirror in the apt configuration"
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	[ -f "$dir/status" ] || : >"$dir/status"
	# make runs stages in parallel: one apt-get update at a time per list
	exec {lock}>"$dir/harness.lock"
	flock "$lock"
	APT_OPTS=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
		  -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
		  -o "Dir::Cache=$dir" -o "Dir::State::status=$dir/status"
		  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
		  -o APT::Sandbox::User=root)
	want=$(for s in "$@"; do printf 'deb [arch=%s] %s %s main\n' "$arch" "$m" "$s"; done)
	if [ "$(cat "$dir/sources.list" 2>/dev/null)" != "$want" ] ||
	   [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440)" ]; then
		printf '%s\n' "$want" >"$dir/sources.list"
		log "apt-get update ($arch: $*)"
		apt-get -q "${APT_OPTS[@]}" update >&2
	fi
	exec {lock}>&-
}

deb_of() {
	local pkg=$1 ver deb
	ver=$(apt-cache "${APT_OPTS[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$pkg not found in the private apt lists"
	mkdir -p "$CACHE/debs"
	deb=$(ls "$CACHE/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg $ver"
		(cd "$CACHE/debs" && apt-get -q "${APT_OPTS[@]}" download "$pkg=$ver" >&2) ||
			die "could not download $pkg $ver (a stale index? remove $CACHE/apt)"
		deb=$(ls "$CACHE/debs/${pkg}_${ver//:/%3a}_"*.deb | head -n 1)
	fi
	printf '%s\n' "$deb"
}

SYSROOT=
sysroot() {
	local debs=() p d key lock
	# one sysroot at a time: vmm.sh and perf.sh may share packages
	mkdir -p "$CACHE"
	exec {lock}>"$CACHE/sysroot.lock"
	flock "$lock"
	private_apt arm64 bookworm bookworm-updates
	for p in "$@"; do
		d=$(deb_of "$p")
		debs+=("$d")
	done
	key=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -c1-16)
	SYSROOT=$CACHE/sysroot/$key
	if [ -f "$SYSROOT/done" ]; then
		exec {lock}>&-
		return
	fi
	rm -rf "$SYSROOT"
	mkdir -p "$SYSROOT"
	for p in "${debs[@]}"; do dpkg-deb -x "$p" "$SYSROOT"; done
	printf '%s\n' "${debs[@]##*/}" >"$SYSROOT/done"
	log "arm64 sysroot ${SYSROOT#"$CACHE"/}: $*"
	exec {lock}>&-
}

use_ccache() {
	# QEMU's configure hands meson an explicit compiler, so ccache's
	# compiler links go first on PATH; kbuild and perf get CC="ccache ...".
	export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$TOP
	export CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
	export CCACHE_SLOPPINESS=time_macros
}

QEMU_DEVICES=$TOP/config/qemu-devices.mak
qemu_build() {
	local tree=$1 build=$2 start devices
	shift 2
	use_ccache
	# configure takes a devices file by name, under the tree's configs/
	devices=$(realpath -m --relative-to="$tree/configs/devices/aarch64-softmmu" \
		"${QEMU_DEVICES%.mak}")
	set -- "$@" --without-default-devices "--with-devices-aarch64=$devices"
	if [ ! -f "$build/build.ninja" ] || [ "$(cat "$build/harness-opts" 2>/dev/null)" != "$*" ]; then
		rm -rf "$build"
		mkdir -p "$build"
		log "configure $*"
		(cd "$build" && nice -n 10 "$tree/configure" "$@" >configure.log 2>&1) || {
			tail -n 30 "$build/configure.log" >&2
			die "configure failed: $build/configure.log"
		}
		printf '%s\n' "$*" >"$build/harness-opts"
	fi
	start=$(date +%s)
	nice -n 10 ninja -j"${JOBS:-$(nproc)}" -C "$build" qemu-system-aarch64 >"$build/ninja.log" 2>&1 || {
		grep -B2 -A10 -m3 'error' "$build/ninja.log" >&2 || tail -n 30 "$build/ninja.log" >&2
		die "build failed: $build/ninja.log"
	}
	log "built qemu-system-aarch64 in $(($(date +%s) - start)) s"
}

busybox_spec() {
	local d
	for d in /bin /dev /proc /sys /tmp /run "$@"; do echo "dir $d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $CACHE/busybox/busybox 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
}

pack_cpio() {
	local out=$1 gen=$TOP/build/gen_init_cpio src=$TOP/build/linux/usr/gen_init_cpio.c
	[ -f "$src" ] || die "no $src: run 'make tree'"
	if [ ! "$gen" -nt "$src" ]; then
		gcc -O2 -o "$gen.$$" "$src"
		mv "$gen.$$" "$gen"
	fi
	"$gen" - >"$out.new" || die "gen_init_cpio failed for ${out#"$TOP"/}"
	mv "$out.new" "$out"
	log "${out#"$TOP"/}: $(($(stat -c %s "$out") / 1024)) KiB"
}
