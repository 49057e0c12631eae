# The partitioned PMU for KVM/arm64: test harness.
#
#   make demo                     the partitioned PMU at work: host, benchmark,
#                                 a real VMM's guest running perf (all set-up)
#   make check                    every test on every QEMU configuration
#   make test T=<test> CPU=<cfg>  one test on one configuration, console shown
#   make shell CPU=<cfg>          interactive shell in the booted host
#   make bench                    the benchmark vpmu_perf: table, bench.tsv,
#                                 bench.png (BENCH_ARGS, BENCH_CONFIGS)
#   make check-harness            prove the harness fails when it must
#   make patchcheck               checkpatch --strict + each commit builds (W=1)
#   make tree [WHAT=] [FORCE=1]   a series' tree: base + patches/ in
#                                 build/linux (WHAT=qemu: patches/qemu/ in
#                                 build/qemu, WHAT=qemu-vmm: patches/qemu-vmm/)
#   make export                   every series tree's commits back into its
#                                 patches directory
#   make qemu                     build (or reuse) QEMU with patches/qemu/
#   make payloads                 the real VMM, its guest and perf (needs=vmm)
#   make clean                    remove build/ (refuses unexported work)
#
# Each run writes build/runs/<when>-<what>/; build/last is the newest,
# build/results the newest make check.  KCONFIG=debug adds lock and memory
# debugging; LINUX_SRC=/path uses that tree as the base; QEMU=/path boots
# with that QEMU instead of ours; CACHE holds downloads, ccache and built
# QEMUs across clones.

# Independent stages (the kernel, the two QEMUs, perf) build side by side:
# the QEMU and perf builds run niced, so they take what the kernel build
# leaves idle (downloads, configure, links).  make -jN overrides.
MAKEFLAGS += -j3

CACHE ?= $(HOME)/.cache/kvm-pmu
KCONFIG ?= base
CPU ?= max
export CACHE KCONFIG LINUX_SRC QEMU

S := scripts

.PHONY: all deps tree ensure-tree export qemu vmm guest build image payloads check check-harness patchcheck test shell demo bench clean

all: check

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh

ensure-tree: deps
	@WHAT=linux $(S)/tree.sh --ensure

export:
	@for w in linux qemu qemu-vmm; do \
		[ ! -d build/$$w/.git ] || WHAT=$$w $(S)/export.sh || exit 1; \
	done

qemu: deps
	@$(S)/qemu.sh

# KCONFIG's kernel and selftests, and the other kernels the list's
# configurations boot (config/qemu.conf: max-debug boots KCONFIG=debug)
build: ensure-tree
	@$(S)/build.sh && \
	for k in $$($(S)/testlist.py kconfigs); do \
		[ "$$k" = "$(KCONFIG)" ] || KCONFIG=$$k KERNEL_ONLY=1 $(S)/build.sh || exit 1; \
	done

image: build
	@for k in $$($(S)/testlist.py kconfigs); do KCONFIG=$$k $(S)/image.sh || exit 1; done

vmm: deps
	@$(S)/vmm.sh

guest: ensure-tree
	@$(S)/guest-image.sh

payloads: build vmm guest
	@$(S)/payloads.sh

check: image payloads qemu
	@export RESULTS=$$($(S)/harness.py new-run check) && \
	configs=$$($(S)/testlist.py configs) && \
	for c in $$configs; do \
		echo "check: booting $$c" >&2; \
		$(S)/boot.py $$c run || exit 1; \
	done && \
	{ $(S)/bench.py --quiet $$($(S)/testlist.py configs-of arm64/vpmu_perf); \
	  bench=$$?; $(S)/report.py $$configs && exit $$bench; }

check-harness: image qemu
	@$(S)/check-harness.sh

patchcheck: ensure-tree
	@$(S)/patchcheck.sh

test: image qemu
	@[ -n "$(T)" ] || { echo "usage: make test T=<test> CPU=<config>" >&2; exit 2; }
	@[ -z "$$($(S)/testlist.py needs $(T))" ] || $(S)/payloads.sh
	@export RESULTS=$$($(S)/harness.py new-run test) && \
	VERBOSE=1 $(S)/boot.py $(CPU) run $(T) && $(S)/report.py $(CPU)

shell: image qemu
	@$(S)/boot.py $(CPU) shell

DEMO_CONFIGS ?= max-icount neoverse-v1-icount

demo: image payloads qemu
	@$(S)/demo.sh $(DEMO_CONFIGS)

bench: image qemu
	@$(S)/bench.sh

clean:
	@for w in linux qemu qemu-vmm; do \
		[ ! -d build/$$w/.git ] || WHAT=$$w FORCE=$(FORCE) $(S)/tree.sh --check-only || exit 1; \
	done
	rm -rf build
