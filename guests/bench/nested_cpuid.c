// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: an L1 hypervisor whose L2 executes N CPUIDs (N = --guest-args, default
 * 100,000); L1 handles each exit (RIP + length) and resumes L2.  Under L0 each CPUID is an
 * L2 -> L0 -> L1 -> L0 -> L2 round trip (nested VMX); `vmxsgx bench` divides the run by N.
 */
#include "guest.h"

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 l2_stack[8192] __attribute__((aligned(16)));
static u64 count;

static void l2_main(void)
{
	u32 r[4];
	for (u64 k = 0; k < count; k++)
		cpuid(0, 0, r);
	__asm__ volatile("hlt");
	for (;;)
		;
}

int main(struct vx_boot_info *bi)
{
	for (const char *p = (const char *)bi->cmdline; p && *p >= '0' && *p <= '9'; p++)
		count = count * 10 + (u64)(*p - '0');
	if (!count)
		count = 100000;
	if (!vmx_on() || !vmx_load_vmcs(vmcs))
		return 1;
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8, BIT(7));
	struct vmx_regs regs = {0};
	u64 cpuids = 0;
	for (bool launch = true;; launch = false) {
		if (vmx_run(&regs, launch))
			return 2;
		u32 reason = (u32)vmread(0x4402);
		if (reason != 10)
			break;
		cpuids++;
		vmwrite(0x681e, vmread(0x681e) + vmread(0x440c));
	}
	printf("nested_cpuid: %lu CPUID exits handled by L1\n", (unsigned long)cpuids);
	return cpuids == count ? 0 : 3;
}
