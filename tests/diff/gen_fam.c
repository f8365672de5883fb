// SPDX-License-Identifier: MIT
/*
 * Differential test, instruction templates: one generator per family.  Each picks an
 * opcode form and operand size, registers and memory operands, gives the operands
 * interesting values, then calls finish() (gen.c) to encode and check the bytes.  Flags
 * whose definedness depends on a count are refined here from the SDM's "Flags Affected".
 * Compiled as part of tests/unit/test_diff.c, after gen.c.
 */

/* r/m, reg operand pair (or reg, r/m): both registers chosen now. */
static void modrm_pair(struct gen *g, unsigned size, bool mem)
{
	g->e.reg = (int)pick_reg(g, size == 1);
	g->e.reg_byte = size == 1;
	pick_rm(g, size, mem);
}

static du64 imm_of(struct gen *g, unsigned immsz)
{
	return val_any(&g->r, immsz) & dmask(immsz);
}

static unsigned imm_size(unsigned size)
{
	return size == 1 ? 1 : size == 2 ? 2 : 4; /* imm32 is sign-extended for 64-bit */
}

static void opc(struct gen *g, du8 a)
{
	g->e.op[0] = a;
	g->e.nop = 1;
}

static void opc2(struct gen *g, du8 a, du8 b)
{
	g->e.op[0] = a;
	g->e.op[1] = b;
	g->e.nop = 2;
}

/* Byte forms: one case in three uses no REX so that AH..BH can appear. */
static void maybe_hi8(struct gen *g, unsigned size)
{
	g->e.hi8 = size == 1 && chance(g, 3);
	if (!g->e.hi8 && chance(g, 12))
		g->e.rex40 = true; /* a REX with no bits: SPL..DIL forms, or redundant */
}

static void lock_if(struct gen *g, bool ok)
{
	if (ok && g->e.rm.mem && chance(g, 4))
		enc_pfx(&g->e, 0xf0);
}

/* ---- ADD OR ADC SBB AND SUB XOR CMP TEST ---- */

static bool gen_alu2(struct gen *g)
{
	unsigned k = (unsigned)below(g, 9), size = pick_size(g, true), form = (unsigned)below(g, 5);
	bool wide = size != 1, mem = chance(g, 2);
	if (k == 8 && form == 1)
		form = 0; /* TEST has no reg, r/m form */
	if (form == 4 && (size == 1 || k == 8))
		form = 3;
	maybe_hi8(g, size);
	enc_size(g, size);
	switch (form) {
	case 0:
	case 1:
		opc(g, (du8)(k == 8 ? 0x84u + wide : k * 8 + (form ? 2 : 0) + wide));
		modrm_pair(g, size, mem);
		set_reg(g, (unsigned)g->e.reg, size == 1, size, val_any(&g->r, size));
		set_rm(g, size, val_any(&g->r, size));
		lock_if(g, form == 0 && k < 7);
		break;
	case 2:
		opc(g, (du8)(k == 8 ? 0xa8u + wide : k * 8 + 4 + wide));
		set_reg(g, 0, false, size, val_any(&g->r, size));
		g->e.immsz = imm_size(size);
		g->e.imm = imm_of(g, g->e.immsz);
		break;
	default:
		opc(g, (du8)(k == 8 ? 0xf6 + wide : form == 4 ? 0x83 : 0x80 + wide));
		g->e.reg = k == 8 ? (chance(g, 16) ? 1 : 0) : (int)k; /* F6/F7 /1: TEST alias */
		pick_rm(g, size, mem);
		set_rm(g, size, val_any(&g->r, size));
		g->e.immsz = form == 4 ? 1 : imm_size(size);
		g->e.imm = imm_of(g, g->e.immsz);
		lock_if(g, k < 7);
		break;
	}
	return finish(g);
}

/* ---- INC DEC NOT NEG ---- */

