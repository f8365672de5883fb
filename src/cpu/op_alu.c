// SPDX-License-Identifier: MIT
/*
 * Integer arithmetic and logic: ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, INC, DEC, NEG,
 * NOT (SDM Vol. 2 pages of those names; flags through cpu/flags.h).  LOCK is accepted on the
 * memory forms; the model performs each read-modify-write atomically by construction.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

/* LOCK is legal only with a memory destination (Zydis rejects the register forms). */
static inline __attribute__((always_inline)) enum cpu_step
binop(struct vx_cpu *c, const struct insn *i, enum lazy_op op, bool store)
{
	u64 a, b;
	unsigned size = i->op[0].size;
	enum cpu_step r = op_get(c, i, 0, &a, store ? ACC_RMW : 0);
	if (r != STEP_RETIRED)
		return r;
	if ((r = op_get(c, i, 1, &b, 0)) != STEP_RETIRED)
		return r;
	b &= size_mask(size);
	u64 res, cin = 0;
	switch (op) {
	case LF_ADD: res = a + b; break;
	case LF_ADC:
		cin = flag_cf(c);
		res = a + b + cin;
		break;
	case LF_SUB: res = a - b; break;
	case LF_SBB:
		cin = flag_cf(c);
		res = a - b - cin;
		break;
	default: res = 0; break;
	}
	res &= size_mask(size);
	if (store && (r = op_put(c, i, 0, res)) != STEP_RETIRED)
		return r;
	lf_set(c, op, size, a, b, res);
	c->lf.carry_in = (u8)cin;
	return STEP_RETIRED;
}

static enum cpu_step op_add(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADD, true);
}
static enum cpu_step op_adc(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADC, true);
}
static enum cpu_step op_sub(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, true);
}
static enum cpu_step op_sbb(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SBB, true);
}
static enum cpu_step op_cmp(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, false);
}

enum logic { L_AND, L_OR, L_XOR };

static inline __attribute__((always_inline)) enum cpu_step
logic(struct vx_cpu *c, const struct insn *i, enum logic l, bool store)
{
	u64 a, b;
	unsigned size = i->op[0].size;
	enum cpu_step r = op_get(c, i, 0, &a, store ? ACC_RMW : 0);
	if (r != STEP_RETIRED)
		return r;
	if ((r = op_get(c, i, 1, &b, 0)) != STEP_RETIRED)
		return r;
	u64 res = (l == L_AND ? a & b : l == L_OR ? a | b : a ^ b) & size_mask(size);
	if (store && (r = op_put(c, i, 0, res)) != STEP_RETIRED)
		return r;
	lf_set(c, LF_LOGIC, size, a, b, res);
	return STEP_RETIRED;
}

static enum cpu_step op_and(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, true);
}
static enum cpu_step op_or(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_OR, true);
}
static enum cpu_step op_xor(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_XOR, true);
}
static enum cpu_step op_test(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, false);
}

/* INC/DEC keep CF (it is saved into the lazy record as carry_in). */
static inline __attribute__((always_inline)) enum cpu_step incdec(struct vx_cpu *c,
								  const struct insn *i, bool inc)
{
	u64 a;
	unsigned size = i->op[0].size;
	enum cpu_step r = op_get(c, i, 0, &a, ACC_RMW);
	if (r != STEP_RETIRED)
		return r;
	u64 res = (inc ? a + 1 : a - 1) & size_mask(size);
	if ((r = op_put(c, i, 0, res)) != STEP_RETIRED)
		return r;
	bool cf = flag_cf(c);
	lf_set(c, inc ? LF_INC : LF_DEC, size, a, 1, res);
	c->lf.carry_in = cf;
	return STEP_RETIRED;
}

static enum cpu_step op_inc(struct vx_cpu *c, const struct insn *i)
{
	return incdec(c, i, true);
}
static enum cpu_step op_dec(struct vx_cpu *c, const struct insn *i)
{
	return incdec(c, i, false);
}

static enum cpu_step op_neg(struct vx_cpu *c, const struct insn *i)
{
	u64 a;
	unsigned size = i->op[0].size;
	enum cpu_step r = op_get(c, i, 0, &a, ACC_RMW);
	if (r != STEP_RETIRED)
		return r;
	u64 res = (0 - a) & size_mask(size);
	if ((r = op_put(c, i, 0, res)) != STEP_RETIRED)
		return r;
	lf_set(c, LF_NEG, size, a, a, res);
	return STEP_RETIRED;
}

/* NOT affects no flags. */
static enum cpu_step op_not(struct vx_cpu *c, const struct insn *i)
{
	u64 a;
	enum cpu_step r = op_get(c, i, 0, &a, ACC_RMW);
	return r == STEP_RETIRED ? op_put(c, i, 0, ~a) : r;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_ADD, op_add}, {ZYDIS_MNEMONIC_ADC, op_adc}, {ZYDIS_MNEMONIC_SUB, op_sub},
    {ZYDIS_MNEMONIC_SBB, op_sbb}, {ZYDIS_MNEMONIC_CMP, op_cmp}, {ZYDIS_MNEMONIC_AND, op_and},
    {ZYDIS_MNEMONIC_OR, op_or},   {ZYDIS_MNEMONIC_XOR, op_xor}, {ZYDIS_MNEMONIC_TEST, op_test},
    {ZYDIS_MNEMONIC_INC, op_inc}, {ZYDIS_MNEMONIC_DEC, op_dec}, {ZYDIS_MNEMONIC_NEG, op_neg},
    {ZYDIS_MNEMONIC_NOT, op_not},
};
OP_FAMILY_DEFINE(alu, defs);
