#!/usr/bin/python3
"""testlist.py - read the harness's data files: a test list
(tests/tests.list, or TEST_LIST: tests/demo.list, tests/harness/...) and
config/qemu.conf.  Imported by boot.py and report.py.  As a command:

    testlist.py names            every test the host image must hold
    testlist.py configs          every QEMU configuration
    testlist.py configs-of TEST  the configurations TEST runs on
    testlist.py needs A,B        the payloads tests A and B need
    testlist.py kconfigs         the kernels (KCONFIG values) the list's
                                 configurations boot

A list line: name configs timeout [kind=K] [needs=P,Q] [args...].  kind is
"host" (the default: a program in the host image, run by /init) or
"bare" (tests/bare/NAME/, run by QEMU at EL2 in place of the host);
needs names payloads boot.py adds to the host image: "vmm" (the real VMM,
its guest kernel and image, perf: scripts/payloads.sh)."""

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


KERNELS = ("base", "debug")


def configs():
    """name -> dict(cpu, smp, qemu (list), cmdline, kconfig), in file
    order.  kconfig is the kernel the configuration boots: its own
    (a sixth field) or KCONFIG's."""
    out = {}
    for line in _lines(QEMU_CONF):
        f = [x.strip() for x in line.split("|")]
        if len(f) not in (5, 6) or (len(f) == 6 and f[5] not in KERNELS + ("",)):
            sys.exit(f"{QEMU_CONF}: want 5 fields and an optional kernel {KERNELS}: {line}")
        kconfig = (f[5] if len(f) == 6 else "") or os.environ.get("KCONFIG", "base")
        out[f[0]] = dict(cpu=f[1], smp=f[2], qemu=f[3].split(), cmdline=f[4], kconfig=kconfig)
    return out


KINDS = ("host", "bare")
PAYLOADS = ("vmm",)


def tests():
    """List of dict(name, configs, timeout, kind, needs, args, bare), in
    file order."""
    known = configs()
    out = []
    for line in _lines(TESTS):
        f = line.split()
        if len(f) < 3 or not f[2].isdigit():
            sys.exit(f"{TESTS}: want 'name configs timeout [kind=K] [needs=P] [args]': {line}")
        cfgs = list(known) if f[1] == "all" else f[1].split(",")
        for c in cfgs:
            if c not in known:
                sys.exit(f"{TESTS}: unknown configuration {c} for {f[0]}")
        t = dict(name=f[0], configs=cfgs, timeout=int(f[2]), kind="host", needs=[])
        rest = f[3:]
        while rest and rest[0].split("=", 1)[0] in ("kind", "needs"):
            key, _, value = rest.pop(0).partition("=")
            t[key] = value.split(",") if key == "needs" else value
        if t["kind"] not in KINDS or any(p not in PAYLOADS for p in t["needs"]):
            sys.exit(f"{TESTS}: kind is one of {KINDS}, needs of {PAYLOADS}: {line}")
        t["bare"] = t["kind"] == "bare"
        if t["bare"] != os.path.isdir(os.path.join(TOP, "tests", "bare", f[0])):
            sys.exit(f"{TESTS}: {f[0]}: kind=bare goes with tests/bare/{f[0]}/ and only with it")
        t["args"] = rest
        out.append(t)
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
    elif what == "kconfigs":
        cfgs = configs()
        print(" ".join(sorted({cfgs[c]["kconfig"] for c in cfgs if for_config(c)})))
    elif what == "needs" and len(sys.argv) > 2:
        print(" ".join(sorted({p for t in tests() if t["name"] in sys.argv[2].split(",")
                               for p in t["needs"]})))
    else:
        sys.exit(__doc__)
