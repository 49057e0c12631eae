#!/bin/sh
# e2e - a real VMM runs a real guest whose perf uses the PMU, end to end.
#
# Runs inside the test host: QEMU (cross-built with patches/qemu-vmm/, in
# /e2e) boots the host's own kernel as a KVM guest, whose /init runs a
# fixed user-space workload under perf (tests/guest/init):
#   perf stat -e cycles:u,instructions:u -- work
#   perf record -e instructions:u -c 1000000 -- work
# once with the emulated PMU (kvm-pmu-partition=off) and once partitioned
# (kvm-pmu-partition=on, kvm-pmu-counters = what the host lends); with
# "default" also with no property at all (unmodified VMM), for a host
# booted with kvm-arm.pmu_partition=1.  Around each run the host reads the
# vCPU's KVM stats (debugfs) for its PMU traps, exits and PMU loads.
#
# KTAP cases: the user-space counts are exact (the workload's instruction
# count is known) and equal in both modes, perf record takes the expected
# number of samples, and with FEAT_FGT a partitioned guest takes at least
# 10x fewer PMU traps.  Every figure is also printed as
# "# e2e<TAB>mode<TAB>metric<TAB>value" for scripts/demo.sh.
#
# Usage: e2e [default]
# (default: the host runs with kvm-arm.pmu_partition=1; also checks that
# the unmodified VMM's guest gets the partitioned PMU)
VMM=/e2e/qemu-system-aarch64
PERIOD=1000000
WANT_DEFAULT=${1:-}

mark() { echo "@@e2e $*"; }
fig() { printf '# e2e\t%s\t%s\t%s\n' "$1" "$2" "$3"; }

if [ ! -x "$VMM" ]; then
	echo "1..0 # SKIP no VMM in this image (/e2e)"
	exit 4
fi

# The PMU: event counters (the driver's count includes the cycle counter)
# and what the host keeps, hence what it lends.
counters=$(dmesg | sed -n 's/.*hw perfevents: enabled with [^ ]* PMU driver, \([0-9]*\) .*/\1/p' | head -n 1)
counters=$((counters - 1))
reserved=$(cat /sys/module/arm_pmuv3/parameters/reserved_host_counters 2>/dev/null || echo 0)
lend=$((counters - reserved))
case $(dmesg) in
*"CPU features: detected: Fine Grained Traps"*) fgt=1 ;;
*) fgt=0 ;;
esac
echo "# PMU: $counters event counters, the host keeps $reserved, lends $lend; FEAT_FGT: $fgt"

# snap PID: the VM's "pmu_traps exits pmu_loads" now (its vCPUs summed:
# one here)
snap() {
	local d
	d=$(ls -d /sys/kernel/debug/kvm/"$1"-* 2>/dev/null | head -n 1)
	[ -n "$d" ] || { echo "- - -"; return; }
	echo "$(cat "$d/pmu_traps") $(cat "$d/exits") $(cat "$d/pmu_loads")"
}

# guest TAG CPUOPTS PHASE GUESTARGS...: boot the guest, read the stats at
# its "ready PHASE" and "end PHASE" lines; leaves /tmp/e2e-TAG.log and
# the stats in /tmp/e2e-TAG.stats ("before" and "after" lines)
guest() {
	local tag=$1 cpu=$2 phase=$3 log=/tmp/e2e-$1.log pid a="" b="" t=0
	shift 3
	"$VMM" -M virt,gic-version=3 -accel kvm -cpu "host$cpu" -smp 1 -m 512M \
		-nographic -nic none -no-reboot -kernel /e2e/Image -initrd /e2e/guest.cpio \
		-append "console=ttyAMA0 quiet panic=-1 -- $*" </dev/null >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$a" ] && grep -q "@@guest ready $phase" "$log"; then
			a=$(snap "$pid")
		fi
		if [ -z "$b" ] && grep -q "@@guest end $phase" "$log"; then
			b=$(snap "$pid")
		fi
		usleep 50000
		t=$((t + 1))
		# 200 s of the host's time: the guest hangs
		[ $t -lt 4000 ] || { kill -9 "$pid"; echo "# $tag: guest killed after 200 s"; }
	done
	wait "$pid"
	echo "# $tag: VMM exit status $?"
	printf 'before %s\nafter %s\n' "${a:-- - -}" "${b:-- - -}" >"/tmp/e2e-$tag.stats"
}

# delta TAG FIELD: after - before of a stat (1 traps, 2 exits, 3 loads)
delta() {
	awk -v f="$2" '{ v[$1] = $(f + 1) } END {
		if (v["before"] == "-" || v["after"] == "-") print "-"; else print v["after"] - v["before"] }' \
		"/tmp/e2e-$1.stats"
}

# count TAG EVENT: perf stat's count of EVENT in the guest's output
count() {
	tr -d '\r' <"/tmp/e2e-$1.log" | awk -v e="$2" '$2 == e { gsub(",", "", $1); print $1; exit }'
}

elapsed() {
	tr -d '\r' <"/tmp/e2e-$1.log" | awk '/seconds time elapsed/ { print $1; exit }'
}

