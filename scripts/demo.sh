#!/usr/bin/env bash
# demo.sh - boot the host in one configuration (default max) and print, as
# a table, what /tests/demo-host found out about its PMU; then the
# benchmark's table (a short run of arm64/vpmu_perf in the same boot),
# build/results/bench.tsv and bench.png.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CONFIG=${1:-max}
LOG=$TOP/build/results/$CONFIG/console.log

"$TOP/scripts/boot.py" "$CONFIG" demo
facts=$(sed -n '/@@harness begin demo/,/@@harness end demo/p' "$LOG" | cut -f2- |
	grep -E '^[a-z_0-9]+=' || true)
if [ -z "$facts" ]; then
	echo "demo: the host printed nothing; console tail:" >&2
	tail -n 30 "$LOG" | cut -f2- >&2
	exit 1
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

echo
echo "PMU of the test host: QEMU $CONFIG, $(cat "$TOP/build/base-version" 2>/dev/null || echo 'unknown base')"
printf '%-40s %s\n' "what" "value"
printf '%-40s %s\n' "----------------------------------------" "------------------------------"
while IFS='=' read -r key value; do
	printf '%-40s %s\n' "$(label "$key")" "$value"
done <<<"$facts"

echo
if ! grep -q "@@harness end arm64/vpmu_perf rc=0" "$LOG"; then
	echo "demo: the benchmark failed; its output:" >&2
	sed -n '/@@harness begin arm64\/vpmu_perf/,/@@harness end arm64\/vpmu_perf/p' "$LOG" |
		cut -f2- | tail -n 30 >&2
	exit 1
fi
"$TOP/scripts/bench.py" --plot="$CONFIG" "$CONFIG"
