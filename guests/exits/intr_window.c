// SPDX-License-Identifier: MIT
/*
 * Interrupt-window exiting (basic reason 7): L0 sets the control while an interrupt is pending
 * and the guest cannot take it; the VM exit comes at the start of the first instruction with
 * RFLAGS.IF = 1 and no blocking by STI or MOV SS (SDM Vol. 3C 25.2 "Other Causes of VM Exits"),
 * RIP being that instruction (27.3.3: the value that would be in RIP had the exit not
 * occurred), qualification cleared (27.2.1).  The VM-exit instruction length is undefined
 * (27.2.5): not checked.  Here the timer expires while IF = 0; STI's shadow covers the NOP
 * (6.8.3 "Masking Exceptions and Interrupts When Switching Stacks"; STI page), so the exit is
 * at iw_at_after, where the interrupt is delivered.
 */
#include "guest.h"

#define VEC 0x41

static volatile unsigned fired;
static volatile u64 frame_rip;

static void on_timer(struct exc_frame *f)
{
	fired++;
	frame_rip = f->rip;
}

void iw_open(void);
__asm__(".text\n"
	".globl iw_open\niw_open:\n"
	".globl iw_at_sti\niw_at_sti:\n"
	"sti\n"
	".globl iw_at_nop\niw_at_nop:\n"
	"nop\n"
	".globl iw_at_after\niw_at_after:\n"
	"nop\n"
	"cli\nret\n");

extern char iw_at_after[];

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	idt_set_handler(VEC, on_timer);
	outb(boot_info->timer_port, VEC);
	outl(boot_info->timer_port + 4, 50);
	for (volatile int i = 0; i < 20000; i++)
		;
	report(fired == 0, "IF = 0: the expired timer's interrupt waits");
	iw_open();
	report(fired == 1 && frame_rip == (u64)iw_at_after,
	       "delivered after STI's shadow (rip 0x%lx)", frame_rip);
	return report_summary();
}
