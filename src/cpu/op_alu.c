// SPDX-License-Identifier: MIT
/*
 * Integer arithmetic and logic: ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, INC, DEC, NEG,
 * NOT (SDM Vol. 2 pages of those names; flags through cpu/flags.h).  LOCK is accepted on the
 * memory forms; the model performs each read-modify-write atomically by construction.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

/*
 * Operand forms.  F_ANY goes through op_get/op_put; the others are chosen at decode time
 * (select_alu) for a register destination and a register, immediate or simple memory
 * source (op_mem_simple) of 4 or 8 bytes: the same values as op_get without its dispatch.
 */
enum form { F_ANY, F_RR, F_RI, F_RM4, F_RM8 };

static inline __attribute__((always_inline)) enum cpu_step
alu_operands(struct vx_cpu *c, const struct insn *i, enum form f, bool store, u64 *a, u64 *b)
{
	enum cpu_step r;
	if (f == F_ANY) {
		r = op_get(c, i, 0, a, store ? ACC_RMW : 0);
		return r == STEP_RETIRED ? op_get(c, i, 1, b, 0) : r;
	}
	*a = opr_get(c, &i->op[0]);
	switch (f) {
	case F_RR: *b = opr_get(c, &i->op[1]); return STEP_RETIRED;
	case F_RI: *b = i->imm & size_mask(i->op[1].size); return STEP_RETIRED;
	case F_RM4: return op_get_simple(c, i, 1, 4, b, 0);
	default: return op_get_simple(c, i, 1, 8, b, 0);
	}
}

static inline __attribute__((always_inline)) enum cpu_step
alu_result(struct vx_cpu *c, const struct insn *i, enum form f, u64 res)
{
	if (f == F_ANY)
		return op_put(c, i, 0, res);
	opr_put(c, &i->op[0], res);
	return STEP_RETIRED;
}

/* LOCK is legal only with a memory destination (Zydis rejects the register forms). */
static inline __attribute__((always_inline)) enum cpu_step
binop(struct vx_cpu *c, const struct insn *i, enum lazy_op op, bool store, enum form f)
{
	u64 a, b;
	unsigned size = i->op[0].size;
	enum cpu_step r = alu_operands(c, i, f, store, &a, &b);
	if (r != STEP_RETIRED)
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
	if (store && (r = alu_result(c, i, f, res)) != STEP_RETIRED)
		return r;
	lf_set(c, op, size, a, b, res);
	c->lf.carry_in = (u8)cin;
	return STEP_RETIRED;
}

static enum cpu_step op_add(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADD, true, F_ANY);
}
static enum cpu_step op_adc(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADC, true, F_ANY);
}
static enum cpu_step op_sub(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, true, F_ANY);
}
static enum cpu_step op_sbb(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SBB, true, F_ANY);
}
static enum cpu_step op_cmp(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, false, F_ANY);
}

enum logic { L_AND, L_OR, L_XOR };

static inline __attribute__((always_inline)) enum cpu_step
logic(struct vx_cpu *c, const struct insn *i, enum logic l, bool store, enum form f)
{
	u64 a, b;
	unsigned size = i->op[0].size;
	enum cpu_step r = alu_operands(c, i, f, store, &a, &b);
	if (r != STEP_RETIRED)
		return r;
	u64 res = (l == L_AND ? a & b : l == L_OR ? a | b : a ^ b) & size_mask(size);
	if (store && (r = alu_result(c, i, f, res)) != STEP_RETIRED)
		return r;
	lf_set(c, LF_LOGIC, size, a, b, res);
	return STEP_RETIRED;
}

static enum cpu_step op_and(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, true, F_ANY);
}
static enum cpu_step op_or(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_OR, true, F_ANY);
}
static enum cpu_step op_xor(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_XOR, true, F_ANY);
}
static enum cpu_step op_test(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, false, F_ANY);
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

