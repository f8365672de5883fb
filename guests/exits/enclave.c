// SPDX-License-Identifier: MIT
/*
 * VM exits from inside an enclave under L0 (the KVM change "Add basic handling of VM-Exit from
 * SGX enclave"; SDM Vol. 3C 27.2 with Vol. 3D 40.3 "Asynchronous Enclave Exit"):
 *   - an enclave load from the MMIO test device: EPT misconfiguration from enclave mode (raw
 *     0x08000031, length 0, guest-physical address bits 11:0 cleared, RIP = AEP); L0 refuses to
 *     emulate (RIP is the AEP, the enclave's code is unreadable) and injects #UD;
 *   - RDRAND hidden from the VM (--hide rdrand): the RDRAND exit from enclave mode (raw
 *     0x08000039), #UD injected, nothing skipped;
 *   - CPUID inside an enclave: #UD before any VM-exit check (Table 39-1): no CPUID exit;
 *   - the timer: VMX-preemption-timer exits from enclave mode (raw 0x08000034).
 * Each #UD reaches the guest with RIP = AEP; the AEP runs the enclave's handler, which reads
 * SSA.EXITINFO and makes ERESUME finish the call (0xfa17).
 */
#include "guest.h"

#include "arch/sgx.h"
#include "arch/sgx_structs.h"

extern const char enclave_sum_bundle[];

static u64 tcs;
static volatile unsigned ud_at_aep, ud_other;

static void on_ud(struct exc_frame *f)
{
	if (f->rip == (u64)vx_aep) {
		ud_at_aep++;
		vx_aep_fault = 1;
	} else {
		ud_other++;
		f->rip += 2; /* not expected: step over and let the report fail */
	}
}

static volatile unsigned timer_hits;
static volatile bool timer_at_aep;

static void on_timer(struct exc_frame *f)
{
	timer_hits++;
	timer_at_aep = f->rip == (u64)vx_aep;
}

static u64 call(u64 op, u64 n, u64 rflags)
{
	return enclave_call(tcs, op, n, rflags);
}

static u64 exitinfo(void)
{
	return call(6, 0, 0x2);
}

int main(struct vx_boot_info *bi)
{
	idt_init();
	idt_set_handler(6, on_ud);
	struct enclave e;
	long st = enclave_build(enclave_sum_bundle, &e);
	report(st == 0, "EINIT under L0: status %ld", st);
	if (st)
		return report_summary();
	tcs = enclave_tcs(&e, 0);

	u64 r = call(3, bi->mmio_test_base + 0x10, 0x2);
	report(r == 0xfa17 && ud_at_aep == 1, "MMIO from the enclave: #UD at the AEP (0x%lx)", r);
	report(exitinfo() == 0, "SSA.EXITINFO of a VM-exit AEX is not valid");

	/* A guest-physical address with no RAM or device: an EPT violation from enclave mode on
	 * an address L0 would emulate ("no device answers"): #UD as well (checklist item 11). */
	r = call(3, 0xf0000123, 0x2);
	report(r == 0xfa17 && ud_at_aep == 2, "unbacked address from the enclave: #UD at the AEP");

	r = call(7, 0, 0x2);
	report(r == 0xfa17 && ud_at_aep == 3, "hidden RDRAND in the enclave: #UD at the AEP");

	r = call(4, 0, 0x2);
	u64 info = exitinfo();
	report(r == 0xfa17 && ud_at_aep == 4, "CPUID in the enclave: #UD at the AEP");
	report(info == (SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_HW << 8 | 6),
	       "SSA.EXITINFO of the #UD: 0x%lx", info);

	r = call(5, 0, 0x2);
	report(r == 0xfa17 && ud_at_aep == 5, "INT3 in an opt-out enclave: #UD at the AEP");
	report(call(8, 0, 0x2) == 8, "PAUSE in the enclave: no exit (L0 never sets PAUSE exiting)");
	report(call(1, 0, 0x2) == 0, "CSSA back to 0 after the handled faults");
	report(ud_other == 0, "no #UD anywhere but at the AEP");

	/* The timer during an enclave computation: L0 stops the guest at the deadline with the
	 * VMX-preemption timer, an exit from enclave mode; the interrupt L0 then injects is an
	 * AEX-interrupted enclave's external interrupt (handler at CPL 0, IRETQ to the AEP). */
	idt_set_handler(0x40, on_timer);
	outb(bi->timer_port, 0x40);
	outl(bi->timer_port + 4, 5000);
	call(0, 20000, 0x202);
	report(timer_hits == 1 && timer_at_aep, "timer interrupt taken at the AEP");
	enclave_destroy(&e);
	return report_summary();
}
