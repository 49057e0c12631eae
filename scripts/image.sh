#!/usr/bin/env bash
# image.sh - pack the test host's initramfs (uncompressed cpio: the fastest
# to unpack under TCG) with the kernel's own gen_init_cpio: busybox, /init
# and every test of tests/tests.list, plus the project's programs in
# build/tests/ when there are any.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:?CACHE must be set}
KCONFIG=${KCONFIG:-base}
KBUILD=$TOP/build/kbuild-$KCONFIG
OUT=$TOP/build/initramfs-$KCONFIG.cpio
SELFTESTS=$TOP/build/selftests

log() { printf 'image: %s\n' "$*" >&2; }

gen=$KBUILD/usr/gen_init_cpio
[ -x "$gen" ] || make -s -C "$KBUILD" usr/gen_init_cpio
spec=$(mktemp)
trap 'rm -f "$spec"' EXIT
{
	for d in /bin /dev /proc /sys /tmp /run /tests /tests/kvm /tests/kvm/arm64; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $TOP/scripts/init 0755 0 0"
	echo "file /bin/busybox $CACHE/busybox/busybox 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	"$TOP/scripts/testlist.py" names | while read -r name; do
		if [ -x "$SELFTESTS/$name" ]; then
			echo "file /tests/kvm/$name $SELFTESTS/$name 0755 0 0"
		elif [ ! -x "$TOP/build/tests/$name" ]; then
			log "test $name is neither a built selftest nor in build/tests/"
			exit 1
		fi
	done
	if [ -d "$TOP/build/tests" ]; then
		(cd "$TOP/build/tests" && find . -mindepth 1 -type d | sed 's|^\.||') |
			while read -r d; do echo "dir /tests$d 0755 0 0"; done
		(cd "$TOP/build/tests" && find . -type f -perm -u+x | sed 's|^\.||') |
			while read -r f; do echo "file /tests$f $TOP/build/tests$f 0755 0 0"; done
	fi
} >"$spec"
"$gen" "$spec" >"$OUT.new"
mv "$OUT.new" "$OUT"
log "${OUT#$TOP/}: $(($(stat -c %s "$OUT") / 1024)) KiB"
