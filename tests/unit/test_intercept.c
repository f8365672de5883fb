// SPDX-License-Identifier: MIT
/*
 * VMX non-root operation, the instruction side (src/vmx/intercept.c and the handlers that
 * call it): every VM exit of SDM Vol. 3C 25.1.2 "Instructions That Cause VM Exits
 * Unconditionally" and 25.1.3 "Instructions That Cause VM Exits Conditionally" with its
 * control set (exit reason, exit qualification, instruction length, instruction information of
 * 27.2.1 / 27.2.4) and clear (the instruction runs), the fault priorities of 25.1.1 "Relative
 * Priority of Faults and VM Exits", the bitmaps at their boundaries, and the behaviour of 25.3
 * "Changes to Instruction Behavior in VMX Non-Root Operation" (CR0/CR4 masks and read shadows,
 * TSC offsetting, VMCS shadowing).
 *
 * The processor is put into VMX non-root operation by hand (no VM entry): in VMX operation
 * with a current VMCS, non_root set, the cached VMCS fields written directly; the host state
 * is the fixture's own, so the exit engine (src/vmx/vmexit.c) can load it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu_fixture.h"
#include "vmx/intercept.h"
#include "vmx/vmx_insn.h"
#include "vx/vmx.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})
#define RUN(f, ...) run(f, CODE(__VA_ARGS__))

/* Physical (= linear) layout beside the fixture's. */
#define VMXON_PA 0x4ff000ull
#define VMCS_PA 0x400000ull
#define IOBM_A 0x500000ull
#define IOBM_B 0x501000ull
#define MSRBM 0x502000ull
#define VMRBM 0x503000ull
#define VMWBM 0x504000ull
#define SHADOW 0x505000ull
#define HOST_RIP_VAL 0x180000ull
#define UNMAPPED 0x40000000ull /* 1 GiB: not mapped by the fixture */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10 };

/* ---- a processor in VMX non-root operation ---- */

static void set(struct fx *f, enum vmcs_slot s, u64 v)
{
	vmcs_set(&f->cpu.vmx.vmcs, s, v);
}

static u64 get(struct fx *f, enum vmcs_slot s)
{
	return vmcs_get(&f->cpu.vmx.vmcs, s);
}

static void host_state(struct fx *f)
{
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_HOST_CR0, c->cr0);
	set(f, VMCS_SLOT_HOST_CR3, c->cr3);
	set(f, VMCS_SLOT_HOST_CR4, c->cr4);
	set(f, VMCS_SLOT_HOST_CS_SELECTOR, 0x08);
	set(f, VMCS_SLOT_HOST_SS_SELECTOR, 0x10);
	set(f, VMCS_SLOT_HOST_DS_SELECTOR, 0x10);
	set(f, VMCS_SLOT_HOST_ES_SELECTOR, 0x10);
	set(f, VMCS_SLOT_HOST_TR_SELECTOR, 0x28);
	set(f, VMCS_SLOT_HOST_RIP, HOST_RIP_VAL);
	set(f, VMCS_SLOT_HOST_RSP, FX_STACK);
	set(f, VMCS_SLOT_HOST_IA32_EFER, c->msr.efer);
}

/* Controls: the default1 bits (primary without CR3-load/store exiting, which the TRUE
 * capability MSR allows to be 0); exits to a 64-bit host. */
static struct fx *nr_new_profile(const struct cpu_profile *p)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->profile = p;
	vmx_reset(c);
	c->cr4 |= X86_CR4_VMXE;
	c->vmx.in_vmx = true;
	c->vmx.vmxon_ptr = VMXON_PA;
	c->vmx.current_vmcs = VMCS_PA;
	c->vmx.launch = VMX_LAUNCH_LAUNCHED;
	set(f, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_DEFAULT1);
	set(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL,
	    VMX_PROC_DEFAULT1 & ~(PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING));
	set(f, VMCS_SLOT_VM_EXIT_CONTROLS, VMX_EXIT_DEFAULT1 | EXIT_HOST_ADDR_SPACE_SIZE);
	set(f, VMCS_SLOT_VM_ENTRY_CONTROLS, VMX_ENTRY_DEFAULT1 | ENTRY_IA32E_MODE_GUEST);
	set(f, VMCS_SLOT_VMCS_LINK_POINTER, ~0ull);
	set(f, VMCS_SLOT_IO_BITMAP_A, IOBM_A);
	set(f, VMCS_SLOT_IO_BITMAP_B, IOBM_B);
	set(f, VMCS_SLOT_MSR_BITMAP, MSRBM);
	set(f, VMCS_SLOT_VMREAD_BITMAP, VMRBM);
	set(f, VMCS_SLOT_VMWRITE_BITMAP, VMWBM);
	host_state(f);
	c->vmx.non_root = true;
	vmx_intercept_vmentry(c);
	return f;
}

static struct fx *nr_new(void)
{
	return nr_new_profile(NULL);
}

static void proc_on(struct fx *f, u64 bits)
{
	set(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL,
	    get(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) | bits);
}

/* Secondary controls, activated through primary bit 31. */
static void proc2_on(struct fx *f, u64 bits)
{
	proc_on(f, PROC_ACTIVATE_SECONDARY_CONTROLS);
	set(f, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL,
	    get(f, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL) | bits);
}

static void set_bit_pa(struct fx *f, u64 base, u32 n)
{
	u64 b = phys_read(&f->phys, base + n / 8, 1);
	phys_write(&f->phys, base + n / 8, 1, b | (1u << (n % 8)));
}

static enum cpu_step run(struct fx *f, const u8 *code, size_t n)
{
	fx_code(f, code, n);
	return cpu_step(&f->cpu);
}

/* ---- outcomes ---- */

/* The instruction at FX_CODE caused a VM exit: basic reason, qualification, instruction
 * length; guest RIP saved = the instruction; back in VMX root operation at the host RIP. */
static void exit_is(struct fx *f, enum cpu_step r, u32 reason, u64 qual, u32 len, int line)
{
	u32 got = (u32)get(f, VMCS_SLOT_EXIT_REASON);
	if (r != STEP_VMEXIT || (got & 0xffff) != reason)
		fail_msg("line %d: step %d reason %u, expected a VM exit with reason %u", line, r,
			 got & 0xffff, reason);
	u64 q = get(f, VMCS_SLOT_EXIT_QUALIFICATION);
	if (q != qual)
		fail_msg("line %d: qualification %#llx, expected %#llx", line,
			 (unsigned long long)q, (unsigned long long)qual);
	u32 l = (u32)get(f, VMCS_SLOT_VM_EXIT_INSTRUCTION_LEN);
	if (l != len)
		fail_msg("line %d: instruction length %u, expected %u", line, l, len);
	if (get(f, VMCS_SLOT_GUEST_RIP) != FX_CODE || f->cpu.vmx.non_root ||
	    f->cpu.rip != HOST_RIP_VAL)
		fail_msg("line %d: guest RIP %#llx / host RIP %#llx", line,
			 (unsigned long long)get(f, VMCS_SLOT_GUEST_RIP),
			 (unsigned long long)f->cpu.rip);
}

#define EXIT_IS(f, r, reason, qual, len) exit_is(f, r, reason, qual, len, __LINE__)

static void info_is(struct fx *f, u32 info, int line)
{
	u32 got = (u32)get(f, VMCS_SLOT_VMX_INSTRUCTION_INFO);
	if (got != info)
		fail_msg("line %d: instruction information %#x, expected %#x", line, got, info);
}

#define INFO_IS(f, info) info_is(f, info, __LINE__)

/* The instruction raised exception `vector` without a VM exit. */
static void fault_is(struct fx *f, enum cpu_step r, unsigned vector, int line)
{
	if (r != STEP_FAULT || f->cpu.event.vector != vector || !f->cpu.vmx.non_root ||
	    f->cpu.rip != FX_CODE)
		fail_msg("line %d: step %d vector %u non-root %d, expected fault %u", line, r,
			 f->cpu.event.vector, f->cpu.vmx.non_root, vector);
}

#define FAULT_IS(f, r, v) fault_is(f, r, v, __LINE__)

/* The instruction of n bytes completed in VMX non-root operation. */
static void retired(struct fx *f, enum cpu_step r, u32 n, int line)
{
	if (r != STEP_RETIRED || !f->cpu.vmx.non_root || f->cpu.rip != FX_CODE + n)
		fail_msg("line %d: step %d non-root %d rip %#llx, expected to retire", line, r,
			 f->cpu.vmx.non_root, (unsigned long long)f->cpu.rip);
}

#define RETIRED(f, r, n) retired(f, r, n, __LINE__)

