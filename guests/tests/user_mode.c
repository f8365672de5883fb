// SPDX-License-Identifier: MIT
/*
 * CPL 3 and back (SDM Vol. 3A 6.12.1 "Exception- or Interrupt-Handler Procedures", 6.14.2
 * "64-Bit Mode Stack Frame", 6.14.4 "Stack Switching in IA-32e Mode"): IRETQ to a DPL-3 code
 * segment, INT n through a DPL-3 gate to CPL 0 on the TSS.RSP0 stack and IRETQ back, SYSCALL
 * back to CPL 0, an external interrupt and exceptions taken at CPL 3, privileged instructions
 * at CPL 3 (#GP(0)).
 */
#include "guest.h"

#define VEC_PROBE 0x82
#define VEC_TIMER 0x41
#define GP 13

static u64 ustack;
static volatile struct {
	u64 cs, ss, rsp, rip, handler_rsp, handler_cs;
	unsigned n;
} seen;

static void record(struct exc_frame *f)
{
	seen.cs = f->cs;
	seen.ss = f->ss;
	seen.rsp = f->rsp;
	seen.rip = f->rip;
	seen.handler_rsp = read_rsp();
	seen.handler_cs = read_cs();
	seen.n++;
}

static u64 user_identity(u64 arg)
{
	return (u64)read_cs() << 32 | (u64)read_ss() << 16 | (arg & 0xffff);
}

static u64 user_int(u64 arg)
{
	u64 before = read_rsp();
	__asm__ volatile("int $0x82" ::: "memory");
	/* Back at CPL 3 on the same stack. */
	return (read_cs() & 3) == 3 && read_rsp() == before ? arg + 1 : 0;
}

static u64 user_wait_timer(u64 arg)
{
	(void)arg;
	while (!seen.n)
		;
	return read_cs() & 3;
}

static u64 do_cli(void)
{
	cli();
	return 0;
}

static u64 do_hlt(void)
{
	halt();
	return 0;
}

static u64 do_mov_cr3(void)
{
	write_cr3(read_cr3());
	return 0;
}

static u64 do_rdmsr(void)
{
	return rdmsr(MSR_EFER);
}

static u64 do_lidt(void)
{
	struct dtr64 d = {0, 0};
	lidt(&d);
	return 0;
}

/* Packs the probe's vector and error code for the kernel side to check. */
static u64 user_privileged(u64 which)
{
	static u64 (*const fns[])(void) = {do_cli, do_hlt, do_mov_cr3, do_rdmsr, do_lidt};
	u64 v;
	int vec = probe_call(fns[which], &v);
	return (u64)(vec & 0xff) << 32 | exc_last.error_code;
}

static void test_round_trips(void)
{
	u64 v = run_user(user_identity, 0x1234, ustack, 0x2, USER_EXIT_INT);
	report((v >> 32) == VX_SEL_CODE3 && ((v >> 16) & 0xffff) == VX_SEL_DATA3 &&
		   (v & 0xffff) == 0x1234,
	       "CPL 3 via IRETQ: CS 0x%lx SS 0x%lx; back by INT 0x81", v >> 32, (v >> 16) & 0xffff);
	report(read_cs() == VX_SEL_CODE0, "back at CPL 0");
	v = run_user(user_identity, 0x4321, ustack, 0x2, USER_EXIT_SYSCALL);
	report((v >> 32) == VX_SEL_CODE3 && (v & 0xffff) == 0x4321, "back by SYSCALL");
	report(read_cs() == VX_SEL_CODE0 && read_ss() == VX_SEL_DATA0,
	       "SYSCALL loads CS 0x%x SS 0x%x from STAR", read_cs(), read_ss());
}

static void test_int_from_user(void)
{
	seen.n = 0;
	idt_set_handler(VEC_PROBE, record);
	idt_set_gate_attr(VEC_PROBE, 3, 0, true, 0xe);
	u64 v = run_user(user_int, 41, ustack, 0x2, USER_EXIT_INT);
	report(v == 42, "INT 0x82 at CPL 3 and IRETQ back to CPL 3");
	report(seen.n == 1 && seen.cs == VX_SEL_CODE3 && seen.ss == VX_SEL_DATA3,
	       "frame: CS 0x%lx SS 0x%lx", seen.cs, seen.ss);
	report(seen.rsp < ustack && seen.rsp > ustack - 256, "frame: the user RSP 0x%lx", seen.rsp);
	u64 rsp0 = *(volatile u64 *)(VX_BOOT_TSS_ADDR + 4);
	report(seen.handler_rsp < rsp0 && seen.handler_rsp > rsp0 - 1024 &&
		   seen.handler_cs == VX_SEL_CODE0,
	       "handler at CPL 0 on the TSS.RSP0 stack (0x%lx, RSP0 0x%lx)", seen.handler_rsp,
	       rsp0);
}

static void test_timer_at_cpl3(void)
{
	seen.n = 0;
	idt_set_handler(VEC_TIMER, record);
	outb(boot_info->timer_port, VEC_TIMER);
	outl(boot_info->timer_port + 4, 200);
	u64 v = run_user(user_wait_timer, 0, ustack, 0x202, USER_EXIT_INT);
	report(v == 3 && seen.n == 1 && seen.cs == VX_SEL_CODE3,
	       "external interrupt taken at CPL 3 (frame CS 0x%lx), IRETQ back", seen.cs);
}

static void test_privileged(void)
{
	static const char *const names[] = {"CLI (IOPL 0)", "HLT", "MOV CR3", "RDMSR", "LIDT"};
	for (u64 k = 0; k < 5; k++) {
		u64 v = run_user(user_privileged, k, ustack, 0x2, USER_EXIT_INT);
		report((v >> 32) == GP && (v & 0xffffffff) == 0 && (exc_last.cs & 3) == 3,
		       "%s at CPL 3: #GP(0) (vector %lu, error 0x%lx)", names[k], v >> 32,
		       v & 0xffffffff);
	}
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	ustack = (u64)page_alloc() + 4096;
	test_round_trips();
	test_int_from_user();
	test_timer_at_cpl3();
	test_privileged();
	return report_summary();
}
