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

# The real VMM and its guest (the e2e test and make demo): QEMU
# cross-built for arm64 with patches/qemu-vmm/, the host's own Image as
# the guest kernel and the guest's initramfs (perf, busybox, a workload),
# in a cpio of their own that boot.py appends only for the boots that
# use them.
"$TOP/scripts/vmm.sh"
"$TOP/scripts/guest-image.sh"
E2E=$TOP/build/e2e-$KCONFIG.cpio
{
	echo "dir /e2e 0755 0 0"
	echo "file /e2e/qemu-system-aarch64 $(readlink -f "$TOP/build/qemu-vmm-aarch64") 0755 0 0"
	echo "file /e2e/Image $KBUILD/arch/arm64/boot/Image 0644 0 0"
	echo "file /e2e/guest.cpio $TOP/build/guest.cpio 0644 0 0"
	# the guest's perf and workload, to compare with the host's own counts
	echo "file /e2e/perf $(readlink -f "$TOP/build/perf-arm64") 0755 0 0"
	echo "file /e2e/work $TOP/build/guest/work 0755 0 0"
} >"$spec"
"$gen" "$spec" >"$E2E.new"
mv "$E2E.new" "$E2E"
log "${E2E#$TOP/}: $(($(stat -c %s "$E2E") / 1024)) KiB"
