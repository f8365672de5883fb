// SPDX-License-Identifier: MIT
/*
 * Enclave exits with nested VMX (issue 6's tests; the KVM change: "pass both bits on to a
 * nested (L1) hypervisor"): this guest is an L1 hypervisor whose L2 builds the signed test
 * enclave and calls into it.
 *   - L1 sets PAUSE exiting: the enclave's PAUSE exits, L0 reflects the exit to L1, which sees
 *     exit reason 0x08000028, instruction length 0, interruptibility bit 4, RIP = the AEP; L1
 *     then clears PAUSE exiting and resumes L2, whose ERESUME re-executes the PAUSE;
 *   - the enclave's MMIO load: an EPT misconfiguration L0 owns; L0 refuses to emulate and
 *     injects #UD into L2 at the AEP (L1 sees nothing);
 *   - ENCLS from L2 routed by vmcs12's ENCLS-exiting bitmap (KVM checklist item 42): L1 asks
 *     for EREMOVE only, so ECREATE/EINIT stay L0's and the EREMOVEs of enclave_destroy are
 *     L1's (it executes them itself).
 * L1 handles L2's RDMSR/WRMSR by doing them itself (they exit to L0 in turn) and ends at L2's
 * HLT.  The trace shows each level (lvl L1/L2) and the nested_reflect records.
 */
#include "guest.h"

#include "arch/sgx_structs.h"
#include "arch/vmcs.h"
#include "arch/vmx.h"

extern const char enclave_sum_bundle[];

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 l2_stack[16384] __attribute__((aligned(16)));
static volatile unsigned l2_ud;
static volatile u64 l2_pause_result, l2_mmio_result;

static void l2_on_ud(struct exc_frame *f)
{
	if (f->rip == (u64)vx_aep) {
		l2_ud++;
		vx_aep_fault = 1;
	}
}

static void l2_main(void)
{
	struct enclave e;
	idt_set_handler(6, l2_on_ud);
	if (enclave_build(enclave_sum_bundle, &e) == 0) {
		u64 tcs = enclave_tcs(&e, 0);
		l2_pause_result = enclave_call(tcs, 8, 0, 0x2);
		l2_mmio_result = enclave_call(tcs, 3, boot_info->mmio_test_base, 0x2);
		enclave_destroy(&e);
	}
	__asm__ volatile("hlt");
	for (;;)
		;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	report(vmx_on() && vmx_load_vmcs(vmcs), "VMXON, VMPTRLD");
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8,
			PROC_HLT_EXITING | PROC_PAUSE_EXITING | BIT(31));
	/* ENCLS exiting with only EREMOVE (leaf 3) in the bitmap (24.6.16): L2's ECREATE/EINIT
	 * are not L1's (L0 keeps them), its EREMOVEs are (L1 runs them itself). */
	vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_ctl(4, BIT(15)));
	vmwrite(VMCS_ENCLS_EXITING_BITMAP, BIT(3));
	struct vmx_regs regs = {0};
	bool launch = true, done = false, pause_ok = false;
	unsigned pauses = 0, encls_exits = 0;
	for (unsigned exits = 0; exits < 200 && !done; exits++) {
		if (vmx_run(&regs, launch)) {
			report(false, "VM entry failed: error %lu",
			       vmread(VMCS_VM_INSTRUCTION_ERROR));
			break;
		}
		launch = false;
		u32 reason = (u32)vmread(VMCS_EXIT_REASON);
		u64 len = vmread(VMCS_VM_EXIT_INSTRUCTION_LEN), rip = vmread(VMCS_GUEST_RIP),
		    intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
		printf("L1: exit 0x%08x interruptibility 0x%lx length %lu rip 0x%lx\n", reason,
		       intr, len, rip);
		switch (reason & 0xffff) {
		case VMX_EXIT_MSR_READ: {
			u64 v = rdmsr((u32)regs.rcx);
			regs.rax = (u32)v;
			regs.rdx = v >> 32;
			vmwrite(VMCS_GUEST_RIP, rip + len);
			break;
		}
		case VMX_EXIT_MSR_WRITE:
			wrmsr((u32)regs.rcx, (regs.rdx << 32) | (u32)regs.rax);
			vmwrite(VMCS_GUEST_RIP, rip + len);
			break;
		case VMX_EXIT_PAUSE_INSTRUCTION:
			pauses++;
			pause_ok =
			    reason == 0x08000028 && len == 0 && (intr & 0x10) && rip == (u64)vx_aep;
			/* let the enclave's PAUSE run: ERESUME re-executes it (SDM 39.6.3) */
			vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
				vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL) & ~PROC_PAUSE_EXITING);
			break;
		case VMX_EXIT_ENCLS:
			encls_exits++;
			regs.rax = encls(regs.rax, regs.rbx, regs.rcx, regs.rdx);
			vmwrite(VMCS_GUEST_RIP, rip + len);
			break;
		case VMX_EXIT_HLT: done = true; break;
		default: report(false, "unexpected exit 0x%x", reason); done = true;
		}
	}
	report(pauses == 1 && pause_ok,
	       "the enclave's PAUSE reached L1 as 0x08000028, length 0, bit 4, RIP = AEP");
	report(l2_pause_result == 8, "ERESUME re-executed the PAUSE (result %lu)", l2_pause_result);
	report(l2_mmio_result == 0xfa17 && l2_ud == 1,
	       "the enclave's MMIO: #UD in L2 at the AEP, from L0 (0x%lx)", l2_mmio_result);
	report(encls_exits > 1, "L2's EREMOVEs reached L1 through its ENCLS-exiting bitmap (%u)",
	       encls_exits);
	report(done, "L2 ended with HLT");
	return report_summary();
}
