#!/bin/sh
# A test that fails on purpose (KTAP with one failing case), for
# scripts/check-harness.sh: make check must report it as failed.
echo "TAP version 13"
echo "1..2"
echo "ok 1 a passing case"
echo "not ok 2 a failing case"
exit 1