/* Instruction-information fields of 27.2.4. */
#define I_SCALE(s) ((u32)(s))
#define I_REG1(r) ((u32)(r) << 3)
#define I_ASZ64 (2u << 7)
#define I_ASZ32 (1u << 7)
#define I_REGOP (1u << 10)
#define I_SEG(s) ((u32)(s) << 15)
#define I_INDEX(r) ((u32)(r) << 18)
#define I_NOINDEX (1u << 22)
#define I_BASE(r) ((u32)(r) << 23)
#define I_NOBASE (1u << 27)
#define I_REG2(r) ((u32)(r) << 28)
#define I_ID(n) ((u32)(n) << 28)

/* ==== control registers ==== */

/* 25.1.3 "MOV to CR0": an exit when the source differs from the read shadow in a bit of the
 * guest/host mask; Table 27-3: CR 0, access type 0, GPR. */
static void test_cr0_write_exit(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_CD);
	f->cpu.gpr[RBX] = f->cpu.cr0 | X86_CR0_CD;
	/* mov cr0, rbx */
	EXIT_IS(f, RUN(f, 0x0f, 0x22, 0xc3), VMX_EXIT_CR_ACCESS, (3u << 8) | 0, 3);
	fx_free(f);
}

/* Matching the shadow: no exit; 25.3 keeps the host-owned bits (TS stays 1 although the guest
 * wrote 0) and writes the others (MP). */
static void test_cr0_write_masked(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	c->cr0 |= X86_CR0_TS;
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_TS | X86_CR0_CD);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, 0);
	c->gpr[RBX] = (c->cr0 & ~(X86_CR0_TS | X86_CR0_MP));
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xc3), 3);
	assert_true(c->cr0 & X86_CR0_TS);
	assert_false(c->cr0 & X86_CR0_MP);
	fx_free(f);
}

/* 25.1.1: MOV to CR0 at CPL 3 raises #GP (privilege) although the write would exit. */
static void test_cr0_cpl3_gp(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, ~0ull);
	cpu_set_flat64(&f->cpu, 3);
	f->cpu.gpr[RBX] = 0;
	FAULT_IS(f, RUN(f, 0x0f, 0x22, 0xc3), X86_VEC_GP);
	/* ... and MOV to CR1 is #UD before any exit (CPL 0). */
	cpu_set_flat64(&f->cpu, 0);
	FAULT_IS(f, RUN(f, 0x0f, 0x22, 0xcb), X86_VEC_UD);
	fx_free(f);
}

/* 25.3 / 23.8: a write that does not exit must keep the VMX-fixed bits (CR0.NE fixed to 1 by
 * IA32_VMX_CR0_FIXED0): #GP(0); with NE host-owned the guest's 0 is ignored instead. */
static void test_cr0_fixed_bits(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	u64 old = c->cr0;
	c->gpr[RBX] = c->cr0 & ~X86_CR0_NE;
	FAULT_IS(f, RUN(f, 0x0f, 0x22, 0xc3), X86_VEC_GP);
	assert_true(c->cr0 == old);
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_NE);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, 0);
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xc3), 3);
	assert_true(c->cr0 & X86_CR0_NE);
	fx_free(f);
}

/* 23.8 footnote: with "unrestricted guest" CR0.PE and CR0.PG may be 0. */
static void test_cr0_fixed_unrestricted(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	u64 v = X86_CR0_NE | X86_CR0_ET;
	assert_false(vmx_cr_fixed_ok(&f->cpu, 0, v));
	assert_true(vmx_cr_fixed_ok(&f->cpu, 0, v | X86_CR0_PE | X86_CR0_PG));
	proc2_on(f, PROC2_UNRESTRICTED_GUEST);
	assert_true(vmx_cr_fixed_ok(&f->cpu, 0, v));
	assert_false(vmx_cr_fixed_ok(&f->cpu, 0, v | BIT(40)));
	assert_false(vmx_cr_fixed_ok(&f->cpu, 4, 0));
	assert_true(vmx_cr_fixed_ok(&f->cpu, 4, X86_CR4_VMXE | X86_CR4_PAE));
	fx_free(f);
}

/* 25.3 "MOV from CR0"/"MOV from CR4": host-owned bits read from the shadow, no exit. */
static void test_cr_read_shadow(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_TS | X86_CR0_NE);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, X86_CR0_TS);
	c->cr0 &= ~X86_CR0_TS;
	RETIRED(f, RUN(f, 0x0f, 0x20, 0xc0), 3); /* mov rax, cr0 */
	assert_true(c->gpr[RAX] == (((c->cr0 | X86_CR0_ET) & ~X86_CR0_NE) | X86_CR0_TS));
	set(f, VMCS_SLOT_CR4_GUEST_HOST_MASK, X86_CR4_VMXE | X86_CR4_PGE);
	set(f, VMCS_SLOT_CR4_READ_SHADOW, X86_CR4_PGE);
	RETIRED(f, RUN(f, 0x0f, 0x20, 0xe1), 3); /* mov rcx, cr4 */
	assert_true(c->gpr[RCX] == ((c->cr4 & ~X86_CR4_VMXE) | X86_CR4_PGE));
	/* 25.3 "SMSW" reads through the same mask and shadow. */
	RETIRED(f, RUN(f, 0x48, 0x0f, 0x01, 0xe2), 4); /* smsw rdx */
	assert_true(c->gpr[RDX] == c->gpr[RAX]);
	fx_free(f);
}

/* MOV to CR4: a guest hiding VMXE writes it as 0 (no exit, VMXE stays 1); writing it as 1
 * differs from the shadow: exit, Table 27-3 CR 4, GPR RDX. */
static void test_cr4_write(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_CR4_GUEST_HOST_MASK, X86_CR4_VMXE);
	set(f, VMCS_SLOT_CR4_READ_SHADOW, 0);
	c->gpr[RDX] = (c->cr4 & ~X86_CR4_VMXE) | X86_CR4_PGE;
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xe2), 3); /* mov cr4, rdx */
	assert_true(c->cr4 & X86_CR4_VMXE);
	assert_true(c->cr4 & X86_CR4_PGE);
	c->gpr[RDX] |= X86_CR4_VMXE;
	EXIT_IS(f, RUN(f, 0x0f, 0x22, 0xe2), VMX_EXIT_CR_ACCESS, (2u << 8) | 4, 3);
	fx_free(f);
}

/* Without a mask, clearing the VMX-fixed CR4.VMXE is #GP(0) (25.3, 23.8). */
static void test_cr4_fixed(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.gpr[RDX] = f->cpu.cr4 & ~X86_CR4_VMXE;
	FAULT_IS(f, RUN(f, 0x0f, 0x22, 0xe2), X86_VEC_GP);
	fx_free(f);
}

/* 25.1.3 "MOV to CR3": the first n CR3-target values avoid the exit; n = 0 always exits;
 * "CR3-load exiting" 0 never exits. */
static void test_cr3_targets(void **state)
{
	(void)state;
	static const u64 a = 0x1000, b = 0x5000, third = 0x6000;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, 0x5000, &(u64){FX_PDPT | 7}, 8); /* a second PML4 */
	phys_copy_in(&f->phys, 0x6000, &(u64){FX_PDPT | 7}, 8);
	c->gpr[RAX] = third;
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xd8), 3); /* mov cr3, rax: exiting off */
	assert_true(c->cr3 == third);
	proc_on(f, PROC_CR3_LOAD_EXITING);
	set(f, VMCS_SLOT_CR3_TARGET_COUNT, 2);
	set(f, VMCS_SLOT_CR3_TARGET_VALUE0, a);
	set(f, VMCS_SLOT_CR3_TARGET_VALUE1, b);
	set(f, VMCS_SLOT_CR3_TARGET_VALUE2, third);
	c->gpr[RAX] = b;
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xd8), 3);
	assert_true(c->cr3 == b);
	c->gpr[RAX] = a;
	RETIRED(f, RUN(f, 0x0f, 0x22, 0xd8), 3);
	assert_true(c->cr3 == a);
	assert_true(vmx_exits_cr_write(c, 3, third)); /* value 2 is beyond the count */
	set(f, VMCS_SLOT_CR3_TARGET_COUNT, 0);
	assert_true(vmx_exits_cr_write(c, 3, a));
	set(f, VMCS_SLOT_CR3_TARGET_COUNT, 2);
	c->gpr[RAX] = third;
	EXIT_IS(f, RUN(f, 0x0f, 0x22, 0xd8), VMX_EXIT_CR_ACCESS, 3, 3);
	fx_free(f);
}

