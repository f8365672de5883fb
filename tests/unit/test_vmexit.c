// SPDX-License-Identifier: MIT
/*
 * VM entry (loading guest state, MSR loading, event injection) and the VM-exit engine (SDM
 * Vol. 3C chapters 26 and 27) with the events of VMX non-root operation (25.2, 25.5.1,
 * 25.5.2): a VMCS built by hand in the processor's current-VMCS cache, checked with
 * vmentry_check() so it is one VMLAUNCH would accept, entered with vmentry_enter(), guest
 * code run with cpu_run(), exits asserted field by field.
 *
 * Guest handlers: IDT vector v points at a 16-byte stub "mov ebx, v; mov rcx, [rsp];
 * mov rdx, [rsp+8]; hlt", so a halted guest shows which handler ran and the first two words
 * of its frame (error code or return RIP, then return RIP or CS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vmx_fixture.h"

/* ==== exceptions through the exception bitmap (25.2) ==== */

struct exc_case {
	const char *name;
	u8 code[8];
	unsigned len;
	u32 info;   /* expected VM-exit interruption information */
	u32 error;  /* its error code when EC */
	u64 qual;   /* exit qualification */
	u32 ilen;   /* instruction length for software exceptions, else 0 */
	bool fault; /* saved RF = 1 */
};

static const struct exc_case exc_cases[] = {
    /* xor ecx, ecx; div ecx: #DE, a contributory fault */
    {"#DE", {0x31, 0xc9, 0xf7, 0xf1}, 4, INFO(HW, 0), 0, 0, 0, true},
    /* ud2: #UD, benign */
    {"#UD", {0x0f, 0x0b}, 2, INFO(HW, 6), 0, 0, 0, true},
    /* mov rax, [rbx] with RBX non-canonical: #GP(0) */
    {"#GP", {0x48, 0x8b, 0x03}, 3, INFO(HW, 13) | EC, 0, 0, 0, true},
    /* mov eax, [0x40000000]: #PF, not present, read: error 0, qualification = address */
    {"#PF", {0x8b, 0x04, 0x25, 0, 0, 0, 0x40}, 7, INFO(HW, 14) | EC, 0, UNMAPPED, 0, true},
    /* int3: software exception, RIP of the INT3, length 1, RF unchanged */
    {"#BP", {0xcc}, 1, INFO(VMX_INTR_TYPE_SOFT_EXCEPTION, 3), 0, 0, 1, false},
    /* int1: privileged software exception (later SDMs), length 1 */
    {"INT1", {0xf1}, 1, INFO(VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION, 1), 0, 0, 1, false},
};

static void test_exception_bitmap(void **state)
{
	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(exc_cases); k++) {
		const struct exc_case *x = &exc_cases[k];
		struct fx *f = vt_new();
		guest_code(f, x->code, x->len);
		f->cpu.gpr[3] = 0x8000000000000000ull;
		f->cpu.cr2 = 0x5555;
		W(f, EXCEPTION_BITMAP, BIT(x->info & 0xff));
		W(f, VM_EXIT_INSTRUCTION_LEN, 0x99);
		u64 at = GUEST_RIP + (x->info & 0xff ? 0 : 2); /* #DE: the DIV after XOR */
		print_message("%s\n", x->name);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_EXCEPTION_NMI, at);
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), x->info);
		if (x->info & EC)
			assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), x->error);
		assert_int_equal(V(f, EXIT_QUALIFICATION), x->qual);
		assert_int_equal(V(f, IDT_VECTORING_INFO), 0);
		assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), x->ilen ? x->ilen : 0x99);
		assert_int_equal(V(f, GUEST_RFLAGS) & RF_RF, x->fault ? RF_RF : 0);
		/* 27.1: "A page fault does not update CR2". */
		assert_int_equal(f->cpu.cr2, 0x5555);
		fx_free(f);
	}
}

/* 25.2: "If the two values are equal, bit 14 of the exception bitmap is consulted; if they
 * are not, the processor consults the inverse of bit 14." */
static void pf_case(u32 bitmap14, u32 mask, u32 match, bool write, bool exits)
{
	struct fx *f = vt_new();
	if (write)
		guest_code(f, CODE(0x89, 0x04, 0x25, 0, 0, 0, 0x40)); /* mov [1 GiB], eax */
	else
		guest_code(f, CODE(0x8b, 0x04, 0x25, 0, 0, 0, 0x40)); /* mov eax, [1 GiB] */
	W(f, EXCEPTION_BITMAP, bitmap14 << 14);
	W(f, PAGE_FAULT_ERROR_CODE_MASK, mask);
	W(f, PAGE_FAULT_ERROR_CODE_MATCH, match);
	enum cpu_step r = enter_run(f);
	if (exits) {
		assert_int_equal(r, STEP_VMEXIT);
		assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), write ? 2 : 0);
		assert_int_equal(V(f, EXIT_QUALIFICATION), UNMAPPED);
	} else {
		assert_int_equal(r, STEP_HALT);
		assert_handler(f, 14, write ? 2 : 0, GUEST_RIP);
		assert_int_equal(f->cpu.cr2, UNMAPPED); /* delivered normally: CR2 written */
	}
	fx_free(f);
}

static void test_pf_mask_match(void **state)
{
	(void)state;
	pf_case(1, 0, 0, false, true);           /* all #PF */
	pf_case(0, 0, 0, false, false);          /* no #PF */
	pf_case(1, 0, 0xffffffff, false, false); /* bit 14 = 1, never equal: none */
	pf_case(0, 0, 0xffffffff, false, true);  /* inverted: all */
	pf_case(1, 2, 2, true, true);            /* writes exit */
	pf_case(1, 2, 2, false, false);          /* reads do not */
	pf_case(0, 2, 2, false, true);           /* inverted: reads exit */
	pf_case(0, 2, 2, true, false);           /* and writes do not */
}

/* 27.2.3: a #PF while delivering INT 0x80 (the stack is unmapped): IDT-vectoring information
 * holds the software interrupt, the instruction length is INT's, RIP is the INT. */
static void test_idt_vectoring_pf_during_int(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0xcd, 0x80));
	W(f, GUEST_RSP, UNMAPPED + 0x1000);
	W(f, EXCEPTION_BITMAP, BIT(14));
	f->cpu.cr2 = 0x5555;
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, 14) | EC);
	assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), 2); /* write, supervisor, not present */
	assert_int_equal(V(f, EXIT_QUALIFICATION), UNMAPPED + 0x1000 - 40); /* 5-word frame */
	assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80));
	assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), 2);
	assert_int_equal(V(f, GUEST_RSP), UNMAPPED + 0x1000);
	assert_int_equal(f->cpu.cr2, 0x5555);
	fx_free(f);
}

/* A nested #GP during #UD delivery (IDT limit) exits with the #UD as IDT-vectoring
 * information; a #DF exits "directly" without it; otherwise the triple fault (reason 2). */
static void test_nested_double_triple(void **state)
{
	(void)state;
	static const struct {
		u32 bitmap, reason, info, error, vectoring;
	} cases[] = {
	    {BIT(13), VMX_EXIT_EXCEPTION_NMI, INFO(HW, 13) | EC, 6 * 8 + 2 + 1, INFO(HW, 6)},
	    {BIT(8), VMX_EXIT_EXCEPTION_NMI, INFO(HW, 8) | EC, 0, 0},
	    {0, VMX_EXIT_TRIPLE_FAULT, 0, 0, 0},
	};
	for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x0f, 0x0b));
		W(f, GUEST_IDTR_LIMIT, 0);
		W(f, EXCEPTION_BITMAP, cases[k].bitmap);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, cases[k].reason, GUEST_RIP);
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), cases[k].info);
		if (cases[k].info)
			assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), cases[k].error);
		assert_int_equal(V(f, IDT_VECTORING_INFO), cases[k].vectoring);
		assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_ACTIVE);
		fx_free(f);
	}
}

