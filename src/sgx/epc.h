/* SPDX-License-Identifier: MIT */
/*
 * The Enclave Page Cache and its map (SDM Vol. 3D 38.5 "Enclave Page Cache (EPC)", 38.5.1
 * "EPC Page Map (EPCM)", Table 38-28 "Content of an Enclave Page Cache Map Entry").
 *
 * The EPC is a section of the processor-reserved range of host physical memory: software
 * outside an enclave cannot read or write it (docs/decisions.md: abort-page semantics, reads
 * all ones, writes dropped, which phys.c already gives any address that is not RAM or MMIO).
 * The processor reaches a page's bytes through epc_page_ptr() only after the EPCM checks of
 * the instruction or access that wants them.
 *
 * Each EPCM entry also carries what the processor keeps about an enclave in "implementation-
 * specific" places (38.7 "the SECS contains ... EID and PAD at implementation dependent
 * locations"): for SECS pages the running MRENCLAVE hash, the initialized flag, the child
 * count and the threads inside; for TCS pages the busy flag.
 */
#ifndef VX_SGX_EPC_H
#define VX_SGX_EPC_H

#include "arch/sgx_structs.h"
#include "arch/types.h"

/* The EPCM entry of one page plus the processor's hidden per-page state. */
struct epcm {
	bool valid;
	bool r, w, x;
	bool blocked, pending, modified, pr;
	u8 pt;    /* enum sgx_page_type */
	u32 secs; /* ENCLAVESECS: the page index of the enclave's SECS */
	u64 la;   /* ENCLAVEADDRESS */
	/* PT_SECS only */
	bool initialized;
	u32 children; /* valid pages whose ENCLAVESECS is this page */
	u32 active;   /* logical processors executing in the enclave */
	void *mr;     /* EVP_MD_CTX: MRENCLAVE being measured (NULL after EINIT) */
	/* PT_TCS only: a logical processor is executing through it (STATE = ACTIVE) */
	bool tcs_busy;
};

struct sgx_epc {
	u64 base, size; /* host-physical section */
	u64 npages;
	u8 *mem;
	struct epcm *map;
	u8 root_key[16]; /* per-machine secret the key derivation starts from (EGETKEY) */
};

/* Creates an EPC section (base and size 4 KiB aligned, size > 0); NULL when out of memory. */
struct sgx_epc *epc_create(u64 base, u64 size, const u8 root_key[16]);
void epc_destroy(struct sgx_epc *e);

static inline bool epc_contains(const struct sgx_epc *e, u64 pa)
{
	return e && pa - e->base < e->size;
}

/* Page index of pa (which must be in the EPC). */
static inline u32 epc_index(const struct sgx_epc *e, u64 pa)
{
	return (u32)((pa - e->base) >> 12);
}

static inline u8 *epc_page_ptr(const struct sgx_epc *e, u32 idx)
{
	return e->mem + ((u64)idx << 12);
}

/* Clears an EPCM entry, releasing what it owned (the measurement context). */
void epcm_clear(struct epcm *m);

#endif
