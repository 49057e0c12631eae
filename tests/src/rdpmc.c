// SPDX-License-Identifier: GPL-2.0
/*
 * rdpmc - user-space counter reads stay right when the driver places events.
 *
 * A process may read its own PMU counters without a system call (perf's
 * "rdpmc": attr.config1 bit 1, sysctl kernel.perf_user_access = 1). It
 * learns which hardware counter holds an event from the event's mmap page
 * (index = counter + 1), which the kernel updates whenever it places the
 * event. The partitioned-PMU series hands out event counters from the top
 * down; this test checks that what user space reads through the index it
 * is given agrees with read(2), for the cycle counter and for an event
 * counter.
 *
 * KTAP output; exit 0 on success, 1 on failure, 4 (skip) without user access.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CPU_CYCLES	0x11
#define CYCLE_IDX	31
#define SLACK		50000000ULL	/* 50 ms of the 1 GHz TCG cycle counter */

static int failed, num;

static void result(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++num, what);
	failed |= !ok;
}

static uint64_t read_hw_counter(unsigned int counter)
{
	uint64_t val;

	if (counter == CYCLE_IDX) {
		asm volatile("mrs %0, pmccntr_el0" : "=r"(val));
		return val;
	}
	asm volatile("msr pmselr_el0, %0" : : "r"((uint64_t)counter));
	asm volatile("isb" : : : "memory");
	asm volatile("mrs %0, pmxevcntr_el0" : "=r"(val));
	return val;
}

/* The self-monitoring read protocol of include/uapi/linux/perf_event.h. */
static int rdpmc_read(volatile struct perf_event_mmap_page *pc, uint64_t *value,
		      unsigned int *index)
{
	uint32_t seq, idx, width;
	int64_t count, offset;

	do {
		seq = pc->lock;
		__sync_synchronize();
		idx = pc->index;
		offset = pc->offset;
		width = pc->pmc_width;
		if (!pc->cap_user_rdpmc || !idx)
			return -1;
		count = read_hw_counter(idx - 1);
		/* sign-extend from the counter's width, as the ABI says */
		count = (int64_t)((uint64_t)count << (64 - width)) >> (64 - width);
		__sync_synchronize();
	} while (pc->lock != seq);

	*value = offset + count;
	*index = idx;
	return 0;
}

static int open_event(int group, int64_t *fd_out)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_RAW,
		.size = sizeof(attr),
		.config = CPU_CYCLES,
		.config1 = 0x2,			/* rdpmc */
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	long fd = syscall(__NR_perf_event_open, &attr, 0, -1, group, 0);

	*fd_out = fd;
	return fd < 0 ? -1 : 0;
}

static void check(const char *name, int64_t fd, int want_cycle_counter)
{
	volatile struct perf_event_mmap_page *pc;
	uint64_t a, b, r;
	unsigned int idx, idx2;
	char what[160];

	pc = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	if (pc == MAP_FAILED) {
		snprintf(what, sizeof(what), "%s: mmap: %s", name, strerror(errno));
		result(0, what);
		return;
	}
	if (rdpmc_read(pc, &a, &idx)) {
		snprintf(what, sizeof(what), "%s: no user access (cap_user_rdpmc %d, index %u)",
			 name, (int)pc->cap_user_rdpmc, pc->index);
		result(0, what);
		return;
	}
	for (volatile int i = 0; i < 100000; i++)
		;
	rdpmc_read(pc, &b, &idx2);
	if (read(fd, &r, sizeof(r)) != sizeof(r))
		r = 0;

	snprintf(what, sizeof(what), "%s: index %u is %s", name, idx,
		 want_cycle_counter ? "the cycle counter" : "an event counter");
	result(want_cycle_counter ? idx - 1 == CYCLE_IDX : idx - 1 < CYCLE_IDX, what);
	snprintf(what, sizeof(what), "%s: index stable while the event is scheduled (%u, %u)",
		 name, idx, idx2);
	result(idx == idx2, what);
	snprintf(what, sizeof(what), "%s: user reads grow (%llu then %llu)", name,
		 (unsigned long long)a, (unsigned long long)b);
	result(b > a, what);
	snprintf(what, sizeof(what), "%s: read(2) agrees (%llu, rdpmc %llu)", name,
		 (unsigned long long)r, (unsigned long long)b);
	result(r >= b && r - b < SLACK, what);
}

int main(void)
{
	int64_t leader, member;
	int sysctl;

	printf("TAP version 13\n");
	sysctl = open("/proc/sys/kernel/perf_user_access", O_WRONLY);
	if (sysctl < 0 || write(sysctl, "1", 1) != 1) {
		printf("1..0 # SKIP cannot enable kernel.perf_user_access\n");
		return 4;
	}
	close(sysctl);

	printf("1..8\n");
	/* Two CPU_CYCLES events in a group: one gets the cycle counter, the
	 * other an event counter.
	 */
	if (open_event(-1, &leader) || open_event(leader, &member)) {
		printf("Bail out! perf_event_open: %s\n", strerror(errno));
		return 1;
	}
	check("cycles leader", leader, 1);
	check("cycles member", member, 0);
	return failed;
}