/* ==== external interrupts, windows, NMIs ==== */

static void ext_case(bool ack, u64 rflags)
{
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
	if (ack)
		set_ctl(f, S(VM_EXIT_CONTROLS), EXIT_ACK_INTR_ON_EXIT);
	W(f, GUEST_RFLAGS, rflags);
	assert_int_equal(enter(f), STEP_RETIRED);
	f->cpu.pending_intr = 0x41;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXTERNAL_INTERRUPT, GUEST_RIP);
	assert_int_equal(f->cpu.retired, 0);
	/* 27.2.2: with "acknowledge interrupt on exit" the vector is reported and the
	 * interrupt acknowledged; else the field is invalid and the interrupt stays pending. */
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), ack ? INFO(VMX_INTR_TYPE_EXT_INTR, 0x41) : 0);
	assert_int_equal(f->cpu.pending_intr, ack ? -1 : 0x41);
	fx_free(f);
}

static void test_external_interrupt_exit(void **state)
{
	(void)state;
	ext_case(true, 0x202);
	ext_case(false, 0x202);
	ext_case(true, 0x2); /* 25.4.1: RFLAGS.IF does not block it */
}

static void test_external_interrupt_delivered(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90, 0x90));
	W(f, GUEST_RFLAGS, 0x202);
	assert_int_equal(enter(f), STEP_RETIRED);
	f->cpu.pending_intr = 0x41;
	assert_int_equal(run(f), STEP_HALT);
	assert_handler(f, 0x41, GUEST_RIP, 0x08);
	assert_int_equal(f->cpu.pending_intr, -1);
	fx_free(f);
}

/* 25.2: interrupt-window exiting at the first boundary with IF = 1 and no STI/MOV-SS
 * blocking: nop; sti; nop; nop exits before the second nop after STI's shadow. */
static void test_interrupt_window(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90, 0xfb, 0x90, 0x90));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_INTR_WINDOW_EXITING);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_INTERRUPT_WINDOW, GUEST_RIP + 3);
	assert_int_equal(f->cpu.retired, 3);
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), 0);
	assert_int_equal(V(f, GUEST_RFLAGS), 0x202);
	fx_free(f);
	/* IF = 1 at entry: before any instruction; with STI blocking loaded: after one. */
	for (unsigned sti = 0; sti < 2; sti++) {
		f = vt_new();
		guest_code(f, CODE(0x90, 0x90));
		set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_INTR_WINDOW_EXITING);
		W(f, GUEST_RFLAGS, 0x202);
		W(f, GUEST_INTERRUPTIBILITY_INFO, sti);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_INTERRUPT_WINDOW, GUEST_RIP + sti);
		fx_free(f);
	}
}

/* NMI exiting: exit reason 0 with type NMI; the host has NMIs blocked after the exit. */
static void test_nmi_exiting(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90, 0x90));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_NMI_EXITING);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_MOV_SS);
	assert_int_equal(enter(f), STEP_RETIRED);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_VMEXIT);
	/* MOV-SS blocking held it for one instruction. */
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 1);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(VMX_INTR_TYPE_NMI, 2));
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), 0);
	assert_true(f->cpu.nmi_blocked);
	fx_free(f);
	/* Blocked by NMI ("NMI exiting" 1: the blocking lasts, IRET or not): held pending. */
	f = vt_new();
	guest_code(f, CODE(0x90, 0x0f, 0x0b));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_NMI_EXITING);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_NMI);
	W(f, EXCEPTION_BITMAP, BIT(6));
	assert_int_equal(enter(f), STEP_RETIRED);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 1);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, 6));
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_BLOCKING_BY_NMI);
	assert_true(f->cpu.vmxnr.nmi_pending);
	assert_true(f->cpu.nmi_blocked);
	fx_free(f);
}

/* Without NMI exiting the NMI goes through the guest IDT and blocks further NMIs. */
static void test_nmi_delivered(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90));
	assert_int_equal(enter(f), STEP_RETIRED);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_HALT);
	assert_handler(f, 2, GUEST_RIP, 0x08);
	assert_true(f->cpu.nmi_blocked);
	fx_free(f);
}

/* Prepares an IRETQ frame at the guest stack returning to GUEST_RIP + 0x10. */
static void iret_frame(struct fx *f, u64 cs)
{
	u64 frame[5] = {GUEST_RIP + 0x10, cs, 0x2, GUEST_RSP, 0x10};
	for (unsigned k = 0; k < 5; k++)
		phys_write(&f->phys, GUEST_RSP - 40 + 8 * k, 8, frame[k]);
	W(f, GUEST_RSP, GUEST_RSP - 40);
}

/* NMI-window exiting (virtual NMIs): with virtual-NMI blocking the exit waits for IRET. */
static void test_nmi_window(void **state)
{
	(void)state;
	for (unsigned blocked = 0; blocked < 2; blocked++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x48, 0xcf));
		iret_frame(f, 0x08);
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
		set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_NMI_WINDOW_EXITING);
		W(f, GUEST_INTERRUPTIBILITY_INFO, blocked ? VMX_INTR_BLOCKING_BY_NMI : 0);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_NMI_WINDOW, blocked ? GUEST_RIP + 0x10 : GUEST_RIP);
		assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), 0);
		fx_free(f);
	}
}

/* 27.2.2 bit 12 "NMI unblocking due to IRET": an IRET that faults still unblocked NMIs
 * (27.1), unless "NMI exiting" = 1 with "virtual NMIs" = 0. */
static void test_iret_nmi_unblocking(void **state)
{
	(void)state;
	static const struct {
		u32 pin;
		bool bit12;
	} cases[] = {
	    {0, true}, {PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, true}, {PIN_NMI_EXITING, false}};
	for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x48, 0xcf));
		iret_frame(f, 0); /* null CS: #GP(0) */
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), cases[k].pin);
		W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_NMI);
		W(f, EXCEPTION_BITMAP, BIT(13));
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
		u32 info = INFO(HW, 13) | EC | (cases[k].bit12 ? VMX_INTR_INFO_NMI_UNBLOCKING : 0);
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), info);
		assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO),
				 cases[k].bit12 ? 0 : VMX_INTR_BLOCKING_BY_NMI);
		fx_free(f);
	}
}

/* ==== VMX-preemption timer (25.5.1): rate 5, one tick per 32 retired instructions ==== */

