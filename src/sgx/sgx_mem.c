// SPDX-License-Identifier: MIT
/*
 * Operand access for the SGX leaves (SDM Vol. 3D 41.1 "Intel SGX Instruction Syntax and
 * Operation": operands are DS-relative effective addresses; explicit accesses go
 * through segmentation, paging and EPT; 38.5.3 "implicit accesses" to SECS/TCS/SSA do not).
 * Also the status convention of the leaves that return an error code.
 */
#include "sgx/sgx_int.h"

#include <string.h>

enum cpu_step sgx_read(struct vx_cpu *c, u64 la, void *buf, size_t len)
{
	u8 *b = buf;
	for (size_t k = 0; k < len;) {
		unsigned n = len - k >= 8 ? 8 : (unsigned)(len - k);
		u64 v;
		enum cpu_step r = mem_read(c, la + k, n, &v, ACC_READ);
		if (r != STEP_RETIRED)
			return r;
		memcpy(b + k, &v, n);
		k += n;
	}
	return STEP_RETIRED;
}

enum cpu_step sgx_write(struct vx_cpu *c, u64 la, const void *buf, size_t len)
{
	const u8 *b = buf;
	/* Translate every page first so that a fault leaves memory unchanged. */
	for (u64 p = la & ~4095ull; p < la + len; p += 4096) {
		u64 pa;
		enum cpu_step r = mmu_translate_step(c, p < la ? la : p, ACC_WRITE, &pa);
		if (r != STEP_RETIRED)
			return r;
	}
	for (size_t k = 0; k < len;) {
		unsigned n = len - k >= 8 ? 8 : (unsigned)(len - k);
		u64 v = 0;
		memcpy(&v, b + k, n);
		enum cpu_step r = mem_write(c, la + k, n, v, ACC_WRITE);
		if (r != STEP_RETIRED)
			return r;
		k += n;
	}
	return STEP_RETIRED;
}

enum cpu_step sgx_epcm_fault(struct vx_cpu *c, u64 la, bool write)
{
	u32 pfec = PFEC_P | PFEC_SGX | (write ? PFEC_W : 0) | (c->cpl == 3 ? PFEC_U : 0);
	return fault_pf(c, la, pfec);
}

enum cpu_step sgx_epc_operand(struct vx_cpu *c, u64 la, bool write, u32 *idx)
{
	u64 pa;
	enum cpu_step r = mmu_translate_step(c, la, write ? ACC_WRITE : ACC_READ, &pa);
	if (r != STEP_RETIRED)
		return r;
	struct sgx_epc *e = sgx_epc_of(c);
	if (!epc_contains(e, pa))
		return sgx_epcm_fault(c, la, write);
	*idx = epc_index(e, pa);
	return STEP_RETIRED;
}

enum cpu_step sgx_status(struct vx_cpu *c, u64 code)
{
	c->gpr[GPR_RAX] = code;
	flags_set_arith(c, RFLAGS_ARITH, code ? RFLAGS_ZF : 0);
	return STEP_RETIRED;
}

enum cpu_step sgx_read_secinfo(struct vx_cpu *c, u64 la, struct sgx_secinfo *si)
{
	enum cpu_step r = sgx_read(c, la, si, sizeof(*si));
	if (r != STEP_RETIRED)
		return r;
	if ((si->flags & SGX_SECINFO_RESERVED) || !zero(si->reserved, sizeof(si->reserved)))
		return fault_gp(c, 0);
	return STEP_RETIRED;
}
