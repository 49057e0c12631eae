#!/usr/bin/env bash
# guest-image.sh - pack the nested guest's initramfs, build/guest.cpio
# (uncompressed cpio): the static arm64 busybox, tests/guest/init as /init,
# the static perf of scripts/perf.sh as /bin/perf, and tests/guest/work.c
# built -static -nostdlib as /bin/work.
#
# Packed with the kernel tree's usr/gen_init_cpio, compiled for the build
# machine into build/guest/ (no kbuild directory needed or touched).
# Intermediate files: build/guest/{work,gen_init_cpio}.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export CACHE=${CACHE:-$HOME/.cache/kvm-pmu}
TREE=${TREE:-$TOP/build/linux}
OUT=$TOP/build/guest.cpio
WORKDIR=$TOP/build/guest
CROSS=aarch64-linux-gnu-

log() { printf 'guest-image: %s\n' "$*" >&2; }

[ -x "$CACHE/busybox/busybox" ] || "$TOP/scripts/deps.sh"
"$TOP/scripts/perf.sh"

mkdir -p "$WORKDIR"
work=$WORKDIR/work
if [ ! "$work" -nt "$TOP/tests/guest/work.c" ]; then
	${CROSS}gcc -static -nostdlib -O2 -Wall -Wextra -Werror -Wl,--build-id \
		-o "$work.new" "$TOP/tests/guest/work.c"
	mv "$work.new" "$work"
fi

gen=$WORKDIR/gen_init_cpio
gensrc=$TREE/usr/gen_init_cpio.c
[ -f "$gensrc" ] || { log "no $gensrc: run 'make tree'"; exit 1; }
if [ ! "$gen" -nt "$gensrc" ]; then
	gcc -O2 -o "$gen.new" "$gensrc"
	mv "$gen.new" "$gen"
fi

spec=$(mktemp)
trap 'rm -f "$spec"' EXIT
{
	for d in /bin /dev /proc /sys /tmp /run; do echo "dir $d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $TOP/tests/guest/init 0755 0 0"
	echo "file /bin/busybox $CACHE/busybox/busybox 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /bin/perf $(readlink -f "$TOP/build/perf-arm64") 0755 0 0"
	echo "file /bin/work $work 0755 0 0"
} >"$spec"
"$gen" "$spec" >"$OUT.new"
mv "$OUT.new" "$OUT"
log "${OUT#"$TOP"/}: $(($(stat -c %s "$OUT") / 1024)) KiB"
