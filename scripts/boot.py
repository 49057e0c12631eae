#!/usr/bin/python3
"""boot.py - boot the test host under QEMU in one configuration.

    boot.py CONFIG run [A,B]    run CONFIG's tests of the list (TEST_LIST,
                                default tests/tests.list), or only A and
                                B; TEST_ARGS="..." replaces their arguments
    boot.py CONFIG shell        interactive busybox shell

Bare-metal test programs (kind=bare, built as build/bare/NAME.elf) run
first, each started by a QEMU of its own at EL2 in place of the host.
The console goes to $RESULTS/CONFIG/console.log (harness.py), each line
prefixed by the runner's wall-clock seconds since QEMU started (in-guest
clocks are virtual under icount).  Every deadline comes from the list: the
host must reach /init, and each test begin after the previous one ended,
within BOOT_TIMEOUT seconds; each test must end within its own timeout
plus GRACE.  /init enforces the test's timeout inside, on the test's whole
process group; past a deadline here QEMU is killed.  boot.json records
what was asked and how QEMU ended, for report.py."""

import json
import os
import selectors
import shlex
import subprocess
import sys
import time

import harness
import testlist

TOP = testlist.TOP
GRACE = int(os.environ.get("GRACE", 60))
EXIT_TIMEOUT = 30

# The kernel this boot uses (build/kbuild-KCONFIG, initramfs-KCONFIG.cpio):
# KCONFIG's, or the configuration's own (config/qemu.conf); a debug kernel
# runs everything about 4x slower.  Set by use_kernel().
KCONFIG = os.environ.get("KCONFIG", "base")
SLOW = 1
BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", 240))


def use_kernel(config):
    global KCONFIG, SLOW, BOOT_TIMEOUT
    KCONFIG = testlist.configs()[config]["kconfig"]
    SLOW = 4 if KCONFIG != "base" else 1
    BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", 240)) * SLOW


def initramfs(config, tests, shell=False):
    """The image plus a small cpio holding /etc/harness-run, the tests to
    run ("name timeout args..." per line): the kernel unpacks concatenated
    archives, and init takes at most 32 words from the command line."""
    outdir = harness.config_dir(config)
    os.makedirs(outdir, exist_ok=True)
    run = os.path.join(outdir, "run.list")
    with open(run, "w") as f:
        for t in tests:
            f.write(" ".join([t["name"], str(t["timeout"] * SLOW)] + t["args"]) + "\n")
    spec = f"dir /etc 0755 0 0\nfile /etc/harness-run {run} 0644 0 0\n"
    extra = subprocess.run([os.path.join(TOP, "build", "gen_init_cpio"), "-"], input=spec.encode(),
                           stdout=subprocess.PIPE, check=True).stdout
    image = os.path.join(outdir, "initramfs.cpio")
    with open(os.path.join(TOP, "build", f"initramfs-{KCONFIG}.cpio"), "rb") as base, \
            open(image, "wb") as out:
        out.write(base.read())
        out.write(extra)
        # Payloads the tests declare (payloads.sh made them); a shell gets
        # whatever exists
        for p in sorted({p for t in tests for p in t["needs"]} | (set(testlist.PAYLOADS) if shell else set())):
            path = os.path.join(TOP, "build", f"{p}-{KCONFIG}.cpio")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out.write(f.read())
            elif not shell:
                sys.exit(f"boot: no payload {path}: run scripts/payloads.sh (make payloads)")
    return image


def qemu_binary():
    """QEMU=/path, else the one scripts/qemu.sh built and linked."""
    return os.environ.get("QEMU") or os.path.join(TOP, "build", "qemu-system-aarch64")


def qemu_command(config, mode, tests):
    c = testlist.configs()[config]
    cmdline = " ".join(x for x in ["console=ttyAMA0 panic=-1 loglevel=5 hugepages=16", c["cmdline"],
                                   os.environ.get("CMDLINE", ""), "--", config, mode] if x)
    return [qemu_binary(), "-M", "virt,virtualization=on,gic-version=3",
            "-cpu", c["cpu"], "-smp", c["smp"], "-m", "2G", "-nic", "none", "-no-reboot",
            "-kernel", os.path.join(TOP, "build", f"kbuild-{KCONFIG}", "arch/arm64/boot/Image"),
            "-initrd", initramfs(config, tests, shell=mode == "shell"),
            "-append", cmdline] + c["qemu"]


