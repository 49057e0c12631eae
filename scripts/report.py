#!/usr/bin/python3
"""report.py - turn the consoles of booted configurations into results.

    report.py CONFIG...

Reads $RESULTS/CONFIG/{console.log,boot.json} as boot.py left them
(harness.py: the run's directory), prints KTAP (configuration > test >
case), writes $RESULTS/results.tsv
(config, test, result, seconds, why: a skip's or failure's reason or "-";
no header) and ends with the line
"N passed, N failed, N skipped".  Exits 1 when any row failed.

Rows per configuration: "boot" (reached /init and finished the list;
absent when only bare-metal programs ran),
"kernel-log" (no kernel splat on the console), one per test, one per KTAP
case of a test ("<test>:<case>"), and one per KUnit suite ("<suite>") and
case ("<suite>:<case>").  A test that did not run or did not finish fails."""

import json
import os
import re
import sys

import harness

TOP = harness.TOP
KSFT_SKIP = 4
TIMED_OUT = (124, 137, 143)  # busybox timeout: KILL gives 137, TERM 143

# Headers the kernel prints when something went wrong, after the printk
# timestamp ([    1.234567]) that tells kernel lines from test output.
SPLAT = re.compile(r"^\[\s*\d+\.\d+\]\s(?:\[\s*[TC]\d+\]\s)?("
                   r"WARNING: |BUG: |Oops|Internal error: |Unable to handle kernel |"
                   r"Kernel panic - |Call trace:|UBSAN: |"
                   r"(?:rcu: )?INFO: (?:task .* blocked|rcu_\w+ (?:self-)?detected stall)|"
                   r"WARNING: .*lock|======================================================$)")
CASE = re.compile(r"^(\s*)(ok|not ok) (\d+)(?: -)?(?: (.*))?$")


class Row:
    def __init__(self, name, result, seconds=None, why=None, cases=(), output=()):
        self.name, self.result, self.seconds = name, result, seconds
        self.why, self.cases, self.output = why, list(cases), list(output)


def parse_result(m):
    """A KTAP result line -> (name, result, skip reason)."""
    text = m.group(4) or ""
    if text.startswith("#"):
        desc, directive = "", text[1:]
    else:
        desc, _, directive = text.partition(" #")
    directive = directive.strip()
    reason = re.sub(r"^SKIP\s*", "", directive, flags=re.I)
    name = desc.strip()
    if not name and directive.upper().startswith("SKIP"):
        # kselftest's "ok N # SKIP name: reason", or a bare reason: the
        # name is the word before ": ", else the case number
        head, sep, rest = reason.partition(": ")
        if sep and re.fullmatch(r"[\w./-]+", head):
            name, reason = head, rest
        else:
            name = m.group(3)
    name = name or m.group(3)
    if directive.upper().startswith("SKIP"):
        return name.replace(" ", "_"), "skip", reason or None
    return name.replace(" ", "_"), "pass" if m.group(2) == "ok" else "fail", None


def parse_cases(prefix, lines, drop=None):
    """KTAP result lines at the outermost indentation -> case Rows.  A line
    whose name is drop (a KUnit suite's own result) is not a case: its
    result is returned beside the cases, and the cases are the results one
    level inside it."""
    found = [(m.group(1), m) for m in map(CASE.match, lines) if m]
    own = [parse_result(m)[1:] for _, m in found if drop and parse_result(m)[0] == drop]
    found = [(i, m) for i, m in found if not (drop and parse_result(m)[0] == drop)]
    if not found:
        return [], own
    top = min(len(i) for i, _ in found)
    rows, seen = [], {}
    for indent, m in found:
        if len(indent) != top:
            continue
        name, result, why = parse_result(m)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}_{seen[name]}"
        rows.append(Row(f"{prefix}:{name}", result, why=why))
    return rows, own