/* include/vx/vmx.h vx_vmx_cr_access_exits: the same rules keyed by an exit qualification
 * (Table 27-3), as a hypervisor asks them about its nested guest's access (src/nested). */
static void test_api_cr_access_exits(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_TS | X86_CR0_PE);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, X86_CR0_TS | X86_CR0_PE);
	assert_false(vx_vmx_cr_access_exits(c, 0x00, X86_CR0_TS | X86_CR0_PE)); /* MOV to CR0 */
	assert_true(vx_vmx_cr_access_exits(c, 0x00, X86_CR0_PE));
	assert_true(vx_vmx_cr_access_exits(c, 0x20, 0));                   /* CLTS: TS masked+set */
	assert_false(vx_vmx_cr_access_exits(c, 0x30 | (0x9ull << 16), 0)); /* LMSW PE|TS: same */
	assert_true(vx_vmx_cr_access_exits(c, 0x30 | (0x1ull << 16), 0));  /* LMSW clears TS */
	proc_on(f, PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
	set(f, VMCS_SLOT_CR3_TARGET_COUNT, 1);
	set(f, VMCS_SLOT_CR3_TARGET_VALUE0, 0x5000);
	assert_false(vx_vmx_cr_access_exits(c, 0x03, 0x5000)); /* MOV to CR3: a target */
	assert_true(vx_vmx_cr_access_exits(c, 0x03, 0x6000));
	assert_true(vx_vmx_cr_access_exits(c, 0x13, 0));  /* MOV from CR3 */
	assert_false(vx_vmx_cr_access_exits(c, 0x18, 0)); /* MOV from CR8: not exiting */
	fx_free(f);
}

/* include/vx's I/O and MSR queries (what src/nested asks on vmcs12) answer as the rules of
 * 25.1.3: the I/O query takes the exit qualification (Table 27-5: size - 1 in bits 2:0, the port
 * in 31:16) and looks at every port the access touches. */
static void test_api_io_msr_exits(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS);
	set_bit_pa(f, IOBM_A, 0x81);
	assert_false(vx_vmx_io_exits(c, 0x80ull << 16));    /* 1 byte at 80H */
	assert_true(vx_vmx_io_exits(c, 0x80ull << 16 | 1)); /* 2 bytes: 80H and 81H */
	assert_true(vx_vmx_io_exits(c, 0x81ull << 16));
	assert_true(vx_vmx_io_exits(c, 0xffffull << 16 | 1)); /* wraps around */
	set_bit_pa(f, MSRBM + 2048, 0x10);                    /* write bitmap, low MSRs */
	assert_false(vx_vmx_msr_exits(c, 0x10, false));
	assert_true(vx_vmx_msr_exits(c, 0x10, true));
	assert_true(vx_vmx_msr_exits(c, 0x40000000u, false)); /* outside both ranges */
	fx_free(f);
}

/* 25.1.3 "MOV from CR3": "CR3-store exiting"; Table 27-3 access type 1, GPR RSI. */
static void test_cr3_store(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	RETIRED(f, RUN(f, 0x0f, 0x20, 0xde), 3); /* mov rsi, cr3 */
	assert_true(f->cpu.gpr[RSI] == FX_PML4);
	proc_on(f, PROC_CR3_STORE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x20, 0xde), VMX_EXIT_CR_ACCESS, (6u << 8) | (1u << 4) | 3, 3);
	fx_free(f);
}

/* 25.1.3 "MOV to CR8"/"MOV from CR8": CR8-load / CR8-store exiting (no TPR shadow). */
static void test_cr8(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.gpr[RAX] = 5;
	RETIRED(f, RUN(f, 0x44, 0x0f, 0x22, 0xc0), 4); /* mov cr8, rax */
	assert_int_equal(f->cpu.cr8, 5);
	RETIRED(f, RUN(f, 0x45, 0x0f, 0x20, 0xc1), 4); /* mov r9, cr8 */
	assert_int_equal(f->cpu.gpr[R9], 5);
	proc_on(f, PROC_CR8_STORE_EXITING);
	EXIT_IS(f, RUN(f, 0x45, 0x0f, 0x20, 0xc1), VMX_EXIT_CR_ACCESS, (9u << 8) | (1u << 4) | 8,
		4);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_CR8_LOAD_EXITING);
	EXIT_IS(f, RUN(f, 0x44, 0x0f, 0x22, 0xc0), VMX_EXIT_CR_ACCESS, 8, 4);
	fx_free(f);
}

/* 25.1.3 "CLTS": exit when TS is set in both mask and shadow (access type 2); mask set and
 * shadow clear: no exit and TS is not modified (25.3); mask clear: TS cleared. */
static void test_clts(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	c->cr0 |= X86_CR0_TS;
	RETIRED(f, RUN(f, 0x0f, 0x06), 2);
	assert_false(c->cr0 & X86_CR0_TS);
	c->cr0 |= X86_CR0_TS;
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_TS);
	RETIRED(f, RUN(f, 0x0f, 0x06), 2);
	assert_true(c->cr0 & X86_CR0_TS);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, X86_CR0_TS);
	EXIT_IS(f, RUN(f, 0x0f, 0x06), VMX_EXIT_CR_ACCESS, 2u << 4, 2);
	fx_free(f);
}

/* 25.1.3 "LMSW": PE set in mask and source, clear in shadow -> exit; Table 27-3 access type 3,
 * operand type 0 (register), source data in bits 31:16. */
static void test_lmsw_pe(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_PE);
	f->cpu.gpr[RBX] = 0xfff1;
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xf3), VMX_EXIT_CR_ACCESS, (0xfff1ull << 16) | (3u << 4), 3);
	fx_free(f);
	/* PE clear in the source: LMSW cannot clear PE, so no exit. */
	f = nr_new();
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_PE);
	f->cpu.gpr[RBX] = 0;
	RETIRED(f, RUN(f, 0x0f, 0x01, 0xf3), 3);
	assert_true(f->cpu.cr0 & X86_CR0_PE);
	fx_free(f);
}

/* LMSW bits 3:1: a masked bit differing from the shadow exits (memory operand: bit 6 = 1);
 * masked bits equal to the shadow are left unmodified, the others are loaded. */
static void test_lmsw_bits(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, X86_CR0_TS);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, 0);
	c->cr0 |= X86_CR0_TS;
	c->gpr[RAX] = FX_DATA;
	phys_write(&f->phys, FX_DATA, 2, X86_CR0_PE | X86_CR0_EM); /* TS 0 = shadow */
	RETIRED(f, RUN(f, 0x0f, 0x01, 0x30), 3);                   /* lmsw [rax] */
	assert_true((c->cr0 & 0xf) == (X86_CR0_PE | X86_CR0_EM | X86_CR0_TS));
	phys_write(&f->phys, FX_DATA, 2, 0x0009); /* TS 1 != shadow */
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x30), VMX_EXIT_CR_ACCESS,
		(9ull << 16) | (1u << 6) | (3u << 4), 3);
	fx_free(f);
}

/* 25.1.1: the operand fetch of LMSW faults before the exit that depends on it. */
static void test_lmsw_fetch_first(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, 0xf);
	set(f, VMCS_SLOT_CR0_READ_SHADOW, 0);
	f->cpu.gpr[RAX] = UNMAPPED;
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0x30), X86_VEC_PF);
	fx_free(f);
}

/* ==== MOV DR ==== */

/* 25.1.3 "MOV DR": the exit takes priority over #UD (DR4 with CR4.DE = 1) and over the CPL
 * #GP; Table 27-4 reports the encoded register, the direction and the GPR. */
static void test_mov_dr(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.cr4 |= X86_CR4_DE;
	FAULT_IS(f, RUN(f, 0x0f, 0x21, 0xe0), X86_VEC_UD); /* mov rax, dr4: exiting off */
	proc_on(f, PROC_MOV_DR_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x21, 0xe0), VMX_EXIT_DR_ACCESS, (1u << 4) | 4, 3);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_MOV_DR_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	EXIT_IS(f, RUN(f, 0x41, 0x0f, 0x23, 0xfa), VMX_EXIT_DR_ACCESS, (10u << 8) | 7, 4);
	fx_free(f);
	/* ... and over the general-detect #DB. */
	f = nr_new();
	proc_on(f, PROC_MOV_DR_EXITING);
	f->cpu.dr[7] |= BIT(13);
	EXIT_IS(f, RUN(f, 0x0f, 0x21, 0xf1), VMX_EXIT_DR_ACCESS, (1u << 8) | (1u << 4) | 6, 3);
	fx_free(f);
}

/* ==== I/O ==== */

