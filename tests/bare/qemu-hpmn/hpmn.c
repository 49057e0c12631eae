// SPDX-License-Identifier: GPL-2.0
/*
 * qemu-hpmn: check QEMU's model of the PMU counter split made by
 * MDCR_EL2.HPMN against the Arm ARM.
 *
 * With EL2 enabled, MDCR_EL2.HPMN splits the PMU event counters in two:
 * counters [0, HPMN) belong to EL1/EL0 (the "guest" range, enabled by
 * PMCR_EL0.E) and counters [HPMN, PMCR_EL0.N) are reserved for EL2 (the
 * "host" range, enabled by MDCR_EL2.HPME). The Arm ARM requires that EL1
 * and EL0:
 *  - read PMCR_EL0.N as HPMN,
 *  - cannot reach a reserved counter through PMEVCNTR<n>_EL0,
 *    PMEVTYPER<n>_EL0, or PMSELR_EL0.SEL + PMXEVCNTR_EL0/PMXEVTYPER_EL0:
 *    with FEAT_FGT the access traps to EL2 (EC 0x18), without FEAT_FGT we
 *    expect UNDEFINED (EC 0x00, taken to EL1),
 *  - see the bits of reserved counters in PMCNTEN{SET,CLR}_EL0,
 *    PMINTEN{SET,CLR}_EL1 and PMOVS{SET,CLR}_EL0 as RAZ/WI,
 *  - cannot increment reserved counters with PMSWINC_EL0 or reset them
 *    with PMCR_EL0.P, nor stop them with PMCR_EL0.E;
 * and that the overflow interrupt of a counter is gated by PMCR_EL0.E for
 * the guest range and by MDCR_EL2.HPME for the host range, re-evaluated
 * whenever either changes. One case is about overflow on its own: an
 * event counter counting instructions overflows, and raises its
 * interrupt, when it wraps, not at the next register access or exception
 * (QEMU counts INST_RETIRED only with -icount; skipped elsewhere).
 *
 * The program runs at EL2 (entered there by QEMU with the MMU off),
 * programs MDCR_EL2.HPMN = 2, and for each case resets the PMU from EL2,
 * performs accesses from EL1 or EL0 (run_el1()/run_el0() in start.S)
 * while recording any exception they cause, and checks the PMU state from
 * EL2. The overflow interrupt (PPI 23) is observed as the pending bit in
 * the GICv3 redistributor's GICR_ISPENDR0, which for a level-sensitive PPI
 * reflects the input line without any GIC programming.
 *
 * Before the cases, a silent self-test checks that the probes do see
 * exceptions (coarse MDCR_EL2.TPM and PMUSERENR_EL0 traps, an UNDEFINED
 * EL2 register read at EL1); if they do not, the run bails out.
 *
 * Results are printed on the PL011 UART as KTAP: one "ok"/"not ok" line
 * per case, preceded by "# " diagnostic lines that state what was expected
 * and what was got for every failed check. The run ends with
 * "@@harness end qemu-hpmn rc=<0|1>" and PSCI SYSTEM_OFF.
 */

#include <stdarg.h>

typedef unsigned long u64;
typedef unsigned int u32;

#define BIT(n)			(1UL << (n))

#define UART_BASE		0x09000000UL
#define UART_DR			0x00
#define UART_FR			0x18
#define UART_FR_TXFF		BIT(5)

#define GICR_RD_BASE		0x080A0000UL
#define GICR_SGI_BASE		(GICR_RD_BASE + 0x10000)
#define GICR_ISPENDR0		(GICR_SGI_BASE + 0x200)
#define PMU_PPI			23

#define PMCR_E			BIT(0)
#define PMCR_P			BIT(1)
#define PMCR_C			BIT(2)
#define PMCR_LC			BIT(6)
#define PMCR_N_SHIFT		11
#define PMCR_N_MASK		0x1fUL

#define MDCR_HPMN_MASK		0x1fUL
#define MDCR_TPMCR		BIT(5)
#define MDCR_TPM		BIT(6)
#define MDCR_HPME		BIT(7)

#define HCR_RW			BIT(31)

#define CPTR_TFP		BIT(10)
#define CPTR_TTA		BIT(20)
#define CPTR_TCPAC		BIT(31)

#define PMUSERENR_EN		BIT(0)
#define PMUSERENR_SW		BIT(1)
#define PMUSERENR_CR		BIT(2)
#define PMUSERENR_ER		BIT(3)

#define EVTYPER_P		BIT(31)
#define EVTYPER_NSH		BIT(27)
#define EV_SW_INCR		0x00
#define EV_INST_RETIRED		0x08
#define EV_CPU_CYCLES		0x11
#define EV_CHAIN		0x1e
#define PMCR_LP			BIT(7)

#define EC_UNKNOWN		0x00
#define EC_SVC64		0x15
#define EC_HVC64		0x16
#define EC_SMC64		0x17
#define EC_SYS64		0x18

#define HPMN			2
#define HOST_CTR		5
#define GUEST_CTR		1
#define CYCLE_CTR		31
#define ALL_ONES		0xffffffffUL

#define PROBE_POISON		0x5a5a5a5a5a5a5a5aUL

/* Provided by start.S */
u64 run_el1(u64 (*fn)(u64), u64 arg);
u64 run_el0(u64 (*fn)(u64), u64 arg);
u64 run_el0_a32(const u32 *pc, u64 r0);
void __attribute__((noreturn)) system_off(void);

/* Called from start.S */
void hpmn_main(void);
void wrong_el(u64 el);
u64 record_exception(u64 el, u64 esr, u64 elr);
void unexpected_exception(u64 el, u64 offset, u64 esr, u64 elr);

