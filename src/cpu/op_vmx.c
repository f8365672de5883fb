// SPDX-License-Identifier: MIT
/*
 * The VMX instructions in the interpreter: VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD,
 * VMWRITE, VMLAUNCH, VMRESUME, INVEPT, INVVPID, VMCALL, VMFUNC (SDM Vol. 3C 30.3 "VMX
 * Instructions").  This file decodes the operands and applies the RFLAGS conventions of 30.2
 * "Conventions"; the semantics are src/vmx/vmx_insn.c, shared with include/vx/vmx.h.
 *
 * Operands in 64-bit mode: VMXON/VMCLEAR/VMPTRLD/VMPTRST take an m64 ("This operand is
 * always 64 bits and is always in memory"; the register forms of their opcodes are other
 * instructions or #UD); VMREAD/VMWRITE: "In 64-bit mode, the source operand has 64 bits"
 * (the field encoding, a register) and the value operand, register or memory, is 64 bits
 * whatever the operand-size attribute; INVEPT/INVVPID: a 64-bit register type and an m128
 * descriptor.  Effective addresses follow the address-size attribute (67H) like every
 * memory operand (op_la).
 *
 * VMX non-root operation: SDM Vol. 3C 25.1.2 "Instructions That Cause VM Exits
 * Unconditionally" (INVEPT, INVVPID, VMCALL, VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMRESUME,
 * VMXOFF, VMXON), 25.1.3 (VMREAD/VMWRITE with VMCS shadowing, 24.10 "VMCS Types: Ordinary and
 * Shadow"), 25.5.5 "VM Functions" (VMFUNC); exit qualification and instruction information of
 * 27.2.1 and 27.2.4 (Tables 27-9, 27-13, 27-14); src/vmx/intercept.h.
 */
#include <Zydis/Mnemonic.h>

#include "arch/vmx.h"
#include "cpu/ops.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_insn.h"

/* How an instruction's VM exit reports its operands (27.2.1, 27.2.4). */
enum exit_ops {
	XO_NONE, /* qualification 0, no instruction information (undefined: 0) */
	XO_MEM0, /* m64 in op[0]: displacement; Table 27-13 */
	XO_RD,   /* VMREAD r/m64 op[0], r64 op[1]: Table 27-14, Reg2 = op[1] */
	XO_WR,   /* VMWRITE r64 op[0], r/m64 op[1]: Table 27-14, Reg2 = op[0] */
	XO_INV,  /* INVEPT/INVVPID r64 op[0], m128 op[1]: Table 27-9, Reg2 = op[0] */
};

static const struct {
	u16 mnemonic;
	u8 reason;
	u8 ops;
} exits[] = {
    {ZYDIS_MNEMONIC_VMCALL, VMX_EXIT_VMCALL, XO_NONE},
    {ZYDIS_MNEMONIC_VMCLEAR, VMX_EXIT_VMCLEAR, XO_MEM0},
    {ZYDIS_MNEMONIC_VMLAUNCH, VMX_EXIT_VMLAUNCH, XO_NONE},
    {ZYDIS_MNEMONIC_VMPTRLD, VMX_EXIT_VMPTRLD, XO_MEM0},
    {ZYDIS_MNEMONIC_VMPTRST, VMX_EXIT_VMPTRST, XO_MEM0},
    {ZYDIS_MNEMONIC_VMREAD, VMX_EXIT_VMREAD, XO_RD},
    {ZYDIS_MNEMONIC_VMRESUME, VMX_EXIT_VMRESUME, XO_NONE},
    {ZYDIS_MNEMONIC_VMWRITE, VMX_EXIT_VMWRITE, XO_WR},
    {ZYDIS_MNEMONIC_VMXOFF, VMX_EXIT_VMXOFF, XO_NONE},
    {ZYDIS_MNEMONIC_VMXON, VMX_EXIT_VMXON, XO_MEM0},
    {ZYDIS_MNEMONIC_INVEPT, VMX_EXIT_INVEPT, XO_INV},
    {ZYDIS_MNEMONIC_INVVPID, VMX_EXIT_INVVPID, XO_INV},
    {ZYDIS_MNEMONIC_VMFUNC, VMX_EXIT_VMFUNC, XO_NONE},
};