def config_rows(config):
    meta_path = os.path.join(harness.config_dir(config), "boot.json")
    if not os.path.exists(meta_path):
        return [Row("boot", "fail", why="not booted: no boot.json")]
    with open(meta_path) as f:
        meta = json.load(f)
    console = harness.read_console(config)
    rows, splats = [], []
    frames, current, reached_init, done = {}, None, False, False
    for i, (t, text) in enumerate(console):
        m = harness.marker(text)
        if m:
            kind, name, fields = m
            if kind == "init":
                reached_init = True
            elif kind == "begin" and name:
                current = dict(start=t, lines=[], rc=None, end=None)
                frames[name] = current
            elif kind == "end" and name in frames:
                fr = frames[name]
                fr["end"] = t
                fr["rc"] = int(fields["rc"]) if fields.get("rc", "").lstrip("-").isdigit() else None
                current = None
            elif kind == "done":
                done = True
            continue
        if SPLAT.match(text):
            running = [n for n, fr in frames.items() if fr is current]
            excerpt = [x for _, x in console[max(0, i - 2):i + 25]]
            splats.append((running[0] if running else "boot", excerpt))
        if current is not None:
            current["lines"].append(text)

    tail = [x for _, x in console[-30:]]
    if not meta.get("host", True):
        pass  # only bare-metal programs ran: no host kernel to judge
    elif meta.get("killed"):
        rows.append(Row("boot", "fail", meta["seconds"], meta["killed"], output=tail))
    elif not reached_init:
        rows.append(Row("boot", "fail", meta["seconds"], "the host never reached /init", output=tail))
    elif not done:
        rows.append(Row("boot", "fail", meta["seconds"], "the host stopped before the end of the list",
                        output=tail))
    else:
        rows.append(Row("boot", "pass", meta["seconds"]))
    if not meta.get("host", True):
        pass
    elif splats:
        where = ", ".join(sorted({s[0] for s in splats}))
        rows.append(Row("kernel-log", "fail", why=f"{len(splats)} kernel splat(s), during: {where}",
                        output=splats[0][1]))
    else:
        rows.append(Row("kernel-log", "pass" if reached_init else "fail",
                        why=None if reached_init else "no kernel log to check"))

    for name, fr in frames.items():
        if not name.startswith("kunit:"):
            continue
        suite = name[len("kunit:"):]
        cases, own = parse_cases(suite, fr["lines"], drop=suite)
        skip_why = next((w for r, w in own if r == "skip" and w), None)
        own = [r for r, _ in own]
        if fr["end"] is None or "fail" in own or any(c.result == "fail" for c in cases):
            res = "fail"
        elif not cases and not own:
            res = "fail"
        elif "skip" in own or (cases and all(c.result == "skip" for c in cases)):
            res = "skip"
        else:
            res = "pass"
        rows.append(Row(suite, res, why=skip_why, cases=cases,
                        output=fr["lines"][-30:] if res == "fail" else ()))

    for name in meta["tests"]:
        fr = frames.get(name)
        if fr is None:
            rows.append(Row(name, "fail", why="did not run"))
            continue
        cases, _ = parse_cases(name, fr["lines"])
        secs = fr["end"] - fr["start"] if fr["end"] is not None else None
        rc = fr["rc"]
        if fr["end"] is None:
            res, why = "fail", "did not finish (the host died or was killed)"
        elif rc == 0:
            res, why = "pass", None
        elif rc == KSFT_SKIP:
            res, why = "skip", "exit code 4 (KSFT_SKIP)"
            skips = [ln for ln in fr["lines"] if "skip" in ln.lower()]
            if skips:
                why += ": " + skips[-1].strip()
        elif rc in TIMED_OUT:
            res, why = "fail", f"timed out (exit {rc} after {secs:.0f} s)"
        else:
            res, why = "fail", f"exit code {rc}"
        rows.append(Row(name, res, secs, why, cases, fr["lines"][-30:] if res == "fail" else ()))
    return rows


def ktap_line(ok, num, name, result, why, indent):
    pad = " " * indent
    directive = " # SKIP" + (f" {why}" if why else "") if result == "skip" else ""
    return f"{pad}{'ok' if ok else 'not ok'} {num} {name}{directive}"


def main():
    configs = sys.argv[1:]
    if not configs:
        sys.exit(__doc__)
    counts = dict(pass_=0, fail=0, skip=0)
    tsv = []
    out = ["KTAP version 1"]
    base = os.path.join(TOP, "build", "base-version")
    if os.path.exists(base):
        out.append("# base: " + open(base).read().strip())
    out.append(f"1..{len(configs)}")
    for ci, config in enumerate(configs, 1):
        rows = config_rows(config)
        out += ["    KTAP version 1", f"    # Subtest: {config}", f"    1..{len(rows)}"]
        for ri, row in enumerate(rows, 1):
            if row.cases:
                out += ["        KTAP version 1", f"        # Subtest: {row.name}",
                        f"        1..{len(row.cases)}"]
                for k, c in enumerate(row.cases, 1):
                    out.append(ktap_line(c.result != "fail", k, c.name, c.result, c.why, 8))
            if row.result == "fail":
                out.append(f"    # {config} {row.name}: {row.why or 'failed'}")
                out += [f"    # | {x}" for x in row.output]
            out.append(ktap_line(row.result != "fail", ri, row.name, row.result, row.why, 4))
        failed = [r for r in rows for r in [r] + r.cases if r.result == "fail"]
        out.append(ktap_line(not failed, ci, config, "pass", None, 0))
        for row in rows:
            for r in [row] + row.cases:
                secs = f"{r.seconds:.1f}" if r.seconds is not None else "-"
                why = " ".join((r.why or "-").split())
                tsv.append(f"{config}\t{r.name}\t{r.result}\t{secs}\t{why}")
                counts["pass_" if r.result == "pass" else r.result] += 1
    os.makedirs(harness.results(), exist_ok=True)
    with open(os.path.join(harness.results(), "results.tsv"), "w") as f:
        f.write("\n".join(tsv) + "\n")
    print("\n".join(out))
    print(f"{counts['pass_']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
