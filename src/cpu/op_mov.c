// SPDX-License-Identifier: MIT
/*
 * Data movement: MOV, MOVZX, MOVSX, MOVSXD, LEA, XCHG, CMOVcc, SETcc, BSWAP, CBW/CWDE/CDQE,
 * CWD/CDQ/CQO, NOP (SDM Vol. 2 instruction pages of those names).
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

static enum cpu_step op_mov(struct vx_cpu *c, const struct insn *i)
{
	if (i->op[0].kind == OPK_SPECIAL || i->op[1].kind == OPK_SPECIAL)
		return op_mov_special(c, i);
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	return r == STEP_RETIRED ? op_put(c, i, 0, v) : r;
}

/* Specialised MOV forms, chosen at decode time (the generic op_mov handles the rest). */
static enum cpu_step op_mov_r64_r64(struct vx_cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = c->gpr[i->op[1].reg];
	return STEP_RETIRED;
}

static enum cpu_step op_mov_r_r(struct vx_cpu *c, const struct insn *i)
{
	opr_put(c, &i->op[0], opr_get(c, &i->op[1]));
	return STEP_RETIRED;
}

static enum cpu_step op_mov_r32_r32(struct vx_cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = (u32)c->gpr[i->op[1].reg];
	return STEP_RETIRED;
}

static enum cpu_step op_mov_r_i(struct vx_cpu *c, const struct insn *i)
{
	opr_put(c, &i->op[0], i->imm);
	return STEP_RETIRED;
}

static enum cpu_step op_mov_r_m(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	if (r == STEP_RETIRED)
		opr_put(c, &i->op[0], v);
	return r;
}

static enum cpu_step op_mov_m_r(struct vx_cpu *c, const struct insn *i)
{
	return op_put(c, i, 0, opr_get(c, &i->op[1]));
}

static enum cpu_step op_mov_m_i(struct vx_cpu *c, const struct insn *i)
{
	return op_put(c, i, 0, i->imm);
}

/* MOV between a register and a simple memory operand (op_mem_simple), one handler per
 * operand size so that the access width is a constant; anything but a TLB hit on RAM goes
 * to the generic form. */
#define MOV_SIMPLE(sz)                                                               \
	static enum cpu_step op_mov_r_ms##sz(struct vx_cpu *c, const struct insn *i) \
	{                                                                            \
		u64 v;                                                               \
		if (!op_load_simple(c, &i->op[1], sz, ACC_READ, &v))                 \
			return op_mov_r_m(c, i);                                     \
		opr_put_sz(c, &i->op[0], sz >= 4 ? sz : 0, v);                       \
		return STEP_RETIRED;                                                 \
	}                                                                            \
	static enum cpu_step op_mov_ms_r##sz(struct vx_cpu *c, const struct insn *i) \
	{                                                                            \
		u64 v = opr_get_sz(c, &i->op[1], sz >= 4 ? sz : 0);                  \
		if (!op_store_simple(c, &i->op[0], sz, v))                           \
			return op_mov_m_r(c, i);                                     \
		return STEP_RETIRED;                                                 \
	}
MOV_SIMPLE(1)
MOV_SIMPLE(2)
MOV_SIMPLE(4)
MOV_SIMPLE(8)

static op_fn *const mov_r_ms[9] = {
    [1] = op_mov_r_ms1, [2] = op_mov_r_ms2, [4] = op_mov_r_ms4, [8] = op_mov_r_ms8};
static op_fn *const mov_ms_r[9] = {
    [1] = op_mov_ms_r1, [2] = op_mov_ms_r2, [4] = op_mov_ms_r4, [8] = op_mov_ms_r8};

/* The handler for MOV reg, mem or mem, reg: sized and simple-address when possible. */
static op_fn *select_mov_mem(const struct insn *i, bool load)
{
	const struct operand *m = &i->op[load ? 1 : 0];
	op_fn *f = m->size <= 8 ? (load ? mov_r_ms : mov_ms_r)[m->size] : NULL;
	if (f && op_mem_simple(i, m))
		return f;
	return load ? op_mov_r_m : op_mov_m_r;
}

static op_fn *select_mov(const struct insn *i)
{
	const struct operand *d = &i->op[0], *s = &i->op[1];
	if (i->nops != 2 || d->kind == OPK_SPECIAL || s->kind == OPK_SPECIAL)
		return op_mov;
	if (d->kind == OPK_REG && s->kind == OPK_REG)
		return d->size == 8 && s->size == 8   ? op_mov_r64_r64
		       : d->size == 4 && s->size == 4 ? op_mov_r32_r32
						      : op_mov_r_r;
	if (d->kind == OPK_REG && s->kind == OPK_IMM)
		return op_mov_r_i;
	if (d->kind == OPK_REG && s->kind == OPK_MEM)
		return select_mov_mem(i, true);
	if (d->kind == OPK_MEM && s->kind == OPK_REG)
		return select_mov_mem(i, false);
	if (d->kind == OPK_MEM && s->kind == OPK_IMM)
		return op_mov_m_i;
	return op_mov;
}

