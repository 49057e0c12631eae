#!/bin/sh
# A test that exits 0 and leaves a process behind, for
# scripts/check-harness.sh: /init must kill the test's whole process group
# when the test ends (harness/leftover, run next, checks).
sleep 4242 &
echo "left sleep 4242 (pid $!) running"
exit 0
