// SPDX-License-Identifier: MIT
/*
 * The interrupt timer (DESIGN.md section 4): vector at timer_port, delay in retired
 * instructions at timer_port + 4.  It fires once, as an external interrupt, delivered when
 * RFLAGS.IF = 1; a HLT with the timer armed is woken by it.
 */
#include "guest.h"

#define VEC 0x40

static volatile unsigned fired;
static volatile u64 frame_rip, frame_cs;

static void on_timer(struct exc_frame *f)
{
	fired++;
	frame_rip = f->rip;
	frame_cs = f->cs;
}

static void arm(u8 vector, u32 delay)
{
	outb(boot_info->timer_port, vector);
	outl(boot_info->timer_port + 4, delay);
}

/* Counts 3-instruction iterations (inc, cmp, je) until the handler ran; IF = 1 inside. */
static u64 spin_until_fired(void)
{
	u64 n = 0;
	__asm__ volatile("sti\n"
			 "1: inc %0\n"
			 "cmpl $0, %1\n"
			 "je 1b\n"
			 "cli\n"
			 : "+r"(n)
			 : "m"(fired)
			 : "memory", "cc");
	return n;
}

static void test_delay(void)
{
	fired = 0;
	arm(VEC, 3000);
	u32 left = inl(boot_info->timer_port + 4);
	u8 vec = inb(boot_info->timer_port);
	u64 n = spin_until_fired(); /* nothing slow (printf) before this */
	report(left > 2900 && left <= 3000, "timer port + 4 reads the remaining delay (%u)", left);
	report(vec == VEC, "timer port reads the vector back");
	report(fired == 1, "the timer fired once");
	/* About 3000 instructions minus the few before the loop, 3 per iteration. */
	report(n > 950 && n <= 1000, "interrupt after ~3000 instructions (%lu iterations)", n);
	report(frame_cs == VX_SEL_CODE0, "delivered as an interrupt at CPL 0");
	/* Fires once: nothing more arrives. */
	sti();
	for (volatile int i = 0; i < 2000; i++)
		;
	cli();
	report(fired == 1, "no second interrupt");
}

static void test_masked_until_sti(void)
{
	fired = 0;
	arm(VEC, 5);
	for (volatile int i = 0; i < 100; i++)
		;
	report(fired == 0, "IF = 0: the interrupt waits");
	u64 n = spin_until_fired();
	report(fired == 1 && n == 1, "delivered right after STI's shadow (%lu iterations)", n);
}

static void test_hlt_wakeup(void)
{
	fired = 0;
	arm(VEC + 1, 1000000);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	report(fired == 1, "HLT woken by the timer");
	report(inl(boot_info->timer_port + 4) == 0, "timer disarmed after firing");
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	idt_set_handler(VEC, on_timer);
	idt_set_handler(VEC + 1, on_timer);
	test_delay();
	test_masked_until_sti();
	test_hlt_wakeup();
	return report_summary();
}