static enum cpu_step op_movzx(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	return r == STEP_RETIRED ? op_put(c, i, 0, v) : r;
}

/* MOVZX reg, mem (table lookups): the memory read inline, no operand-kind dispatch. */
static enum cpu_step op_movzx_r_m(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o = &i->op[1];
	u64 la = op_la(c, i, o), v;
	const struct tlb_entry *e = tlb_hit(c, la, tlb_need(c, ACC_READ), o->size);
	if (__builtin_expect(e != NULL, 1)) {
		opr_put(c, &i->op[0], host_load(e->host + (la & 4095), o->size));
		return STEP_RETIRED;
	}
	enum cpu_step r = op_get_mem(c, i, o, &v, 0);
	if (r == STEP_RETIRED)
		opr_put(c, &i->op[0], v);
	return r;
}

/* MOVZX r32/r64, byte/word at a simple address (op_mem_simple): the width a constant; the
 * zero-extended value is the whole new register either way. */
#define MOVZX_SIMPLE(sz)                                                               \
	static enum cpu_step op_movzx_r_ms##sz(struct vx_cpu *c, const struct insn *i) \
	{                                                                              \
		u64 v;                                                                 \
		if (!op_load_simple(c, &i->op[1], sz, ACC_READ, &v))                   \
			return op_movzx_r_m(c, i);                                     \
		c->gpr[i->op[0].reg & 15] = v; /* 4- or 8-byte destination */          \
		return STEP_RETIRED;                                                   \
	}
MOVZX_SIMPLE(1)
MOVZX_SIMPLE(2)

static op_fn *select_movzx(const struct insn *i)
{
	if (i->nops != 2 || i->op[0].kind != OPK_REG || i->op[1].kind != OPK_MEM)
		return op_movzx;
	if (op_mem_simple(i, &i->op[1]) && (i->op[1].size == 1 || i->op[1].size == 2) &&
	    i->op[0].size >= 4)
		return i->op[1].size == 1 ? op_movzx_r_ms1 : op_movzx_r_ms2;
	return op_movzx_r_m;
}

static enum cpu_step op_movsx(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	return r == STEP_RETIRED ? op_put(c, i, 0, sext(v, i->op[1].size)) : r;
}

static enum cpu_step op_lea(struct vx_cpu *c, const struct insn *i)
{
	/* LEA computes the effective address only: no segment base. */
	struct operand o = i->op[1];
	o.seg = SEG_DS;
	reg_set(c, i->op[0].reg, i->op[0].size, op_la(c, i, &o));
	return STEP_RETIRED;
}

/* LEA of a simple address (op_mem_simple): no segment base either way. */
static enum cpu_step op_lea_s(struct vx_cpu *c, const struct insn *i)
{
	opr_put(c, &i->op[0], op_la_simple(c, &i->op[1]));
	return STEP_RETIRED;
}

static op_fn *select_lea(const struct insn *i)
{
	return i->op[0].kind == OPK_REG && op_mem_simple(i, &i->op[1]) ? op_lea_s : op_lea;
}

/* XCHG with memory is always locked (SDM XCHG); the model is single-threaded per access. */
static enum cpu_step op_xchg(struct vx_cpu *c, const struct insn *i)
{
	u64 a, b;
	enum cpu_step r = op_get(c, i, 0, &a, ACC_RMW);
	if (r == STEP_RETIRED)
		r = op_get(c, i, 1, &b, ACC_RMW);
	if (r == STEP_RETIRED)
		r = op_put(c, i, 0, b);
	if (r == STEP_RETIRED)
		r = op_put(c, i, 1, a);
	return r;
}

/* CMOVcc reads its source even when the condition is false (a fault is possible) and, with a
 * 32-bit operand size, clears bits 63:32 of the destination either way. */
static enum cpu_step op_cmovcc(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	if (r != STEP_RETIRED)
		return r;
	if (!cpu_cond_fast(c, i->cc))
		v = reg_get(c, i->op[0].reg, i->op[0].size);
	reg_set(c, i->op[0].reg, i->op[0].size, v);
	return STEP_RETIRED;
}

static enum cpu_step op_setcc(struct vx_cpu *c, const struct insn *i)
{
	return op_put(c, i, 0, cpu_cond_fast(c, i->cc));
}

