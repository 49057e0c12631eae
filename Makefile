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
#   make tree [FORCE=1]           base + patches/ into build/linux
#   make qemu                     build (or reuse) QEMU with patches/qemu/
#   make export                   build/linux's commits back into patches/,
#                                 build/qemu's into patches/qemu/
#   make clean                    remove build/ (refuses unexported work)
#
# KCONFIG=debug adds lock and memory debugging; LINUX_SRC=/path uses that
# tree as the base; QEMU=/path boots with that QEMU instead of ours; CACHE
# holds downloads, ccache and built QEMUs across clones.

CACHE ?= $(HOME)/.cache/kvm-pmu
KCONFIG ?= base
CPU ?= max
export CACHE KCONFIG LINUX_SRC QEMU

S := scripts

.PHONY: all deps tree ensure-tree export qemu build image check check-harness patchcheck test shell demo bench clean

all: check

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh

ensure-tree: deps
	@$(S)/tree.sh --ensure

export:
	@$(S)/export.sh
	@[ ! -d build/qemu/.git ] || WHAT=qemu $(S)/export.sh

qemu: deps
	@$(S)/qemu.sh

build: ensure-tree
	@$(S)/build.sh

image: build
	@$(S)/image.sh

check: image qemu
	@rm -rf build/results
	@configs=$$($(S)/testlist.py configs) && \
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
	@rm -rf build/results/$(CPU)
	@VERBOSE=1 $(S)/boot.py $(CPU) run $(T)
	@$(S)/report.py $(CPU)

shell: image qemu
	@$(S)/boot.py $(CPU) shell

DEMO_CONFIGS ?= max-icount neoverse-v1-icount

demo: image qemu
	@$(S)/demo.sh $(DEMO_CONFIGS)

bench: image qemu
	@$(S)/bench.sh

clean:
	@[ ! -d build/linux/.git ] || FORCE=$(FORCE) $(S)/tree.sh --check-only
	@[ ! -d build/qemu/.git ] || WHAT=qemu FORCE=$(FORCE) $(S)/tree.sh --check-only
	rm -rf build
