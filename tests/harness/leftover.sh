#!/bin/sh
# Runs after harness/orphan: fails if that test's background process
# outlived it.
echo "TAP version 13"
echo "1..1"
if ps -o args | grep -q '^sleep 4242'; then
	echo "not ok 1 harness/orphan's process is gone"
	exit 1
fi
echo "ok 1 harness/orphan's process is gone"
exit 0