static bool gen_alu1(struct gen *g)
{
	/* /0 INC and /1 DEC of FE/FF; /2 NOT and /3 NEG of F6/F7 */
	unsigned k = (unsigned)below(g, 4), size = pick_size(g, true);
	maybe_hi8(g, size);
	enc_size(g, size);
	opc(g, (du8)((k < 2 ? 0xfe : 0xf6) + (size != 1)));
	g->e.reg = (int)k;
	pick_rm(g, size, chance(g, 2));
	set_rm(g, size, val_any(&g->r, size));
	lock_if(g, true);
	return finish(g);
}

/* ---- shifts and rotates ---- */

static unsigned pick_count(struct gen *g, unsigned w)
{
	static const unsigned fixed[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};
	switch (below(g, 4)) {
	case 0: return fixed[below(g, sizeof(fixed) / sizeof(fixed[0]))];
	case 1: return (unsigned)(w - 1 + below(g, 3)); /* width-1, width, width+1 */
	case 2: return (unsigned)below(g, w + 1);
	default: return (unsigned)below(g, 256);
	}
}

/*
 * SDM Vol. 2B "SAL/SAR/SHL/SHR—Shift", "Flags Affected": a masked count of 0 affects no
 * flags; otherwise AF is undefined, OF is defined only for 1-bit shifts, and CF is
 * undefined for SHL and SHR when the count is >= the operand width.  "RCL/RCR/ROL/ROR—
 * Rotate": a masked count of 0 affects no flags; OF is defined only for 1-bit rotates;
 * SF, ZF, AF, PF are never affected.  The count is masked to 5 bits (6 with REX.W).
 */
static du64 shift_flag_mask(unsigned digit, unsigned size, unsigned count)
{
	unsigned w = 8 * size, cnt = count & (size == 8 ? 63 : 31);
	du64 m = DIFF_FLAGS;
	if (cnt == 0)
		return m;
	if (cnt != 1)
		m &= ~DIFF_OF;
	if (digit >= 4) {
		m &= ~DIFF_AF;
		if (digit != 7 && cnt >= w)
			m &= ~DIFF_CF;
	}
	return m;
}

static bool gen_shift(struct gen *g)
{
	static const du8 digits[] = {0, 1, 2, 3, 4, 5, 7, 4, 5, 7};
	unsigned size = pick_size(g, true), form = (unsigned)below(g, 3), count = 1;
	unsigned digit = chance(g, 32) ? 6 : digits[below(g, sizeof(digits))];
	bool wide = size != 1;
	maybe_hi8(g, size);
	enc_size(g, size);
	opc(g, (du8)((form == 0 ? 0xd0 : form == 1 ? 0xd2 : 0xc0) + wide));
	g->e.reg = (int)digit;
	pick_rm(g, size, chance(g, 2));
	set_rm(g, size, val_any(&g->r, size));
	if (form == 1) {
		set_reg(g, 1, true, 1, pick_count(g, 8 * size)); /* CL */
		g->used |= 1u << 1;
	} else if (form == 2) {
		g->e.immsz = 1;
		g->e.imm = count = pick_count(g, 8 * size);
	}
	if (!finish(g))
		return false;
	if (form == 1)
		count = g->c->gpr[1] & 0xff; /* the destination may be CL itself */
	g->c->flag_mask = shift_flag_mask(digit, size, count);
	return true;
}

/* ---- SHLD SHRD ---- */

/*
 * SDM Vol. 2B "SHLD—Double Precision Shift Left" / "SHRD—Double Precision Shift Right":
 * count masked to 5 bits (6 with REX.W); 0 changes nothing; a count greater than the operand
 * size (16-bit forms only) leaves the result and the flags undefined; otherwise AF is
 * undefined and OF is defined only for a 1-bit shift.
 */
