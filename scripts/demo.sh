#!/usr/bin/env bash
# demo.sh - `make demo`: boot the host on each configuration (default
# max-icount and neoverse-v1-icount: FEAT_FGT or not, exact counts), run
# tests/demo.list there with the same runner as make check, and show the
# partitioned PMU at work, in three parts:
#   1. what the first host knows about its PMU (demo-host);
#   2. the benchmark, short (arm64/vpmu_perf): exits and cost per PMU
#      operation, emulated vs partitioned -> $RESULTS/bench.tsv, .png;
#   3. a real VMM (QEMU, -cpu host, patches/qemu-vmm/) running a real guest
#      whose perf counts and samples a fixed workload, emulated and
#      partitioned (e2e) -> $RESULTS/demo.tsv, demo.png.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(max-icount neoverse-v1-icount)
export TEST_LIST=$TOP/tests/demo.list
RESULTS=${RESULTS:-$("$TOP/scripts/harness.py" new-run demo)}
export RESULTS

for c in "${CONFIGS[@]}"; do
	log "booting $c"
	"$TOP/scripts/boot.py" "$c" run
done
if ! "$TOP/scripts/report.py" "${CONFIGS[@]}" >"$RESULTS/report.txt"; then
	grep -E '^ *not ok|^ *# ' "$RESULTS/report.txt" | tail -n 40 >&2
	die "the demo failed: full report in ${RESULTS#"$TOP"/}/report.txt"
fi

label() {
	case $1 in
	kernel) echo "host kernel" ;;
	cpus) echo "CPUs" ;;
	kvm_mode) echo "KVM mode" ;;
	fgt) echo "FEAT_FGT (fine-grained traps)" ;;
	hpmn0) echo "FEAT_HPMN0 (guest may get 0 counters)" ;;
	host_pmu) echo "host PMU driver" ;;
	host_counters) echo "counters the host sees (incl. cycle)" ;;
	kvm_pmu_v3) echo "KVM offers a vPMU" ;;
	guest_pmu_version) echo "guest PMU version" ;;
	guest_pmu_counters) echo "guest event counters (PMCR.N)" ;;
	partitioning) echo "partitioned PMU available" ;;
	*) echo "$1" ;;
	esac
}

first=${CONFIGS[0]}
echo
echo "1. PMU of the test host: QEMU $first, $(cat "$TOP/build/base-version" 2>/dev/null || echo 'unknown base')"
printf '%-40s %s\n' "what" "value"
printf '%-40s %s\n' "----------------------------------------" "------------------------------"
"$TOP/scripts/harness.py" frame "$first" demo-host | grep -E '^[a-z_0-9]+=' | while IFS='=' read -r key value; do
	printf '%-40s %s\n' "$(label "$key")" "$value"
done

echo
echo "2. The benchmark (arm64/vpmu_perf -k 200 -r 50)"
"$TOP/scripts/bench.py" --plot="$first" "${CONFIGS[@]}"

echo
echo "3. A real VMM and a real guest's perf (tests/e2e.sh)"
"$TOP/scripts/e2e_table.py" "${CONFIGS[@]}"
