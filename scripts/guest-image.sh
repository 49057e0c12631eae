#!/usr/bin/env bash
# guest-image.sh - pack the nested guest's initramfs, build/guest.cpio
# (uncompressed cpio): the static arm64 busybox, tests/guest/init as /init,
# the static perf of scripts/perf.sh as /bin/perf, and tests/guest/work.c
# built -static -nostdlib as /bin/work.
#
# Intermediate files: build/guest/work.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
TREE=${TREE:-$TOP/build/linux}
OUT=$TOP/build/guest.cpio
WORKDIR=$TOP/build/guest
CROSS=aarch64-linux-gnu-

[ -x "$CACHE/busybox/busybox" ] || "$TOP/scripts/deps.sh"
"$TOP/scripts/perf.sh"

mkdir -p "$WORKDIR"
work=$WORKDIR/work
if [ ! "$work" -nt "$TOP/tests/guest/work.c" ]; then
	${CROSS}gcc -static -nostdlib -O2 -Wall -Wextra -Werror -Wl,--build-id \
		-o "$work.new" "$TOP/tests/guest/work.c"
	mv "$work.new" "$work"
fi

{
	busybox_spec
	echo "file /init $TOP/tests/guest/init 0755 0 0"
	echo "file /bin/perf $(readlink -f "$TOP/build/perf-arm64") 0755 0 0"
	echo "file /bin/work $work 0755 0 0"
} | pack_cpio "$OUT"
