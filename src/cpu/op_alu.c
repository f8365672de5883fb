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
 * (alu_form) for a register destination and a register, immediate or simple memory source
 * (op_mem_simple), with the operand size fixed where it is 4 or 8: the same values as
 * op_get and op_put without their dispatch.
 */
enum form { F_ANY, F_RR, F_RI, F_RR4, F_RR8, F_RI4, F_RI8, F_RM4, F_RM8, F_COUNT };

/* The operand size a form fixes (0: the instruction's own). */
static inline __attribute__((always_inline)) unsigned form_size(enum form f)
{
	switch (f) {
	case F_RR4:
	case F_RI4:
	case F_RM4: return 4;
	case F_RR8:
	case F_RI8:
	case F_RM8: return 8;
	default: return 0;
	}
}

/* The operands of a specialised form; false (nothing done) when the memory source is not a
 * TLB hit on RAM, and the handler then runs the generic form. */
static inline __attribute__((always_inline)) bool
alu_fast_operands(struct vx_cpu *c, const struct insn *i, enum form f, u64 *a, u64 *b)
{
	unsigned sz = form_size(f);
	*a = opr_get_sz(c, &i->op[0], sz);
	switch (f) {
	case F_RR:
	case F_RR4:
	case F_RR8: *b = opr_get_sz(c, &i->op[1], sz); return true;
	case F_RM4:
	case F_RM8: return op_load_simple(c, &i->op[1], sz, ACC_READ, b);
	default: *b = i->imm & size_mask(i->op[1].size); return true;
	}
}

static inline __attribute__((always_inline)) enum cpu_step
alu_operands(struct vx_cpu *c, const struct insn *i, bool store, u64 *a, u64 *b)
{
	enum cpu_step r = op_get(c, i, 0, a, store ? ACC_RMW : 0);
	return r == STEP_RETIRED ? op_get(c, i, 1, b, 0) : r;
}

/* The operands of form f: false with *r the outcome when the handler must return it (the
 * generic form's run for a specialised form that cannot go on, or a fault). */
static inline __attribute__((always_inline)) bool alu_inputs(struct vx_cpu *c, const struct insn *i,
							     bool store, enum form f, op_fn *slow,
							     u64 *a, u64 *b, enum cpu_step *r)
{
	if (f != F_ANY) {
		if (alu_fast_operands(c, i, f, a, b))
			return true;
		*r = slow(c, i);
		return false;
	}
	*r = alu_operands(c, i, store, a, b);
	return *r == STEP_RETIRED;
}

static inline __attribute__((always_inline)) enum cpu_step
alu_result(struct vx_cpu *c, const struct insn *i, enum form f, u64 res)
{
	if (f == F_ANY)
		return op_put(c, i, 0, res);
	opr_put_sz(c, &i->op[0], form_size(f), res);
	return STEP_RETIRED;
}

/* LOCK is legal only with a memory destination (Zydis rejects the register forms). */
static inline __attribute__((always_inline)) enum cpu_step
binop(struct vx_cpu *c, const struct insn *i, enum lazy_op op, bool store, enum form f, op_fn *slow)
{
	u64 a, b;
	unsigned size = form_size(f) ? form_size(f) : i->op[0].size;
	u64 m = size_mask_sz(form_size(f), size);
	enum cpu_step r;
	if (!alu_inputs(c, i, store, f, slow, &a, &b, &r))
		return r;
	b &= m;
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
	res &= m;
	if (store && (r = alu_result(c, i, f, res)) != STEP_RETIRED)
		return r;
	lf_set(c, op, size, a, b, res);
	c->lf.carry_in = (u8)cin;
	return STEP_RETIRED;
}

static enum cpu_step op_add(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADD, true, F_ANY, NULL);
}
static enum cpu_step op_adc(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_ADC, true, F_ANY, NULL);
}
static enum cpu_step op_sub(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, true, F_ANY, NULL);
}
static enum cpu_step op_sbb(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SBB, true, F_ANY, NULL);
}
static enum cpu_step op_cmp(struct vx_cpu *c, const struct insn *i)
{
	return binop(c, i, LF_SUB, false, F_ANY, NULL);
}

enum logic { L_AND, L_OR, L_XOR };

static inline __attribute__((always_inline)) enum cpu_step
logic(struct vx_cpu *c, const struct insn *i, enum logic l, bool store, enum form f, op_fn *slow)
{
	u64 a, b;
	unsigned size = form_size(f) ? form_size(f) : i->op[0].size;
	u64 m = size_mask_sz(form_size(f), size);
	enum cpu_step r;
	if (!alu_inputs(c, i, store, f, slow, &a, &b, &r))
		return r;
	u64 res = (l == L_AND ? a & b : l == L_OR ? a | b : a ^ b) & m;
	if (store && (r = alu_result(c, i, f, res)) != STEP_RETIRED)
		return r;
	lf_set(c, LF_LOGIC, size, a, b, res);
	return STEP_RETIRED;
}

static enum cpu_step op_and(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, true, F_ANY, NULL);
}
static enum cpu_step op_or(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_OR, true, F_ANY, NULL);
}
static enum cpu_step op_xor(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_XOR, true, F_ANY, NULL);
}
static enum cpu_step op_test(struct vx_cpu *c, const struct insn *i)
{
	return logic(c, i, L_AND, false, F_ANY, NULL);
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
#define ALU_FORM(name, body, form, sfx, ...)                                   \
	static enum cpu_step name##sfx(struct vx_cpu *c, const struct insn *i) \
	{                                                                      \
		return body(c, i, __VA_ARGS__, form, name);                    \
	}
#define ALU_FORMS(name, body, ...)                                                  \
	ALU_FORM(name, body, F_RR, _rr, __VA_ARGS__)                                \
	ALU_FORM(name, body, F_RI, _ri, __VA_ARGS__)                                \
	ALU_FORM(name, body, F_RR4, _rr4, __VA_ARGS__)                              \
	ALU_FORM(name, body, F_RR8, _rr8, __VA_ARGS__)                              \
	ALU_FORM(name, body, F_RI4, _ri4, __VA_ARGS__)                              \
	ALU_FORM(name, body, F_RI8, _ri8, __VA_ARGS__)                              \
	ALU_FORM(name, body, F_RM4, _rm4, __VA_ARGS__)                              \
	ALU_FORM(name, body, F_RM8, _rm8, __VA_ARGS__)                              \
	static op_fn *select_##name(const struct insn *i)                           \
	{                                                                           \
		op_fn *const forms[F_COUNT] = {name,       name##_rr,  name##_ri,   \
					       name##_rr4, name##_rr8, name##_ri4,  \
					       name##_ri8, name##_rm4, name##_rm8}; \
		return forms[alu_form(i)];                                          \
	}

/* The operand form of a two-operand ALU instruction (F_ANY when no specialisation fits). */
static enum form alu_form(const struct insn *i)
{
	const struct operand *d = &i->op[0], *s = &i->op[1];
	bool wide = d->size == 4 || d->size == 8;
	if (i->nops != 2 || d->kind != OPK_REG || (i->prefix & INSN_LOCK))
		return F_ANY;
	if (s->kind == OPK_REG)
		return !wide ? F_RR : d->size == 4 ? F_RR4 : F_RR8;
	if (s->kind == OPK_IMM)
		return !wide ? F_RI : d->size == 4 ? F_RI4 : F_RI8;
	if (s->kind == OPK_MEM && op_mem_simple(i, s) && wide && s->size == d->size)
		return d->size == 4 ? F_RM4 : F_RM8;
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
