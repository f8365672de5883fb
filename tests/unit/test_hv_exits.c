// SPDX-License-Identifier: MIT
/*
 * L0's exit handlers driven by hand-made exits (no VM entry needed): port I/O and the devices
 * (console, exit port, timer, string I/O), HLT, triple fault, the hypercalls, CR0/CR4 accesses,
 * XSETBV, exception re-injection, the work before each VM entry (injection, interrupt window,
 * budget, VMX-preemption timer, MTF) and hv_run_elf's errors. The VM-entry checks of the processor
 * (SDM Vol. 3C 26.1-26.3.1) pass on L0's VMCS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "hv_fixture.h"

#define EXT_INTR(v) (VMX_INTR_INFO_VALID | (v))

/* ---- port I/O ---- */

static enum hv_ret io(struct hvf *f, bool in, unsigned size, u16 port, u64 rax)
{
	hv_set_gpr(f->v, VX_RAX, rax);
	u64 q = (size - 1) | (in ? 8 : 0) | ((u64)port << 16);
	hvf_exit(f, VMX_EXIT_IO_INSTRUCTION, 0x100000, 2, q, 0);
	return hv_dispatch(f->v);
}

static void test_io_devices(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	assert_int_equal(io(f, false, 1, 0xe9, 'h'), HV_RESUME);
	assert_int_equal(io(f, false, 1, 0xe9, 0x100 | 'i'), HV_RESUME);
	assert_int_equal(io(f, false, 1, 0xe9, '\n'), HV_RESUME);
	assert_string_equal(hvf_console(f), "hi\n");
	assert_int_equal(hvf_rip(f), 0x100002);
	const struct hvf_rec *c = hvf_find(f, TRACE_console, 0);
	assert_string_equal(hvf_s(c, "text"), "hi");
	assert_int_equal(hvf_count(f, TRACE_io), 3);
	/* IN: 8 bits merge into RAX, 32 bits zero-extend; no device: all ones */
	io(f, true, 1, 0xe9, 0xffffffffffffff00ull);
	assert_int_equal(hv_gpr(v, VX_RAX), 0xffffffffffffffe9ull);
	io(f, true, 4, 0x80, 0xffffffff00000000ull);
	assert_int_equal(hv_gpr(v, VX_RAX), 0xffffffffull);
	io(f, true, 2, 0x80, 0x1234567800000000ull);
	assert_int_equal(hv_gpr(v, VX_RAX), 0x123456780000ffffull);
	/* the timer: vector, then a delay counted from now */
	io(f, false, 1, VX_PORT_TIMER, 0x41);
	io(f, false, 4, VX_PORT_TIMER + 4, 500);
	assert_true(v->timer.armed);
	assert_int_equal(v->timer.vector, 0x41);
	assert_int_equal(v->timer.deadline, hv_retired(v) + 500);
	io(f, true, 4, VX_PORT_TIMER + 4, 0);
	assert_int_equal(hv_gpr(v, VX_RAX), 500);
	io(f, false, 2, VX_PORT_TIMER + 4, 7); /* not 32-bit: ignored, warned */
	assert_int_equal(v->timer.deadline, hv_retired(v) + 500);
	assert_non_null(strstr(hvf_diag(f), "timer delay port"));
	/* the exit port: 8 bits are ignored, 32 bits end the run */
	assert_int_equal(io(f, false, 1, 0xf4, 3), HV_RESUME);
	assert_int_equal(io(f, false, 4, 0xf4, 0x1234), HV_TO_USER);
	assert_int_equal(v->why, HV_STOP_EXIT);
	assert_int_equal(v->status, 0x34);
	hvf_free(f);
}

