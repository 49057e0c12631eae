// SPDX-License-Identifier: GPL-2.0
/*
 * pmu-info - what KVM on this host offers a guest's PMU, as key=value lines.
 *
 * Creates a VM with one vCPU that has KVM_ARM_VCPU_PMU_V3 and reads the
 * guest's view through KVM_GET_ONE_REG: PMUVer from ID_AA64DFR0_EL1 and
 * PMCR_EL0.N.  Also reports whether the kernel knows the vCPU attribute
 * that enables the partitioned PMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#define SYS_REG(op0, op1, crn, crm, op2)				\
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |	\
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |		\
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |		\
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |		\
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |		\
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

#define ID_AA64DFR0_EL1	SYS_REG(3, 0, 0, 5, 0)
#define PMCR_EL0	SYS_REG(3, 3, 9, 12, 0)

static const char *pmuver_name(unsigned int v)
{
	switch (v) {
	case 0: return "none";
	case 1: return "PMUv3";
	case 4: return "PMUv3p1";
	case 5: return "PMUv3p4";
	case 6: return "PMUv3p5";
	case 7: return "PMUv3p7";
	case 8: return "PMUv3p8";
	case 9: return "PMUv3p9";
	case 15: return "IMPDEF";
	default: return "unknown";
	}
}

static int get_reg(int vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return ioctl(vcpu, KVM_GET_ONE_REG, &reg);
}

/* Whether the partitioned PMU can be enabled on this vCPU, and if not why. */
static void partitioning(int vcpu)
{
#ifdef KVM_ARM_VCPU_PMU_V3_ENABLE_PARTITION
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = KVM_ARM_VCPU_PMU_V3_ENABLE_PARTITION,
	};

	if (!ioctl(vcpu, KVM_HAS_DEVICE_ATTR, &attr))
		printf("partitioning=yes\n");
	else
		printf("partitioning=no (%s)\n", strerror(errno));
#else
	(void)vcpu;
	printf("partitioning=no (this kernel has no partitioned PMU)\n");
#endif
}

int main(void)
{
	struct kvm_vcpu_init init;
	uint64_t dfr0, pmcr;
	int kvm, vm, vcpu;

	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0) {
		printf("kvm=unavailable (%s)\n", strerror(errno));
		return 0;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0 || ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init)) {
		printf("kvm=broken (%s)\n", strerror(errno));
		return 1;
	}
	printf("kvm_pmu_v3=%s\n",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0 ? "yes" : "no");
	init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init)) {
		printf("guest_pmu=none (vcpu init: %s)\n", strerror(errno));
		return 0;
	}
	if (get_reg(vcpu, ID_AA64DFR0_EL1, &dfr0) || get_reg(vcpu, PMCR_EL0, &pmcr)) {
		printf("guest_pmu=unreadable (%s)\n", strerror(errno));
		return 1;
	}
	printf("guest_pmu_version=%s\n", pmuver_name((dfr0 >> 8) & 0xf));
	printf("guest_pmu_counters=%u\n", (unsigned int)(pmcr >> 11) & 0x1f);
	partitioning(vcpu);
	return 0;
}