/* "unconditional I/O exiting" with no bitmaps: every I/O instruction exits; Table 27-5 for
 * IN AL, imm8: size 0, IN, not string, immediate, port. */
static void test_io_uncond(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	RETIRED(f, RUN(f, 0xe4, 0x80), 2); /* in al, 0x80: both controls 0 */
	assert_int_equal(f->cpu.gpr[RAX] & 0xff, 0xff);
	proc_on(f, PROC_UNCOND_IO_EXITING);
	EXIT_IS(f, RUN(f, 0xe4, 0x80), VMX_EXIT_IO_INSTRUCTION,
		(0x80ull << 16) | (1u << 6) | (1u << 3), 2);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_UNCOND_IO_EXITING);
	f->cpu.gpr[RDX] = 0x3f8;
	EXIT_IS(f, RUN(f, 0xef), VMX_EXIT_IO_INSTRUCTION, (0x3f8ull << 16) | 3,
		1); /* out dx, eax */
	fx_free(f);
}

/* I/O bitmaps: A covers 0-7FFFH, B 8000H-FFFFH; "use I/O bitmaps" overrides unconditional
 * exiting; a 2-byte access at 7FFFH consults both bitmaps. */
static void test_io_bitmaps(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING);
	assert_false(vmx_io_exits(c, 0x7fff, 1));
	assert_false(vmx_io_exits(c, 0x8000, 1));
	set_bit_pa(f, IOBM_B, 0); /* port 8000H */
	assert_false(vmx_io_exits(c, 0x7fff, 1));
	assert_true(vmx_io_exits(c, 0x8000, 1));
	assert_true(vmx_io_exits(c, 0x7fff, 2)); /* 7FFFH in A (clear) and 8000H in B (set) */
	assert_false(vmx_io_exits(c, 0x7ffe, 2));
	set_bit_pa(f, IOBM_A, 0x7fff);
	assert_true(vmx_io_exits(c, 0x7ffc, 4));
	assert_false(vmx_io_exits(c, 0x7ff8, 4));
	/* 25.1.3: an access that wraps around (FFFFH and 0000H) exits whatever the bitmaps say. */
	assert_false(vmx_io_exits(c, 0xffff, 1));
	assert_true(vmx_io_exits(c, 0xffff, 2));
	assert_true(vmx_io_exits(c, 0xfffe, 4));
	c->gpr[RDX] = 0x7fff;
	EXIT_IS(f, RUN(f, 0x66, 0xed), VMX_EXIT_IO_INSTRUCTION, (0x7fffull << 16) | 8 | 1, 2);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_USE_IO_BITMAPS);
	f->cpu.gpr[RDX] = 0x7ffe;
	RETIRED(f, RUN(f, 0x66, 0xed), 2); /* in ax, dx: bits clear */
	f->cpu.gpr[RDX] = 0xffff;
	RETIRED(f, RUN(f, 0xee), 1); /* out dx, al at FFFFH: bit clear */
	/* out dx, ax at FFFFH wraps to 0000H: an exit although every bit is clear */
	EXIT_IS(f, RUN(f, 0x66, 0xef), VMX_EXIT_IO_INSTRUCTION, (0xffffull << 16) | 1, 2);
	fx_free(f);
}

/* 25.1.1: the I/O-permission #GP (CPL > IOPL, no I/O map) has priority over the exit. */
static void test_io_iopl_first(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc_on(f, PROC_UNCOND_IO_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	f->cpu.seg[SEG_TR].limit = 0;
	FAULT_IS(f, RUN(f, 0xe4, 0x80), X86_VEC_GP);
	fx_free(f);
}

/* REP INSB: the exit comes before any iteration and before the #PF of the destination
 * (25.1.1); Table 27-5 string and REP bits, DX encoding; Table 27-8 address size. */
static void test_ins_exit(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_USE_IO_BITMAPS);
	set_bit_pa(f, IOBM_A, 0x60);
	c->gpr[RDX] = 0x60;
	c->gpr[RCX] = 5;
	c->gpr[RDI] = UNMAPPED;
	EXIT_IS(f, RUN(f, 0xf3, 0x6c), VMX_EXIT_IO_INSTRUCTION,
		(0x60ull << 16) | (1u << 5) | (1u << 4) | (1u << 3), 2);
	INFO_IS(f, I_ASZ64);
	assert_int_equal(get(f, VMCS_SLOT_GUEST_RIP), FX_CODE);
	fx_free(f);
}

/* OUTS: Table 27-8 segment (GS override; DS by default) and address size (67H: 32-bit); a REP
 * string instruction with a count of 0 touches no port and does not exit (docs/decisions.md). */
static void test_outs_exit(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc_on(f, PROC_UNCOND_IO_EXITING);
	f->cpu.gpr[RDX] = 0x1234;
	EXIT_IS(f, RUN(f, 0x65, 0x6e), VMX_EXIT_IO_INSTRUCTION, (0x1234ull << 16) | (1u << 4), 2);
	INFO_IS(f, I_ASZ64 | I_SEG(SEG_GS));
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_UNCOND_IO_EXITING);
	f->cpu.gpr[RDX] = 0x1234;
	f->cpu.gpr[RCX] = 1;
	EXIT_IS(f, RUN(f, 0x67, 0xf3, 0x6f), VMX_EXIT_IO_INSTRUCTION,
		(0x1234ull << 16) | (1u << 5) | (1u << 4) | 3, 3);
	INFO_IS(f, I_ASZ32 | I_SEG(SEG_DS));
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_UNCOND_IO_EXITING);
	f->cpu.gpr[RCX] = 0;
	RETIRED(f, RUN(f, 0xf3, 0x6e), 2);
	fx_free(f);
}

/* ==== MSRs ==== */

/* "use MSR bitmaps" 0: every RDMSR/WRMSR exits, even of an MSR that does not exist (25.1.1:
 * "RDMSR of a non-existent MSR with CPL = 0 generates a VM exit"); CPL 3: #GP first. */
static void test_msr_no_bitmaps(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.gpr[RCX] = 0x12345678;
	EXIT_IS(f, RUN(f, 0x0f, 0x32), VMX_EXIT_MSR_READ, 0, 2);
	fx_free(f);
	f = nr_new();
	f->cpu.gpr[RCX] = MSR_IA32_EFER;
	EXIT_IS(f, RUN(f, 0x0f, 0x30), VMX_EXIT_MSR_WRITE, 0, 2);
	fx_free(f);
	f = nr_new();
	cpu_set_flat64(&f->cpu, 3);
	f->cpu.gpr[RCX] = MSR_IA32_EFER;
	FAULT_IS(f, RUN(f, 0x0f, 0x32), X86_VEC_GP);
	fx_free(f);
}

/* MSR bitmaps: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072; MSRs
 * outside 0-1FFFH and C0000000H-C0001FFFH always exit. */
static void test_msr_bitmaps(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_USE_MSR_BITMAPS);
	assert_false(vmx_msr_exits(c, 0x1fff, false));
	assert_true(vmx_msr_exits(c, 0x2000, false));
	assert_true(vmx_msr_exits(c, 0xbfffffffu, false));
	assert_false(vmx_msr_exits(c, 0xc0000000u, false));
	assert_false(vmx_msr_exits(c, 0xc0001fffu, true));
	assert_true(vmx_msr_exits(c, 0xc0002000u, true));
	assert_true(vmx_msr_exits(c, 0xffffffffu, false));
	set_bit_pa(f, MSRBM, 0x1fff);
	set_bit_pa(f, MSRBM + 1024, 0x1fff);
	set_bit_pa(f, MSRBM + 2048, 0x10);
	set_bit_pa(f, MSRBM + 3072, 0x80);
	assert_true(vmx_msr_exits(c, 0x1fff, false));
	assert_false(vmx_msr_exits(c, 0x1fff, true));
	assert_true(vmx_msr_exits(c, 0xc0001fffu, false));
	assert_false(vmx_msr_exits(c, 0xc0000000u, false));
	assert_true(vmx_msr_exits(c, 0x10, true));
	assert_false(vmx_msr_exits(c, 0x10, false));
	assert_true(vmx_msr_exits(c, MSR_IA32_EFER, true));
	assert_false(vmx_msr_exits(c, MSR_IA32_EFER, false));
	assert_false(vmx_msr_exits(c, 0x80, true)); /* low write bit 80H is clear */
	/* Through the instructions: a clear bit runs the MSR's own rules (#GP for 1FFEH). */
	c->gpr[RCX] = 0x1ffe;
	FAULT_IS(f, RUN(f, 0x0f, 0x32), X86_VEC_GP);
	c->gpr[RCX] = MSR_IA32_EFER;
	RETIRED(f, RUN(f, 0x0f, 0x32), 2);
	assert_int_equal(c->gpr[RAX], (u32)c->msr.efer);
	c->gpr[RCX] = MSR_IA32_EFER;
	c->gpr[RAX] = (u32)c->msr.efer;
	c->gpr[RDX] = 0;
	EXIT_IS(f, RUN(f, 0x0f, 0x30), VMX_EXIT_MSR_WRITE, 0, 2);
	fx_free(f);
}

