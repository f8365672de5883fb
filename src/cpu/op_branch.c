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

static inline __attribute__((always_inline)) enum cpu_step jcc(struct vx_cpu *c,
							       const struct insn *i, unsigned cc)
{
	if (!cpu_cond_fast(c, cc))
		return STEP_RETIRED;
	return jump(c, c->rip + i->imm);
}

static enum cpu_step op_jcc(struct vx_cpu *c, const struct insn *i)
{
	return jcc(c, i, i->cc);
}

/* Jcc with the condition a constant, one handler per condition code chosen at decode time:
 * cpu_cond_fast then folds to the one test the condition needs. */
#define JCC(cc)                                                                 \
	static enum cpu_step op_jcc##cc(struct vx_cpu *c, const struct insn *i) \
	{                                                                       \
		return jcc(c, i, cc);                                           \
	}
JCC(0)
JCC(1)
JCC(2)
JCC(3)
JCC(4)
JCC(5)
JCC(6)
JCC(7)
JCC(8)
JCC(9)
JCC(10)
JCC(11)
JCC(12)
JCC(13)
JCC(14)
JCC(15)

static op_fn *const jcc_of[16] = {
    op_jcc0, op_jcc1, op_jcc2,  op_jcc3,  op_jcc4,  op_jcc5,  op_jcc6,  op_jcc7,
    op_jcc8, op_jcc9, op_jcc10, op_jcc11, op_jcc12, op_jcc13, op_jcc14, op_jcc15,
};

static op_fn *select_jcc(const struct insn *i)
{
	return jcc_of[i->cc & 15];
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
static const struct op_select sels[] = {
    {ZYDIS_MNEMONIC_JO, select_jcc},  {ZYDIS_MNEMONIC_JNO, select_jcc},
    {ZYDIS_MNEMONIC_JB, select_jcc},  {ZYDIS_MNEMONIC_JNB, select_jcc},
    {ZYDIS_MNEMONIC_JZ, select_jcc},  {ZYDIS_MNEMONIC_JNZ, select_jcc},
    {ZYDIS_MNEMONIC_JBE, select_jcc}, {ZYDIS_MNEMONIC_JNBE, select_jcc},
    {ZYDIS_MNEMONIC_JS, select_jcc},  {ZYDIS_MNEMONIC_JNS, select_jcc},
    {ZYDIS_MNEMONIC_JP, select_jcc},  {ZYDIS_MNEMONIC_JNP, select_jcc},
    {ZYDIS_MNEMONIC_JL, select_jcc},  {ZYDIS_MNEMONIC_JNL, select_jcc},
    {ZYDIS_MNEMONIC_JLE, select_jcc}, {ZYDIS_MNEMONIC_JNLE, select_jcc},
};
OP_FAMILY_DEFINE_SEL(branch, defs, sels);