/* The VM exit of a VMX instruction in VMX non-root operation (reasons 18-27, 50, 53, 59). */
static enum cpu_step insn_exit(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o0 = &i->op[0], *o1 = &i->op[1];
	for (size_t k = 0; k < ARRAY_SIZE(exits); k++) {
		if (exits[k].mnemonic != i->mnemonic)
			continue;
		u32 reason = exits[k].reason;
		switch (exits[k].ops) {
		case XO_MEM0:
			return vmexit_insn(c, i, reason, vmx_qual_disp(c, o0), vmx_info_mem(i, o0));
		case XO_RD:
			return vmexit_insn(c, i, reason, vmx_qual_disp(c, o0),
					   vmx_info_vmrw(i, o0, o1->reg));
		case XO_WR:
			return vmexit_insn(c, i, reason, vmx_qual_disp(c, o1),
					   vmx_info_vmrw(i, o1, o0->reg));
		case XO_INV:
			return vmexit_insn(c, i, reason, vmx_qual_disp(c, o1),
					   vmx_info_inv(i, o1, o0->reg));
		default: return vmexit_insn(c, i, reason, 0, 0);
		}
	}
	return fault_ud(c); /* not a VMX instruction: cannot happen */
}

/*
 * The instruction's end: RFLAGS per 30.2 for VMsucceed/VMfail (the instruction retires), the
 * exception for a fault, the VM exit in VMX non-root operation, and after VMLAUNCH/VMRESUME
 * whatever the VM entry led to (the guest runs, or host state is loaded after a VM-entry
 * failure).
 */
static enum cpu_step finish(struct vx_cpu *c, const struct insn *i, struct vmx_result r)
{
	if (vmx_outcome_rflags(c, r))
		return STEP_RETIRED;
	if (r.out == VMX_OUT_FAULT)
		return STEP_FAULT;
	if (r.out == VMX_OUT_VMEXIT)
		return insn_exit(c, i);
	return (enum cpu_step)r.step; /* VMX_OUT_ENTERED */
}

static bool is_mem(const struct insn *i, unsigned n)
{
	return i->nops > n && i->op[n].kind == OPK_MEM;
}

static bool is_reg(const struct insn *i, unsigned n)
{
	return i->nops > n && i->op[n].kind == OPK_REG;
}

static u64 gpr64(const struct vx_cpu *c, const struct insn *i, unsigned n)
{
	return c->gpr[i->op[n].reg & 15];
}

static enum cpu_step read_m64(struct vx_cpu *c, const struct insn *i, unsigned n, u64 *v)
{
	const struct operand *o = &i->op[n];
	return mem_read(c, op_la(c, i, o), 8, v, op_acc(o));
}

static enum cpu_step write_m64(struct vx_cpu *c, const struct insn *i, unsigned n, u64 v)
{
	const struct operand *o = &i->op[n];
	return mem_write(c, op_la(c, i, o), 8, v, op_acc(o));
}

typedef struct vmx_result ptr_fn(struct vx_cpu *c, u64 pa);

/* VMXON, VMCLEAR, VMPTRLD m64: "#UD If operand is a register"; the operand is read only
 * once the checks before it passed. */
static enum cpu_step ptr_insn(struct vx_cpu *c, const struct insn *i, enum vmx_insn_id id,
			      ptr_fn *fn)
{
	if (!is_mem(i, 0))
		return fault_ud(c);
	struct vmx_result r = vmx_insn_begin(c, id);
	if (r.out == VMX_OUT_CONTINUE) {
		u64 pa;
		if (read_m64(c, i, 0, &pa) != STEP_RETIRED)
			return STEP_FAULT;
		r = fn(c, pa);
	}
	return finish(c, i, r);
}

