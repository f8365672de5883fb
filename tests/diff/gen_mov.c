// SPDX-License-Identifier: MIT
/*
 * Differential test, templates for data movement, string instructions and #UD encodings,
 * and the entry point diff_gen().  Compiled as part of tests/unit/test_diff.c, after
 * gen.c and gen_fam.c.
 */

/* ---- MOV MOVZX MOVSX MOVSXD LEA CMOVcc SETcc BSWAP CBW..CQO ---- */

/* MOV r/m,r | r,r/m | r/m,imm | r,imm (B0+r, B8+r with imm64 under REX.W). */
static bool gen_mov_basic(struct gen *g, unsigned form)
{
	unsigned size = pick_size(g, true);
	bool wide = size != 1;
	maybe_hi8(g, size);
	enc_size(g, size);
	if (form < 2) {
		opc(g, (du8)(0x88 + (form ? 2 : 0) + wide));
		modrm_pair(g, size, chance(g, 2));
		set_reg(g, (unsigned)g->e.reg, size == 1, size, val_any(&g->r, size));
		set_rm(g, size, val_any(&g->r, size));
	} else if (form == 2) {
		opc(g, (du8)(0xc6 + wide));
		g->e.reg = 0;
		pick_rm(g, size, chance(g, 2));
		set_rm(g, size, val_any(&g->r, size));
		g->e.immsz = imm_size(size);
		g->e.imm = imm_of(g, g->e.immsz);
	} else {
		unsigned r = pick_reg(g, size == 1);
		opc(g, wide ? 0xb8 : 0xb0);
		g->e.plusr = (int)r;
		g->e.plusr_byte = size == 1;
		set_reg(g, r, size == 1, size, drng_next(&g->r));
		g->e.immsz = size;
		g->e.imm = imm_of(g, size);
	}
	return finish(g);
}

/* MOV AL/rAX, moffs and back (A0-A3): a 64-bit absolute address, 32-bit under 67. */
static bool gen_mov_moffs(struct gen *g)
{
	unsigned size = pick_size(g, true), store = (unsigned)below(g, 2);
	bool a32 = chance(g, 4);
	if (a32)
		enc_pfx(&g->e, 0x67);
	enc_size(g, size);
	opc(g, (du8)(0xa0 + 2 * store + (size != 1)));
	g->moff = (du16)pick_off(g, size, 0, DIFF_DATA_SIZE);
	g->e.immsz = a32 ? 4 : 8;
	g->e.imm = DIFF_DATA + g->moff;
	set_reg(g, 0, false, size, val_any(&g->r, size));
	add_patch(g, g->moff, size, val_any(&g->r, size));
	return finish(g);
}

/* MOVZX / MOVSX (0F B6/B7/BE/BF) and MOVSXD (63). */
static bool gen_movx(struct gen *g, unsigned kind)
{
	unsigned src = chance(g, 2) ? 1 : 2, dst;
	if (kind == 2) { /* MOVSXD r16/r32/r64, r/m32 (SDM Vol. 2B "MOVSX/MOVSXD") */
		dst = pick_size(g, false);
		src = 4;
		opc(g, 0x63);
	} else {
		dst = src == 1 ? pick_size(g, false)
			       : 2 + 2 * (unsigned)below(g, 2) + 2 * chance(g, 2);
		if (dst == 6)
			dst = 8;
		opc2(g, 0x0f, (du8)((kind ? 0xbe : 0xb6) + (src == 2)));
	}
	g->e.hi8 = src == 1 && dst != 8 && chance(g, 3);
	enc_size(g, dst);
	g->e.reg = (int)pick_reg(g, false);
	pick_rm(g, src, chance(g, 2));
	set_reg(g, (unsigned)g->e.reg, false, 8, drng_next(&g->r));
	set_rm(g, src, val_any(&g->r, src));
	return finish(g);
}

/* LEA: the address is computed, never accessed, so any target will do. */
static bool gen_lea(struct gen *g)
{
	unsigned size = pick_size(g, false);
	enc_size(g, size);
	opc(g, 0x8d);
	g->e.reg = (int)pick_reg(g, false);
	g->e.rm.mem = true;
	g->moff = (du16)below(g, DIFF_DATA_SIZE);
	g->any_addr = chance(g, 2);
	g->lea_target = drng_next(&g->r);
	set_reg(g, (unsigned)g->e.reg, false, 8, drng_next(&g->r));
	return finish(g);
}