expected() {
	tr -d '\r' <"/tmp/e2e-$1.log" | sed -n 's/^# expect instructions:u=//p' | head -n 1
}

samples() {
	tr -d '\r' <"/tmp/e2e-$1.log" | sed -n 's/^# \([0-9]*\) samples;.*/\1/p' | head -n 1
}

modes="emulated partitioned"
[ "$WANT_DEFAULT" = default ] && modes="$modes default"

for m in $modes; do
	case $m in
	emulated) cpu=",kvm-pmu-partition=off" ;;
	partitioned) cpu=",kvm-pmu-partition=on,kvm-pmu-counters=$lend" ;;
	default) cpu="" ;;
	esac
	mark "guest $m stat"
	guest "$m-stat" "$cpu" stat stat - cycles:u,instructions:u
	mark "guest $m record"
	guest "$m-record" "$cpu" record record "$PERIOD" - instructions:u
	for f in "$m-stat" "$m-record"; do
		echo "# --- guest output ($f) ---"
		tr -d '\r' <"/tmp/e2e-$f.log" | grep -v '^\[' | grep -v '^dmesg:' | sed 's/^/# | /' | head -n 60
	done
done

echo "KTAP version 1"
plan=0
for m in $modes; do plan=$((plan + 2)); done
plan=$((plan + 2))
[ "$WANT_DEFAULT" = default ] && plan=$((plan + 1))
echo "1..$plan"
n=0 failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

want=$(expected emulated-stat)
for m in $modes; do
	ins=$(count "$m-stat" instructions:u)
	cyc=$(count "$m-stat" cycles:u)
	got=$(samples "$m-record")
	exp_samples=$(( ${want:-0} / PERIOD ))
	fig "$m" instructions_u "${ins:--}"
	fig "$m" cycles_u "${cyc:--}"
	fig "$m" instructions_u_expected "${want:--}"
	fig "$m" samples "${got:--}"
	fig "$m" samples_expected "$exp_samples"
	fig "$m" stat_pmu_traps "$(delta "$m-stat" 1)"
	fig "$m" stat_exits "$(delta "$m-stat" 2)"
	fig "$m" stat_pmu_loads "$(delta "$m-stat" 3)"
	fig "$m" record_pmu_traps "$(delta "$m-record" 1)"
	fig "$m" record_exits "$(delta "$m-record" 2)"
	fig "$m" record_pmu_loads "$(delta "$m-record" 3)"
	fig "$m" stat_seconds "$(elapsed "$m-stat")"
	fig "$m" record_seconds "$(elapsed "$m-record")"
	echo "# $m: instructions:u $ins (expected $want), cycles:u $cyc; samples $got (expected $exp_samples)"
	[ -n "$want" ] && [ "$ins" = "$want" ]
	ok $? "${m}_stat_exact"
	[ -n "$got" ] && [ "$got" = "$exp_samples" ]
	ok $? "${m}_record_samples"
done

# The same counts in every mode
e_ins=$(count emulated-stat instructions:u) e_cyc=$(count emulated-stat cycles:u)
p_ins=$(count partitioned-stat instructions:u) p_cyc=$(count partitioned-stat cycles:u)
echo "# counts: emulated $e_cyc cycles:u $e_ins instructions:u; partitioned $p_cyc cycles:u $p_ins instructions:u"
[ -n "$e_ins" ] && [ "$e_ins" = "$p_ins" ] && [ -n "$e_cyc" ] && [ "$e_cyc" = "$p_cyc" ]
ok $? "stat_equal_in_both_modes"

# PMU traps of the sampling run: partitioned at least 10x fewer with FEAT_FGT
e=$(delta emulated-record 1) p=$(delta partitioned-record 1)
echo "# PMU traps while recording: emulated $e, partitioned $p"
if [ "$fgt" = 1 ]; then
	[ "$e" != - ] && [ "$p" != - ] && [ $((p * 10)) -le "$e" ] && [ "$e" -gt 0 ]
	ok $? "partitioned_10x_fewer_traps"
else
	n=$((n + 1))
	echo "ok $n partitioned_10x_fewer_traps # SKIP no FEAT_FGT: a partitioned PMU traps every access too"
fi

# An unmodified VMM (no property) on a host booted with
# kvm-arm.pmu_partition=1: its guest's PMU is partitioned, which shows as
# PMU loads (an emulated PMU never loads), with the host's counter count.
if [ "$WANT_DEFAULT" = default ]; then
	l=$(delta default-stat 3) le=$(delta emulated-stat 3)
	gn=$(tr -d '\r' <"/tmp/e2e-default-stat.log" | sed -n 's/.*hw perfevents: enabled with [^ ]* PMU driver, \([0-9]*\) .*/\1/p' | head -n 1)
	echo "# unmodified VMM: $l PMU loads while counting (emulated: $le), guest PMU $gn counters incl. cycle (host lends $lend)"
	[ "$l" != - ] && [ "$l" -gt 0 ] && [ "$le" = 0 ] && [ "$gn" = $((lend + 1)) ]
	ok $? "default_partitions_unmodified_vmm"
fi
exit $failed
