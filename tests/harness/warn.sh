#!/bin/sh
# A test that passes while the kernel warns (LKDTM's WARNING: a WARN_ON
# that returns), for scripts/check-harness.sh: the kernel keeps running,
# the test exits 0, and the run must still fail on the kernel log.
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
echo "the kernel warned and went on"
exit 0
