#!/usr/bin/python3
"""boot.py - boot the test host under QEMU in one configuration.

    boot.py CONFIG run [TEST]   run CONFIG's tests (or only TEST)
    boot.py CONFIG demo         boot, print the host's PMU facts
    boot.py CONFIG shell        interactive busybox shell

The console goes to build/results/CONFIG/console.log, each line prefixed by
the runner's wall-clock seconds since QEMU started (in-guest clocks are
virtual under icount).  Timeouts are enforced here by wall clock as well
as by busybox timeout inside: the host must reach /init within BOOT_TIMEOUT
seconds and each test must end within its timeout plus GRACE, or QEMU is
killed.  boot.json records what was asked and how QEMU ended, for
report.py."""

import json
import os
import selectors
import subprocess
import sys
import time

import testlist

TOP = testlist.TOP
KCONFIG = os.environ.get("KCONFIG", "base")
SLOW = 4 if KCONFIG != "base" else 1
BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", 240)) * SLOW
GRACE = int(os.environ.get("GRACE", 60))
EXIT_TIMEOUT = 30


def initramfs(config, tests):
    """The image plus a small cpio holding /etc/harness-run, the tests to
    run ("name timeout args..." per line): the kernel unpacks concatenated
    archives, and init takes at most 32 words from the command line."""
    kbuild = os.path.join(TOP, "build", f"kbuild-{KCONFIG}")
    outdir = os.path.join(TOP, "build", "results", config)
    os.makedirs(outdir, exist_ok=True)
    run = os.path.join(outdir, "run.list")
    with open(run, "w") as f:
        for t in tests:
            f.write(" ".join([t["name"], str(t["timeout"] * SLOW)] + t["args"]) + "\n")
    spec = f"dir /etc 0755 0 0\nfile /etc/harness-run {run} 0644 0 0\n"
    extra = subprocess.run([os.path.join(kbuild, "usr", "gen_init_cpio"), "-"], input=spec.encode(),
                           stdout=subprocess.PIPE, check=True).stdout
    image = os.path.join(outdir, "initramfs.cpio")
    with open(os.path.join(TOP, "build", f"initramfs-{KCONFIG}.cpio"), "rb") as base, \
            open(image, "wb") as out:
        out.write(base.read())
        out.write(extra)
    return image


def qemu_command(config, mode, tests):
    c = testlist.configs()[config]
    cmdline = " ".join(x for x in ["console=ttyAMA0 panic=-1 loglevel=5 hugepages=16", c["cmdline"],
                                   os.environ.get("CMDLINE", ""), "--", config, mode] if x)
    qemu = os.environ.get("QEMU", "qemu-system-aarch64")
    return [qemu, "-M", "virt,virtualization=on,gic-version=3",
            "-cpu", c["cpu"], "-smp", c["smp"], "-m", "2G", "-nic", "none", "-no-reboot",
            "-kernel", os.path.join(TOP, "build", f"kbuild-{KCONFIG}", "arch/arm64/boot/Image"),
            "-initrd", initramfs(config, tests),
            "-append", cmdline] + c["qemu"]


def run(config, mode, tests, echo):
    outdir = os.path.join(TOP, "build", "results", config)
    os.makedirs(outdir, exist_ok=True)
    cmd = qemu_command(config, mode, tests) + ["-display", "none", "-monitor", "none",
                                                "-serial", "stdio"]
    timeouts = {t["name"]: t["timeout"] * SLOW + GRACE for t in tests}
    start = time.monotonic()
    deadline, waiting_for = start + BOOT_TIMEOUT, "/init"
    killed = None
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    with open(os.path.join(outdir, "console.log"), "w") as log:
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
                t = time.monotonic() - start
                log.write(f"{t:.3f}\t{line}\n")
                log.flush()
                if echo:
                    print(line, flush=True)
                w = line.split()
                if len(w) >= 2 and w[0] == "@@harness":
                    if w[1] == "init":
                        deadline, waiting_for = time.monotonic() + 10 ** 6, "the first test"
                    if w[1] == "begin" and len(w) > 2:
                        deadline = time.monotonic() + timeouts.get(w[2], BOOT_TIMEOUT)
                        waiting_for = f"the end of {w[2]}"
                    elif w[1] == "end":
                        deadline = time.monotonic() + BOOT_TIMEOUT
                        waiting_for = "the next test"
                    elif w[1] == "done":
                        deadline, waiting_for = time.monotonic() + EXIT_TIMEOUT, "QEMU to exit"
        if buf:
            log.write(f"{time.monotonic() - start:.3f}\t{buf.decode('utf-8', 'replace')}\n")
        if killed:
            log.write(f"{time.monotonic() - start:.3f}\t@@runner killed: {killed}\n")
    try:
        rc = proc.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    with open(os.path.join(outdir, "boot.json"), "w") as f:
        json.dump(dict(config=config, mode=mode, kconfig=KCONFIG, command=cmd,
                       tests=[t["name"] for t in tests], qemu_rc=rc, killed=killed,
                       seconds=round(time.monotonic() - start, 3)), f, indent=1)
    return 0


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("run", "demo", "shell"):
        sys.exit(__doc__)
    config, mode = sys.argv[1], sys.argv[2]
    if config not in testlist.configs():
        sys.exit(f"unknown configuration {config}; known: {' '.join(testlist.configs())}")
    if mode == "shell":
        cmd = qemu_command(config, "shell", []) + ["-nographic"]
        os.execvp(cmd[0], cmd)
    tests = testlist.for_config(config, sys.argv[3] if len(sys.argv) > 3 else None) \
        if mode == "run" else []
    return run(config, mode, tests, echo=os.environ.get("VERBOSE", "0") != "0")


if __name__ == "__main__":
    sys.exit(main())
