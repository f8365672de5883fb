// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: an enclave computation of N steps (N = --guest-args, default 200,000)
 * interrupted every P retired instructions by the timer when the argument goes on with 'i'
 * and P (default 1,000; "2000000i100") (each interrupt: AEX, the guest's handler at CPL 0,
 * IRETQ to the AEP, ERESUME).  Prints
 * the number of interrupts; `vmxsgx bench` times the run with and without them.
 * Needs --sgx sgx2 --sgx-lc on.
 */
#include "guest.h"

extern const char enclave_sum_bundle[];

#define VEC 0x40
#define PERIOD 1000

static u64 tcs, steps;
static volatile unsigned irqs;
static volatile bool rearm;
static u32 period = PERIOD;
static u8 ustack[16384] __attribute__((aligned(16)));

static void on_timer(struct exc_frame *f)
{
	(void)f;
	irqs++;
	if (rearm) {
		outb(boot_info->timer_port, VEC);
		outl(boot_info->timer_port + VX_TIMER_DELAY_OFFSET, period);
	}
}

static u64 compute(u64 unused)
{
	(void)unused;
	return enclave_enter(tcs, 0, steps);
}

int main(struct vx_boot_info *bi)
{
	const char *p = (const char *)bi->cmdline;
	u64 n = 0;
	while (p && *p >= '0' && *p <= '9')
		n = n * 10 + (u64)(*p++ - '0');
	steps = n ? n : 200000;
	bool interrupt = p && *p == 'i';
	if (interrupt) {
		u32 k = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			k = k * 10 + (u32)(*p - '0');
		period = k ? k : PERIOD;
	}
	idt_init();
	idt_set_handler(VEC, on_timer);
	struct enclave e;
	if (enclave_build(enclave_sum_bundle, &e))
		return 1;
	tcs = enclave_tcs(&e, 0);
	if (interrupt) {
		rearm = true;
		outb(bi->timer_port, VEC);
		outl(bi->timer_port + VX_TIMER_DELAY_OFFSET, period);
	}
	run_user(compute, 0, (u64)ustack + sizeof(ustack), 0x202, USER_EXIT_INT);
	rearm = false;
	printf("sgx_aex: %u interrupts\n", irqs);
	return 0;
}
