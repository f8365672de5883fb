/* SPDX-License-Identifier: MIT */
/*
 * Arithmetic flags (SDM Vol. 1 3.4.3.1 "Status Flags"; Vol. 2 instruction pages "Flags
 * Affected").  Lazy: arithmetic instructions record their inputs and result; a flag is
 * computed when an instruction reads it.  Undefined flags take the values documented in
 * docs/decisions.md ("Undefined flags").
 */
#ifndef VX_CPU_FLAGS_H
#define VX_CPU_FLAGS_H

#include "cpu/cpu.h"

#define RFLAGS_CF BIT(0)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_OF BIT(11)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT BIT(14)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_AC BIT(18)
#define RFLAGS_VIF BIT(19)
#define RFLAGS_VIP BIT(20)
#define RFLAGS_ID BIT(21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* Operand-size masks indexed by size in bytes (1, 2, 4, 8; other sizes: all ones). */
extern const u64 vx_size_mask[16];

static inline u64 size_mask(unsigned size)
{
	return vx_size_mask[size & 15];
}

static inline u64 sign_bit(unsigned size)
{
	return 1ull << ((size * 8 - 1) & 63);
}

/* Record an arithmetic result (the flags are computed on demand). */
static inline void lf_set(struct vx_cpu *c, enum lazy_op op, unsigned size, u64 dst, u64 src,
			  u64 res)
{
	c->lf.op = (u8)op;
	c->lf.size = (u8)size;
	c->lf.dst = dst;
	c->lf.src = src;
	c->lf.res = res;
}

bool flag_cf_slow(const struct vx_cpu *c);
bool flag_of(const struct vx_cpu *c);
bool flag_af(const struct vx_cpu *c);

/* CF of the common cases inline (compare/subtract, add, logic), the rest out of line. */
static inline bool flag_cf(const struct vx_cpu *c)
{
	u64 m = size_mask(c->lf.size);
	switch (c->lf.op) {
	case LF_SUB: return (c->lf.dst & m) < (c->lf.src & m);
	case LF_ADD: return (c->lf.res & m) < (c->lf.dst & m);
	case LF_LOGIC: return false;
	default: return flag_cf_slow(c);
	}
}

static inline bool flag_zf(const struct vx_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->rflags & RFLAGS_ZF;
	return (c->lf.res & size_mask(c->lf.size)) == 0;
}

static inline bool flag_sf(const struct vx_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->rflags & RFLAGS_SF;
	return c->lf.res & sign_bit(c->lf.size);
}

static inline bool parity8(u64 v)
{
	return !__builtin_parity((unsigned)(v & 0xff));
}

static inline bool flag_pf(const struct vx_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->rflags & RFLAGS_PF;
	return parity8(c->lf.res);
}

/* RFLAGS as software sees it (PUSHF, interrupts, VM exits). */
u64 cpu_rflags(const struct vx_cpu *c);
/* Load RFLAGS (all bits, arithmetic included); bit 1 forced to 1. */
static inline void cpu_set_rflags(struct vx_cpu *c, u64 v)
{
	c->rflags = v | RFLAGS_FIXED;
	c->lf.op = LF_NONE;
}
/* Replace the arithmetic flags in `mask` with those of `bits` (others keep their value). */
void flags_set_arith(struct vx_cpu *c, u64 mask, u64 bits);

/* Condition codes 0-15 (Jcc/SETcc/CMOVcc low opcode nibble: O NO B AE E NE BE A S NS P NP L
 * GE LE G). */
bool cpu_cond(const struct vx_cpu *c, unsigned cc);

/*
 * The same, inline for the producers that precede nearly every Jcc/SETcc/CMOVcc: after
 * SUB/CMP the conditions are the unsigned and signed relations of the operands (B: CF;
 * Z: ZF; BE: CF or ZF; L: SF != OF; LE: ZF or SF != OF, SDM Vol. 1 Appendix B "EFLAGS
 * Condition Codes"); after a logic operation CF = OF = 0.  Everything else: cpu_cond.
 */
static inline bool cpu_cond_fast(const struct vx_cpu *c, unsigned cc)
{
	const struct lazy_flags *l = &c->lf;
	bool r;
	if (l->op == LF_SUB) {
		unsigned sh = 64 - 8 * l->size;
		u64 d = l->dst << sh, s = l->src << sh; /* operands at the top of the word */
		switch (cc >> 1) {
		case 1: r = d < s; break;
		case 2: r = d == s; break;
		case 3: r = d <= s; break;
		case 6: r = (s64)d < (s64)s; break;
		case 7: r = (s64)d <= (s64)s; break;
		default: return cpu_cond(c, cc);
		}
		return (cc & 1) ? !r : r;
	}
	if (l->op == LF_LOGIC) {
		u64 v = l->res << (64 - 8 * l->size);
		switch (cc >> 1) {
		case 0:
		case 1: r = false; break;
		case 2:
		case 3: r = v == 0; break;
		case 4:
		case 6: r = (s64)v < 0; break;
		case 7: r = (s64)v <= 0; break;
		default: return cpu_cond(c, cc);
		}
		return (cc & 1) ? !r : r;
	}
	return cpu_cond(c, cc);
}

#endif
