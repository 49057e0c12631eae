#!/usr/bin/env bash
# image.sh - pack the test host's initramfs (uncompressed cpio: the fastest
# to unpack under TCG) with the kernel's own gen_init_cpio: busybox, /init
# and every test of tests/tests.list, plus the project's programs in
# build/tests/ when there are any.  What only some tests need is a payload
# of its own (payloads.sh).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
KCONFIG=${KCONFIG:-base}
OUT=$TOP/build/initramfs-$KCONFIG.cpio
SELFTESTS=$TOP/build/selftests

names=$("$TOP/scripts/testlist.py" names)
for name in $names; do
	[ -x "$SELFTESTS/$name" ] || [ -x "$TOP/build/tests/$name" ] ||
		die "test $name is neither a built selftest nor in build/tests/"
done
{
	busybox_spec /tests /tests/kvm /tests/kvm/arm64
	echo "file /init $TOP/scripts/init 0755 0 0"
	for name in $names; do
		[ -x "$SELFTESTS/$name" ] || continue
		[ "${name%/*}" = "$name" ] || [ "${name%/*}" = arm64 ] ||
			echo "dir /tests/kvm/${name%/*} 0755 0 0"
		echo "file /tests/kvm/$name $SELFTESTS/$name 0755 0 0"
	done
	if [ -d "$TOP/build/tests" ]; then
		(cd "$TOP/build/tests" && find . -mindepth 1 -type d | sed 's|^\.||') |
			while read -r d; do echo "dir /tests$d 0755 0 0"; done
		(cd "$TOP/build/tests" && find . -type f -perm -u+x | sed 's|^\.||') |
			while read -r f; do echo "file /tests$f $TOP/build/tests$f 0755 0 0"; done
	fi
} | pack_cpio "$OUT"
