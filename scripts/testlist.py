#!/usr/bin/python3
"""testlist.py - read the harness's data files: tests/tests.list and
config/qemu.conf.  Imported by boot.py and report.py; as a command,
`testlist.py names` prints every test name (for image.sh) and
`testlist.py configs` every QEMU configuration name."""

import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.environ.get("TEST_LIST") or os.path.join(TOP, "tests", "tests.list")
QEMU_CONF = os.path.join(TOP, "config", "qemu.conf")


def _lines(path):
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            if line.strip():
                yield line


def configs():
    """name -> dict(cpu, smp, qemu (list), cmdline), in file order."""
    out = {}
    for line in _lines(QEMU_CONF):
        f = [x.strip() for x in line.split("|")]
        if len(f) != 5:
            sys.exit(f"{QEMU_CONF}: want 5 fields: {line}")
        out[f[0]] = dict(cpu=f[1], smp=f[2], qemu=f[3].split(), cmdline=f[4])
    return out


def tests():
    """List of dict(name, configs, timeout, args), in file order."""
    known = configs()
    out = []
    for line in _lines(TESTS):
        f = line.split()
        if len(f) < 3 or not f[2].isdigit():
            sys.exit(f"{TESTS}: want 'name configs timeout [args]': {line}")
        cfgs = list(known) if f[1] == "all" else f[1].split(",")
        for c in cfgs:
            if c not in known:
                sys.exit(f"{TESTS}: unknown configuration {c} for {f[0]}")
        bare = os.path.isdir(os.path.join(TOP, "tests", "bare", f[0]))
        out.append(dict(name=f[0], configs=cfgs, timeout=int(f[2]), args=f[3:], bare=bare))
    return out


def last_frame(config, test):
    """The console lines (runner timestamps dropped) of the last run of
    test on config, between its "@@harness begin/end" lines; [] if none."""
    path = os.path.join(TOP, "build", "results", config, "console.log")
    out, inside = [], False
    if not os.path.exists(path):
        return out
    with open(path, errors="replace") as f:
        for line in f:
            text = line.rstrip("\n").partition("\t")[2]
            w = text.split()
            if len(w) >= 3 and w[0] == "@@harness" and w[2] == test:
                if w[1] == "begin":
                    inside, out = True, []
                elif w[1] == "end":
                    inside = False
                continue
            if inside:
                out.append(text)
    return out


def for_config(config, only=None):
    """The tests to run on config; only="a,b" picks those tests on any config."""
    if only:
        chosen = []
        for name in only.split(","):
            picked = [t for t in tests() if t["name"] == name]
            if not picked:
                sys.exit(f"test {name} is not in {TESTS}")
            # A test listed for several configurations: this one's line
            chosen += [t for t in picked if config in t["configs"]][:1] or picked[:1]
        return chosen
    return [t for t in tests() if config in t["configs"]]


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "names":
        print("\n".join(t["name"] for t in tests() if not t["bare"]))
    elif what == "configs":
        print(" ".join(configs()))
    elif what == "configs-of" and len(sys.argv) > 2:
        print(" ".join(c for c in configs()
                       if any(t["name"] == sys.argv[2] for t in for_config(c))))
    else:
        sys.exit("usage: testlist.py names|configs|configs-of TEST")
