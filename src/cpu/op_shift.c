// SPDX-License-Identifier: MIT
/*
 * Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD.
 * SDM Vol. 2B 4.3 "SAL/SAR/SHL/SHR - Shift", "RCL/RCR/ROL/ROR - Rotate", "SHLD - Double
 * Precision Shift Left", "SHRD - Double Precision Shift Right".
 *
 * Count operand: an imm8 (C0/C1, SHLD/SHRD 0F A4/AC), CL (D2/D3, 0F A5/AD) or the constant 1
 * (D0/D1).  Zydis marks the CL and 1 operands implicit and decode.c leaves them out; the low
 * opcode nibble (insn.cc) then tells them apart: D0/D1 have bit 1 clear, D2/D3 have it set.
 *
 * Undefined flags take these values (docs/decisions.md "Undefined flags"):
 *   - OF for a masked count > 1: the SDM's count-1 formula evaluated at that count
 *     (SHL/RCL/ROL: MSB(result) XOR CF; SHR: MSB(original); SAR: 0; ROR: XOR of the two top
 *     result bits; RCR: MSB(original) XOR original CF; SHLD/SHRD: MSB(result) XOR
 *     MSB(original));
 *   - AF after a non-zero count: 0;
 *   - CF of SHL/SHR with count >= operand width (8/16-bit): the last bit the SDM's
 *     one-bit-at-a-time loop shifts out (0 once the operand is empty);
 *   - 16-bit SHLD/SHRD with count > 16 (result and flags undefined): the operation on the
 *     48-bit value DEST:SRC:DEST, flags computed from that result as for defined counts.
 * The destination is written even for a masked count of 0 (a 32-bit register is therefore
 * zero-extended, SDM Vol. 1 3.4.1.1 "General-Purpose Registers in 64-Bit Mode"); flags are
 * not touched then.
 */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

struct shres {
	u64 res;   /* new destination value */
	u64 flags; /* new values of the flags in mask */
	u64 mask;  /* RFLAGS bits the instruction writes */
};

/*
 * The raw count: the operand after the `nexplicit` shifted ones when the decoder lists it (an
 * imm8, or CL/1 if decode includes Zydis's visible implicit operands), else CL for D2/D3 and
 * SHLD/SHRD 0F A5/AD, else 1 (D0/D1).
 */
static unsigned shift_count(const struct vx_cpu *c, const struct insn *i, unsigned nexplicit)
{
	if (i->nops > nexplicit) {
		const struct operand *o = &i->op[nexplicit];
		if (o->kind == OPK_REG)
			return (unsigned)reg_get(c, o->reg, 1);
		return (unsigned)(i->imm & 0xff);
	}
	if (nexplicit == 2 || (i->cc & 2))
		return (unsigned)(c->gpr[1] & 0xff);
	return 1;
}

/* "The count is masked to 5 bits (or 6 bits if in 64-bit mode and REX.W is used)". */
static unsigned count_mask(unsigned size)
{
	return size == 8 ? 0x3f : 0x1f;
}

static inline __attribute__((always_inline)) u64 msb(u64 v, unsigned size)
{
	return (v >> (size * 8 - 1)) & 1;
}

/* SF, ZF and PF of a result, AF cleared (undefined for shifts). */
static inline __attribute__((always_inline)) u64 szp(u64 res, unsigned size)
{
	u64 f = 0;
	res &= size_mask(size);
	if (res & sign_bit(size))
		f |= RFLAGS_SF;
	if (!res)
		f |= RFLAGS_ZF;
	if (parity8(res))
		f |= RFLAGS_PF;
	return f;
}

static inline __attribute__((always_inline)) u64 cf_of(u64 cf, u64 of)
{
	return (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0);
}

/* SHL/SAL (n >= 1): CF = last bit shifted out, OF = MSB(result) XOR CF. */
static inline __attribute__((always_inline)) struct shres do_shl(u64 v, unsigned n, unsigned size)
{
	unsigned bits = size * 8;
	u64 res = (v << n) & size_mask(size);
	u64 cf = n <= bits ? (v >> (bits - n)) & 1 : 0;
	return (struct shres){res, szp(res, size) | cf_of(cf, msb(res, size) ^ cf), RFLAGS_ARITH};
}

