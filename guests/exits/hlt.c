// SPDX-License-Identifier: MIT
/*
 * HLT (basic reason 12, "HLT exiting" set by L0; SDM Vol. 3C 25.1.3): qualification cleared
 * (27.2.1), length 1 (F4, 27.2.5), RIP of the HLT.  The guest-interruptibility state is saved
 * as it was before the HLT (27.3.4 "Saving Non-Register State"): a HLT right after STI is in the
 * STI shadow (bit 0, blocking by STI), a HLT after STI; NOP is not.  L0 skips the HLT and, with
 * the interrupt timer armed and IF = 1, fires the timer at once: the interrupt is injected and
 * delivered with the return address after the HLT.  Labels hlt_at_* mark the HLTs.
 */
#include "guest.h"

#define VEC 0x40

static volatile unsigned fired;
static volatile u64 frame_rip;

static void on_timer(struct exc_frame *f)
{
	fired++;
	frame_rip = f->rip;
}

void hlt_shadow(void);
void hlt_plain(void);
__asm__(".text\n"
	".globl hlt_shadow\nhlt_shadow:\n"
	"sti\n"
	".globl hlt_at_shadow\nhlt_at_shadow:\n"
	"hlt\n"
	"cli\nret\n"
	".globl hlt_plain\nhlt_plain:\n"
	"sti\nnop\n"
	".globl hlt_at_plain\nhlt_at_plain:\n"
	"hlt\n"
	"cli\nret\n");

extern char hlt_at_shadow[], hlt_at_plain[];

static void arm(u32 delay)
{
	outb(boot_info->timer_port, VEC);
	outl(boot_info->timer_port + 4, delay);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	idt_set_handler(VEC, on_timer);
	arm(1000000);
	hlt_shadow();
	report(fired == 1 && frame_rip == (u64)hlt_at_shadow + 1,
	       "STI; HLT woken by the timer, interrupt after the HLT (rip 0x%lx)", frame_rip);
	arm(1000000);
	hlt_plain();
	report(fired == 2 && frame_rip == (u64)hlt_at_plain + 1,
	       "STI; NOP; HLT woken by the timer (rip 0x%lx)", frame_rip);
	return report_summary();
}