/* ==== time-stamp counter ==== */

/* RDTSC: CR4.TSD at CPL 3 is #GP before the exit; "RDTSC exiting" -> reason 16; otherwise
 * "use TSC offsetting" adds the offset (25.3), also to RDMSR of IA32_TIME_STAMP_COUNTER. */
static void test_rdtsc(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_USE_TSC_OFFSETTING | PROC_USE_MSR_BITMAPS);
	set(f, VMCS_SLOT_TSC_OFFSET, 1000000);
	c->retired = 77;
	RETIRED(f, RUN(f, 0x0f, 0x31), 2);
	assert_int_equal((c->gpr[RDX] << 32) | c->gpr[RAX], 77 + 1000000);
	c->gpr[RCX] = MSR_IA32_TIME_STAMP_COUNTER;
	c->retired = 90;
	RETIRED(f, RUN(f, 0x0f, 0x32), 2);
	assert_int_equal((c->gpr[RDX] << 32) | c->gpr[RAX], 90 + 1000000);
	set(f, VMCS_SLOT_TSC_OFFSET, (u64)-50);
	RETIRED(f, RUN(f, 0x0f, 0x31), 2);
	assert_int_equal(c->gpr[RAX], 91 - 50);
	c->cr4 |= X86_CR4_TSD;
	proc_on(f, PROC_RDTSC_EXITING);
	cpu_set_flat64(c, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x31), X86_VEC_GP);
	cpu_set_flat64(c, 0);
	EXIT_IS(f, RUN(f, 0x0f, 0x31), VMX_EXIT_RDTSC, 0, 2);
	fx_free(f);
}

/* RDTSCP (25.3): #UD when "enable RDTSCP" is 0 (even with "RDTSC exiting"); exit 51 when both
 * are 1; else the offset TSC and IA32_TSC_AUX. */
static void test_rdtscp(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_RDTSC_EXITING | PROC_USE_TSC_OFFSETTING);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xf9), X86_VEC_UD);
	c->cr4 |= X86_CR4_TSD; /* the #UD comes before the CR4.TSD #GP too */
	cpu_set_flat64(c, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xf9), X86_VEC_UD);
	c->cr4 &= ~X86_CR4_TSD;
	cpu_set_flat64(c, 0);
	set(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL,
	    get(f, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) & ~PROC_RDTSC_EXITING);
	proc2_on(f, PROC2_ENABLE_RDTSCP);
	set(f, VMCS_SLOT_TSC_OFFSET, 5);
	c->msr.tsc_aux = 0x42;
	c->retired = 10;
	RETIRED(f, RUN(f, 0x0f, 0x01, 0xf9), 3);
	assert_int_equal(c->gpr[RAX], 15);
	assert_int_equal(c->gpr[RCX], 0x42);
	proc_on(f, PROC_RDTSC_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xf9), VMX_EXIT_RDTSCP, 0, 3);
	fx_free(f);
}

/* ==== other conditional exits ==== */

/* RDPMC: the CPL/PCE #GP first, then "RDPMC exiting", then the #GP of the invalid counter. */
static void test_rdpmc(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	FAULT_IS(f, RUN(f, 0x0f, 0x33), X86_VEC_GP);
	proc_on(f, PROC_RDPMC_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x33), X86_VEC_GP);
	f->cpu.cr4 |= X86_CR4_PCE;
	EXIT_IS(f, RUN(f, 0x0f, 0x33), VMX_EXIT_RDPMC, 0, 2);
	fx_free(f);
}

/* HLT: CPL #GP first; "HLT exiting" -> 12; else the processor halts. */
static void test_hlt(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc_on(f, PROC_HLT_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, 0xf4), X86_VEC_GP);
	cpu_set_flat64(&f->cpu, 0);
	EXIT_IS(f, RUN(f, 0xf4), VMX_EXIT_HLT, 0, 1);
	fx_free(f);
	f = nr_new();
	enum cpu_step r = RUN(f, 0xf4);
	assert_true(r == STEP_RETIRED || r == STEP_HALT);
	assert_true(f->cpu.halted && f->cpu.vmx.non_root && f->cpu.rip == FX_CODE + 1);
	fx_free(f);
}

/* INVLPG: "INVLPG exiting" -> 14 with the linear address as qualification (27.2.1). */
static void test_invlpg(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.gpr[RAX] = 0x123000;
	RETIRED(f, RUN(f, 0x0f, 0x01, 0x78, 0x10), 4);
	proc_on(f, PROC_INVLPG_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x78, 0x10), VMX_EXIT_INVLPG, 0x123010, 4);
	fx_free(f);
}

/* WBINVD: a secondary control, ignored unless primary bit 31 activates the secondary
 * controls (25.1.3 footnote). */
static void test_wbinvd(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	set(f, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, PROC2_WBINVD_EXITING);
	RETIRED(f, RUN(f, 0x0f, 0x09), 2);
	proc2_on(f, 0);
	EXIT_IS(f, RUN(f, 0x0f, 0x09), VMX_EXIT_WBINVD, 0, 2);
	fx_free(f);
}

/* PAUSE: "PAUSE exiting" at any CPL -> 40. */
static void test_pause_exiting(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	RETIRED(f, RUN(f, 0xf3, 0x90), 2);
	proc_on(f, PROC_PAUSE_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	EXIT_IS(f, RUN(f, 0xf3, 0x90), VMX_EXIT_PAUSE_INSTRUCTION, 0, 2);
	fx_free(f);
}

/* The PLE rule on a timeline (units: TSC ticks = retired instructions). */
static void test_ple_rule(void **state)
{
	(void)state;
	struct vmx_ple s = {0};
	/* gap 5, window 10: the first PAUSE starts a loop and never exits */
	assert_false(vmx_ple_step(&s, 100, 5, 10));
	assert_false(vmx_ple_step(&s, 105, 5, 10)); /* 5 apart: not more than the gap */
	assert_false(vmx_ple_step(&s, 110, 5, 10)); /* 10 since the loop began: not more */
	assert_true(vmx_ple_step(&s, 111, 5, 10));  /* 11 > window */
	assert_false(vmx_ple_step(&s, 117, 5, 10)); /* 6 > gap: a new loop */
	assert_false(vmx_ple_step(&s, 128, 5, 10)); /* 11 > gap again: a new loop */
	s.seen = false;                             /* VM entry */
	assert_false(vmx_ple_step(&s, 129, 5, 0));
	assert_true(vmx_ple_step(&s, 130, 5, 0));
}

/* PAUSE-loop exiting through the instruction: only at CPL 0; the fifth back-to-back PAUSE with
 * PLE_Window 3 exits; at CPL 3 PLE is ignored. */
static void test_ple_insn(void **state)
{
	(void)state;
	static const u8 pauses[] = {0xf3, 0x90, 0xf3, 0x90, 0xf3, 0x90, 0xf3, 0x90, 0xf3, 0x90};
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc2_on(f, PROC2_PAUSE_LOOP_EXITING);
	set(f, VMCS_SLOT_PLE_GAP, 5);
	set(f, VMCS_SLOT_PLE_WINDOW, 3);
	fx_code(f, pauses, sizeof(pauses));
	for (int k = 0; k < 4; k++)
		assert_int_equal(cpu_step(c), STEP_RETIRED);
	assert_int_equal(c->rip, FX_CODE + 8);
	assert_int_equal(cpu_step(c), STEP_VMEXIT);
	assert_int_equal(get(f, VMCS_SLOT_EXIT_REASON) & 0xffff, VMX_EXIT_PAUSE_INSTRUCTION);
	assert_int_equal(get(f, VMCS_SLOT_GUEST_RIP), FX_CODE + 8);
	fx_free(f);
	f = nr_new();
	c = &f->cpu;
	proc2_on(f, PROC2_PAUSE_LOOP_EXITING);
	set(f, VMCS_SLOT_PLE_GAP, 5);
	set(f, VMCS_SLOT_PLE_WINDOW, 3);
	cpu_set_flat64(c, 3);
	fx_code(f, pauses, sizeof(pauses));
	for (int k = 0; k < 5; k++)
		assert_int_equal(cpu_step(c), STEP_RETIRED);
	fx_free(f);
}

/* RDRAND/RDSEED: #UD checks first (register operand), then exits 57/61 with Table 27-12
 * (destination register, operand size). */
static void test_rdrand(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	RETIRED(f, RUN(f, 0x0f, 0xc7, 0xf1), 3);
	assert_true(flag_cf(&f->cpu));
	proc2_on(f, PROC2_RDRAND_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0xc7, 0xf1), VMX_EXIT_RDRAND, 0, 3); /* rdrand ecx */
	INFO_IS(f, I_REG1(RCX) | (1u << 11));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_RDRAND_EXITING);
	EXIT_IS(f, RUN(f, 0x66, 0x0f, 0xc7, 0xf0), VMX_EXIT_RDRAND, 0, 4); /* rdrand ax */
	INFO_IS(f, I_REG1(RAX));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_RDSEED_EXITING);
	RETIRED(f, RUN(f, 0x0f, 0xc7, 0xf1), 3);                           /* RDRAND exiting is 0 */
	EXIT_IS(f, RUN(f, 0x49, 0x0f, 0xc7, 0xf9), VMX_EXIT_RDSEED, 0, 4); /* rdseed r9 */
	INFO_IS(f, I_REG1(R9) | (2u << 11));
	fx_free(f);
}

