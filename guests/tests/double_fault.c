// SPDX-License-Identifier: MIT
/*
 * #DF and the triple fault (SDM Vol. 3A 6.15 "Exception and Interrupt Reference", Interrupt 8,
 * Table 6-5 "Conditions for Generating a Double Fault"; 6.14.5 "Interrupt Stack Table"):
 *   1. a #PF while delivering a #PF (the stack is not present) -> #DF on the IST1 stack, error
 *      code 0;
 *   2. a #GP whose gate is not present -> #NP (contributory after contributory) -> #DF;
 *   3. with the #DF gate not present too, the same -> a fault while delivering #DF -> triple
 *      fault: the processor shuts down and `vmxsgx run` exits with status 4.
 * The test is expected to end with status 4, after printing its summary and "triple fault
 * next" (guests/CMakeLists.txt checks both).
 */
#include "guest.h"

#define DF 8
#define GP 13

volatile u64 df_fixup_rip, df_fixup_rsp;

/* u64 trigger_pf_on_pf(u64 unmapped_page): RSP = end of the page, then read from it. */
__asm__(".text\n"
	".globl trigger_pf_on_pf\n"
	"trigger_pf_on_pf:\n"
	"  mov %rsp, df_fixup_rsp(%rip)\n"
	"  lea 1f(%rip), %rax\n"
	"  mov %rax, df_fixup_rip(%rip)\n"
	"  lea 4096(%rdi), %rsp\n"
	"  mov (%rdi), %rax\n"
	"1: movq $0, df_fixup_rip(%rip)\n"
	"  ret\n"
	".globl trigger_gp\n"
	"trigger_gp:\n"
	"  mov %rsp, df_fixup_rsp(%rip)\n"
	"  lea 1f(%rip), %rax\n"
	"  mov %rax, df_fixup_rip(%rip)\n"
	"  mov (%rdi), %rax\n"
	"1: movq $0, df_fixup_rip(%rip)\n"
	"  ret\n");
void trigger_pf_on_pf(u64 unmapped_page);
void trigger_gp(u64 noncanonical);

static u8 df_stack[8192] __attribute__((aligned(16)));
static volatile struct {
	unsigned n;
	u64 error_code, rsp, cs;
} df;

static void on_df(struct exc_frame *f)
{
	df.n++;
	df.error_code = f->error_code;
	df.rsp = read_rsp();
	df.cs = f->cs;
	if (!df_fixup_rip) {
		printf("FAIL: #DF without a fixup\n");
		exit(1);
	}
	/* #DF is an abort (the saved RIP is undefined): resume at the trigger's fixup. */
	f->rip = df_fixup_rip;
	f->rsp = df_fixup_rsp;
	df_fixup_rip = 0;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	idt_set_handler(DF, on_df);
	tss_set_ist(1, (u64)(df_stack + sizeof(df_stack)));
	idt_set_gate_attr(DF, 0, 1, true, 0xe);

	u64 hole = (u64)page_alloc();
	pt_map(hole, hole, PTE_W); /* not present */
	trigger_pf_on_pf(hole);
	report(df.n == 1, "#PF while delivering #PF: #DF");
	report(df.error_code == 0, "#DF error code 0 (got 0x%lx)", df.error_code);
	report(df.rsp > (u64)df_stack && df.rsp < (u64)df_stack + sizeof(df_stack),
	       "#DF handler on the IST1 stack (RSP 0x%lx)", df.rsp);

	idt_set_gate_attr(GP, 0, 0, false, 0xe);
	trigger_gp(0x8000000000000000ull);
	report(df.n == 2 && df.error_code == 0, "#GP with its gate not present -> #NP -> #DF");
	idt_set_gate_attr(GP, 0, 0, true, 0xe);
	exc_reset();
	u64 v;
	int vec = probe_read((void *)0x8000000000000000ull, &v);
	report(df.n == 2 && vec == GP && exc_last.error_code == 0,
	       "with the gate present: plain #GP(0)");

	if (report_summary() != 0)
		return 1;
	puts("triple fault next");
	idt_set_gate_attr(GP, 0, 0, false, 0xe);
	idt_set_gate_attr(DF, 0, 1, false, 0xe);
	trigger_gp(0x8000000000000000ull);
	puts("FAIL: survived a fault while delivering #DF");
	return 1;
}
