// SPDX-License-Identifier: MIT
/*
 * Bit instructions and atomic exchanges: BT, BTS, BTR, BTC, BSF, BSR, TZCNT, LZCNT, POPCNT,
 * the BMI1 group ANDN, BEXTR, BLSI, BLSMSK, BLSR, and XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B.
 * SDM Vol. 2A 3.2 "BT - Bit Test", "BTS - Bit Test and Set", "BTR - Bit Test and Reset", "BTC -
 * Bit Test and Complement", "BSF - Bit Scan Forward", "BSR - Bit Scan Reverse", "LZCNT - Count
 * the Number of Leading Zero Bits", "ANDN - Logical AND NOT", "BEXTR - Bit Field Extract",
 * "BLSI - Extract Lowest Set Isolated Bit", "BLSMSK - Get Mask Up to Lowest Set Bit", "BLSR -
 * Reset Lowest Set Bit", "CMPXCHG - Compare and Exchange", "CMPXCHG8B/CMPXCHG16B - Compare and
 * Exchange Bytes"; Vol. 2B 4.3 "POPCNT - Return the Count of Number of Bits Set to 1",
 * "TZCNT - Count the Number of Trailing Zero Bits"; Vol. 2C 5.1 "XADD - Exchange and Add".
 *
 * LOCK (SDM Vol. 2A 3.2 "LOCK - Assert LOCK# Signal Prefix"): allowed only on BTS, BTR, BTC,
 * XADD, CMPXCHG, CMPXCHG8B and CMPXCHG16B with a memory destination, #UD otherwise.  Zydis
 * rejects the other encodings while decoding; the handlers check again.  The model performs
 * each read-modify-write as one step, so a locked access is atomic by construction.
 *
 * Undefined values (docs/decisions.md "Undefined flags"):
 *   - BT/BTS/BTR/BTC: OF, SF, AF, PF keep their values;
 *   - BSF/BSR: CF, OF, SF, AF, PF keep their values; with a zero source the destination is
 *     not written at all (all 64 bits unchanged, also for 32-bit operands);
 *   - TZCNT/LZCNT: OF, SF, AF, PF keep their values;
 *   - ANDN, BEXTR, BLSI, BLSMSK, BLSR: undefined SF/PF come from the result, AF = 0.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

#define REG_RAX 0
#define REG_RCX 1
#define REG_RDX 2
#define REG_RBX 3

static u64 flag_if(bool cond, u64 flag)
{
	return cond ? flag : 0;
}

/* SF, ZF and PF of a result. */
static u64 szp(u64 res, unsigned size)
{
	res &= size_mask(size);
	return flag_if(res & sign_bit(size), RFLAGS_SF) | flag_if(!res, RFLAGS_ZF) |
	       flag_if(parity8(res), RFLAGS_PF);
}

/* LOCK allowed: the instruction is in the LOCK page's list and the destination is memory. */
static bool lock_ok(const struct insn *i, bool lockable)
{
	return !(i->prefix & INSN_LOCK) || (lockable && i->op[0].kind == OPK_MEM);
}

/* ---- BT, BTS, BTR, BTC ---- */

enum bt_kind { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/*
 * Address of the operand-size word holding the bit, for a memory bit base.  With a register
 * bit offset the offset is a signed operand-size integer and the bit string extends below
 * and above the operand: the word at "Effective Address + (OperandSize/8 * (BitOffset DIV
 * OperandSize))" (BT page, Description and Operation), DIV rounding towards minus infinity.
 * An immediate offset selects a bit within the operand (taken modulo the operand size).
 */
static u64 bt_address(const struct vx_cpu *c, const struct insn *i, u64 off)
{
	const struct operand *o = &i->op[0];
	u64 la = op_la(c, i, o);
	if (i->op[1].kind != OPK_REG)
		return la;
	unsigned size = o->size, bits = size * 8;
	u64 soff = sext(off, size);
	s64 words = (s64)(soff & ~(u64)(bits - 1)) / (s64)bits; /* exact: a floor division */
	u64 delta = (u64)words * size;
	if (i->addrsize == 4) {
		/* the offset is part of the 32-bit effective address */
		u64 base = (o->seg == SEG_FS || o->seg == SEG_GS) ? c->seg[o->seg].base : 0;
		return base + ((la - base + delta) & 0xffffffffull);
	}
	return la + delta;
}

static u64 bt_apply(enum bt_kind k, u64 v, unsigned bit)
{
	switch (k) {
	case BT_SET: return v | BIT(bit);
	case BT_RESET: return v & ~BIT(bit);
	case BT_COMPLEMENT: return v ^ BIT(bit);
	default: return v;
	}
}

/* CF = the selected bit before the write; ZF unaffected. */
static enum cpu_step bit_test(struct vx_cpu *c, const struct insn *i, enum bt_kind k)
{
	const struct operand *o = &i->op[0];
	unsigned size = o->size;
	u64 off, v, la = 0;
	if (!lock_ok(i, k != BT_TEST))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 1, &off, 0);
	if (r != STEP_RETIRED)
		return r;
	unsigned bit = (unsigned)(off & (size * 8 - 1));
	if (o->kind == OPK_MEM) {
		la = bt_address(c, i, off);
		r = mem_read(c, la, size, &v, (k == BT_TEST ? 0 : ACC_RMW) | op_acc(o));
	} else {
		v = reg_get(c, o->reg, size);
	}
	if (r != STEP_RETIRED)
		return r;
	if (k != BT_TEST) {
		u64 nv = bt_apply(k, v, bit);
		if (o->kind == OPK_MEM)
			r = mem_write(c, la, size, nv, op_acc(o));
		else
			reg_set(c, o->reg, size, nv);
		if (r != STEP_RETIRED)
			return r;
	}
	flags_set_arith(c, RFLAGS_CF, flag_if((v >> bit) & 1, RFLAGS_CF));
	return STEP_RETIRED;
}

