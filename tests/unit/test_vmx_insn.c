// SPDX-License-Identifier: MIT
/*
 * The VMX instructions (src/vmx/vmx_insn.c) through both of their paths: the public interface
 * (include/vx/vmx.h) and guest instruction bytes run by the interpreter (src/cpu/op_vmx.c).
 * Every #UD/#GP rule and every VM-instruction error number of the SDM Vol. 3C 30.3 pages the
 * model can produce, RFLAGS after VMsucceed/VMfailInvalid/VMfailValid (30.2 "Conventions"),
 * the VMCS region format and launch state (24.2, 24.11.3), and the operand rules of 64-bit
 * mode (register encodings of 64 bits, memory operands, the 67H prefix, fault ordering).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/decode.h"
#include "cpu/profile.h"
#include "cpu_fixture.h"
#include "lib/trace.h"
#include "vmx/vmx_insn.h"
#include "vx/cpu.h"
#include "vx/vmx.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

/* Physical (= linear: identity map) layout. */
#define VMXON_REGION 0x400000ull
#define VMCS_A 0x401000ull
#define VMCS_B 0x402000ull
#define VMCS_C 0x403000ull /* revision written, never VMCLEARed */
#define VMCS_BADREV 0x404000ull
#define OPND FX_DATA           /* memory operands of the interpreter path */
#define DESC (FX_DATA + 0x100) /* INVEPT/INVVPID descriptors */
#define UNMAPPED 0x40000000ull /* 1 GiB: not mapped by the fixture */
#define NONCANON 0x800000000000ull

#define RAX 0
#define RCX 1
#define FLAGS_KEPT (RFLAGS_IF | RFLAGS_DF)
#define ERR_FIELD VMCS_VM_INSTRUCTION_ERROR

enum path { API, INSN };
static const char *const path_name[] = {"API", "interpreter"};

/* A VMX-capable processor: CR4.VMXE = 1, IA32_FEATURE_CONTROL locked with VMX outside SMX,
 * the revision identifier in the VMXON region and in VMCS regions A, B, C. */
static struct fx *setup_profile(const struct cpu_profile *p)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->profile = p;
	vmx_reset(c);
	c->cr4 |= X86_CR4_VMXE;
	c->msr.feature_control =
	    MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	u32 rev = vx_vmx_revision_id(c);
	phys_write(&f->phys, VMXON_REGION, 4, rev);
	phys_write(&f->phys, VMCS_A, 4, rev);
	phys_write(&f->phys, VMCS_B, 4, rev);
	phys_write(&f->phys, VMCS_C, 4, rev);
	phys_write(&f->phys, VMCS_BADREV, 4, rev + 1);
	return f;
}

static struct fx *setup(void)
{
	return setup_profile(NULL);
}

/* ---- one outcome, whichever path produced it ---- */

enum { BAD = -1 }; /* the interpreter's state contradicts every outcome (wrong RIP, flags) */

struct out {
	int kind; /* enum vx_vmx_outcome or BAD */
	u32 error;
	u8 vector;
	u32 ec;
};

static u32 error_field(struct fx *f)
{
	return (u32)vmcs_get(&f->cpu.vmx.vmcs, VMCS_SLOT_VM_INSTRUCTION_ERROR);
}

static struct out from_api(struct fx *f, struct vx_vmx_result r)
{
	struct out o = {.kind = (int)r.outcome, .error = r.error, .vector = r.vector};
	o.ec = r.has_error_code ? r.error_code : ~0u;
	/* VMfailValid stores the number in the current VMCS (30.2). */
	if (r.outcome == VX_VMFAIL_VALID && error_field(f) != r.error)
		o.kind = BAD;
	return o;
}

/* Executes the instruction bytes at FX_CODE with CF, PF, AF, ZF, SF, OF, IF, DF all set, and
 * turns the result into an outcome: the RFLAGS of 30.2 and RIP after the instruction for
 * VMsucceed/VMfail, RIP on the instruction for exceptions. */
static struct out run(struct fx *f, const u8 *code, size_t n)
{
	struct vx_cpu *c = &f->cpu;
	fx_code(f, code, n);
	cpu_set_rflags(c, RFLAGS_ARITH | FLAGS_KEPT | (c->rflags & RFLAGS_VM));
	enum cpu_step r = cpu_step(c);
	struct out o = {.kind = BAD};
	u64 fl = cpu_rflags(c);
	if (r == STEP_FAULT && c->rip == FX_CODE && (fl & RFLAGS_ARITH) == RFLAGS_ARITH) {
		o.kind = VX_VMX_EXCEPTION;
		o.vector = c->event.vector;
		o.ec = c->event.has_error ? c->event.error_code : ~0u;
		return o;
	}
	if (r == STEP_VMEXIT && c->rip == FX_CODE)
		o.kind = VX_VMX_VMEXIT;
	if (r != STEP_RETIRED || c->rip != FX_CODE + n || (fl & FLAGS_KEPT) != FLAGS_KEPT)
		return o;
	if ((fl & RFLAGS_ARITH) == 0)
		o.kind = VX_VMSUCCEED;
	else if ((fl & RFLAGS_ARITH) == RFLAGS_CF)
		o.kind = VX_VMFAIL_INVALID;
	else if ((fl & RFLAGS_ARITH) == RFLAGS_ZF) {
		o.kind = VX_VMFAIL_VALID;
		o.error = error_field(f);
	}
	return o;
}

#define RUN(f, ...) run(f, CODE(__VA_ARGS__))

static void expect(struct out o, int kind, u32 error, enum path p, int line)
{
	bool ok = o.kind == kind;
	if (kind == VX_VMFAIL_VALID)
		ok = ok && o.error == error;
	if (kind == VX_VMX_EXCEPTION) /* error = vector; #GP carries error code 0 */
		ok = ok && o.vector == error && (error != X86_VEC_GP || o.ec == 0);
	if (!ok)
		fail_msg("line %d (%s): outcome %d error/vector %u/%u, expected %d error %u", line,
			 path_name[p], o.kind, o.error, o.vector, kind, error);
}

#define EXPECT_OK(o) expect(o, VX_VMSUCCEED, 0, p, __LINE__)
#define EXPECT_INVALID(o) expect(o, VX_VMFAIL_INVALID, 0, p, __LINE__)
#define EXPECT_VALID(o, e) expect(o, VX_VMFAIL_VALID, e, p, __LINE__)
#define EXPECT_UD(o) expect(o, VX_VMX_EXCEPTION, X86_VEC_UD, p, __LINE__)
#define EXPECT_GP(o) expect(o, VX_VMX_EXCEPTION, X86_VEC_GP, p, __LINE__)

/* ---- each instruction through either path ---- */

typedef struct vx_vmx_result api_ptr_fn(struct vx_cpu *c, u64 pa);

/* VMXON/VMCLEAR/VMPTRLD [rax] with the pointer stored at OPND. */
static struct out ptr_op(struct fx *f, enum path p, api_ptr_fn *api, const u8 *code, size_t n,
			 u64 pa)
{
	if (p == API)
		return from_api(f, api(&f->cpu, pa));
	phys_write(&f->phys, OPND, 8, pa);
	f->cpu.gpr[RAX] = OPND;
	return run(f, code, n);
}

static struct out vmxon(struct fx *f, enum path p, u64 pa)
{
	return ptr_op(f, p, vx_vmxon, CODE(0xf3, 0x0f, 0xc7, 0x30), pa);
}

static struct out vmclear(struct fx *f, enum path p, u64 pa)
{
	return ptr_op(f, p, vx_vmclear, CODE(0x66, 0x0f, 0xc7, 0x30), pa);
}

static struct out vmptrld(struct fx *f, enum path p, u64 pa)
{
	return ptr_op(f, p, vx_vmptrld, CODE(0x0f, 0xc7, 0x30), pa);
}

/* VMPTRST [rax]; *pa = the stored pointer. */
static struct out vmptrst(struct fx *f, enum path p, u64 *pa)
{
	if (p == API)
		return from_api(f, vx_vmptrst(&f->cpu, pa));
	phys_write(&f->phys, OPND, 8, 0x5a5a5a5a5a5a5a5aull);
	f->cpu.gpr[RAX] = OPND;
	struct out o = RUN(f, 0x0f, 0xc7, 0x38);
	*pa = phys_read(&f->phys, OPND, 8);
	return o;
}