/* rep outsb / rep insb: the string through the guest's paging, RCX/RSI/RDI updated. */
static void test_io_string(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	hvf_poke(f, 0x300000, "ok!\n", 4);
	hv_set_gpr(v, VX_RSI, 0x300000);
	hv_set_gpr(v, VX_RCX, 4);
	u64 q = 0 | BIT(4) | BIT(5) | (0xe9ull << 16); /* rep outsb, DX */
	hvf_exit(f, VMX_EXIT_IO_INSTRUCTION, 0x100000, 2, q, 0);
	v->exit.insn_info = (2u << 7) | (3u << 15); /* 64-bit address, DS */
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_string_equal(hvf_console(f), "ok!\n");
	assert_int_equal(hv_gpr(v, VX_RCX), 0);
	assert_int_equal(hv_gpr(v, VX_RSI), 0x300004);
	assert_int_equal(hvf_rip(f), 0x100002);
	/* rep insb backwards (DF = 1) from port 0xE9 (reads E9H) */
	hv_vmwrite(v, VMCS_GUEST_RFLAGS, 0x2 | BIT(10));
	hv_set_gpr(v, VX_RDI, 0x300010);
	hv_set_gpr(v, VX_RCX, 2);
	q = 0 | BIT(3) | BIT(4) | BIT(5) | (0xe9ull << 16);
	hvf_exit(f, VMX_EXIT_IO_INSTRUCTION, 0x100000, 2, q, 0);
	v->exit.insn_info = 2u << 7;
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RDI), 0x30000e);
	assert_int_equal(vx_phys_read(v->phys, 0x30000f, 2), 0xe9e9);
	assert_int_equal(vx_phys_read(v->phys, 0x30000e, 1), 0);
	/* a string source on a page that is not mapped: #PF, nothing printed, RIP stays */
	hv_vmwrite(v, VMCS_GUEST_RFLAGS, 0x2);
	hv_set_gpr(v, VX_RSI, 0x7f8000000000ull);
	hv_set_gpr(v, VX_RCX, 1);
	q = 0 | BIT(4) | BIT(5) | (0xe9ull << 16);
	hvf_exit(f, VMX_EXIT_IO_INSTRUCTION, 0x100000, 2, q, 0);
	v->exit.insn_info = 2u << 7;
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_PF);
	assert_int_equal(hv_gpr(v, VX_RCX), 1);
	assert_int_equal(hvf_rip(f), 0x100000);
	/* after an enclave exit: the gate refuses (INS/OUTS #UD in enclaves anyway) */
	hvf_exit(f, VMX_EXIT_IO_INSTRUCTION | VMX_EXIT_REASON_ENCLAVE_MODE, 0x100000, 0, q, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_UD);
	hvf_free(f);
}

/* ---- HLT, triple fault, hypercalls ---- */

static void test_hlt(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	hvf_exit(f, VMX_EXIT_HLT, 0x100000, 1, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_TO_USER);
	assert_int_equal(v->status, VX_EXIT_HALTED);
	assert_int_equal(v->why, HV_STOP_HALT);
	assert_non_null(strstr(v->msg, "guest halted at RIP 0x100001 with interrupts disabled"));
	/* IF = 1 and the timer armed: the idle time is skipped, the interrupt is pending */
	hv_vmwrite(v, VMCS_GUEST_RFLAGS, 0x202);
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI); /* sti; hlt */
	v->timer = (struct hv_timer){.vector = 0x30, .armed = true, .deadline = 1000000};
	hvf_exit(f, VMX_EXIT_HLT, 0x100000, 1, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_rip(f), 0x100001);
	assert_false(v->timer.armed);
	assert_int_equal(v->irq, 0x30);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
	assert_string_equal(hvf_s(hvf_find(f, TRACE_timer, 0), "action"), "fire");
	/* IF = 1 without any source */
	v->irq = -1;
	hvf_exit(f, VMX_EXIT_HLT, 0x100000, 1, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_TO_USER);
	assert_non_null(strstr(v->msg, "interrupts enabled but no interrupt source armed"));
	hvf_free(f);
}