static void test_preemption_timer(void **state)
{
	(void)state;
	/* Entry at TSC 40: ticks at 64, 96 and 128, so a value of 3 expires at 128. */
	static const struct {
		u64 start;
		u32 value;
		u64 expires;
	} cases[] = {{0, 3, 96}, {40, 3, 128}, {7, 0, 7}};
	for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0xeb, 0xfe)); /* jmp $ */
		f->cpu.retired = cases[k].start;
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
		set_ctl(f, S(VM_EXIT_CONTROLS), EXIT_SAVE_PREEMPTION_TIMER);
		W(f, VMX_PREEMPTION_TIMER_VALUE, cases[k].value);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_PREEMPTION_TIMER, GUEST_RIP);
		assert_int_equal(f->cpu.retired, cases[k].expires);
		assert_int_equal(V(f, VMX_PREEMPTION_TIMER_VALUE), 0);
		fx_free(f);
	}
	/* The same expiry in a loop of register-only instructions (ADD, CMP, JNE: boundaries the
	 * run loop treats as quiet after them, step.c), at the same instruction count. */
	for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x48, 0x83, 0xc0, 0x01, 0x48, 0x39, 0xd8, 0x75, 0xf7));
		f->cpu.retired = cases[k].start;
		f->cpu.gpr[3] = ~0ull; /* RBX: never reached */
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
		W(f, VMX_PREEMPTION_TIMER_VALUE, cases[k].value);
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_int_equal(V(f, EXIT_REASON), VMX_EXIT_PREEMPTION_TIMER);
		assert_int_equal(f->cpu.retired, cases[k].expires);
		u64 n =
		    cases[k].expires - cases[k].start; /* instructions: ADD, CMP, JNE, ADD ... */
		assert_int_equal(f->cpu.gpr[0], (n + 2) / 3);
		fx_free(f);
	}
	/* Another exit first: the value left is saved (70 instructions: 2 ticks of 10). */
	struct fx *f = vt_new();
	u8 code[72];
	memset(code, 0x90, 70);
	code[70] = 0x0f;
	code[71] = 0x0b;
	guest_code(f, code, sizeof(code));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	set_ctl(f, S(VM_EXIT_CONTROLS), EXIT_SAVE_PREEMPTION_TIMER);
	W(f, VMX_PREEMPTION_TIMER_VALUE, 10);
	W(f, EXCEPTION_BITMAP, BIT(6));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 70);
	assert_int_equal(V(f, VMX_PREEMPTION_TIMER_VALUE), 8);
	fx_free(f);
}

/* ==== monitor trap flag (25.5.2) ==== */

static void test_mtf(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90, 0x90, 0x0f, 0x0b));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_MONITOR_TRAP_FLAG);
	for (unsigned k = 1; k <= 2; k++) {
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG, GUEST_RIP + k);
		assert_int_equal(f->cpu.retired, k);
		assert_int_equal(f->cpu.vmx.launch, VMX_LAUNCH_LAUNCHED);
	}
	/* The UD2 faults: the MTF exit follows the delivery of #UD, at the handler. */
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG, STUBS + 16 * 6);
	fx_free(f);
	/* INT n: after the software interrupt's delivery; HLT: from the HLT state. */
	f = vt_new();
	guest_code(f, CODE(0xcd, 0x80));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_MONITOR_TRAP_FLAG);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG, STUBS + 16 * 0x80);
	fx_free(f);
	f = vt_new();
	guest_code(f, CODE(0xf4));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_MONITOR_TRAP_FLAG);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG, GUEST_RIP + 1);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_HLT);
	fx_free(f);
}

/* 26.5.2: a pending MTF VM exit injected (type 7, vector 0) "even if the 'monitor trap flag'
 * VM-execution control is 0"; the exit clears the entry field's valid bit. */
static void test_pending_mtf_injection(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90));
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_OTHER_EVENT, 0));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG, GUEST_RIP);
	assert_int_equal(f->cpu.retired, 0);
	assert_int_equal(V(f, VM_ENTRY_INTR_INFO), INFO(VMX_INTR_TYPE_OTHER_EVENT, 0) & ~BIT(31));
	fx_free(f);
}

/* ==== HLT in VMX non-root operation ==== */

static void test_hlt_activity(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0xf4));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root);
	assert_int_equal(run(f), STEP_HALT); /* nothing wakes it */
	f->cpu.pending_intr = 0x30;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXTERNAL_INTERRUPT, GUEST_RIP + 1);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_HLT);
	assert_false(f->cpu.halted);
	fx_free(f);
	/* Entering in the HLT state (activity 1) with the timer: idle time runs it out. */
	f = vt_new();
	guest_code(f, CODE(0x90));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	set_ctl(f, S(VM_EXIT_CONTROLS), EXIT_SAVE_PREEMPTION_TIMER);
	W(f, VMX_PREEMPTION_TIMER_VALUE, 1000);
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_HLT);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_PREEMPTION_TIMER, GUEST_RIP);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_HLT);
	assert_int_equal(V(f, VMX_PREEMPTION_TIMER_VALUE), 0);
	assert_int_equal(f->cpu.retired, 0);
	fx_free(f);
}

/* ==== event injection (26.5) ==== */

struct inj_case {
	const char *name;
	u32 info;
	u32 error;
	u32 len;
	unsigned vector;
	u64 w0, w1; /* expected first two frame words */
};

static const struct inj_case inj_cases[] = {
    {"external interrupt", INFO(VMX_INTR_TYPE_EXT_INTR, 0x41), 0, 5, 0x41, GUEST_RIP, 0x08},
    {"NMI", INFO(VMX_INTR_TYPE_NMI, 2), 0, 5, 2, GUEST_RIP, 0x08},
    {"#GP(1234H)", INFO(HW, 13) | EC, 0x1234, 5, 13, 0x1234, GUEST_RIP},
    {"#UD", INFO(HW, 6), 0, 5, 6, GUEST_RIP, 0x08},
    {"INT 80H", INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80), 0, 2, 0x80, GUEST_RIP + 2, 0x08},
    {"INT1", INFO(VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION, 1), 0, 1, 1, GUEST_RIP + 1, 0x08},
    {"INT3", INFO(VMX_INTR_TYPE_SOFT_EXCEPTION, 3), 0, 1, 3, GUEST_RIP + 1, 0x08},
};

static void test_injection(void **state)
{
	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(inj_cases); k++) {
		const struct inj_case *x = &inj_cases[k];
		struct fx *f = vt_new();
		print_message("%s\n", x->name);
		guest_code(f, CODE(0x0f, 0x0b));
		W(f, GUEST_RFLAGS, 0x202);
		W(f, VM_ENTRY_INTR_INFO, x->info);
		W(f, VM_ENTRY_EXCEPTION_ERROR_CODE, x->error);
		W(f, VM_ENTRY_INSTRUCTION_LEN, x->len);
		/* "An event being injected never causes a VM exit directly". */
		W(f, EXCEPTION_BITMAP, 0xffffffff);
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
		f->cpu.cr2 = 0x5555;
		assert_int_equal(enter(f), STEP_RETIRED);
		assert_int_equal(f->cpu.rip, STUBS + 16 * x->vector);
		assert_int_equal(run(f), STEP_HALT);
		assert_handler(f, x->vector, x->w0, x->w1);
		assert_int_equal(f->cpu.cr2, 0x5555);
		assert_int_equal(f->cpu.nmi_blocked, x->vector == 2);
		fx_free(f);
	}
}

/* Interruptibility bit 4 affects only exits incident to the injected event's delivery: once
 * the handler runs, later exits have neither exit-reason bit 27 nor bit 4. */
static void test_injection_enclave_bit_scope(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80));
	W(f, VM_ENTRY_INSTRUCTION_LEN, 2);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_ENCLAVE_INTERRUPTION);
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
	assert_int_equal(enter_run(f), STEP_HALT);
	f->cpu.pending_intr = 0x30;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_int_equal(V(f, EXIT_REASON), VMX_EXIT_EXTERNAL_INTERRUPT);
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), 0);
	fx_free(f);
}

