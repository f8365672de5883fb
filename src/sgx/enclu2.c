// SPDX-License-Identifier: MIT
/*
 * The SGX2 ENCLU leaves an enclave uses to accept changes the system software made (SDM Vol.
 * 3D 41.5 ENCLU[EACCEPT], ENCLU[EMODPE], ENCLU[EACCEPTCOPY]; 39.5 "Dynamic Memory
 * Management" in later SDMs): EACCEPT confirms an EAUG'ed page (PENDING), an EMODPR'ed page
 * (PR) or an EMODT'ed page (MODIFIED); EMODPE extends a page's EPCM rights; EACCEPTCOPY
 * initializes a pending page with a copy of another one.
 *
 * Operands are inside ELRANGE (#GP(0) otherwise).  SECINFO and EACCEPTCOPY's source are read
 * with the enclave-access checks of 38.3 (a violation is the usual #PF with PFEC.SGX); the
 * target page is checked against its EPCM entry by the leaf itself (a PENDING page would fail
 * the ordinary access checks), after a translation by paging alone.
 */
#include <string.h>

#include "sgx/sgx_int.h"

/* The EPC page at la by paging (and EPT) only: the enclave-access checks are the leaf's.
 * The TLB entry such a translation leaves carries no EPCM rights: it is dropped. */
static enum cpu_step target_page(struct vx_cpu *c, u64 la, u32 *idx)
{
	c->sgx.active = false;
	enum cpu_step r = sgx_epc_operand(c, la, true, idx);
	c->sgx.active = true;
	tlb_flush_page(c, la);
	if (r == STEP_FAULT && c->event.vector == X86_VEC_PF)
		c->event.error_code |= PFEC_U;
	return r;
}

static enum cpu_step read_secinfo(struct vx_cpu *c, u64 la, struct sgx_secinfo *si)
{
	if (!aligned(la, 64) || !sgx_in_elrange(c, la, 1))
		return fault_gp(c, 0);
	return sgx_read_secinfo(c, la, si);
}

/* EACCEPT "Operation": the SECINFO combinations it accepts (#GP(0) otherwise). */
static bool accept_combo(const struct sgx_secinfo *si)
{
	u64 f = si->flags;
	bool pending = f & SGX_SECINFO_PENDING, modified = f & SGX_SECINFO_MODIFIED,
	     pr = f & SGX_SECINFO_PR;
	unsigned pt = secinfo_pt(si);
	if (pt == SGX_PT_REG)
		return (pr || pending) && !modified;
	return (pt == SGX_PT_TCS || pt == SGX_PT_TRIM) && !pr && !pending && modified;
}

static bool same_state(const struct epcm *m, const struct sgx_secinfo *si, u64 la)
{
	u64 f = si->flags;
	return m->la == la && m->pending == !!(f & SGX_SECINFO_PENDING) &&
	       m->modified == !!(f & SGX_SECINFO_MODIFIED) && m->r == !!(f & SGX_SECINFO_R) &&
	       m->w == !!(f & SGX_SECINFO_W) && m->x == !!(f & SGX_SECINFO_X) &&
	       m->pt == secinfo_pt(si);
}

static enum cpu_step leaf_eaccept(struct vx_cpu *c)
{
	u64 rcx = c->gpr[GPR_RCX];
	struct sgx_secinfo si;
	u32 idx;
	enum cpu_step r = read_secinfo(c, c->gpr[GPR_RBX], &si);
	if (r != STEP_RETIRED)
		return r;
	if (!aligned(rcx, 4096) || !sgx_in_elrange(c, rcx, 1))
		return fault_gp(c, 0);
	if ((r = target_page(c, rcx, &idx)) != STEP_RETIRED)
		return r;
	if (!accept_combo(&si))
		return fault_gp(c, 0);
	struct epcm *m = epcm_at(c, idx);
	if (!m->valid || m->blocked || m->secs != c->sgx.secs ||
	    (m->pt != SGX_PT_REG && m->pt != SGX_PT_TCS && m->pt != SGX_PT_TRIM))
		return sgx_epcm_fault(c, rcx, true);
	if (!same_state(m, &si, rcx))
		return sgx_status(c, SGX_PAGE_ATTRIBUTES_MISMATCH);
	if (m->pt == SGX_PT_TCS) {
		const struct sgx_tcs *t = (const void *)epc_page_ptr(sgx_epc_of(c), idx);
		if (t->flags || t->cssa >= t->nssa || t->aep || t->state ||
		    !zero(t->reserved, sizeof(t->reserved)))
			return fault_gp(c, 0);
	}
	m->pending = m->modified = m->pr = false;
	tlb_flush_all(c);
	return sgx_status(c, 0);
}