/* ==== MONITOR, MWAIT, INVPCID ==== */

#define MONITOR_INSN 0x0f, 0x01, 0xc8
#define MWAIT_INSN 0x0f, 0x01, 0xc9

/* MONITOR: runs with "MONITOR exiting" 0; with it 1 -> 39 (qualification 0), before the #GP
 * of ECX != 0 and the #PF of the address (25.1.1); the #UD at CPL 3 comes first. */
static void test_monitor_exit(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	f->cpu.gpr[RAX] = FX_DATA;
	RETIRED(f, RUN(f, MONITOR_INSN), 3);
	proc_on(f, PROC_MONITOR_EXITING);
	EXIT_IS(f, RUN(f, MONITOR_INSN), VMX_EXIT_MONITOR_INSTRUCTION, 0, 3);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_MONITOR_EXITING);
	f->cpu.gpr[RAX] = UNMAPPED;
	f->cpu.gpr[RCX] = 1;
	EXIT_IS(f, RUN(f, MONITOR_INSN), VMX_EXIT_MONITOR_INSTRUCTION, 0, 3);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_MONITOR_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, MONITOR_INSN), X86_VEC_UD);
	fx_free(f);
}

/* MWAIT: runs with "MWAIT exiting" 0; with it 1 -> 36, qualification bit 0 = monitor armed
 * (27.2.1: 1 after MONITOR, 0 after a MWAIT consumed the monitor); the exit comes before the
 * #GP of ECX != 0; the #UD at CPL 3 before the exit. */
static void test_mwait_exit(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	RETIRED(f, RUN(f, MWAIT_INSN), 3); /* the monitor is not armed after MWAIT */
	proc_on(f, PROC_MWAIT_EXITING);
	EXIT_IS(f, RUN(f, MWAIT_INSN), VMX_EXIT_MWAIT_INSTRUCTION, 0, 3);
	fx_free(f);
	f = nr_new();
	f->cpu.gpr[RAX] = FX_DATA;
	fx_code(f, CODE(MONITOR_INSN, MWAIT_INSN));
	assert_int_equal(cpu_step(&f->cpu), STEP_RETIRED);
	proc_on(f, PROC_MWAIT_EXITING);
	f->cpu.gpr[RCX] = 2; /* reserved: #GP(0) without the exit */
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_int_equal(get(f, VMCS_SLOT_EXIT_REASON) & 0xffff, VMX_EXIT_MWAIT_INSTRUCTION);
	assert_int_equal(get(f, VMCS_SLOT_EXIT_QUALIFICATION), 1);
	assert_int_equal(get(f, VMCS_SLOT_GUEST_RIP), FX_CODE + 3);
	fx_free(f);
	f = nr_new();
	proc_on(f, PROC_MWAIT_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, MWAIT_INSN), X86_VEC_UD);
	fx_free(f);
}

#define INVPCID_DESC 0x310000ull
/* invpcid rdx, [rbx+rcx*4+20H] */
#define INVPCID_INSN 0x66, 0x0f, 0x38, 0x82, 0x54, 0x8b, 0x20

static struct fx *invpcid_new(u64 proc2)
{
	struct fx *f = nr_new();
	if (proc2)
		proc2_on(f, proc2);
	f->cpu.gpr[RBX] = INVPCID_DESC - 0x20;
	f->cpu.gpr[RCX] = 0;
	f->cpu.gpr[RDX] = 2; /* all contexts */
	return f;
}

/* INVPCID: #UD when "enable INVPCID" is 0 (also without the secondary controls), before the
 * #GP at CPL 3; with it 1 the instruction runs, or with "INVLPG exiting" 1 exits (58,
 * qualification = displacement, Table 27-9: scaling, address size, DS, index RCX, base RBX,
 * Reg2 = RDX), before the #GP of a bad type and the operand read. */
static void test_invpcid_exit(void **state)
{
	(void)state;
	struct fx *f = invpcid_new(0);
	set(f, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_INVPCID); /* not activated */
	FAULT_IS(f, RUN(f, INVPCID_INSN), X86_VEC_UD);
	fx_free(f);
	f = invpcid_new(PROC2_WBINVD_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, INVPCID_INSN), X86_VEC_UD);
	fx_free(f);
	f = invpcid_new(PROC2_ENABLE_INVPCID);
	cpu_set_flat64(&f->cpu, 3);
	proc_on(f, PROC_INVLPG_EXITING);
	FAULT_IS(f, RUN(f, INVPCID_INSN), X86_VEC_GP);
	fx_free(f);
	f = invpcid_new(PROC2_ENABLE_INVPCID);
	RETIRED(f, RUN(f, INVPCID_INSN), 7);
	f->cpu.gpr[RDX] = 4;
	FAULT_IS(f, RUN(f, INVPCID_INSN), X86_VEC_GP);
	proc_on(f, PROC_INVLPG_EXITING);
	f->cpu.gpr[RBX] = UNMAPPED;
	EXIT_IS(f, RUN(f, INVPCID_INSN), VMX_EXIT_INVPCID, 0x20, 7);
	INFO_IS(f, I_SCALE(2) | I_ASZ64 | I_SEG(SEG_DS) | I_INDEX(RCX) | I_BASE(RBX) | I_REG2(RDX));
	fx_free(f);
}

/* ==== descriptor tables ==== */

/* LGDT [rbx+rcx*4+20H]: exit 46, qualification = displacement, Table 27-10 (scaling 2,
 * index RCX, base RBX, DS, identity 2). */
static void test_lgdt(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	f->cpu.gpr[RBX] = UNMAPPED; /* the exit comes before the operand is read */
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x54, 0x8b, 0x20), VMX_EXIT_GDTR_IDTR, 0x20, 5);
	INFO_IS(f, I_SCALE(2) | I_ASZ64 | I_SEG(SEG_DS) | I_INDEX(RCX) | I_BASE(RBX) | I_ID(2));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0x18), X86_VEC_GP); /* lidt [rax] at CPL 3 */
	fx_free(f);
}

/* SIDT [rbp-8]: negative displacement sign-extended, SS, no index; SGDT [rip+10H]: the
 * qualification is the displacement plus the next RIP, no base register. */
static void test_sidt_sgdt(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x4d, 0xf8), VMX_EXIT_GDTR_IDTR, (u64)-8, 4);
	INFO_IS(f, I_ASZ64 | I_SEG(SEG_SS) | I_NOINDEX | I_BASE(RBP) | I_ID(1));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x05, 0x10, 0, 0, 0), VMX_EXIT_GDTR_IDTR, FX_CODE + 7 + 0x10,
		7);
	INFO_IS(f, I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_NOBASE | I_ID(0));
	fx_free(f);
	/* UMIP at CPL 3: #GP first; without UMIP SGDT at CPL 3 exits. */
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	f->cpu.cr4 |= X86_CR4_UMIP;
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0x4d, 0xf8), X86_VEC_GP);
	f->cpu.cr4 &= ~X86_CR4_UMIP;
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0x4d, 0xf8), VMX_EXIT_GDTR_IDTR, (u64)-8, 4);
	fx_free(f);
}

