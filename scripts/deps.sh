#!/usr/bin/env bash
# deps.sh - install what the harness needs and fetch the base sources.
#
# Every step is skipped when already done, so this is cheap to run before
# every target.  Downloads live in $CACHE (outside the clone) so a fresh
# clone reuses them.  The Debian mirror is read from the machine's own apt
# configuration; suites beyond bookworm are reached through private apt
# lists under $CACHE/apt (lib.sh: private_apt), never through the
# system's sources.
#
# Outputs:
#   $CACHE/base/linux-source.tar.xz  + .version   (newest linux-source-7.3)
#   $CACHE/busybox/busybox                         (static arm64 busybox)
#   $CACHE/qemu-src/VERSION/ + version             (QEMU's Debian source)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KVER_SERIES=${KVER_SERIES:-7.3}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

host_packages() {
	local pkgs=(gcc libc6-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross bc bison flex
		    libssl-dev libelf-dev cpio ccache git make rsync xz-utils
		    python3 curl gnuplot-nox)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		as_root apt-get -q update >&2 || true
		as_root env DEBIAN_FRONTEND=noninteractive apt-get -qy install \
			--no-install-recommends "${missing[@]}" >&2
	fi
}

# QEMU is built from Debian's source with our series in patches/qemu/
# (scripts/qemu.sh); QEMU=/path skips all of it.  The pinned version is the
# one the patches target; when the mirror has dropped it, the newest
# release of the same upstream series (QEMU_SERIES) is taken instead.
# Stable suites only: sid's Release file may be expired on a mirror
# snapshot, which apt-get update refuses.
QEMU_PIN=${QEMU_PIN:-1:10.0.13+ds-0+deb13u1}
QEMU_SERIES=${QEMU_SERIES:-10.0}
QEMU_SUITES=(trixie trixie-updates)

qemu_build_deps() {
	local have
	have=$( { meson --version 2>/dev/null || echo 0; } | awk -F. '{ print ($1 > 1 || ($1 == 1 && $2 >= 5)) }')
	local pkgs=(libglib2.0-dev libfdt-dev ninja-build python3-venv dpkg-dev pkg-config)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ "$have" = 1 ] || missing+=(meson)
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing ${missing[*]} (meson >= 1.5 from bookworm-backports)"
	private_apt amd64 bookworm bookworm-updates bookworm-backports
	# installing: the system's own dpkg status, not the private one
	local opts=() o
	for o in "${APT_OPTS[@]}"; do
		case $o in Dir::State::status=*) unset 'opts[-1]' ;; *) opts+=("$o") ;; esac
	done
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qy "${opts[@]}" \
		-o Dir::Cache::Archives=/var/cache/apt/archives \
		install --no-install-recommends -t bookworm-backports "${missing[@]}" >&2
}

# The QEMU source package, into $CACHE/qemu-src/VERSION/ (.dsc and
# tarballs); $CACHE/qemu-src/version names the one to use.
qemu_source() {
	local out=$CACHE/qemu-src
	if [ -f "$out/version" ] && [ -f "$out/$(cat "$out/version")/done" ]; then
		return
	fi
	local dir=$CACHE/apt/qemu-src m
	m=$(apt_mirror)
	mkdir -p "$dir/lists/partial" "$out"
	local s
	for s in "${QEMU_SUITES[@]}"; do printf 'deb-src %s %s main\n' "$m" "$s"; done >"$dir/sources.list"
	local opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
		    -o "Dir::State::Lists=$dir/lists" -o APT::Sandbox::User=root)
	log "apt-get update (qemu sources: ${QEMU_SUITES[*]})"
	apt-get -q "${opts[@]}" update >&2
	local versions ver
	versions=$(apt-cache "${opts[@]}" showsrc qemu | awk '/^Package: / { p = $2 } /^Version: / && p == "qemu" { print $2 }')
	if grep -qxF "$QEMU_PIN" <<<"$versions"; then
		ver=$QEMU_PIN
	else
		ver=$(grep -E "^([0-9]+:)?${QEMU_SERIES//./\\.}\.[0-9]+" <<<"$versions" |
			sort -V | tail -n 1)
		[ -n "$ver" ] || {
			log "no qemu $QEMU_SERIES.x source on the mirror (have: $(echo $versions))"
			log "patches/qemu/ targets $QEMU_PIN: port it to a served release"
			exit 1
		}
		log "qemu $QEMU_PIN is gone from the mirror; trying $ver"
	fi
	mkdir -p "$out/$ver"
	(cd "$out/$ver" && apt-get -q "${opts[@]}" source --download-only "qemu=$ver" >&2)
	touch "$out/$ver/done"
	printf '%s\n' "$ver" >"$out/version"
	log "qemu source: $ver"
}

base_source() {
	local out=$CACHE/base
	mkdir -p "$out"
	if [ -f "$out/linux-source.tar.xz" ] && [ -f "$out/version" ] &&
	   [ -z "$(find "$out/version" -mmin +1440)" ]; then
		return
	fi
	local deb tmp
	private_apt amd64 trixie trixie-backports
	deb=$(deb_of "linux-source-$KVER_SERIES")
	tmp=$(mktemp -d)
	dpkg-deb -x "$deb" "$tmp"
	local tarball
	tarball=$(ls "$tmp"/usr/src/linux-source-"$KVER_SERIES".tar.* | head -n 1)
	mv "$tarball" "$out/linux-source.tar.xz.new"
	mv "$out/linux-source.tar.xz.new" "$out/linux-source.tar.xz"
	dpkg-deb -f "$deb" Version >"$out/version"
	rm -rf "$tmp"
	log "base: linux-source-$KVER_SERIES $(cat "$out/version")"
}

busybox() {
	local out=$CACHE/busybox
	[ -x "$out/busybox" ] && return
	local deb tmp
	private_apt arm64 bookworm bookworm-updates
	deb=$(deb_of busybox-static)
	tmp=$(mktemp -d)
	dpkg-deb -x "$deb" "$tmp"
	mkdir -p "$out"
	install -m 0755 "$tmp/bin/busybox" "$out/busybox"
	dpkg-deb -f "$deb" Version >"$out/version"
	rm -rf "$tmp"
}

mkdir -p "$CACHE"
host_packages
if [ -z "${QEMU:-}" ]; then
	qemu_build_deps
	qemu_source
fi
busybox
if [ -n "${LINUX_SRC:-}" ]; then
	[ -f "$LINUX_SRC/Makefile" ] || { log "LINUX_SRC=$LINUX_SRC is not a kernel tree"; exit 1; }
else
	base_source
fi