static enum cpu_step op_bswap(struct vx_cpu *c, const struct insn *i)
{
	unsigned reg = i->op[0].reg;
	if (i->op[0].size == 8)
		c->gpr[reg] = __builtin_bswap64(c->gpr[reg]);
	else if (i->op[0].size == 4)
		c->gpr[reg] = __builtin_bswap32((u32)c->gpr[reg]);
	else
		reg_set(c, reg, 2, 0); /* 16-bit BSWAP: undefined; we choose 0 (decisions.md) */
	return STEP_RETIRED;
}

/* CBW/CWDE/CDQE: sign-extend the lower half of rAX into rAX. */
static enum cpu_step op_cbw(struct vx_cpu *c, const struct insn *i)
{
	unsigned half = i->opsize / 2;
	reg_set(c, 0, i->opsize, sext(c->gpr[0], half));
	return STEP_RETIRED;
}

/* CWD/CDQ/CQO: rDX = sign of rAX. */
static enum cpu_step op_cwd(struct vx_cpu *c, const struct insn *i)
{
	u64 sign = (c->gpr[0] & sign_bit(i->opsize)) ? ~0ull : 0;
	reg_set(c, 2, i->opsize, sign);
	return STEP_RETIRED;
}

static enum cpu_step op_nop(struct vx_cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	return STEP_RETIRED;
}

/* Operands wider than 8 bytes (m16:64, m128) have handlers of their own; reaching here with
 * one is a decode-table gap, answered with #UD rather than a host overflow. */
enum cpu_step op_get_mem(struct vx_cpu *c, const struct insn *i, const struct operand *o, u64 *v,
			 unsigned acc)
{
	if (o->size > 8)
		return fault_ud(c);
	return mem_read(c, op_la(c, i, o), o->size, v, acc | op_acc(o));
}

enum cpu_step op_put_mem(struct vx_cpu *c, const struct insn *i, const struct operand *o, u64 v)
{
	if (o->size > 8)
		return fault_ud(c);
	return mem_write(c, op_la(c, i, o), o->size, v & size_mask(o->size), op_acc(o));
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_MOV, op_mov},       {ZYDIS_MNEMONIC_MOVZX, op_movzx},
    {ZYDIS_MNEMONIC_MOVSX, op_movsx},   {ZYDIS_MNEMONIC_MOVSXD, op_movsx},
    {ZYDIS_MNEMONIC_LEA, op_lea},       {ZYDIS_MNEMONIC_XCHG, op_xchg},
    {ZYDIS_MNEMONIC_CMOVO, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNO, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVB, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNB, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVZ, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNZ, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVBE, op_cmovcc}, {ZYDIS_MNEMONIC_CMOVNBE, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVS, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNS, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVP, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNP, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVL, op_cmovcc},  {ZYDIS_MNEMONIC_CMOVNL, op_cmovcc},
    {ZYDIS_MNEMONIC_CMOVLE, op_cmovcc}, {ZYDIS_MNEMONIC_CMOVNLE, op_cmovcc},
    {ZYDIS_MNEMONIC_SETO, op_setcc},    {ZYDIS_MNEMONIC_SETNO, op_setcc},
    {ZYDIS_MNEMONIC_SETB, op_setcc},    {ZYDIS_MNEMONIC_SETNB, op_setcc},
    {ZYDIS_MNEMONIC_SETZ, op_setcc},    {ZYDIS_MNEMONIC_SETNZ, op_setcc},
    {ZYDIS_MNEMONIC_SETBE, op_setcc},   {ZYDIS_MNEMONIC_SETNBE, op_setcc},
    {ZYDIS_MNEMONIC_SETS, op_setcc},    {ZYDIS_MNEMONIC_SETNS, op_setcc},
    {ZYDIS_MNEMONIC_SETP, op_setcc},    {ZYDIS_MNEMONIC_SETNP, op_setcc},
    {ZYDIS_MNEMONIC_SETL, op_setcc},    {ZYDIS_MNEMONIC_SETNL, op_setcc},
    {ZYDIS_MNEMONIC_SETLE, op_setcc},   {ZYDIS_MNEMONIC_SETNLE, op_setcc},
    {ZYDIS_MNEMONIC_BSWAP, op_bswap},   {ZYDIS_MNEMONIC_CBW, op_cbw},
    {ZYDIS_MNEMONIC_CWDE, op_cbw},      {ZYDIS_MNEMONIC_CDQE, op_cbw},
    {ZYDIS_MNEMONIC_CWD, op_cwd},       {ZYDIS_MNEMONIC_CDQ, op_cwd},
    {ZYDIS_MNEMONIC_CQO, op_cwd},       {ZYDIS_MNEMONIC_NOP, op_nop},
};
static const struct op_select sels[] = {
    {ZYDIS_MNEMONIC_MOV, select_mov},
    {ZYDIS_MNEMONIC_MOVZX, select_movzx},
    {ZYDIS_MNEMONIC_LEA, select_lea},
};
OP_FAMILY_DEFINE_SEL(mov, defs, sels);