/* LLDT/LTR/SLDT/STR: exit 47, Table 27-11 (register or memory operand, identity). */
static void test_ldtr_tr(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x00, 0xd0), VMX_EXIT_LDTR_TR, 0, 3); /* lldt ax */
	INFO_IS(f, I_REG1(RAX) | I_REGOP | I_ID(2));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x00, 0x4c, 0x24, 0x04), VMX_EXIT_LDTR_TR, 4, 5); /* str [rsp+4] */
	INFO_IS(f, I_ASZ64 | I_SEG(SEG_SS) | I_NOINDEX | I_BASE(RSP) | I_ID(1));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	f->cpu.gpr[RBX] = UNMAPPED;
	EXIT_IS(f, RUN(f, 0x0f, 0x00, 0x5b, 0x08), VMX_EXIT_LDTR_TR, 8, 4); /* ltr [rbx+8] */
	INFO_IS(f, I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_BASE(RBX) | I_ID(3));
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	EXIT_IS(f, RUN(f, 0x0f, 0x00, 0xc1), VMX_EXIT_LDTR_TR, 0, 3); /* sldt ecx */
	INFO_IS(f, I_REG1(RCX) | I_REGOP | I_ID(0));
	fx_free(f);
	f = nr_new();
	RETIRED(f, RUN(f, 0x0f, 0x00, 0xc1), 3); /* control clear: SLDT runs */
	cpu_set_flat64(&f->cpu, 3);
	proc2_on(f, PROC2_DESC_TABLE_EXITING);
	FAULT_IS(f, RUN(f, 0x0f, 0x00, 0xd0), X86_VEC_GP); /* lldt at CPL 3 */
	fx_free(f);
}

/* ==== unconditional exits ==== */

/* CPUID (10), INVD (13), XSETBV (55): exits; INVD at CPL 3 and XSETBV without CR4.OSXSAVE or
 * at CPL 3 fault first; XSETBV exits before its value check. */
static void test_unconditional(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	EXIT_IS(f, RUN(f, 0x0f, 0xa2), VMX_EXIT_CPUID, 0, 2);
	fx_free(f);
	f = nr_new();
	EXIT_IS(f, RUN(f, 0x0f, 0x08), VMX_EXIT_INVD, 0, 2);
	fx_free(f);
	f = nr_new();
	cpu_set_flat64(&f->cpu, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x08), X86_VEC_GP);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xd1), X86_VEC_UD);
	f->cpu.cr4 |= X86_CR4_OSXSAVE;
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xd1), X86_VEC_GP);
	cpu_set_flat64(&f->cpu, 0);
	f->cpu.gpr[RCX] = 1; /* an invalid XCR: the #GP would come after the exit */
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xd1), VMX_EXIT_XSETBV, 0, 3);
	fx_free(f);
}

/* GETSEC: #UD with CR4.SMXE = 0; with SMXE = 1 an exit at any CPL (25.1.2 footnote). */
static void test_getsec(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	FAULT_IS(f, RUN(f, 0x0f, 0x37), X86_VEC_UD);
	f->cpu.cr4 |= X86_CR4_SMXE;
	cpu_set_flat64(&f->cpu, 3);
	EXIT_IS(f, RUN(f, 0x0f, 0x37), VMX_EXIT_GETSEC, 0, 2);
	fx_free(f);
}

/* ==== ENCLS ==== */

/* ENCLS (spec rule 11): exit 60 iff "enable ENCLS exiting" and bitmap[min(EAX, 63)]; the #UD
 * checks (CPL > 0, no SGX) come first; without an exit the IA32_FEATURE_CONTROL check follows:
 * #GP(0) here, where the MSR is not locked with SGX_ENABLE. */
static void test_encls(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	set(f, VMCS_SLOT_ENCLS_EXITING_BITMAP, BIT(0) | BIT(63));
	c->gpr[RAX] = 0;
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), X86_VEC_GP); /* control clear */
	proc2_on(f, PROC2_ENCLS_EXITING);
	c->gpr[RAX] = 2;
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), X86_VEC_GP); /* bit 2 clear */
	assert_true(vmx_encls_exits(c, 63));
	assert_true(vmx_encls_exits(c, 0xffffffffu));
	assert_false(vmx_encls_exits(c, 62));
	cpu_set_flat64(c, 3);
	c->gpr[RAX] = 0;
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), X86_VEC_UD); /* CPL 3: #UD, never an exit */
	cpu_set_flat64(c, 0);
	c->gpr[RAX] = 0xffffffff00000000ull; /* EAX = 0: bits 63:32 ignored */
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), VMX_EXIT_ENCLS, 0, 3);
	fx_free(f);
	f = nr_new();
	proc2_on(f, PROC2_ENCLS_EXITING);
	set(f, VMCS_SLOT_ENCLS_EXITING_BITMAP, BIT(63));
	f->cpu.gpr[RAX] = 100;
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), VMX_EXIT_ENCLS, 0, 3);
	fx_free(f);
	/* A processor without SGX: #UD before the exit. */
	f = nr_new_profile(cpu_profile_find("icx-nosgx"));
	proc2_on(f, PROC2_ENCLS_EXITING);
	set(f, VMCS_SLOT_ENCLS_EXITING_BITMAP, ~0ull);
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xcf), X86_VEC_UD);
	fx_free(f);
}

/* ==== VMX instructions ==== */

struct vmx_case {
	const u8 *code;
	u8 len;
	u32 reason;
	u64 qual;
	u32 info;
	bool has_info;
};

#define VC(reason, qual, info, has, ...)                                                          \
	{                                                                                         \
		(const u8[]){__VA_ARGS__}, sizeof((const u8[]){__VA_ARGS__}), reason, qual, info, \
		    has                                                                           \
	}

/* 25.1.2: every VMX instruction exits in VMX non-root operation, before the CPL check (CPL 3
 * here); 27.2.1 displacement qualification; Tables 27-9, 27-13, 27-14. */
static void test_vmx_insns(void **state)
{
	(void)state;
	const u32 mem_rbx = I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_BASE(RBX);
	const struct vmx_case cases[] = {
	    VC(VMX_EXIT_VMCALL, 0, 0, false, 0x0f, 0x01, 0xc1),
	    VC(VMX_EXIT_VMLAUNCH, 0, 0, false, 0x0f, 0x01, 0xc2),
	    VC(VMX_EXIT_VMRESUME, 0, 0, false, 0x0f, 0x01, 0xc3),
	    VC(VMX_EXIT_VMXOFF, 0, 0, false, 0x0f, 0x01, 0xc4),
	    VC(VMX_EXIT_VMCLEAR, 0x40, mem_rbx, true, 0x66, 0x0f, 0xc7, 0x73, 0x40),
	    VC(VMX_EXIT_VMPTRLD, 0x40, mem_rbx, true, 0x0f, 0xc7, 0x73, 0x40),
	    VC(VMX_EXIT_VMPTRST, 8, I_ASZ64 | I_SEG(SEG_SS) | I_NOINDEX | I_BASE(RSP), true, 0x0f,
	       0xc7, 0x7c, 0x24, 0x08),
	    VC(VMX_EXIT_VMXON, 0, I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_BASE(RAX), true, 0xf3,
	       0x0f, 0xc7, 0x30),
	    VC(VMX_EXIT_VMREAD, 0, I_REG1(RAX) | I_REGOP | I_REG2(RBX), true, 0x0f, 0x78, 0xd8),
	    VC(VMX_EXIT_VMREAD, 0, I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_BASE(RDI) | I_REG2(RBX),
	       true, 0x0f, 0x78, 0x1f),
	    VC(VMX_EXIT_VMWRITE, 1,
	       I_SCALE(3) | I_ASZ64 | I_SEG(SEG_DS) | I_INDEX(RDX) | I_BASE(RSI) | I_REG2(RBX),
	       true, 0x0f, 0x79, 0x5c, 0xd6, 0x01),
	    VC(VMX_EXIT_INVEPT, 0, I_ASZ64 | I_SEG(SEG_DS) | I_NOINDEX | I_BASE(RCX) | I_REG2(RAX),
	       true, 0x66, 0x0f, 0x38, 0x80, 0x01),
	    VC(VMX_EXIT_INVVPID, 0x7f,
	       I_SCALE(1) | I_ASZ64 | I_SEG(SEG_DS) | I_INDEX(R8) | I_BASE(RAX) | I_REG2(RDX), true,
	       0x66, 0x42, 0x0f, 0x38, 0x81, 0x54, 0x40, 0x7f),
	};
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		const struct vmx_case *v = &cases[k];
		struct fx *f = nr_new();
		cpu_set_flat64(&f->cpu, 3);
		enum cpu_step r = run(f, v->code, v->len);
		exit_is(f, r, v->reason, v->qual, v->len, (int)(1000 + k));
		if (v->has_info)
			info_is(f, v->info, (int)(1000 + k));
		fx_free(f);
	}
}