/* 26.5.1.1 "If event being injected has interruption type ... privileged software
 * exception and encounters a nested exception ..., the error code for the first such
 * exception encountered sets the EXT bit"; for a software interrupt it is clear. */
static void test_injection_nested_ext(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	gate(f, 1, false);
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION, 1));
	W(f, VM_ENTRY_INSTRUCTION_LEN, 1);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_handler(f, 11, 1 * 8 + 2 + 1, GUEST_RIP);
	fx_free(f);
	/* An injected #GP(1234H) whose gate is not present: the #NP exit reports the #GP and its
	 * error code as IDT-vectoring information; the #NP's error code has EXT set. */
	f = vt_new();
	gate(f, 13, false);
	W(f, VM_ENTRY_INTR_INFO, INFO(HW, 13) | EC);
	W(f, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x1234);
	W(f, EXCEPTION_BITMAP, BIT(11));
	assert_int_equal(enter(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(HW, 13) | EC);
	assert_int_equal(V(f, IDT_VECTORING_ERROR_CODE), 0x1234);
	assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), 13 * 8 + 2 + 1);
	fx_free(f);
}

/* 26.5.1.1: a nested exception during injection pushes the current guest RIP (not RIP +
 * length); if it exits, the IDT-vectoring information and instruction length report the
 * injected event.  Interruptibility bit 4 marks the exit as incident to enclave mode. */
static void test_injection_nested(void **state)
{
	(void)state;
	for (unsigned exits = 0; exits < 2; exits++) {
		struct fx *f = vt_new();
		gate(f, 0x80, false);
		W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80));
		W(f, VM_ENTRY_INSTRUCTION_LEN, 2);
		W(f, EXCEPTION_BITMAP, exits ? BIT(11) : 0);
		W(f, GUEST_INTERRUPTIBILITY_INFO, exits ? VMX_INTR_ENCLAVE_INTERRUPTION : 0);
		u32 err = 0x80 * 8 + 2; /* IDT, EXT = 0 for a software interrupt */
		if (!exits) {
			assert_int_equal(enter_run(f), STEP_HALT);
			assert_handler(f, 11, err, GUEST_RIP);
			fx_free(f);
			continue;
		}
		assert_int_equal(enter(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_EXCEPTION_NMI | VMX_EXIT_REASON_ENCLAVE_MODE, GUEST_RIP);
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, 11) | EC);
		assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), err);
		assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80));
		assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), 2);
		assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_ENCLAVE_INTERRUPTION);
		fx_free(f);
	}
}

/* 26.6.3: pending debug exceptions (BS) become a #DB after VM entry: a VM exit with the
 * conditions as qualification, or a delivery that sets DR6.BS; MOV-SS blocking holds it. */
static void test_pending_debug(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90));
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14));
	W(f, EXCEPTION_BITMAP, BIT(1));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, 1));
	assert_int_equal(V(f, EXIT_QUALIFICATION), BIT(14));
	assert_int_equal(V(f, GUEST_PENDING_DBG_EXCEPTIONS), 0);
	assert_int_equal(f->cpu.dr[6] & BIT(14), 0);
	fx_free(f);
	f = vt_new();
	guest_code(f, CODE(0x90));
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14));
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_MOV_SS);
	W(f, GUEST_RFLAGS, 0x102); /* 26.3.1.5: with MOV-SS blocking BS must equal TF */
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_handler(f, 1, GUEST_RIP + 1, 0x08);
	assert_true(f->cpu.dr[6] & BIT(14));
	fx_free(f);
}

/* ==== MSR areas ==== */

static void msr_entry(struct fx *f, u64 area, unsigned k, u64 head, u64 val)
{
	phys_write(&f->phys, area + 16 * k, 8, head);
	phys_write(&f->phys, area + 16 * k + 8, 8, val);
}

/* 26.4 and 26.7: the failing entry's 1-based index; earlier entries stay loaded; host state;
 * guest area and VM-entry interruption information untouched. */
static void test_entry_msr_load_failure(void **state)
{
	(void)state;
	static const struct {
		u64 head, val;
	} bad[] = {
	    {MSR_IA32_FS_BASE, 0},           {MSR_IA32_GS_BASE, 0}, {0x808, 0}, /* x2APIC TPR */
	    {MSR_IA32_STAR | BIT(32), 0},                                       /* bits 63:32 */
	    {MSR_IA32_EFER, 0xd01 | BIT(2)}, /* reserved bit: WRMSR #GP */
	    {MSR_IA32_SMM_MONITOR_CTL, 0},
	};
	for (unsigned k = 0; k < ARRAY_SIZE(bad); k++) {
		struct fx *f = vt_new();
		msr_entry(f, ENTRY_MSR_PA, 0, MSR_IA32_STAR, 0x0023001000000000ull);
		msr_entry(f, ENTRY_MSR_PA, 1, bad[k].head, bad[k].val);
		W(f, VM_ENTRY_MSR_LOAD_COUNT, 2);
		W(f, VM_ENTRY_INTR_INFO, INFO(HW, 6));
		W(f, VM_EXIT_INTR_INFO, 0x1234);
		assert_int_equal(enter(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_MSR_LOAD_FAIL | VMX_EXIT_REASON_FAILED_VMENTRY, GUEST_RIP);
		assert_int_equal(V(f, EXIT_QUALIFICATION), 2);
		assert_int_equal(f->cpu.msr.star, 0x0023001000000000ull);
		assert_int_equal(V(f, VM_ENTRY_INTR_INFO), INFO(HW, 6));
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), 0x1234);
		assert_int_equal(f->cpu.vmx.launch, VMX_LAUNCH_CLEAR);
		assert_int_equal(f->cpu.msr.pat, HOST_PAT);
		fx_free(f);
	}
	/* More entries than IA32_VMX_MISC[27:25] recommends (512): the 513th fails. */
	struct fx *f = vt_new();
	for (unsigned k = 0; k < 513; k++)
		msr_entry(f, ENTRY_MSR_PA, k, MSR_IA32_STAR, k);
	W(f, VM_ENTRY_MSR_LOAD_COUNT, 513);
	assert_int_equal(enter(f), STEP_VMEXIT);
	assert_int_equal(V(f, EXIT_QUALIFICATION), 513);
	assert_int_equal(f->cpu.msr.star, 511);
	fx_free(f);
}

/* 27.4 and 27.6: MSRs stored into the MSR-store area, then loaded from the MSR-load area. */
static void test_exit_msr_areas(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x0f, 0x0b));
	W(f, EXCEPTION_BITMAP, BIT(6));
	msr_entry(f, ENTRY_MSR_PA, 0, MSR_IA32_LSTAR, 0xffffffff81234000ull);
	W(f, VM_ENTRY_MSR_LOAD_COUNT, 1);
	msr_entry(f, EXIT_STORE_PA, 0, MSR_IA32_LSTAR, 0);
	msr_entry(f, EXIT_STORE_PA, 1, MSR_IA32_SYSENTER_EIP, 0);
	W(f, VM_EXIT_MSR_STORE_COUNT, 2);
	W(f, GUEST_SYSENTER_EIP, 0x4242);
	msr_entry(f, EXIT_LOAD_PA, 0, MSR_IA32_LSTAR, 0xffffffff8abc0000ull);
	W(f, VM_EXIT_MSR_LOAD_COUNT, 1);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_int_equal(phys_read(&f->phys, EXIT_STORE_PA + 8, 8), 0xffffffff81234000ull);
	assert_int_equal(phys_read(&f->phys, EXIT_STORE_PA + 24, 8), 0x4242);
	assert_int_equal(f->cpu.msr.lstar, 0xffffffff8abc0000ull);
	fx_free(f);
}