static void test_triple_fault(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hvf_exit(f, VMX_EXIT_TRIPLE_FAULT, 0x100123, 0, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_TO_USER);
	assert_int_equal(f->v->status, VX_EXIT_TRIPLE_FAULT);
	assert_int_equal(f->v->why, HV_STOP_TRIPLE_FAULT);
	assert_non_null(strstr(f->v->msg, "triple fault (shutdown) at RIP 0x100123"));
	assert_int_equal(hvf_u(hvf_find(f, TRACE_triple_fault, 0), "rip"), 0x100123);
	hvf_free(f);
}

static enum hv_ret vmcall(struct hvf *f, u64 nr, u64 rbx)
{
	hv_set_gpr(f->v, VX_RAX, nr);
	hv_set_gpr(f->v, VX_RBX, rbx);
	hvf_exit(f, VMX_EXIT_VMCALL, 0x100000, 3, 0, 0);
	return hv_dispatch(f->v);
}

static void test_hypercalls(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	assert_int_equal(vmcall(f, HV_HC_PUTC, 'Z'), HV_RESUME);
	assert_string_equal(hvf_console(f), "Z");
	assert_int_equal(hv_gpr(v, VX_RAX), 0);
	assert_int_equal(hvf_rip(f), 0x100003);
	assert_int_equal(vmcall(f, HV_HC_INFO, 0), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), HV_HC_INFO_MAGIC);
	assert_int_equal(hv_gpr(v, VX_RBX), hv_retired(v));
	assert_int_equal(vmcall(f, 77, 0), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), (u64)-1000);
	assert_int_equal(hvf_u(hvf_find(f, TRACE_hypercall, 2), "nr"), 77);
	hv_vmwrite(v, VMCS_GUEST_SS_AR_BYTES, 0xc0f3); /* CPL 3 */
	assert_int_equal(vmcall(f, HV_HC_EXIT, 9), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), (u64)-1);
	hv_vmwrite(v, VMCS_GUEST_SS_AR_BYTES, 0xc093);
	assert_int_equal(vmcall(f, HV_HC_EXIT, 0x1ff), HV_TO_USER);
	assert_int_equal(v->status, 0xff);
	assert_int_equal(v->why, HV_STOP_EXIT);
	assert_true(v->via_hypercall);
	hvf_free(f);
}

/* ---- control registers, XSETBV, VMX instructions, ENCLS ---- */

static enum hv_ret mov_cr(struct hvf *f, unsigned cr, u64 val)
{
	hv_set_gpr(f->v, VX_RDX, val);
	hvf_exit(f, VMX_EXIT_CR_ACCESS, 0x100000, 3, cr | (VX_RDX << 8), 0);
	return hv_dispatch(f->v);
}

static void test_cr_access(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	/* CR4.VMXE: the guest's view changes, the real bit stays 1 */
	assert_int_equal(mov_cr(f, 4, 0x620 | BIT(13)), HV_RESUME);
	assert_int_equal(hv_vmread(v, VMCS_CR4_READ_SHADOW), 0x2620);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_CR4), 0x2620);
	assert_int_equal(hvf_rip(f), 0x100003);
	assert_int_equal(mov_cr(f, 4, 0x620), HV_RESUME);
	assert_int_equal(hv_vmread(v, VMCS_CR4_READ_SHADOW), 0x620);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_CR4), 0x2620);
	mov_cr(f, 4, 0x600 | BIT(13)); /* clears PAE in IA-32e mode */
	assert_int_equal(hvf_injected(f), HVF_GP);
	assert_int_equal(hvf_rip(f), 0x100000);
	mov_cr(f, 4, 0x620 | BIT(14)); /* SMXE: not supported */
	assert_int_equal(hvf_injected(f), HVF_GP);
	/* CR0: NE in the shadow only; clearing PG in IA-32e mode, PG without PE, bits 63:32 */
	assert_int_equal(mov_cr(f, 0, 0x80010013), HV_RESUME);
	assert_int_equal(hv_vmread(v, VMCS_CR0_READ_SHADOW), 0x80010013);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_CR0), 0x80010033);
	static const u64 bad[] = {0x00010033, 0x80010032, 0x180010033ull, 0xa0010033};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		mov_cr(f, 0, bad[i]);
		assert_int_equal(hvf_injected(f), HVF_GP);
	}
	/* LMSW cannot clear PE; CLTS clears TS */
	hvf_exit(f, VMX_EXIT_CR_ACCESS, 0x100000, 3, 0 | (3 << 4) | (0x8ull << 16), 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hv_vmread(v, VMCS_CR0_READ_SHADOW) & 0xf, 0x9);
	hvf_exit(f, VMX_EXIT_CR_ACCESS, 0x100000, 2, 0 | (2 << 4), 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hv_vmread(v, VMCS_CR0_READ_SHADOW) & 0xf, 0x1);
	hvf_free(f);
	struct hv_config cfg = {.hide_vmx = true};
	f = hvf_new_cfg(&cfg);
	assert_non_null(f);
	mov_cr(f, 4, 0x620 | BIT(13));
	assert_int_equal(hvf_injected(f), HVF_GP);
	hvf_free(f);
}

