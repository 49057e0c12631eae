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
# Then the VM is live-migrated while its perf counts (guest mode
# "migrate": perf stat and perf record at once on a long workload):
# partitioned to partitioned, emulated to partitioned, partitioned to
# emulated, emulated to emulated, each case exact in counts and samples
# (migrate_*), and to a destination with one counter fewer, which refuses
# the VM while the source goes on, still exact (migrate_refused_keeps_source).
#
# Usage: e2e [default|migrate]
# (default: the host runs with kvm-arm.pmu_partition=1; also checks that
# the unmodified VMM's guest gets the partitioned PMU, no migration;
# migrate: the migrations alone)
VMM=/e2e/qemu-system-aarch64
PERIOD=1000000
WANT=${1:-}
WANT_DEFAULT=
[ "$WANT" = default ] && WANT_DEFAULT=default

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

# throttles TAG: THROTTLE records in the guest's perf.data (guest mode
# "migrate"; perf prints none when there were none)
throttles() {
	tr -d '\r' <"/tmp/e2e-$1.log" | sed -n 's/^# perf records THROTTLE \([0-9]*\)$/\1/p' | head -n 1
}

# ---- live migration -------------------------------------------------------
# The guest's perf stat and perf record count one long workload each, at
# once (guest mode "migrate"); while they count, the VMM migrates the VM
# to a file (HMP "migrate file:..." on a monitor over fifos; the host has
# no networking) and a second VMM restores it from there (-incoming). Both
# sides give the vCPU the same counter count, what the host lends.
MIG_N=${MIG_N:-1000000000}
MIG_FILE=/tmp/e2e-mig.bin

# vmm TAG CPUOPTS [ARGS...]: start a VMM with a monitor on
# /tmp/e2e-TAG.mon.{in,out} (read into /tmp/e2e-TAG.mon), console in
# /tmp/e2e-TAG.log; its pid in $vmm_pid
vmm() {
	local tag=$1 cpu=$2
	shift 2
	rm -f "/tmp/e2e-$tag.mon.in" "/tmp/e2e-$tag.mon.out"
	mkfifo "/tmp/e2e-$tag.mon.in" "/tmp/e2e-$tag.mon.out"
	cat "/tmp/e2e-$tag.mon.out" >"/tmp/e2e-$tag.mon" &
	"$VMM" -M virt,gic-version=3 -accel kvm -cpu "host$cpu" -smp 1 -m 256M \
		-nographic -nic none -no-reboot -kernel /e2e/Image -initrd /e2e/guest.cpio \
		-monitor "pipe:/tmp/e2e-$tag.mon" "$@" </dev/null >"/tmp/e2e-$tag.log" 2>&1 &
	vmm_pid=$!
}

hmp() { echo "$2" >"/tmp/e2e-$1.mon.in"; }

# wait_for TAG PATTERN SECONDS: until the console of TAG shows PATTERN
wait_for() {
	local t=0
	while ! grep -q "$2" "/tmp/e2e-$1.log"; do
		[ $t -lt $(($3 * 20)) ] || return 1
		usleep 50000
		t=$((t + 1))
	done
}

# wait_exit PID SECONDS: until the VMM exits (killed after SECONDS)
wait_exit() {
	local t=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $t -ge $(($2 * 20)) ]; then
			kill -9 "$1"
			echo "# VMM $1 killed after $2 s"
		fi
		usleep 50000
		t=$((t + 1))
	done
	wait "$1"
}

# status TAG: the VMM's answer to "info status" (running, paused, ...)
status() {
	hmp "$1" "info status"
	usleep 300000
	tr -d '\r' <"/tmp/e2e-$1.mon" | sed -n 's/.*VM status: *\([a-z]*\).*/\1/p' | tail -n 1
}

# migrate TAG SRCOPTS DSTOPTS: the guest counts on a VMM with SRCOPTS and
# is migrated to one with DSTOPTS; its whole console goes to
# /tmp/e2e-TAG.log. Once the guest's perf has programmed the PMU (a PMU
# trap since "ready migrate"; the stats in /tmp/e2e-TAG.stats), the source
# is stopped and migrated to a file, and the destination continued from
# it. A destination that refuses the VM exits; the source, stopped, is
# then continued (HMP "cont") and the guest ends there.
migrate() {
	local tag=$1 src=$2 dst=$3 t=0 st="" spid dpid rc a="" b=""
	rm -f "$MIG_FILE"
	vmm "$tag-src" "$src" -append "console=ttyAMA0 quiet panic=-1 -- migrate $PERIOD $MIG_N"
	spid=$vmm_pid
	if ! wait_for "$tag-src" "@@guest ready migrate" 200; then
		echo "# $tag: the guest did not get ready"
		tail -n 5 "/tmp/e2e-$tag-src.log" | sed 's/^/# source: /'
		kill -9 "$spid"
	else
		a=$(snap "$spid")
		wait_for "$tag-src" "@@guest begin migrate" 30
		# perf starts; the workload runs for seconds
		sleep 1
		b=$(snap "$spid")
		hmp "$tag-src" stop
		hmp "$tag-src" "migrate file:$MIG_FILE"
		while [ $t -lt 300 ]; do
			hmp "$tag-src" "info migrate"
			usleep 200000
			st=$(tr -d '\r' <"/tmp/e2e-$tag-src.mon" |
			     sed -n 's/.*Migration status: *\([a-z-]*\).*/\1/p' | tail -n 1)
			case $st in completed|failed*) break ;; esac
			t=$((t + 1))
		done
		echo "# $tag: migration status on the source: ${st:-none}," \
			"$(wc -c <"$MIG_FILE" 2>/dev/null || echo no) bytes"
		vmm "$tag-dst" "$dst" -incoming "file:$MIG_FILE"
		dpid=$vmm_pid
		# The source was stopped: so is the destination once loaded
		t=0
		while kill -0 "$dpid" 2>/dev/null && [ $t -lt 200 ]; do
			case $(status "$tag-dst") in
			paused|running) break ;;
			esac
			t=$((t + 1))
		done
		kill -0 "$dpid" 2>/dev/null && hmp "$tag-dst" cont
		wait_exit "$dpid" 300
		rc=$?
		echo "# $tag: destination VMM exit status $rc"
		if [ $rc = 0 ]; then
			hmp "$tag-src" quit
		else
			tail -n 3 "/tmp/e2e-$tag-dst.log" | sed 's/^/# destination: /'
			hmp "$tag-src" cont
		fi
	fi
	wait_exit "$spid" 300
	echo "# $tag: source VMM exit status $?"
	printf 'before %s\nafter %s\n' "${a:-- - -}" "${b:-- - -}" >"/tmp/e2e-$tag.stats"
	cat "/tmp/e2e-$tag-src.log" "/tmp/e2e-$tag-dst.log" 2>/dev/null >"/tmp/e2e-$tag.log"
}

