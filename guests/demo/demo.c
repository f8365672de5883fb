// SPDX-License-Identifier: MIT
/*
 * The guest of `vmxsgx demo`, embedded in the vmxsgx binary: a few lines on the console, then
 * one of each kind of VM exit the L0 hypervisor handles for an ordinary guest.
 *
 *   console lines  REP OUTSB to the debug console: one I/O exit per line (string I/O is
 *                  emulated in batches), not one per character
 *   CPUID          exits unconditionally (SDM Vol. 3C 25.1.2 "Instructions That Cause VM Exits
 *                  Unconditionally")
 *   IN / OUT       unconditional I/O exiting (25.1.3 "Instructions That Cause VM Exits
 *                  Conditionally")
 *   MMIO           the test device's EPT entry has a reserved memory type: an EPT
 *                  misconfiguration (28.2.3.1 "EPT Misconfigurations") L0 emulates
 *   timer + HLT    HLT exits (HLT exiting); the timer's interrupt is injected by L0
 *                  (26.5.1 "Vectored-Event Injection") and wakes the guest
 * then the enclave scenario (the KVM change "Add basic handling of VM-Exit from SGX enclave"):
 *   EINIT          the signed test enclave is built; L0 intercepts ECREATE and EINIT and runs
 *                  them in VMX root operation (ENCLS exiting)
 *   timer          an enclave computation interrupted by the timer: a VM exit from enclave mode
 *                  (AEX first, RIP = AEP), the interrupt injected, the guest's handler, IRETQ to
 *                  the AEP, ERESUME; the result is still right
 *   MMIO           a load from the MMIO device inside the enclave: L0 refuses to emulate (the
 *                  enclave's code is unreadable) and injects #UD at the AEP
 *   RDRAND         hidden from the VM (--hide rdrand): RDRAND exiting, #UD at the AEP
 * Exits 0 when everything read back what it should, else 1.
 */
#include "guest.h"

#include "../enclave/mix.h"

#define TIMER_VEC 0x40
#define MMIO_VALUE 0x5678abcdu

static volatile unsigned fired;

/* A whole string in one REP OUTSB (DS:RSI, RCX bytes, port DX). */
static void say(const char *s)
{
	u64 n = strlen(s);
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(boot_info->console_port) : "memory");
}

static void on_timer(struct exc_frame *f)
{
	(void)f;
	fired++;
}

static bool do_cpuid(void)
{
	u32 r[4];
	char vendor[13];
	cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	char buf[80];
	snprintf(buf, sizeof(buf), "demo: CPUID leaf 0: vendor \"%s\", max leaf %u\n", vendor,
		 r[0]);
	say(buf);
	return r[0] > 0;
}

static bool do_port_io(void)
{
	u8 v = inb(boot_info->console_port);
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: IN from the console port read 0x%x", v);
	say(buf);
	outb(boot_info->console_port, '\n'); /* a single OUT ends the line */
	return v == 0xE9;
}

static bool do_mmio(void)
{
	volatile u32 *reg = (volatile u32 *)boot_info->mmio_test_base;
	reg[0] = MMIO_VALUE;
	u32 back = reg[0];
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: MMIO test device register 0 reads 0x%x\n", back);
	say(buf);
	return back == MMIO_VALUE;
}

static bool do_timer(void)
{
	idt_init();
	idt_set_handler(TIMER_VEC, on_timer);
	outb(boot_info->timer_port, TIMER_VEC);
	outl(boot_info->timer_port + VX_TIMER_DELAY_OFFSET, 1000);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: HLT woken by the timer (%u interrupt)\n", fired);
	say(buf);
	return fired == 1;
}

/* ---- the enclave scenario ---- */

extern const char enclave_sum_bundle[];
static u64 encl_tcs;
static volatile unsigned encl_ud, encl_irq;

static void on_enclave_ud(struct exc_frame *f)
{
	if (f->rip == (u64)vx_aep) {
		encl_ud++;
		vx_aep_fault = 1; /* the AEP runs the enclave's handler, then ERESUME */
	}
}

static void on_enclave_timer(struct exc_frame *f)
{
	if (f->rip == (u64)vx_aep)
		encl_irq++;
	if (encl_irq < 2) { /* once more, later in the same computation */
		outb(boot_info->timer_port, TIMER_VEC);
		outl(boot_info->timer_port + VX_TIMER_DELAY_OFFSET, 40000);
	}
}

static bool do_enclave(void)
{
	struct enclave e;
	char buf[96];
	long st = enclave_build(enclave_sum_bundle, &e);
	snprintf(buf, sizeof(buf), "demo: EINIT of the signed enclave: status %ld\n", st);
	say(buf);
	if (st)
		return false;
	encl_tcs = enclave_tcs(&e, 0);
	idt_set_handler(6, on_enclave_ud);
	idt_set_handler(TIMER_VEC, on_enclave_timer);
	outb(boot_info->timer_port, TIMER_VEC);
	outl(boot_info->timer_port + VX_TIMER_DELAY_OFFSET, 20000);
	u64 r = enclave_call(encl_tcs, 0, 12000, 0x202);
	bool ok = r == enclave_mix(12000) && encl_irq == 2;
	snprintf(buf, sizeof(buf), "demo: enclave computation interrupted %u times: %s\n", encl_irq,
		 r == enclave_mix(12000) ? "result right" : "RESULT WRONG");
	say(buf);
	r = enclave_call(encl_tcs, 3, boot_info->mmio_test_base, 0x2);
	snprintf(buf, sizeof(buf), "demo: MMIO inside the enclave: #UD at the AEP (%u)\n", encl_ud);
	say(buf);
	ok = ok && r == 0xfa17 && encl_ud == 1;
	r = enclave_call(encl_tcs, 7, 0, 0x2);
	snprintf(buf, sizeof(buf), "demo: hidden RDRAND inside the enclave: #UD at the AEP (%u)\n",
		 encl_ud);
	say(buf);
	ok = ok && r == 0xfa17 && encl_ud == 2;
	enclave_destroy(&e);
	return ok;
}

int main(struct vx_boot_info *bi)
{
	say("demo: hello from the demo guest\n");
	bool ok = do_cpuid();
	ok = do_port_io() && ok;
	ok = do_mmio() && ok;
	ok = do_timer() && ok;
	if (bi->epc_size)
		ok = do_enclave() && ok;
	say(ok ? "demo: all done, exiting with status 0\n" : "demo: something went wrong\n");
	return ok ? 0 : 1;
}
