/* SPDX-License-Identifier: MIT */
/*
 * Shared by the files of src/sgx: operand access for the leaves, status reporting, the
 * enclave measurement and SIGSTRUCT verification (OpenSSL libcrypto), key derivation.
 */
#ifndef VX_SGX_SGX_INT_H
#define VX_SGX_SGX_INT_H

#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "cpu/ops.h"
#include "sgx/epc.h"
#include "sgx/sgx.h"

static inline bool aligned(u64 v, u64 a)
{
	return (v & (a - 1)) == 0;
}

/* n bytes at p are all zero (reserved fields). */
static inline bool zero(const void *p, size_t n)
{
	const u8 *b = p;
	for (size_t k = 0; k < n; k++)
		if (b[k])
			return false;
	return true;
}

/* [la, la + len) inside the current enclave's ELRANGE. */
static inline bool sgx_in_elrange(const struct vx_cpu *c, u64 la, u64 len)
{
	return la - c->sgx.base < c->sgx.size && c->sgx.size - (la - c->sgx.base) >= len;
}

/* General-purpose register numbers (c->gpr[]). */
enum { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI };

/* Reads/writes len bytes of linear memory as an explicit operand of the leaf (the access
 * rights of the current CPL; #PF/#GP or a VM exit come back as the step result). */
enum cpu_step sgx_read(struct vx_cpu *c, u64 la, void *buf, size_t len);
enum cpu_step sgx_write(struct vx_cpu *c, u64 la, const void *buf, size_t len);

/*
 * An operand that must be an EPC page (ENCLS "EPCPAGE", EENTER's TCS...): translates la
 * (paging, then EPT in VMX non-root operation) and returns its page index; #PF(la) with the
 * SGX error-code bit when it does not resolve to the EPC (docs/decisions.md).
 */
enum cpu_step sgx_epc_operand(struct vx_cpu *c, u64 la, bool write, u32 *idx);
/* SECINFO at la (38.11): #GP(0) for reserved bits or bytes that are not zero. */
enum cpu_step sgx_read_secinfo(struct vx_cpu *c, u64 la, struct sgx_secinfo *si);

static inline unsigned secinfo_pt(const struct sgx_secinfo *si)
{
	return (unsigned)((si->flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT);
}

/* #PF(la) for an EPCM check of an explicit operand: P, W as given, SGX. */
enum cpu_step sgx_epcm_fault(struct vx_cpu *c, u64 la, bool write);

/* A leaf's status (SDM Vol. 3D 41.3 "Error codes" convention, Table 41-3): RAX = code,
 * ZF = (code != 0), CF PF AF SF OF cleared; always STEP_RETIRED. */
enum cpu_step sgx_status(struct vx_cpu *c, u64 code);

/* The level of the trace records the processor emits (L1: it runs under L0 or bare; the
 * nested issue distinguishes L2). */
static inline unsigned sgx_trace_lvl(const struct vx_cpu *c)
{
	return c->trace_lvl ? 2 : 1;
}

static inline struct sgx_epc *sgx_epc_of(struct vx_cpu *c)
{
	return c->phys->epc;
}

static inline struct epcm *epcm_at(struct vx_cpu *c, u32 idx)
{
	return &c->phys->epc->map[idx];
}

/* The GPRSGX area at host-physical pa (an EPC address: CR_GPR_PA or an SSA frame's). */
static inline struct sgx_gprsgx *sgx_gpr_at(struct vx_cpu *c, u64 pa)
{
	struct sgx_epc *e = sgx_epc_of(c);
	return (struct sgx_gprsgx *)(epc_page_ptr(e, epc_index(e, pa)) + (pa & 4095));
}

/* ---- encls.c, encls2.c: ENCLS ---- */
/* The SECS page at la (an EPC operand): valid PT_SECS, else #PF(la). */
enum cpu_step sgx_secs_operand(struct vx_cpu *c, u64 la, u32 *idx);
/* The SGX2 leaves EAUG, EMODPR, EMODT; #UD for the leaves the model does not execute. */
enum cpu_step sgx_encls_sgx2(struct vx_cpu *c, u32 leaf);

/* ---- enclu_keys.c, enclu2.c: ENCLU inside an enclave ---- */
/* EREPORT and EGETKEY; the SGX2 leaves otherwise. */
enum cpu_step sgx_enclu_keys(struct vx_cpu *c, u32 leaf);
/* EACCEPT, EMODPE, EACCEPTCOPY. */
enum cpu_step sgx_enclu_sgx2(struct vx_cpu *c, u32 leaf);

/* ---- measure.c: MRENCLAVE (41.4 ECREATE/EADD/EEXTEND "Operation") ---- */
bool sgx_mr_start(struct epcm *secs);
bool sgx_mr_update(struct epcm *secs, const void *block, size_t len); /* multiple of 64 */
bool sgx_mr_peek(const struct epcm *secs, u8 out[32]); /* the final hash, state kept */
void sgx_sha256(const void *data, size_t len, u8 out[32]);

/* ---- sigstruct.c: EINIT's SIGSTRUCT checks (38.13, EINIT "Operation") ---- */
/* 0, SGX_INVALID_SIG_STRUCT (layout/fixed fields) or SGX_INVALID_SIGNATURE (RSA, Q1/Q2). */
u32 sgx_sigstruct_verify(const struct sgx_sigstruct *s);

/* ---- keys.c: EGETKEY / EREPORT key derivation ---- */
/* Derives a 128-bit key with AES-CMAC from the machine root key over a derivation buffer. */
bool sgx_derive_key(const struct sgx_epc *e, const void *buf, size_t len, u8 key[16]);
bool sgx_cmac(const u8 key[16], const void *data, size_t len, u8 mac[16]);

/* The XSAVE area size SGX uses for XFRM (legacy region + header, no compaction). */
u32 sgx_xsave_size(u64 xfrm);

/* Leaving enclave mode (EEXIT, AEX; aex.c): FS, GS and, under CR4.OSXSAVE, XCR0 as EENTER or
 * ERESUME saved them, and the MTF VM exit that pends after either with the "monitor trap flag"
 * control (EEXIT "Operation"; 40.4). */
void sgx_restore_outside(struct vx_cpu *c);
void sgx_mtf_after_exit(struct vx_cpu *c);

#endif
