#!/usr/bin/env bash
# demo.sh - `make demo`: boot the host on each configuration (default
# max-icount and neoverse-v1-icount: FEAT_FGT or not, exact counts) and
# show the partitioned PMU at work, in three parts:
#   1. what the first host knows about its PMU (/tests/demo-host);
#   2. the benchmark, short (arm64/vpmu_perf): exits and cost per PMU
#      operation, emulated vs partitioned -> build/results/bench.tsv, .png;
#   3. a real VMM (QEMU, -cpu host, patches/qemu-vmm/) running a real guest
#      whose perf counts and samples a fixed workload, emulated and
#      partitioned (/tests/e2e) -> build/results/demo.tsv, demo.png.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(max-icount neoverse-v1-icount)

frame() {	# frame CONFIG NAME: the lines of that part of the console
	cut -f2- "$TOP/build/results/$1/console.log" |
		awk -v n="$2" '$1 == "@@harness" && $2 == "begin" && $3 == n { on = 1 }
			on { print }
			$1 == "@@harness" && $2 == "end" && $3 == n { on = 0 }'
}

for c in "${CONFIGS[@]}"; do
	echo "demo: booting $c" >&2
	"$TOP/scripts/boot.py" "$c" demo
	for part in demo arm64/vpmu_perf e2e; do
		if ! frame "$c" "$part" | grep -q "@@harness end $part rc=0"; then
			echo "demo: $part failed on $c; its output:" >&2
			frame "$c" "$part" | tail -n 30 >&2
			exit 1
		fi
	done
done

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
frame "$first" demo | grep -E '^[a-z_0-9]+=' | while IFS='=' read -r key value; do
	printf '%-40s %s\n' "$(label "$key")" "$value"
done

echo
echo "2. The benchmark (arm64/vpmu_perf -k 200 -r 50)"
"$TOP/scripts/bench.py" --plot="$first" "${CONFIGS[@]}"

echo
echo "3. A real VMM and a real guest's perf (tests/e2e.sh)"
"$TOP/scripts/e2e_table.py" "${CONFIGS[@]}"
