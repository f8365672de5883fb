// SPDX-License-Identifier: MIT
/*
 * Differential test, generator core: random numbers, interesting values, an x86-64 encoder
 * for the legacy/REX/ModRM/SIB forms the families use, register and memory operand choice,
 * and the final check of every case with Zydis (length, mnemonic, undefined flags).
 *
 * Registers are never RSP (the host runs on its own stack).  Without a REX prefix byte
 * registers 4-7 are AH CH DH BH, with one they are SPL BPL SIL DIL, so an instruction cannot
 * name AH..BH together with a REX-only register (SDM Vol. 2A 2.2.1 "REX Prefixes").
 */
#include <Zydis/Zydis.h>
#include <cpuid.h>
#include <string.h>

#include "cpu/decode.h"
#include "diff.h"

/* ---- random numbers ---- */

du64 drng_next(struct drng *r)
{
	du64 z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

du64 drng_below(struct drng *r, du64 n)
{
	return n ? drng_next(r) % n : 0;
}

du64 diff_case_seed(du64 seed, unsigned fam, du32 index)
{
	struct drng r = {seed ^ ((du64)fam << 40) ^ ((du64)index * 0xd1b54a32d192ed03ull)};
	drng_next(&r);
	return drng_next(&r);
}

static du64 dmask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static du64 dsign(unsigned size)
{
	return 1ull << (8 * size - 1);
}

/* Values that sit on the boundaries of `size`-byte arithmetic (0, 1, -1, sign bits ...). */
static du64 val_any(struct drng *r, unsigned size)
{
	static const du64 special[] = {
	    0,
	    1,
	    2,
	    3,
	    0x7f,
	    0x80,
	    0xff,
	    0x100,
	    0x7fff,
	    0x8000,
	    0xffff,
	    0x10000,
	    0x7fffffff,
	    0x80000000,
	    0xffffffff,
	    0x100000000,
	    ~0ull,
	    ~0ull - 1,
	    1ull << 63,
	    ~0ull >> 1,
	    0x5555555555555555ull,
	    0xaaaaaaaaaaaaaaaaull,
	    0x0123456789abcdefull,
	    0xfedcba9876543210ull,
	};
	du64 v;
	switch (drng_below(r, 10)) {
	case 0:
	case 1: v = special[drng_below(r, sizeof(special) / sizeof(special[0]))]; break;
	case 2: v = dsign(size) + drng_below(r, 3) - 1; break; /* around the sign bit */
	case 3: v = dmask(size) >> 1; break;                   /* the largest positive */
	case 4: v = drng_below(r, 17); break;
	case 5: v = 0 - drng_below(r, 17); break;
	case 6: v = 1ull << drng_below(r, 8 * size); break;
	default: v = drng_next(r); break;
	}
	return v;
}

/* A fresh register value: random, or interesting at some width. */
static du64 val_reg(struct drng *r)
{
	static const unsigned sizes[] = {1, 2, 4, 8};
	return drng_below(r, 2) ? drng_next(r) : val_any(r, sizes[drng_below(r, 4)]);
}

/* ---- host features ---- */

void diff_host_probe(struct diff_host *h)
{
	unsigned a, b, c, d;
	memset(h, 0, sizeof(*h));
	if (__get_cpuid(0, &a, &b, &c, &d)) {
		memcpy(h->vendor, &b, 4);
		memcpy(h->vendor + 4, &d, 4);
		memcpy(h->vendor + 8, &c, 4);
	}
	if (__get_cpuid(1, &a, &b, &c, &d))
		h->popcnt = c & (1u << 23); /* CPUID.01H:ECX.POPCNT[bit 23] */
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		h->bmi1 = b & (1u << 3); /* CPUID.(EAX=07H,ECX=0):EBX.BMI1[bit 3] */
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		h->lzcnt = c & (1u << 5); /* CPUID.80000001H:ECX.LZCNT[bit 5] */
}

/* ---- encoder ---- */

#define RM_NONE 0xff
#define RM_RIP 0xfe

struct rmop {
	bool mem;
	du8 reg;   /* register form: encoding number 0-15 */
	du8 base;  /* RM_NONE, RM_RIP or a GPR */
	du8 index; /* RM_NONE or a GPR (never RSP) */
	du8 scale; /* log2 */
	du8 dsz;   /* displacement bytes: 0, 1 or 4 */
	du32 disp;
	du64 target; /* RM_RIP: the linear address to reach */
};

struct enc {
	du8 pfx[4]; /* legacy prefixes in emission order */
	unsigned npfx;
	bool w, rex40;          /* REX.W; emit a REX prefix even with no bit set */
	bool hi8;               /* no REX allowed: byte registers 4-7 are AH..BH */
	bool reg_byte, rm_byte; /* ModRM.reg / ModRM.rm name byte registers */
	du8 op[3];
	unsigned nop;
	int reg;   /* ModRM.reg (register or /digit), -1 when there is no ModRM */
	int plusr; /* register in the opcode's low 3 bits, -1 none */
	bool plusr_byte;
	struct rmop rm;
	du64 imm;
	unsigned immsz;
};

static void enc_reset(struct enc *e)
{
	memset(e, 0, sizeof(*e));
	e->reg = -1;
	e->plusr = -1;
}

static void enc_pfx(struct enc *e, du8 p)
{
	if (e->npfx < sizeof(e->pfx))
		e->pfx[e->npfx++] = p;
}

static bool byte_needs_rex(bool byte, unsigned r)
{
	return byte && r >= 4 && r < 8; /* SPL BPL SIL DIL */
}

static du8 enc_rex(const struct enc *e)
{
	du8 rex = (du8)(e->w ? 8 : 0);
	if (e->reg >= 8)
		rex |= 4;
	if (e->reg >= 0 && e->rm.mem && e->rm.index != RM_NONE && e->rm.index >= 8)
		rex |= 2;
	if (e->reg >= 0 && !e->rm.mem && e->rm.reg >= 8)
		rex |= 1;
	if (e->reg >= 0 && e->rm.mem && e->rm.base < 16 && e->rm.base >= 8)
		rex |= 1;
	if (e->plusr >= 8)
		rex |= 1;
	return rex;
}

/* ModRM, SIB and displacement of a memory operand; *rip_at = offset of a RIP disp32. */
static unsigned enc_mem(const struct rmop *m, unsigned reg, du8 *p, int *rip_at)
{
	unsigned n = 0, dsz = m->dsz;
	du8 r3 = (du8)((reg & 7) << 3);
	if (m->base == RM_RIP) {
		p[n++] = r3 | 5;
		*rip_at = (int)n;
		dsz = 4;
	} else if (m->base == RM_NONE) {
		unsigned x = m->index == RM_NONE ? 4 : (m->index & 7u);
		p[n++] = r3 | 4;
		p[n++] = (du8)(m->scale << 6 | x << 3 | 5);
		dsz = 4;
	} else {
		unsigned b = m->base & 7u;
		if (dsz == 0 && b == 5)
			dsz = 1; /* [rbp]/[r13] need a displacement (mod 00 means RIP/none) */
		du8 mod = (du8)(dsz == 0 ? 0 : dsz == 1 ? 0x40 : 0x80);
		if (b == 4 || m->index != RM_NONE) {
			unsigned x = m->index == RM_NONE ? 4 : (m->index & 7u);
			p[n++] = mod | r3 | 4;
			p[n++] = (du8)(m->scale << 6 | x << 3 | b);
		} else {
			p[n++] = mod | r3 | (du8)b;
		}
	}
	for (unsigned k = 0; k < dsz; k++)
		p[n++] = (du8)(m->disp >> (8 * k));
	return n;
}

/* Encodes at linear address `addr`; false when the operands cannot be encoded together. */
static bool enc_emit(const struct enc *e, du64 addr, du8 *out, du8 *len)
{
	du8 b[32];
	unsigned n = 0;
	int rip_at = -1;
	du8 rex = enc_rex(e);
	bool need = rex || e->rex40 || byte_needs_rex(e->reg_byte, (unsigned)e->reg) ||
		    (!e->rm.mem && e->reg >= 0 && byte_needs_rex(e->rm_byte, e->rm.reg)) ||
		    (e->plusr >= 0 && byte_needs_rex(e->plusr_byte, (unsigned)e->plusr));
	if (need && e->hi8)
		return false;
	for (unsigned k = 0; k < e->npfx; k++)
		b[n++] = e->pfx[k];
	if (need)
		b[n++] = 0x40 | rex;
	for (unsigned k = 0; k < e->nop; k++)
		b[n++] = e->op[k];
	if (e->plusr >= 0)
		b[n - 1] = (du8)(b[n - 1] | (e->plusr & 7));
	if (e->reg >= 0) {
		if (e->rm.mem) {
			unsigned at = n;
			n += enc_mem(&e->rm, (unsigned)e->reg, b + n, &rip_at);
			if (rip_at >= 0)
				rip_at += (int)at;
		} else {
			b[n++] = (du8)(0xc0 | (e->reg & 7) << 3 | (e->rm.reg & 7));
		}
	}
	for (unsigned k = 0; k < e->immsz; k++)
		b[n++] = (du8)(e->imm >> (8 * k));
	if (n > 15)
		return false;
	if (rip_at >= 0) {
		du64 d = e->rm.target - (addr + n);
		if ((int64_t)d != (int32_t)(du32)d)
			return false;
		for (unsigned k = 0; k < 4; k++)
			b[rip_at + (int)k] = (du8)(d >> (8 * k));
	}
	memcpy(out, b, n);
	*len = (du8)n;
	return true;
}

/* ---- the case being built ---- */

struct gen {
	struct drng r;
	struct dcase *c;
	const struct diff_host *host;
	struct enc e;
	du32 used;     /* GPRs whose values the template set: address registers avoid them */
	du16 moff;     /* memory operand: offset of its target in the data page */
	bool any_addr; /* LEA: the "memory" target may be any address */
	du64 lea_target;
};

static du64 below(struct gen *g, du64 n)
{
	return drng_below(&g->r, n);
}

static bool chance(struct gen *g, unsigned one_in)
{
	return drng_below(&g->r, one_in) == 0;
}

static unsigned pick_size(struct gen *g, bool byte_ok)
{
	static const unsigned sizes[] = {1, 2, 4, 8};
	return byte_ok ? sizes[below(g, 4)] : sizes[1 + below(g, 3)];
}

/* Operand-size prefixes: 66 for 16 bits, REX.W for 64 bits. */
static void enc_size(struct gen *g, unsigned size)
{
	if (size == 2)
		enc_pfx(&g->e, 0x66);
	g->e.w = size == 8;
}

/* The GPR that holds register operand `id` (AH..BH live in RAX..RBX). */
static unsigned phys_of(const struct gen *g, unsigned id, bool byte)
{
	return (byte && g->e.hi8 && id >= 4 && id < 8) ? id - 4 : id;
}

static unsigned pick_reg(struct gen *g, bool byte)
{
	unsigned id;
	do
		id = (unsigned)below(g, g->e.hi8 ? 8 : 16);
	while (id == 4 && !(byte && g->e.hi8));
	return id;
}

static void use_reg(struct gen *g, unsigned id, bool byte)
{
	g->used |= 1u << phys_of(g, id, byte);
}

static void set_reg(struct gen *g, unsigned id, bool byte, unsigned size, du64 v)
{
	du64 *r = &g->c->gpr[phys_of(g, id, byte)];
	if (byte && g->e.hi8 && id >= 4 && id < 8)
		*r = (*r & ~0xff00ull) | (v & 0xff) << 8;
	else
		*r = (*r & ~dmask(size)) | (v & dmask(size));
	use_reg(g, id, byte);
}

static du64 get_reg(const struct gen *g, unsigned id, bool byte, unsigned size)
{
	du64 r = g->c->gpr[phys_of(g, id, byte)];
	if (byte && g->e.hi8 && id >= 4 && id < 8)
		return (r >> 8) & 0xff;
	return r & dmask(size);
}

static void add_patch(struct gen *g, unsigned off, unsigned size, du64 v)
{
	struct dcase *c = g->c;
	if (c->npatch < DIFF_MAX_PATCH)
		c->patch[c->npatch++] = (struct diff_patch){(du16)off, (du8)size, v};
}

/* A data-page offset for a `size`-byte operand: aligned or not, away from the edges. */
static unsigned pick_off(struct gen *g, unsigned size, unsigned lo, unsigned hi)
{
	unsigned off = lo + (unsigned)below(g, hi - lo - size + 1);
	if (chance(g, 2))
		off &= ~(size - 1);
	return off < lo ? lo : off;
}

/* The ModRM.rm operand: a register, or memory at a fresh data-page offset. */
static void pick_rm(struct gen *g, unsigned size, bool mem)
{
	g->e.rm_byte = size == 1;
	g->e.rm.mem = mem;
	if (mem)
		g->moff = (du16)pick_off(g, size, 0, DIFF_DATA_SIZE);
	else
		g->e.rm.reg = (du8)pick_reg(g, size == 1);
}

static void set_rm(struct gen *g, unsigned size, du64 v)
{
	if (g->e.rm.mem)
		add_patch(g, g->moff, size, v);
	else
		set_reg(g, g->e.rm.reg, size == 1, size, v);
}

static du64 get_rm_patch(const struct gen *g, unsigned size)
{
	for (unsigned k = g->c->npatch; k-- > 0;)
		if (g->c->patch[k].off == g->moff)
			return g->c->patch[k].val & dmask(size);
	return 0;
}

static du64 get_rm(const struct gen *g, unsigned size)
{
	if (g->e.rm.mem)
		return get_rm_patch(g, size);
	return get_reg(g, g->e.rm.reg, size == 1, size);
}

/* A free GPR for addressing, or RM_NONE when none is left. */
static du8 addr_reg(struct gen *g)
{
	unsigned n = g->e.hi8 ? 8 : 16;
	for (unsigned tries = 0; tries < 64; tries++) {
		unsigned r = (unsigned)below(g, n);
		if (r != 4 && !(g->used >> r & 1)) {
			g->used |= 1u << r;
			return (du8)r;
		}
	}
	return RM_NONE;
}

static du32 rand_disp(struct gen *g, unsigned dsz)
{
	if (dsz == 0)
		return 0;
	if (dsz == 1)
		return (du32)(int32_t)(int8_t)below(g, 256);
	return chance(g, 2) ? (du32)drng_next(&g->r)
			    : (du32)(int32_t)((int)below(g, 0x20000) - 0x10000);
}

/* [base + index*scale + disp] with register values that reach `target`; a32: 67 prefix. */
static void mem_regs(struct gen *g, struct rmop *m, du64 target, bool with_base, bool a32)
{
	du64 ea = 0;
	m->index = RM_NONE;
	if (chance(g, 2)) {
		m->index = addr_reg(g);
		if (m->index != RM_NONE) {
			m->scale = (du8)below(g, 4);
			du64 iv = val_reg(&g->r);
			g->c->gpr[m->index] = iv;
			ea = iv << m->scale;
		}
	}
	m->base = with_base ? addr_reg(g) : RM_NONE;
	du64 need = target - (du64)(int64_t)(int32_t)m->disp - ea;
	if (m->base != RM_NONE) {
		g->c->gpr[m->base] = a32 ? (drng_next(&g->r) << 32) | (du32)need : need;
	} else if (m->index != RM_NONE) {
		/* no base: index*scale + disp32 must be the target exactly */
		du64 iv = (target - (du64)(int64_t)(int32_t)m->disp) >> m->scale;
		m->disp = (du32)(target - (iv << m->scale));
		if (a32)
			iv = (drng_next(&g->r) << 32) | (du32)iv;
		g->c->gpr[m->index] = iv;
	} else {
		m->disp = (du32)target; /* absolute [disp32] */
	}
}

/* Chooses an addressing form for the memory operand at DIFF_DATA + g->moff. */
static void pick_mem(struct gen *g)
{
	struct rmop *m = &g->e.rm;
	du64 target = g->any_addr ? g->lea_target : DIFF_DATA + g->moff;
	unsigned kind = (unsigned)below(g, 16);
	bool a32 = kind >= 14 && target < (1ull << 32);
	m->dsz = (du8)(kind < 4 ? 0 : kind < 10 ? 1 : 4);
	m->disp = rand_disp(g, m->dsz);
	if (kind == 13 && target - DIFF_CODE < (1ull << 30)) {
		m->base = RM_RIP;
		m->index = RM_NONE;
		m->target = target;
		return;
	}
	if (a32)
		enc_pfx(&g->e, 0x67);
	if (kind == 12 && target < (1ull << 31)) {
		m->base = m->index = RM_NONE;
		m->disp = (du32)target;
		return;
	}
	mem_regs(g, m, target, !(kind == 11 && target < (1ull << 31)), a32);
	if (m->base == RM_NONE && m->index == RM_NONE && target >= (1ull << 31))
		m->disp = 0; /* unreachable target with no register left: [disp32] of 0 */
	/* SDM Vol. 1 3.4.2.1 "Segment Registers in 64-Bit Mode": CS/DS/ES/SS bases are 0 */
	if (chance(g, 16))
		enc_pfx(&g->e, (du8) "\x3e\x26\x2e\x36"[below(g, 4)]);
}

/* ---- finishing a case ---- */

static ZydisDecoder zdec;
static bool zdec_ready;

static ZyanStatus zdecode(const du8 *b, unsigned len, ZydisDecodedInstruction *zi,
			  ZydisDecodedOperand *zo)
{
	if (!zdec_ready) {
		ZydisDecoderInit(&zdec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		zdec_ready = true;
	}
	return ZydisDecoderDecodeFull(&zdec, b, len, zi, zo);
}

/*
 * Picks address registers, encodes, and checks the bytes with Zydis: they must decode to
 * exactly `len` bytes.  The flags compared are DF and the arithmetic flags minus those
 * Zydis lists as undefined for the instruction (its table follows the SDM's "Flags
 * Affected"); templates refine that for count-dependent rules.
 */
static bool finish(struct gen *g)
{
	struct dcase *c = g->c;
	if (g->e.reg >= 0 && g->e.rm.mem)
		pick_mem(g);
	if (!enc_emit(&g->e, diff_code_addr(c), c->bytes, &c->len))
		return false;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	if (!ZYAN_SUCCESS(zdecode(c->bytes, c->len, &zi, zo)))
		return c->expect_ud;
	if (c->expect_ud) {
		c->mnemonic = (du16)zi.mnemonic;
		return zi.mnemonic == ZYDIS_MNEMONIC_UD2 && zi.length == c->len;
	}
	if (zi.length != c->len)
		return false;
	c->mnemonic = (du16)zi.mnemonic;
	c->skip = !decode_has_handler(zi.mnemonic);
	c->flag_mask = DIFF_FLAGS & ~(du64)zi.cpu_flags->undefined;
	return true;
}