/* The specialised forms of one ALU instruction and the decode-time choice among them. */
#define ALU_FORMS(name, body, ...)                                                           \
	static enum cpu_step name##_rr(struct vx_cpu *c, const struct insn *i)               \
	{                                                                                    \
		return body(c, i, __VA_ARGS__, F_RR);                                        \
	}                                                                                    \
	static enum cpu_step name##_ri(struct vx_cpu *c, const struct insn *i)               \
	{                                                                                    \
		return body(c, i, __VA_ARGS__, F_RI);                                        \
	}                                                                                    \
	static enum cpu_step name##_rm4(struct vx_cpu *c, const struct insn *i)              \
	{                                                                                    \
		return body(c, i, __VA_ARGS__, F_RM4);                                       \
	}                                                                                    \
	static enum cpu_step name##_rm8(struct vx_cpu *c, const struct insn *i)              \
	{                                                                                    \
		return body(c, i, __VA_ARGS__, F_RM8);                                       \
	}                                                                                    \
	static op_fn *select_##name(const struct insn *i)                                    \
	{                                                                                    \
		op_fn *const forms[] = {name, name##_rr, name##_ri, name##_rm4, name##_rm8}; \
		return forms[alu_form(i)];                                                   \
	}

/* The operand form of a two-operand ALU instruction (F_ANY when no specialisation fits). */
static enum form alu_form(const struct insn *i)
{
	const struct operand *d = &i->op[0], *s = &i->op[1];
	if (i->nops != 2 || d->kind != OPK_REG || (i->prefix & INSN_LOCK))
		return F_ANY;
	if (s->kind == OPK_REG)
		return F_RR;
	if (s->kind == OPK_IMM)
		return F_RI;
	if (s->kind == OPK_MEM && op_mem_simple(i, s) && (s->size == 4 || s->size == 8))
		return s->size == 4 ? F_RM4 : F_RM8;
	return F_ANY;
}

ALU_FORMS(op_add, binop, LF_ADD, true)
ALU_FORMS(op_adc, binop, LF_ADC, true)
ALU_FORMS(op_sub, binop, LF_SUB, true)
ALU_FORMS(op_sbb, binop, LF_SBB, true)
ALU_FORMS(op_cmp, binop, LF_SUB, false)
ALU_FORMS(op_and, logic, L_AND, true)
ALU_FORMS(op_or, logic, L_OR, true)
ALU_FORMS(op_xor, logic, L_XOR, true)
ALU_FORMS(op_test, logic, L_AND, false)

static const struct op_select sels[] = {
    {ZYDIS_MNEMONIC_ADD, select_op_add},   {ZYDIS_MNEMONIC_ADC, select_op_adc},
    {ZYDIS_MNEMONIC_SUB, select_op_sub},   {ZYDIS_MNEMONIC_SBB, select_op_sbb},
    {ZYDIS_MNEMONIC_CMP, select_op_cmp},   {ZYDIS_MNEMONIC_AND, select_op_and},
    {ZYDIS_MNEMONIC_OR, select_op_or},     {ZYDIS_MNEMONIC_XOR, select_op_xor},
    {ZYDIS_MNEMONIC_TEST, select_op_test},
};

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_ADD, op_add}, {ZYDIS_MNEMONIC_ADC, op_adc}, {ZYDIS_MNEMONIC_SUB, op_sub},
    {ZYDIS_MNEMONIC_SBB, op_sbb}, {ZYDIS_MNEMONIC_CMP, op_cmp}, {ZYDIS_MNEMONIC_AND, op_and},
    {ZYDIS_MNEMONIC_OR, op_or},   {ZYDIS_MNEMONIC_XOR, op_xor}, {ZYDIS_MNEMONIC_TEST, op_test},
    {ZYDIS_MNEMONIC_INC, op_inc}, {ZYDIS_MNEMONIC_DEC, op_dec}, {ZYDIS_MNEMONIC_NEG, op_neg},
    {ZYDIS_MNEMONIC_NOT, op_not},
};
OP_FAMILY_DEFINE_SEL(alu, defs, sels);