/* SHR (n >= 1): OF = MSB of the original operand. */
static inline __attribute__((always_inline)) struct shres do_shr(u64 v, unsigned n, unsigned size)
{
	u64 res = v >> n; /* n <= 63; v is already masked to the operand size */
	u64 cf = n <= size * 8 ? (v >> (n - 1)) & 1 : 0;
	return (struct shres){res, szp(res, size) | cf_of(cf, msb(v, size)), RFLAGS_ARITH};
}

/* SAR (n >= 1): signed shift; CF = last bit out (the sign once n > width); OF = 0. */
static inline __attribute__((always_inline)) struct shres do_sar(u64 v, unsigned n, unsigned size)
{
	u64 sx = sext(v, size);
	u64 fill = (sx >> 63) ? ~0ull : 0;
	u64 res = ((sx >> n) | (fill << (63 - n) << 1)) & size_mask(size);
	u64 cf = (sx >> (n - 1)) & 1;
	return (struct shres){res, szp(res, size) | cf_of(cf, 0), RFLAGS_ARITH};
}

/*
 * ROL/ROR (n >= 1): rotate by n MOD width; CF = LSB (ROL) or MSB (ROR) of the result even
 * when n MOD width = 0; SF, ZF, AF and PF are unaffected.
 */
static inline __attribute__((always_inline)) struct shres do_rol(u64 v, unsigned n, unsigned size)
{
	unsigned bits = size * 8, r = n % bits;
	u64 res = r ? ((v << r) | (v >> (bits - r))) & size_mask(size) : v;
	u64 cf = res & 1;
	return (struct shres){res, cf_of(cf, msb(res, size) ^ cf), RFLAGS_CF | RFLAGS_OF};
}

static inline __attribute__((always_inline)) struct shres do_ror(u64 v, unsigned n, unsigned size)
{
	unsigned bits = size * 8, r = n % bits;
	u64 res = r ? ((v >> r) | (v << (bits - r))) & size_mask(size) : v;
	u64 cf = msb(res, size);
	return (struct shres){res, cf_of(cf, cf ^ msb(res << 1, size)), RFLAGS_CF | RFLAGS_OF};
}

/*
 * RCL/RCR (n >= 1): rotate through CF by n MOD 9 (8-bit), n MOD 17 (16-bit), or n (32/64-bit,
 * where n < width + 1 already); a MOD result of 0 leaves CF as it was.
 */
static struct shres do_rcl(u64 v, unsigned n, unsigned size, u64 cf)
{
	unsigned t = n % (size * 8 + 1);
	for (; t; t--) {
		u64 out = msb(v, size);
		v = ((v << 1) | cf) & size_mask(size);
		cf = out;
	}
	return (struct shres){v, cf_of(cf, msb(v, size) ^ cf), RFLAGS_CF | RFLAGS_OF};
}

static struct shres do_rcr(u64 v, unsigned n, unsigned size, u64 cf)
{
	unsigned t = n % (size * 8 + 1);
	u64 of = msb(v, size) ^ cf; /* the SDM computes OF before the rotation */
	for (; t; t--) {
		u64 out = v & 1;
		v = (v >> 1) | (cf << (size * 8 - 1));
		cf = out;
	}
	return (struct shres){v, cf_of(cf, of), RFLAGS_CF | RFLAGS_OF};
}

