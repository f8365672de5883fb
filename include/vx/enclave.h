/* SPDX-License-Identifier: MIT */
/*
 * The signed-enclave bundle `vmxsgx sign` writes and the guest runtime loads (guests/lib/sgx.c):
 * the enclave's layout, its SIGSTRUCT and its pages, in the order the loader must ECREATE,
 * EADD and EEXTEND them so that MRENCLAVE comes out as the signer computed it.  Little-endian,
 * fixed layout (static asserts):
 *
 *   [0, 4096)       struct vx_enclave_bundle, then npages struct vx_enclave_page
 *   [4096, 8192)    SIGSTRUCT (4 KiB aligned, as EINIT wants it)
 *   [8192, ...)     the page contents, 4 KiB each, in page-table order
 *
 * Enclave layout (offsets from the enclave base): the image's PT_LOAD pages from 0, the heap,
 * then per thread: stack pages, the TCS (so that the stack top is the TCS address the entry
 * code finds in RBX), NSSA SSA frames of SSAFRAMESIZE pages.  SIZE is the next power of two.
 */
#ifndef VX_ENCLAVE_H
#define VX_ENCLAVE_H

#include "arch/types.h"

#define VX_ENCLAVE_MAGIC 0x42455856u /* "VXEB" */
#define VX_ENCLAVE_VERSION 1u
#define VX_ENCLAVE_MAX_TCS 8u
#define VX_ENCLAVE_SIG_OFFSET 4096u
#define VX_ENCLAVE_DATA_OFFSET 8192u

struct vx_enclave_page {
	u64 offset;  /* from the enclave base */
	u64 secinfo; /* SECINFO.FLAGS for EADD */
	u64 extend;  /* 1: EEXTEND its 16 chunks (measured contents), 0: EADD only */
};

struct vx_enclave_bundle {
	u32 magic, version;
	u64 size;       /* SECS.SIZE */
	u64 attributes; /* SECS.ATTRIBUTES[63:0] */
	u64 xfrm;       /* SECS.ATTRIBUTES[127:64] */
	u32 ssaframesize;
	u32 miscselect;
	u32 npages;
	u32 ntcs;
	u32 nssa;
	u32 reserved;
	u64 tcs[VX_ENCLAVE_MAX_TCS]; /* TCS offsets */
	u8 mrenclave[32];            /* what EINIT will find (informational) */
	u8 mrsigner[32];             /* SHA-256 of the modulus: IA32_SGXLEPUBKEYHASH0-3 */
				     /* followed by npages struct vx_enclave_page */
};
_Static_assert(sizeof(struct vx_enclave_bundle) == 184, "vx_enclave_bundle layout");
#define VX_ENCLAVE_MAX_PAGES \
	((4096u - sizeof(struct vx_enclave_bundle)) / sizeof(struct vx_enclave_page))

#endif
