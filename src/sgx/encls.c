// SPDX-License-Identifier: MIT
/*
 * ENCLS leaves that build and tear down enclaves (SDM Vol. 3D 41.4 "Intel SGX System Leaf
 * Function Reference": ECREATE, EADD, EEXTEND, EINIT, EREMOVE, EDBGRD, EDBGWR; the SGX2 leaves
 * EAUG, EMODPR, EMODT are in encls2.c).  Each leaf follows its page's "Operation": operand
 * alignment (#GP(0)), EPC residence and EPCM state (#PF with the SGX error-code bit,
 * docs/decisions.md D52), then the leaf's own checks and the commit.  Faults come before any
 * change, so a faulting leaf leaves the EPC as it was.
 */
#include <string.h>

#include "cpu/profile.h"
#include "cpu/step.h"
#include "sgx/sgx_int.h"

/* The head of ECREATE and EADD: RBX 32-byte and RCX 4 KiB aligned (#GP(0)), RCX in the EPC
 * (#PF), then PAGEINFO, its SRCPGE/SECINFO alignment and the SECINFO reserved bits. */
static enum cpu_step read_pageinfo(struct vx_cpu *c, struct sgx_pageinfo *pi, u32 *idx)
{
	u64 rbx = c->gpr[GPR_RBX];
	if (!aligned(rbx, 32) || !aligned(c->gpr[GPR_RCX], 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_epc_operand(c, c->gpr[GPR_RCX], true, idx);
	if (r == STEP_RETIRED)
		r = sgx_read(c, rbx, pi, sizeof(*pi));
	if (r != STEP_RETIRED)
		return r;
	if (!aligned(pi->srcpge, 4096) || !aligned(pi->secinfo, 64))
		return fault_gp(c, 0);
	return STEP_RETIRED;
}

/* ---- ECREATE ---- */

static bool is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* The SECS checks of the ECREATE page (after the copy into TMP_SECS): all #GP(0). */
static bool secs_ok(struct vx_cpu *c, const struct sgx_secs *s)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	u32 r0[4], r1[4];
	cpuid_lookup(p, 0x12, 0, r0);
	cpuid_lookup(p, 0x12, 1, r1);
	u64 attr_ok = r1[0] | (u64)r1[1] << 32, xfrm_ok = r1[2] | (u64)r1[3] << 32;
	bool m64 = s->attributes & SGX_ATTR_MODE64BIT;
	unsigned max_log = m64 ? (r0[3] >> 8) & 0xff : r0[3] & 0xff;
	u32 misc = s->miscselect & BIT(SGX_MISC_EXINFO_BIT) ? sizeof(struct sgx_exinfo) : 0;
	if ((s->xfrm & 3) != 3 || (s->xfrm & ~xfrm_ok) || (s->attributes & ~attr_ok) ||
	    (s->attributes & SGX_ATTR_INIT) || (s->miscselect & ~r0[1]))
		return false;
	if (!s->ssaframesize || (u64)s->ssaframesize * 4096 <
				    sgx_xsave_size(s->xfrm) + sizeof(struct sgx_gprsgx) + misc)
		return false;
	if (!is_pow2(s->size) || s->size < 8192 || (max_log < 64 && s->size > (1ull << max_log)) ||
	    (s->baseaddr & (s->size - 1)))
		return false;
	if (m64 ? !is_canonical(s->baseaddr) : s->baseaddr + s->size > (1ull << 32))
		return false;
	return zero(s->reserved1, sizeof(s->reserved1)) &&
	       zero(s->reserved2, sizeof(s->reserved2)) &&
	       zero(s->reserved3, sizeof(s->reserved3)) && zero(s->reserved4, sizeof(s->reserved4));
}

static enum cpu_step leaf_ecreate(struct vx_cpu *c)
{
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	u32 idx;
	enum cpu_step r = read_pageinfo(c, &pi, &idx);
	if (r != STEP_RETIRED)
		return r;
	if (pi.linaddr || pi.secs)
		return fault_gp(c, 0);
	if ((r = sgx_read_secinfo(c, pi.secinfo, &si)) != STEP_RETIRED)
		return r;
	if (secinfo_pt(&si) != SGX_PT_SECS)
		return fault_gp(c, 0);
	struct epcm *m = epcm_at(c, idx);
	if (m->valid)
		return sgx_epcm_fault(c, c->gpr[GPR_RCX], true);
	struct sgx_secs *s = &c->sgx.scratch.secs; /* TMP_SECS: 4 KiB, off the host stack */
	if ((r = sgx_read(c, pi.srcpge, s, sizeof(*s))) != STEP_RETIRED)
		return r;
	if (!secs_ok(c, s))
		return fault_gp(c, 0);
	struct {
		u64 tag;
		u32 ssaframesize;
		u64 size;
		u8 zero[44];
	} __attribute__((packed)) rec = {SGX_MEASURE_ECREATE, s->ssaframesize, s->size, {0}};
	_Static_assert(sizeof(rec) == 64, "ECREATE measurement record");
	if (!sgx_mr_start(m) || !sgx_mr_update(m, &rec, sizeof(rec)))
		return fault_gp(c, 0); /* host out of memory: reported as the leaf failing */
	s->isvprodid = s->isvsvn = 0;
	memset(s->mrenclave, 0, 32);
	memset(s->mrsigner, 0, 32);
	memcpy(epc_page_ptr(sgx_epc_of(c), idx), s, sizeof(*s));
	m->valid = true;
	m->pt = SGX_PT_SECS;
	m->la = 0;
	m->r = m->w = m->x = false;
	m->secs = idx;
	return STEP_RETIRED;
}

/* ---- EADD ---- */

enum cpu_step sgx_secs_operand(struct vx_cpu *c, u64 la, u32 *idx)
{
	enum cpu_step r = sgx_epc_operand(c, la, false, idx);
	if (r != STEP_RETIRED)
		return r;
	const struct epcm *m = epcm_at(c, *idx);
	if (!m->valid || m->pt != SGX_PT_SECS)
		return sgx_epcm_fault(c, la, false);
	return STEP_RETIRED;
}

static const struct sgx_secs *secs_of(struct vx_cpu *c, u32 idx)
{
	return (const struct sgx_secs *)epc_page_ptr(sgx_epc_of(c), idx);
}

/* 38.8 Table 38-5: a TCS as EADD accepts it (FLAGS and reserved bits, page-aligned
 * offsets are EENTER's business; 32-bit enclaves need FS/GS limits ending in FFFH). */
static bool tcs_ok(const struct sgx_tcs *t, bool m64)
{
	if ((t->flags & ~SGX_TCS_DBGOPTIN) || !zero(t->reserved, sizeof(t->reserved)))
		return false;
	return m64 || ((t->fslimit & 0xfff) == 0xfff && (t->gslimit & 0xfff) == 0xfff);
}

/* EADD "Operation" steps 4-10: the checks before the page is copied. */
static enum cpu_step eadd_checks(struct vx_cpu *c, const struct sgx_pageinfo *pi,
				 struct sgx_secinfo *si, u32 idx, u32 *sidx)
{
	if (!aligned(pi->linaddr, 4096) || !aligned(pi->secs, 4096))
		return fault_gp(c, 0);
	u32 tmp;
	enum cpu_step r = sgx_epc_operand(c, pi->secs, false, &tmp);
	if (r == STEP_RETIRED)
		r = sgx_read_secinfo(c, pi->secinfo, si);
	if (r != STEP_RETIRED)
		return r;
	unsigned pt = secinfo_pt(si);
	if (pt != SGX_PT_REG && pt != SGX_PT_TCS)
		return fault_gp(c, 0);
	if (epcm_at(c, idx)->valid)
		return sgx_epcm_fault(c, c->gpr[GPR_RCX], true);
	return sgx_secs_operand(c, pi->secs, sidx);
}

/* EADD steps 12-15, on the copied page: TCS layout, REG rights, LINADDR, initialized. */
static enum cpu_step eadd_page_checks(struct vx_cpu *c, const struct sgx_pageinfo *pi,
				      const struct sgx_secinfo *si, u8 *page, u32 sidx)
{
	const struct sgx_secs *s = secs_of(c, sidx);
	if (secinfo_pt(si) == SGX_PT_TCS) {
		if (!tcs_ok((const struct sgx_tcs *)page, s->attributes & SGX_ATTR_MODE64BIT))
			return fault_gp(c, 0);
	} else if ((si->flags & SGX_SECINFO_W) && !(si->flags & SGX_SECINFO_R)) {
		return fault_gp(c, 0);
	}
	if (pi->linaddr - s->baseaddr >= s->size || epcm_at(c, sidx)->initialized)
		return fault_gp(c, 0);
	return STEP_RETIRED;
}

static enum cpu_step leaf_eadd(struct vx_cpu *c)
{
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	u32 idx, sidx;
	enum cpu_step r = read_pageinfo(c, &pi, &idx);
	if (r == STEP_RETIRED)
		r = eadd_checks(c, &pi, &si, idx, &sidx);
	if (r != STEP_RETIRED)
		return r;
	u8 *page = c->sgx.scratch.page;
	if ((r = sgx_read(c, pi.srcpge, page, sizeof(c->sgx.scratch.page))) != STEP_RETIRED)
		return r;
	if ((r = eadd_page_checks(c, &pi, &si, page, sidx)) != STEP_RETIRED)
		return r;
	const struct sgx_secs *s = secs_of(c, sidx);
	unsigned pt = secinfo_pt(&si);
	if (pt == SGX_PT_TCS) {
		struct sgx_tcs *t = (struct sgx_tcs *)page;
		si.flags &= ~(u64)(SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X);
		t->flags &= ~SGX_TCS_DBGOPTIN;
		t->cssa = 0;
		t->aep = 0;
		t->state = 0;
	}
	struct {
		u64 tag, offset;
		u8 secinfo[48];
	} rec = {SGX_MEASURE_EADD, pi.linaddr - s->baseaddr, {0}};
	memcpy(rec.secinfo, &si, 48);
	struct epcm *sm = epcm_at(c, sidx);
	if (!sgx_mr_update(sm, &rec, sizeof(rec)))
		return fault_gp(c, 0);
	memcpy(epc_page_ptr(sgx_epc_of(c), idx), page, 4096);
	struct epcm *m = epcm_at(c, idx);
	*m = (struct epcm){.valid = true, .pt = (u8)pt, .secs = sidx, .la = pi.linaddr};
	if (pt == SGX_PT_REG) {
		m->r = si.flags & SGX_SECINFO_R;
		m->w = si.flags & SGX_SECINFO_W;
		m->x = si.flags & SGX_SECINFO_X;
	}
	sm->children++;
	return STEP_RETIRED;
}

/* ---- EEXTEND ---- */

static enum cpu_step leaf_eextend(struct vx_cpu *c)
{
	u64 rcx = c->gpr[GPR_RCX];
	u32 idx, sidx;
	if (!aligned(c->gpr[GPR_RBX], 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_epc_operand(c, c->gpr[GPR_RBX], false, &sidx);
	if (r != STEP_RETIRED)
		return r;
	if (!aligned(rcx, 256))
		return fault_gp(c, 0);
	r = sgx_epc_operand(c, rcx, false, &idx);
	if (r != STEP_RETIRED)
		return r;
	const struct epcm *m = epcm_at(c, idx);
	if (!m->valid || (m->pt != SGX_PT_REG && m->pt != SGX_PT_TCS))
		return sgx_epcm_fault(c, rcx, false);
	struct epcm *sm = epcm_at(c, sidx);
	if (m->secs != sidx || sm->initialized)
		return fault_gp(c, 0);
	struct {
		u64 tag, offset;
		u8 zero[48];
	} rec = {SGX_MEASURE_EEXTEND, m->la + (rcx & 0xfff) - secs_of(c, sidx)->baseaddr, {0}};
	const u8 *data = epc_page_ptr(sgx_epc_of(c), idx) + (rcx & 0xf00);
	if (!sgx_mr_update(sm, &rec, sizeof(rec)) || !sgx_mr_update(sm, data, 256))
		return fault_gp(c, 0);
	return STEP_RETIRED;
}

/* ---- EINIT ---- */

/* SHA-256(SIGSTRUCT.MODULUS) against IA32_SGXLEPUBKEYHASH0-3. */
static bool signer_is_le_key(const struct vx_cpu *c, const u8 mrsigner[32])
{
	return !memcmp(mrsigner, c->msr.sgx_lepubkeyhash, 32);
}

/* EINIT's checks after the signature (its "Operation" order); 0 or an error code. */
static u32 einit_policy(struct vx_cpu *c, const struct sgx_sigstruct *ss, const struct epcm *sm,
			const struct sgx_secs *s, const struct sgx_einittoken *tok, const u8 mr[32],
			const u8 signer[32])
{
	if (memcmp(mr, ss->enclavehash, 32))
		return SGX_INVALID_MEASUREMENT;
	/* Reserved ATTRIBUTES bits (those CPUID 12H sub-leaf 1 does not enumerate, INIT aside)
	 * must be 0 in SIGSTRUCT.ATTRIBUTES and 1 in SIGSTRUCT.ATTRIBUTEMASK. */
	u32 r1[4];
	cpuid_lookup(cpu_profile_of(c), 0x12, 1, r1);
	u64 reserved = ~((r1[0] | (u64)r1[1] << 32) | SGX_ATTR_INIT);
	if ((ss->attributes & reserved) || (~ss->attributemask & reserved))
		return SGX_INVALID_ATTRIBUTE;
	if ((s->attributes & SGX_ATTR_EINITTOKEN_KEY) && !signer_is_le_key(c, signer))
		return SGX_INVALID_ATTRIBUTE;
	if ((s->attributes & ss->attributemask) != (ss->attributes & ss->attributemask) ||
	    (s->xfrm & ss->xfrmmask) != (ss->xfrm & ss->xfrmmask) ||
	    (s->miscselect & ss->miscmask) != (ss->miscselect & ss->miscmask))
		return SGX_INVALID_ATTRIBUTE;
	if (!(tok->valid & 1)) {
		if (!signer_is_le_key(c, signer))
			return SGX_INVALID_EINIT_TOKEN;
	} else {
		/* Launch tokens (a launch enclave's EGETKEY EINITTOKEN key) are not modelled:
		 * docs/decisions.md D55. */
		return SGX_INVALID_EINIT_TOKEN;
	}
	(void)sm;
	return 0;
}

static enum cpu_step leaf_einit(struct vx_cpu *c)
{
	u64 sig = c->gpr[GPR_RBX], secs = c->gpr[GPR_RCX], tla = c->gpr[GPR_RDX];
	u32 sidx;
	if (!aligned(sig, 4096) || !aligned(secs, 4096) || !aligned(tla, 512))
		return fault_gp(c, 0);
	struct sgx_sigstruct *ss = &c->sgx.scratch.sig;
	struct sgx_einittoken tok;
	enum cpu_step r = sgx_epc_operand(c, secs, false, &sidx);
	if (r == STEP_RETIRED)
		r = sgx_read(c, sig, ss, sizeof(*ss));
	if (r == STEP_RETIRED)
		r = sgx_read(c, tla, &tok, sizeof(tok));
	if (r != STEP_RETIRED)
		return r;
	u32 err = sgx_sigstruct_verify(ss);
	if (err == SGX_INVALID_SIG_STRUCT)
		return sgx_status(c, err);
	/* "Periodically, EINIT polls for certain asynchronous events": an interrupt that
	 * could be taken now ends it with SGX_UNMASKED_EVENT. */
	if (cpu_interrupt_ready(c))
		return sgx_status(c, SGX_UNMASKED_EVENT);
	if (err)
		return sgx_status(c, err);
	struct epcm *sm = epcm_at(c, sidx);
	if (!sm->valid || sm->pt != SGX_PT_SECS)
		return sgx_epcm_fault(c, secs, false);
	if (sm->initialized)
		return fault_gp(c, 0);
	u8 mr[32], signer[32];
	sgx_sha256(ss->modulus, sizeof(ss->modulus), signer);
	if (!sgx_mr_peek(sm, mr))
		return fault_gp(c, 0);
	struct sgx_secs *s = (struct sgx_secs *)epc_page_ptr(sgx_epc_of(c), sidx);
	err = einit_policy(c, ss, sm, s, &tok, mr, signer);
	if (err)
		return sgx_status(c, err);
	memcpy(s->mrenclave, mr, 32);
	memcpy(s->mrsigner, signer, 32);
	s->isvprodid = ss->isvprodid;
	s->isvsvn = ss->isvsvn;
	s->attributes |= SGX_ATTR_INIT;
	sm->initialized = true;
	return sgx_status(c, 0);
}

/* ---- EREMOVE ---- */

static enum cpu_step leaf_eremove(struct vx_cpu *c)
{
	u64 rcx = c->gpr[GPR_RCX];
	u32 idx;
	if (!aligned(rcx, 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_epc_operand(c, rcx, true, &idx);
	if (r != STEP_RETIRED)
		return r;
	struct epcm *m = epcm_at(c, idx);
	if (!m->valid)
		goto done;
	/* EREMOVE "Operation": a VA page, or a trimmed page the enclave accepted (MODIFIED 0),
	 * goes at once; an SECS only without children; other pages not while a thread runs in
	 * their enclave. */
	bool accepted_trim = m->pt == SGX_PT_TRIM && !m->modified;
	if (m->pt == SGX_PT_SECS && m->children)
		return sgx_status(c, SGX_CHILD_PRESENT);
	if (m->pt != SGX_PT_SECS && m->pt != SGX_PT_VA) {
		struct epcm *sm = epcm_at(c, m->secs);
		if (!accepted_trim && sm->active)
			return sgx_status(c, SGX_ENCLAVE_ACT);
		sm->children--;
	}
	epcm_clear(m);
done:
	memset(epc_page_ptr(sgx_epc_of(c), idx), 0, 4096);
	return sgx_status(c, 0);
}

/* ---- EDBGRD / EDBGWR ---- */

/* The target of a debug leaf (RCX): naturally aligned, a REG or TCS page (EDBGRD also VA)
 * of a DEBUG enclave; sets *size. */
static enum cpu_step dbg_target(struct vx_cpu *c, bool wr, u32 *idx, unsigned *size)
{
	u64 rcx = c->gpr[GPR_RCX];
	*size = 8; /* 64-bit mode: 8 bytes (the profiles run no 32-bit ENCLS) */
	if (!aligned(rcx, *size))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_epc_operand(c, rcx, wr, idx);
	if (r != STEP_RETIRED)
		return r;
	const struct epcm *m = epcm_at(c, *idx);
	if (!m->valid)
		return sgx_epcm_fault(c, rcx, wr);
	if (m->pt != SGX_PT_REG && m->pt != SGX_PT_TCS && !(m->pt == SGX_PT_VA && !wr))
		return sgx_epcm_fault(c, rcx, wr);
	if (m->pending || m->modified)
		return STEP_RETIRED; /* caller reports SGX_PAGE_NOT_DEBUGGABLE */
	if (m->pt != SGX_PT_VA && !(secs_of(c, m->secs)->attributes & SGX_ATTR_DEBUG))
		return fault_gp(c, 0);
	return STEP_RETIRED;
}

/* TCS fields EDBGWR may change (EDBGWR "Operation": only FLAGS.DBGOPTIN). */
static bool tcs_dbg_writable(u64 off)
{
	return off == offsetof(struct sgx_tcs, flags);
}

static enum cpu_step leaf_edbg(struct vx_cpu *c, bool wr)
{
	u32 idx;
	unsigned size;
	enum cpu_step r = dbg_target(c, wr, &idx, &size);
	if (r != STEP_RETIRED)
		return r;
	const struct epcm *m = epcm_at(c, idx);
	if (m->pending || m->modified)
		return sgx_status(c, SGX_PAGE_NOT_DEBUGGABLE);
	u64 off = c->gpr[GPR_RCX] & 0xfff;
	u8 *p = epc_page_ptr(sgx_epc_of(c), idx) + off;
	u64 v = 0;
	if (!wr) {
		memcpy(&v, p, size);
		c->gpr[GPR_RBX] = v;
		return sgx_status(c, 0);
	}
	v = c->gpr[GPR_RBX];
	if (m->pt == SGX_PT_TCS) {
		if (!tcs_dbg_writable(off))
			return fault_gp(c, 0);
		v &= SGX_TCS_DBGOPTIN;
	}
	memcpy(p, &v, size);
	return sgx_status(c, 0);
}

/* ---- dispatch ---- */

enum cpu_step sgx_encls(struct vx_cpu *c)
{
	u32 leaf = (u32)c->gpr[GPR_RAX];
	switch (leaf) {
	case ENCLS_ECREATE: return leaf_ecreate(c);
	case ENCLS_EADD: return leaf_eadd(c);
	case ENCLS_EINIT: return leaf_einit(c);
	case ENCLS_EREMOVE: return leaf_eremove(c);
	case ENCLS_EDBGRD: return leaf_edbg(c, false);
	case ENCLS_EDBGWR: return leaf_edbg(c, true);
	case ENCLS_EEXTEND: return leaf_eextend(c);
	default: return sgx_encls_sgx2(c, leaf);
	}
}