static enum cpu_step leaf_emodpe(struct vx_cpu *c)
{
	u64 rbx = c->gpr[GPR_RBX], rcx = c->gpr[GPR_RCX];
	struct sgx_secinfo si;
	u32 idx;
	if (!aligned(rcx, 4096) || !sgx_in_elrange(c, rcx, 1))
		return fault_gp(c, 0);
	enum cpu_step r = read_secinfo(c, rbx, &si);
	if (r == STEP_RETIRED)
		r = target_page(c, rcx, &idx);
	if (r != STEP_RETIRED)
		return r;
	struct epcm *m = epcm_at(c, idx);
	if (!m->valid || m->pending || m->modified || m->blocked || m->pt != SGX_PT_REG ||
	    m->secs != c->sgx.secs || m->la != rcx)
		return sgx_epcm_fault(c, rcx, true);
	if (!m->r && !(si.flags & SGX_SECINFO_R) && (si.flags & SGX_SECINFO_W))
		return fault_gp(c, 0);
	m->r = m->r || (si.flags & SGX_SECINFO_R);
	m->w = m->w || (si.flags & SGX_SECINFO_W);
	m->x = m->x || (si.flags & SGX_SECINFO_X);
	tlb_flush_all(c);
	return STEP_RETIRED;
}

static enum cpu_step leaf_eacceptcopy(struct vx_cpu *c)
{
	u64 rcx = c->gpr[GPR_RCX], rdx = c->gpr[GPR_RDX];
	struct sgx_secinfo si;
	u8 *page = c->sgx.scratch.page;
	u32 idx;
	if (!aligned(rcx, 4096) || !aligned(rdx, 4096) || !sgx_in_elrange(c, rcx, 1) ||
	    !sgx_in_elrange(c, rdx, 1))
		return fault_gp(c, 0);
	enum cpu_step r = read_secinfo(c, c->gpr[GPR_RBX], &si);
	if (r != STEP_RETIRED)
		return r;
	if (secinfo_pt(&si) != SGX_PT_REG ||
	    (!(si.flags & SGX_SECINFO_R) && (si.flags & SGX_SECINFO_W)))
		return fault_gp(c, 0);
	if ((r = sgx_read(c, rdx, page, sizeof(c->sgx.scratch.page))) != STEP_RETIRED ||
	    (r = target_page(c, rcx, &idx)) != STEP_RETIRED)
		return r;
	struct epcm *m = epcm_at(c, idx);
	if (!m->valid || !m->pending || m->modified || m->blocked || m->pt != SGX_PT_REG ||
	    m->secs != c->sgx.secs || !m->r || !m->w || m->x || m->la != rcx)
		return sgx_status(c, SGX_PAGE_ATTRIBUTES_MISMATCH);
	memcpy(epc_page_ptr(sgx_epc_of(c), idx), page, sizeof(c->sgx.scratch.page));
	m->r = si.flags & SGX_SECINFO_R;
	m->w = si.flags & SGX_SECINFO_W;
	m->x = si.flags & SGX_SECINFO_X;
	m->pending = false;
	tlb_flush_all(c);
	return sgx_status(c, 0);
}

enum cpu_step sgx_enclu_sgx2(struct vx_cpu *c, u32 leaf)
{
	switch (leaf) {
	case ENCLU_EACCEPT: return leaf_eaccept(c);
	case ENCLU_EMODPE: return leaf_emodpe(c);
	default: return leaf_eacceptcopy(c);
	}
}