static enum cpu_step op_bt(struct vx_cpu *c, const struct insn *i)
{
	return bit_test(c, i, BT_TEST);
}
static enum cpu_step op_bts(struct vx_cpu *c, const struct insn *i)
{
	return bit_test(c, i, BT_SET);
}
static enum cpu_step op_btr(struct vx_cpu *c, const struct insn *i)
{
	return bit_test(c, i, BT_RESET);
}
static enum cpu_step op_btc(struct vx_cpu *c, const struct insn *i)
{
	return bit_test(c, i, BT_COMPLEMENT);
}

/* ---- BSF, BSR, TZCNT, LZCNT, POPCNT ---- */

enum scan_kind { SCAN_BSF, SCAN_BSR, SCAN_TZCNT, SCAN_LZCNT, SCAN_POPCNT };

static unsigned scan_value(enum scan_kind k, u64 v, unsigned bits)
{
	switch (k) {
	case SCAN_BSF:
	case SCAN_TZCNT: return v ? (unsigned)__builtin_ctzll(v) : bits;
	case SCAN_BSR: return v ? 63 - (unsigned)__builtin_clzll(v) : 0; /* 0: not written */
	case SCAN_LZCNT: return v ? (unsigned)__builtin_clzll(v) - (64 - bits) : bits;
	default: return (unsigned)__builtin_popcountll(v);
	}
}

/*
 * BSF/BSR: ZF = (source = 0); the destination is left alone for a zero source (the SDM:
 * "the content of the destination operand is undefined").
 * TZCNT/LZCNT: CF = (source = 0), ZF = (result = 0); a zero source gives the operand size.
 * POPCNT: ZF = (source = 0); OF, SF, AF, CF, PF are cleared.
 */
static enum cpu_step bit_scan(struct vx_cpu *c, const struct insn *i, enum scan_kind k)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 v;
	if (!lock_ok(i, false))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	if (r != STEP_RETIRED)
		return r;
	v &= size_mask(size);
	unsigned res = scan_value(k, v, bits);
	switch (k) {
	case SCAN_BSF:
	case SCAN_BSR:
		if (v)
			reg_set(c, i->op[0].reg, size, res);
		flags_set_arith(c, RFLAGS_ZF, flag_if(!v, RFLAGS_ZF));
		break;
	case SCAN_TZCNT:
	case SCAN_LZCNT:
		reg_set(c, i->op[0].reg, size, res);
		flags_set_arith(c, RFLAGS_CF | RFLAGS_ZF,
				flag_if(!v, RFLAGS_CF) | flag_if(!res, RFLAGS_ZF));
		break;
	default:
		reg_set(c, i->op[0].reg, size, res);
		flags_set_arith(c, RFLAGS_ARITH, flag_if(!v, RFLAGS_ZF));
		break;
	}
	return STEP_RETIRED;
}

static enum cpu_step op_bsf(struct vx_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, SCAN_BSF);
}
static enum cpu_step op_bsr(struct vx_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, SCAN_BSR);
}
static enum cpu_step op_tzcnt(struct vx_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, SCAN_TZCNT);
}
static enum cpu_step op_lzcnt(struct vx_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, SCAN_LZCNT);
}
static enum cpu_step op_popcnt(struct vx_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, SCAN_POPCNT);
}

/* ---- BMI1: ANDN, BEXTR, BLSI, BLSMSK, BLSR ---- */
/*
 * VEX-encoded GPR instructions, 32- or 64-bit (VEX.W).  VEX.L = 1 and legacy prefixes before
 * VEX are #UD (SDM Vol. 2A 2.5.1 "Exception Conditions for VEX-Encoded GPR Instructions");
 * Zydis rejects those encodings (LOCK included; the handlers check LOCK again).  Every form
 * sets OF = 0.
 */

