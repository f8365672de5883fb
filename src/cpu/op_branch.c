// SPDX-License-Identifier: MIT
/*
 * Near control transfer in 64-bit mode: JMP, Jcc, JrCXZ, LOOP/LOOPE/LOOPNE, CALL, RET
 * (SDM Vol. 2 pages of those names).  A target that is not canonical raises #GP(0) with the
 * stack untouched and RIP still at the branch (the fault is the branch's).
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

/* Branch target: relative (imm holds the displacement) or from the r/m operand. */
static enum cpu_step target_of(struct vx_cpu *c, const struct insn *i, u64 *t)
{
	if (i->op[0].kind == OPK_IMM) {
		*t = c->rip + i->imm;
		if (i->opsize == 2)
			*t &= 0xffff;
		return STEP_RETIRED;
	}
	return op_get(c, i, 0, t, 0);
}

static enum cpu_step jump(struct vx_cpu *c, u64 t)
{
	if (!is_canonical(t))
		return fault_gp(c, 0);
	c->rip = t;
	return STEP_RETIRED;
}

static enum cpu_step op_jmp(struct vx_cpu *c, const struct insn *i)
{
	u64 t;
	enum cpu_step r = target_of(c, i, &t);
	return r == STEP_RETIRED ? jump(c, t) : r;
}

static enum cpu_step op_jcc(struct vx_cpu *c, const struct insn *i)
{
	if (!cpu_cond_fast(c, i->cc))
		return STEP_RETIRED;
	return jump(c, c->rip + i->imm);
}

/* Count register per address size: RCX, or ECX with a 0x67 prefix. */
static u64 count_reg(const struct vx_cpu *c, const struct insn *i)
{
	return i->addrsize == 4 ? (u32)c->gpr[1] : c->gpr[1];
}

static enum cpu_step op_jrcxz(struct vx_cpu *c, const struct insn *i)
{
	return count_reg(c, i) == 0 ? jump(c, c->rip + i->imm) : STEP_RETIRED;
}

static enum cpu_step op_loop(struct vx_cpu *c, const struct insn *i)
{
	u64 n = count_reg(c, i) - 1;
	bool take = n != 0;
	if (i->mnemonic == ZYDIS_MNEMONIC_LOOPE)
		take = take && flag_zf(c);
	else if (i->mnemonic == ZYDIS_MNEMONIC_LOOPNE)
		take = take && !flag_zf(c);
	u64 t = c->rip + i->imm;
	if (take && !is_canonical(t))
		return fault_gp(c, 0);
	reg_set(c, 1, i->addrsize, n);
	if (take)
		c->rip = t;
	return STEP_RETIRED;
}

static enum cpu_step op_call(struct vx_cpu *c, const struct insn *i)
{
	u64 t;
	enum cpu_step r = target_of(c, i, &t);
	if (r != STEP_RETIRED)
		return r;
	if (!is_canonical(t))
		return fault_gp(c, 0);
	r = push64(c, c->rip);
	if (r == STEP_RETIRED)
		c->rip = t;
	return r;
}

/* RET and RET imm16 (release imm16 bytes of parameters after popping RIP). */
static enum cpu_step op_ret(struct vx_cpu *c, const struct insn *i)
{
	u64 t;
	enum cpu_step r = mem_read(c, c->gpr[4], 8, &t, ACC_STACK);
	if (r != STEP_RETIRED)
		return r;
	if (!is_canonical(t))
		return fault_gp(c, 0);
	c->gpr[4] += 8 + (i->nops ? (i->imm & 0xffff) : 0);
	c->rip = t;
	return STEP_RETIRED;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_JMP, op_jmp},     {ZYDIS_MNEMONIC_CALL, op_call},
    {ZYDIS_MNEMONIC_RET, op_ret},     {ZYDIS_MNEMONIC_JO, op_jcc},
    {ZYDIS_MNEMONIC_JNO, op_jcc},     {ZYDIS_MNEMONIC_JB, op_jcc},
    {ZYDIS_MNEMONIC_JNB, op_jcc},     {ZYDIS_MNEMONIC_JZ, op_jcc},
    {ZYDIS_MNEMONIC_JNZ, op_jcc},     {ZYDIS_MNEMONIC_JBE, op_jcc},
    {ZYDIS_MNEMONIC_JNBE, op_jcc},    {ZYDIS_MNEMONIC_JS, op_jcc},
    {ZYDIS_MNEMONIC_JNS, op_jcc},     {ZYDIS_MNEMONIC_JP, op_jcc},
    {ZYDIS_MNEMONIC_JNP, op_jcc},     {ZYDIS_MNEMONIC_JL, op_jcc},
    {ZYDIS_MNEMONIC_JNL, op_jcc},     {ZYDIS_MNEMONIC_JLE, op_jcc},
    {ZYDIS_MNEMONIC_JNLE, op_jcc},    {ZYDIS_MNEMONIC_JRCXZ, op_jrcxz},
    {ZYDIS_MNEMONIC_JECXZ, op_jrcxz}, {ZYDIS_MNEMONIC_LOOP, op_loop},
    {ZYDIS_MNEMONIC_LOOPE, op_loop},  {ZYDIS_MNEMONIC_LOOPNE, op_loop},
};
OP_FAMILY_DEFINE(branch, defs);