static void test_xsetbv_vmx_encls(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	static const struct {
		u32 ecx;
		u64 val;
		bool ok;
	} c[] = {{0, 3, true}, {0, 1, true}, {0, 2, false}, {1, 3, false}, {0, 7, false}};
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		hv_set_gpr(v, VX_RCX, c[i].ecx);
		hv_set_gpr(v, VX_RAX, c[i].val);
		hv_set_gpr(v, VX_RDX, 0);
		hvf_exit(f, VMX_EXIT_XSETBV, 0x100000, 3, 0, 0);
		assert_int_equal(hv_dispatch(v), HV_RESUME);
		assert_int_equal(hvf_injected(f), c[i].ok ? 0 : HVF_GP);
		assert_int_equal(hvf_rip(f), c[i].ok ? 0x100003 : 0x100000);
		if (c[i].ok)
			assert_int_equal(vx_cpu_get_reg(v->cpu, VX_XCR0), c[i].val);
	}
	for (u32 r = VMX_EXIT_VMCLEAR; r <= VMX_EXIT_VMXON; r++) {
		hvf_exit(f, r, 0x100000, 3, 0, 0);
		assert_int_equal(hv_dispatch(v), HV_RESUME);
		assert_int_equal(hvf_injected(f), HVF_UD);
		assert_int_equal(hvf_rip(f), 0x100000);
	}
	hvf_exit(f, VMX_EXIT_ENCLS, 0x100000, 3, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_UD);
	hvf_exit(f, VMX_EXIT_INVD, 0x100000, 2, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_rip(f), 0x100002);
	hvf_free(f);
}

/* Exception re-injection (reason 0): hardware with error code, software with length, and
 * INT1 from a debug enclave: length 0, RIP stays at the AEP, #DB injected, no warning. */
static void test_exception_reinjection(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI, 0x100000, 0, 0, 0);
	v->exit.intr_info = VMX_INTR_INFO_VALID | (3 << 8) | VMX_INTR_INFO_ERROR_CODE | 13;
	v->exit.intr_error = 0x18;
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_GP);
	assert_int_equal(v->inject.error, 0x18);
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI, 0x100000, 1, 0, 0);
	v->exit.intr_info = VMX_INTR_INFO_VALID | (6 << 8) | 3; /* INT3 */
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), VMX_INTR_INFO_VALID | (6 << 8) | 3);
	assert_int_equal(v->inject.insn_len, 1);
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI | VMX_EXIT_REASON_ENCLAVE_MODE, 0x4000, 0, 0, 0);
	v->exit.intr_info = VMX_INTR_INFO_VALID | (5 << 8) | 1; /* INT1 in a debug enclave */
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), VMX_INTR_INFO_VALID | (3 << 8) | 1);
	assert_int_equal(hvf_rip(f), 0x4000);
	assert_int_equal(v->skip_warn_count, 0);
	hvf_free(f);
}

