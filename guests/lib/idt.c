// SPDX-License-Identifier: MIT
/*
 * The guest's IDT: 256 64-bit gates (SDM Vol. 3A 6.14.1 "64-Bit Mode IDT", Figure 6-8
 * "64-Bit IDT Gate Descriptors") to the stubs of entry.S, a recording handler for exceptions,
 * C handlers per vector, probes' fixups, and the TSS fields the runtime uses.
 */
#include "guest.h"

extern char idt_stubs[];
extern void user_return(void);

struct gate {
	u64 lo, hi;
};

static struct gate idt[256] __attribute__((aligned(4096)));
static irq_fn *handlers[256];
static u8 kernel_stack[16384] __attribute__((aligned(16)));

volatile struct exc_record exc_last = {.vector = -1};
/* Set by the probes in entry.S: where the next exception resumes, and its vector. */
volatile u64 exc_fixup_rip, exc_fixup_rsp;
volatile int exc_probe_vector;

void exc_reset(void)
{
	exc_last.vector = -1;
	exc_last.error_code = 0;
	exc_last.rip = 0;
	exc_last.cr2 = 0;
	exc_last.cs = 0;
	exc_last.count = 0;
}

void exc_set_fixup(u64 rip, u64 rsp)
{
	exc_fixup_rsp = rsp;
	exc_fixup_rip = rip;
}

static void set_gate(unsigned v, u64 offset, unsigned dpl, unsigned ist, bool present,
		     unsigned type)
{
	idt[v].lo = (offset & 0xffff) | ((u64)VX_SEL_CODE0 << 16) | ((u64)(ist & 7) << 32) |
		    ((u64)(type & 0xf) << 40) | ((u64)(dpl & 3) << 45) | ((u64)present << 47) |
		    ((offset >> 16 & 0xffff) << 48);
	idt[v].hi = offset >> 32;
}

static u64 gate_offset(unsigned v)
{
	return (idt[v].lo & 0xffff) | ((idt[v].lo >> 48) << 16) | (idt[v].hi << 32);
}

void idt_set_gate_attr(unsigned vector, unsigned dpl, unsigned ist, bool present, unsigned type)
{
	set_gate(vector & 0xff, gate_offset(vector & 0xff), dpl, ist, present, type);
}

void idt_set_entry(unsigned vector, void (*entry)(void), unsigned dpl)
{
	set_gate(vector & 0xff, (u64)entry, dpl, 0, true, 0xe);
}

void idt_set_handler(unsigned vector, irq_fn *fn)
{
	handlers[vector & 0xff] = fn;
}

void tss_set_rsp0(u64 rsp)
{
	*(volatile u64 *)(VX_BOOT_TSS_ADDR + 4) = rsp;
}

void tss_set_ist(unsigned n, u64 rsp)
{
	if (n >= 1 && n <= 7)
		*(volatile u64 *)(VX_BOOT_TSS_ADDR + 36 + 8 * (n - 1)) = rsp;
}

void syscall_init(void)
{
	/* SYSCALL: CS = STAR[47:32], SS = STAR[47:32] + 8; RFLAGS &= ~FMASK (TF IF DF AC). */
	wrmsr(MSR_STAR, (u64)VX_SEL_CODE0 << 32);
	wrmsr(MSR_LSTAR, (u64)user_return);
	wrmsr(MSR_FMASK, 0x40700);
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, (u64)(idt_stubs + 16 * v), 0, 0, true, 0xe);
	set_gate(VEC_USER_RETURN, (u64)user_return, 3, 0, true, 0xe);
	struct dtr64 d = {.limit = sizeof(idt) - 1, .base = (u64)idt};
	lidt(&d);
	tss_set_rsp0((u64)(kernel_stack + sizeof(kernel_stack)));
	syscall_init();
}

static void unexpected(const struct exc_frame *f)
{
	printf("FAIL: unexpected exception %lu (error code 0x%lx) at RIP 0x%lx, CS 0x%lx, "
	       "CR2 0x%lx\n",
	       f->vector, f->error_code, f->rip, f->cs, read_cr2());
	report_summary();
	exit(EXIT_UNEXPECTED_EXCEPTION);
}

void exc_dispatch(struct exc_frame *f);
void exc_dispatch(struct exc_frame *f)
{
	if (handlers[f->vector & 0xff]) {
		handlers[f->vector & 0xff](f);
		return;
	}
	exc_last.vector = (int)f->vector;
	exc_last.error_code = f->error_code;
	exc_last.rip = f->rip;
	exc_last.cr2 = f->vector == 14 ? read_cr2() : 0;
	exc_last.cs = f->cs;
	exc_last.count++;
	if (exc_fixup_rip) {
		f->rip = exc_fixup_rip;
		f->rsp = exc_fixup_rsp;
		exc_probe_vector = (int)f->vector;
		exc_fixup_rip = 0;
		return;
	}
	unexpected(f);
}
