#!/bin/sh
# A test that never ends, for scripts/check-harness.sh: its timeout must
# kill it and the run must report it as failed.
echo "hanging on purpose"
while :; do sleep 1; done