/* ---- before the VM entry ---- */

static void test_prepare_injection(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	/* a pending interrupt, IF = 0: interrupt-window exiting, nothing injected */
	v->irq = 0x30;
	assert_true(hv_prepare_entry(v));
	assert_true(hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_INTR_WINDOW_EXITING);
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_INTR_INFO), 0);
	/* IF = 1 but blocking by STI: still waiting */
	hv_vmwrite(v, VMCS_GUEST_RFLAGS, 0x202);
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_true(hv_prepare_entry(v));
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_INTR_INFO), 0);
	/* the window opens: injected, window exiting off */
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	hvf_exit(f, VMX_EXIT_INTERRUPT_WINDOW, 0x100000, 0, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_true(hv_prepare_entry(v));
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_INTR_INFO), EXT_INTR(0x30));
	assert_false(hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_INTR_WINDOW_EXITING);
	assert_int_equal(v->irq, -1);
	const struct hvf_rec *r = hvf_find(f, TRACE_inject, 0);
	assert_int_equal(hvf_u(r, "vector"), 0x30);
	assert_string_equal(hvf_s(r, "type"), "external");
	/* an exception queued by a handler goes first; the interrupt waits for a window */
	v->irq = 0x31;
	hv_inject_gp(v, 0);
	assert_true(hv_prepare_entry(v));
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_INTR_INFO), HVF_GP);
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE), 0);
	assert_true(hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_INTR_WINDOW_EXITING);
	/* nothing pending: the field is cleared */
	v->irq = -1;
	assert_true(hv_prepare_entry(v));
	assert_int_equal(hv_vmread(v, VMCS_VM_ENTRY_INTR_INFO), 0);
	hvf_free(f);
}

/* 25.5.1: the timer counts TSC bit-5 changes; the value stops the guest at the budget or the
 * device timer, whichever is nearer; closer than one tick: MTF. */
static void test_prepare_budget(void **state)
{
	(void)state;
	struct hv_config cfg = {.max_insns = 1000};
	struct hvf *f = hvf_new_cfg(&cfg);
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	u64 tsc;
	vx_cpu_set_msr(v->cpu, MSR_IA32_TIME_STAMP_COUNTER, 0x1005);
	vx_cpu_get_msr(v->cpu, MSR_IA32_TIME_STAMP_COUNTER, &tsc);
	assert_int_equal(tsc, 0x1005);
	u64 now = hv_retired(v);
	assert_true(hv_prepare_entry(v));
	u64 limit = 1000 - now;
	assert_int_equal(hv_vmread(v, VMCS_VMX_PREEMPTION_TIMER_VALUE),
			 ((tsc + limit) >> 5) - (tsc >> 5));
	assert_false(hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_MONITOR_TRAP_FLAG);
	/* the device timer 10 instructions away, inside one tick: MTF */
	v->timer = (struct hv_timer){.vector = 0x20, .armed = true, .deadline = now + 10};
	vx_cpu_set_msr(v->cpu, MSR_IA32_TIME_STAMP_COUNTER, 0x1000);
	assert_true(hv_prepare_entry(v));
	assert_true(hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_MONITOR_TRAP_FLAG);
	/* at the deadline the timer fires before the entry */
	v->timer.deadline = now;
	assert_true(hv_prepare_entry(v));
	assert_false(v->timer.armed);
	assert_int_equal(v->irq, 0x20);
	/* the budget used up: status 124 (one instruction retired by the processor in root
	 * mode: the host code page's CPUID) */
	vx_cpu_set_reg(v->cpu, VX_RIP, v->lay.code + HV_ENV_CPUID_STUB);
	vx_cpu_run(v->cpu, 1);
	assert_int_equal(hv_retired(v), now + 1);
	v->cfg.max_insns = now + 1;
	assert_false(hv_prepare_entry(v));
	assert_int_equal(v->status, VX_EXIT_BUDGET);
	assert_int_equal(v->why, HV_STOP_BUDGET);
	assert_non_null(strstr(v->msg, "instruction budget exhausted"));
	hvf_free(f);
}