enum sh_kind { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

static struct shres shift_compute(const struct vx_cpu *c, enum sh_kind k, u64 v, unsigned n,
				  unsigned size)
{
	switch (k) {
	case SH_ROL: return do_rol(v, n, size);
	case SH_ROR: return do_ror(v, n, size);
	case SH_RCL: return do_rcl(v, n, size, flag_cf(c));
	case SH_RCR: return do_rcr(v, n, size, flag_cf(c));
	case SH_SHL: return do_shl(v, n, size);
	case SH_SHR: return do_shr(v, n, size);
	default: return do_sar(v, n, size);
	}
}

/*
 * Common body of the one-operand shifts and rotates.  LOCK is not allowed on them (SDM Vol.
 * 2A 3.2 "LOCK - Assert LOCK# Signal Prefix": #UD); Zydis already rejects it, this is the
 * model's own check.  "If the masked count is 0, the flags are not affected."
 */
static enum cpu_step shift_op(struct vx_cpu *c, const struct insn *i, enum sh_kind k)
{
	unsigned size = i->op[0].size;
	u64 v;
	if (i->prefix & INSN_LOCK)
		return fault_ud(c);
	unsigned n = shift_count(c, i, 1) & count_mask(size);
	enum cpu_step r = op_get(c, i, 0, &v, ACC_RMW);
	if (r != STEP_RETIRED)
		return r;
	struct shres s = {v, 0, 0};
	if (n)
		s = shift_compute(c, k, v, n, size);
	if ((r = op_put(c, i, 0, s.res)) != STEP_RETIRED)
		return r;
	if (n)
		flags_set_arith(c, s.mask, s.flags);
	return STEP_RETIRED;
}

static enum cpu_step op_rol(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_ROL);
}
static enum cpu_step op_ror(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_ROR);
}
static enum cpu_step op_rcl(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_RCL);
}
static enum cpu_step op_rcr(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_RCR);
}
static enum cpu_step op_shl(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_SHL);
}
static enum cpu_step op_shr(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_SHR);
}
static enum cpu_step op_sar(struct vx_cpu *c, const struct insn *i)
{
	return shift_op(c, i, SH_SAR);
}

/*
 * SHLD: DEST shifted left by n, vacated bits filled from the top of SRC; CF = BIT[DEST,
 * SIZE - n].  For 32/64-bit operands n < SIZE always.  16-bit operands with n > 16 are
 * undefined in the SDM; the model shifts the 48-bit value DEST:SRC:DEST (docs/decisions.md),
 * which gives the defined result for n <= 16.
 */
static struct shres do_shld(u64 d, u64 s, unsigned n, unsigned size)
{
	unsigned bits = size * 8;
	u64 res, cf;
	if (size == 2) {
		u64 w = (d << 32) | (s << 16) | d;
		res = ((w << n) >> 32) & 0xffff;
		cf = (w >> (48 - n)) & 1;
	} else {
		res = ((d << n) | (s >> (bits - n))) & size_mask(size);
		cf = (d >> (bits - n)) & 1;
	}
	return (struct shres){res, szp(res, size) | cf_of(cf, msb(res ^ d, size)), RFLAGS_ARITH};
}

/* SHRD: DEST shifted right by n, vacated bits filled from the bottom of SRC; CF = BIT[DEST,
 * n - 1].  16-bit n > 16: the 48-bit value DEST:SRC:DEST as for SHLD. */
static struct shres do_shrd(u64 d, u64 s, unsigned n, unsigned size)
{
	unsigned bits = size * 8;
	u64 res, cf;
	if (size == 2) {
		u64 w = (d << 32) | (s << 16) | d;
		res = (w >> n) & 0xffff;
		cf = (w >> (n - 1)) & 1;
	} else {
		res = ((d >> n) | (s << (bits - n))) & size_mask(size);
		cf = (d >> (n - 1)) & 1;
	}
	return (struct shres){res, szp(res, size) | cf_of(cf, msb(res ^ d, size)), RFLAGS_ARITH};
}

/* "If the count operand is 0, the flags are not affected"; the count is taken MOD 32 (MOD
 * 64 with REX.W). */
static enum cpu_step double_shift(struct vx_cpu *c, const struct insn *i, bool left)
{
	unsigned size = i->op[0].size;
	u64 d, s;
	if (i->prefix & INSN_LOCK)
		return fault_ud(c);
	unsigned n = shift_count(c, i, 2) & count_mask(size);
	enum cpu_step r = op_get(c, i, 0, &d, ACC_RMW);
	if (r != STEP_RETIRED)
		return r;
	if ((r = op_get(c, i, 1, &s, 0)) != STEP_RETIRED)
		return r;
	struct shres sr = {d, 0, 0};
	if (n)
		sr = left ? do_shld(d, s, n, size) : do_shrd(d, s, n, size);
	if ((r = op_put(c, i, 0, sr.res)) != STEP_RETIRED)
		return r;
	if (n)
		flags_set_arith(c, sr.mask, sr.flags);
	return STEP_RETIRED;
}

