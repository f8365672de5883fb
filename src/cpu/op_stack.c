// SPDX-License-Identifier: MIT
/*
 * Stack in 64-bit mode: PUSH, POP, PUSHFQ, POPFQ, LEAVE, ENTER (SDM Vol. 2 pages of those
 * names; 6.2 "Stacks" of Vol. 1).  Pushes are 8 bytes unless a 66h prefix makes them 2.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

static enum cpu_step push_sized(struct vx_cpu *c, u64 v, unsigned size)
{
	u64 rsp = c->gpr[4] - size;
	enum cpu_step r = mem_write(c, rsp, size, v & size_mask(size), ACC_STACK);
	if (r == STEP_RETIRED)
		c->gpr[4] = rsp;
	return r;
}

static enum cpu_step op_push(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o = &i->op[0];
	if (o->kind == OPK_SPECIAL)
		return op_push_sreg(c, i);
	u64 v;
	enum cpu_step r;
	if (o->kind == OPK_IMM)
		v = i->imm; /* sign-extended to the operand size */
	else if ((r = op_get(c, i, 0, &v, 0)) != STEP_RETIRED)
		return r;
	return push_sized(c, v, i->opsize);
}

/*
 * POP r/m: RSP is incremented before the destination's address is computed ("If the
 * destination operand uses RSP as a base register, the value is computed after the
 * increment"), and a faulting destination leaves RSP unchanged.
 */
static enum cpu_step op_pop(struct vx_cpu *c, const struct insn *i)
{
	if (i->op[0].kind == OPK_SPECIAL)
		return op_pop_sreg(c, i);
	u64 v, old = c->gpr[4];
	enum cpu_step r = mem_read(c, old, i->opsize, &v, ACC_STACK);
	if (r != STEP_RETIRED)
		return r;
	c->gpr[4] = old + i->opsize;
	r = op_put(c, i, 0, v);
	if (r != STEP_RETIRED)
		c->gpr[4] = old;
	return r;
}

static enum cpu_step op_pushf(struct vx_cpu *c, const struct insn *i)
{
	/* VM and RF are pushed as 0 (PUSHF "64-bit mode" operation). */
	return push_sized(c, cpu_rflags(c) & ~(RFLAGS_VM | RFLAGS_RF), i->opsize);
}

/*
 * POPF (64-bit mode): all non-reserved flags except RF, VIP, VIF and VM may change; RF is
 * cleared.  At CPL > 0 IOPL is kept; IF changes only when CPL <= IOPL.  A 16-bit POPF
 * changes only bits 15:0.
 */
static enum cpu_step op_popf(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = mem_read(c, c->gpr[4], i->opsize, &v, ACC_STACK);
	if (r != STEP_RETIRED)
		return r;
	u64 old = cpu_rflags(c);
	u64 mask = 0x247fd5; /* CF PF AF ZF SF TF IF DF OF IOPL NT AC ID */
	if (c->cpl > 0)
		mask &= ~RFLAGS_IOPL;
	if (c->cpl > ((old & RFLAGS_IOPL) >> 12))
		mask &= ~RFLAGS_IF;
	mask &= size_mask(i->opsize);
	c->gpr[4] += i->opsize;
	cpu_set_rflags(c, (old & ~mask & ~RFLAGS_RF) | (v & mask));
	return STEP_RETIRED;
}

static enum cpu_step op_leave(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = mem_read(c, c->gpr[5], i->opsize, &v, ACC_STACK);
	if (r != STEP_RETIRED)
		return r;
	c->gpr[4] = c->gpr[5] + i->opsize;
	reg_set(c, 5, i->opsize, v);
	return STEP_RETIRED;
}

/* ENTER imm16, imm8 (nesting level taken modulo 32). */
static enum cpu_step op_enter(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize, level = i->imm2 % 32;
	u64 alloc = i->imm & 0xffff;
	u64 rsp = c->gpr[4], rbp = c->gpr[5];
	u64 frame = rsp - size;
	enum cpu_step r = mem_write(c, frame, size, rbp, ACC_STACK);
	if (r != STEP_RETIRED)
		return r;
	u64 sp = frame;
	for (unsigned k = 1; k < level; k++) {
		u64 v;
		rbp -= size;
		if ((r = mem_read(c, rbp, size, &v, ACC_STACK)) != STEP_RETIRED)
			return r;
		sp -= size;
		if ((r = mem_write(c, sp, size, v, ACC_STACK)) != STEP_RETIRED)
			return r;
	}
	if (level > 0) {
		sp -= size;
		if ((r = mem_write(c, sp, size, frame, ACC_STACK)) != STEP_RETIRED)
			return r;
	}
	/* The new stack bottom must be writable too (ENTER checks the whole allocation). */
	if (alloc && (r = mem_write_probe(c, sp - alloc)) != STEP_RETIRED)
		return r;
	reg_set(c, 5, size, frame);
	c->gpr[4] = sp - alloc;
	return STEP_RETIRED;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_PUSH, op_push},    {ZYDIS_MNEMONIC_POP, op_pop},
    {ZYDIS_MNEMONIC_PUSHFQ, op_pushf}, {ZYDIS_MNEMONIC_PUSHF, op_pushf},
    {ZYDIS_MNEMONIC_POPFQ, op_popf},   {ZYDIS_MNEMONIC_POPF, op_popf},
    {ZYDIS_MNEMONIC_LEAVE, op_leave},  {ZYDIS_MNEMONIC_ENTER, op_enter},
};
OP_FAMILY_DEFINE(stack, defs);