static bool gen_shld(struct gen *g)
{
	unsigned size = pick_size(g, false), count, w = 8 * size;
	bool cl = chance(g, 2), right = chance(g, 2);
	enc_size(g, size);
	opc2(g, 0x0f, (du8)((right ? 0xac : 0xa4) + cl));
	modrm_pair(g, size, chance(g, 2));
	set_rm(g, size, val_any(&g->r, size));
	set_reg(g, (unsigned)g->e.reg, false, size, val_any(&g->r, size));
	if (cl) {
		set_reg(g, 1, true, 1, pick_count(g, w));
		g->used |= 1u << 1;
	} else {
		g->e.immsz = 1;
		g->e.imm = pick_count(g, w);
	}
	if (!finish(g))
		return false;
	count = (unsigned)(cl ? g->c->gpr[1] & 0xff : g->e.imm) & (size == 8 ? 63 : 31);
	if (count == 0) {
		g->c->flag_mask = DIFF_FLAGS;
	} else if (count > w) {
		g->c->flag_mask = DIFF_DF;
		if (g->e.rm.mem) {
			g->c->mem_ign_off = g->moff;
			g->c->mem_ign_len = (du16)size;
		} else {
			g->c->ign_reg = g->e.rm.reg;
			g->c->ign_mask = dmask(size);
		}
	} else {
		g->c->flag_mask = DIFF_FLAGS & ~DIFF_AF & ~(count == 1 ? 0 : DIFF_OF);
	}
	return true;
}

/* ---- MUL IMUL DIV IDIV ---- */

/* Dividend halves that divide cleanly, overflow (#DE), or sit on the signed edge. */
static void set_dividend(struct gen *g, unsigned size, du64 divisor, bool sign)
{
	du64 lo = val_any(&g->r, size) & dmask(size), hi, dv = divisor & dmask(size);
	switch (below(g, 5)) {
	case 0: hi = val_any(&g->r, size); break;                   /* often #DE */
	case 1: hi = sign && (lo & dsign(size)) ? ~0ull : 0; break; /* sign-extended */
	case 2: hi = dv ? drng_next(&g->r) % dv : 0; break;
	case 3: hi = dv >> 1; break;
	default: /* INT_MIN / -1 and neighbours */
		lo = sign ? 0 : lo;
		hi = sign ? ~0ull : 0;
		lo |= chance(g, 2) ? dsign(size) : 0;
		break;
	}
	if (size == 1) {
		set_reg(g, 0, false, 2, (hi & 0xff) << 8 | (lo & 0xff));
	} else {
		set_reg(g, 0, false, size, lo);
		set_reg(g, 2, false, size, hi);
	}
}

static bool gen_muldiv_1op(struct gen *g, unsigned size)
{
	unsigned digit = 4 + (unsigned)below(g, 4); /* MUL IMUL DIV IDIV */
	maybe_hi8(g, size);
	enc_size(g, size);
	opc(g, (du8)(0xf6 + (size != 1)));
	g->e.reg = (int)digit;
	g->used |= 1u << 0 | 1u << 2;
	pick_rm(g, size, chance(g, 2));
	du64 d = chance(g, 16) ? 0 : val_any(&g->r, size);
	if (chance(g, 4))
		d = 0 - d; /* negative divisors for IDIV */
	if (digit >= 6)
		set_dividend(g, size, d, digit == 7);
	else
		set_reg(g, 0, false, size, val_any(&g->r, size));
	set_rm(g, size, d);
	return finish(g);
}

static bool gen_muldiv(struct gen *g)
{
	unsigned form = (unsigned)below(g, 5), size = pick_size(g, form < 2);
	if (form < 2)
		return gen_muldiv_1op(g, size);
	enc_size(g, size);
	if (form == 2)
		opc2(g, 0x0f, 0xaf); /* IMUL r, r/m */
	else
		opc(g, form == 3 ? 0x69 : 0x6b); /* IMUL r, r/m, imm16/32 | imm8 */
	modrm_pair(g, size, chance(g, 2));
	set_reg(g, (unsigned)g->e.reg, false, size, val_any(&g->r, size));
	set_rm(g, size, val_any(&g->r, size));
	if (form >= 3) {
		g->e.immsz = form == 3 ? imm_size(size) : 1;
		g->e.imm = imm_of(g, g->e.immsz);
	}
	return finish(g);
}

/* ---- BT BTS BTR BTC ---- */