/* ANDN r, vvvv, r/m: DEST = NOT SRC1 AND SRC2; SF, ZF from the result, CF = 0. */
static enum cpu_step op_andn(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 a, b;
	if (!lock_ok(i, false))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 1, &a, 0);
	if (r != STEP_RETIRED || (r = op_get(c, i, 2, &b, 0)) != STEP_RETIRED)
		return r;
	u64 res = ~a & b & size_mask(size);
	reg_set(c, i->op[0].reg, size, res);
	flags_set_arith(c, RFLAGS_ARITH, szp(res, size));
	return STEP_RETIRED;
}

/* BEXTR r, r/m, vvvv: START = SRC2[7:0], LEN = SRC2[15:8]; bits past the operand are 0.
 * ZF from the result, CF = 0. */
static enum cpu_step op_bextr(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 src, ctl;
	if (!lock_ok(i, false))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 1, &src, 0);
	if (r != STEP_RETIRED || (r = op_get(c, i, 2, &ctl, 0)) != STEP_RETIRED)
		return r;
	unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
	u64 res = start < 64 ? (src & size_mask(size)) >> start : 0;
	if (len < 64)
		res &= BIT(len) - 1;
	reg_set(c, i->op[0].reg, size, res);
	flags_set_arith(c, RFLAGS_ARITH, szp(res, size));
	return STEP_RETIRED;
}

enum bls_kind { BLS_I, BLS_MSK, BLS_R };

/*
 * BLSI:   DEST = (-SRC) AND SRC;  CF = (SRC != 0).
 * BLSMSK: DEST = (SRC - 1) XOR SRC; CF = (SRC = 0), ZF = 0.
 * BLSR:   DEST = (SRC - 1) AND SRC; CF = (SRC = 0).
 * SF and ZF (BLSI, BLSR) from the result.
 */
static enum cpu_step bls(struct vx_cpu *c, const struct insn *i, enum bls_kind k)
{
	unsigned size = i->op[0].size;
	u64 s, res;
	if (!lock_ok(i, false))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 1, &s, 0);
	if (r != STEP_RETIRED)
		return r;
	s &= size_mask(size);
	bool cf = k == BLS_I ? s != 0 : s == 0;
	if (k == BLS_I)
		res = (0 - s) & s;
	else if (k == BLS_MSK)
		res = ((s - 1) ^ s) & size_mask(size);
	else
		res = (s - 1) & s;
	reg_set(c, i->op[0].reg, size, res);
	flags_set_arith(c, RFLAGS_ARITH, szp(res, size) | flag_if(cf, RFLAGS_CF));
	return STEP_RETIRED;
}

static enum cpu_step op_blsi(struct vx_cpu *c, const struct insn *i)
{
	return bls(c, i, BLS_I);
}
static enum cpu_step op_blsmsk(struct vx_cpu *c, const struct insn *i)
{
	return bls(c, i, BLS_MSK);
}
static enum cpu_step op_blsr(struct vx_cpu *c, const struct insn *i)
{
	return bls(c, i, BLS_R);
}

/* ---- XADD, CMPXCHG ---- */

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (so "xadd r, r" leaves 2 * r in r).
 * Flags as ADD.  The memory destination is written before the register. */
static enum cpu_step op_xadd(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 d, s;
	if (!lock_ok(i, true))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 0, &d, ACC_RMW);
	if (r != STEP_RETIRED || (r = op_get(c, i, 1, &s, 0)) != STEP_RETIRED)
		return r;
	u64 sum = (d + s) & size_mask(size);
	if (i->op[0].kind == OPK_MEM && (r = op_put(c, i, 0, sum)) != STEP_RETIRED)
		return r;
	reg_set(c, i->op[1].reg, size, d);
	if (i->op[0].kind != OPK_MEM)
		reg_set(c, i->op[0].reg, size, sum);
	lf_set(c, LF_ADD, size, d, s, sum);
	return STEP_RETIRED;
}

/*
 * CMPXCHG: compare the accumulator with DEST (flags as CMP accumulator, DEST).  Equal: DEST =
 * SRC, the accumulator is not written (RAX keeps bits 63:32 with a 32-bit operand).  Not
 * equal: accumulator = DEST.  "The destination operand is written back if the comparison
 * fails": a memory destination is written with its own value (so a read-only page faults
 * either way); a register destination is not written at all on failure, so a 32-bit one keeps
 * bits 63:32, as processors do (docs/decisions.md; the SDM's pseudo-code writes DEST).
 */
