// SPDX-License-Identifier: MIT
/* Test enclave: a long deterministic computation (so that a timer interrupt lands inside it
 * and ERESUME must continue it exactly), plus a few probes selected by `op`. */
#include "arch/types.h"

u64 enclave_main(u64 op, u64 n, u64 cssa);

static volatile u64 counter;

static u64 mix(u64 n)
{
	u64 h = 0xcbf29ce484222325ull;
	for (u64 i = 0; i < n; i++) {
		h ^= i * i + (h >> 7);
		h *= 0x100000001b3ull;
	}
	return h;
}

u64 enclave_main(u64 op, u64 n, u64 cssa)
{
	switch (op) {
	case 0: return mix(n);
	case 1: return cssa;
	case 2: return ++counter;
	case 3: /* MMIO outside the enclave: the address comes from the caller */
		return *(volatile u64 *)n;
	case 4: __asm__ volatile("cpuid" ::: "rax", "rbx", "rcx", "rdx"); return 0;
	case 5: __asm__ volatile("int3"); return 0;
	default: return ~0ull;
	}
}
