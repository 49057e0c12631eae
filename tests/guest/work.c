// SPDX-License-Identifier: GPL-2.0
/*
 * work - the nested guest's workload: a loop whose user-space instruction
 * count is known exactly.
 *
 *   work [N]      N decimal digits only; default WORK_ITERS (10000000)
 *
 * Built with -DWORK_TIMED (/bin/worktime), it also times its loop with the
 * virtual counter and writes 16 bytes to stdout: the ticks the loop took
 * and CNTFRQ_EL0, each a little-endian u64 (`od -An -tu8` reads them).
 * Under QEMU's -icount the counter counts instructions, at every
 * exception level of the whole machine, so the ticks show what anything
 * else (the guest's perf, the host's trap handling) cost the loop.
 *
 * No libc, no dynamic loader, no vDSO: the whole of user space is the
 * assembly below, from _start to the exit system call, so the number of
 * instructions architecturally executed at EL0 (perf's instructions:u,
 * the PMU's INST_RETIRED filtered to EL0) is exact:
 *
 *   without an argument:        2*N + 9                 (N = WORK_ITERS)
 *   with an argument of D digits: 2*N + 6*D + 16
 *   worktime: 12 more (isb, mrs before the loop; isb, 2 mrs, sub, stp,
 *             4 movs and svc for the write after it)
 *
 *   e.g. `work` = 20000009, `work 1000000` (D = 7) = 2000058,
 *        `work 0` = 22 (the loop is skipped when N is 0).
 *
 * Breakdown: prologue 5 (ldr, movz, movk, cmp, b.lt); with an argument 3
 * more (ldr, mov, mov) and 6 per digit (ldrb, sub, cmp, b.hi, madd, b)
 * plus 4 for the terminating NUL (ldrb, sub, cmp, b.hi taken); then cbz 1,
 * the loop 2 per iteration (subs, b.ne), the exit 3 (mov, mov, svc).
 * Instructions that fault (page faults on first touch) are not counted;
 * they retire once, when re-executed.  The svc retires at EL0; what the
 * kernel does for it is EL1.  An argument that is not all digits stops at
 * the first non-digit (which then counts as the terminator); N must fit in
 * 64 bits.
 *
 * Exit status 0.  The loop is the function work_loop, so a sampled profile
 * (perf record on cycles or instructions) lands almost all of its samples
 * there.
 *
 * Build: aarch64-linux-gnu-gcc -static -nostdlib -O2 -o work work.c
 */
#ifndef WORK_ITERS
#define WORK_ITERS 10000000
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

__asm__(
	"	.text\n"
	"	.globl	_start\n"
	"	.type	_start, %function\n"
	"	.p2align 4\n"
	"_start:\n"
	"	ldr	x2, [sp]\n"				/* argc */
	"	movz	x0, #((" STR(WORK_ITERS) ") & 0xffff)\n"
	"	movk	x0, #(((" STR(WORK_ITERS) ") >> 16) & 0xffff), lsl #16\n"
	"	cmp	x2, #2\n"
	"	b.lt	1f\n"
	"	ldr	x1, [sp, #16]\n"			/* argv[1] */
	"	mov	x0, #0\n"
	"	mov	x3, #10\n"
	"2:	ldrb	w2, [x1], #1\n"
	"	sub	w2, w2, #'0'\n"
	"	cmp	w2, #9\n"
	"	b.hi	1f\n"					/* not a digit: done */
	"	madd	x0, x0, x3, x2\n"			/* x0 = 10 * x0 + digit */
	"	b	2b\n"
	"1:\n"
#ifdef WORK_TIMED
	"	isb\n"
	"	mrs	x9, cntvct_el0\n"
#endif
	"	cbz	x0, work_exit\n"
	"	.size	_start, . - _start\n"
	"\n"
	/* falls through: no padding between _start and the loop */
	"	.globl	work_loop\n"
	"	.type	work_loop, %function\n"
	"work_loop:\n"
	"	subs	x0, x0, #1\n"
	"	b.ne	work_loop\n"
	"	.size	work_loop, . - work_loop\n"
	"\n"
	"	.globl	work_exit\n"
	"	.type	work_exit, %function\n"
	"work_exit:\n"
#ifdef WORK_TIMED
	"	isb\n"
	"	mrs	x10, cntvct_el0\n"
	"	mrs	x11, cntfrq_el0\n"
	"	sub	x10, x10, x9\n"
	"	stp	x10, x11, [sp, #-16]!\n"
	"	mov	x0, #1\n"				/* stdout */
	"	mov	x1, sp\n"
	"	mov	x2, #16\n"
	"	mov	x8, #64\n"				/* __NR_write */
	"	svc	#0\n"
#endif
	"	mov	x0, #0\n"
	"	mov	x8, #93\n"				/* __NR_exit */
	"	svc	#0\n"
	"	.size	work_exit, . - work_exit\n"
);

#if WORK_ITERS >= (1 << 32) || WORK_ITERS < 0
#error "WORK_ITERS must fit in 32 bits (movz + movk)"
#endif
