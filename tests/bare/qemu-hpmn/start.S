/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qemu-hpmn runtime: entry at EL2, exception vectors for EL2 and EL1, and
 * the EL2 -> EL1 -> EL0 round trips used by hpmn.c.
 *
 * run_el1(fn, arg), called at EL2, erets to EL1h with DAIF masked on the
 * EL1 stack; EL1 calls fn(arg) then issues "hvc #0", which the EL2
 * lower-EL sync handler recognises and turns into a return from run_el1()
 * with fn's return value. run_el0(fn, arg), called at EL1, does the same
 * to EL0t with "svc #0". run_el0_a32(pc, r0), called at EL1, runs A32
 * code at pc in AArch32 User mode with r0, which ends with "svc #0" and
 * returns r1 from run_el0_a32(). Any other synchronous exception taken from a
 * lower EL, or taken to EL1 from EL1, is handed to record_exception(),
 * which returns the address to resume at (past the faulting instruction).
 * Anything else (IRQ, FIQ, SError, exceptions at EL2 itself) is fatal.
 */

#define SPSR_DAIF	(0xf << 6)
#define SPSR_EL1H	(SPSR_DAIF | 0x5)
#define SPSR_EL0T	(SPSR_DAIF | 0x0)

#define SCTLR_EL2_RES1	0x30c50830
#define SCTLR_EL1_RES1	0x30d00800

#define SPSR_A32_USR	(SPSR_DAIF | 0x10)	/* AArch32 User, A32 */