modes="emulated partitioned"
[ "$WANT_DEFAULT" = default ] && modes="$modes default"
[ "$WANT" = migrate ] && modes=

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

migrations="partitioned_to_partitioned emulated_to_partitioned partitioned_to_emulated"
migrations="$migrations emulated_to_emulated refused_keeps_source"
[ "$WANT_DEFAULT" = default ] && migrations=
# "e2e migrate DIRECTION..." runs only those
if [ "$WANT" = migrate ] && [ $# -gt 1 ]; then
	shift
	migrations="$*"
fi
opts() {
	case $1 in
	emulated) echo ",kvm-pmu-partition=off,kvm-pmu-counters=$2" ;;
	partitioned) echo ",kvm-pmu-partition=on,kvm-pmu-counters=$2" ;;
	esac
}
for d in $migrations; do
	case $d in
	refused_keeps_source)
		src=$(opts partitioned "$lend") dst=$(opts partitioned $((lend - 1))) ;;
	*)
		src=$(opts "${d%%_to_*}" "$lend") dst=$(opts "${d##*_to_}" "$lend") ;;
	esac
	mark "migrate $d"
	migrate "mig-$d" "$src" "$dst"
	echo "# --- guest output (migrate $d) ---"
	tr -d '\r' <"/tmp/e2e-mig-$d.log" | grep -v '^\[' | grep -v '^dmesg:' | sed 's/^/# | /' |
		head -n 60
done

echo "KTAP version 1"
plan=0
for m in $modes; do plan=$((plan + 2)); done
[ -z "$modes" ] || plan=$((plan + 2))
[ "$WANT_DEFAULT" = default ] && plan=$((plan + 1))
for d in $migrations; do plan=$((plan + 1)); done
echo "1..$plan"
n=0 failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

# counts NAME STAT RECORD WANT: perf stat's counts in /tmp/e2e-STAT.log and
# perf record's samples in /tmp/e2e-RECORD.log, as $ins, $cyc, $got and
# $exp_samples (WANT instructions expected), and as NAME's figures
counts() {
	ins=$(count "$2" instructions:u)
	cyc=$(count "$2" cycles:u)
	got=$(samples "$3")
	exp_samples=$(( ${4:-0} / PERIOD ))
	fig "$1" instructions_u "${ins:--}"
	fig "$1" cycles_u "${cyc:--}"
	fig "$1" instructions_u_expected "${4:--}"
	fig "$1" samples "${got:--}"
	fig "$1" samples_expected "$exp_samples"
}

[ -z "$modes" ] || want=$(expected emulated-stat)
for m in $modes; do
	counts "$m" "$m-stat" "$m-record" "$want"
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

if [ -n "$modes" ]; then
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
# Each migration: the counting began on the source and ended on the
# destination, the counts exact and every sample there. Refused: the
# destination said why, and the guest ended on the source, still exact.
for d in $migrations; do
	tag=mig-$d
	want=$(expected "$tag")
	counts "migrate_$d" "$tag" "$tag" "$want"
	# perf had programmed the PMU on the source: PMU traps before the stop
	begun=$(delta "$tag" 1)
	fig "migrate_$d" source_pmu_traps "$begun"
	thr=$(throttles "$tag")
	fig "migrate_$d" guest_throttles "${thr:-0}"
	if [ "$d" = refused_keeps_source ]; then
		ended=$(grep -c "@@guest end migrate rc=0" "/tmp/e2e-$tag-src.log")
		why=$(grep -c "cannot restore the PMU" "/tmp/e2e-$tag-dst.log")
		grep "cannot restore the PMU" "/tmp/e2e-$tag-dst.log" | sed 's/^/# destination: /'
	else
		ended=$(grep -c "@@guest end migrate rc=0" "/tmp/e2e-$tag-dst.log")
		why=1
	fi
	echo "# migrate $d: instructions:u $ins (expected $want), cycles:u $cyc;" \
		"samples $got (expected $exp_samples); PMU traps on the source once perf" \
		"started: $begun; ended where expected: $ended; guest perf throttled ${thr:-0} times"
	[ -n "$want" ] && [ "$ins" = "$want" ] && [ -n "$got" ] && [ "$got" = "$exp_samples" ] &&
		[ "$begun" != - ] && [ "$begun" -gt 0 ] && [ "$ended" = 1 ] && [ "$why" -ge 1 ] &&
		[ "${thr:-0}" = 0 ]
	ok $? "migrate_$d"
done
exit $failed
