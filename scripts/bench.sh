#!/usr/bin/env bash
# bench.sh - `make bench`: run the benchmark arm64/vpmu_perf, longer than
# `make check` does, on the FEAT_FGT and the non-FGT CPU, each also under
# -icount (where the guest's virtual time counts instructions: exact
# costs), then print its tables and write bench.tsv and bench.png (of
# max-icount) in the run's directory.
#
#   BENCH_CONFIGS   configurations (default: max neoverse-v1 max-icount
#                   neoverse-v1-icount)
#   BENCH_ARGS      vpmu_perf's arguments (default: -k 1000 -r 200)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RESULTS=${RESULTS:-$("$TOP/scripts/harness.py" new-run bench)}
export RESULTS
CONFIGS=${BENCH_CONFIGS:-max neoverse-v1 max-icount neoverse-v1-icount}
ARGS=${BENCH_ARGS:--k 1000 -r 200}
PLOT=max-icount
case " $CONFIGS " in *" $PLOT "*) ;; *) PLOT=${CONFIGS%% *} ;; esac

for c in $CONFIGS; do
	log "booting $c (vpmu_perf $ARGS)"
	TEST_ARGS=$ARGS "$TOP/scripts/boot.py" "$c" run arm64/vpmu_perf
done
# shellcheck disable=SC2086
if ! "$TOP/scripts/report.py" $CONFIGS >"$RESULTS/report.txt"; then
	grep -E '^ *not ok|^ *# ' "$RESULTS/report.txt" | tail -n 30 >&2
	die "the benchmark failed (not a figure: see above)"
fi
# shellcheck disable=SC2086
"$TOP/scripts/bench.py" --plot=$PLOT $CONFIGS
