#!/bin/sh
# demo-host - runs inside the booted test host for `make demo`: prints what
# a user needs to know about the PMU there as "key=value" lines, which
# scripts/demo.sh turns into a table.
log=$(dmesg)
kv() { printf '%s=%s\n' "$1" "$2"; }

kv kernel "$(uname -r)"
kv cpus "$(grep -c ^processor /proc/cpuinfo)"
# Most specific first: "VHE mode" is also part of the nVHE messages
case $log in
*"Protected nVHE mode initialized successfully"*) mode=pKVM ;;
*"nVHE mode initialized successfully"*) mode=nVHE ;;
*"VHE mode initialized successfully"*) mode=VHE ;;
*) mode="not initialised" ;;
esac
kv kvm_mode "$mode"
case $log in
*"CPU features: detected: Fine Grained Traps"*) kv fgt yes ;;
*) kv fgt no ;;
esac
case $log in
*"CPU features: detected: HPMN0"*) kv hpmn0 yes ;;
*) kv hpmn0 "no (or a kernel without the capability)" ;;
esac
# "hw perfevents: enabled with armv8_pmuv3_0 PMU driver, 7 (0,8000003f) counters available"
pmu=$(echo "$log" | sed -n 's/.*hw perfevents: enabled with \([^ ]*\) PMU driver, \([0-9]*\) .*/\1 \2/p' | head -n 1)
kv host_pmu "${pmu%% *}"
kv host_counters "${pmu##* }"
/tests/pmu-info