/* VMFUNC (25.5.5): #UD when "enable VM functions" is 0, else exit 59 (no function is enabled
 * on these profiles). */
static void test_vmfunc(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	FAULT_IS(f, RUN(f, 0x0f, 0x01, 0xd4), X86_VEC_UD);
	proc2_on(f, PROC2_ENABLE_VMFUNC);
	EXIT_IS(f, RUN(f, 0x0f, 0x01, 0xd4), VMX_EXIT_VMFUNC, 0, 3);
	fx_free(f);
}

/* ==== VMCS shadowing ==== */

static void shadow_setup(struct fx *f)
{
	proc2_on(f, PROC2_VMCS_SHADOWING);
	set(f, VMCS_SLOT_VMCS_LINK_POINTER, SHADOW);
	phys_write(&f->phys, SHADOW, 4, 0x80000000u | 4);
	phys_write(&f->phys, SHADOW + VMX_REGION_FIELDS + 8ull * VMCS_SLOT_GUEST_RIP, 8, 0xabcdef);
}

/* VMREAD with VMCS shadowing and a clear bitmap bit reads the shadow VMCS (VMsucceed); a set
 * bit, or encoding bits 63:15, exit (25.1.3). */
static void test_shadow_vmread(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	shadow_setup(f);
	c->gpr[RBX] = VMCS_GUEST_RIP;
	cpu_set_rflags(c, RFLAGS_ARITH);
	RETIRED(f, RUN(f, 0x0f, 0x78, 0xd8), 3); /* vmread rax, rbx */
	assert_int_equal(c->gpr[RAX], 0xabcdef);
	assert_int_equal(cpu_rflags(c) & RFLAGS_ARITH, 0);
	/* the current VMCS is not the one read */
	assert_int_equal(get(f, VMCS_SLOT_GUEST_RIP), 0);
	c->gpr[RBX] = VMCS_GUEST_RIP | BIT(15);
	EXIT_IS(f, RUN(f, 0x0f, 0x78, 0xd8), VMX_EXIT_VMREAD, 0, 3);
	fx_free(f);
	f = nr_new();
	shadow_setup(f);
	set_bit_pa(f, VMRBM, VMCS_GUEST_RIP);
	f->cpu.gpr[RBX] = VMCS_GUEST_RIP;
	EXIT_IS(f, RUN(f, 0x0f, 0x78, 0xd8), VMX_EXIT_VMREAD, 0, 3);
	fx_free(f);
}

/* 30.3 after the exit test: CPL 3 -> #GP; link pointer FFFFFFFF_FFFFFFFFH -> VMfailInvalid;
 * an unsupported field -> VMfailValid(12) in the current VMCS. */
static void test_shadow_failures(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	shadow_setup(f);
	c->gpr[RBX] = VMCS_GUEST_RIP;
	cpu_set_flat64(c, 3);
	FAULT_IS(f, RUN(f, 0x0f, 0x78, 0xd8), X86_VEC_GP);
	cpu_set_flat64(c, 0);
	c->gpr[RBX] = 0x7ffe; /* no such field */
	RETIRED(f, RUN(f, 0x0f, 0x78, 0xd8), 3);
	assert_int_equal(cpu_rflags(c) & RFLAGS_ARITH, RFLAGS_ZF);
	assert_int_equal(get(f, VMCS_SLOT_VM_INSTRUCTION_ERROR), 12);
	set(f, VMCS_SLOT_VMCS_LINK_POINTER, ~0ull);
	c->gpr[RBX] = VMCS_GUEST_RIP;
	RETIRED(f, RUN(f, 0x0f, 0x78, 0xd8), 3);
	assert_int_equal(cpu_rflags(c) & RFLAGS_ARITH, RFLAGS_CF);
	fx_free(f);
}

/* VMWRITE with VMCS shadowing writes the shadow VMCS in memory; its bitmap is separate. */
static void test_shadow_vmwrite(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	shadow_setup(f);
	set_bit_pa(f, VMRBM, VMCS_GUEST_RSP);
	c->gpr[RCX] = VMCS_GUEST_RSP;
	c->gpr[RAX] = 0x5555;
	RETIRED(f, RUN(f, 0x0f, 0x79, 0xc8), 3); /* vmwrite rcx, rax */
	assert_int_equal(cpu_rflags(c) & RFLAGS_ARITH, 0);
	assert_int_equal(
	    phys_read(&f->phys, SHADOW + VMX_REGION_FIELDS + 8ull * VMCS_SLOT_GUEST_RSP, 8),
	    0x5555);
	assert_int_equal(get(f, VMCS_SLOT_GUEST_RSP), 0);
	set_bit_pa(f, VMWBM, VMCS_GUEST_RSP);
	EXIT_IS(f, RUN(f, 0x0f, 0x79, 0xc8), VMX_EXIT_VMWRITE, 0, 3);
	INFO_IS(f, I_REG1(RAX) | I_REGOP | I_REG2(RCX));
	fx_free(f);
}

/* ==== outside VMX non-root operation nothing exits ==== */

static void test_root_unchanged(void **state)
{
	(void)state;
	struct fx *f = nr_new();
	struct vx_cpu *c = &f->cpu;
	proc_on(f, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_MOV_DR_EXITING);
	set(f, VMCS_SLOT_CR0_GUEST_HOST_MASK, ~0ull);
	c->vmx.non_root = false;
	assert_int_equal(RUN(f, 0x0f, 0xa2), STEP_RETIRED);       /* cpuid */
	assert_int_equal(RUN(f, 0xe4, 0x80), STEP_RETIRED);       /* in al, 0x80 */
	assert_int_equal(RUN(f, 0x0f, 0x21, 0xf8), STEP_RETIRED); /* mov rax, dr7 */
	assert_int_equal(RUN(f, 0x0f, 0x20, 0xc0), STEP_RETIRED); /* mov rax, cr0 */
	assert_true(c->gpr[RAX] == (c->cr0 | X86_CR0_ET));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cr0_write_exit),
	    cmocka_unit_test(test_api_cr_access_exits),
	    cmocka_unit_test(test_api_io_msr_exits),
	    cmocka_unit_test(test_cr0_write_masked),
	    cmocka_unit_test(test_cr0_cpl3_gp),
	    cmocka_unit_test(test_cr0_fixed_bits),
	    cmocka_unit_test(test_cr0_fixed_unrestricted),
	    cmocka_unit_test(test_cr_read_shadow),
	    cmocka_unit_test(test_cr4_write),
	    cmocka_unit_test(test_cr4_fixed),
	    cmocka_unit_test(test_cr3_targets),
	    cmocka_unit_test(test_cr3_store),
	    cmocka_unit_test(test_cr8),
	    cmocka_unit_test(test_clts),
	    cmocka_unit_test(test_lmsw_pe),
	    cmocka_unit_test(test_lmsw_bits),
	    cmocka_unit_test(test_lmsw_fetch_first),
	    cmocka_unit_test(test_mov_dr),
	    cmocka_unit_test(test_io_uncond),
	    cmocka_unit_test(test_io_bitmaps),
	    cmocka_unit_test(test_io_iopl_first),
	    cmocka_unit_test(test_ins_exit),
	    cmocka_unit_test(test_outs_exit),
	    cmocka_unit_test(test_msr_no_bitmaps),
	    cmocka_unit_test(test_msr_bitmaps),
	    cmocka_unit_test(test_rdtsc),
	    cmocka_unit_test(test_rdtscp),
	    cmocka_unit_test(test_rdpmc),
	    cmocka_unit_test(test_hlt),
	    cmocka_unit_test(test_invlpg),
	    cmocka_unit_test(test_wbinvd),
	    cmocka_unit_test(test_pause_exiting),
	    cmocka_unit_test(test_ple_rule),
	    cmocka_unit_test(test_ple_insn),
	    cmocka_unit_test(test_rdrand),
	    cmocka_unit_test(test_monitor_exit),
	    cmocka_unit_test(test_mwait_exit),
	    cmocka_unit_test(test_invpcid_exit),
	    cmocka_unit_test(test_lgdt),
	    cmocka_unit_test(test_sidt_sgdt),
	    cmocka_unit_test(test_ldtr_tr),
	    cmocka_unit_test(test_unconditional),
	    cmocka_unit_test(test_getsec),
	    cmocka_unit_test(test_encls),
	    cmocka_unit_test(test_vmx_insns),
	    cmocka_unit_test(test_vmfunc),
	    cmocka_unit_test(test_shadow_vmread),
	    cmocka_unit_test(test_shadow_failures),
	    cmocka_unit_test(test_shadow_vmwrite),
	    cmocka_unit_test(test_root_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