/* GCC may emit calls to these even when freestanding */
void *memset(void *s, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

void *memset(void *s, int c, unsigned long n)
{
	volatile unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	volatile unsigned char *dp = d;
	const volatile unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

#define mrs(reg) ({							\
	u64 __v;							\
	asm volatile("mrs %0, " #reg : "=r" (__v) : : "memory");	\
	__v;								\
})

#define msr(reg, val) do {						\
	u64 __v = (val);						\
	asm volatile("msr " #reg ", %x0" : : "rZ" (__v) : "memory");	\
} while (0)

#define isb()	asm volatile("isb" : : : "memory")

/* ------------------------------------------------------------------ */
/* Output */

static void uart_putc(char c)
{
	volatile u32 *uart = (volatile u32 *)UART_BASE;

	while (uart[UART_FR / 4] & UART_FR_TXFF)
		;
	uart[UART_DR / 4] = (unsigned char)c;
}

static void put_str(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

static void put_num(u64 v, unsigned int base, int width)
{
	char buf[24];
	int i = 0;

	do {
		unsigned int d = v % base;

		buf[i++] = d < 10 ? '0' + d : 'a' + d - 10;
		v /= base;
	} while (v);
	while (i < width && i < (int)sizeof(buf))
		buf[i++] = '0';
	while (i)
		uart_putc(buf[--i]);
}

/* printf subset: %s %c %d %u %x with optional 'l' and zero-padded width */
static void __attribute__((format(printf, 1, 2))) pr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int width = 0, is_long = 0;
		u64 v;

		if (*fmt != '%') {
			uart_putc(*fmt);
			continue;
		}
		fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		if (*fmt == 'l') {
			is_long = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			uart_putc(va_arg(ap, int));
			break;
		case 'd':
			if (is_long) {
				long s = va_arg(ap, long);

				if (s < 0) {
					uart_putc('-');
					v = -(u64)s;
				} else {
					v = s;
				}
			} else {
				int s = va_arg(ap, int);

				if (s < 0) {
					uart_putc('-');
					v = -(u64)(long)s;
				} else {
					v = s;
				}
			}
			put_num(v, 10, width);
			break;
		case 'u':
		case 'x':
			v = is_long ? va_arg(ap, u64) : va_arg(ap, u32);
			put_num(v, *fmt == 'u' ? 10 : 16, width);
			break;
		case '%':
			uart_putc('%');
			break;
		default:
			uart_putc('%');
			uart_putc(*fmt);
			break;
		}
		if (!*fmt)
			break;
	}
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Exception recording */

struct exc_record {
	u32 count;	/* exceptions since the last exc_clear() */
	u32 el;		/* EL the first one was taken to */
	u32 ec;
	u64 esr;
	u64 elr;
};

static volatile struct exc_record exc;

static void exc_clear(void)
{
	exc.count = 0;
	exc.el = 0;
	exc.ec = 0;
	exc.esr = 0;
	exc.elr = 0;
}

/*
 * Record a synchronous exception taken to @el and return the address to
 * resume at: past the faulting instruction, except for SVC/HVC/SMC whose
 * ELR already points past it.
 */
u64 record_exception(u64 el, u64 esr, u64 elr)
{
	u32 ec = (esr >> 26) & 0x3f;

	if (!exc.count) {
		exc.el = el;
		exc.ec = ec;
		exc.esr = esr;
		exc.elr = elr;
	}
	exc.count++;
	if (ec == EC_SVC64 || ec == EC_HVC64 || ec == EC_SMC64)
		return elr;
	return elr + 4;
}

static void harness_end(int rc)
{
	pr("@@harness end qemu-hpmn rc=%d\n", rc);
}

void unexpected_exception(u64 el, u64 offset, u64 esr, u64 elr)
{
	pr("Bail out! unexpected exception taken to EL%lu: vector offset 0x%lx, ESR 0x%lx, ELR 0x%lx\n",
	   el, offset, esr, elr);
	harness_end(1);
	system_off();
}

void wrong_el(u64 el)
{
	pr("KTAP version 1\n");
	pr("Bail out! entered at EL%lu, expected EL2 (use -M virt,virtualization=on)\n",
	   el);
	harness_end(1);
}

/* ------------------------------------------------------------------ */
/* PMU registers, accessible by id from any EL */

enum reg {
	R_PMCR,
	R_PMCNTENSET,
	R_PMCNTENCLR,
	R_PMINTENSET,
	R_PMINTENCLR,
	R_PMOVSSET,
	R_PMOVSCLR,
	R_PMSWINC,
	R_PMSELR,
	R_PMCCNTR,
	R_PMCCFILTR,
	R_PMXEVCNTR,
	R_PMXEVTYPER,
	R_PMUSERENR,
	R_PMEVCNTR0,
	R_PMEVCNTR1,
	R_PMEVCNTR2,
	R_PMEVCNTR3,
	R_PMEVCNTR4,
	R_PMEVCNTR5,
	R_PMEVTYPER0,
	R_PMEVTYPER1,
	R_PMEVTYPER2,
	R_PMEVTYPER3,
	R_PMEVTYPER4,
	R_PMEVTYPER5,
	R_MDCR_EL2,		/* only for the self-test: UNDEFINED at EL1 */
	NR_REGS
};

#define R_PMEVCNTR(n)	(R_PMEVCNTR0 + (n))
#define R_PMEVTYPER(n)	(R_PMEVTYPER0 + (n))

static const char *const reg_names[NR_REGS] = {
	[R_PMCR]	= "PMCR_EL0",
	[R_PMCNTENSET]	= "PMCNTENSET_EL0",
	[R_PMCNTENCLR]	= "PMCNTENCLR_EL0",
	[R_PMINTENSET]	= "PMINTENSET_EL1",
	[R_PMINTENCLR]	= "PMINTENCLR_EL1",
	[R_PMOVSSET]	= "PMOVSSET_EL0",
	[R_PMOVSCLR]	= "PMOVSCLR_EL0",
	[R_PMSWINC]	= "PMSWINC_EL0",
	[R_PMSELR]	= "PMSELR_EL0",
	[R_PMCCNTR]	= "PMCCNTR_EL0",
	[R_PMCCFILTR]	= "PMCCFILTR_EL0",
	[R_PMXEVCNTR]	= "PMXEVCNTR_EL0",
	[R_PMXEVTYPER]	= "PMXEVTYPER_EL0",
	[R_PMUSERENR]	= "PMUSERENR_EL0",
	[R_PMEVCNTR0]	= "PMEVCNTR0_EL0",
	[R_PMEVCNTR1]	= "PMEVCNTR1_EL0",
	[R_PMEVCNTR2]	= "PMEVCNTR2_EL0",
	[R_PMEVCNTR3]	= "PMEVCNTR3_EL0",
	[R_PMEVCNTR4]	= "PMEVCNTR4_EL0",
	[R_PMEVCNTR5]	= "PMEVCNTR5_EL0",
	[R_PMEVTYPER0]	= "PMEVTYPER0_EL0",
	[R_PMEVTYPER1]	= "PMEVTYPER1_EL0",
	[R_PMEVTYPER2]	= "PMEVTYPER2_EL0",
	[R_PMEVTYPER3]	= "PMEVTYPER3_EL0",
	[R_PMEVTYPER4]	= "PMEVTYPER4_EL0",
	[R_PMEVTYPER5]	= "PMEVTYPER5_EL0",
	[R_MDCR_EL2]	= "MDCR_EL2",
};

/* Counter registers are reported in decimal, the others in hex */
static int reg_is_counter(enum reg id)
{
	return id == R_PMCCNTR || id == R_PMXEVCNTR ||
	       (id >= R_PMEVCNTR0 && id <= R_PMEVCNTR5);
}

/*
 * The destination register of a trapped MRS is not written: start from a
 * poison value so a skipped read is recognisable (but never trusted).
 */
#define RD(id, name)							\
	case id:							\
		asm volatile("mrs %0, " #name : "+r" (v) : : "memory");	\
		break

#define WR(id, name)							\
	case id:							\
		asm volatile("msr " #name ", %x0" : : "rZ" (v) : "memory"); \
		break

static u64 reg_read(enum reg id)
{
	u64 v = PROBE_POISON;

	switch (id) {
	RD(R_PMCR, pmcr_el0);
	RD(R_PMCNTENSET, pmcntenset_el0);
	RD(R_PMCNTENCLR, pmcntenclr_el0);
	RD(R_PMINTENSET, pmintenset_el1);
	RD(R_PMINTENCLR, pmintenclr_el1);
	RD(R_PMOVSSET, pmovsset_el0);
	RD(R_PMOVSCLR, pmovsclr_el0);
	RD(R_PMSELR, pmselr_el0);
	RD(R_PMCCNTR, pmccntr_el0);
	RD(R_PMCCFILTR, pmccfiltr_el0);
	RD(R_PMXEVCNTR, pmxevcntr_el0);
	RD(R_PMXEVTYPER, pmxevtyper_el0);
	RD(R_PMUSERENR, pmuserenr_el0);
	RD(R_PMEVCNTR0, pmevcntr0_el0);
	RD(R_PMEVCNTR1, pmevcntr1_el0);
	RD(R_PMEVCNTR2, pmevcntr2_el0);
	RD(R_PMEVCNTR3, pmevcntr3_el0);
	RD(R_PMEVCNTR4, pmevcntr4_el0);
	RD(R_PMEVCNTR5, pmevcntr5_el0);
	RD(R_PMEVTYPER0, pmevtyper0_el0);
	RD(R_PMEVTYPER1, pmevtyper1_el0);
	RD(R_PMEVTYPER2, pmevtyper2_el0);
	RD(R_PMEVTYPER3, pmevtyper3_el0);
	RD(R_PMEVTYPER4, pmevtyper4_el0);
	RD(R_PMEVTYPER5, pmevtyper5_el0);
	RD(R_MDCR_EL2, mdcr_el2);
	default:
		/* PMSWINC_EL0 is write-only */
		break;
	}
	return v;
}

static void reg_write(enum reg id, u64 v)
{
	switch (id) {
	WR(R_PMCR, pmcr_el0);
	WR(R_PMCNTENSET, pmcntenset_el0);
	WR(R_PMCNTENCLR, pmcntenclr_el0);
	WR(R_PMINTENSET, pmintenset_el1);
	WR(R_PMINTENCLR, pmintenclr_el1);
	WR(R_PMOVSSET, pmovsset_el0);
	WR(R_PMOVSCLR, pmovsclr_el0);
	WR(R_PMSWINC, pmswinc_el0);
	WR(R_PMSELR, pmselr_el0);
	WR(R_PMCCNTR, pmccntr_el0);
	WR(R_PMCCFILTR, pmccfiltr_el0);
	WR(R_PMXEVCNTR, pmxevcntr_el0);
	WR(R_PMXEVTYPER, pmxevtyper_el0);
	WR(R_PMUSERENR, pmuserenr_el0);
	WR(R_PMEVCNTR0, pmevcntr0_el0);
	WR(R_PMEVCNTR1, pmevcntr1_el0);
	WR(R_PMEVCNTR2, pmevcntr2_el0);
	WR(R_PMEVCNTR3, pmevcntr3_el0);
	WR(R_PMEVCNTR4, pmevcntr4_el0);
	WR(R_PMEVCNTR5, pmevcntr5_el0);
	WR(R_PMEVTYPER0, pmevtyper0_el0);
	WR(R_PMEVTYPER1, pmevtyper1_el0);
	WR(R_PMEVTYPER2, pmevtyper2_el0);
	WR(R_PMEVTYPER3, pmevtyper3_el0);
	WR(R_PMEVTYPER4, pmevtyper4_el0);
	WR(R_PMEVTYPER5, pmevtyper5_el0);
	default:
		break;
	}
	/* Also orders a PMSELR_EL0 write before a PMXEV* access */
	isb();
}

/* EL2's own accesses: these never trap (an exception here is fatal) */
static u64 el2_rd(enum reg id)
{
	return reg_read(id);
}

static void el2_wr(enum reg id, u64 v)
{
	reg_write(id, v);
}

/* ------------------------------------------------------------------ */
/* Probes: one access from EL1 or EL0, with the exception it caused */

struct probe {
	int from_el;	/* EL the access was made at */
	int write;
	enum reg id;
	u64 wval;	/* value written */
	u64 value;	/* value read; meaningless if an exception was taken */
	u32 count;	/* number of exceptions taken during the access */
	u32 exc_el;	/* EL the (first) exception was taken to, 0 if none */
	u32 ec;
	u64 esr;
};

struct access {
	u64 id;
	u64 write;
	u64 val;
};

static u64 do_access(u64 arg)
{
	const struct access *a = (const struct access *)arg;

	if (a->write) {
		reg_write(a->id, a->val);
		return 0;
	}
	return reg_read(a->id);
}

/* Runs at EL1: do the access at EL0 */
static u64 el1_do_access_el0(u64 arg)
{
	return run_el0(do_access, arg);
}

static struct probe probe_access(int el, enum reg id, int write, u64 val)
{
	struct access a = { .id = id, .write = write, .val = val };
	struct probe r = {
		.from_el = el,
		.write = write,
		.id = id,
		.wval = val,
	};

	exc_clear();
	if (el == 1)
		r.value = run_el1(do_access, (u64)&a);
	else
		r.value = run_el1(el1_do_access_el0, (u64)&a);
	r.count = exc.count;
	if (r.count) {
		r.exc_el = exc.el;
		r.ec = exc.ec;
		r.esr = exc.esr;
	}
	return r;
}

static struct probe el1_read(enum reg id)
{
	return probe_access(1, id, 0, 0);
}

static struct probe el1_write(enum reg id, u64 val)
{
	return probe_access(1, id, 1, val);
}

static struct probe el0_read(enum reg id)
{
	return probe_access(0, id, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Cases and checks */

static int has_fgt;
static int has_hpmn0;
static u64 pmcr_n;

static const char *case_name;
static int case_failed;
static const char *case_skip;

static void fail_prefix(void)
{
	pr("# %s: ", case_name);
	case_failed = 1;
}

static void pr_access(const struct probe *r)
{
	if (r->write)
		pr("EL%d write %s = 0x%lx", r->from_el, reg_names[r->id],
		   r->wval);
	else
		pr("EL%d read %s", r->from_el, reg_names[r->id]);
}

static void pr_got(const struct probe *r)
{
	if (!r->count) {
		pr("no exception");
		if (!r->write) {
			if (reg_is_counter(r->id))
				pr(", value %lu", r->value);
			else
				pr(", value 0x%lx", r->value);
		}
		return;
	}
	pr("an exception taken to EL%u, EC 0x%02x, ESR 0x%lx", r->exc_el,
	   r->ec, r->esr);
	if (r->count > 1)
		pr(" (%u exceptions in total)", r->count);
}

/* The access must complete without any exception */
static int expect_ok(const struct probe *r)
{
	if (!r->count)
		return 1;
	fail_prefix();
	pr_access(r);
	pr(": expected no exception, got ");
	pr_got(r);
	pr("\n");
	return 0;
}

/*
 * The access must be refused: with FEAT_FGT a trap to EL2 (EC 0x18),
 * without FEAT_FGT an UNDEFINED exception taken to EL1 (EC 0x00).
 */
static int expect_trap(const struct probe *r)
{
	u32 want_el = has_fgt ? 2 : 1;
	u32 want_ec = has_fgt ? EC_SYS64 : EC_UNKNOWN;

	if (r->count == 1 && r->exc_el == want_el && r->ec == want_ec)
		return 1;
	fail_prefix();
	pr_access(r);
	if (has_fgt)
		pr(": expected a trap to EL2 (EC 0x18), got ");
	else
		pr(": expected an UNDEFINED exception taken to EL1 (EC 0x00), got ");
	pr_got(r);
	pr("\n");
	return 0;
}

/* A read probe must succeed and return @want */
static void expect_read(const struct probe *r, u64 want)
{
	if (!expect_ok(r) || r->value == want)
		return;
	fail_prefix();
	pr_access(r);
	if (reg_is_counter(r->id))
		pr(": expected %lu, got %lu\n", want, r->value);
	else
		pr(": expected 0x%lx, got 0x%lx\n", want, r->value);
}

static void expect_hex(const char *what, u64 got, u64 want)
{
	if (got == want)
		return;
	fail_prefix();
	pr("%s: expected 0x%lx, got 0x%lx\n", what, want, got);
}

static void expect_dec(const char *what, u64 got, u64 want)
{
	if (got == want)
		return;
	fail_prefix();
	pr("%s: expected %lu, got %lu\n", what, want, got);
}

/* A register as seen from EL2 must hold @want */
static void expect_el2(enum reg id, u64 want)
{
	u64 got = el2_rd(id);

	if (got == want)
		return;
	fail_prefix();
	if (reg_is_counter(id))
		pr("%s at EL2: expected %lu, got %lu\n", reg_names[id], want,
		   got);
	else
		pr("%s at EL2: expected 0x%lx, got 0x%lx\n", reg_names[id],
		   want, got);
}

static int ppi_pending(void)
{
	volatile u32 *ispendr0 = (volatile u32 *)GICR_ISPENDR0;

	isb();
	return (*ispendr0 >> PMU_PPI) & 1;
}

static void expect_ppi(const char *when, int want)
{
	int got = ppi_pending();

	if (got == want)
		return;
	fail_prefix();
	pr("%s: PMU overflow PPI %d (GICR_ISPENDR0 bit %d): expected %s, got %s\n",
	   when, PMU_PPI, PMU_PPI, want ? "pending" : "not pending",
	   got ? "pending" : "not pending");
}

static void set_mdcr(u64 hpmn, int hpme)
{
	/* TPM = TPMCR = 0: no coarse trap of PMU accesses */
	msr(mdcr_el2, (hpmn & MDCR_HPMN_MASK) | (hpme ? MDCR_HPME : 0));
	isb();
}

static void pmcr_set_e(int on)
{
	u64 v = el2_rd(R_PMCR) & ~(PMCR_P | PMCR_C);

	el2_wr(R_PMCR, on ? v | PMCR_E : v & ~PMCR_E);
}

/* Bring the PMU to a known state from EL2 before each case */
static void pmu_reset(void)
{
	int i;

	set_mdcr(HPMN, 1);
	el2_wr(R_PMCR, PMCR_LC);
	el2_wr(R_PMCNTENCLR, ALL_ONES);
	el2_wr(R_PMINTENCLR, ALL_ONES);
	el2_wr(R_PMOVSCLR, ALL_ONES);
	el2_wr(R_PMSELR, 0);
	el2_wr(R_PMUSERENR, 0);
	el2_wr(R_PMCCFILTR, 0);
	for (i = 0; i < 6; i++)
		el2_wr(R_PMEVTYPER(i), 0);
	el2_wr(R_PMCR, PMCR_LC | PMCR_C | PMCR_P);
}

/* Program counter @n to count SW_INCR, including at EL2 (NSH) */
static void setup_swinc_counter(int n, u64 value)
{
	el2_wr(R_PMEVTYPER(n), EVTYPER_NSH | EV_SW_INCR);
	el2_wr(R_PMEVCNTR(n), value);
}

/* 1 */
static void case_pmcr_n_el1(void)
{
	struct probe r = el1_read(R_PMCR);

	if (expect_ok(&r))
		expect_dec("PMCR_EL0.N read at EL1",
			   (r.value >> PMCR_N_SHIFT) & PMCR_N_MASK, HPMN);
}

/* 2 */
static void case_evcntr_read(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR5, 1000);
	r = el1_read(R_PMEVCNTR5);
	expect_trap(&r);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 3 */
static void case_evcntr_write(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR5, 1000);
	r = el1_write(R_PMEVCNTR5, 1234);
	expect_trap(&r);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 4 */
static void case_evtyper_read(void)
{
	struct probe r;

	el2_wr(R_PMEVTYPER5, EV_CPU_CYCLES);
	r = el1_read(R_PMEVTYPER5);
	expect_trap(&r);
	expect_el2(R_PMEVTYPER5, EV_CPU_CYCLES);
}

/* 5 */
static void case_evtyper_write(void)
{
	struct probe r;

	el2_wr(R_PMEVTYPER5, EV_CPU_CYCLES);
	r = el1_write(R_PMEVTYPER5, 0x08);
	expect_trap(&r);
	expect_el2(R_PMEVTYPER5, EV_CPU_CYCLES);
}

/* EL1 selects counter @sel; PMSELR_EL0 itself is always accessible */
static void el1_select(u64 sel)
{
	struct probe r = el1_write(R_PMSELR, sel);

	expect_ok(&r);
}

/* 6 */
static void case_xevcntr_read(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR5, 1000);
	el1_select(HOST_CTR);
	r = el1_read(R_PMXEVCNTR);
	expect_trap(&r);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 7 */
static void case_xevcntr_write(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR5, 1000);
	el1_select(HOST_CTR);
	r = el1_write(R_PMXEVCNTR, 1234);
	expect_trap(&r);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 8 */
static void case_xevtyper_read(void)
{
	struct probe r;

	el2_wr(R_PMEVTYPER5, EV_CPU_CYCLES);
	el1_select(HOST_CTR);
	r = el1_read(R_PMXEVTYPER);
	expect_trap(&r);
	expect_el2(R_PMEVTYPER5, EV_CPU_CYCLES);
}

/* 9 */
static void case_xevtyper_write(void)
{
	struct probe r;

	el2_wr(R_PMEVTYPER5, EV_CPU_CYCLES);
	el1_select(HOST_CTR);
	r = el1_write(R_PMXEVTYPER, 0x08);
	expect_trap(&r);
	expect_el2(R_PMEVTYPER5, EV_CPU_CYCLES);
}

/* 10 */
static void case_xevtyper_ccfiltr(void)
{
	const u64 filt = EVTYPER_P | EVTYPER_NSH;
	struct probe r;

	el2_wr(R_PMCCFILTR, filt);
	expect_el2(R_PMCCFILTR, filt);
	el1_select(CYCLE_CTR);
	r = el1_read(R_PMXEVTYPER);
	expect_read(&r, filt);
}

/* 11 */
static void case_guest_counter_access(void)
{
	struct probe r;

	r = el1_write(R_PMEVCNTR1, 77);
	expect_ok(&r);
	r = el1_read(R_PMEVCNTR1);
	expect_read(&r, 77);

	el1_select(GUEST_CTR);
	r = el1_write(R_PMXEVCNTR, 78);
	expect_ok(&r);
	r = el1_read(R_PMXEVCNTR);
	expect_read(&r, 78);
	expect_el2(R_PMEVCNTR1, 78);

	r = el1_write(R_PMEVTYPER1, EV_CPU_CYCLES);
	expect_ok(&r);
	r = el1_read(R_PMEVTYPER1);
	expect_read(&r, EV_CPU_CYCLES);

	r = el1_write(R_PMXEVTYPER, EVTYPER_NSH | EV_SW_INCR);
	expect_ok(&r);
	r = el1_read(R_PMXEVTYPER);
	expect_read(&r, EVTYPER_NSH | EV_SW_INCR);
	expect_el2(R_PMEVTYPER1, EVTYPER_NSH | EV_SW_INCR);
}

/*
 * The SET/CLR register pairs: EL1 must see and change only the bits of
 * the guest counters (0 and 1) and of the cycle counter (31).
 */
#define SET_BITS_EL2	(BIT(0) | BIT(HOST_CTR) | BIT(CYCLE_CTR))
#define GUEST_VISIBLE	(BIT(0) | BIT(CYCLE_CTR))
#define GUEST_ALL	(BIT(0) | BIT(1) | BIT(CYCLE_CTR))

static void check_set_read(enum reg set, enum reg clr)
{
	struct probe r;

	el2_wr(set, SET_BITS_EL2);
	r = el1_read(set);
	expect_read(&r, GUEST_VISIBLE);
	r = el1_read(clr);
	expect_read(&r, GUEST_VISIBLE);
	expect_el2(set, SET_BITS_EL2);
}

static void check_clr_write(enum reg set, enum reg clr)
{
	struct probe r;

	el2_wr(set, SET_BITS_EL2);
	r = el1_write(clr, ALL_ONES);
	expect_ok(&r);
	expect_el2(set, BIT(HOST_CTR));
}

static void check_set_write(enum reg set, enum reg clr)
{
	struct probe r;

	el2_wr(clr, ALL_ONES);
	r = el1_write(set, ALL_ONES);
	expect_ok(&r);
	expect_el2(set, GUEST_ALL);
}

/*
 * An EL2 PMSWINC of the host counter must advance it by one; otherwise
 * the checks that it was not advanced from EL1 prove nothing.
 */
static void check_host_counts(void)
{
	u64 before = el2_rd(R_PMEVCNTR5);
	u64 after;

	el2_wr(R_PMSWINC, BIT(HOST_CTR));
	after = el2_rd(R_PMEVCNTR5);
	if (after == before + 1)
		return;
	fail_prefix();
	pr("host counter 5 does not count: EL2 PMSWINC_EL0 bit 5 with PMEVTYPER5_EL0 = SW_INCR|NSH, PMCNTENSET bit 5, MDCR_EL2.HPME = 1: expected %lu, got %lu\n",
	   before + 1, after);
}

/* 21 */
static void case_swinc(void)
{
	struct probe r;

	setup_swinc_counter(HOST_CTR, 1000);
	setup_swinc_counter(GUEST_CTR, 10);
	el2_wr(R_PMCNTENSET, BIT(GUEST_CTR) | BIT(HOST_CTR));
	set_mdcr(HPMN, 1);
	pmcr_set_e(1);

	r = el1_write(R_PMSWINC, BIT(GUEST_CTR) | BIT(HOST_CTR));
	expect_ok(&r);
	expect_el2(R_PMEVCNTR1, 11);
	expect_el2(R_PMEVCNTR5, 1000);
	check_host_counts();
}

/* 22 */
static void case_pmcr_p(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR1, 1000);
	el2_wr(R_PMEVCNTR5, 1000);
	r = el1_read(R_PMCR);
	if (!expect_ok(&r))
		return;
	r = el1_write(R_PMCR, r.value | PMCR_P | PMCR_E);
	expect_ok(&r);
	expect_el2(R_PMEVCNTR1, 0);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 23 */
static void case_pmcr_e_clear_host_counts(void)
{
	struct probe r;

	setup_swinc_counter(HOST_CTR, 1000);
	el2_wr(R_PMCNTENSET, BIT(HOST_CTR));
	set_mdcr(HPMN, 1);
	pmcr_set_e(1);

	r = el1_read(R_PMCR);
	if (!expect_ok(&r))
		return;
	r = el1_write(R_PMCR, r.value & ~PMCR_E);
	expect_ok(&r);
	expect_hex("PMCR_EL0.E at EL2 after EL1 cleared it",
		   el2_rd(R_PMCR) & PMCR_E, 0);
	check_host_counts();
}

/* 24 */
static void case_irq_host_overflow_pmcr_e_clear(void)
{
	pmcr_set_e(0);
	set_mdcr(HPMN, 1);
	el2_wr(R_PMINTENSET, BIT(HOST_CTR));
	el2_wr(R_PMOVSSET, BIT(HOST_CTR));
	expect_ppi("PMCR_EL0.E = 0, MDCR_EL2.HPME = 1, counter 5 overflowed", 1);
}

/* 25 */
static void case_irq_host_overflow_hpme_clear(void)
{
	pmcr_set_e(1);
	set_mdcr(HPMN, 0);
	el2_wr(R_PMINTENSET, BIT(HOST_CTR));
	el2_wr(R_PMOVSSET, BIT(HOST_CTR));
	expect_ppi("PMCR_EL0.E = 1, MDCR_EL2.HPME = 0, counter 5 overflowed", 0);
}

/* 26 */
static void case_irq_pmcr_e_reevaluated(void)
{
	pmcr_set_e(0);
	el2_wr(R_PMINTENSET, BIT(GUEST_CTR));
	el2_wr(R_PMOVSSET, BIT(GUEST_CTR));
	expect_ppi("PMCR_EL0.E = 0, counter 1 overflowed", 0);
	pmcr_set_e(1);
	expect_ppi("after setting PMCR_EL0.E", 1);
	pmcr_set_e(0);
	expect_ppi("after clearing PMCR_EL0.E again", 0);
}

/* 27 */
static void case_irq_hpme_reevaluated(void)
{
	set_mdcr(HPMN, 0);
	el2_wr(R_PMINTENSET, BIT(HOST_CTR));
	el2_wr(R_PMOVSSET, BIT(HOST_CTR));
	expect_ppi("MDCR_EL2.HPME = 0, counter 5 overflowed", 0);
	set_mdcr(HPMN, 1);
	expect_ppi("after setting MDCR_EL2.HPME", 1);
	set_mdcr(HPMN, 0);
	expect_ppi("after clearing MDCR_EL2.HPME again", 0);
}

static void el1_enable_el0_access(void)
{
	struct probe r = el1_write(R_PMUSERENR, PMUSERENR_EN);

	expect_ok(&r);
}

/* 28 */
static void case_el0_evcntr_read(void)
{
	struct probe r;

	el2_wr(R_PMEVCNTR1, 55);
	el2_wr(R_PMEVCNTR5, 1000);
	el1_enable_el0_access();
	r = el0_read(R_PMEVCNTR1);
	expect_read(&r, 55);
	r = el0_read(R_PMEVCNTR5);
	expect_trap(&r);
	expect_el2(R_PMEVCNTR5, 1000);
}

/* 29 */
static void case_el0_cntenset_read(void)
{
	struct probe r;

	el2_wr(R_PMCNTENSET, BIT(0) | BIT(HOST_CTR));
	el1_enable_el0_access();
	r = el0_read(R_PMCNTENSET);
	expect_read(&r, BIT(0));
	expect_el2(R_PMCNTENSET, BIT(0) | BIT(HOST_CTR));
}

/* 30 */
static void case_hpmn0(void)
{
	struct probe r;

	if (!has_hpmn0) {
		case_skip = "no FEAT_HPMN0";
		return;
	}
	set_mdcr(0, 1);
	r = el1_read(R_PMCR);
	if (expect_ok(&r))
		expect_dec("PMCR_EL0.N read at EL1 with MDCR_EL2.HPMN = 0",
			   (r.value >> PMCR_N_SHIFT) & PMCR_N_MASK, 0);
	r = el1_read(R_PMEVCNTR0);
	expect_trap(&r);
	r = el1_read(R_PMCCNTR);
	expect_ok(&r);
	/* Only the cycle counter's bit is the guest's: an empty event mask */
	r = el1_write(R_PMCNTENSET, 0xffffffff);
	if (expect_ok(&r))
		expect_hex("PMCNTENSET_EL0 at EL2 after EL1 wrote all ones with HPMN = 0",
			   el2_rd(R_PMCNTENSET), 1UL << 31);
	set_mdcr(HPMN, 1);
}

/*
 * 32: without FEAT_HPMN0, HPMN = 0 is CONSTRAINED UNPREDICTABLE (Arm ARM,
 * MDCR_EL2.HPMN); the patched QEMU then behaves as if HPMN were PMCR.N,
 * one of the permitted choices and the one that shows software relying
 * on HPMN = 0 where it may not (KVM on a late CPU without the feature).
 * The kernel-side check runs with -cpu max,x-hpmn0-cpus=1 (max-latecpu).
 */
static void case_hpmn0_absent(void)
{
	struct probe r;

	if (has_hpmn0) {
		case_skip = "FEAT_HPMN0 implemented";
		return;
	}
	set_mdcr(0, 1);
	r = el1_read(R_PMCR);
	if (expect_ok(&r))
		expect_dec("PMCR_EL0.N read at EL1 with MDCR_EL2.HPMN = 0, no FEAT_HPMN0",
			   (r.value >> PMCR_N_SHIFT) & PMCR_N_MASK, pmcr_n);
	r = el1_read(R_PMEVCNTR0);
	expect_ok(&r);
	set_mdcr(HPMN, 1);
}

/* 31: an INST_RETIRED counter overflows while the CPU just runs */
static void case_inst_overflow(void)
{
	int i;

	if (!(mrs(pmceid0_el0) & BIT(EV_INST_RETIRED))) {
		case_skip = "INST_RETIRED not implemented (QEMU: only with -icount)";
		return;
	}
	/* 1000 instructions from wrapping, counted at EL2 (NSH) */
	el2_wr(R_PMEVTYPER(HOST_CTR), EVTYPER_NSH | EV_INST_RETIRED);
	el2_wr(R_PMEVCNTR(HOST_CTR), 0xffffffffUL - 999);
	el2_wr(R_PMINTENSET, BIT(HOST_CTR));
	el2_wr(R_PMCNTENSET, BIT(HOST_CTR));
	isb();
	/* ~30000 instructions, no exception, no PMU register access */
	for (i = 0; i < 10000; i++)
		asm volatile("nop");
	expect_hex("PMOVSSET_EL0 at EL2 after 30000 instructions, counter 5 1000 from wrapping",
		   el2_rd(R_PMOVSSET) & BIT(HOST_CTR), BIT(HOST_CTR));
	expect_ppi("counter 5 counting INST_RETIRED wrapped", 1);
	el2_wr(R_PMCNTENCLR, BIT(HOST_CTR));
}

/*
 * 33-36: chained counters (Arm ARM, "Chaining event counters"): the odd
 * counter of a pair counting CHAIN counts the overflows of the even one,
 * unless the overflow is a 64-bit one (PMCR.LP with FEAT_PMUv3p5) or the
 * pair straddles MDCR_EL2.HPMN. The counts below are exact: PMSWINC
 * written at EL2, to counters that count at EL2 (NSH).
 */
static void setup_chain(int even, u64 even_val, u64 odd_val)
{
	setup_swinc_counter(even, even_val);
	el2_wr(R_PMEVTYPER(even + 1), EVTYPER_NSH | EV_CHAIN);
	el2_wr(R_PMEVCNTR(even + 1), odd_val);
	el2_wr(R_PMCNTENSET, BIT(even) | BIT(even + 1));
	pmcr_set_e(1);
}

/* 33: the even counter wraps, the odd one counts it, then wraps too */
static void case_chain_swinc(void)
{
	if (!(mrs(pmceid0_el0) & BIT(EV_CHAIN))) {
		fail_prefix();
		pr("PMCEID0_EL0 bit %d (CHAIN) clear\n", EV_CHAIN);
		return;
	}
	setup_chain(0, 0xffffffffUL, 7);
	el2_wr(R_PMSWINC, BIT(0));
	expect_el2(R_PMEVCNTR1, 8);
	expect_hex("PMOVSSET_EL0 after counter 0 wrapped", el2_rd(R_PMOVSSET) & 3, BIT(0));

	el2_wr(R_PMOVSCLR, ALL_ONES);
	el2_wr(R_PMEVCNTR0, 0xffffffffUL);
	el2_wr(R_PMEVCNTR1, 0xffffffffUL);
	el2_wr(R_PMSWINC, BIT(0));
	expect_hex("PMEVCNTR1_EL0[31:0] after both wrapped", el2_rd(R_PMEVCNTR1) & ALL_ONES, 0);
	expect_hex("PMOVSSET_EL0 after both wrapped", el2_rd(R_PMOVSSET) & 3, 3);
}

/* 34: a 64-bit overflow (PMCR.LP, FEAT_PMUv3p5) does not chain */
static void case_chain_64bit(void)
{
	if (((mrs(id_aa64dfr0_el1) >> 8) & 0xf) < 6) {
		case_skip = "no FEAT_PMUv3p5";
		return;
	}
	setup_chain(0, ~0UL, 7);
	el2_wr(R_PMCR, el2_rd(R_PMCR) | PMCR_LP);
	el2_wr(R_PMSWINC, BIT(0));
	expect_el2(R_PMEVCNTR0, 0);
	expect_el2(R_PMEVCNTR1, 7);
	expect_hex("PMOVSSET_EL0 after a 64-bit wrap of counter 0", el2_rd(R_PMOVSSET) & 3, BIT(0));
}

/* 35: a pair that straddles HPMN (counter 2 the guest's, 3 the host's) */
static void case_chain_straddles_hpmn(void)
{
	set_mdcr(3, 1);
	setup_chain(2, 0xffffffffUL, 7);
	el2_wr(R_PMSWINC, BIT(2));
	expect_hex("PMOVSSET_EL0 after counter 2 wrapped", el2_rd(R_PMOVSSET) & BIT(2), BIT(2));
	expect_el2(R_PMEVCNTR3, 7);
	set_mdcr(HPMN, 1);
}

/* 36: an even counter of CPU_CYCLES wraps while the CPU runs: chained */
static void case_chain_counted(void)
{
	int i;

	el2_wr(R_PMEVTYPER(0), EVTYPER_NSH | EV_CPU_CYCLES);
	el2_wr(R_PMEVCNTR(0), 0xffffffffUL - 1000);
	el2_wr(R_PMEVTYPER(1), EVTYPER_NSH | EV_CHAIN);
	el2_wr(R_PMEVCNTR(1), 0);
	el2_wr(R_PMCNTENSET, BIT(0) | BIT(1));
	pmcr_set_e(1);
	for (i = 0; i < 100000; i++)
		asm volatile("nop");
	pmcr_set_e(0);
	expect_hex("PMOVSSET_EL0 bit 0 after counter 0 wrapped on CPU_CYCLES",
		   el2_rd(R_PMOVSSET) & BIT(0), BIT(0));
	expect_el2(R_PMEVCNTR1, 1);
}

/*
 * A32 code for AArch32 EL0: PMEVCNTR0 = r0, then r1 = PMEVCNTR0, and back
 * to EL1 (run_el0_a32())
 */
static const u32 a32_evcntr0_write[] __attribute__((aligned(8))) = {
	0xee0e0f18,	/* mcr p15, 0, r0, c14, c8, 0 */
	0xee1e1f18,	/* mrc p15, 0, r1, c14, c8, 0 */
	0xef000000,	/* svc #0 */
};

static u64 el1_a32_evcntr0_write(u64 val)
{
	return run_el0_a32(a32_evcntr0_write, val);
}

/*
 * 37: the AArch32 PMEVCNTR<n> is bits [31:0] of PMEVCNTR<n>_EL0: with
 * FEAT_PMUv3p5 a write from AArch32 EL0 keeps bits [63:32]
 */
static void case_a32_evcntr_write(void)
{
	if (((mrs(id_aa64dfr0_el1) >> 8) & 0xf) < 6) {
		case_skip = "no FEAT_PMUv3p5";
		return;
	}
	if ((mrs(id_aa64pfr0_el1) & 0xf) != 2) {
		case_skip = "no AArch32 at EL0";
		return;
	}
	el2_wr(R_PMEVCNTR0, 0x100000005UL);
	el2_wr(R_PMUSERENR, PMUSERENR_EN);
	expect_hex("PMEVCNTR0 read back at AArch32 EL0",
		   run_el1(el1_a32_evcntr0_write, 7), 7);
	expect_el2(R_PMEVCNTR0, 0x100000007UL);
}

/* The access must trap to EL2 with EC 0x18 (MDCR_EL2.TPM) */
static void expect_tpm_trap(const struct probe *r)
{
	if (r->count == 1 && r->exc_el == 2 && r->ec == EC_SYS64)
		return;
	fail_prefix();
	pr_access(r);
	pr(": expected a trap to EL2 (EC 0x18, MDCR_EL2.TPM), got ");
	pr_got(r);
	pr("\n");
}

/*
 * 38: PMUSERENR_EL0.ER, CR and SW enable EL0 reads of the event counters
 * and PMSELR_EL0, reads of the cycle counter and PMSWINC_EL0 writes in
 * place of EN, but MDCR_EL2.TPM still traps them to EL2 (DDI0487, the
 * accessibility pseudocode of PMEVCNTR<n>_EL0, PMCCNTR_EL0, PMSELR_EL0,
 * PMSWINC_EL0): a hypervisor that traps its guest's PMU sets them all.
 */
static void case_el0_enables_tpm(void)
{
	struct probe r;

	el2_wr(R_PMUSERENR, PMUSERENR_ER | PMUSERENR_CR | PMUSERENR_SW);
	msr(mdcr_el2, HPMN | MDCR_HPME | MDCR_TPM);
	isb();
	r = el0_read(R_PMEVCNTR0);
	expect_tpm_trap(&r);
	r = el0_read(R_PMSELR);
	expect_tpm_trap(&r);
	r = el0_read(R_PMCCNTR);
	expect_tpm_trap(&r);
	r = probe_access(0, R_PMSWINC, 1, BIT(0));
	expect_tpm_trap(&r);
}

static u64 el1_nothing(u64 arg)
{
	return arg;
}

/*
 * 39: a counter that counts at EL1 but not at EL2 keeps its value over
 * exception returns to EL1, while the PMU's overflow timer fires. QEMU
 * keeps a running counter as an offset from its event's count and
 * converts it at every change of Exception level (before and after); an
 * exception return releases the big lock between the two, so the timer
 * that reports a cycle counter's overflow could run in that window: it
 * then saw the counter running at EL1 with the offset of a stopped one,
 * and reset it to 0 with an overflow no event caused. The cycle counter
 * here (counter 5, at EL2) is set to wrap 2000 cycles on each time, so
 * the timer fires over and over; counter 1 counts SW_INCR, which nothing
 * writes, from 0xffffff00, so it must neither move nor overflow. The
 * loop runs for at most 4 s of CNTVCT_EL0 or 500000 exception returns.
 */
static void case_eret_overflow_timer(void)
{
	const u64 start = 0xffffff00UL, iters = 500000;
	u64 i, cnt = start, ovs = 0, deadline;

	deadline = mrs(cntvct_el0) + 4 * mrs(cntfrq_el0);
	el2_wr(R_PMEVTYPER(GUEST_CTR), EV_SW_INCR);
	el2_wr(R_PMEVCNTR(GUEST_CTR), start);
	el2_wr(R_PMEVTYPER(HOST_CTR), EVTYPER_NSH | EV_CPU_CYCLES);
	el2_wr(R_PMCNTENSET, BIT(GUEST_CTR) | BIT(HOST_CTR));
	pmcr_set_e(1);
	for (i = 0; i < iters && mrs(cntvct_el0) < deadline; i++) {
		el2_wr(R_PMEVCNTR(HOST_CTR), 0xffffffffUL - 2000);
		run_el1(el1_nothing, 0);
		cnt = el2_rd(R_PMEVCNTR(GUEST_CTR));
		ovs = el2_rd(R_PMOVSSET) & BIT(GUEST_CTR);
		if (cnt != start || ovs)
			break;
	}
	pmcr_set_e(0);
	pr("# eret_overflow_timer: %lu exception returns\n", i);
	expect_hex("PMEVCNTR1_EL0, counting SW_INCR at EL1 only, after the exception returns",
		   cnt, start);
	expect_hex("PMOVSSET_EL0 bit 1 after the exception returns", ovs, 0);
}

/*
 * Check that the probes see exceptions at all, through traps that do not
 * depend on HPMN: MDCR_EL2.TPM (to EL2, EC 0x18) from EL1 and EL0,
 * PMUSERENR_EL0.EN = 0 (to EL1, EC 0x18) from EL0, and an EL2 register
 * read at EL1 (UNDEFINED, to EL1, EC 0x00). Silent unless it fails.
 */
static int self_test_one(const struct probe *r, u32 want_el, u32 want_ec)
{
	if (r->count == 1 && r->exc_el == want_el && r->ec == want_ec)
		return 1;
	pr("# self-test: ");
	pr_access(r);
	pr(": expected an exception taken to EL%u (EC 0x%02x), got ", want_el,
	   want_ec);
	pr_got(r);
	pr("\n");
	return 0;
}

static int self_test(void)
{
	struct probe r;
	int ok = 1;

	pmu_reset();
	r = el0_read(R_PMCR);
	ok &= self_test_one(&r, 1, EC_SYS64);
	r = el1_read(R_MDCR_EL2);
	ok &= self_test_one(&r, 1, EC_UNKNOWN);
	msr(mdcr_el2, HPMN | MDCR_HPME | MDCR_TPM);
	isb();
	r = el1_read(R_PMCR);
	ok &= self_test_one(&r, 2, EC_SYS64);
	r = el1_write(R_PMUSERENR, PMUSERENR_EN);
	ok &= self_test_one(&r, 2, EC_SYS64);
	el2_wr(R_PMUSERENR, PMUSERENR_EN);
	r = el0_read(R_PMCR);
	ok &= self_test_one(&r, 2, EC_SYS64);
	pmu_reset();
	return ok;
}

/*
 * A case is a function, or a check of a SET/CLR register pair (pair, with
 * its two registers).
 */
struct test_case {
	const char *name;
	void (*fn)(void);
	void (*pair)(enum reg set, enum reg clr);
	enum reg set, clr;
};

#define CASE(n)			{ .name = #n, .fn = case_##n }
#define PAIR(n, check, s, c)	{ .name = n, .pair = check, .set = s, .clr = c }

static const struct test_case cases[] = {
	CASE(pmcr_n_el1),
	CASE(evcntr_read),
	CASE(evcntr_write),
	CASE(evtyper_read),
	CASE(evtyper_write),
	CASE(xevcntr_read),
	CASE(xevcntr_write),
	CASE(xevtyper_read),
	CASE(xevtyper_write),
	CASE(xevtyper_ccfiltr),
	CASE(guest_counter_access),
	PAIR("cntenset_read", check_set_read, R_PMCNTENSET, R_PMCNTENCLR),
	PAIR("cntenclr_write", check_clr_write, R_PMCNTENSET, R_PMCNTENCLR),
	PAIR("cntenset_write", check_set_write, R_PMCNTENSET, R_PMCNTENCLR),
	PAIR("intenset_read", check_set_read, R_PMINTENSET, R_PMINTENCLR),
	PAIR("intenclr_write", check_clr_write, R_PMINTENSET, R_PMINTENCLR),
	PAIR("intenset_write", check_set_write, R_PMINTENSET, R_PMINTENCLR),
	PAIR("ovsset_read", check_set_read, R_PMOVSSET, R_PMOVSCLR),
	PAIR("ovsclr_write", check_clr_write, R_PMOVSSET, R_PMOVSCLR),
	PAIR("ovsset_write", check_set_write, R_PMOVSSET, R_PMOVSCLR),
	CASE(swinc),
	CASE(pmcr_p),
	CASE(pmcr_e_clear_host_counts),
	CASE(irq_host_overflow_pmcr_e_clear),
	CASE(irq_host_overflow_hpme_clear),
	CASE(irq_pmcr_e_reevaluated),
	CASE(irq_hpme_reevaluated),
	CASE(el0_evcntr_read),
	CASE(el0_cntenset_read),
	CASE(hpmn0),
	CASE(inst_overflow),
	CASE(hpmn0_absent),
	CASE(chain_swinc),
	CASE(chain_64bit),
	CASE(chain_straddles_hpmn),
	CASE(chain_counted),
	CASE(a32_evcntr_write),
	CASE(el0_enables_tpm),
	CASE(eret_overflow_timer),
};

#define NR_CASES	((int)(sizeof(cases) / sizeof(cases[0])))

static void el2_init(void)
{
	u64 cptr;

	/* EL1 is AArch64, no VHE, no TGE, no stage 2, no traps to EL2 */
	msr(hcr_el2, HCR_RW);
	msr(hstr_el2, 0);
	msr(vttbr_el2, 0);
	cptr = mrs(cptr_el2) & ~(CPTR_TCPAC | CPTR_TTA | CPTR_TFP);
	msr(cptr_el2, cptr);
	msr(cnthctl_el2, 3);		/* EL1PCTEN | EL1PCEN */
	msr(cntvoff_el2, 0);
	msr(cpacr_el1, 3UL << 20);	/* FPEN: no FP traps at EL1/EL0 */

	if (has_fgt) {
		msr(s3_4_c3_c1_4, 0);	/* HDFGRTR_EL2 */
		msr(s3_4_c3_c1_5, 0);	/* HDFGWTR_EL2 */
		msr(s3_4_c1_c1_4, 0);	/* HFGRTR_EL2 */
		msr(s3_4_c1_c1_5, 0);	/* HFGWTR_EL2 */
		msr(s3_4_c1_c1_6, 0);	/* HFGITR_EL2 */
	}
	isb();
	pmu_reset();
}

void hpmn_main(void)
{
	int i, failed = 0;
	u64 midr = mrs(midr_el1);

	has_fgt = ((mrs(id_aa64mmfr0_el1) >> 56) & 0xf) != 0;
	has_hpmn0 = ((mrs(id_aa64dfr0_el1) >> 60) & 0xf) != 0;
	el2_init();
	pmcr_n = (el2_rd(R_PMCR) >> PMCR_N_SHIFT) & PMCR_N_MASK;

	pr("KTAP version 1\n");
	pr("# qemu-hpmn: MIDR 0x%lx FGT %d HPMN0 %d PMCR.N %lu HPMN %d\n",
	   midr, has_fgt, has_hpmn0, pmcr_n, HPMN);
	if (pmcr_n <= HOST_CTR) {
		pr("Bail out! PMCR_EL0.N = %lu, need at least %d counters\n",
		   pmcr_n, HOST_CTR + 1);
		harness_end(1);
		return;
	}
	if (!self_test()) {
		pr("Bail out! the exception probes do not work\n");
		harness_end(1);
		return;
	}
	pr("1..%d\n", NR_CASES);

	for (i = 0; i < NR_CASES; i++) {
		case_name = cases[i].name;
		case_failed = 0;
		case_skip = 0;
		pmu_reset();
		exc_clear();
		if (cases[i].pair)
			cases[i].pair(cases[i].set, cases[i].clr);
		else
			cases[i].fn();
		if (case_skip) {
			pr("ok %d %s # SKIP %s\n", i + 1, case_name, case_skip);
			continue;
		}
		if (case_failed)
			failed = 1;
		pr("%s %d %s\n", case_failed ? "not ok" : "ok", i + 1,
		   case_name);
	}
	pmu_reset();
	harness_end(failed);
}