/* 27.7: a failure in the MSR areas of a VM exit is a VMX abort: indicator at byte 4 of the
 * VMCS region, shutdown. */
static void test_vmx_abort(void **state)
{
	(void)state;
	for (unsigned store = 0; store < 4; store++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x0f, 0x0b));
		W(f, EXCEPTION_BITMAP, BIT(6));
		if (store == 1) {
			msr_entry(f, EXIT_STORE_PA, 0, 0x808, 0);
			W(f, VM_EXIT_MSR_STORE_COUNT, 1);
		} else if (store == 2) {
			msr_entry(f, EXIT_STORE_PA, 0, MSR_IA32_SMBASE, 0); /* SMM only */
			W(f, VM_EXIT_MSR_STORE_COUNT, 1);
		} else if (store == 3) {
			for (unsigned k = 0; k < 513; k++) /* beyond IA32_VMX_MISC[27:25] */
				msr_entry(f, EXIT_STORE_PA, k, MSR_IA32_STAR, 0);
			W(f, VM_EXIT_MSR_STORE_COUNT, 513);
		} else {
			msr_entry(f, EXIT_LOAD_PA, 0, MSR_IA32_FS_BASE, 0);
			W(f, VM_EXIT_MSR_LOAD_COUNT, 1);
		}
		assert_int_equal(enter_run(f), STEP_SHUTDOWN);
		u32 code = store ? VMX_ABORT_SAVE_MSR : VMX_ABORT_LOAD_MSR;
		assert_int_equal(phys_read(&f->phys, VMCS_PA + VMX_REGION_ABORT, 4), code);
		assert_int_equal(f->cpu.vmx.vmcs.abort, code);
		assert_false(f->cpu.vmx.non_root);
		fx_free(f);
	}
}

/* ==== host state (27.5) and guest state (26.3.2, 27.3) ==== */

static void assert_seg(const struct seg *s, u16 sel, u64 base, u32 limit, u32 ar)
{
	assert_int_equal(s->sel, sel);
	assert_int_equal(s->base, base);
	assert_int_equal(s->limit, limit);
	assert_int_equal(s->ar, ar);
}

static void test_host_state_loaded(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x0f, 0x0b));
	W(f, EXCEPTION_BITMAP, BIT(6));
	W(f, GUEST_DR7, 0x4ff);
	W(f, GUEST_RFLAGS, 0x2c3);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	struct vx_cpu *c = &f->cpu;
	assert_int_equal(c->cr0, 0x80050033);
	assert_int_equal(c->cr3, FX_PML4);
	assert_int_equal(c->cr4, 0x26a0);
	assert_int_equal(c->dr[7], 0x400);
	assert_int_equal(c->msr.debugctl, 0);
	assert_int_equal(c->msr.sysenter_cs, 0x10);
	assert_int_equal(c->msr.sysenter_esp, 0xfffffe0000004000ull);
	assert_int_equal(c->msr.sysenter_eip, 0xffffffff81a00000ull);
	assert_int_equal(c->msr.efer, 0xd01);
	assert_int_equal(c->msr.pat, HOST_PAT);
	assert_seg(&c->seg[SEG_CS], 0x08, 0, 0xffffffff, 0xa09b);
	assert_seg(&c->seg[SEG_SS], 0x10, 0, 0xffffffff, 0xc093);
	assert_seg(&c->seg[SEG_DS], 0x10, 0, 0xffffffff, 0xc093);
	assert_seg(&c->seg[SEG_GS], 0x10, 0xffff888000001000ull, 0xffffffff, 0xc093);
	assert_int_equal(c->seg[SEG_ES].ar, BIT(16)); /* selector 0: unusable */
	assert_int_equal(c->seg[SEG_FS].ar, BIT(16));
	assert_int_equal(c->seg[SEG_FS].base, 0x7fff12340000ull);
	assert_seg(&c->seg[SEG_TR], 0x28, 0xfffffe0000003000ull, 0x67, 0x8b);
	assert_int_equal(c->seg[SEG_LDTR].sel, 0);
	assert_true(c->seg[SEG_LDTR].ar & BIT(16));
	assert_int_equal(c->gdtr.base, 0xfffffe0000001000ull);
	assert_int_equal(c->gdtr.limit, 0xffff);
	assert_int_equal(c->idtr.base, 0xfffffe0000002000ull);
	assert_int_equal(c->idtr.limit, 0xffff);
	assert_int_equal(c->rip, HOST_RIP);
	assert_int_equal(c->gpr[4], HOST_RSP);
	assert_int_equal(cpu_rflags(c), 0x2);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->shadow, 0);
	assert_false(c->halted);
	assert_false(c->vmx.non_root);
	/* 27.2: "IA-32e mode guest" receives IA32_EFER.LMA (IA32_VMX_MISC[5]). */
	assert_true(V(f, VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST);
	fx_free(f);
}

/* A guest state with every register distinct, entered with a zero preemption timer so that
 * it exits before executing anything: every guest field comes back as it was loaded; the
 * second entry loads the same values into the processor. */
static void test_guest_state_round_trip(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	W(f, GUEST_CR0, 0x80040033); /* AM, no WP */
	W(f, GUEST_CR4, 0x26b0);     /* PSE PAE PGE OSFXSR OSXMMEXCPT VMXE */
	W(f, GUEST_DR7, 0x4aa);
	W(f, GUEST_SYSENTER_CS, 0x1234);
	W(f, GUEST_SYSENTER_ESP, 0xffff800000001000ull);
	W(f, GUEST_SYSENTER_EIP, 0xffff800000002000ull);
	W(f, GUEST_IA32_EFER, 0x501); /* SCE LME LMA */
	seg(f, SEG_FS, 0x10, 0x7f0000001000ull, 0xffffffff, 0xc093);
	seg(f, SEG_GS, 0, 0xffff800000003000ull, 0, BIT(16));
	seg(f, SEG_ES, 0x20 | 3, 0, 0xfffff, 0x40f3);
	seg(f, SEG_TR, 0x28, 0xffff800000004000ull, 0x2067, 0x8b);
	W(f, GUEST_GDTR_LIMIT, 0x3f);
	W(f, GUEST_IDTR_BASE, 0xffff800000005000ull);
	W(f, GUEST_RSP, 0x123456789aull);
	W(f, GUEST_RIP, 0x100123);
	W(f, GUEST_RFLAGS, 0x2d7 | RF_RF); /* CF PF AF ZF SF IF, RF */
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_NMI);
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	struct vmcs before = f->cpu.vmx.vmcs;
	for (unsigned round = 0; round < 2; round++) {
		assert_int_equal(enter(f), STEP_RETIRED);
		struct vx_cpu *c = &f->cpu;
		assert_int_equal(c->cr0, 0x80040033);
		assert_int_equal(c->cr4, 0x26b0);
		assert_int_equal(c->dr[7], 0x4aa);
		assert_int_equal(c->msr.efer, 0x501);
		assert_int_equal(c->msr.pat, GUEST_PAT);
		assert_seg(&c->seg[SEG_ES], 0x23, 0, 0xfffff, 0x40f3);
		assert_int_equal(c->seg[SEG_FS].base, 0x7f0000001000ull);
		assert_int_equal(c->seg[SEG_GS].ar, BIT(16));
		assert_int_equal(c->idtr.base, 0xffff800000005000ull);
		assert_int_equal(c->gpr[4], 0x123456789aull);
		assert_int_equal(cpu_rflags(c), 0x2d7 | RF_RF);
		assert_int_equal(c->shadow, VMX_INTR_BLOCKING_BY_STI);
		assert_true(c->nmi_blocked);
		assert_int_equal(run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_PREEMPTION_TIMER, 0x100123);
		for (unsigned s = 0; s < VMCS_NSLOTS; s++) {
			enum vmcs_slot sl = (enum vmcs_slot)s;
			bool guest =
			    (s >= S(GUEST_ES_SELECTOR) && s <= S(GUEST_UINV)) ||
			    (s >= S(VMCS_LINK_POINTER) && s <= S(GUEST_IA32_FRED_SSP3)) ||
			    (s >= S(GUEST_ES_LIMIT) && s <= S(VMX_PREEMPTION_TIMER_VALUE)) ||
			    (s >= S(GUEST_CR0) && s <= S(GUEST_INTR_SSP_TABLE));
			if (guest && vmcs_get(&before, sl) != vmcs_get(&f->cpu.vmx.vmcs, sl))
				fail_msg("guest field slot %u: %llx -> %llx", s,
					 (unsigned long long)vmcs_get(&before, sl),
					 (unsigned long long)vmcs_get(&f->cpu.vmx.vmcs, sl));
		}
	}
	fx_free(f);
}

