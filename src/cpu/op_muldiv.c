// SPDX-License-Identifier: MIT
/*
 * Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV at 8, 16, 32
 * and 64 bits.  SDM Vol. 2B 4.3 "MUL - Unsigned Multiply", Vol. 2A 3.2 "IMUL - Signed
 * Multiply", "DIV - Unsigned Divide", "IDIV - Signed Divide"; #DE is SDM Vol. 3A 6.15
 * "Exception and Interrupt Reference" (Interrupt 0 - Divide Error Exception).
 *
 * Products and dividends are 128-bit (__int128); division works on unsigned magnitudes, so
 * no guest value reaches signed overflow in C (IDIV of the most negative value by -1).
 * Undefined flags (docs/decisions.md "Undefined flags"):
 *   - MUL/IMUL: SF, ZF and PF from the low half of the product (the value written to AL, AX,
 *     EAX, RAX or the destination register), AF = 0;
 *   - DIV/IDIV: all six arithmetic flags keep their previous values.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

typedef unsigned __int128 u128;

#define REG_RAX 0
#define REG_RDX 2

/* SF, ZF, PF of the low half, AF = 0, CF = OF = `wide`. */
static void mul_flags(struct vx_cpu *c, u64 lo, unsigned size, bool wide)
{
	u64 f = wide ? RFLAGS_CF | RFLAGS_OF : 0;
	lo &= size_mask(size);
	if (lo & sign_bit(size))
		f |= RFLAGS_SF;
	if (!lo)
		f |= RFLAGS_ZF;
	if (parity8(lo))
		f |= RFLAGS_PF;
	flags_set_arith(c, RFLAGS_ARITH, f);
}

/* The double-width result of the one-operand forms: AX, DX:AX, EDX:EAX or RDX:RAX. */
static void put_wide(struct vx_cpu *c, unsigned size, u64 lo, u64 hi)
{
	if (size == 1) {
		reg_set(c, REG_RAX, 2, (lo & 0xff) | ((hi & 0xff) << 8));
		return;
	}
	reg_set(c, REG_RAX, size, lo);
	reg_set(c, REG_RDX, size, hi);
}

static bool no_lock(const struct insn *i)
{
	/* SDM Vol. 2A 3.2 "LOCK - Assert LOCK# Signal Prefix": #UD for instructions not listed
	 * (Zydis rejects these encodings already; this is the model's own check). */
	return !(i->prefix & INSN_LOCK);
}

/* MUL: "The OF and CF flags are set to 0 if the upper half of the result is 0". */
static enum cpu_step op_mul(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 src;
	if (!no_lock(i))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 0, &src, 0);
	if (r != STEP_RETIRED)
		return r;
	u128 p = (u128)reg_get(c, REG_RAX, size) * src;
	u64 lo = (u64)p & size_mask(size);
	u64 hi = (u64)(p >> (size * 8)) & size_mask(size);
	put_wide(c, size, lo, hi);
	mul_flags(c, lo, size, hi != 0);
	return STEP_RETIRED;
}

/* Signed product of two operand-size values (at most 128 significant bits: no overflow). */
static __int128 smul(u64 a, u64 b, unsigned size)
{
	return (__int128)(s64)sext(a, size) * (__int128)(s64)sext(b, size);
}

/*
 * IMUL one-operand form: CF = OF = 1 when the high half holds significant bits; two- and
 * three-operand forms: CF = OF = 1 when the product was truncated to the operand size.  The
 * three-operand form's imm8/imm16/imm32 is sign-extended to the operand size.
 */
static enum cpu_step op_imul(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 a, b;
	enum cpu_step r;
	if (!no_lock(i))
		return fault_ud(c);
	if (i->nops == 1) {
		if ((r = op_get(c, i, 0, &b, 0)) != STEP_RETIRED)
			return r;
		a = reg_get(c, REG_RAX, size);
	} else {
		if ((r = op_get(c, i, i->nops - 2, &a, 0)) != STEP_RETIRED)
			return r;
		if ((r = op_get(c, i, i->nops - 1, &b, 0)) != STEP_RETIRED)
			return r;
		b = sext(b, i->op[i->nops - 1].size); /* imm: sign-extended; reg/mem: no-op */
	}
	__int128 p = smul(a, b, size);
	u64 lo = (u64)p & size_mask(size);
	bool wide = p != (__int128)(s64)sext(lo, size);
	if (i->nops == 1)
		put_wide(c, size, lo, (u64)((u128)p >> (size * 8)) & size_mask(size));
	else
		reg_set(c, i->op[0].reg, size, lo);
	mul_flags(c, lo, size, wide);
	return STEP_RETIRED;
}

/* The dividend: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 dividend(const struct vx_cpu *c, unsigned size)
{
	if (size == 1)
		return reg_get(c, REG_RAX, 2);
	return ((u128)reg_get(c, REG_RDX, size) << (size * 8)) | reg_get(c, REG_RAX, size);
}

/* DIV: #DE "If the source operand (divisor) is 0" or "If the quotient is too large for the
 * designated register"; nothing changes then. */
static enum cpu_step op_div(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 d;
	if (!no_lock(i))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 0, &d, 0);
	if (r != STEP_RETIRED)
		return r;
	if (d == 0)
		return fault_de(c);
	u128 n = dividend(c, size);
	u128 q = n / d;
	if (q > size_mask(size))
		return fault_de(c);
	put_wide(c, size, (u64)q, (u64)(n % d)); /* quotient to AL/AX/.., remainder to AH/DX/.. */
	return STEP_RETIRED;
}

/*
 * IDIV: truncating signed division; the remainder has the dividend's sign.  #DE when the
 * divisor is 0 or the quotient is outside the signed range of the operand size (this
 * includes the most negative dividend divided by -1).  Done on magnitudes in u128.
 */
static enum cpu_step op_idiv(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 d;
	if (!no_lock(i))
		return fault_ud(c);
	enum cpu_step r = op_get(c, i, 0, &d, 0);
	if (r != STEP_RETIRED)
		return r;
	if ((d & size_mask(size)) == 0)
		return fault_de(c);
	u128 n = dividend(c, size);
	bool nneg = (n >> (2 * bits - 1)) & 1;
	bool dneg = (d >> (bits - 1)) & 1;
	if (nneg && bits < 64)
		n |= ~(u128)0 << (2 * bits); /* sign-extend the 2*bits-wide dividend */
	u128 un = nneg ? (u128)0 - n : n;
	u64 ud = dneg ? 0 - sext(d, size) : d;
	u128 q = un / ud, rem = un % ud;
	bool qneg = nneg != dneg;
	u128 limit = ((u128)1 << (bits - 1)) - (qneg ? 0 : 1);
	if (q > limit)
		return fault_de(c);
	u64 qv = (u64)(qneg ? (u128)0 - q : q);
	u64 rv = (u64)(nneg ? (u128)0 - rem : rem);
	put_wide(c, size, qv, rv);
	return STEP_RETIRED;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_MUL, op_mul},
    {ZYDIS_MNEMONIC_IMUL, op_imul},
    {ZYDIS_MNEMONIC_DIV, op_div},
    {ZYDIS_MNEMONIC_IDIV, op_idiv},
};
OP_FAMILY_DEFINE(muldiv, defs);
