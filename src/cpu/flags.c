// SPDX-License-Identifier: MIT
/*
 * Lazy arithmetic flags: CF, OF and AF from the recorded operation (SDM Vol. 1 3.4.3.1
 * "Status Flags", Vol. 2 ADD/ADC/SUB/SBB/CMP/INC/DEC/NEG/AND/OR/XOR/TEST "Flags Affected").
 *
 *   op      CF                         OF (sign bit of ...)             AF
 *   ADD     res < dst (unsigned)       (dst ^ res) & (src ^ res)       (dst ^ src ^ res) & 0x10
 *   ADC     cin ? res <= dst : res < dst    same as ADD                same as ADD
 *   SUB     dst < src                  (dst ^ src) & (dst ^ res)       same as ADD
 *   SBB     cin ? dst <= src : dst < src    same as SUB                same as ADD
 *   LOGIC   0                          0                               0 (undefined)
 *   INC     preserved                  res == sign bit                 (res & 0xf) == 0
 *   DEC     preserved                  dst == sign bit                 (res & 0xf) == 0xf
 *   NEG     dst != 0                   dst == sign bit                 (dst ^ res) & 0x10
 */
#include "cpu/flags.h"

const u64 vx_size_mask[16] = {
    ~0ull, 0xff,  0xffff, ~0ull, 0xffffffffull, ~0ull, ~0ull, ~0ull,
    ~0ull, ~0ull, ~0ull,  ~0ull, ~0ull,         ~0ull, ~0ull, ~0ull,
};

bool flag_cf_slow(const struct vx_cpu *c)
{
	u64 m = size_mask(c->lf.size);
	u64 d = c->lf.dst & m, s = c->lf.src & m, r = c->lf.res & m;
	switch (c->lf.op) {
	case LF_NONE: return c->rflags & RFLAGS_CF;
	case LF_ADD: return r < d;
	case LF_ADC: return c->lf.carry_in ? r <= d : r < d;
	case LF_SUB: return d < s;
	case LF_SBB: return c->lf.carry_in ? d <= s : d < s;
	case LF_INC:
	case LF_DEC: return c->lf.carry_in;
	case LF_NEG: return d != 0;
	default: return false; /* LF_LOGIC */
	}
}

bool flag_of(const struct vx_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->rflags & RFLAGS_OF;
	u64 sb = sign_bit(c->lf.size), m = size_mask(c->lf.size);
	u64 d = c->lf.dst, s = c->lf.src, r = c->lf.res;
	switch (c->lf.op) {
	case LF_ADD:
	case LF_ADC: return (d ^ r) & (s ^ r) & sb;
	case LF_SUB:
	case LF_SBB: return (d ^ s) & (d ^ r) & sb;
	case LF_INC: return (r & m) == sb;
	case LF_DEC:
	case LF_NEG: return (d & m) == sb;
	default: return false;
	}
}

bool flag_af(const struct vx_cpu *c)
{
	u64 d = c->lf.dst, s = c->lf.src, r = c->lf.res;
	switch (c->lf.op) {
	case LF_NONE: return c->rflags & RFLAGS_AF;
	case LF_ADD:
	case LF_ADC:
	case LF_SUB:
	case LF_SBB: return (d ^ s ^ r) & 0x10;
	case LF_INC: return (r & 0xf) == 0;
	case LF_DEC: return (r & 0xf) == 0xf;
	case LF_NEG: return (d ^ r) & 0x10;
	default: return false;
	}
}

/* All six at once; SUB/CMP, ADD and the logic operations (nearly every producer) in straight
 * line, by the rules of the table above. */
u64 cpu_rflags(const struct vx_cpu *c)
{
	const struct lazy_flags *l = &c->lf;
	if (l->op == LF_NONE)
		return c->rflags;
	u64 m = size_mask(l->size), sb = sign_bit(l->size), d = l->dst, s = l->src, r = l->res;
	u64 f = c->rflags & ~RFLAGS_ARITH;
	f |= (r & m) == 0 ? RFLAGS_ZF : 0;
	f |= r & sb ? RFLAGS_SF : 0;
	f |= parity8(r) ? RFLAGS_PF : 0;
	static_assert(RFLAGS_AF == 0x10, "AF is bit 4, the carry out of bit 3");
	switch (l->op) {
	case LF_SUB:
		f |= (d & m) < (s & m) ? RFLAGS_CF : 0;
		f |= (d ^ s) & (d ^ r) & sb ? RFLAGS_OF : 0;
		return f | ((d ^ s ^ r) & RFLAGS_AF);
	case LF_ADD:
		f |= (r & m) < (d & m) ? RFLAGS_CF : 0;
		f |= (d ^ r) & (s ^ r) & sb ? RFLAGS_OF : 0;
		return f | ((d ^ s ^ r) & RFLAGS_AF);
	case LF_LOGIC: return f;
	default:
		f |= flag_cf(c) ? RFLAGS_CF : 0;
		f |= flag_af(c) ? RFLAGS_AF : 0;
		f |= flag_of(c) ? RFLAGS_OF : 0;
		return f;
	}
}

void flags_set_arith(struct vx_cpu *c, u64 mask, u64 bits)
{
	/* All six replaced (shifts by a non-zero count): the old values are not needed. */
	u64 f = (mask & RFLAGS_ARITH) == RFLAGS_ARITH ? c->rflags : cpu_rflags(c);
	c->rflags = (f & ~mask) | (bits & mask);
	c->lf.op = LF_NONE;
}

bool cpu_cond(const struct vx_cpu *c, unsigned cc)
{
	bool r;
	switch (cc >> 1) {
	case 0: r = flag_of(c); break;
	case 1: r = flag_cf(c); break;
	case 2: r = flag_zf(c); break;
	case 3: r = flag_cf(c) || flag_zf(c); break;
	case 4: r = flag_sf(c); break;
	case 5: r = flag_pf(c); break;
	case 6: r = flag_sf(c) != flag_of(c); break;
	default: r = flag_zf(c) || flag_sf(c) != flag_of(c); break;
	}
	return (cc & 1) ? !r : r;
}
