// SPDX-License-Identifier: MIT
/*
 * VMX helpers for an L1 hypervisor written on the guest runtime (DESIGN.md section 4): VMXON,
 * a VMCS for a 64-bit guest that shares the hypervisor's paging and segments, VMREAD/VMWRITE,
 * and the entry/exit of vmx_guest.S.  SDM Vol. 3C 23.7 "Enabling and Entering VMX Operation",
 * 24 "Virtual Machine Control Structures", 26.2/26.3 (what VM entry checks), Appendix A (the
 * capability MSRs that give each control's allowed 0 and 1 settings).
 */
#include "guest.h"

#include "arch/vmcs.h"

#define MSR_VMX_BASIC 0x480
#define MSR_VMX_TRUE_PIN 0x48d

static u8 vmxon_region[4096] __attribute__((aligned(4096)));

u64 vmread(u64 enc)
{
	u64 v = 0;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(enc) : "cc");
	return v;
}

bool vmwrite(u64 enc, u64 v)
{
	u8 fail;
	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=r"(fail) : "r"(enc), "r"(v) : "cc");
	return !fail;
}

static u32 revision(void)
{
	return (u32)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
}

bool vmx_on(void)
{
	write_cr4(read_cr4() | BIT(13));
	*(u32 *)vmxon_region = revision();
	u64 pa = (u64)vmxon_region;
	u8 fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

bool vmx_load_vmcs(void *region)
{
	*(u32 *)region = revision();
	u64 pa = (u64)region;
	u8 fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		return false;
	__asm__ volatile("vmptrld %1; setbe %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

/* A control: `want` adjusted to the capability MSR (A.3-A.5: bits 31:0 allowed 0-settings,
 * 63:32 allowed 1-settings), using the TRUE_ MSRs (48DH..490H) when IA32_VMX_BASIC[55]. */
static u32 ctl(unsigned which, u32 want)
{
	bool true_msrs = rdmsr(MSR_VMX_BASIC) & BIT(55);
	/* secondary controls (which 4): IA32_VMX_PROCBASED_CTLS2 (48BH), no TRUE_ form */
	u64 cap = which == 4 ? rdmsr(0x48b) : rdmsr((true_msrs ? MSR_VMX_TRUE_PIN : 0x481) + which);
	return (want | (u32)cap) & (u32)(cap >> 32);
}

u32 vmx_ctl(unsigned which, u32 want)
{
	return ctl(which, want);
}

static void seg(unsigned n, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmwrite(VMCS_GUEST_ES_SELECTOR + 2 * n, sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * n, base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * n, limit);
	vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * n, ar);
}

static void host_state(void)
{
	struct dtr64 g, i;
	sgdt(&g);
	sidt(&i);
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_ES_SELECTOR, VX_SEL_DATA0); /* ES */
	vmwrite(VMCS_HOST_CS_SELECTOR, VX_SEL_CODE0); /* CS */
	vmwrite(VMCS_HOST_SS_SELECTOR, VX_SEL_DATA0); /* SS */
	vmwrite(VMCS_HOST_DS_SELECTOR, VX_SEL_DATA0); /* DS */
	vmwrite(VMCS_HOST_FS_SELECTOR, VX_SEL_DATA0); /* FS */
	vmwrite(VMCS_HOST_GS_SELECTOR, VX_SEL_DATA0); /* GS */
	vmwrite(VMCS_HOST_TR_SELECTOR, VX_SEL_TSS);   /* TR */
	vmwrite(VMCS_HOST_FS_BASE, 0);                /* FS base */
	vmwrite(VMCS_HOST_GS_BASE, 0);                /* GS base */
	vmwrite(VMCS_HOST_TR_BASE, VX_BOOT_TSS_ADDR);
	vmwrite(VMCS_HOST_GDTR_BASE, g.base);
	vmwrite(VMCS_HOST_IDTR_BASE, i.base);
	vmwrite(VMCS_HOST_IA32_SYSENTER_CS, 0); /* SYSENTER_CS */
	vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, 0);
}

void vmx_setup_guest(u64 rip, u64 rsp, u32 proc_want)
{
	vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, ctl(0, 0));         /* pin-based */
	vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, ctl(1, proc_want)); /* primary processor-based */
	vmwrite(VMCS_VM_EXIT_CONTROLS, ctl(2, BIT(9)));             /* exit: host address space */
	vmwrite(VMCS_VM_ENTRY_CONTROLS, ctl(3, BIT(9)));            /* entry: IA-32e mode guest */
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);                          /* exception bitmap */
	vmwrite(VMCS_VMCS_LINK_POINTER, ~0ull);                     /* VMCS link pointer */
	host_state();
	struct dtr64 g, i;
	sgdt(&g);
	sidt(&i);
	vmwrite(VMCS_GUEST_CR0, read_cr0());
	vmwrite(VMCS_GUEST_CR3, read_cr3());
	vmwrite(VMCS_GUEST_CR4, read_cr4());
	vmwrite(VMCS_GUEST_DR7, 0x400); /* DR7 */
	vmwrite(VMCS_GUEST_RSP, rsp);
	vmwrite(VMCS_GUEST_RIP, rip);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	for (unsigned s = 0; s < 6; s++)
		if (s == 1)
			seg(s, VX_SEL_CODE0, 0, 0xffffffff, 0xa09b);
		else
			seg(s, VX_SEL_DATA0, 0, 0xffffffff, 0xc093);
	seg(6, 0, 0, 0, 0x10000); /* LDTR unusable */
	seg(7, VX_SEL_TSS, VX_BOOT_TSS_ADDR, VX_BOOT_TSS_SIZE - 1, 0x8b);
	vmwrite(VMCS_GUEST_GDTR_BASE, g.base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, g.limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, i.base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, i.limit);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);         /* IA32_DEBUGCTL */
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0); /* interruptibility */
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);        /* activity: active */
}