/* 26.3.2.1: CR0.ET/NW/CD are "never modified on VM entry"; DR7 bits 12, 15:14 "are always
 * 0 and bit 10 is always 1"; without "load IA32_EFER", LMA and LME come from "IA-32e mode
 * guest" and the other EFER bits stay.  27.3: the processor's values are saved. */
static void test_guest_load_special_bits(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	W(f, GUEST_CR0, 0x80010023 | X86_CR0_NW); /* ET clear, NW set */
	W(f, GUEST_DR7, 0xd0aa);
	W(f, VM_ENTRY_CONTROLS, V(f, VM_ENTRY_CONTROLS) & ~(u64)ENTRY_LOAD_IA32_EFER);
	f->cpu.msr.efer = X86_EFER_SCE;
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(f->cpu.cr0, 0x80010033);
	assert_int_equal(f->cpu.dr[7], 0x4aa);
	assert_int_equal(f->cpu.msr.efer, X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA);
	/* VM exits store IA32_EFER.LMA into "IA-32e mode guest" (IA32_VMX_MISC[5]). */
	W(f, VM_ENTRY_CONTROLS, V(f, VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE_GUEST);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_int_equal(V(f, GUEST_CR0), 0x80010033);
	assert_int_equal(V(f, GUEST_DR7), 0x4aa);
	assert_int_equal(V(f, GUEST_IA32_EFER), X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA);
	assert_true(V(f, VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST);
	fx_free(f);
}

/* 27.3.2: an unusable DS is saved with bits 63:32 of its base clear; 27.3.4: an exit other
 * than #DB during MOV-SS blocking saves the pending debug exceptions and the blocking. */
static void test_saved_unusable_and_movss(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	seg(f, SEG_DS, 0, 0xffff000012345000ull, 0, BIT(16));
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_MOV_SS);
	W(f, GUEST_RFLAGS, 0x102);
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14) | 1);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_PREEMPTION_TIMER, GUEST_RIP);
	assert_int_equal(V(f, GUEST_DS_BASE), 0x12345000);
	assert_int_equal(V(f, GUEST_DS_AR_BYTES), BIT(16));
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_BLOCKING_BY_MOV_SS);
	assert_int_equal(V(f, GUEST_PENDING_DBG_EXCEPTIONS), BIT(14) | 1);
	fx_free(f);
}

/* Inactive activity states: shutdown (2) returns STEP_SHUTDOWN and is left by an NMI's VM
 * exit, which saves activity 2; wait-for-SIPI (3) waits. */
static void test_shutdown_and_sipi_states(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_NMI_EXITING);
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_SHUTDOWN);
	assert_int_equal(enter_run(f), STEP_SHUTDOWN);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_SHUTDOWN);
	fx_free(f);
	f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_WAIT_SIPI);
	assert_int_equal(enter_run(f), STEP_HALT);
	f->cpu.pending_intr = 0x30; /* blocked in wait-for-SIPI */
	assert_int_equal(run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root);
	fx_free(f);
	/* The preemption timer does not exit from wait-for-SIPI (docs/decisions.md). */
	f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_WAIT_SIPI);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root);
	fx_free(f);
}

/* Root operation (fault.c): a fault while delivering INT n pushes the INT's address (a fault
 * on the instruction); INT1's nested exception sets EXT (6.13); a benign exception, then a
 * contributory fault, a #PF and a contributory fault make a #DF that is delivered (Table 6-5).
 */
static void test_root_delivery(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	struct vx_cpu *c = &f->cpu;
	c->gdtr = (struct dtr){GDT_PA, 0x37};
	c->idtr = (struct dtr){IDT_PA, 0xfff};
	c->seg[SEG_TR] = (struct seg){.sel = 0x28, .ar = 0x8b, .limit = 0x67, .base = TSS_PA};
	gate(f, 0x80, false);
	gate(f, 1, false);
	guest_code(f, CODE(0xcd, 0x80, 0xf1));
	assert_int_equal(run(f), STEP_HALT);
	assert_int_equal(c->gpr[3], 11);
	assert_int_equal(c->gpr[1], 0x80 * 8 + 2);
	assert_int_equal(c->gpr[2], GUEST_RIP);
	c->rip = GUEST_RIP + 2;
	c->gpr[4] = GUEST_RSP;
	c->halted = false;
	assert_int_equal(run(f), STEP_HALT);
	assert_int_equal(c->gpr[1], 1 * 8 + 2 + 1);
	assert_int_equal(c->gpr[2], GUEST_RIP + 2);
	/* UD2 through a gate that is not present: #NP; its gate has IST 1 on an unmapped
	 * stack: #PF; gate 14 of type 0: #GP; then #DF through gate 8 (4 deliveries). */
	gate(f, 0x80, true);
	gate(f, 6, false);
	u64 lo = phys_read(&f->phys, IDT_PA + 16 * 11, 8) | 1ull << 32;
	phys_write(&f->phys, IDT_PA + 16 * 11, 8, lo);
	phys_write(&f->phys, TSS_PA + 36, 8, UNMAPPED + 0x1000);
	phys_write(&f->phys, IDT_PA + 16 * 14, 8, 0);
	phys_write(&f->phys, IDT_PA + 16 * 14 + 8, 8, 0);
	guest_code(f, CODE(0x0f, 0x0b));
	c->rip = GUEST_RIP;
	c->gpr[4] = GUEST_RSP;
	c->halted = false;
	assert_int_equal(run(f), STEP_HALT);
	assert_int_equal(c->gpr[3], 8);
	assert_int_equal(c->gpr[1], 0);
	assert_int_equal(c->gpr[2], GUEST_RIP);
	fx_free(f);
}

/* External interrupts without "external-interrupt exiting" wait for RFLAGS.IF = 1. */
static void test_external_interrupt_if_blocked(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90, 0x0f, 0x0b));
	W(f, EXCEPTION_BITMAP, BIT(6));
	assert_int_equal(enter(f), STEP_RETIRED);
	f->cpu.pending_intr = 0x41;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 1);
	assert_int_equal(f->cpu.pending_intr, 0x41);
	fx_free(f);
}