#define EC_SVC32	0x11
#define EC_SVC64	0x15
#define EC_HVC64	0x16

	.macro	save_regs
	sub	sp, sp, #256
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	str	x30, [sp, #16 * 15]
	.endm

	.macro	restore_regs
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #16 * 15]
	add	sp, sp, #256
	.endm

	/* Callee-saved registers of a run_el1()/run_el0() caller */
	.macro	push_callee
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	.endm

	.macro	pop_callee
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	.endm

	.section .text.boot, "ax"
	.globl	_start
_start:
	msr	daifset, #0xf
	ldr	x0, =__stack_el2_top
	mov	sp, x0
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	1f
	msr	spsel, #1
	ldr	x0, =__stack_el2_top
	mov	sp, x0
	ldr	x0, =vectors_el2
	msr	vbar_el2, x0
	ldr	x0, =vectors_el1
	msr	vbar_el1, x0
	ldr	x0, =SCTLR_EL2_RES1		/* MMU and caches off */
	msr	sctlr_el2, x0
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	isb

	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
2:	cmp	x0, x1
	b.hs	3f
	str	xzr, [x0], #8
	b	2b
3:
	bl	hpmn_main
	b	system_off

1:	/* Not entered at EL2: report and stop */
	lsr	x0, x0, #2
	bl	wrong_el
	b	system_off

	.text

/* Never returns: PSCI SYSTEM_OFF through the SMC conduit */
	.globl	system_off
system_off:
	ldr	w0, =0x84000008
	smc	#0
1:	wfi
	b	1b

/* u64 run_el1(u64 (*fn)(u64), u64 arg): called at EL2 */
	.globl	run_el1
run_el1:
	push_callee
	ldr	x2, =__stack_el1_top
	msr	sp_el1, x2
	adr	x2, el1_entry
	msr	elr_el2, x2
	mov	x2, #SPSR_EL1H
	msr	spsr_el2, x2
	eret

el1_entry:
	mov	x2, x0
	mov	x0, x1
	blr	x2
	hvc	#0
	b	.

/* u64 run_el0(u64 (*fn)(u64), u64 arg): called at EL1 */
	.globl	run_el0
run_el0:
	push_callee
	ldr	x2, =__stack_el0_top
	msr	sp_el0, x2
	adr	x2, el0_entry
	msr	elr_el1, x2
	mov	x2, #SPSR_EL0T
	msr	spsr_el1, x2
	eret

el0_entry:
	mov	x2, x0
	mov	x0, x1
	blr	x2
	svc	#0
	b	.

/* u64 run_el0_a32(const u32 *pc, u64 r0): called at EL1 */
	.globl	run_el0_a32
run_el0_a32:
	push_callee
	msr	elr_el1, x0
	mov	x2, #SPSR_A32_USR
	msr	spsr_el1, x2
	mov	x0, x1
	eret

/*
 * Synchronous exception from EL1/EL0 to EL2. SP_EL2 is the stack pointer
 * run_el1() erected, so "hvc #0" from el1_entry unwinds straight into
 * run_el1()'s caller.
 */
el2_lower_sync:
	save_regs
	mrs	x1, esr_el2
	lsr	x2, x1, #26
	cmp	x2, #EC_HVC64
	b.ne	1f
	tst	x1, #0xffff
	b.eq	2f
1:	mov	x0, #2
	mrs	x2, elr_el2
	bl	record_exception
	msr	elr_el2, x0
	restore_regs
	eret
2:	ldr	x0, [sp]			/* fn's return value */
	add	sp, sp, #256
	pop_callee
	ret

/*
 * Synchronous exception from EL0 to EL1: "svc #0" (EC \ec) returns from
 * run_el0() or run_el0_a32() with the saved register at [sp, #\ret] (x0,
 * or r1 for AArch32); anything else goes to record_exception().
 */
	.macro	el1_lower_handler, ec, ret
	save_regs
	mrs	x1, esr_el1
	lsr	x2, x1, #26
	cmp	x2, #\ec
	b.ne	1f
	tst	x1, #0xffff
	b.eq	2f
1:	mov	x0, #1
	mrs	x2, elr_el1
	bl	record_exception
	msr	elr_el1, x0
	restore_regs
	eret
2:	ldr	w0, [sp, #\ret]
	.if	\ret == 0
	ldr	x0, [sp]
	.endif
	add	sp, sp, #256
	pop_callee
	ret
	.endm

el1_lower_sync:
	el1_lower_handler EC_SVC64, 0

/*
 * From AArch32 EL0 ("svc #0" returns r1). The exception may zero the upper
 * halves of X0-X14; run_el0_a32() kept the callee-saved registers on the
 * EL1 stack anyway.
 */
el1_lower32_sync:
	el1_lower_handler EC_SVC32, 8

/* Synchronous exception from EL1 to EL1 (e.g. UNDEFINED) */
el1_cur_sync:
	save_regs
	mov	x0, #1
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	bl	record_exception
	msr	elr_el1, x0
	restore_regs
	eret

el2_bad:
	mov	x1, x0
	mov	x0, #2
	mrs	x2, esr_el2
	mrs	x3, elr_el2
	bl	unexpected_exception
	b	system_off

el1_bad:
	mov	x1, x0
	mov	x0, #1
	mrs	x2, esr_el1
	mrs	x3, elr_el1
	bl	unexpected_exception
	b	system_off

	.macro	vent, target
	.balign	0x80
	b	\target
	.endm

	.macro	vbad, el, offset
	.balign	0x80
	mov	x0, #\offset
	b	el\el\()_bad
	.endm

	.balign	0x800
vectors_el2:
	vbad	2, 0x000
	vbad	2, 0x080
	vbad	2, 0x100
	vbad	2, 0x180
	vbad	2, 0x200
	vbad	2, 0x280
	vbad	2, 0x300
	vbad	2, 0x380
	vent	el2_lower_sync
	vbad	2, 0x480
	vbad	2, 0x500
	vbad	2, 0x580
	vbad	2, 0x600
	vbad	2, 0x680
	vbad	2, 0x700
	vbad	2, 0x780

	.balign	0x800
vectors_el1:
	vbad	1, 0x000
	vbad	1, 0x080
	vbad	1, 0x100
	vbad	1, 0x180
	vent	el1_cur_sync
	vbad	1, 0x280
	vbad	1, 0x300
	vbad	1, 0x380
	vent	el1_lower_sync
	vbad	1, 0x480
	vbad	1, 0x500
	vbad	1, 0x580
	vent	el1_lower32_sync
	vbad	1, 0x680
	vbad	1, 0x700
	vbad	1, 0x780

	.ltorg

	.section .note.GNU-stack, "", %progbits
