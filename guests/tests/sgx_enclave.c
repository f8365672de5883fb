// SPDX-License-Identifier: MIT
/*
 * An enclave built, entered and interrupted (SDM Vol. 3D 39.1 "Constructing an Enclave",
 * ENCLU[EENTER]/[EEXIT]/[ERESUME], 40.3 "Asynchronous Enclave Exit"): the signed test enclave
 * (guests/enclave/sum.c) passes EINIT; a computation inside it returns what the same code
 * computes outside; the same computation interrupted again and again by the timer (each
 * interrupt an AEX to the guest's handler, whose IRETQ lands on the AEP, which runs ERESUME)
 * still returns the right value; the handler saw RIP = AEP and the synthetic registers.
 */
#include "guest.h"

#include "../enclave/mix.h"
#include "arch/sgx.h"

extern const char enclave_sum_bundle[];

#define VEC_TIMER 0x40
#define TIMER_DELAY 997

static volatile struct {
	unsigned n;
	bool rip_is_aep, cs_user;
	bool rearm;
} irq;

static void on_timer(struct exc_frame *f)
{
	irq.n++;
	irq.rip_is_aep = f->rip == (u64)vx_aep && (irq.n == 1 || irq.rip_is_aep);
	irq.cs_user = (f->cs & 3) == 3;
	if (irq.rearm) {
		outb(boot_info->timer_port, VEC_TIMER);
		outl(boot_info->timer_port + 4, TIMER_DELAY);
	}
}

static u64 enclave_tcs_addr;

static u64 call(u64 op, u64 n, u64 rflags)
{
	return enclave_call(enclave_tcs_addr, op, n, rflags);
}

int main(struct vx_boot_info *bi)
{
	idt_init();
	idt_set_handler(VEC_TIMER, on_timer);
	report(bi->epc_size && bi->epc_base == 0xC0000000ull, "EPC at 0x%lx, %lu KiB", bi->epc_base,
	       bi->epc_size >> 10);
	struct enclave e;
	u8 *b = (u8 *)enclave_sum_bundle;
	if (!sgx_lc_writable()) {
		/* --sgx-lc off: IA32_SGXLEPUBKEYHASH holds Intel's key hash, our signer is not it
		 * and the token is invalid: SGX_INVALID_EINIT_TOKEN (EINIT "Operation"). */
		long st = enclave_build(enclave_sum_bundle, &e);
		report(st == SGX_INVALID_EINIT_TOKEN, "without launch control: EINIT status %ld",
		       st);
		enclave_destroy(&e);
		return report_summary();
	}
	/* A flipped signature bit: SGX_INVALID_SIGNATURE; a flipped HEADER byte:
	 * SGX_INVALID_SIG_STRUCT; DEBUG cleared in the SECS while SIGSTRUCT.ATTRIBUTEMASK
	 * enforces it: SGX_INVALID_ATTRIBUTE. */
	static const struct {
		unsigned off;
		u8 bit;
		long want;
		const char *what;
	} bad[] = {
	    {4096 + 516 + 100, 0x10, SGX_INVALID_SIGNATURE, "a flipped signature bit"},
	    {4096 + 4, 0x01, SGX_INVALID_SIG_STRUCT, "a bad SIGSTRUCT header"},
	    {4096 + 960, 0x01, SGX_INVALID_SIGNATURE, "a changed ENCLAVEHASH (signed field)"},
	    {16, 0x02, SGX_INVALID_ATTRIBUTE, "DEBUG cleared in the SECS"},
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		b[bad[k].off] ^= bad[k].bit;
		long st = enclave_build(enclave_sum_bundle, &e);
		b[bad[k].off] ^= bad[k].bit;
		report(st == bad[k].want, "EINIT with %s: status %ld", bad[k].what, st);
		enclave_destroy(&e);
	}
	long st = enclave_build(enclave_sum_bundle, &e);
	report(st == 0, "EINIT of the signed test enclave: status %ld", st);
	if (st)
		return report_summary();
	enclave_tcs_addr = enclave_tcs(&e, 0);
	/* The EPC outside enclave mode (docs/decisions.md D53, abort-page semantics): reads all
	 * ones, writes dropped, the SECS untouched. */
	volatile u64 *secs = (volatile u64 *)e.secs;
	u64 before = secs[0];
	secs[0] = 0;
	report(before == ~0ull && secs[0] == ~0ull, "the EPC reads as all ones from outside");

	u64 want = enclave_mix(1000);
	report(call(0, 1000, 0x2) == want, "enclave computation returns what it computes outside");
	report(call(1, 0, 0x2) == 0, "EENTER passes CSSA 0 in RAX");
	report(call(2, 0, 0x2) == 1 && call(2, 0, 0x2) == 2, "enclave data persists across calls");

	want = enclave_mix(30000);
	irq.rearm = true;
	outb(bi->timer_port, VEC_TIMER);
	outl(bi->timer_port + 4, TIMER_DELAY);
	u64 got = call(0, 30000, 0x202); /* IF = 1 at CPL 3 */
	irq.rearm = false;
	report(irq.n >= 100, "the timer interrupted the enclave %u times", irq.n);
	report(got == want, "the interrupted computation is still right (0x%lx)", got);
	report(irq.rip_is_aep, "each interrupt frame holds RIP = AEP");
	report(irq.cs_user, "the interrupts were taken from CPL 3");
	report(call(1, 0, 0x2) == 0, "CSSA back to 0 after the ERESUMEs");
	enclave_destroy(&e);
	return report_summary();
}