/* 25.3 IRET: "If the 'NMI exiting' VM-execution control is 1, IRET does not affect blocking
 * of NMIs"; with it 0, IRET unblocks them. */
static void test_iret_nmi_blocking(void **state)
{
	(void)state;
	for (unsigned exiting = 0; exiting < 2; exiting++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(0x48, 0xcf));
		phys_copy_in(&f->phys, GUEST_RIP + 0x10, CODE(0x0f, 0x0b));
		iret_frame(f, 0x08);
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), exiting ? PIN_NMI_EXITING : 0);
		W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_NMI);
		W(f, EXCEPTION_BITMAP, BIT(6));
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 0x10);
		assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO),
				 exiting ? VMX_INTR_BLOCKING_BY_NMI : 0);
		fx_free(f);
	}
}

/* 27.1: an event that exits indirectly (during its delivery) found the processor active and
 * without STI blocking; a delivered NMI blocks NMIs "before the VM exit commences". */
static void test_exit_during_delivery_state(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0xf4));
	gate(f, 0x41, false);
	W(f, GUEST_RFLAGS, 0x202);
	W(f, EXCEPTION_BITMAP, BIT(11));
	assert_int_equal(enter_run(f), STEP_HALT);
	f->cpu.pending_intr = 0x41;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 1);
	assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(VMX_INTR_TYPE_EXT_INTR, 0x41));
	assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), 0x41 * 8 + 2 + 1);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_ACTIVE);
	fx_free(f);
	f = vt_new();
	guest_code(f, CODE(0x90));
	gate(f, 2, false);
	W(f, GUEST_RFLAGS, 0x202);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	W(f, EXCEPTION_BITMAP, BIT(11));
	assert_int_equal(enter(f), STEP_RETIRED);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(VMX_INTR_TYPE_NMI, 2));
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_BLOCKING_BY_NMI);
	fx_free(f);
}

/* The delivery of an event that wakes the guest from HLT triple-faults: the exit finds the
 * processor active (27.1). */
static void test_triple_fault_from_hlt(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0xf4));
	W(f, GUEST_RFLAGS, 0x202);
	W(f, GUEST_IDTR_LIMIT, 0);
	assert_int_equal(enter_run(f), STEP_HALT);
	f->cpu.pending_intr = 0x41;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_TRIPLE_FAULT, GUEST_RIP + 1);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_ACTIVE);
	fx_free(f);
}

/* A delivered NMI ends STI blocking and the shutdown state: an external interrupt's exit
 * (blocked by STI) comes right at the NMI handler; from shutdown the handler runs. */
static void test_nmi_delivery_state(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x90));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_EXT_INTR_EXITING);
	W(f, GUEST_RFLAGS, 0x202);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(enter(f), STEP_RETIRED);
	vmx_raise_nmi(&f->cpu);
	f->cpu.pending_intr = 0x30;
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXTERNAL_INTERRUPT, STUBS + 16 * 2);
	fx_free(f);
	f = vt_new();
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_SHUTDOWN);
	assert_int_equal(enter_run(f), STEP_SHUTDOWN);
	vmx_raise_nmi(&f->cpu);
	assert_int_equal(run(f), STEP_HALT);
	assert_handler(f, 2, GUEST_RIP, 0x08);
	fx_free(f);
}

/* A vectoring VM entry: no STI blocking (26.6.1), active even with activity HLT (26.6.2),
 * pending debug exceptions dropped without MOV-SS blocking (26.6.3). */
static void test_vectoring_entry_state(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	W(f, GUEST_RFLAGS, 0x202);
	W(f, VM_ENTRY_INTR_INFO, INFO(HW, 6));
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(f->cpu.shadow, 0);
	fx_free(f);
	f = vt_new();
	W(f, GUEST_RFLAGS, 0x302); /* TF: in the HLT state BS must equal it (26.3.1.5) */
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_EXT_INTR, 0x41));
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_HLT);
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14));
	W(f, EXCEPTION_BITMAP, BIT(1));
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_false(f->cpu.halted);
	assert_int_equal(run(f), STEP_HALT);
	assert_handler(f, 0x41, GUEST_RIP, 0x08);
	fx_free(f);
	/* A software interrupt without MOV-SS blocking drops them too. */
	f = vt_new();
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80));
	W(f, VM_ENTRY_INSTRUCTION_LEN, 2);
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14));
	W(f, EXCEPTION_BITMAP, BIT(1));
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_handler(f, 0x80, GUEST_RIP + 2, 0x08);
	fx_free(f);
}

/* A CPL-3 guest: CPL is SS.DPL after VM entry; HLT at CPL 3 is #GP(0). */
static void test_cpl3_guest(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0xf4));
	seg(f, SEG_CS, 0x1b, 0, 0xffffffff, 0xa0fb);
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			seg(f, s, 0x23, 0, 0xffffffff, 0xc0f3);
	W(f, EXCEPTION_BITMAP, BIT(13));
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(f->cpu.cpl, 3);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, 13) | EC);
	assert_int_equal(f->cpu.cpl, 0);
	fx_free(f);
}

/* 27.3.2 access-rights bits 31:17 and 11:8 saved clear; 27.5.1 IA32_DEBUGCTL cleared; 27.5.2
 * LDTR null and unusable; 27.5.5 no STI blocking after the exit. */
static void test_host_nonregister(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	seg(f, SEG_LDTR, 0x30, 0x1000, 0xffff, 0x82);
	W(f, GUEST_RFLAGS, 0x202);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(f->cpu.seg[SEG_LDTR].sel, 0x30);
	f->cpu.msr.debugctl = 1;
	f->cpu.seg[SEG_DS].ar |= 0xf00 | BIT(20);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_int_equal(V(f, GUEST_DS_AR_BYTES), 0xc093);
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(f->cpu.msr.debugctl, 0);
	assert_int_equal(f->cpu.seg[SEG_LDTR].sel, 0);
	assert_true(f->cpu.seg[SEG_LDTR].ar & BIT(16));
	assert_int_equal(f->cpu.shadow, 0);
	fx_free(f);
}

/* 26.7 for reason 33 (VMLAUNCH's guest-state checks): reason with bit 31, qualification,
 * host state, the rest of the exit information untouched. */
static void test_entry_failure_guest_state(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	W(f, VM_EXIT_INTR_INFO, 0x77);
	W(f, EXIT_QUALIFICATION, 0x99);
	f->cpu.nmi_blocked = true;
	assert_int_equal(vmexit_entry_failure(&f->cpu, VMX_EXIT_INVALID_STATE, 4), STEP_VMEXIT);
	assert_int_equal(V(f, EXIT_REASON), VMX_EXIT_INVALID_STATE | BIT(31));
	assert_int_equal(V(f, EXIT_QUALIFICATION), 4);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), 0x77);
	assert_int_equal(V(f, GUEST_RIP), GUEST_RIP);
	assert_int_equal(f->cpu.rip, HOST_RIP);
	assert_true(f->cpu.nmi_blocked); /* "what it was before VM entry" */
	fx_free(f);
}