/* VMREAD rax, rcx */
static struct out vmread(struct fx *f, enum path p, u64 enc, u64 *val)
{
	if (p == API)
		return from_api(f, vx_vmread(&f->cpu, enc, val));
	f->cpu.gpr[RCX] = enc;
	f->cpu.gpr[RAX] = *val;
	struct out o = RUN(f, 0x0f, 0x78, 0xc8);
	*val = f->cpu.gpr[RAX];
	return o;
}

/* VMWRITE rcx, rax */
static struct out vmwrite(struct fx *f, enum path p, u64 enc, u64 val)
{
	if (p == API)
		return from_api(f, vx_vmwrite(&f->cpu, enc, val));
	f->cpu.gpr[RCX] = enc;
	f->cpu.gpr[RAX] = val;
	return RUN(f, 0x0f, 0x79, 0xc8);
}

static struct out vmlaunch(struct fx *f, enum path p)
{
	return p == API ? from_api(f, vx_vmlaunch(&f->cpu)) : RUN(f, 0x0f, 0x01, 0xc2);
}

static struct out vmresume(struct fx *f, enum path p)
{
	return p == API ? from_api(f, vx_vmresume(&f->cpu)) : RUN(f, 0x0f, 0x01, 0xc3);
}

static struct out vmxoff(struct fx *f, enum path p)
{
	return p == API ? from_api(f, vx_vmxoff(&f->cpu)) : RUN(f, 0x0f, 0x01, 0xc4);
}

static struct out vmcall(struct fx *f, enum path p)
{
	return p == API ? from_api(f, vx_vmcall(&f->cpu)) : RUN(f, 0x0f, 0x01, 0xc1);
}

/* INVEPT/INVVPID rcx, [rax] with the descriptor at DESC. */
static struct out invept(struct fx *f, enum path p, u64 type, u64 lo, u64 hi)
{
	if (p == API) {
		struct vx_invept_desc d = {lo, hi};
		return from_api(f, vx_invept(&f->cpu, type, &d));
	}
	phys_write(&f->phys, DESC, 8, lo);
	phys_write(&f->phys, DESC + 8, 8, hi);
	f->cpu.gpr[RAX] = DESC;
	f->cpu.gpr[RCX] = type;
	return RUN(f, 0x66, 0x0f, 0x38, 0x80, 0x08);
}

static struct out invvpid(struct fx *f, enum path p, u64 type, u64 lo, u64 hi)
{
	if (p == API) {
		struct vx_invvpid_desc d = {lo, hi};
		return from_api(f, vx_invvpid(&f->cpu, type, &d));
	}
	phys_write(&f->phys, DESC, 8, lo);
	phys_write(&f->phys, DESC + 8, 8, hi);
	f->cpu.gpr[RAX] = DESC;
	f->cpu.gpr[RCX] = type;
	return RUN(f, 0x66, 0x0f, 0x38, 0x81, 0x08);
}

/* VMXON, then VMCLEAR + VMPTRLD of VMCS A (asserted to succeed). */
static void enter_with_vmcs(struct fx *f, enum path p)
{
	EXPECT_OK(vmxon(f, p, VMXON_REGION));
	EXPECT_OK(vmclear(f, p, VMCS_A));
	EXPECT_OK(vmptrld(f, p, VMCS_A));
}

static void to_cpl3(struct fx *f)
{
	cpu_set_flat64(&f->cpu, 3);
}

/* ==== VMXON ==== */

/* VMXON page: #UD with CR4.VMXE = 0, RFLAGS.VM = 1, or IA32_EFER.LMA = 1 and CS.L = 0 (23.7
 * "Enabling and Entering VMX Operation": "VMXON causes an invalid-opcode exception (#UD) if
 * executed with CR4.VMXE = 0"). */
static void test_vmxon_ud(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		f->cpu.cr4 &= ~X86_CR4_VMXE;
		EXPECT_UD(vmxon(f, p, VMXON_REGION));
		f->cpu.cr4 |= X86_CR4_VMXE;
		f->cpu.seg[SEG_CS].ar &= ~BIT(13); /* CS.L = 0: compatibility mode */
		EXPECT_UD(vmxon(f, p, VMXON_REGION));
		cpu_set_flat64(&f->cpu, 0);
		f->cpu.rflags |= RFLAGS_VM;
		EXPECT_UD(vmxon(f, p, VMXON_REGION));
		f->cpu.rflags &= ~RFLAGS_VM;
		assert_false(f->cpu.vmx.in_vmx);
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		fx_free(f);
	}
}

/* VMXON page: "#GP(0) If executed outside VMX operation with CPL>0 or with invalid CR0 or
 * CR4 fixed bits" (23.8, A.7, A.8), and the IA32_FEATURE_CONTROL rules of 23.7. */
static void test_vmxon_gp(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		struct vx_cpu *c = &f->cpu;
		to_cpl3(f);
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		if (p == INSN) { /* before the operand is read: #GP, not #PF */
			c->gpr[RAX] = UNMAPPED;
			EXPECT_GP(RUN(f, 0xf3, 0x0f, 0xc7, 0x30));
		}
		cpu_set_flat64(c, 0);
		c->cr0 &= ~X86_CR0_NE; /* IA32_VMX_CR0_FIXED0 has NE */
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		c->cr0 |= X86_CR0_NE;
		c->cr4 |= X86_CR4_SMXE; /* not in IA32_VMX_CR4_FIXED1 */
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		c->cr4 &= ~X86_CR4_SMXE;
		c->msr.feature_control =
		    MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK; /* unlocked */
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		c->msr.feature_control = MSR_IA32_FEATURE_CONTROL_LOCK_MASK; /* VMX disabled */
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		c->msr.feature_control |= MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
		assert_false(c->vmx.in_vmx);
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		assert_true(c->vmx.in_vmx);
		fx_free(f);
	}
}

/* VMXON page: "IF addr is not 4KB-aligned or addr sets any bits beyond the physical-address
 * width THEN VMfailInvalid; ... IF rev[30:0] ≠ VMCS revision identifier ... OR rev[31] = 1
 * THEN VMfailInvalid". */
static void test_vmxon_fail_invalid(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u32 rev = vx_vmx_revision_id(&f->cpu);
		EXPECT_INVALID(vmxon(f, p, VMXON_REGION + 0x800));
		EXPECT_INVALID(vmxon(f, p, VMXON_REGION | (1ull << MAXPHYADDR)));
		phys_write(&f->phys, VMXON_REGION, 4, rev + 1);
		EXPECT_INVALID(vmxon(f, p, VMXON_REGION));
		phys_write(&f->phys, VMXON_REGION, 4, rev | BIT(31));
		EXPECT_INVALID(vmxon(f, p, VMXON_REGION));
		assert_false(f->cpu.vmx.in_vmx);
		phys_write(&f->phys, VMXON_REGION, 4, rev);
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		/* "current-VMCS pointer ← FFFFFFFF_FFFFFFFFH" */
		u64 ptr = 0;
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == ~0ull);
		fx_free(f);
	}
}

/* VMXON in VMX root operation: "ELSIF CPL > 0 THEN #GP(0); ELSE VMfail('VMXON executed in VMX
 * root operation')" -- VMfailInvalid without a current VMCS, VMfailValid(15) with one. */
static void test_vmxon_in_root(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmxon(f, p, VMXON_REGION));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmxon(f, p, VMXON_REGION), VMXERR_VMXON_IN_ROOT);
		/* the memory operand is not read in root operation: a bad pointer changes nothing
		 */
		EXPECT_VALID(vmxon(f, p, UNMAPPED + 3), VMXERR_VMXON_IN_ROOT);
		to_cpl3(f);
		EXPECT_GP(vmxon(f, p, VMXON_REGION));
		fx_free(f);
	}
}

/* ==== #UD outside VMX operation, #GP(0) at CPL > 0 ==== */

/* Every page: "IF (not in VMX operation) ... THEN #UD" (VMCALL: "IF not in VMX operation THEN
 * #UD"; VMFUNC: "#UD If executed outside VMX non-root operation"). */