/* CMOVcc r, r/m (0F 40+cc) and SETcc r/m8 (0F 90+cc): conditions read the seeded flags. */
static bool gen_cc(struct gen *g, bool set)
{
	unsigned cc = (unsigned)below(g, 16), size = set ? 1 : pick_size(g, false);
	if (set)
		maybe_hi8(g, 1);
	enc_size(g, size);
	opc2(g, 0x0f, (du8)((set ? 0x90 : 0x40) + cc));
	if (set) {
		g->e.reg = 0;
		pick_rm(g, 1, chance(g, 2));
	} else {
		modrm_pair(g, size, chance(g, 2));
		set_reg(g, (unsigned)g->e.reg, false, size, val_any(&g->r, size));
	}
	set_rm(g, size, val_any(&g->r, size));
	return finish(g);
}

/* BSWAP r32/r64 (0F C8+r); 16-bit BSWAP leaves the result undefined (SDM "BSWAP"). */
static bool gen_bswap(struct gen *g)
{
	unsigned size = chance(g, 16) ? 2 : 4 + 4 * (unsigned)below(g, 2);
	unsigned r = pick_reg(g, false);
	enc_size(g, size);
	opc2(g, 0x0f, 0xc8);
	g->e.plusr = (int)r;
	set_reg(g, r, false, 8, val_any(&g->r, 8));
	if (size == 2) {
		g->c->ign_reg = (du8)r;
		g->c->ign_mask = 0xffff;
	}
	return finish(g);
}

/* CBW CWDE CDQE (98) and CWD CDQ CQO (99). */
static bool gen_cbw(struct gen *g)
{
	unsigned size = pick_size(g, false);
	enc_size(g, size);
	opc(g, chance(g, 2) ? 0x98 : 0x99);
	set_reg(g, 0, false, size, val_any(&g->r, size));
	return finish(g);
}

static bool gen_mov(struct gen *g)
{
	unsigned k = (unsigned)below(g, 14);
	switch (k) {
	case 0:
	case 1:
	case 2:
	case 3: return gen_mov_basic(g, k);
	case 4: return gen_mov_moffs(g);
	case 5:
	case 6:
	case 7: return gen_movx(g, k - 5);
	case 8: return gen_lea(g);
	case 9:
	case 10: return gen_cc(g, k == 10);
	case 11: return gen_bswap(g);
	default: return gen_cbw(g);
	}
}

/* ---- MOVS CMPS STOS LODS SCAS with REP / REPE / REPNE ---- */

static du64 string_ptr(struct gen *g, unsigned off, bool a32)
{
	return (a32 ? drng_next(&g->r) << 32 : 0) + DIFF_DATA + off;
}

/* One pointer's offset: `span` bytes walked up (DF=0) or down (DF=1) stay in the page. */
static unsigned string_off(struct gen *g, unsigned span, unsigned size, bool df)
{
	unsigned room = DIFF_DATA_SIZE - span - size;
	unsigned off = (unsigned)below(g, room + 1);
	if (chance(g, 2))
		off &= ~(size - 1);
	return df ? off + span : off;
}

static bool gen_string(struct gen *g)
{
	static const du8 op[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae}; /* MOVS CMPS STOS LODS SCAS */
	unsigned k = (unsigned)below(g, 5), size = pick_size(g, true), rep = (unsigned)below(g, 4);
	bool cmp = k == 1 || k == 4, a32 = chance(g, 6), df = chance(g, 3);
	unsigned n = rep ? (unsigned)below(g, 17) : 1, span = n * size;
	if (rep >= 2)
		rep = cmp && rep == 3 ? 2 : 1;
	if (rep)
		enc_pfx(&g->e, rep == 1 ? 0xf3 : 0xf2);
	if (a32)
		enc_pfx(&g->e, 0x67);
	enc_size(g, size);
	opc(g, (du8)(op[k] + (size != 1)));
	g->c->rflags |= df ? DIFF_DF : 0;
	g->c->fill = cmp || chance(g, 2) ? FILL_ALPHABET : FILL_RANDOM;
	g->c->alphabet = (du8)drng_next(&g->r);
	g->c->gpr[6] = string_ptr(g, string_off(g, span, size, df), a32);
	g->c->gpr[7] = string_ptr(g, string_off(g, span, size, df), a32);
	if (rep)
		g->c->gpr[1] = (a32 || chance(g, 8) ? drng_next(&g->r) << 32 : 0) | n;
	du64 acc = 0;
	for (unsigned b = 0; b < 8; b++) { /* SCAS: letters of the page's alphabet */
		static const du8 letters[] = {0x00, 0xff, 0x01};
		unsigned l = (unsigned)below(g, 4);
		acc |= (du64)(l < 3 ? letters[l] : g->c->alphabet) << (8 * b);
	}
	if (k == 4 || chance(g, 2))
		g->c->gpr[0] = (g->c->gpr[0] & ~dmask(size)) | (acc & dmask(size));
	return finish(g);
}