static enum cpu_step op_vmxon(struct vx_cpu *c, const struct insn *i)
{
	return ptr_insn(c, i, VMXI_VMXON, vmx_insn_vmxon);
}

static enum cpu_step op_vmclear(struct vx_cpu *c, const struct insn *i)
{
	return ptr_insn(c, i, VMXI_VMCLEAR, vmx_insn_vmclear);
}

static enum cpu_step op_vmptrld(struct vx_cpu *c, const struct insn *i)
{
	return ptr_insn(c, i, VMXI_VMPTRLD, vmx_insn_vmptrld);
}

/* VMPTRST m64: the store can fault (#PF, #GP for a non-canonical address); then nothing
 * changed and RFLAGS is not written. */
static enum cpu_step op_vmptrst(struct vx_cpu *c, const struct insn *i)
{
	if (!is_mem(i, 0))
		return fault_ud(c);
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMPTRST);
	if (r.out == VMX_OUT_CONTINUE) {
		u64 pa;
		r = vmx_insn_vmptrst(c, &pa);
		if (write_m64(c, i, 0, pa) != STEP_RETIRED)
			return STEP_FAULT;
	}
	return finish(c, i, r);
}

/* VMREAD/VMWRITE up to the operands: in VMX non-root operation with VMCS shadowing the VM
 * exit of 25.1.3 may not occur; the instruction then goes on against the shadow VMCS
 * (*shadow; 30.3: CPL > 0 -> #GP(0), no valid VMCS link pointer -> VMfailInvalid). */
static struct vmx_result begin_vmrw(struct vx_cpu *c, bool write, u64 enc, bool *shadow)
{
	struct vmx_result r = vmx_insn_begin(c, write ? VMXI_VMWRITE : VMXI_VMREAD);
	*shadow = r.out == VMX_OUT_VMEXIT && !vmx_vmrw_exits(c, enc, write);
	return *shadow ? vmx_shadow_begin(c) : r;
}

/* VMREAD r/m64, r64: the destination is written only after the field was found ("any
 * faults resulting from accessing a memory destination operand can occur only after
 * determining ... that the VMCS pointer is valid and that the specified VMCS field is
 * supported"). */
static enum cpu_step op_vmread(struct vx_cpu *c, const struct insn *i)
{
	if (!is_reg(i, 1) || (!is_reg(i, 0) && !is_mem(i, 0)))
		return fault_ud(c);
	u64 enc = gpr64(c, i, 1), val = 0;
	bool shadow;
	struct vmx_result r = begin_vmrw(c, false, enc, &shadow);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, i, r);
	r = shadow ? vmx_shadow_vmread(c, enc, &val) : vmx_insn_vmread(c, enc, &val);
	if (r.out == VMX_OUT_SUCCEED) {
		if (is_reg(i, 0))
			c->gpr[i->op[0].reg & 15] = val;
		else if (write_m64(c, i, 0, val) != STEP_RETIRED)
			return STEP_FAULT;
	}
	return finish(c, i, r);
}

/* VMWRITE r64, r/m64: a memory source is read after the current-VMCS check and before the
 * field checks ("any faults resulting from accessing a memory source operand occur after
 * determining ... that the VMCS pointer is valid but before determining if the destination
 * VMCS field is supported"). */
static enum cpu_step op_vmwrite(struct vx_cpu *c, const struct insn *i)
{
	if (!is_reg(i, 0) || (!is_reg(i, 1) && !is_mem(i, 1)))
		return fault_ud(c);
	u64 enc = gpr64(c, i, 0), val;
	bool shadow;
	struct vmx_result r = begin_vmrw(c, true, enc, &shadow);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, i, r);
	if (is_reg(i, 1))
		val = gpr64(c, i, 1);
	else if (read_m64(c, i, 1, &val) != STEP_RETIRED)
		return STEP_FAULT;
	r = shadow ? vmx_shadow_vmwrite(c, enc, val) : vmx_insn_vmwrite(c, enc, val);
	return finish(c, i, r);
}