static bool gen_bit(struct gen *g)
{
	unsigned k = (unsigned)below(g, 4), size = pick_size(g, false);
	bool imm = chance(g, 2), mem = chance(g, 2);
	enc_size(g, size);
	if (imm) {
		opc2(g, 0x0f, 0xba);
		g->e.reg = (int)(4 + k);
		pick_rm(g, size, mem);
		g->e.immsz = 1;
		g->e.imm = below(g, 256);
	} else {
		static const du8 op[] = {0xa3, 0xab, 0xb3, 0xbb};
		opc2(g, 0x0f, op[k]);
		g->e.reg = (int)pick_reg(g, false);
		g->e.rm.mem = mem;
		if (mem) { /* a signed bit offset reaches +-256 bytes around the operand */
			g->moff = (du16)pick_off(g, size, 512, DIFF_DATA_SIZE - 512);
			du64 bits = (du64)((int64_t)below(g, 4096) - 2048);
			set_reg(g, (unsigned)g->e.reg, false, size, bits);
		} else {
			g->e.rm.reg = (du8)pick_reg(g, false);
			set_reg(g, (unsigned)g->e.reg, false, size, val_any(&g->r, size));
		}
	}
	set_rm(g, size, val_any(&g->r, size));
	lock_if(g, k != 0);
	return finish(g);
}

/* ---- BSF BSR TZCNT LZCNT POPCNT ---- */

static bool gen_bitscan(struct gen *g)
{
	unsigned k, size = pick_size(g, false);
	do
		k = (unsigned)below(g, 5);
	while ((k == 2 && !g->host->bmi1) || (k == 3 && !g->host->lzcnt) ||
	       (k == 4 && !g->host->popcnt));
	static const du8 op[] = {0xbc, 0xbd, 0xbc, 0xbd, 0xb8};
	if (k >= 2)
		enc_pfx(&g->e, 0xf3); /* TZCNT LZCNT POPCNT: F3 0F BC/BD/B8 */
	enc_size(g, size);
	opc2(g, 0x0f, op[k]);
	modrm_pair(g, size, chance(g, 2));
	du64 src = chance(g, 4) ? 0 : val_any(&g->r, size);
	if (chance(g, 4))
		src &= drng_next(&g->r); /* sparse */
	set_reg(g, (unsigned)g->e.reg, false, size, drng_next(&g->r));
	set_rm(g, size, src);
	if (!finish(g))
		return false;
	/* SDM Vol. 2A "BSF"/"BSR": a zero source leaves the destination undefined */
	if (k < 2 && get_rm(g, size) == 0) {
		g->c->ign_reg = (du8)g->e.reg;
		g->c->ign_mask = size == 2 ? 0xffff : ~0ull;
	}
	return true;
}

/* ---- XADD CMPXCHG XCHG ---- */

static bool gen_xchg(struct gen *g)
{
	unsigned k = (unsigned)below(g, 4), size = pick_size(g, k != 3);
	bool wide = size != 1;
	maybe_hi8(g, size);
	enc_size(g, size);
	if (k == 3) { /* XCHG rAX, r (90+r); 90 alone is NOP, so r8 with REX.B */
		unsigned r;
		do
			r = (unsigned)below(g, 16);
		while (r == 4 || r == 0);
		opc(g, 0x90);
		g->e.plusr = (int)r;
		set_reg(g, r, false, size, val_any(&g->r, size));
		set_reg(g, 0, false, size, val_any(&g->r, size));
		return finish(g);
	}
	static const du8 op[] = {0xc0, 0xb0, 0x86};
	if (k < 2)
		opc2(g, 0x0f, (du8)(op[k] + wide));
	else
		opc(g, (du8)(op[k] + wide));
	modrm_pair(g, size, chance(g, 2));
	if (chance(g, 8) && !g->e.rm.mem)
		g->e.rm.reg = (du8)g->e.reg; /* same register twice */
	set_reg(g, (unsigned)g->e.reg, size == 1, size, val_any(&g->r, size));
	set_rm(g, size, val_any(&g->r, size));
	if (k == 1) { /* CMPXCHG compares with the accumulator: equal half of the time */
		g->used |= 1u;
		set_reg(g, 0, false, size, chance(g, 2) ? get_rm(g, size) : val_any(&g->r, size));
	}
	lock_if(g, true);
	return finish(g);
}
