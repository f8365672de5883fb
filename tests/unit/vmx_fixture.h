/* SPDX-License-Identifier: MIT */
/*
 * A VMX test fixture shared by test_vmexit.c and test_init.c: the processor in VMX root
 * operation with a current VMCS holding a valid 64-bit guest, host and controls; VM entry
 * through vmentry_check()/vmentry_enter(); guest handlers per IDT vector.
 *
 * Guest handlers: IDT vector v points at a 16-byte stub "mov ebx, v; mov rcx, [rsp];
 * mov rdx, [rsp+8]; hlt", so a halted guest shows which handler ran and the first two words
 * of its frame (error code or return RIP, then return RIP or CS).
 */
#ifndef VX_TESTS_VMX_FIXTURE_H
#define VX_TESTS_VMX_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu/step.h"
#include "cpu_fixture.h"
#include "vmx/vmentry_checks.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_events.h"
#include "vmx/vmx_insn.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})
#define S(name) VMCS_SLOT_##name
#define V(f, name) vmcs_get(&(f)->cpu.vmx.vmcs, VMCS_SLOT_##name)
#define W(f, name, val) vmcs_set(&(f)->cpu.vmx.vmcs, VMCS_SLOT_##name, (val))

#define GDT_PA 0x4000ull
#define IDT_PA 0x5000ull
#define TSS_PA 0x7000ull
#define VMCS_PA 0x8000ull
#define ENTRY_MSR_PA 0x9000ull
#define EXIT_STORE_PA 0xa000ull
#define EXIT_LOAD_PA 0xb000ull
#define STUBS 0x110000ull
#define HOST_RIP 0x180000ull
#define HOST_RSP 0x1f0000ull
#define GUEST_RIP FX_CODE
#define GUEST_RSP FX_STACK
#define UNMAPPED 0x40000000ull /* 1 GiB: no PDPT entry in the fixture */

#define INFO(type, vec) (VMX_INTR_INFO_VALID | (u32)(type) << 8 | (vec))
#define EC VMX_INTR_INFO_ERROR_CODE
#define HW VMX_INTR_TYPE_HARD_EXCEPTION
#define RF_IF BIT(9)
#define RF_RF BIT(16)
#define HOST_PAT 0x0007010600070106ull
#define GUEST_PAT 0x0006040600070406ull

static inline void stub(struct fx *f, unsigned v)
{
	u8 s[16] = {0xbb, (u8)v, 0,    0,    0,    0x48, 0x8b, 0x0c,
		    0x24, 0x48,  0x8b, 0x54, 0x24, 0x08, 0xf4, 0x90};
	phys_copy_in(&f->phys, STUBS + 16 * v, s, sizeof(s));
}

/* 64-bit interrupt gate (6.14.1): offset, selector 0x08, type 0xE, DPL 3, present. */
static inline void gate(struct fx *f, unsigned v, bool present)
{
	u64 off = STUBS + 16 * v;
	u64 lo = (off & 0xffff) | 0x08ull << 16 | 0xeull << 40 | 3ull << 45 |
		 (present ? BIT(47) : 0) | ((off >> 16) & 0xffff) << 48;
	phys_write(&f->phys, IDT_PA + 16 * v, 8, lo);
	phys_write(&f->phys, IDT_PA + 16 * v + 8, 8, off >> 32);
}

static inline void build_memory(struct fx *f)
{
	static const u64 gdt[] = {0,
				  0x00af9b000000ffffull,
				  0x00cf93000000ffffull,
				  0x00affb000000ffffull,
				  0x00cff3000000ffffull,
				  0x00008b0070000067ull,
				  0};
	for (unsigned k = 0; k < ARRAY_SIZE(gdt); k++)
		phys_write(&f->phys, GDT_PA + 8 * k, 8, gdt[k]);
	for (unsigned v = 0; v < 256; v++) {
		stub(f, v);
		gate(f, v, true);
	}
	phys_write(&f->phys, VMCS_PA, 4, 4);
}

static inline u32 ctl(u64 cap, u32 want)
{
	assert_true((want & ~(u32)(cap >> 32)) == 0);
	return (u32)cap | want;
}

static inline void build_controls(struct fx *f)
{
	const struct vmx_caps *x = &cpu_profile_default()->vmx;
	W(f, PIN_BASED_VM_EXEC_CONTROL, ctl(x->true_pinbased, 0));
	W(f, CPU_BASED_VM_EXEC_CONTROL, ctl(x->true_procbased, 0));
	W(f, VM_EXIT_CONTROLS,
	  ctl(x->true_exit, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_DEBUG_CONTROLS |
				EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | EXIT_SAVE_IA32_EFER |
				EXIT_LOAD_IA32_EFER));
	W(f, VM_ENTRY_CONTROLS,
	  ctl(x->true_entry, ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_DEBUG_CONTROLS |
				 ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER));
	W(f, VM_ENTRY_MSR_LOAD_ADDR, ENTRY_MSR_PA);
	W(f, VM_EXIT_MSR_STORE_ADDR, EXIT_STORE_PA);
	W(f, VM_EXIT_MSR_LOAD_ADDR, EXIT_LOAD_PA);
}