static enum cpu_step op_vmlaunch(struct vx_cpu *c, const struct insn *i)
{
	bool resume = i->mnemonic == ZYDIS_MNEMONIC_VMRESUME;
	struct vmx_result r = vmx_insn_begin(c, resume ? VMXI_VMRESUME : VMXI_VMLAUNCH);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmlaunch(c, resume);
	return finish(c, i, r);
}

static enum cpu_step op_vmxoff(struct vx_cpu *c, const struct insn *i)
{
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMXOFF);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmxoff(c);
	return finish(c, i, r);
}

static enum cpu_step op_vmcall(struct vx_cpu *c, const struct insn *i)
{
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMCALL);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmcall(c);
	return finish(c, i, r);
}

/*
 * VMFUNC: #UD outside VMX non-root operation.  25.5.5 "VM Functions": #UD when "enable VM
 * functions" is 0; else a VM exit (reason 59, 27.2.1: qualification 0) when EAX >= 64 or the
 * function is not enabled in the VM-function controls.  No profile enumerates a VM function
 * (IA32_VMX_VMFUNC = 0), so VM entry admits no enabled function and every VMFUNC that does not
 * raise #UD exits; EPTP switching (function 0) is not modelled.
 */
static enum cpu_step op_vmfunc(struct vx_cpu *c, const struct insn *i)
{
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMFUNC);
	if (r.out == VMX_OUT_VMEXIT && !vmx_vmfunc_enabled(c))
		return fault_ud(c);
	return finish(c, i, r);
}

/* INVEPT/INVVPID r64, m128: the type is checked before the descriptor is read (both pages:
 * "INVEPT_TYPE ← value of register operand; IF ... does not support INVEPT_TYPE THEN
 * VMfail(...); ELSE INVEPT_DESC ← value of memory operand"). */
static enum cpu_step op_inv(struct vx_cpu *c, const struct insn *i)
{
	bool ept = i->mnemonic == ZYDIS_MNEMONIC_INVEPT;
	enum vmx_insn_id id = ept ? VMXI_INVEPT : VMXI_INVVPID;
	if (!is_reg(i, 0) || !is_mem(i, 1))
		return fault_ud(c);
	struct vmx_result r = vmx_insn_begin(c, id);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, i, r);
	u64 type = gpr64(c, i, 0);
	r = vmx_insn_inv_type(c, id, type);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, i, r);
	const struct operand *o = &i->op[1];
	u64 la = op_la(c, i, o), lo, hi;
	if (mem_read(c, la, 8, &lo, op_acc(o)) != STEP_RETIRED ||
	    mem_read(c, la + 8, 8, &hi, op_acc(o)) != STEP_RETIRED)
		return STEP_FAULT;
	r = ept ? vmx_insn_invept(c, type, lo, hi) : vmx_insn_invvpid(c, type, lo, hi);
	return finish(c, i, r);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_VMXON, op_vmxon},       {ZYDIS_MNEMONIC_VMXOFF, op_vmxoff},
    {ZYDIS_MNEMONIC_VMCLEAR, op_vmclear},   {ZYDIS_MNEMONIC_VMPTRLD, op_vmptrld},
    {ZYDIS_MNEMONIC_VMPTRST, op_vmptrst},   {ZYDIS_MNEMONIC_VMREAD, op_vmread},
    {ZYDIS_MNEMONIC_VMWRITE, op_vmwrite},   {ZYDIS_MNEMONIC_VMLAUNCH, op_vmlaunch},
    {ZYDIS_MNEMONIC_VMRESUME, op_vmlaunch}, {ZYDIS_MNEMONIC_INVEPT, op_inv},
    {ZYDIS_MNEMONIC_INVVPID, op_inv},       {ZYDIS_MNEMONIC_VMCALL, op_vmcall},
    {ZYDIS_MNEMONIC_VMFUNC, op_vmfunc},
};
OP_FAMILY_DEFINE(vmx, defs);
