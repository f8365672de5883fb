// SPDX-License-Identifier: MIT
/*
 * ENCLU leaves that enter and leave enclaves (SDM Vol. 3D 41.5 "Intel SGX User Leaf Function
 * Reference": EENTER, ERESUME, EEXIT).  64-bit mode only (DESIGN.md: compatibility mode is
 * not modelled), so the 32-bit segment checks of the pages never apply.  EREPORT and EGETKEY
 * are in enclu_keys.c.
 */
#include <string.h>

#include "arch/vmx.h"
#include "cpu/profile.h"
#include "lib/trace.h"
#include "sgx/sgx_int.h"

/* What the checks of EENTER/ERESUME found, for the commit. */
struct entry {
	u32 tcs, secs;
	struct sgx_tcs *t;
	const struct sgx_secs *s;
	u64 ssa_la, ssa_pa, gpr_pa, target;
};

/* The TCS at RBX (steps 2-9 of EENTER/ERESUME "Operation"). */
static enum cpu_step tcs_operand(struct vx_cpu *c, struct entry *x)
{
	u64 rbx = c->gpr[GPR_RBX];
	if (!aligned(rbx, 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_epc_operand(c, rbx, false, &x->tcs);
	if (r != STEP_RETIRED)
		return r;
	if (!is_canonical(c->gpr[GPR_RCX]))
		return fault_gp(c, 0);
	const struct epcm *m = epcm_at(c, x->tcs);
	bool state = m->pending || m->modified;
	bool where = m->la != rbx || m->pt != SGX_PT_TCS;
	if (!m->valid || m->blocked || state || where)
		return sgx_epcm_fault(c, rbx, false);
	x->t = (struct sgx_tcs *)epc_page_ptr(sgx_epc_of(c), x->tcs);
	x->secs = m->secs;
	x->s = (const struct sgx_secs *)epc_page_ptr(sgx_epc_of(c), x->secs);
	return STEP_RETIRED;
}

/* Steps 10-18: TCS fields, the enclave's state, the mode and XFRM, CSSA. */
static enum cpu_step tcs_fields(struct vx_cpu *c, bool resume, const struct entry *x)
{
	const struct sgx_tcs *t = x->t;
	const struct sgx_secs *s = x->s;
	if (!aligned(t->ossa | t->ofsbasgx | t->ogsbasgx, 4096))
		return fault_gp(c, 0);
	if (!is_canonical(s->baseaddr + t->ofsbasgx) || !is_canonical(s->baseaddr + t->ogsbasgx))
		return fault_gp(c, 0);
	if ((t->flags & ~SGX_TCS_DBGOPTIN) || !epcm_at(c, x->secs)->initialized)
		return fault_gp(c, 0);
	bool mode64 = (c->msr.efer & X86_EFER_LMA) && (c->seg[SEG_CS].ar & BIT(13));
	if (mode64 != !!(s->attributes & SGX_ATTR_MODE64BIT) || !(c->cr4 & X86_CR4_OSFXSR))
		return fault_gp(c, 0);
	if (!(c->cr4 & X86_CR4_OSXSAVE) ? s->xfrm != 3 : (s->xfrm & ~c->xcr0) != 0)
		return fault_gp(c, 0);
	if (resume ? t->cssa == 0 : t->cssa >= t->nssa)
		return fault_gp(c, 0);
	return STEP_RETIRED;
}

/* One page of the SSA frame (step 19/20): readable and writable through paging, an EPC page
 * of this enclave at that address, PT_REG with R and W, not BLOCKED/PENDING/MODIFIED. */
static enum cpu_step ssa_page(struct vx_cpu *c, const struct entry *x, u64 la, u64 *pa)
{
	enum cpu_step r = mmu_translate_step(c, la, ACC_WRITE, pa);
	if (r != STEP_RETIRED)
		return r;
	struct sgx_epc *e = sgx_epc_of(c);
	if (!epc_contains(e, *pa))
		return sgx_epcm_fault(c, la, true);
	const struct epcm *m = epcm_at(c, epc_index(e, *pa));
	if (!m->valid || m->blocked || m->pending || m->modified || m->la != (la & ~4095ull) ||
	    m->pt != SGX_PT_REG || m->secs != x->secs || !m->r || !m->w)
		return sgx_epcm_fault(c, la, true);
	return STEP_RETIRED;
}

static enum cpu_step ssa_frame(struct vx_cpu *c, bool resume, struct entry *x)
{
	u64 frame = resume ? x->t->cssa - 1u : x->t->cssa;
	u64 fsize = (u64)x->s->ssaframesize * 4096;
	x->ssa_la = x->s->baseaddr + x->t->ossa + frame * fsize;
	u64 pa;
	for (u64 off = 0; off < fsize; off += 4096) {
		enum cpu_step r = ssa_page(c, x, x->ssa_la + off, &pa);
		if (r != STEP_RETIRED)
			return r;
		if (off == 0)
			x->ssa_pa = pa;
	}
	u64 gla = x->ssa_la + fsize - sizeof(struct sgx_gprsgx);
	enum cpu_step r = ssa_page(c, x, gla, &x->gpr_pa);
	if (r != STEP_RETIRED)
		return r;
	const struct sgx_gprsgx *g = sgx_gpr_at(c, x->gpr_pa);
	x->target = resume ? g->rip : x->s->baseaddr + x->t->oentry;
	if (!is_canonical(x->target))
		return fault_gp(c, 0);
	if (resume && (!is_canonical(g->fsbase) || !is_canonical(g->gsbase)))
		return fault_gp(c, 0);
	return epcm_at(c, x->tcs)->tcs_busy ? fault_gp(c, 0) : STEP_RETIRED;
}

/* FS/GS inside the enclave (EENTER "Operation"): selector 0BH, base from the TCS (EENTER) or
 * the SSA (ERESUME), limit from the TCS, type 0001b with W from DS, S, P, D/B, G set, DPL, AVL
 * and L from DS. */
static void enclave_seg(struct vx_cpu *c, unsigned s, u64 base, u32 limit)
{
	u32 ds = c->seg[SEG_DS].ar;
	u32 ar =
	    1u | (ds & 2u) | BIT(4) | (ds & 0x60u) | BIT(7) | (ds & 0x3000u) | BIT(14) | BIT(15);
	c->seg[s] = (struct seg){.sel = 0x0b, .ar = ar, .limit = limit, .base = base};
}

static void save_seg(const struct seg *g, struct sgx_seg *v)
{
	*v = (struct sgx_seg){.sel = g->sel, .ar = g->ar, .limit = g->limit, .base = g->base};
}

/* The commit common to EENTER and ERESUME: enclave mode on. */
static void enter(struct vx_cpu *c, const struct entry *x)
{
	struct sgx_cpu *g = &c->sgx;
	g->active = true;
	g->tcs = x->tcs;
	g->secs = x->secs;
	g->tcs_la = c->gpr[GPR_RBX];
	g->base = x->s->baseaddr;
	g->size = x->s->size;
	g->ssa_pa = x->ssa_pa;
	g->gpr_pa = x->gpr_pa;
	g->misc_exinfo = x->s->miscselect & BIT(SGX_MISC_EXINFO_BIT);
	g->dbgoptin = x->t->flags & SGX_TCS_DBGOPTIN;
	x->t->aep = c->gpr[GPR_RCX];
	save_seg(&c->seg[SEG_FS], &g->save_fs);
	save_seg(&c->seg[SEG_GS], &g->save_gs);
	g->save_xcr0 = c->xcr0;
	if (c->cr4 & X86_CR4_OSXSAVE)
		c->xcr0 = x->s->xfrm;
	/* Opt-out entry: TF saved and cleared, a pending MTF VM exit cleared (43.2 "Debug
	 * Enclaves and Single-stepping"). */
	u64 f = cpu_rflags(c);
	g->saved_tf = f & RFLAGS_TF;
	if (!g->dbgoptin) {
		cpu_set_rflags(c, f & ~RFLAGS_TF);
		c->vmxnr.mtf_pending = false;
	}
	epcm_at(c, x->tcs)->tcs_busy = true;
	epcm_at(c, x->secs)->active++;
	tlb_flush_all(c);
}

static enum cpu_step entry_checks(struct vx_cpu *c, bool resume, struct entry *x)
{
	enum cpu_step r = tcs_operand(c, x);
	if (r == STEP_RETIRED)
		r = tcs_fields(c, resume, x);
	if (r == STEP_RETIRED)
		r = ssa_frame(c, resume, x);
	return r;
}

static enum cpu_step leaf_eenter(struct vx_cpu *c)
{
	struct entry x;
	enum cpu_step r = entry_checks(c, false, &x);
	if (r != STEP_RETIRED)
		return r;
	struct sgx_gprsgx *g = sgx_gpr_at(c, x.gpr_pa);
	g->ursp = c->gpr[GPR_RSP];
	g->urbp = c->gpr[GPR_RBP];
	enter(c, &x);
	enclave_seg(c, SEG_FS, x.s->baseaddr + x.t->ofsbasgx, x.t->fslimit);
	enclave_seg(c, SEG_GS, x.s->baseaddr + x.t->ogsbasgx, x.t->gslimit);
	c->gpr[GPR_RAX] = x.t->cssa;
	c->gpr[GPR_RCX] = c->rip; /* the instruction after EENTER */
	c->rip = x.target;
	trace_eenter(c->trace, 0, sgx_trace_lvl(c), c->sgx.tcs_la, c->insn_rip, x.target, x.t->aep,
		     x.t->cssa);
	return STEP_RETIRED;
}

/* ERESUME's RFLAGS (its "Operation"): CF PF AF ZF SF DF OF NT AC ID RF from the SSA, VM 0,
 * IF from the SSA only when IOPL = 3, TF cleared for opt-out entries. */
static void resume_rflags(struct vx_cpu *c, u64 saved)
{
	const u64 from_ssa =
	    RFLAGS_ARITH | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC | RFLAGS_ID | RFLAGS_RF;
	u64 f = cpu_rflags(c);
	u64 keep = ~from_ssa & ~RFLAGS_VM;
	u64 v = (f & keep) | (saved & from_ssa);
	if ((f & RFLAGS_IOPL) == RFLAGS_IOPL)
		v = (v & ~RFLAGS_IF) | (saved & RFLAGS_IF);
	if (!c->sgx.dbgoptin)
		v &= ~RFLAGS_TF;
	cpu_set_rflags(c, v);
}

static enum cpu_step leaf_eresume(struct vx_cpu *c)
{
	struct entry x;
	enum cpu_step r = entry_checks(c, true, &x);
	if (r != STEP_RETIRED)
		return r;
	const struct sgx_gprsgx *g = sgx_gpr_at(c, x.gpr_pa);
	enter(c, &x);
	/* FS/GS bases from the SSA (42.2 / 38.4 prose; docs/decisions.md D54). */
	enclave_seg(c, SEG_FS, g->fsbase, x.t->fslimit);
	enclave_seg(c, SEG_GS, g->gsbase, x.t->gslimit);
	memcpy(c->gpr, &g->rax, sizeof(c->gpr));
	resume_rflags(c, g->rflags);
	c->rip = x.target;
	x.t->cssa--;
	trace_eresume(c->trace, 0, sgx_trace_lvl(c), c->sgx.tcs_la, c->insn_rip, x.target, x.t->aep,
		      x.t->cssa);
	return STEP_RETIRED;
}

static enum cpu_step leaf_eexit(struct vx_cpu *c)
{
	u64 target = c->gpr[GPR_RBX];
	if (!is_canonical(target))
		return fault_gp(c, 0);
	const struct sgx_tcs *t = (const void *)epc_page_ptr(sgx_epc_of(c), c->sgx.tcs);
	c->gpr[GPR_RCX] = t->aep;
	sgx_restore_outside(c);
	if (!c->sgx.dbgoptin)
		cpu_set_rflags(c, (cpu_rflags(c) & ~RFLAGS_TF) | (c->sgx.saved_tf ? RFLAGS_TF : 0));
	c->rip = target;
	trace_eexit(c->trace, 0, sgx_trace_lvl(c), c->sgx.tcs_la, c->insn_rip, target);
	sgx_leave_enclave(c);
	/* EEXIT "Operation": with the "monitor trap flag" control an MTF VM exit pends at the
	 * end of EEXIT. */
	sgx_mtf_after_exit(c);
	return STEP_RETIRED;
}

enum cpu_step sgx_enclu(struct vx_cpu *c)
{
	u32 leaf = (u32)c->gpr[GPR_RAX];
	bool inside = c->sgx.active;
	/* ENCLU "Operation": EENTER/ERESUME inside an enclave and the enclave-only leaves
	 * outside it raise #GP(0). */
	if (leaf == ENCLU_EENTER || leaf == ENCLU_ERESUME) {
		if (inside)
			return fault_gp(c, 0);
		return leaf == ENCLU_EENTER ? leaf_eenter(c) : leaf_eresume(c);
	}
	if (!inside)
		return fault_gp(c, 0);
	if (leaf == ENCLU_EEXIT)
		return leaf_eexit(c);
	return sgx_enclu_keys(c, leaf);
}