def bare_command(config, test):
    """A bare-metal test program started by QEMU at EL2 instead of the
    host kernel: no kernel is involved in what it checks."""
    c = testlist.configs()[config]
    return [qemu_binary(), "-M", "virt,virtualization=on,gic-version=3",
            "-cpu", c["cpu"], "-smp", "1", "-m", "128M", "-nic", "none", "-no-reboot",
            "-kernel", os.path.join(TOP, "build", "bare", f"{test['name']}.elf")] + c["qemu"]


class Console:
    """QEMU's serial output -> console.log, timestamped by the wall clock
    since the first QEMU started, with the deadlines the markers set."""

    def __init__(self, outdir, echo):
        self.log = open(os.path.join(outdir, "console.log"), "w")
        self.echo, self.start = echo, time.monotonic()

    def write(self, line):
        self.log.write(f"{time.monotonic() - self.start:.3f}\t{line}\n")
        self.log.flush()
        if self.echo:
            print(line, flush=True)

    def run(self, cmd, timeouts, first_deadline, first_wait):
        """Run cmd until it exits or a deadline passes; returns (rc, killed)."""
        start = time.monotonic()
        proc = subprocess.Popen(cmd + ["-display", "none", "-monitor", "none", "-serial", "stdio"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            return self._follow(proc, start, timeouts, first_deadline, first_wait)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def _follow(self, proc, start, timeouts, first_deadline, first_wait):
        deadline, waiting_for = start + first_deadline, first_wait
        killed = None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b""
        while True:
            now = time.monotonic()
            if now > deadline:
                killed = f"wall-clock timeout waiting for {waiting_for} after {now - start:.0f} s"
                proc.kill()
                break
            if not sel.select(timeout=min(1.0, deadline - now)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                self.write(line)
                m = harness.marker(line)
                if not m:
                    continue
                kind, name, _ = m
                if kind == "init":
                    deadline, waiting_for = time.monotonic() + BOOT_TIMEOUT, "the first test"
                elif kind == "begin" and name:
                    deadline = time.monotonic() + timeouts.get(name, BOOT_TIMEOUT)
                    waiting_for = f"the end of {name}"
                elif kind == "end":
                    deadline, waiting_for = time.monotonic() + BOOT_TIMEOUT, "the next test"
                elif kind == "done":
                    deadline, waiting_for = time.monotonic() + EXIT_TIMEOUT, "QEMU to exit"
        if buf:
            self.write(buf.decode("utf-8", "replace"))
        if killed:
            self.write(f"@@runner killed: {killed}")
        try:
            rc = proc.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        return rc, killed


def run(config, mode, tests, echo):
    outdir = harness.config_dir(config)
    os.makedirs(outdir, exist_ok=True)
    con = Console(outdir, echo)
    timeouts = {t["name"]: t["timeout"] * SLOW + GRACE for t in tests}
    # Bare-metal programs first, each in a QEMU of its own; the runner
    # opens their frame, the program closes it ("@@harness end NAME rc=N").
    bare = [t for t in tests if t["bare"]]
    for t in bare:
        con.write(f"@@harness begin {t['name']} timeout={t['timeout'] * SLOW}")
        con.run(bare_command(config, t), timeouts, timeouts[t["name"]], f"the end of {t['name']}")
    host_tests = [t for t in tests if not t["bare"]]
    meta = dict(config=config, mode=mode, kconfig=KCONFIG, qemu=qemu_binary(),
                tests=[t["name"] for t in tests], host=bool(host_tests) or mode != "run")
    if meta["host"]:
        cmd = qemu_command(config, mode, host_tests)
        rc, killed = con.run(cmd, timeouts, BOOT_TIMEOUT, "/init")
        meta.update(command=cmd, qemu_rc=rc, killed=killed)
    meta["seconds"] = round(time.monotonic() - con.start, 3)
    with open(os.path.join(outdir, "boot.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return 0


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("run", "shell"):
        sys.exit(__doc__)
    config, mode = sys.argv[1], sys.argv[2]
    if config not in testlist.configs():
        sys.exit(f"unknown configuration {config}; known: {' '.join(testlist.configs())}")
    use_kernel(config)
    if mode == "shell":
        cmd = qemu_command(config, "shell", []) + ["-nographic"]
        os.execvp(cmd[0], cmd)
    tests = testlist.for_config(config, sys.argv[3] if len(sys.argv) > 3 else None)
    if len(sys.argv) > 3 and "TEST_ARGS" in os.environ:
        for t in tests:
            t["args"] = shlex.split(os.environ["TEST_ARGS"])
    return run(config, mode, tests, echo=os.environ.get("VERBOSE", "0") != "0")


if __name__ == "__main__":
    sys.exit(main())
