// SPDX-License-Identifier: MIT
/*
 * The SGX2 ENCLS leaves (SDM Vol. 3D 41.4: EAUG, EMODPR, EMODT) and the leaves the model does
 * not execute (the paging leaves ELDB/ELDU/EBLOCK/EPA/EWB/ETRACK and the oversubscription
 * leaves: a trace record and #UD, like any other instruction outside the model; see
 * docs/decisions.md D56).  Leaves no profile enumerates raise #GP(0) in op_sgx.c first.
 */
#include <Zydis/Mnemonic.h>
#include <string.h>

#include "sgx/sgx_int.h"

/* The SECS at la: a valid PT_SECS page (#PF otherwise) of an initialized enclave (#GP). */
static enum cpu_step init_secs(struct vx_cpu *c, u64 la, u32 *sidx)
{
	enum cpu_step r = sgx_secs_operand(c, la, sidx);
	if (r != STEP_RETIRED)
		return r;
	return epcm_at(c, *sidx)->initialized ? STEP_RETIRED : fault_gp(c, 0);
}

/* EAUG: a zeroed PENDING read/write page at PAGEINFO.LINADDR of an initialized enclave. */
static enum cpu_step leaf_eaug(struct vx_cpu *c)
{
	struct sgx_pageinfo pi;
	u64 rcx = c->gpr[GPR_RCX];
	u32 idx, sidx;
	if (!aligned(c->gpr[GPR_RBX], 32) || !aligned(rcx, 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_read(c, c->gpr[GPR_RBX], &pi, sizeof(pi));
	if (r != STEP_RETIRED)
		return r;
	if (pi.srcpge || pi.secinfo || !aligned(pi.linaddr, 4096) || !aligned(pi.secs, 4096))
		return fault_gp(c, 0);
	if ((r = init_secs(c, pi.secs, &sidx)) != STEP_RETIRED ||
	    (r = sgx_epc_operand(c, rcx, true, &idx)) != STEP_RETIRED)
		return r;
	struct epcm *m = epcm_at(c, idx);
	if (m->valid)
		return sgx_epcm_fault(c, rcx, true);
	const struct sgx_secs *s = (const void *)epc_page_ptr(sgx_epc_of(c), sidx);
	if (pi.linaddr - s->baseaddr >= s->size)
		return fault_gp(c, 0);
	memset(epc_page_ptr(sgx_epc_of(c), idx), 0, 4096);
	*m = (struct epcm){.valid = true,
			   .r = true,
			   .w = true,
			   .pt = SGX_PT_REG,
			   .pending = true,
			   .secs = sidx,
			   .la = pi.linaddr};
	epcm_at(c, sidx)->children++;
	return STEP_RETIRED;
}

/* EMODPR / EMODT operands: SECINFO at RBX (64-byte aligned, no reserved bits), the target
 * at RCX (4 KiB aligned, a valid page of an initialized enclave). */
static enum cpu_step modify_operands(struct vx_cpu *c, struct sgx_secinfo *si, u32 *idx)
{
	u64 rcx = c->gpr[GPR_RCX];
	if (!aligned(c->gpr[GPR_RBX], 64) || !aligned(rcx, 4096))
		return fault_gp(c, 0);
	enum cpu_step r = sgx_read(c, c->gpr[GPR_RBX], si, sizeof(*si));
	if (r != STEP_RETIRED)
		return r;
	if (si->flags & SGX_SECINFO_RESERVED)
		return fault_gp(c, 0);
	if ((r = sgx_epc_operand(c, rcx, true, idx)) != STEP_RETIRED)
		return r;
	const struct epcm *m = epcm_at(c, *idx);
	if (!m->valid || (m->pt != SGX_PT_REG && m->pt != SGX_PT_TCS))
		return sgx_epcm_fault(c, rcx, true);
	return epcm_at(c, m->secs)->initialized ? STEP_RETIRED : fault_gp(c, 0);
}

/* EMODPR: restrict the EPCM permissions of a REG page to SECINFO's (EACCEPT confirms). */
static enum cpu_step leaf_emodpr(struct vx_cpu *c)
{
	struct sgx_secinfo si;
	u32 idx;
	enum cpu_step r = modify_operands(c, &si, &idx);
	if (r != STEP_RETIRED)
		return r;
	struct epcm *m = epcm_at(c, idx);
	if (m->pt != SGX_PT_REG || ((si.flags & SGX_SECINFO_W) && !(si.flags & SGX_SECINFO_R)))
		return fault_gp(c, 0);
	if (m->pending || m->modified)
		return sgx_status(c, SGX_PAGE_NOT_MODIFIABLE);
	m->r = m->r && (si.flags & SGX_SECINFO_R);
	m->w = m->w && (si.flags & SGX_SECINFO_W);
	m->x = m->x && (si.flags & SGX_SECINFO_X);
	m->pr = true;
	return sgx_status(c, 0);
}

/* EMODT: change a REG page to TCS or TRIM; the page becomes MODIFIED with no rights. */
static enum cpu_step leaf_emodt(struct vx_cpu *c)
{
	struct sgx_secinfo si;
	u32 idx;
	enum cpu_step r = modify_operands(c, &si, &idx);
	if (r != STEP_RETIRED)
		return r;
	unsigned pt = secinfo_pt(&si);
	if ((pt != SGX_PT_TCS && pt != SGX_PT_TRIM) ||
	    (si.flags & (SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X)))
		return fault_gp(c, 0);
	struct epcm *m = epcm_at(c, idx);
	if (m->pending || m->modified)
		return sgx_status(c, SGX_PAGE_NOT_MODIFIABLE);
	if (m->pt == SGX_PT_TCS && pt == SGX_PT_TCS)
		return fault_gp(c, 0);
	m->pt = (u8)pt;
	m->modified = true;
	m->r = m->w = m->x = false;
	return sgx_status(c, 0);
}

enum cpu_step sgx_encls_sgx2(struct vx_cpu *c, u32 leaf)
{
	switch (leaf) {
	case ENCLS_EAUG: return leaf_eaug(c);
	case ENCLS_EMODPR: return leaf_emodpr(c);
	case ENCLS_EMODT: return leaf_emodt(c);
	default:
		if (c->hooks && c->hooks->unsupported)
			c->hooks->unsupported(c, c->insn_rip, ZYDIS_MNEMONIC_ENCLS);
		return fault_ud(c);
	}
}
