#!/usr/bin/env bash
# bench.sh - `make bench`: run the benchmark arm64/vpmu_perf, longer than
# `make check` does, on the FEAT_FGT and the non-FGT CPU, each also under
# -icount (where the guest's virtual time counts instructions: exact
# costs), then print its tables and write build/results/bench.tsv and
# bench.png (of max-icount).
#
#   BENCH_CONFIGS   configurations (default: max neoverse-v1 max-icount
#                   neoverse-v1-icount)
#   BENCH_ARGS      vpmu_perf's arguments (default: -k 1000 -r 200)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CONFIGS=${BENCH_CONFIGS:-max neoverse-v1 max-icount neoverse-v1-icount}
ARGS=${BENCH_ARGS:--k 1000 -r 200}
PLOT=max-icount
case " $CONFIGS " in *" $PLOT "*) ;; *) PLOT=${CONFIGS%% *} ;; esac

for c in $CONFIGS; do
	rm -rf "$TOP/build/results/$c"
	echo "bench: booting $c (vpmu_perf $ARGS)" >&2
	TEST_ARGS=$ARGS "$TOP/scripts/boot.py" "$c" run arm64/vpmu_perf
done
# shellcheck disable=SC2086
if ! "$TOP/scripts/report.py" $CONFIGS >"$TOP/build/results/bench-report.txt"; then
	grep -E '^ *not ok|^ *# ' "$TOP/build/results/bench-report.txt" | tail -n 30 >&2
	echo "bench: the benchmark failed (not a figure: see above)" >&2
	exit 1
fi
# shellcheck disable=SC2086
"$TOP/scripts/bench.py" --plot=$PLOT $CONFIGS