/* ---- whole runs that need no guest execution ---- */

static void test_entry_checks_pass(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	assert_true(hv_prepare_entry(f->v));
	struct vx_vmx_result r = vx_vmlaunch(f->v->cpu);
	/* every check of 26.1-26.3.1 passes on L0's controls, host and guest state, the guest
	 * (HLT) runs and exits with HLT exiting (no failed entry: bit 31 clear) */
	if (r.outcome == VX_VMFAIL_VALID)
		fail_msg("VMLAUNCH: VMfailValid %u", r.error);
	assert_int_equal(r.outcome, VX_VMX_EXITED);
	assert_int_equal(hv_vmread(f->v, VMCS_EXIT_REASON), VMX_EXIT_HLT);
	assert_int_equal(hv_vmread(f->v, VMCS_GUEST_RIP), HVF_CODE);
	assert_int_equal(hv_vmread(f->v, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
	/* host state is back: L0's RIP and CR3 (27.5) */
	assert_int_equal(vx_cpu_get_reg(f->v->cpu, VX_RIP), f->v->lay.code);
	assert_int_equal(vx_cpu_get_reg(f->v->cpu, VX_CR3), f->v->lay.pml4);
	hvf_free(f);
}

static void test_run_elf_errors(void **state)
{
	(void)state;
	struct elf_builder *b = calloc(1, sizeof(*b));
	static const u8 hlt[] = {0xf4};
	hvf_elf(b, hlt, sizeof(hlt));
	struct hv_result res;
	struct hv_config cfg = {.ram_size = 1 << 20, .load = vm_hv_load};
	assert_int_equal(hv_run_elf(&cfg, b->buf, b->len, &res), 2);
	assert_int_equal(res.why, HV_STOP_CONFIG);
	assert_non_null(strstr(res.msg, "RAM size"));
	cfg = (struct hv_config){.profile = "nope", .load = vm_hv_load};
	assert_int_equal(hv_run_elf(&cfg, b->buf, b->len, &res), 2);
	assert_non_null(strstr(res.msg, "unknown CPU profile"));
	cfg = (struct hv_config){.sgx = VX_SGX1, .profile = "icx-nosgx", .load = vm_hv_load};
	assert_int_equal(hv_run_elf(&cfg, b->buf, b->len, &res), 2);
	assert_non_null(strstr(res.msg, "does not have the SGX"));
	cfg = (struct hv_config){.sgx = VX_SGX2, .epc_size = 5000, .load = vm_hv_load};
	assert_int_equal(hv_run_elf(&cfg, b->buf, b->len, &res), 2);
	assert_non_null(strstr(res.msg, "EPC size"));
	cfg = (struct hv_config){0};
	assert_int_equal(hv_run_elf(&cfg, b->buf, b->len, &res), 1);
	assert_int_equal(res.why, HV_STOP_LOAD);
	assert_non_null(strstr(res.msg, "no loader"));
	cfg.load = vm_hv_load;
	assert_int_equal(hv_run_elf(&cfg, "garbage", 7, &res), 1);
	assert_non_null(strstr(res.msg, "not an ELF file"));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_io_devices),
	    cmocka_unit_test(test_io_string),
	    cmocka_unit_test(test_hlt),
	    cmocka_unit_test(test_triple_fault),
	    cmocka_unit_test(test_hypercalls),
	    cmocka_unit_test(test_cr_access),
	    cmocka_unit_test(test_xsetbv_vmx_encls),
	    cmocka_unit_test(test_exception_reinjection),
	    cmocka_unit_test(test_prepare_injection),
	    cmocka_unit_test(test_prepare_budget),
	    cmocka_unit_test(test_entry_checks_pass),
	    cmocka_unit_test(test_run_elf_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