static void test_ud_outside_vmx(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u64 v = 0;
		EXPECT_UD(vmxoff(f, p));
		EXPECT_UD(vmclear(f, p, VMCS_A));
		EXPECT_UD(vmptrld(f, p, VMCS_A));
		EXPECT_UD(vmptrst(f, p, &v));
		EXPECT_UD(vmread(f, p, VMCS_GUEST_RIP, &v));
		EXPECT_UD(vmwrite(f, p, VMCS_GUEST_RIP, 1));
		EXPECT_UD(vmlaunch(f, p));
		EXPECT_UD(vmresume(f, p));
		EXPECT_UD(invept(f, p, 2, 0, 0));
		EXPECT_UD(invvpid(f, p, 2, 0, 0));
		EXPECT_UD(vmcall(f, p));
		if (p == INSN)
			EXPECT_UD(RUN(f, 0x0f, 0x01, 0xd4)); /* vmfunc */
		/* after VMXOFF the processor is outside VMX operation again */
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_OK(vmxoff(f, p));
		EXPECT_UD(vmread(f, p, VMCS_GUEST_RIP, &v));
		EXPECT_UD(vmxoff(f, p));
		fx_free(f);
	}
}

/* VMFUNC in VMX root operation: #UD ("If executed outside VMX non-root operation"). */
static void test_vmfunc_root(void **state)
{
	(void)state;
	enum path p = INSN;
	struct fx *f = setup();
	enter_with_vmcs(f, p);
	EXPECT_UD(RUN(f, 0x0f, 0x01, 0xd4));
	fx_free(f);
}

/* In VMX root operation at CPL 3 every instruction raises #GP(0) ("ELSIF CPL > 0 THEN
 * #GP(0)"), before reading any memory operand (the operands point at unmapped memory). */
static void test_gp_cpl3(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		enter_with_vmcs(f, p);
		to_cpl3(f);
		f->cpu.gpr[RAX] = UNMAPPED;
		u64 v = 0;
		EXPECT_GP(vmxoff(f, p));
		EXPECT_GP(vmlaunch(f, p));
		EXPECT_GP(vmresume(f, p));
		EXPECT_GP(vmcall(f, p));
		EXPECT_GP(vmread(f, p, VMCS_GUEST_RIP, &v));
		EXPECT_GP(vmwrite(f, p, VMCS_GUEST_RIP, 1));
		EXPECT_GP(invept(f, p, 2, 0, 0));
		EXPECT_GP(invvpid(f, p, 2, 0, 0));
		if (p == API) {
			EXPECT_GP(vmclear(f, p, VMCS_A));
			EXPECT_GP(vmptrld(f, p, VMCS_A));
			EXPECT_GP(vmptrst(f, p, &v));
		} else {
			/* [rax] unmapped: #GP wins over #PF */
			f->cpu.gpr[RAX] = UNMAPPED;
			EXPECT_GP(RUN(f, 0xf3, 0x0f, 0xc7, 0x30)); /* vmxon */
			EXPECT_GP(RUN(f, 0x66, 0x0f, 0xc7, 0x30)); /* vmclear */
			EXPECT_GP(RUN(f, 0x0f, 0xc7, 0x30));       /* vmptrld */
			EXPECT_GP(RUN(f, 0x0f, 0xc7, 0x38));       /* vmptrst */
			EXPECT_GP(RUN(f, 0x0f, 0x78, 0x08));       /* vmread [rax], rcx */
			EXPECT_GP(RUN(f, 0x0f, 0x79, 0x08));       /* vmwrite rcx, [rax] */
			EXPECT_UD(RUN(f, 0x0f, 0x01, 0xd4));       /* vmfunc */
		}
		fx_free(f);
	}
}

/* Compatibility mode (IA32_EFER.LMA = 1, CS.L = 0) does not recognise them: #UD. */
static void test_ud_compat_mode(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		enter_with_vmcs(f, p);
		f->cpu.seg[SEG_CS].ar &= ~BIT(13);
		u64 v = 0;
		EXPECT_UD(vmptrst(f, p, &v));
		EXPECT_UD(vmread(f, p, VMCS_GUEST_RIP, &v));
		EXPECT_UD(vmlaunch(f, p));
		EXPECT_UD(vmxoff(f, p));
		EXPECT_UD(vmcall(f, p));
		fx_free(f);
	}
}

/* ==== VMCLEAR, VMPTRLD, VMPTRST ==== */

/* VMCLEAR page: invalid address -> VMfail(2), VMXON pointer -> VMfail(3); VMfail is
 * VMfailInvalid without a current VMCS (30.2). */
static void test_vmclear_errors(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmclear(f, p, VMCS_A + 8));
		EXPECT_INVALID(vmclear(f, p, VMXON_REGION));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmclear(f, p, VMCS_B + 0x10), VMXERR_VMCLEAR_INVALID_ADDRESS);
		EXPECT_VALID(vmclear(f, p, 1ull << MAXPHYADDR), VMXERR_VMCLEAR_INVALID_ADDRESS);
		EXPECT_VALID(vmclear(f, p, ~0xfffull), VMXERR_VMCLEAR_INVALID_ADDRESS);
		EXPECT_VALID(vmclear(f, p, VMXON_REGION), VMXERR_VMCLEAR_VMXON_POINTER);
		/* the highest valid address passes the address checks */
		EXPECT_OK(vmclear(f, p, (1ull << MAXPHYADDR) - 4096));
		fx_free(f);
	}
}

/* VMPTRLD page: 9 invalid address, 10 VMXON pointer, 11 revision identifier (bits 30:0, and
 * bit 31 without VMCS shadowing). */
static void test_vmptrld_errors(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmptrld(f, p, VMCS_A + 0x800));
		EXPECT_INVALID(vmptrld(f, p, VMXON_REGION));
		EXPECT_INVALID(vmptrld(f, p, VMCS_BADREV));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmptrld(f, p, VMCS_B + 0x800), VMXERR_VMPTRLD_INVALID_ADDRESS);
		EXPECT_VALID(vmptrld(f, p, VMCS_B | (1ull << 50)), VMXERR_VMPTRLD_INVALID_ADDRESS);
		EXPECT_VALID(vmptrld(f, p, VMXON_REGION), VMXERR_VMPTRLD_VMXON_POINTER);
		EXPECT_VALID(vmptrld(f, p, VMCS_BADREV), VMXERR_VMPTRLD_INCORRECT_REVISION);
		/* a failed VMPTRLD leaves the current VMCS current */
		u64 ptr = 0;
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == VMCS_A);
		fx_free(f);
	}
}

/* The shadow-VMCS indicator (24.10 "VMCS Types: Ordinary and Shadow"): VMPTRLD accepts it when
 * "VMCS shadowing" can be 1 (icx-server), fails with 11 when it cannot; VM entry with a shadow
 * VMCS current is VMfailInvalid (26.1 item 4). */
static void test_shadow_vmcs(void **state)
{
	(void)state;
	static struct cpu_profile noshadow;
	noshadow = *cpu_profile_default();
	noshadow.vmx.procbased2 &= ~(BIT(PROC2_VMCS_SHADOWING_BITNO) << 32);
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u32 rev = vx_vmx_revision_id(&f->cpu);
		phys_write(&f->phys, VMCS_B, 4, rev | BIT(31));
		enter_with_vmcs(f, p);
		EXPECT_OK(vmclear(f, p, VMCS_B));
		EXPECT_OK(vmptrld(f, p, VMCS_B));
		EXPECT_INVALID(vmlaunch(f, p));
		EXPECT_INVALID(vmresume(f, p));
		u64 v = 0;
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x77)); /* VMREAD/VMWRITE work on it */
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x77);
		fx_free(f);

		f = setup_profile(&noshadow);
		phys_write(&f->phys, VMCS_B, 4, rev | BIT(31));
		enter_with_vmcs(f, p);
		EXPECT_VALID(vmptrld(f, p, VMCS_B), VMXERR_VMPTRLD_INCORRECT_REVISION);
		fx_free(f);
	}
}

/* VMPTRST page: stores the current-VMCS pointer, FFFFFFFF_FFFFFFFFH when it is invalid
 * (VMCLEAR of the current VMCS makes it invalid). */
static void test_vmptrst(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u64 ptr = 0;
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == ~0ull);
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == VMCS_A);
		EXPECT_OK(vmclear(f, p, VMCS_B)); /* not current: A stays current */
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == VMCS_A);
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == ~0ull);
		fx_free(f);
	}
}

/* VMPTRST's store faults like any write: #PF on an unmapped page, #GP(0) for a non-canonical
 * address; nothing is stored and RFLAGS is unchanged (run() checks the flags). */
