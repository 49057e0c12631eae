#!/usr/bin/env bash
# build.sh - build the arm64 host kernel and the static KVM selftests.
#
# Kernel: allnoconfig + config/base.config (+ config/$KCONFIG.config),
# out of tree in build/kbuild-$KCONFIG, through ccache.  Every option the
# fragments ask for must survive olddefconfig, or the build stops.
# Selftests: tools/testing/selftests/kvm, static, into build/selftests.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
KCONFIG=${KCONFIG:-base}
TREE=${TREE:-$TOP/build/linux}
KBUILD=${KBUILD_DIR:-$TOP/build/kbuild-$KCONFIG}
SELFTESTS=$TOP/build/selftests
CROSS=aarch64-linux-gnu-
JOBS=${JOBS:-$(nproc)}

[ -e "$TREE/.git" ] || die "no tree at $TREE: run 'make tree'"

use_ccache
export KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=harness KBUILD_BUILD_HOST=harness
kmake() {
	make -s -C "$TREE" O="$KBUILD" ARCH=arm64 CROSS_COMPILE=$CROSS \
		CC="ccache ${CROSS}gcc" -j"$JOBS" ${EXTRA_MAKEFLAGS:-} "$@"
}

fragments=("$TOP/config/base.config")
[ "$KCONFIG" = base ] || fragments+=("$TOP/config/$KCONFIG.config")
for f in "${fragments[@]}"; do
	[ -f "$f" ] || { log "no config fragment $f"; exit 1; }
done

# Configure into a scratch directory; replace .config only when it changed,
# so an unchanged configuration rebuilds nothing.
mkdir -p "$KBUILD"
cfg=$KBUILD.kconfig
rm -rf "$cfg" && mkdir -p "$cfg"
make -s -C "$TREE" O="$cfg" ARCH=arm64 CROSS_COMPILE=$CROSS allnoconfig >/dev/null
(cd "$cfg" && KCONFIG_CONFIG=.config "$TREE/scripts/kconfig/merge_config.sh" \
	-m -O "$cfg" .config "${fragments[@]}" >/dev/null)
make -s -C "$TREE" O="$cfg" ARCH=arm64 CROSS_COMPILE=$CROSS olddefconfig >/dev/null
# Options this kernel does not define at all (those of patches not in the
# tree, e.g. the series' tests on the bare base) are skipped.
known=$(cd "$TREE" && find . -name 'Kconfig*' -not -path './tools/*' -print0 |
	xargs -0 sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\+\([A-Z0-9_]*\).*/CONFIG_\2/p' | sort -u)
missing=$(cat "${fragments[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' | while read -r line; do
	grep -qxF "${line%%=*}" <<<"$known" || continue
	grep -qxF "$line" "$cfg/.config" || echo "  $line"
done)
if [ -n "$missing" ]; then
	log "options the fragments set but the kernel config dropped:"
	printf '%s\n' "$missing" >&2
	exit 1
fi
cmp -s "$cfg/.config" "$KBUILD/.config" || cp "$cfg/.config" "$KBUILD/.config"
rm -rf "$cfg"

log "kernel ($KCONFIG) in ${KBUILD#$TOP/}"
kmake olddefconfig
kmake Image headers

# The series' VHE exit fast path runs in hyp context, where a traced or
# kprobed function is a hyp panic: nothing may leave it but the
# sanitizers' hooks of a debug kernel (arch/arm64/kvm/hyp/vhe/pmu-part.c).
fastpath=$KBUILD/arch/arm64/kvm/hyp/vhe/pmu-part.o
if [ -f "$fastpath" ]; then
	calls=$(${CROSS}objdump -dr "$fastpath" |
		grep -E '[[:space:]]blr?[[:space:]]|R_AARCH64_(CALL|JUMP)26' |
		grep -vE '__(asan|ubsan|kasan|kcsan|sanitizer)_' || true)
	if [ -n "$calls" ]; then
		log "calls out of the hyp-context fast path (${fastpath#$TOP/}):"
		printf '%s\n' "$calls" >&2
		exit 1
	fi
fi
[ "${KERNEL_ONLY:-0}" = 1 ] && exit 0

log "KVM selftests in ${SELFTESTS#$TOP/}"
mkdir -p "$SELFTESTS"
make -s -C "$TREE/tools/testing/selftests/kvm" ARCH=arm64 CROSS_COMPILE=$CROSS \
	CC="ccache ${CROSS}gcc" LDFLAGS=-static OUTPUT="$SELFTESTS" \
	KHDR_INCLUDES="-isystem $KBUILD/usr/include" -j"$JOBS" >/dev/null
# Other selftests the list names as DIR/NAME (kvm's are NAME or arm64/NAME)
for name in $("$TOP/scripts/testlist.py" names); do
	dir=${name%%/*}
	[ "$dir" != "$name" ] && [ "$dir" != arm64 ] &&
		[ -d "$TREE/tools/testing/selftests/$dir" ] || continue
	mkdir -p "$SELFTESTS/$dir"
	make -s -C "$TREE/tools/testing/selftests/$dir" ARCH=arm64 CROSS_COMPILE=$CROSS \
		CC="ccache ${CROSS}gcc" LDFLAGS=-static OUTPUT="$SELFTESTS/$dir" \
		KHDR_INCLUDES="-isystem $KBUILD/usr/include" "$SELFTESTS/$name" >/dev/null
done
log "done: $(ls -la "$KBUILD/arch/arm64/boot/Image" | awk '{ print $5 }') byte Image"

# The project's own programs for the test host: tests/src/*.c and the
# executable tests/*.sh, into build/tests (image.sh packs them as /tests).
mkdir -p "$TOP/build/tests"
for src in "$TOP"/tests/src/*.c; do
	[ -e "$src" ] || continue
	out=$TOP/build/tests/$(basename "$src" .c)
	if [ ! "$out" -nt "$src" ] || [ "$KBUILD/usr/include/linux/kvm.h" -nt "$out" ] ||
	   [ "$KBUILD/usr/include/asm/kvm.h" -nt "$out" ]; then
		ccache ${CROSS}gcc -static -O2 -Wall -Wextra -Werror \
			-isystem "$KBUILD/usr/include" -o "$out" "$src"
	fi
done
for sh in "$TOP"/tests/*.sh "$TOP"/tests/*/*.sh; do
	[ -x "$sh" ] || continue
	rel=${sh#"$TOP"/tests/}
	install -D -m 0755 "$sh" "$TOP/build/tests/${rel%.sh}"
done
log "test programs in build/tests"

# Bare-metal test programs (tests/bare/NAME/, a Makefile each): QEMU starts
# them at EL2 in place of the host kernel (boot.py), as build/bare/NAME.elf.
for dir in "$TOP"/tests/bare/*/; do
	[ -f "$dir/Makefile" ] || continue
	name=$(basename "$dir")
	mkdir -p "$TOP/build/bare/$name"
	make -s -C "$dir" CROSS_COMPILE="$CROSS" OUT="$TOP/build/bare/$name"
	ln -sfn "$name/$name.elf" "$TOP/build/bare/$name.elf"
done
