// SPDX-License-Identifier: MIT
/*
 * Memory accesses in enclave mode (SDM Vol. 3D 38.3 "Access-Control Requirements", 38.5.1
 * "Access-control for Accesses that Originate from non-SGX Instructions", 38.5.2 "Enclave
 * Page Cache" access rules).
 * Paging (and EPT) translate first; then, for a linear address inside ELRANGE, the page must
 * be an EPC page of the current enclave recorded at that linear address, of type PT_REG,
 * neither BLOCKED, PENDING nor MODIFIED, with the EPCM right for the access; a linear address
 * outside ELRANGE must not resolve to the EPC; code may not be fetched from outside ELRANGE
 * (#GP(0)).  Every other failure is a #PF with error-code bit 15 (SGX) and bit 0 set
 * (4.7 "Page-Fault Exceptions").  Outside enclave mode nothing here runs: the EPC then reads
 * as all ones and ignores writes (docs/decisions.md D53).
 */
#include "cpu/profile.h"
#include "sgx/sgx_int.h"

static enum cpu_step sgx_pf(struct vx_cpu *c, u64 la, unsigned acc)
{
	unsigned kind = acc & ACC_KIND;
	u32 pfec = PFEC_P | PFEC_SGX;
	if (kind == ACC_WRITE || (acc & ACC_RMW))
		pfec |= PFEC_W;
	if (c->cpl == 3 && !(acc & ACC_IMPLICIT))
		pfec |= PFEC_U;
	if (kind == ACC_EXEC && (c->msr.efer & X86_EFER_NXE))
		pfec |= PFEC_I;
	return fault_pf(c, la, pfec);
}

enum cpu_step sgx_access(struct vx_cpu *c, u64 la, u64 pa, unsigned acc, u32 *allow)
{
	struct sgx_epc *e = sgx_epc_of(c);
	unsigned kind = acc & ACC_KIND;
	if (!sgx_in_elrange(c, la, 1)) {
		if (kind == ACC_EXEC)
			return fault_gp(c, 0);
		return epc_contains(e, pa) ? sgx_pf(c, la, acc) : STEP_RETIRED;
	}
	if (!epc_contains(e, pa))
		return sgx_pf(c, la, acc);
	const struct epcm *m = epcm_at(c, epc_index(e, pa));
	if (!m->valid || m->secs != c->sgx.secs || m->pt != SGX_PT_REG ||
	    m->la != (la & ~4095ull) || m->blocked || m->pending || m->modified)
		return sgx_pf(c, la, acc);
	bool wr = kind == ACC_WRITE || (acc & ACC_RMW);
	if ((kind == ACC_READ && !wr && !m->r) || (wr && !m->w) || (kind == ACC_EXEC && !m->x))
		return sgx_pf(c, la, acc);
	u32 keep = TLB_USER | TLB_GLOBAL;
	if (m->r)
		keep |= TLB_R | TLB_UR;
	if (m->w)
		keep |= TLB_W | TLB_UW;
	if (m->x)
		keep |= TLB_X | TLB_UX;
	*allow &= keep;
	return STEP_RETIRED;
}

u8 *sgx_host_ptr(struct vx_cpu *c, u64 pa)
{
	struct sgx_epc *e = sgx_epc_of(c);
	if (!c->sgx.active || !epc_contains(e, pa))
		return NULL;
	return epc_page_ptr(e, epc_index(e, pa)) + (pa & 4095);
}
