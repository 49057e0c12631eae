#!/usr/bin/python3
"""harness.py - where a run's results live and how to read the console the
runner recorded.  Imported by boot.py, report.py, bench.py and
e2e_table.py; a command for the shell scripts.

Every run (make check, test, bench, demo, check-harness) writes a
directory of its own, build/runs/<date>-<time>-<what>/, named by RESULTS
in the environment: CONFIG/console.log, CONFIG/boot.json, results.tsv and
the figures.  build/last points at the newest run of any kind,
build/results at the newest full matrix (make check).  Without RESULTS,
scripts read and write build/last.

console.log: one line of the host's serial console per line, "SECONDS\\tTEXT"
(the runner's wall-clock seconds since the first QEMU started).  TEXT may
be a marker the runner or /init wrote:
    @@harness init config=C kernel=K cpus=N   the host reached /init
    @@harness begin NAME timeout=N            a test starts
    @@harness end NAME rc=N                   it ended with exit code N
    @@harness done                            the list is finished

    harness.py new-run WHAT        make a run directory, print its path
    harness.py frame CONFIG NAME   print the last frame of NAME (markers
                                   included)"""

import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
RUNS = os.path.join(BUILD, "runs")
LAST = os.path.join(BUILD, "last")
MATRIX = os.path.join(BUILD, "results")


def results():
    """The directory of the current run."""
    return os.environ.get("RESULTS") or LAST


def config_dir(config):
    return os.path.join(results(), config)


def _point(link, target):
    """Make link a symbolic link to target (replacing a directory an
    older harness left there)."""
    if os.path.isdir(link) and not os.path.islink(link):
        import shutil
        shutil.rmtree(link)
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(os.path.relpath(target, os.path.dirname(link)), tmp)
    os.replace(tmp, link)


def new_run(what):
    """A fresh run directory; build/last (and, for check, build/results)
    point at it."""
    os.makedirs(RUNS, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = os.path.join(RUNS, f"{stamp}-{what}")
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(RUNS, f"{stamp}-{what}.{n}")
    os.makedirs(path)
    _point(LAST, path)
    if what == "check":
        _point(MATRIX, path)
    return path


def marker(text):
    """(kind, name, fields) of a marker line, else None.  name is None for
    init and done; fields maps key=value words."""
    w = text.split()
    if len(w) < 2 or w[0] != "@@harness":
        return None
    kind, rest = w[1], w[2:]
    name = rest.pop(0) if kind in ("begin", "end") and rest else None
    fields = dict(x.split("=", 1) for x in rest if "=" in x)
    return kind, name, fields


def read_console(config):
    """[(seconds, text)] of config's console in this run; [] if none."""
    path = os.path.join(config_dir(config), "console.log")
    if not os.path.exists(path):
        return []
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            t, _, text = line.rstrip("\n").partition("\t")
            out.append((float(t), text))
    return out


def last_frame(config, test, markers=False):
    """The console lines of the last run of test on config, between its
    begin and end markers (included with markers=True); [] if none."""
    out, inside = [], False
    for _, text in read_console(config):
        m = marker(text)
        if m and m[1] == test and m[0] in ("begin", "end"):
            if m[0] == "begin":
                inside, out = True, []
            else:
                inside = False
            if markers:
                out.append(text)
            continue
        if inside:
            out.append(text)
    return out


def main():
    args = sys.argv[1:]
    if args[:1] == ["new-run"] and len(args) == 2:
        print(new_run(args[1]))
    elif args[:1] == ["frame"] and len(args) == 3:
        print("\n".join(last_frame(args[1], args[2], markers=True)))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
