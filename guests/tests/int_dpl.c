// SPDX-License-Identifier: MIT
/*
 * Privilege checks of software interrupts (SDM Vol. 3A 6.12.1.1 "Protection of Exception- and
 * Interrupt-Handler Procedures"): INT n, INT3 need CPL <= gate DPL, else #GP with error code
 * vector * 8 + 2 (6.13 "Error Code": IDT bit); INT1 and processor-raised exceptions ignore the
 * gate DPL.  A not-present gate raises #NP with the same kind of error code, EXT = 1 when the
 * event was not software (6.13).
 */
#include "guest.h"

#define GP 13
#define NP 11

__asm__(".text\n"
	".globl do_int40\n"
	"do_int40: int $0x40\n"
	"ret\n"
	".globl do_int3\n"
	"do_int3: int3\n"
	"ret\n"
	".globl do_int1\n"
	"do_int1: .byte 0xf1\n"
	"ret\n"
	".globl do_int42\n"
	"do_int42: int $0x42\n"
	"ret\n"
	".globl do_ud2\n"
	"do_ud2: ud2\n"
	"ret\n");
u64 do_int40(void);
u64 do_int3(void);
u64 do_int1(void);
u64 do_int42(void);
u64 do_ud2(void);

static volatile unsigned hits[256];
static volatile u64 last_rip, last_cs;

static void count(struct exc_frame *f)
{
	hits[f->vector]++;
	last_rip = f->rip;
	last_cs = f->cs;
}

static u64 user_probe(u64 which)
{
	static u64 (*const fns[])(void) = {do_int40, do_int3, do_int1, do_ud2};
	u64 v;
	int vec = probe_call(fns[which], &v);
	return (u64)(vec & 0xff) << 32 | exc_last.error_code;
}

static u64 ustack;

static u64 from_user(u64 which)
{
	return run_user(user_probe, which, ustack, 0x2, USER_EXIT_INT);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	ustack = (u64)page_alloc() + 4096;
	idt_set_handler(0x40, count);
	u64 v;

	report(probe_call(do_int40, &v) == -1 && hits[0x40] == 1, "INT 0x40 at CPL 0, gate DPL 0");
	u64 r = from_user(0);
	report((r >> 32) == GP && (r & 0xffffffff) == 0x40 * 8 + 2 && hits[0x40] == 1,
	       "INT 0x40 at CPL 3, gate DPL 0: #GP(0x%lx) (want 0x202)", r & 0xffffffff);
	idt_set_gate_attr(0x40, 3, 0, true, 0xe);
	r = from_user(0);
	report(r >> 32 == 0xff && hits[0x40] == 2 && (last_cs & 3) == 3,
	       "INT 0x40 at CPL 3, gate DPL 3: delivered");

	r = from_user(1);
	report((r >> 32) == GP && (r & 0xffffffff) == 3 * 8 + 2,
	       "INT3 at CPL 3, gate DPL 0: #GP(0x%lx) (want 0x1a)", r & 0xffffffff);
	idt_set_handler(3, count);
	idt_set_gate_attr(3, 3, 0, true, 0xf);
	r = from_user(1);
	report(hits[3] == 1 && (last_cs & 3) == 3, "INT3 at CPL 3, gate DPL 3: #BP delivered");
	report(last_rip == (u64)do_int3 + 1, "#BP is a trap: RIP 0x%lx after INT3", last_rip);

	idt_set_handler(1, count);
	r = from_user(2);
	report(hits[1] == 1 && (last_cs & 3) == 3, "INT1 at CPL 3, gate DPL 0: #DB delivered");

	r = from_user(3);
	report((r >> 32) == 6, "#UD at CPL 3 through a DPL-0 gate: delivered (vector %lu)",
	       r >> 32);

	/* Not-present gate: #NP(vector * 8 + 2); for a processor exception EXT = 1. */
	idt_set_gate_attr(0x42, 0, 0, false, 0xe);
	exc_reset();
	int vec = probe_call(do_int42, &v);
	report(vec == NP && exc_last.error_code == 0x42 * 8 + 2,
	       "INT 0x42, gate not present: #NP(0x%lx) (want 0x212)", exc_last.error_code);
	idt_set_gate_attr(6, 0, 0, false, 0xe);
	exc_reset();
	vec = probe_call(do_ud2, &v);
	report(vec == NP && exc_last.error_code == 6 * 8 + 3,
	       "#UD, gate not present: #NP(0x%lx) (want 0x33, EXT = 1)", exc_last.error_code);
	idt_set_gate_attr(6, 0, 0, true, 0xe);

	/* Beyond the IDT limit: #GP(vector * 8 + 2). */
	struct dtr64 d;
	sidt(&d);
	struct dtr64 small = {.limit = 0x41 * 16 - 1, .base = d.base};
	lidt(&small);
	exc_reset();
	vec = probe_call(do_int42, &v);
	lidt(&d);
	report(vec == GP && exc_last.error_code == 0x42 * 8 + 2,
	       "INT 0x42 beyond the IDT limit: #GP(0x%lx) (want 0x212)", exc_last.error_code);
	return report_summary();
}