/* vmexit_insn(): RIP of the instruction, its length, the instruction information, RF 0. */
static void test_vmexit_insn(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	W(f, GUEST_RFLAGS, 0x2 | RF_RF);
	assert_int_equal(enter(f), STEP_RETIRED);
	struct insn i = {.len = 3};
	f->cpu.insn_rip = GUEST_RIP;
	f->cpu.rip = GUEST_RIP + 3;
	assert_int_equal(vmexit_insn(&f->cpu, &i, VMX_EXIT_CPUID, 0, 0x1234), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP);
	assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), 3);
	assert_int_equal(V(f, VMX_INSTRUCTION_INFO), 0x1234);
	assert_int_equal(V(f, GUEST_RFLAGS), 0x2);
	fx_free(f);
}

/* 27.2.1: the qualification is saved only for the causes it lists, "For all other VM exits,
 * this field is cleared"; 27.2.2: the interruption information is valid only for exceptions,
 * NMIs and acknowledged external interrupts.  After an exit that wrote both, CPUID, HLT, INVD
 * and VMCALL exits clear the one and invalidate the other. */
static void test_exits_without_detail(void **state)
{
	(void)state;
	static const struct {
		u8 code[3];
		u32 reason;
	} insns[] = {
	    {{0x0f, 0xa2}, VMX_EXIT_CPUID},
	    {{0xf4}, VMX_EXIT_HLT},
	    {{0x0f, 0x08}, VMX_EXIT_INVD},
	    {{0x0f, 0x01, 0xc1}, VMX_EXIT_VMCALL},
	};
	for (unsigned k = 0; k < ARRAY_SIZE(insns); k++) {
		struct fx *f = vt_new();
		set_ctl(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL, PROC_HLT_EXITING);
		assert_int_equal(enter(f), STEP_RETIRED);
		struct vmexit_info e = {.reason = VMX_EXIT_EXCEPTION_NMI,
					.qual = 0xdead000,
					.intr_info = VMX_INTR_INFO_VALID | 3u << 8 | 14};
		assert_int_equal(vmexit(&f->cpu, &e), STEP_VMEXIT);
		assert_int_equal(V(f, EXIT_QUALIFICATION), 0xdead000);
		W(f, GUEST_RIP, GUEST_RIP);
		guest_code(f, insns[k].code, sizeof(insns[k].code));
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_exit(f, insns[k].reason, GUEST_RIP);
		assert_int_equal(V(f, EXIT_QUALIFICATION), 0);
		assert_false(V(f, VM_EXIT_INTR_INFO) & VMX_INTR_INFO_VALID);
		fx_free(f);
	}
}

/* EPT exits through vmexit(): guest-physical and guest-linear addresses, RF = 1 outside
 * event delivery (27.3.3). */
static void test_vmexit_ept_fields(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	assert_int_equal(enter(f), STEP_RETIRED);
	struct vmexit_info e = {.reason = VMX_EXIT_EPT_VIOLATION,
				.qual = BIT(7) | BIT(1),
				.gla = 0x7000123,
				.gpa = 0x9000123};
	assert_int_equal(vmexit(&f->cpu, &e), STEP_VMEXIT);
	assert_int_equal(V(f, GUEST_PHYSICAL_ADDRESS), 0x9000123);
	assert_int_equal(V(f, GUEST_LINEAR_ADDRESS), 0x7000123);
	assert_int_equal(V(f, EXIT_QUALIFICATION), BIT(7) | BIT(1));
	assert_int_equal(V(f, GUEST_RFLAGS), 0x2 | RF_RF);
	fx_free(f);
	/* During delivery (as when an EPT violation hits the IDT or the stack): the delivered
	 * event is the IDT-vectoring information, RIP its return pointer whatever at_insn says
	 * (the INT's address and length for a software interrupt), RF its image's. */
	for (unsigned soft = 0; soft < 2; soft++) {
		f = vt_new();
		assert_int_equal(enter(f), STEP_RETIRED);
		struct vx_cpu *c = &f->cpu;
		c->vmxnr.delivering = true;
		c->vmxnr.cur =
		    (struct event){.valid = true,
				   .vector = soft ? 0x80 : 0x41,
				   .type = soft ? VMX_INTR_TYPE_SOFT_INTR : VMX_INTR_TYPE_EXT_INTR};
		c->insn_rip = GUEST_RIP + 0x20;
		c->rip = GUEST_RIP + 0x22;
		struct vmexit_info x = {
		    .reason = VMX_EXIT_EPT_MISCONFIG, .gpa = 0x123, .at_insn = !soft};
		assert_int_equal(vmexit(c, &x), STEP_VMEXIT);
		assert_int_equal(V(f, GUEST_RIP), soft ? GUEST_RIP + 0x20 : GUEST_RIP + 0x22);
		assert_int_equal(V(f, IDT_VECTORING_INFO),
				 soft ? INFO(VMX_INTR_TYPE_SOFT_INTR, 0x80)
				      : INFO(VMX_INTR_TYPE_EXT_INTR, 0x41));
		assert_int_equal(V(f, GUEST_RFLAGS), 0x2);
		assert_int_equal(V(f, GUEST_PHYSICAL_ADDRESS), 0x123);
		if (soft)
			assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), 2);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exception_bitmap),
	    cmocka_unit_test(test_pf_mask_match),
	    cmocka_unit_test(test_idt_vectoring_pf_during_int),
	    cmocka_unit_test(test_nested_double_triple),
	    cmocka_unit_test(test_external_interrupt_exit),
	    cmocka_unit_test(test_external_interrupt_delivered),
	    cmocka_unit_test(test_interrupt_window),
	    cmocka_unit_test(test_nmi_exiting),
	    cmocka_unit_test(test_nmi_delivered),
	    cmocka_unit_test(test_nmi_window),
	    cmocka_unit_test(test_iret_nmi_unblocking),
	    cmocka_unit_test(test_preemption_timer),
	    cmocka_unit_test(test_mtf),
	    cmocka_unit_test(test_pending_mtf_injection),
	    cmocka_unit_test(test_hlt_activity),
	    cmocka_unit_test(test_injection),
	    cmocka_unit_test(test_injection_nested),
	    cmocka_unit_test(test_injection_nested_ext),
	    cmocka_unit_test(test_injection_enclave_bit_scope),
	    cmocka_unit_test(test_pending_debug),
	    cmocka_unit_test(test_entry_msr_load_failure),
	    cmocka_unit_test(test_exit_msr_areas),
	    cmocka_unit_test(test_vmx_abort),
	    cmocka_unit_test(test_host_state_loaded),
	    cmocka_unit_test(test_guest_state_round_trip),
	    cmocka_unit_test(test_guest_load_special_bits),
	    cmocka_unit_test(test_saved_unusable_and_movss),
	    cmocka_unit_test(test_shutdown_and_sipi_states),
	    cmocka_unit_test(test_root_delivery),
	    cmocka_unit_test(test_external_interrupt_if_blocked),
	    cmocka_unit_test(test_iret_nmi_blocking),
	    cmocka_unit_test(test_exit_during_delivery_state),
	    cmocka_unit_test(test_triple_fault_from_hlt),
	    cmocka_unit_test(test_nmi_delivery_state),
	    cmocka_unit_test(test_vectoring_entry_state),
	    cmocka_unit_test(test_cpl3_guest),
	    cmocka_unit_test(test_host_nonregister),
	    cmocka_unit_test(test_entry_failure_guest_state),
	    cmocka_unit_test(test_vmexit_insn),
	    cmocka_unit_test(test_exits_without_detail),
	    cmocka_unit_test(test_vmexit_ept_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
