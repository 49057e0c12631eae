#!/usr/bin/env bash
# check-harness.sh - prove that the harness fails when it must.  Each case
# boots the max host with something broken and checks that report.py
# exits non-zero and names the failure:
#   a failing test, a hanging test (killed by its timeout inside the host),
#   a hang the host does not end (killed by the runner's wall clock),
#   a kernel oops during a passing test, a kernel that panics at boot, a
#   host that never reaches /init in time, and (from a recorded console) a
#   failing KUnit case.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export TEST_LIST=$TOP/tests/harness/harness.list
S=$TOP/scripts
passed=0 failed=0

# expect NAME PATTERN -- boot.py args: run one broken boot, expect the
# report to fail and to contain PATTERN.
expect() {
	local name=$1 pattern=$2 out rc
	shift 3
	rm -rf "$TOP/build/results/max"
	"$S/boot.py" max run "$@" >/dev/null 2>&1
	out=$("$S/report.py" max 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qE "$pattern" <<<"$out"; then
		echo "ok $((passed + failed + 1)) $name"
		passed=$((passed + 1))
	else
		echo "not ok $((passed + failed + 1)) $name"
		echo "# report exited $rc; wanted a failure matching: $pattern"
		sed 's/^/# | /' <<<"$out" | tail -n 20
		failed=$((failed + 1))
	fi
}

# expect_report NAME PATTERN: feed report.py a recorded console holding a
# KUnit suite with one failing case (no boot needed).
expect_report() {
	local name=$1 pattern=$2 dir=$TOP/build/results/harness-kunit out rc
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
	out=$("$S/report.py" harness-kunit 2>&1)
	rc=$?
	rm -rf "$dir"
	if [ $rc -ne 0 ] && grep -qE "$pattern" <<<"$out"; then
		echo "ok $((passed + failed + 1)) $name"
		passed=$((passed + 1))
	else
		echo "not ok $((passed + failed + 1)) $name"
		sed 's/^/# | /' <<<"$out" | tail -n 20
		failed=$((failed + 1))
	fi
}

echo "KTAP version 1"
echo "1..7"
expect_report kunit-case-failure 'not ok 2 example:second_case'

expect failing-test 'not ok [0-9]+ harness/fail:a_failing_case' -- harness/fail
expect hanging-test 'harness/hang: timed out' -- harness/hang
GRACE=-5 expect wall-clock-hang 'wall-clock timeout waiting for the end of harness/hang' \
	-- harness/hang
expect oops-in-test 'kernel-log: [0-9]+ kernel splat.*during: harness/splat' -- harness/splat
CMDLINE="rdinit=/nonexistent init=/nonexistent" expect panic-at-boot \
	'boot: the host never reached /init' -- harness/fail
BOOT_TIMEOUT=1 expect boot-timeout 'wall-clock timeout waiting for /init' -- harness/fail
rm -rf "$TOP/build/results/max"
echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