static enum cpu_step op_cmpxchg(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 d, s;
	if (!lock_ok(i, true))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 0, &d, ACC_RMW);
	if (r != STEP_RETIRED || (r = op_get(c, i, 1, &s, 0)) != STEP_RETIRED)
		return r;
	u64 acc = reg_get(c, REG_RAX, size);
	bool eq = acc == d;
	if (eq || i->op[0].kind == OPK_MEM)
		if ((r = op_put(c, i, 0, eq ? s : d)) != STEP_RETIRED)
			return r;
	if (!eq)
		reg_set(c, REG_RAX, size, d);
	lf_set(c, LF_SUB, size, acc, d, (acc - d) & size_mask(size));
	return STEP_RETIRED;
}

/* ---- CMPXCHG8B, CMPXCHG16B ---- */

/*
 * Compare EDX:EAX (RDX:RAX) with m64 (m128).  Equal: ZF = 1, DEST = ECX:EBX (RCX:RBX).  Not
 * equal: ZF = 0, EDX:EAX = DEST and DEST is written back unchanged.  Only ZF is affected.
 * CMPXCHG16B: #GP(0) "If memory operand for CMPXCHG16B is not aligned on a 16-byte boundary".
 * The two 8-byte halves are read with write intent (ACC_RMW) before either is written, so
 * a fault leaves memory and registers unchanged.
 */
static enum cpu_step op_cmpxchg8b16b(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o = &i->op[0];
	unsigned half = o->size / 2; /* 4 for CMPXCHG8B, 8 for CMPXCHG16B */
	unsigned acc = ACC_RMW | op_acc(o);
	u64 m[2] = {0, 0}, la;
	enum cpu_step r;
	if (o->kind != OPK_MEM || !lock_ok(i, true))
		return fault_ud(c);
	la = op_la(c, i, o);
	if (half == 8 && (la & 15))
		return fault_gp(c, 0);
	if (half == 4) {
		u64 v;
		if ((r = mem_read(c, la, 8, &v, acc)) != STEP_RETIRED)
			return r;
		m[0] = v & 0xffffffffull;
		m[1] = v >> 32;
	} else if ((r = mem_read(c, la, 8, &m[0], acc)) != STEP_RETIRED ||
		   (r = mem_read(c, la + 8, 8, &m[1], acc)) != STEP_RETIRED) {
		return r;
	}
	u64 mask = size_mask(half);
	bool eq = m[0] == (c->gpr[REG_RAX] & mask) && m[1] == (c->gpr[REG_RDX] & mask);
	u64 w[2] = {eq ? c->gpr[REG_RBX] & mask : m[0], eq ? c->gpr[REG_RCX] & mask : m[1]};
	if (half == 4) {
		r = mem_write(c, la, 8, w[0] | (w[1] << 32), op_acc(o));
	} else if ((r = mem_write(c, la, 8, w[0], op_acc(o))) == STEP_RETIRED) {
		r = mem_write(c, la + 8, 8, w[1], op_acc(o));
	}
	if (r != STEP_RETIRED)
		return r;
	if (!eq) {
		reg_set(c, REG_RAX, half, m[0]);
		reg_set(c, REG_RDX, half, m[1]);
	}
	flags_set_arith(c, RFLAGS_ZF, flag_if(eq, RFLAGS_ZF));
	return STEP_RETIRED;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_BT, op_bt},
    {ZYDIS_MNEMONIC_BTS, op_bts},
    {ZYDIS_MNEMONIC_BTR, op_btr},
    {ZYDIS_MNEMONIC_BTC, op_btc},
    {ZYDIS_MNEMONIC_BSF, op_bsf},
    {ZYDIS_MNEMONIC_BSR, op_bsr},
    {ZYDIS_MNEMONIC_TZCNT, op_tzcnt},
    {ZYDIS_MNEMONIC_LZCNT, op_lzcnt},
    {ZYDIS_MNEMONIC_POPCNT, op_popcnt},
    {ZYDIS_MNEMONIC_ANDN, op_andn},
    {ZYDIS_MNEMONIC_BEXTR, op_bextr},
    {ZYDIS_MNEMONIC_BLSI, op_blsi},
    {ZYDIS_MNEMONIC_BLSMSK, op_blsmsk},
    {ZYDIS_MNEMONIC_BLSR, op_blsr},
    {ZYDIS_MNEMONIC_XADD, op_xadd},
    {ZYDIS_MNEMONIC_CMPXCHG, op_cmpxchg},
    {ZYDIS_MNEMONIC_CMPXCHG8B, op_cmpxchg8b16b},
    {ZYDIS_MNEMONIC_CMPXCHG16B, op_cmpxchg8b16b},
};
OP_FAMILY_DEFINE(bit, defs);