/* ---- encodings that must raise #UD ---- */

/*
 * SDM Vol. 2A "LOCK—Assert LOCK# Signal Prefix": #UD unless the instruction is one of the
 * listed read-modify-write ones with a memory destination; Vol. 2D Table A-2 marks 82 as
 * invalid in 64-bit mode; "LEA": #UD if the source operand is not a memory location; UD2.
 */
static bool gen_ud(struct gen *g)
{
	unsigned k = (unsigned)below(g, 7), size = pick_size(g, false);
	g->c->expect_ud = true;
	enc_size(g, size);
	switch (k) {
	case 0: opc(g, (du8)(8 * below(g, 7) + 1)); break; /* LOCK op r, r */
	case 1: opc(g, chance(g, 2) ? 0x39 : 0x85); break; /* LOCK CMP/TEST m */
	case 2: opc(g, 0x82); break;                       /* 82 /r ib */
	case 3: opc(g, 0x8d); break;                       /* LEA r, r */
	case 4: opc(g, 0x89); break;                       /* LOCK MOV m, r */
	case 5: opc2(g, 0x0f, 0x0b); return finish(g);     /* UD2 */
	default: opc2(g, 0x0f, 0xa3); break;               /* LOCK BT m, r */
	}
	if (k != 3 && k != 2)
		enc_pfx(&g->e, 0xf0);
	modrm_pair(g, size, k == 1 || k == 4 || k == 6 || (k == 2 && chance(g, 2)));
	if (k == 2) {
		g->e.reg = (int)below(g, 8);
		g->e.immsz = 1;
		g->e.imm = below(g, 256);
	}
	return finish(g);
}

/* ---- entry points ---- */

static bool (*const generators[FAM_COUNT])(struct gen *) = {
    gen_alu2,    gen_alu1, gen_shift, gen_shld,   gen_muldiv, gen_bit,
    gen_bitscan, gen_xchg, gen_mov,   gen_string, gen_ud,
};

static const char *const family_names[FAM_COUNT] = {
    "alu2", "alu1", "shift", "shld", "muldiv", "bit", "bitscan", "xchg", "mov", "string", "ud",
};

const char *diff_family_name(unsigned fam)
{
	return fam < FAM_COUNT ? family_names[fam] : "?";
}

du64 diff_code_addr(const struct dcase *c)
{
	return DIFF_CODE + (du64)DIFF_SLOT_SIZE * c->slot;
}

bool diff_gen(const struct diff_host *h, unsigned fam, du64 seed, du32 index, struct dcase *c)
{
	for (unsigned attempt = 0; attempt < 64 && fam < FAM_COUNT; attempt++) {
		struct gen g;
		memset(&g, 0, sizeof(g));
		memset(c, 0, sizeof(*c));
		c->fam = (du8)fam;
		c->index = index;
		c->slot = (du16)(index % DIFF_SLOTS);
		c->seed = diff_case_seed(seed, fam, index) + attempt;
		c->ign_reg = 0xff;
		g.r.s = c->seed;
		g.c = c;
		g.host = h;
		enc_reset(&g.e);
		for (unsigned k = 0; k < 16; k++)
			c->gpr[k] = k == 4 ? 0 : val_reg(&g.r);
		c->rflags = 2 | (drng_next(&g.r) & DIFF_ARITH);
		if (generators[fam](&g))
			return true;
	}
	return false;
}

void diff_fill_data(const struct dcase *c, du8 *page)
{
	struct drng r = {c->seed ^ 0x5851f42d4c957f2dull};
	if (c->fill == FILL_ALPHABET) {
		const du8 letters[4] = {0x00, 0xff, 0x01, c->alphabet};
		for (unsigned k = 0; k < DIFF_DATA_SIZE; k += 32) {
			du64 v = drng_next(&r);
			for (unsigned b = 0; b < 32; b++)
				page[k + b] = letters[(v >> (2 * b)) & 3];
		}
	} else {
		for (unsigned k = 0; k < DIFF_DATA_SIZE; k += 8) {
			du64 v = drng_next(&r);
			memcpy(page + k, &v, 8);
		}
	}
	for (unsigned p = 0; p < c->npatch; p++)
		for (unsigned b = 0; b < c->patch[p].size; b++)
			page[c->patch[p].off + b] = (du8)(c->patch[p].val >> (8 * b));
}
