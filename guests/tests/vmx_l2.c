// SPDX-License-Identifier: MIT
/*
 * A guest that is a hypervisor: it runs an L2 function in VMX non-root operation (SDM Vol. 3C
 * 26 "VM Entries", 27 "VM Exits") and handles its exits: CPUID (emulated: RIP advanced by the
 * instruction length), HLT (the end).  L2's console output is not intercepted.  Every exit is
 * logged: raw exit reason, interruptibility, instruction length, guest RIP.  Run bare, the
 * processor does it all; run under L0, L0 runs L2 for it (nested VMX).
 */
#include "guest.h"

#define EXIT_CPUID 10
#define EXIT_HLT 12
#define PROC_HLT BIT(7)

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 l2_stack[8192] __attribute__((aligned(16)));

/* L2: three CPUIDs (their EAX summed), a line on the console, HLT. */
static void l2_main(void)
{
	u32 sum = 0;
	for (u32 k = 0; k < 3; k++) {
		u32 r[4];
		cpuid(k, 0, r);
		sum += r[0];
	}
	printf("L2: CPUID sum 0x%x\n", sum);
	__asm__ volatile("hlt");
	for (;;)
		;
}

/* L2 sets DR7 (G0: a breakpoint at linear address 0, never reached) and halts. */
static void l2_dr7(void)
{
	__asm__ volatile("mov %0, %%dr7; hlt" : : "r"(0x402ull));
	for (;;)
		;
}

/* Guest DR7 in the VMCS after L2's exit, with or without "save debug controls" (27.3.1). */
static u64 dr7_after_exit(bool save)
{
	struct vmx_regs regs = {0};
	if (!vmx_load_vmcs(vmcs))
		return ~0ull;
	vmx_setup_guest((u64)l2_dr7, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT);
	vmwrite(0x400c, vmx_ctl(2, BIT(9) | (save ? BIT(2) : 0))); /* exit controls */
	if (vmx_run(&regs, 1) || vmread(0x4402) != EXIT_HLT)
		return ~1ull;
	return vmread(0x681a);
}

/* L2 clears CR4.VMXE, a bit fixed to 1 in VMX operation (23.8) that L1 does not mask: #GP in
 * L2 without a VM exit to L1 (25.3); under L0, whose mask has the bit, the exit is L0's. */
static volatile int l2_cr4_vector = -2;

static u64 clear_vmxe(void)
{
	write_cr4(read_cr4() & ~BIT(13));
	return 0;
}

static void l2_cr4(void)
{
	u64 ret;
	l2_cr4_vector = probe_call(clear_vmxe, &ret);
	__asm__ volatile("hlt");
	for (;;)
		;
}

static void l2_spin(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static volatile u64 l2_tsc;

static void l2_rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	l2_tsc = (u64)hi << 32 | lo;
	__asm__ volatile("hlt");
	for (;;)
		;
}

static volatile u64 l2_seen_lstar;