static inline void build_host(struct fx *f)
{
	W(f, HOST_CR0, 0x80050033);
	W(f, HOST_CR3, FX_PML4);
	W(f, HOST_CR4, 0x26a0); /* PAE PGE OSFXSR OSXMMEXCPT VMXE */
	W(f, HOST_CS_SELECTOR, 0x08);
	W(f, HOST_SS_SELECTOR, 0x10);
	W(f, HOST_DS_SELECTOR, 0x10);
	W(f, HOST_GS_SELECTOR, 0x10);
	W(f, HOST_TR_SELECTOR, 0x28);
	W(f, HOST_FS_BASE, 0x7fff12340000ull);
	W(f, HOST_GS_BASE, 0xffff888000001000ull);
	W(f, HOST_TR_BASE, 0xfffffe0000003000ull);
	W(f, HOST_GDTR_BASE, 0xfffffe0000001000ull);
	W(f, HOST_IDTR_BASE, 0xfffffe0000002000ull);
	W(f, HOST_IA32_SYSENTER_CS, 0x10);
	W(f, HOST_IA32_SYSENTER_ESP, 0xfffffe0000004000ull);
	W(f, HOST_IA32_SYSENTER_EIP, 0xffffffff81a00000ull);
	W(f, HOST_IA32_PAT, HOST_PAT);
	W(f, HOST_IA32_EFER, 0xd01);
	W(f, HOST_RSP, HOST_RSP);
	W(f, HOST_RIP, HOST_RIP);
}

static inline void seg(struct fx *f, unsigned s, u64 sel, u64 base, u64 limit, u64 ar)
{
	vmcs_set(&f->cpu.vmx.vmcs, S(GUEST_ES_SELECTOR) + s, sel);
	vmcs_set(&f->cpu.vmx.vmcs, S(GUEST_ES_BASE) + s, base);
	vmcs_set(&f->cpu.vmx.vmcs, S(GUEST_ES_LIMIT) + s, limit);
	vmcs_set(&f->cpu.vmx.vmcs, S(GUEST_ES_AR_BYTES) + s, ar);
}

static inline void build_guest(struct fx *f)
{
	W(f, GUEST_CR0, 0x80010033);
	W(f, GUEST_CR3, FX_PML4);
	W(f, GUEST_CR4, 0x2620);
	W(f, GUEST_DR7, 0x400);
	W(f, GUEST_IA32_EFER, 0xd01);
	W(f, GUEST_IA32_PAT, GUEST_PAT);
	seg(f, SEG_CS, 0x08, 0, 0xffffffff, 0xa09b);
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			seg(f, s, 0x10, 0, 0xffffffff, 0xc093);
	seg(f, SEG_LDTR, 0, 0, 0, BIT(16));
	seg(f, SEG_TR, 0x28, TSS_PA, 0x67, 0x8b);
	W(f, GUEST_GDTR_BASE, GDT_PA);
	W(f, GUEST_GDTR_LIMIT, 0x37);
	W(f, GUEST_IDTR_BASE, IDT_PA);
	W(f, GUEST_IDTR_LIMIT, 0xfff);
	W(f, GUEST_RIP, GUEST_RIP);
	W(f, GUEST_RSP, GUEST_RSP);
	W(f, GUEST_RFLAGS, 0x2);
	W(f, VMCS_LINK_POINTER, ~0ull);
}

/* The processor in VMX root operation with a current VMCS (what VMXON + VMCLEAR + VMPTRLD
 * leave) holding a valid 64-bit guest, host and controls. */
static inline struct fx *vt_new(void)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->cr4 |= X86_CR4_VMXE;
	build_memory(f);
	c->vmx.in_vmx = true;
	c->vmx.current_vmcs = VMCS_PA;
	c->vmx.launch = VMX_LAUNCH_CLEAR;
	c->vmx.vmcs.revision_id = 4;
	build_controls(f);
	build_host(f);
	build_guest(f);
	return f;
}

static inline void guest_code(struct fx *f, const u8 *code, size_t n)
{
	phys_copy_in(&f->phys, GUEST_RIP, code, n);
}

static inline void set_ctl(struct fx *f, enum vmcs_slot s, u64 bits)
{
	vmcs_set(&f->cpu.vmx.vmcs, s, vmcs_get(&f->cpu.vmx.vmcs, s) | bits);
}

/* VMLAUNCH/VMRESUME after their checks (which must pass). */
static inline enum cpu_step enter(struct fx *f)
{
	struct vmentry_result r;
	struct vmentry_env env = {.phys = &f->phys, .vmcs_ptr = VMCS_PA};
	if (vmentry_check(&f->cpu.vmx.vmcs, cpu_profile_default(), &env, &r) != VMENTRY_OK)
		fail_msg("VMCS rejected: %s [%s] %s", r.rule, r.sdm, r.reg ? r.reg : "");
	return vmentry_enter(&f->cpu, f->cpu.vmx.launch == VMX_LAUNCH_CLEAR);
}

static inline enum cpu_step run(struct fx *f)
{
	return cpu_run(&f->cpu, 100000);
}

/* Entered, then run to the next stop. */
static inline enum cpu_step enter_run(struct fx *f)
{
	enum cpu_step r = enter(f);
	if (r != STEP_RETIRED)
		return r;
	return run(f);
}

static inline void assert_exit(struct fx *f, u32 reason, u64 rip)
{
	assert_false(f->cpu.vmx.non_root);
	assert_int_equal(V(f, EXIT_REASON), reason);
	assert_int_equal(V(f, GUEST_RIP), rip);
	assert_int_equal(f->cpu.rip, HOST_RIP);
}

/* A guest handler ran and halted: vector and the first two words of its frame. */
static inline void assert_handler(struct fx *f, unsigned v, u64 w0, u64 w1)
{
	assert_true(f->cpu.vmx.non_root);
	assert_true(f->cpu.halted);
	assert_int_equal(f->cpu.rip, STUBS + 16 * v + 15);
	assert_int_equal(f->cpu.gpr[3], v);
	assert_int_equal(f->cpu.gpr[1], w0);
	assert_int_equal(f->cpu.gpr[2], w1);
}

#endif
