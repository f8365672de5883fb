/* SPDX-License-Identifier: MIT */
/*
 * A logical processor's enclave-mode state (SDM Vol. 3D 38.4 "Enclave Mode"... the internal
 * registers the instruction pages name CR_ENCLAVE_MODE, CR_TCS_LA, CR_TCS_PA, CR_ACTIVE_SECS,
 * CR_ELRANGE, CR_SAVE_FS/GS, CR_SAVE_XCR0, CR_DBGOPTIN, CR_SAVE_TF, CR_GPR_PA).  Part of
 * struct vx_cpu; only src/sgx writes it.
 */
#ifndef VX_SGX_SGX_STATE_H
#define VX_SGX_SGX_STATE_H

#include "arch/sgx_structs.h"
#include "arch/types.h"

/* A segment register as saved by EENTER (the outside FS/GS). */
struct sgx_seg {
	u16 sel;
	u32 ar, limit;
	u64 base;
};

/* A leaf's copy of a large memory operand (ECREATE's TMP_SECS, EINIT's SIGSTRUCT, the source
 * page of EADD and EACCEPTCOPY): per processor, off the host stack; one leaf uses it at a
 * time. */
union sgx_scratch {
	struct sgx_secs secs;
	struct sgx_sigstruct sig;
	u8 page[SGX_PAGE_SIZE];
};

struct sgx_cpu {
	bool active;      /* CR_ENCLAVE_MODE */
	bool dbgoptin;    /* CR_DBGOPTIN: the entry was opt-in (TCS.FLAGS.DBGOPTIN) */
	bool saved_tf;    /* CR_SAVE_TF: RFLAGS.TF at an opt-out entry */
	u32 tcs;          /* CR_TCS_PA as an EPC page index */
	u32 secs;         /* CR_ACTIVE_SECS as an EPC page index */
	u64 tcs_la;       /* CR_TCS_LA */
	u64 base, size;   /* CR_ELRANGE */
	u64 ssa_pa;       /* host-physical address of the SSA frame (frame CSSA): its XSAVE area */
	u64 gpr_pa;       /* CR_GPR_PA: host-physical address of its GPRSGX area */
	bool misc_exinfo; /* SECS.MISCSELECT.EXINFO */
	u64 save_xcr0;    /* CR_SAVE_XCR0 */
	struct sgx_seg save_fs, save_gs; /* CR_SAVE_FS_*, CR_SAVE_GS_* */
	union sgx_scratch scratch;       /* not architectural: the leaves' operand buffer */
};

#endif
