#!/usr/bin/python3
"""bench.py - the figures of the vpmu_perf benchmark, as a table and a file.

    bench.py CONFIG...               table of each CONFIG; write bench.tsv
    bench.py --plot=C CONFIG...      the same, and draw bench.png of C
    bench.py --quiet CONFIG...       only write bench.tsv

Reads the "bench" lines arm64/vpmu_perf printed on each configuration's
console ($RESULTS/CONFIG/console.log) and writes
$RESULTS/bench.tsv: tab-separated, no header, one figure per line,
"config mode op metric value".  Exits 1 when a configuration printed no
figure (the benchmark did not run there)."""

import os
import subprocess
import sys

import harness

TEST = "arm64/vpmu_perf"
OPS = ["read_PMEVCNTR0", "write_PMEVCNTR0", "read_PMCCNTR", "write_PMEVTYPER0",
       "write_PMCNTENSET", "read_PMOVSCLR", "read_PMXEVCNTR", "read_PMCR"]
ROUNDTRIPS = ["kvm_run_roundtrip", "kvm_run_roundtrip_counting", "vcpu_load",
              "vcpu_load_overcommit"]


def figures(config):
    """{(mode, op, metric): value} from the last run of TEST on config."""
    out = {}
    for text in harness.last_frame(config, TEST):
        f = text.split("\t")
        if len(f) == 5 and f[0] == "# bench":
            out[(f[1], f[2], f[3])] = float(f[4])
    return out


def fmt(v, digits=3):
    return "-" if v is None else f"{v:.{digits}f}"


def table(config, fig):
    print(f"\nvpmu_perf on QEMU {config}: per operation, emulated vs partitioned PMU")
    head = f"{'operation':<18} {'exits':>8} {'traps':>8} {'ns':>10} | {'exits':>8} {'traps':>8} {'ns':>10} | {'ns e/p':>8}"
    print(f"{'':<18} {'emulated':^28} | {'partitioned':^28} |")
    print(head)
    print("-" * len(head))
    for op in OPS:
        e = [fig.get(("emulated", op, m)) for m in ("exits_per_op", "pmu_traps_per_op", "ns_per_op")]
        p = [fig.get(("partitioned", op, m)) for m in ("exits_per_op", "pmu_traps_per_op", "ns_per_op")]
        ratio = f"{e[2] / p[2]:.1f}x" if e[2] and p[2] else "-"
        print(f"{op:<18} {fmt(e[0]):>8} {fmt(e[1]):>8} {fmt(e[2], 1):>10} | "
              f"{fmt(p[0]):>8} {fmt(p[1]):>8} {fmt(p[2], 1):>10} | {ratio:>8}")
    print(f"\n{'round trip (KVM_RUN)':<28} {'PMU':<12} {'ns':>10} {'vs no_pmu':>10} {'PMU loads':>10} {'resched':>8}")
    base = fig.get(("no_pmu", "kvm_run_roundtrip", "ns_per_op"))
    for op in ROUNDTRIPS:
        for mode in ("no_pmu", "emulated", "partitioned"):
            ns = fig.get((mode, op, "ns_per_op"))
            if ns is None:
                continue
            rel = f"{(ns / base - 1) * 100:+.1f}%" if base else "-"
            print(f"{op:<28} {mode:<12} {ns:>10.1f} {rel:>10} "
                  f"{fmt(fig.get((mode, op, 'pmu_loads_per_op'))):>10} "
                  f"{fmt(fig.get((mode, op, 'resched_per_op'))):>8}")


def plot(config, fig):
    """bench.png: exits per operation and ns per operation (log scale),
    emulated vs partitioned, for one configuration."""
    data = os.path.join(harness.results(), "bench-plot.dat")
    with open(data, "w") as f:
        # op, exits emulated, partitioned, ns emulated, partitioned
        for op in OPS:
            v = [fig.get((m, op, k)) for k in ("exits_per_op", "ns_per_op")
                 for m in ("emulated", "partitioned")]
            f.write(" ".join([op] +
                             ["NaN" if x is None else str(max(x, 1e-3)) for x in v]) + "\n")
    png = os.path.join(harness.results(), "bench.png")
    script = f"""
set terminal pngcairo size 1200,520 noenhanced
set output '{png}'
set multiplot layout 1,2 title 'vpmu_perf on QEMU {config}: emulated vs partitioned PMU'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -40 scale 0 font ',9'
set key top left
set grid ytics
set title 'exits per operation'
set yrange [0:*]
plot '{data}' using 2:xtic(1) title 'emulated' lc rgb '#c0504d', '' using 3 title 'partitioned' lc rgb '#4f81bd'
set title 'ns per operation (guest virtual time, log scale)'
set logscale y
set yrange [1:*]
plot '{data}' using 4:xtic(1) title 'emulated' lc rgb '#c0504d', '' using 5 title 'partitioned' lc rgb '#4f81bd'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    print(f"\nplot: {os.path.relpath(png, harness.TOP)}")


def main():
    args = sys.argv[1:]
    quiet = "--quiet" in args
    plot_config = next((a.split("=", 1)[1] for a in args if a.startswith("--plot=")), None)
    configs = [a for a in args if not a.startswith("--")]
    if not configs:
        sys.exit(__doc__)
    rows, missing = [], []
    for c in configs:
        fig = figures(c)
        if not fig:
            missing.append(c)
            continue
        rows += [(c, *k, v) for k, v in fig.items()]
        if not quiet:
            table(c, fig)
        if c == plot_config:
            plot(c, fig)
    os.makedirs(harness.results(), exist_ok=True)
    with open(os.path.join(harness.results(), "bench.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r[:4]) + f"\t{r[4]:g}\n")
    if not quiet:
        print(f"\n{len(rows)} figures in {os.path.relpath(os.path.join(harness.results(), 'bench.tsv'), harness.TOP)}")
    if missing and not quiet:
        print(f"bench: no figures from {' '.join(missing)}", file=sys.stderr)
        return 1
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