static void test_vmptrst_faults(void **state)
{
	(void)state;
	enum path p = INSN;
	struct fx *f = setup();
	enter_with_vmcs(f, p);
	f->cpu.gpr[RAX] = UNMAPPED;
	struct out o = RUN(f, 0x0f, 0xc7, 0x38);
	expect(o, VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	assert_true(f->cpu.event.cr2 == UNMAPPED);
	assert_int_equal(f->cpu.event.error_code, PFEC_W);
	f->cpu.gpr[RAX] = NONCANON;
	EXPECT_GP(RUN(f, 0x0f, 0xc7, 0x38));
	/* VMPTRLD/VMCLEAR read their operand: #PF with a read error code */
	f->cpu.gpr[RAX] = UNMAPPED;
	o = RUN(f, 0x0f, 0xc7, 0x30);
	expect(o, VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	assert_int_equal(f->cpu.event.error_code, 0);
	fx_free(f);
}

/* 24.11.1 / 24.11.3: a VMCS keeps its data when another VMCS is made current and across
 * VMCLEAR (migration relies on it); VMCLEAR writes the data and the launch state "clear" to
 * the region (layout in vmx_insn.h). */
static void test_vmcs_roundtrip(void **state)
{
	(void)state;
	const unsigned rip_off = VMX_REGION_FIELDS + 8 * VMCS_SLOT_GUEST_RIP;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u64 v = 0;
		enter_with_vmcs(f, p);
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x1111));
		EXPECT_OK(vmclear(f, p, VMCS_B));
		EXPECT_OK(vmptrld(f, p, VMCS_B));
		v = 5;
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0);
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x2222));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x1111);
		/* B was written back when A became current */
		assert_int_equal(phys_read(&f->phys, VMCS_B + rip_off, 8), 0x2222);
		EXPECT_OK(vmclear(f, p, VMCS_A));
		assert_int_equal(phys_read(&f->phys, VMCS_A + rip_off, 8), 0x1111);
		assert_int_equal(phys_read(&f->phys, VMCS_A + VMX_REGION_LAUNCH, 4),
				 VMX_REGION_LAUNCH_CLEAR);
		/* the revision identifier is software's: VMCLEAR leaves it */
		assert_int_equal(phys_read(&f->phys, VMCS_A, 4), vx_vmx_revision_id(&f->cpu));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x1111);
		/* VMPTRLD of the current VMCS changes nothing (the cache is not reloaded) */
		phys_write(&f->phys, VMCS_A + rip_off, 8, 0x9999);
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x1111);
		EXPECT_OK(vmptrld(f, p, VMCS_B));
		EXPECT_OK(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x2222);
		/* VMXOFF writes the current VMCS back */
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x3333));
		EXPECT_OK(vmxoff(f, p));
		assert_int_equal(phys_read(&f->phys, VMCS_B + rip_off, 8), 0x3333);
		fx_free(f);
	}
}

/* ==== VMREAD, VMWRITE ==== */

/* VMREAD/VMWRITE pages: "ELSIF current-VMCS pointer is not valid THEN VMfailInvalid";
 * unsupported component -> VMfailValid(12) (including encodings with bits 63:32 set: the
 * register operand has 64 bits in 64-bit mode); read-only component -> 13 unless
 * IA32_VMX_MISC[29]; the field's width truncates (24.11.2). */
static void test_vmread_vmwrite(void **state)
{
	(void)state;
	static struct cpu_profile nomisc;
	nomisc = *cpu_profile_default();
	nomisc.vmx.misc &= ~MSR_IA32_VMX_MISC_VMWRITE_ANY_MASK;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		u64 v = 0x1234;
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmread(f, p, VMCS_GUEST_RIP, &v));
		assert_int_equal(v, 0x1234); /* destination unchanged */
		EXPECT_INVALID(vmwrite(f, p, VMCS_GUEST_RIP, 1));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmread(f, p, VMCS_GUEST_RIP | (1ull << 32), &v),
			     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		assert_int_equal(v, 0x1234);
		EXPECT_VALID(vmwrite(f, p, VMCS_GUEST_RIP | (1ull << 63), 1),
			     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		EXPECT_VALID(vmread(f, p, 0x6ffe, &v), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		EXPECT_VALID(vmwrite(f, p, VMCS_GUEST_CS_SELECTOR | 1, 1),
			     VMXERR_UNSUPPORTED_VMCS_COMPONENT); /* "high" of a 16-bit field */
		/* the error field itself reads back */
		EXPECT_OK(vmread(f, p, ERR_FIELD, &v));
		assert_int_equal(v, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		/* icx-server has IA32_VMX_MISC[29]: exit information is writable */
		EXPECT_OK(vmwrite(f, p, VMCS_EXIT_QUALIFICATION, 0x42));
		EXPECT_OK(vmread(f, p, VMCS_EXIT_QUALIFICATION, &v));
		assert_int_equal(v, 0x42);
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_CS_SELECTOR, 0xabcdef));
		EXPECT_OK(vmread(f, p, VMCS_GUEST_CS_SELECTOR, &v));
		assert_int_equal(v, 0xcdef);
		EXPECT_OK(vmwrite(f, p, VMCS_TSC_OFFSET | 1, 0xfedcba9876543210ull)); /* high */
		EXPECT_OK(vmread(f, p, VMCS_TSC_OFFSET, &v));
		assert_true(v == 0x7654321000000000ull);
		fx_free(f);

		f = setup_profile(&nomisc);
		enter_with_vmcs(f, p);
		EXPECT_VALID(vmwrite(f, p, VMCS_EXIT_QUALIFICATION, 0x42),
			     VMXERR_VMWRITE_READ_ONLY_COMPONENT);
		EXPECT_VALID(vmwrite(f, p, VMCS_VM_INSTRUCTION_ERROR, 0),
			     VMXERR_VMWRITE_READ_ONLY_COMPONENT);
		EXPECT_OK(vmread(f, p, VMCS_EXIT_QUALIFICATION, &v));
		assert_int_equal(v, 0);
		fx_free(f);
	}
}

/* Appendix B: "This field exists only on processors that support the 1-setting of the
 * 'enable ENCLS exiting' VM-execution control": 12 on icx-nosgx, a plain field on
 * icx-server; A.9: no field has an index above IA32_VMX_VMCS_ENUM[9:1]. */