static enum cpu_step op_shld(struct vx_cpu *c, const struct insn *i)
{
	return double_shift(c, i, true);
}
static enum cpu_step op_shrd(struct vx_cpu *c, const struct insn *i)
{
	return double_shift(c, i, false);
}

/*
 * Register destination, immediate count: the form compilers emit (SHA-256's rotates, address
 * arithmetic), specialised at decode time.  Same computation as shift_op (the do_* helpers),
 * without the operand-kind dispatch; a LOCK prefix keeps the generic handler (#UD).
 */
#define SHIFT_REG_IMM(name, fn)                                                        \
	static enum cpu_step name(struct vx_cpu *c, const struct insn *i)              \
	{                                                                              \
		const struct operand *o = &i->op[0];                                   \
		unsigned n = (unsigned)(i->imm & 0xff) & count_mask(o->size);          \
		u64 v = opr_get(c, o);                                                 \
		if (!n) { /* no flags change, but a 32-bit write still zero-extends */ \
			opr_put(c, o, v);                                              \
			return STEP_RETIRED;                                           \
		}                                                                      \
		struct shres s = fn(v, n, o->size);                                    \
		opr_put(c, o, s.res);                                                  \
		flags_set_arith(c, s.mask, s.flags);                                   \
		return STEP_RETIRED;                                                   \
	}
SHIFT_REG_IMM(op_rol_ri, do_rol)
SHIFT_REG_IMM(op_ror_ri, do_ror)
SHIFT_REG_IMM(op_shl_ri, do_shl)
SHIFT_REG_IMM(op_shr_ri, do_shr)
SHIFT_REG_IMM(op_sar_ri, do_sar)

static bool reg_imm(const struct insn *i)
{
	return i->nops > 1 && i->op[0].kind == OPK_REG && i->op[1].kind == OPK_IMM &&
	       !(i->prefix & INSN_LOCK);
}

static op_fn *select_rol(const struct insn *i)
{
	return reg_imm(i) ? op_rol_ri : op_rol;
}
static op_fn *select_ror(const struct insn *i)
{
	return reg_imm(i) ? op_ror_ri : op_ror;
}
static op_fn *select_shl(const struct insn *i)
{
	return reg_imm(i) ? op_shl_ri : op_shl;
}
static op_fn *select_shr(const struct insn *i)
{
	return reg_imm(i) ? op_shr_ri : op_shr;
}
static op_fn *select_sar(const struct insn *i)
{
	return reg_imm(i) ? op_sar_ri : op_sar;
}

static const struct op_select sels[] = {
    {ZYDIS_MNEMONIC_ROL, select_rol}, {ZYDIS_MNEMONIC_ROR, select_ror},
    {ZYDIS_MNEMONIC_SHL, select_shl}, {ZYDIS_MNEMONIC_SHR, select_shr},
    {ZYDIS_MNEMONIC_SAR, select_sar},
};

/* Zydis decodes the undocumented /6 form of C0/C1/D0-D3 as SHL as well. */
static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_ROL, op_rol}, {ZYDIS_MNEMONIC_ROR, op_ror},   {ZYDIS_MNEMONIC_RCL, op_rcl},
    {ZYDIS_MNEMONIC_RCR, op_rcr}, {ZYDIS_MNEMONIC_SHL, op_shl},   {ZYDIS_MNEMONIC_SHR, op_shr},
    {ZYDIS_MNEMONIC_SAR, op_sar}, {ZYDIS_MNEMONIC_SHLD, op_shld}, {ZYDIS_MNEMONIC_SHRD, op_shrd},
};
OP_FAMILY_DEFINE_SEL(shift, defs, sels);
