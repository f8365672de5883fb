/* SPDX-License-Identifier: MIT */
/* The test enclave's long computation (enclave op 0), shared with the guests that check its
 * result outside the enclave. */
#ifndef VX_GUEST_ENCLAVE_MIX_H
#define VX_GUEST_ENCLAVE_MIX_H

#include "arch/types.h"

static inline u64 enclave_mix(u64 n)
{
	u64 h = 0xcbf29ce484222325ull;
	for (u64 i = 0; i < n; i++) {
		h ^= i * i + (h >> 7);
		h *= 0x100000001b3ull;
	}
	return h;
}

#endif