static void test_profile_fields(void **state)
{
	(void)state;
	enum path p = API;
	struct fx *f = setup();
	u64 v = 0;
	enter_with_vmcs(f, p);
	EXPECT_OK(vmwrite(f, p, VMCS_ENCLS_EXITING_BITMAP, 0x5));
	EXPECT_OK(vmread(f, p, VMCS_ENCLS_EXITING_BITMAP, &v));
	assert_int_equal(v, 5);
	/* ENCLV-exiting bitmap (index 1BH): beyond the highest index 17H, no ENCLV exiting */
	EXPECT_VALID(vmread(f, p, VMCS_ENCLV_EXITING_BITMAP, &v),
		     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* no "load IA32_PERF_GLOBAL_CTRL" on the icx profiles */
	EXPECT_VALID(vmwrite(f, p, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0),
		     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	EXPECT_OK(vmwrite(f, p, VMCS_EPT_POINTER, 0x1e)); /* EPT is supported */
	fx_free(f);

	/* A.9 alone: with IA32_VMX_VMCS_ENUM[9:1] = 16H the preemption-timer value (482EH,
	 * index 17H) is not a field any more */
	static struct cpu_profile lowenum;
	lowenum = *cpu_profile_default();
	lowenum.vmx.vmcs_enum = 0x16 << 1;
	f = setup_profile(&lowenum);
	enter_with_vmcs(f, p);
	EXPECT_VALID(vmwrite(f, p, VMCS_VMX_PREEMPTION_TIMER_VALUE, 1),
		     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_SMBASE, 1)); /* index 14H */
	fx_free(f);

	f = setup_profile(cpu_profile_find("icx-nosgx"));
	enter_with_vmcs(f, p);
	EXPECT_VALID(vmwrite(f, p, VMCS_ENCLS_EXITING_BITMAP, 0x5),
		     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	EXPECT_VALID(vmread(f, p, VMCS_ENCLS_EXITING_BITMAP, &v),
		     VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	fx_free(f);
}

/* VMREAD/VMWRITE with memory operands: 64-bit values whatever the field's width, the 67H
 * address-size prefix (32-bit effective address), and the fault order of the two pages. */
/* vx_vmread_n: the reads one by one would give the same values and the same first failure
 * (VMfailInvalid without a current VMCS; error 12 at an unsupported field, the values before
 * it written, the rest untouched). */
static void test_vmread_n(void **state)
{
	(void)state;
	const enum path p = API;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	u32 enc[4] = {VMCS_GUEST_RIP, VMCS_GUEST_CS_SELECTOR, VMCS_TSC_OFFSET | 1,
		      VMCS_EXIT_REASON};
	u64 val[4] = {1, 2, 3, 4};
	EXPECT_OK(vmxon(f, p, VMXON_REGION));
	assert_int_equal(vx_vmread_n(c, enc, val, 4).outcome, VX_VMFAIL_INVALID);
	assert_int_equal(val[0], 1);
	EXPECT_OK(vmclear(f, p, VMCS_A));
	EXPECT_OK(vmptrld(f, p, VMCS_A));
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x1234));
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_CS_SELECTOR, 0x10));
	EXPECT_OK(vmwrite(f, p, VMCS_TSC_OFFSET, 0xaaaabbbbccccddddull));
	assert_int_equal(vx_vmread_n(c, enc, val, 4).outcome, VX_VMSUCCEED);
	assert_int_equal(val[0], 0x1234);
	assert_int_equal(val[1], 0x10);
	assert_int_equal(val[2], 0xaaaabbbbull); /* the "high" access */
	u64 one = 7;
	EXPECT_OK(vmread(f, p, VMCS_EXIT_REASON, &one));
	assert_int_equal(val[3], one);
	/* vx_vmread_list: the same values, from the notes the first read made */
	struct vx_vmcs_list l = {.enc = enc, .n = 4};
	u64 lv[4] = {0};
	assert_int_equal(vx_vmread_list(c, &l, lv).outcome, VX_VMSUCCEED);
	assert_memory_equal(lv, val, sizeof(val));
	assert_ptr_equal(l.cpu, c);
	u64 layout = l.layout;
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x5678));
	assert_int_equal(vx_vmread_list(c, &l, lv).outcome, VX_VMSUCCEED);
	assert_int_equal(lv[0], 0x5678);
	assert_int_equal(lv[2], 0xaaaabbbbull);
	/* notes made for another processor or another field layout are made again */
	l.cpu = NULL;
	l.slot[0] = 0;
	assert_int_equal(vx_vmread_list(c, &l, lv).outcome, VX_VMSUCCEED);
	assert_int_equal(lv[0], 0x5678);
	assert_int_equal(l.layout, layout);
	c->vmx.layout++;
	l.slot[0] = 0;
	assert_int_equal(vx_vmread_list(c, &l, lv).outcome, VX_VMSUCCEED);
	assert_int_equal(lv[0], 0x5678);
	/* ... or another list of encodings, or another count (never beyond the notes) */
	u32 other[1] = {VMCS_GUEST_CS_SELECTOR};
	l.enc = other;
	l.n = 1;
	assert_int_equal(vx_vmread_list(c, &l, lv).outcome, VX_VMSUCCEED);
	assert_int_equal(lv[0], 0x10);
	u32 many[VX_VMCS_LIST_MAX + 1];
	u64 mv[VX_VMCS_LIST_MAX + 1];
	for (unsigned k = 0; k <= VX_VMCS_LIST_MAX; k++)
		many[k] = VMCS_GUEST_RIP;
	struct vx_vmcs_list big = {.enc = many, .n = VX_VMCS_LIST_MAX + 1};
	assert_int_equal(vx_vmread_list(c, &big, mv).outcome, VX_VMSUCCEED); /* one by one */
	assert_int_equal(mv[VX_VMCS_LIST_MAX], 0x5678);
	assert_null(big.cpu);
	l.enc = enc;
	l.n = 4;
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, 0x1234));
	enc[1] = 0x6ffe; /* no such field */
	struct vx_vmcs_list bad = {.enc = enc, .n = 4};
	lv[1] = 9;
	assert_int_equal(vx_vmread_list(c, &bad, lv).error, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	assert_int_equal(lv[0], 0x1234);
	assert_int_equal(lv[1], 9);
	val[0] = val[1] = val[2] = 9;
	struct vx_vmx_result r = vx_vmread_n(c, enc, val, 4);
	assert_int_equal(r.outcome, VX_VMFAIL_VALID);
	assert_int_equal(r.error, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	assert_int_equal(val[0], 0x1234);
	assert_int_equal(val[1], 9);
	assert_int_equal(val[2], 9);
	fx_free(f);
}

static void test_vmread_vmwrite_memory(void **state)
{
	(void)state;
	enum path p = INSN;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	enter_with_vmcs(f, p);
	/* vmwrite rcx, [rax] */
	phys_write(&f->phys, OPND, 8, 0x8877665544332211ull);
	c->gpr[RAX] = OPND;
	c->gpr[RCX] = VMCS_GUEST_RSP;
	EXPECT_OK(RUN(f, 0x0f, 0x79, 0x08));
	/* vmread [rax], rcx: 8 bytes written, a 16-bit field zero-extended */
	c->gpr[RAX] = OPND + 8;
	phys_write(&f->phys, OPND + 8, 8, ~0ull);
	EXPECT_OK(RUN(f, 0x0f, 0x78, 0x08));
	assert_true(phys_read(&f->phys, OPND + 8, 8) == 0x8877665544332211ull);
	EXPECT_OK(vmwrite(f, p, VMCS_GUEST_SS_SELECTOR, 0x18));
	c->gpr[RAX] = OPND + 8;
	c->gpr[RCX] = VMCS_GUEST_SS_SELECTOR;
	EXPECT_OK(RUN(f, 0x0f, 0x78, 0x08));
	assert_int_equal(phys_read(&f->phys, OPND + 8, 8), 0x18);
	/* 67H: [eax] uses bits 31:0 of RAX */
	c->gpr[RAX] = 0xffffffff00000000ull | (OPND + 16);
	c->gpr[RCX] = VMCS_GUEST_RSP;
	EXPECT_OK(RUN(f, 0x67, 0x0f, 0x78, 0x08));
	assert_true(phys_read(&f->phys, OPND + 16, 8) == 0x8877665544332211ull);
	/* VMREAD: a bad encoding fails before the destination is accessed (no #PF) */
	c->gpr[RAX] = UNMAPPED;
	c->gpr[RCX] = 0x6ffe;
	EXPECT_VALID(RUN(f, 0x0f, 0x78, 0x08), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	c->gpr[RCX] = VMCS_GUEST_RSP;
	expect(RUN(f, 0x0f, 0x78, 0x08), VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	assert_int_equal(c->event.error_code, PFEC_W);
	/* VMWRITE: the source is read before the field is checked (#PF, not 12) */
	c->gpr[RCX] = 0x6ffe;
	expect(RUN(f, 0x0f, 0x79, 0x08), VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	/* ... but after the current-VMCS check: no VMCS, VMfailInvalid and no #PF */
	EXPECT_OK(vmclear(f, p, VMCS_A));
	EXPECT_INVALID(RUN(f, 0x0f, 0x79, 0x08));
	EXPECT_INVALID(RUN(f, 0x0f, 0x78, 0x08));
	fx_free(f);
}

/* ==== VMLAUNCH, VMRESUME ==== */

/* 26.1 "Basic VM-Entry Checks": no current VMCS -> VMfailInvalid; VMLAUNCH needs launch state
 * clear (4), VMRESUME launched (5).  A region never VMCLEARed is neither. */
static void test_launch_state(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmlaunch(f, p));
		EXPECT_INVALID(vmresume(f, p));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmresume(f, p), VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		EXPECT_OK(vmptrld(f, p, VMCS_C));
		EXPECT_VALID(vmlaunch(f, p), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		EXPECT_VALID(vmresume(f, p), VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		/* a region holding "launched" (as VM entry leaves it) */
		phys_write(&f->phys, VMCS_B + VMX_REGION_LAUNCH, 4, VMX_REGION_LAUNCH_LAUNCHED);
		EXPECT_OK(vmptrld(f, p, VMCS_B));
		EXPECT_VALID(vmlaunch(f, p), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		/* VMRESUME passes the launch-state check and reaches the control checks (26.2.1:
		 * the zero pin-based controls lack their default1 bits) */
		EXPECT_VALID(vmresume(f, p), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
		/* VMCLEAR of a VMCS that is not current writes "clear" into its region */
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_OK(vmclear(f, p, VMCS_C));
		assert_int_equal(phys_read(&f->phys, VMCS_C + VMX_REGION_LAUNCH, 4),
				 VMX_REGION_LAUNCH_CLEAR);
		EXPECT_OK(vmptrld(f, p, VMCS_C));
		EXPECT_VALID(vmlaunch(f, p), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
		fx_free(f);
	}
}

/* VMLAUNCH/VMRESUME page: "ELSIF events are being blocked by MOV SS THEN VMfailValid(VM entry
 * with events blocked by MOV SS)" -- before the launch-state checks (26.1 5a before 5b). */
static void test_mov_ss_blocking(void **state)
{
	(void)state;
	enum path p = API;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	enter_with_vmcs(f, p);
	c->shadow = VMX_INTR_BLOCKING_BY_MOV_SS;
	EXPECT_VALID(vmlaunch(f, p), VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
	EXPECT_VALID(vmresume(f, p), VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
	c->shadow = VMX_INTR_BLOCKING_BY_STI; /* STI blocking does not prevent VM entry */
	EXPECT_VALID(vmresume(f, p), VMXERR_VMRESUME_NONLAUNCHED_VMCS);
	/* The interpreter's handler with MOV-SS blocking in effect.  (The step loop clears
	 * c->shadow before it executes the next instruction, so a "mov ss; vmlaunch" pair
	 * cannot be run through cpu_step yet; the handler is called as the step loop would.) */
	struct insn i;
	static const u8 vml[] = {0x0f, 0x01, 0xc2};
	assert_int_equal(decode_insn(c->decoder, vml, sizeof(vml), &i), DECODE_OK);
	c->shadow = VMX_INTR_BLOCKING_BY_MOV_SS;
	cpu_set_rflags(c, RFLAGS_ARITH);
	c->insn_rip = FX_CODE;
	c->rip = FX_CODE + i.len;
	assert_int_equal(i.fn(c, &i), STEP_RETIRED);
	assert_int_equal(cpu_rflags(c) & RFLAGS_ARITH, RFLAGS_ZF);
	assert_int_equal(error_field(f), VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
	fx_free(f);
}

/* Writes a VMCS whose controls and host state pass 26.2 (the capability MSRs' allowed-0
 * settings, 64-bit host) and whose guest state is that of a flat 64-bit guest at CPL 0
 * (26.3.1); `guest` false leaves the guest-state area zero. */
static void write_entry_vmcs(struct fx *f, enum path p, bool guest)
{
	const struct cpu_profile *pr = cpu_profile_default();
	static const struct {
		u32 enc;
		u64 val;
	} host[] = {
	    {VMCS_HOST_CR0, X86_CR0_PE | X86_CR0_NE | X86_CR0_PG | X86_CR0_ET},
	    {VMCS_HOST_CR4, X86_CR4_PAE | X86_CR4_VMXE},
	    {VMCS_HOST_CR3, 0x1000},
	    {VMCS_HOST_CS_SELECTOR, 0x08},
	    {VMCS_HOST_SS_SELECTOR, 0x10},
	    {VMCS_HOST_TR_SELECTOR, 0x28},
	    {VMCS_HOST_RIP, 0x100000},
	    {VMCS_HOST_RSP, 0x200000},
	    {VMCS_VMCS_LINK_POINTER, ~0ull},
	};
	static const struct {
		u32 enc;
		u64 val;
	} gst[] = {
	    {VMCS_GUEST_CR0, X86_CR0_PE | X86_CR0_NE | X86_CR0_PG | X86_CR0_ET},
	    {VMCS_GUEST_CR4, X86_CR4_PAE | X86_CR4_VMXE},
	    {VMCS_GUEST_CR3, 0x1000},
	    {VMCS_GUEST_DR7, 0x400},
	    {VMCS_GUEST_RFLAGS, 2},
	    {VMCS_GUEST_RIP, 0x100000},
	    {VMCS_GUEST_CS_SELECTOR, 0x08},
	    {VMCS_GUEST_CS_AR_BYTES, 0xa09b},
	    {VMCS_GUEST_CS_LIMIT, 0xffffffff},
	    {VMCS_GUEST_SS_SELECTOR, 0x10},
	    {VMCS_GUEST_SS_AR_BYTES, 0xc093},
	    {VMCS_GUEST_SS_LIMIT, 0xffffffff},
	    {VMCS_GUEST_DS_AR_BYTES, 0x10000},
	    {VMCS_GUEST_ES_AR_BYTES, 0x10000},
	    {VMCS_GUEST_FS_AR_BYTES, 0x10000},
	    {VMCS_GUEST_GS_AR_BYTES, 0x10000},
	    {VMCS_GUEST_LDTR_AR_BYTES, 0x10000},
	    {VMCS_GUEST_TR_SELECTOR, 0x28},
	    {VMCS_GUEST_TR_AR_BYTES, 0x8b},
	    {VMCS_GUEST_TR_LIMIT, 0x67},
	    {VMCS_GUEST_GDTR_LIMIT, 0xffff},
	    {VMCS_GUEST_IDTR_LIMIT, 0xffff},
	};
	EXPECT_OK(vmwrite(f, p, VMCS_PIN_BASED_VM_EXEC_CONTROL, (u32)pr->vmx.true_pinbased));
	EXPECT_OK(vmwrite(f, p, VMCS_CPU_BASED_VM_EXEC_CONTROL, (u32)pr->vmx.true_procbased));
	EXPECT_OK(vmwrite(f, p, VMCS_VM_EXIT_CONTROLS,
			  (u32)pr->vmx.true_exit | EXIT_HOST_ADDR_SPACE_SIZE));
	EXPECT_OK(vmwrite(f, p, VMCS_VM_ENTRY_CONTROLS,
			  (u32)pr->vmx.true_entry | (guest ? ENTRY_IA32E_MODE_GUEST : 0)));
	for (size_t k = 0; k < ARRAY_SIZE(host); k++)
		EXPECT_OK(vmwrite(f, p, host[k].enc, host[k].val));
	for (size_t k = 0; guest && k < ARRAY_SIZE(gst); k++)
		EXPECT_OK(vmwrite(f, p, gst[k].enc, gst[k].val));
}

static u64 exit_reason(struct fx *f)
{
	return vmcs_get(&f->cpu.vmx.vmcs, VMCS_SLOT_EXIT_REASON);
}

/* VMLAUNCH reaches vmentry_check(): invalid controls -> VMfailValid(7), invalid host state
 * -> 8, invalid guest state -> VM-entry failure (exit reason 33 | bit 31, host state loaded,
 * launch state still clear); with everything valid the guest runs: its first instruction,
 * CPUID, exits unconditionally (25.1.2) with host state loaded and the launch state
 * "launched". */
static void test_vmlaunch_entry_checks(void **state)
{
	(void)state;
	const u64 guest_rip = FX_CODE + 0x100;
	static const u8 cpuid[] = {0x0f, 0xa2};
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		struct vx_cpu *c = &f->cpu;
		enter_with_vmcs(f, p);
		EXPECT_VALID(vmlaunch(f, p), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
		write_entry_vmcs(f, p, false);
		EXPECT_OK(vmwrite(f, p, VMCS_HOST_CR0, 0)); /* CR0.PE/NE/PG are fixed to 1 */
		EXPECT_VALID(vmlaunch(f, p), VMXERR_ENTRY_INVALID_HOST_STATE_FIELD);
		write_entry_vmcs(f, p, false);
		struct out o = vmlaunch(f, p);
		expect(o, p == API ? VX_VMX_EXITED : VX_VMX_VMEXIT, 0, p, __LINE__);
		assert_true(exit_reason(f) ==
			    (VMX_EXIT_REASON_FAILED_VMENTRY | VMX_EXIT_INVALID_STATE));
		assert_int_equal(c->vmx.launch, VMX_LAUNCH_CLEAR);
		assert_false(c->vmx.non_root);
		write_entry_vmcs(f, p, true);
		EXPECT_OK(vmwrite(f, p, VMCS_GUEST_RIP, guest_rip));
		phys_copy_in(&f->phys, guest_rip, cpuid, sizeof(cpuid));
		if (p == API) {
			assert_int_equal(vx_vmlaunch(c).outcome, VX_VMX_EXITED);
		} else {
			fx_code(f, (const u8[]){0x0f, 0x01, 0xc2}, 3); /* vmlaunch */
			assert_int_equal(cpu_step(c), STEP_RETIRED);
			assert_true(c->vmx.non_root && c->rip == guest_rip);
			assert_int_equal(cpu_step(c), STEP_VMEXIT);
		}
		assert_true(exit_reason(f) == VMX_EXIT_CPUID);
		assert_false(c->vmx.non_root);
		/* D79: the API's exit leaves host state to be loaded when something looks */
		assert_true(c->vmx.parked == (p == API));
		assert_true(vx_cpu_get_reg(c, VX_RIP) == 0x100000); /* HOST_RIP */
		assert_false(c->vmx.parked);
		assert_int_equal(c->vmx.launch, VMX_LAUNCH_LAUNCHED);
		/* VMLAUNCH now fails (launch state not clear) */
		EXPECT_VALID(vmlaunch(f, p), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		fx_free(f);
	}
}

/* DESIGN.md 2: a failing VM-entry check is recorded in the trace with its condition and the
 * SDM section title (here: a control-field check, 26.2.1). */
static void test_vmentry_fail_traced(void **state)
{
	(void)state;
	struct fx *f = setup();
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	assert_non_null(mf);
	struct vx_trace t;
	trace_init(&t);
	trace_open(&t, mf, TRACE_FMT_JSONL);
	f->cpu.trace = &t;
	enum path p = API;
	enter_with_vmcs(f, p);
	EXPECT_VALID(vmlaunch(f, p), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
	trace_close(&t);
	fclose(mf);
	assert_non_null(strstr(buf, "\"ev\":\"vmentry_fail\""));
	assert_non_null(strstr(buf, "\"rule\":\""));
	assert_non_null(strstr(buf, "\"sdm\":\"26.2.1"));
	free(buf);
	f->cpu.trace = NULL;
	fx_free(f);
}

/* ==== VMXOFF, VMCALL ==== */

/* VMCALL page: in VMX root operation without dual-monitor treatment, VMfail(VMCALL executed
 * in VMX root operation). */
static void test_vmcall_root(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(vmcall(f, p));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(vmcall(f, p), VMXERR_VMCALL_IN_ROOT);
		fx_free(f);
	}
}

/* VMXOFF page: leaves VMX operation with VMsucceed (no dual-monitor treatment, so error 23
 * never happens); VMXON works again afterwards and starts with no current VMCS. */
static void test_vmxoff(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		enter_with_vmcs(f, p);
		EXPECT_OK(vmxoff(f, p));
		assert_false(f->cpu.vmx.in_vmx);
		u64 ptr = 0;
		EXPECT_UD(vmptrst(f, p, &ptr));
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_OK(vmptrst(f, p, &ptr));
		assert_true(ptr == ~0ull);
		fx_free(f);
	}
}

/* ==== INVEPT, INVVPID ==== */

/* A valid EPTP for icx-server: WB (6), page-walk length 4 (bits 5:3 = 3). */
#define EPTP_OK (0x500000ull | 6 | (3 << 3))

/* INVEPT page: unsupported types (0, 3, bit 32 set) -> VMfail(28); type 1 with an EPTP VM
 * entry would reject -> 28; type 1 and 2 otherwise succeed and flush the TLB. */
static void test_invept(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(invept(f, p, 0, EPTP_OK, 0));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		const u32 e = VMXERR_INVALID_INVEPT_INVVPID_OPERAND;
		EXPECT_VALID(invept(f, p, 0, EPTP_OK, 0), e);
		EXPECT_VALID(invept(f, p, 3, EPTP_OK, 0), e);
		EXPECT_VALID(invept(f, p, 1ull << 32 | 1, EPTP_OK, 0), e);
		EXPECT_VALID(invept(f, p, 1, (EPTP_OK & ~7ull) | 1, 0), e);  /* WC */
		EXPECT_VALID(invept(f, p, 1, EPTP_OK & ~(7ull << 3), 0), e); /* walk 1 */
		EXPECT_VALID(invept(f, p, 1, EPTP_OK | BIT(6), 0), e);       /* no A/D */
		EXPECT_VALID(invept(f, p, 1, EPTP_OK | BIT(8), 0), e);       /* reserved */
		EXPECT_VALID(invept(f, p, 1, EPTP_OK | (1ull << MAXPHYADDR), 0), e);
		EXPECT_OK(invept(f, p, 1, EPTP_OK, 0));
		EXPECT_OK(invept(f, p, 1, (EPTP_OK & ~7ull), 0)); /* UC */
		/* type 2 does not look at the EPTP */
		EXPECT_OK(invept(f, p, 2, 0xffffffffffffffffull, 0));
		fx_free(f);
	}
}

/* INVVPID page: unsupported type (4) -> 28; descriptor bits 63:16 -> 28; VPID 0 for types 0,
 * 1, 3 -> 28 (type 2 ignores it); type 0 with a non-canonical address -> 28. */
static void test_invvpid(void **state)
{
	(void)state;
	const u32 e = VMXERR_INVALID_INVEPT_INVVPID_OPERAND;
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup();
		EXPECT_OK(vmxon(f, p, VMXON_REGION));
		EXPECT_INVALID(invvpid(f, p, 4, 1, 0));
		EXPECT_INVALID(invvpid(f, p, 1, 0, 0));
		EXPECT_OK(vmclear(f, p, VMCS_A));
		EXPECT_OK(vmptrld(f, p, VMCS_A));
		EXPECT_VALID(invvpid(f, p, 4, 1, 0), e);
		EXPECT_VALID(invvpid(f, p, 1ull << 32, 1, 0), e);
		EXPECT_VALID(invvpid(f, p, 2, 1 | (1ull << 16), 0), e);
		EXPECT_VALID(invvpid(f, p, 0, 0, 0x1000), e);
		EXPECT_VALID(invvpid(f, p, 1, 0, 0), e);
		EXPECT_VALID(invvpid(f, p, 3, 0, 0), e);
		EXPECT_VALID(invvpid(f, p, 0, 1, NONCANON), e);
		EXPECT_OK(invvpid(f, p, 0, 1, 0xffff800000001000ull));
		EXPECT_OK(invvpid(f, p, 1, 1, NONCANON)); /* the address matters for type 0 only */
		EXPECT_OK(invvpid(f, p, 2, 0, 0));
		EXPECT_OK(invvpid(f, p, 3, 0xffff, 0));
		fx_free(f);
	}
}

/* The TLB effect: the model's TLB has no EPTP/VPID tags, so INVEPT and INVVPID flush it. */
static void test_inv_flush_tlb(void **state)
{
	(void)state;
	for (enum path p = API; p <= INSN; p++) {
		for (int k = 0; k < 2; k++) {
			struct fx *f = setup();
			struct vx_cpu *c = &f->cpu;
			enter_with_vmcs(f, p);
			u64 v;
			assert_int_equal(mem_read(c, 0x650000, 8, &v, ACC_READ), STEP_RETIRED);
			assert_true(c->tlb[0x50].tag == tlb_key(c, 0x650000));
			if (k == 0)
				EXPECT_OK(invept(f, p, 2, 0, 0));
			else
				EXPECT_OK(invvpid(f, p, 1, 7, 0));
			assert_true(c->tlb[0x50].tag != tlb_key(c, 0x650000)); /* flushed */
			fx_free(f);
		}
	}
}

/* INVEPT/INVVPID raise #UD on a processor without EPT/VPID or without the instruction
 * (IA32_VMX_PROCBASED_CTLS2[33]/[37], IA32_VMX_EPT_VPID_CAP[20]/[32]). */
static void test_inv_ud_without_feature(void **state)
{
	(void)state;
	static struct cpu_profile noept, novpid, noinv;
	noept = novpid = noinv = *cpu_profile_default();
	noept.vmx.procbased2 &= ~(BIT(PROC2_ENABLE_EPT_BITNO) << 32);
	novpid.vmx.procbased2 &= ~(BIT(PROC2_ENABLE_VPID_BITNO) << 32);
	noinv.vmx.ept_vpid_cap &=
	    ~(MSR_IA32_VMX_EPT_VPID_CAP_INVEPT_MASK | MSR_IA32_VMX_EPT_VPID_CAP_INVVPID_MASK);
	for (enum path p = API; p <= INSN; p++) {
		struct fx *f = setup_profile(&noept);
		enter_with_vmcs(f, p);
		EXPECT_UD(invept(f, p, 2, 0, 0));
		EXPECT_OK(invvpid(f, p, 2, 0, 0));
		fx_free(f);
		f = setup_profile(&novpid);
		enter_with_vmcs(f, p);
		EXPECT_OK(invept(f, p, 2, 0, 0));
		EXPECT_UD(invvpid(f, p, 2, 0, 0));
		fx_free(f);
		f = setup_profile(&noinv);
		enter_with_vmcs(f, p);
		EXPECT_UD(invept(f, p, 2, 0, 0));
		EXPECT_UD(invvpid(f, p, 2, 0, 0));
		fx_free(f);
	}
}

/* INVEPT's descriptor is read only after the type check: an unsupported type with the
 * descriptor on an unmapped page is VMfail(28), a supported one #PF. */
static void test_inv_fault_order(void **state)
{
	(void)state;
	enum path p = INSN;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	enter_with_vmcs(f, p);
	c->gpr[RAX] = UNMAPPED;
	c->gpr[RCX] = 3;
	EXPECT_VALID(RUN(f, 0x66, 0x0f, 0x38, 0x80, 0x08), VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	c->gpr[RCX] = 2;
	expect(RUN(f, 0x66, 0x0f, 0x38, 0x80, 0x08), VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	/* the second quadword on an unmapped page faults too */
	c->gpr[RAX] = 0x7ffff8; /* last 8 bytes of the 8 MiB identity map */
	c->gpr[RCX] = 1;
	expect(RUN(f, 0x66, 0x0f, 0x38, 0x81, 0x08), VX_VMX_EXCEPTION, X86_VEC_PF, p, __LINE__);
	assert_true(c->event.cr2 == 0x800000);
	fx_free(f);
}

/* ==== VMX non-root operation, reset, capability MSRs ==== */

/* The public interface is root-mode software's: called while the processor is in VMX non-root
 * operation, every instruction reports that it would cause a VM exit and nothing changes.
 * (The interpreter performs those exits: test_intercept, test_vmx_insns.) */
static void test_nonroot_vmexit(void **state)
{
	(void)state;
	enum path p = API;
	struct fx *f = setup();
	enter_with_vmcs(f, p);
	f->cpu.vmx.non_root = true;
	u64 v = 0;
	int x = VX_VMX_VMEXIT;
	expect(vmxon(f, p, VMXON_REGION), x, 0, p, __LINE__);
	expect(vmxoff(f, p), x, 0, p, __LINE__);
	expect(vmclear(f, p, VMCS_A), x, 0, p, __LINE__);
	expect(vmptrld(f, p, VMCS_A), x, 0, p, __LINE__);
	expect(vmptrst(f, p, &v), x, 0, p, __LINE__);
	expect(vmread(f, p, VMCS_GUEST_RIP, &v), x, 0, p, __LINE__);
	expect(vmwrite(f, p, VMCS_GUEST_RIP, 1), x, 0, p, __LINE__);
	expect(vmlaunch(f, p), x, 0, p, __LINE__);
	expect(vmresume(f, p), x, 0, p, __LINE__);
	expect(invept(f, p, 2, 0, 0), x, 0, p, __LINE__);
	expect(invvpid(f, p, 2, 0, 0), x, 0, p, __LINE__);
	expect(vmcall(f, p), x, 0, p, __LINE__);
	assert_true(f->cpu.vmx.in_vmx && f->cpu.vmx.current_vmcs == VMCS_A);
	fx_free(f);
}

/* The public interface reports exceptions without delivering them: the processor's pending
 * event is left as it was. */
static void test_api_keeps_event(void **state)
{
	(void)state;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	c->event = (struct event){.valid = false, .vector = 0x55};
	struct vx_vmx_result r = vx_vmxoff(c);
	assert_int_equal(r.outcome, VX_VMX_EXCEPTION);
	assert_int_equal(r.vector, X86_VEC_UD);
	assert_false(r.has_error_code);
	assert_false(c->event.valid);
	assert_int_equal(c->event.vector, 0x55);
	assert_string_equal(vx_vmx_outcome_name(VX_VMFAIL_VALID), "VMfailValid");
	fx_free(f);
}

/* vmx_reset: outside VMX operation, no current VMCS (24.1: FFFFFFFF_FFFFFFFFH). */
static void test_reset(void **state)
{
	(void)state;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	enter_with_vmcs(f, API);
	c->vmx.non_root = true;
	vmx_reset(c);
	assert_false(c->vmx.in_vmx);
	assert_false(c->vmx.non_root);
	assert_true(c->vmx.current_vmcs == ~0ull);
	fx_free(f);
}

/* Capability MSRs as RDMSR reads them (Appendix A). */
static void test_read_cap(void **state)
{
	(void)state;
	struct fx *f = setup();
	struct vx_cpu *c = &f->cpu;
	const struct cpu_profile *pr = cpu_profile_default();
	u64 v = 0;
	assert_true(vx_vmx_read_cap(c, MSR_IA32_VMX_BASIC, &v));
	assert_true(v == pr->vmx.basic);
	assert_true(vx_vmx_read_cap(c, MSR_IA32_VMX_EPT_VPID_CAP, &v));
	assert_true(v == pr->vmx.ept_vpid_cap);
	assert_true(vx_vmx_read_cap(c, MSR_IA32_VMX_TRUE_ENTRY_CTLS, &v));
	assert_true(v == pr->vmx.true_entry);
	/* IA32_VMX_VMFUNC exists only with "enable VM functions" (A.11): not on icx */
	assert_false(vx_vmx_read_cap(c, MSR_IA32_VMX_VMFUNC, &v));
	assert_false(vx_vmx_read_cap(c, MSR_IA32_FEATURE_CONTROL, &v));
	assert_int_equal(vx_vmx_revision_id(c), pr->vmx.basic & 0x7fffffff);
	fx_free(f);
}

/* The one-lookup path of VMREAD and VMWRITE (vmx_slot through slot_map) answers every
 * encoding as the field table and the profile's caps do (vmcs_supported_slot, and
 * vmcs_vmwrite's read-only rule), on each profile. */
static void test_slot_map_matches_field_table(void **state)
{
	(void)state;
	const struct cpu_profile *profiles[] = {NULL, cpu_profile_find("icx-nosgx")};
	for (unsigned k = 0; k < ARRAY_SIZE(profiles); k++) {
		struct fx *f = setup_profile(profiles[k]);
		enter_with_vmcs(f, API);
		const struct vmcs_caps *caps = vmx_caps(&f->cpu);
		unsigned supported = 0;
		for (u64 enc = 0; enc < 0x10000; enc++) {
			bool h1 = false, h2 = false;
			int a = vmx_slot(&f->cpu, enc, &h1),
			    b = vmcs_supported_slot(caps, enc, &h2);
			assert_int_equal(a, b);
			if (a >= 0) {
				assert_int_equal(h1, h2);
				/* VMWRITE's read-only mark: the exit-information fields (30.3) */
				bool ro = f->cpu.vmx.slot_map[enc] & VMX_SLOT_MAP_RO;
				assert_int_equal(ro, VMCS_ENC_TYPE(enc) == VMCS_TYPE_EXIT_INFO &&
							 !caps->vmwrite_any_field);
			}
			supported += a >= 0;
		}
		assert_int_equal(vmx_slot(&f->cpu, 1ull << 32, &(bool){0}), -1);
		assert_true(supported > 150);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vmxon_ud),
	    cmocka_unit_test(test_vmxon_gp),
	    cmocka_unit_test(test_vmxon_fail_invalid),
	    cmocka_unit_test(test_vmxon_in_root),
	    cmocka_unit_test(test_ud_outside_vmx),
	    cmocka_unit_test(test_vmfunc_root),
	    cmocka_unit_test(test_gp_cpl3),
	    cmocka_unit_test(test_ud_compat_mode),
	    cmocka_unit_test(test_vmclear_errors),
	    cmocka_unit_test(test_vmptrld_errors),
	    cmocka_unit_test(test_shadow_vmcs),
	    cmocka_unit_test(test_vmptrst),
	    cmocka_unit_test(test_vmptrst_faults),
	    cmocka_unit_test(test_vmcs_roundtrip),
	    cmocka_unit_test(test_vmread_vmwrite),
	    cmocka_unit_test(test_vmread_n),
	    cmocka_unit_test(test_profile_fields),
	    cmocka_unit_test(test_vmread_vmwrite_memory),
	    cmocka_unit_test(test_launch_state),
	    cmocka_unit_test(test_mov_ss_blocking),
	    cmocka_unit_test(test_vmlaunch_entry_checks),
	    cmocka_unit_test(test_vmcall_root),
	    cmocka_unit_test(test_vmxoff),
	    cmocka_unit_test(test_invept),
	    cmocka_unit_test(test_invvpid),
	    cmocka_unit_test(test_inv_flush_tlb),
	    cmocka_unit_test(test_inv_ud_without_feature),
	    cmocka_unit_test(test_inv_fault_order),
	    cmocka_unit_test(test_nonroot_vmexit),
	    cmocka_unit_test(test_vmentry_fail_traced),
	    cmocka_unit_test(test_api_keeps_event),
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_read_cap),
	    cmocka_unit_test(test_slot_map_matches_field_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
