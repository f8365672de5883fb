// SPDX-License-Identifier: MIT
/*
 * The VMX instructions as software sees them (SDM Vol. 3C 30.3 "VMX Instructions", 30.2
 * "Conventions", 30.4 "VM Instruction Error Numbers"): each outcome -- VMsucceed,
 * VMfailInvalid (CF), VMfailValid (ZF and the error number in the VM-instruction error
 * field), #UD -- for a sequence of instructions.  Run bare, the processor executes them; run
 * under L0 (as an L1 hypervisor), L0 emulates them against vmcs12 (src/nested): the outcomes
 * must be the same.
 */
#include "guest.h"

#define MSR_VMX_BASIC 0x480
#define F_CF 1u
#define F_ZF 0x40u
#define VMCS_INSN_ERROR 0x4400
#define VMCS_GUEST_RIP 0x681e
#define VMCS_EXIT_REASON 0x4402

static u8 vmxon_region[4096] __attribute__((aligned(4096)));
static u8 vmcs_a[4096] __attribute__((aligned(4096)));
static u8 vmcs_bad[4096] __attribute__((aligned(4096)));

/* Each wrapper returns RFLAGS after the instruction (CF/ZF tell the outcome). */
#define VMX_PTR(name, insn)                                                                        \
	static u64 name(u64 pa)                                                                    \
	{                                                                                          \
		u64 f;                                                                             \
		__asm__ volatile(insn " %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); \
		return f;                                                                          \
	}
VMX_PTR(vmxon, "vmxon")
VMX_PTR(vmclear, "vmclear")
VMX_PTR(vmptrld, "vmptrld")

static u64 f_vmread(u64 enc, u64 *val)
{
	u64 f, v = 0;
	__asm__ volatile("vmread %2, %1; pushfq; pop %0" : "=r"(f), "+r"(v) : "r"(enc) : "cc");
	*val = v;
	return f;
}

static u64 f_vmwrite(u64 enc, u64 val)
{
	u64 f;
	__asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"(enc), "r"(val) : "cc");
	return f;
}

static u64 simple(int which)
{
	u64 f;
	if (which == 0)
		__asm__ volatile("vmxoff; pushfq; pop %0" : "=r"(f)::"cc");
	else if (which == 1)
		__asm__ volatile("vmlaunch; pushfq; pop %0" : "=r"(f)::"cc", "memory");
	else
		__asm__ volatile("vmresume; pushfq; pop %0" : "=r"(f)::"cc", "memory");
	return f;
}

static u64 vmptrst(u64 *pa)
{
	u64 f;
	__asm__ volatile("vmptrst %1; pushfq; pop %0" : "=r"(f), "=m"(*pa)::"cc");
	return f;
}

static u64 invept(u64 type)
{
	static u64 desc[2] __attribute__((aligned(16)));
	u64 f;
	__asm__ volatile("invept %1, %2; pushfq; pop %0" : "=r"(f) : "m"(desc), "r"(type) : "cc");
	return f;
}

static u32 insn_error(void)
{
	u64 e = 0;
	f_vmread(VMCS_INSN_ERROR, &e);
	return (u32)e;
}

static const char *outcome(u64 f)
{
	return (f & F_CF) ? "VMfailInvalid" : (f & F_ZF) ? "VMfailValid" : "VMsucceed";
}

static void expect_valid(u64 f, u32 err, const char *what)
{
	u32 e = (f & F_ZF) ? insn_error() : 0;
	report((f & (F_CF | F_ZF)) == F_ZF && e == err, "%s: %s, error %u (want VMfailValid %u)",
	       what, outcome(f), e, err);
}

static void expect(u64 f, u64 want, const char *what)
{
	report((f & (F_CF | F_ZF)) == want, "%s: %s", what, outcome(f));
}

static u64 ud_probe(void)
{
	return vmptrld((u64)vmcs_a);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u64 r;
	report(probe_call(ud_probe, &r) == 6, "VMPTRLD outside VMX operation: #UD");
	write_cr4(read_cr4() | BIT(13));
	u32 rev = (u32)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	*(u32 *)vmxon_region = rev ^ 1;
	expect(vmxon((u64)vmxon_region), F_CF, "VMXON, wrong revision");
	*(u32 *)vmxon_region = rev;
	expect(vmxon((u64)vmxon_region), 0, "VMXON");
	expect(vmxon((u64)vmxon_region), F_CF, "VMXON in VMX root, no current VMCS");
	u64 val;
	expect(f_vmread(VMCS_GUEST_RIP, &val), F_CF, "VMREAD without a current VMCS");
	expect(vmptrld((u64)vmcs_a + 8), F_CF, "VMPTRLD, misaligned (no current VMCS)");
	expect(vmptrld((u64)vmxon_region), F_CF, "VMPTRLD of the VMXON region");
	*(u32 *)vmcs_bad = rev ^ 2;
	expect(vmptrld((u64)vmcs_bad), F_CF, "VMPTRLD, wrong revision");
	*(u32 *)vmcs_a = rev;
	expect(vmclear((u64)vmcs_a), 0, "VMCLEAR");
	expect(vmptrld((u64)vmcs_a), 0, "VMPTRLD");
	u64 cur = 0;
	expect(vmptrst(&cur), 0, "VMPTRST");
	report(cur == (u64)vmcs_a, "VMPTRST stores the current VMCS (0x%lx)", cur);
	expect_valid(f_vmread(0x7777, &val), 12, "VMREAD of an unsupported field");
	/* A.6: with IA32_VMX_MISC[29] VMWRITE may write the VM-exit information fields too. */
	if (rdmsr(0x485) & BIT(29))
		expect(f_vmwrite(VMCS_EXIT_REASON, 1), 0, "VMWRITE of an exit-information field");
	else
		expect_valid(f_vmwrite(VMCS_EXIT_REASON, 1), 13, "VMWRITE of a read-only field");
	expect(f_vmwrite(VMCS_GUEST_RIP, 0x123456), 0, "VMWRITE guest RIP");
	expect(f_vmread(VMCS_GUEST_RIP, &val), 0, "VMREAD guest RIP");
	report(val == 0x123456, "VMREAD gives back 0x%lx", val);
	expect_valid(simple(2), 5, "VMRESUME of a clear VMCS");
	expect_valid(simple(1), 7, "VMLAUNCH with zero controls");
	expect_valid(vmptrld((u64)vmcs_a + 8), 9, "VMPTRLD, misaligned");
	expect_valid(vmptrld((u64)vmxon_region), 10, "VMPTRLD of the VMXON region");
	expect_valid(vmptrld((u64)vmcs_bad), 11, "VMPTRLD, wrong revision");
	expect_valid(vmclear((u64)vmxon_region), 3, "VMCLEAR of the VMXON region");
	expect_valid(invept(0), 28, "INVEPT type 0");
	expect_valid(vmxon((u64)vmxon_region), 15, "VMXON in VMX root");
	expect(simple(0), 0, "VMXOFF");
	report(probe_call(ud_probe, &r) == 6, "VMPTRLD after VMXOFF: #UD");
	return report_summary();
}