static void l2_lstar(void)
{
	l2_seen_lstar = rdmsr(0xc0000082);
	__asm__ volatile("hlt");
	for (;;)
		;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init(); /* L2 shares L1's IDT: its #GP in the CR4 check is reported there */
	report(vmx_on(), "VMXON");
	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD");
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT);
	struct vmx_regs regs = {0};
	unsigned cpuids = 0, exits = 0;
	bool launch = true, halted = false;
	while (exits < 20) {
		u64 f = vmx_run(&regs, launch);
		if (f) {
			report(false, "VM entry failed: RFLAGS 0x%lx, error %lu", f & 0xfff,
			       vmread(0x4400));
			break;
		}
		launch = false;
		exits++;
		u32 reason = (u32)vmread(0x4402);
		u64 len = vmread(0x440c), rip = vmread(0x681e);
		printf("L1: exit 0x%08x interruptibility 0x%lx length %lu rip 0x%lx\n", reason,
		       vmread(0x4824), len, rip);
		if (reason == EXIT_CPUID) {
			cpuids++;
			regs.rax = 0x1000 + cpuids;
			regs.rbx = regs.rcx = regs.rdx = 0;
			vmwrite(0x681e, rip + len);
		} else if (reason == EXIT_HLT) {
			halted = true;
			break;
		} else {
			report(false, "unexpected exit 0x%x", reason);
			break;
		}
	}
	report(cpuids == 3, "three CPUID exits handled by L1 (%u)", cpuids);
	report(halted, "L2 ended with HLT");

	/* A VM-entry failure (26.3.1.4: RFLAGS bit 1 must be 1): exit reason 0x80000021,
	 * qualification 0, L1 back at its host RIP (vmx_run returns as after an exit). */
	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD again");
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT);
	vmwrite(0x6820, 0);
	u64 f = vmx_run(&regs, 1);
	report(f == 0 && vmread(0x4402) == 0x80000021 && vmread(0x6400) == 0,
	       "invalid guest RFLAGS: VM-entry failure 0x%lx", vmread(0x4402));

	/* The VM-exit MSR-load list (24.7.2, 27.6): at L2's exit the processor loads
	 * IA32_KERNEL_GS_BASE (C0000102H) for L1 from the list; the VM-entry MSR-load list loads
	 * IA32_LSTAR for L2, which L2 reads back. */
	static struct {
		u32 index, reserved;
		u64 value;
	} exit_list[1] __attribute__((aligned(16))), entry_list[1] __attribute__((aligned(16)));
	exit_list[0].index = 0xc0000102;
	exit_list[0].value = 0x123456789000ull;
	entry_list[0].index = 0xc0000082;
	entry_list[0].value = 0xffff800000abc000ull;
	wrmsr(0xc0000102, 0);
	u64 lstar = rdmsr(0xc0000082);
	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD for the MSR lists");
	static u8 msr_bitmap[4096] __attribute__((aligned(4096))); /* zeros: RDMSR native */
	vmx_setup_guest((u64)l2_lstar, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT | BIT(28));
	vmwrite(0x2004, (u64)msr_bitmap);
	vmwrite(0x2008, (u64)exit_list); /* VM-exit MSR-load address */
	vmwrite(0x4010, 1);
	vmwrite(0x200a, (u64)entry_list); /* VM-entry MSR-load address */
	vmwrite(0x4014, 1);
	f = vmx_run(&regs, 1);
	report(f == 0 && vmread(0x4402) == EXIT_HLT, "L2 ran with the lists (exit 0x%lx)",
	       vmread(0x4402));
	report(l2_seen_lstar == 0xffff800000abc000ull, "VM-entry list: L2 saw IA32_LSTAR 0x%lx",
	       l2_seen_lstar);
	report(rdmsr(0xc0000102) == 0x123456789000ull,
	       "VM-exit list: L1 has IA32_KERNEL_GS_BASE 0x%lx", rdmsr(0xc0000102));
	wrmsr(0xc0000082, lstar);

	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD for CR4");
	vmx_setup_guest((u64)l2_cr4, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT);
	f = vmx_run(&regs, 1);
	report(f == 0 && vmread(0x4402) == EXIT_HLT && l2_cr4_vector == 13,
	       "L2 clearing CR4.VMXE: #GP in L2 (vector %d), L1's next exit HLT (0x%lx)",
	       l2_cr4_vector, vmread(0x4402));

	/* The VMX-preemption timer (25.5.1): L2 spins; the timer, loaded with 3 at VM entry,
	 * expires (exit reason 52); "save VMX-preemption timer value" stores 0 (27.3.4). */
	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD for the preemption timer");
	vmx_setup_guest((u64)l2_spin, (u64)l2_stack + sizeof(l2_stack) - 8, PROC_HLT);
	vmwrite(0x4000, vmx_ctl(0, BIT(6)));
	vmwrite(0x400c, vmx_ctl(2, BIT(9) | BIT(22)));
	vmwrite(0x482e, 3);
	f = vmx_run(&regs, 1);
	report(f == 0 && vmread(0x4402) == 52 && vmread(0x482e) == 0,
	       "VMX-preemption timer: exit 0x%lx, saved value %lu", vmread(0x4402), vmread(0x482e));

	/* Controls L0 itself does not use reach vmcs02 with vmcs12's values: "use TSC
	 * offsetting" (25.3 RDTSC: TSC + offset) with "enable VPID" (VPID 1) for L2. */
	report(vmx_load_vmcs(vmcs), "VMCLEAR + VMPTRLD for TSC offsetting and VPID");
	vmx_setup_guest((u64)l2_rdtsc, (u64)l2_stack + sizeof(l2_stack) - 8,
			PROC_HLT | BIT(3) | BIT(31));
	vmwrite(0x401e, vmx_ctl(4, BIT(5))); /* enable VPID */
	vmwrite(0x0000, 1);                  /* VPID */
	vmwrite(0x2010, 1ull << 40);         /* TSC offset */
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	u64 t0 = (u64)hi << 32 | lo;
	f = vmx_run(&regs, 1);
	report(f == 0 && vmread(0x4402) == EXIT_HLT && l2_tsc - t0 >= (1ull << 40) &&
		   l2_tsc - t0 < (1ull << 40) + 1000000,
	       "L2's RDTSC includes L1's TSC offset (0x%lx over L1's)", l2_tsc - t0);

	/* 27.3.1: DR7 is saved into the guest-state area only with "save debug controls" */
	u64 kept = dr7_after_exit(false), saved = dr7_after_exit(true);
	report(kept == 0x400 && saved == 0x402,
	       "guest DR7 after the exit: 0x%lx without \"save debug controls\", 0x%lx with it",
	       kept, saved);
	return report_summary();
}
