#!/usr/bin/env bash
# guest-image.sh - pack the nested guest's initramfs, build/guest.cpio
# (uncompressed cpio): the static arm64 busybox, tests/guest/init as /init,
# the static perf of scripts/perf.sh as /bin/perf, and tests/guest/work.c
# built -static -nostdlib as /bin/work, and with -DWORK_TIMED as
# /bin/worktime.
#
# Intermediate files: build/guest/work, build/guest/worktime.
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
for w in work:"" worktime:-DWORK_TIMED; do
	bin=$WORKDIR/${w%%:*}
	if [ ! "$bin" -nt "$TOP/tests/guest/work.c" ]; then
		# shellcheck disable=SC2086
		${CROSS}gcc -static -nostdlib -O2 -Wall -Wextra -Werror -Wl,--build-id \
			${w#*:} -o "$bin.new" "$TOP/tests/guest/work.c"
		mv "$bin.new" "$bin"
	fi
done

{
	busybox_spec
	echo "file /init $TOP/tests/guest/init 0755 0 0"
	echo "file /bin/perf $(readlink -f "$TOP/build/perf-arm64") 0755 0 0"
	echo "file /bin/work $work 0755 0 0"
	echo "file /bin/worktime $WORKDIR/worktime 0755 0 0"
} | pack_cpio "$OUT"
