#!/usr/bin/env bash
# check-harness.sh - prove that the harness fails when it must.  Each case
# boots the max host with something broken and checks that report.py
# exits non-zero and names the failure:
#   a failing test, a hanging test (killed by its timeout inside the host),
#   a hang the host does not end (killed by the runner's wall clock),
#   a kernel oops during a passing test, a kernel warning during a passing
#   test, a kernel that panics at boot, a host that never reaches /init in
#   time, and (from a recorded console) a failing KUnit case; and that a
#   test's leftover processes die with it.  Its own run directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
export TEST_LIST=$TOP/tests/harness/harness.list
RESULTS=${RESULTS:-$("$TOP/scripts/harness.py" new-run check-harness)}
export RESULTS
S=$TOP/scripts
passed=0 failed=0

# verdict NAME OK WANTED OUTPUT: one KTAP line, and the output when not OK
verdict() {
	if [ "$2" = 1 ]; then
		echo "ok $((passed + failed + 1)) $1"
		passed=$((passed + 1))
	else
		echo "not ok $((passed + failed + 1)) $1"
		echo "# wanted $3"
		sed 's/^/# | /' <<<"$4" | tail -n 20
		failed=$((failed + 1))
	fi
}

# expect NAME PATTERN -- boot.py args: run one broken boot, expect the
# report to fail and to contain PATTERN.  expect_clean: a boot that must
# pass, its console matching PATTERN.
expect() {
	local name=$1 pattern=$2 out ok=0
	shift 3
	rm -rf "$RESULTS/max"
	"$S/boot.py" max run "$@" >/dev/null 2>&1
	out=$("$S/report.py" max 2>&1) || { grep -qE "$pattern" <<<"$out" && ok=1; }
	verdict "$name" $ok "a failed report matching: $pattern" "$out"
}

expect_clean() {
	local name=$1 pattern=$2 out ok=0
	shift 3
	rm -rf "$RESULTS/max"
	"$S/boot.py" max run "$@" >/dev/null 2>&1
	out=$("$S/report.py" max 2>&1) && grep -qE "$pattern" "$RESULTS/max/console.log" && ok=1
	verdict "$name" $ok "a passing report and a console matching: $pattern" "$out"
}

# expect_report NAME PATTERN: feed report.py a recorded console holding a
# KUnit suite with one failing case (no boot needed).
expect_report() {
	local name=$1 pattern=$2 dir=$RESULTS/harness-kunit out ok=0
	mkdir -p "$dir"
	cat >"$dir/console.log" <<-'LOG'
	1.0	@@harness init config=harness-kunit
	1.1	@@harness begin kunit:example
	1.1	KTAP version 1
	1.1	1..1
	1.1	    KTAP version 1
	1.1	    # Subtest: example
	1.1	    1..2
	1.1	    ok 1 first case
	1.1	    # second case: EXPECTATION FAILED
	1.1	    not ok 2 second case
	1.1	not ok 1 example
	1.2	@@harness end kunit:example
	1.3	@@harness done
	LOG
	echo '{"tests": [], "killed": null, "seconds": 2.0}' >"$dir/boot.json"
	out=$("$S/report.py" harness-kunit 2>&1) || { grep -qE "$pattern" <<<"$out" && ok=1; }
	rm -rf "$dir"
	verdict "$name" $ok "a failed report matching: $pattern" "$out"
}

echo "KTAP version 1"
echo "1..9"
expect_report kunit-case-failure 'not ok 2 example:second_case'

expect failing-test 'not ok [0-9]+ harness/fail:a_failing_case' -- harness/fail
expect hanging-test 'harness/hang: timed out' -- harness/hang
GRACE=-5 expect wall-clock-hang 'wall-clock timeout waiting for the end of harness/hang' \
	-- harness/hang
expect oops-in-test 'kernel-log: [0-9]+ kernel splat.*during: harness/splat' -- harness/splat
expect warn_in_passing_test 'kernel-log: [0-9]+ kernel splat.*during: harness/warn' -- harness/warn
expect_clean leftover_processes_killed 'harness/orphan left processes running; killed' \
	-- harness/orphan,harness/leftover
CMDLINE="rdinit=/nonexistent init=/nonexistent" expect panic-at-boot \
	'boot: the host never reached /init' -- harness/fail
BOOT_TIMEOUT=1 expect boot-timeout 'wall-clock timeout waiting for /init' -- harness/fail
echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
