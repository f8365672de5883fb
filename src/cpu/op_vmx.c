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
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"
#include "vmx/vmx_insn.h"

/*
 * The instruction's end: RFLAGS per 30.2 for VMsucceed/VMfail (the instruction retires), the
 * exception for a fault.  The outcomes whose engine does not exist yet (a VM exit in
 * non-root operation, VM entry after its checks passed, a VM-entry failure on guest state)
 * leave RIP on the instruction and nothing changed: STEP_VMEXIT for the first (the exit
 * engine plugs in here), STEP_STOP for the two others (the run stops on the VMLAUNCH or
 * VMRESUME).
 */
static enum cpu_step finish(struct vx_cpu *c, struct vmx_result r)
{
	if (vmx_outcome_rflags(c, r))
		return STEP_RETIRED;
	if (r.out == VMX_OUT_FAULT)
		return STEP_FAULT;
	c->rip = c->insn_rip;
	return r.out == VMX_OUT_VMEXIT ? STEP_VMEXIT : STEP_STOP;
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
	return finish(c, r);
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
	return finish(c, r);
}

/* VMREAD r/m64, r64: the destination is written only after the field was found ("any
 * faults resulting from accessing a memory destination operand can occur only after
 * determining ... that the VMCS pointer is valid and that the specified VMCS field is
 * supported"). */
static enum cpu_step op_vmread(struct vx_cpu *c, const struct insn *i)
{
	if (!is_reg(i, 1) || (!is_reg(i, 0) && !is_mem(i, 0)))
		return fault_ud(c);
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMREAD);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, r);
	u64 val = 0;
	r = vmx_insn_vmread(c, gpr64(c, i, 1), &val);
	if (r.out == VMX_OUT_SUCCEED) {
		if (is_reg(i, 0))
			c->gpr[i->op[0].reg & 15] = val;
		else if (write_m64(c, i, 0, val) != STEP_RETIRED)
			return STEP_FAULT;
	}
	return finish(c, r);
}

/* VMWRITE r64, r/m64: a memory source is read after the current-VMCS check and before the
 * field checks ("any faults resulting from accessing a memory source operand occur after
 * determining ... that the VMCS pointer is valid but before determining if the destination
 * VMCS field is supported"). */
static enum cpu_step op_vmwrite(struct vx_cpu *c, const struct insn *i)
{
	if (!is_reg(i, 0) || (!is_reg(i, 1) && !is_mem(i, 1)))
		return fault_ud(c);
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMWRITE);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, r);
	u64 val;
	if (is_reg(i, 1))
		val = gpr64(c, i, 1);
	else if (read_m64(c, i, 1, &val) != STEP_RETIRED)
		return STEP_FAULT;
	return finish(c, vmx_insn_vmwrite(c, gpr64(c, i, 0), val));
}

static enum cpu_step op_vmlaunch(struct vx_cpu *c, const struct insn *i)
{
	bool resume = i->mnemonic == ZYDIS_MNEMONIC_VMRESUME;
	struct vmx_result r = vmx_insn_begin(c, resume ? VMXI_VMRESUME : VMXI_VMLAUNCH);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmlaunch(c, resume);
	return finish(c, r);
}

static enum cpu_step op_vmxoff(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMXOFF);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmxoff(c);
	return finish(c, r);
}

static enum cpu_step op_vmcall(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	struct vmx_result r = vmx_insn_begin(c, VMXI_VMCALL);
	if (r.out == VMX_OUT_CONTINUE)
		r = vmx_insn_vmcall(c);
	return finish(c, r);
}

/* VMFUNC: #UD outside VMX non-root operation; in non-root operation the engine's part. */
static enum cpu_step op_vmfunc(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return finish(c, vmx_insn_begin(c, VMXI_VMFUNC));
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
		return finish(c, r);
	u64 type = gpr64(c, i, 0);
	r = vmx_insn_inv_type(c, id, type);
	if (r.out != VMX_OUT_CONTINUE)
		return finish(c, r);
	const struct operand *o = &i->op[1];
	u64 la = op_la(c, i, o), lo, hi;
	if (mem_read(c, la, 8, &lo, op_acc(o)) != STEP_RETIRED ||
	    mem_read(c, la + 8, 8, &hi, op_acc(o)) != STEP_RETIRED)
		return STEP_FAULT;
	r = ept ? vmx_insn_invept(c, type, lo, hi) : vmx_insn_invvpid(c, type, lo, hi);
	return finish(c, r);
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
