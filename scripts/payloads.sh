#!/usr/bin/env bash
# payloads.sh - what only some tests need, each as a cpio of its own that
# boot.py appends to the host's initramfs for the tests that declare it
# (tests.list: needs=NAME):
#
#   vmm   build/vmm-$KCONFIG.cpio, /e2e/: the real VMM (vmm.sh), the
#         host's own Image as the guest kernel, the guest's initramfs
#         (guest-image.sh: busybox, perf, a workload), and the same perf
#         and workload for the host to compare with
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KCONFIG=${KCONFIG:-base}
KBUILD=$TOP/build/kbuild-$KCONFIG

"$TOP/scripts/vmm.sh"
"$TOP/scripts/guest-image.sh"
{
	echo "dir /e2e 0755 0 0"
	echo "file /e2e/qemu-system-aarch64 $(readlink -f "$TOP/build/qemu-vmm-aarch64") 0755 0 0"
	echo "file /e2e/Image $KBUILD/arch/arm64/boot/Image 0644 0 0"
	echo "file /e2e/guest.cpio $TOP/build/guest.cpio 0644 0 0"
	echo "file /e2e/perf $(readlink -f "$TOP/build/perf-arm64") 0755 0 0"
	echo "file /e2e/work $TOP/build/guest/work 0755 0 0"
} | pack_cpio "$TOP/build/vmm-$KCONFIG.cpio"
