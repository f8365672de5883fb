// SPDX-License-Identifier: MIT
/* Test enclave: a long deterministic computation (so that a timer interrupt lands inside it
 * and ERESUME must continue it exactly), plus a few probes selected by `op`. */
#include "arch/types.h"

#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "mix.h"

u64 enclave_main(u64 op, u64 n, u64 cssa, u64 tcs);
/* hidden: its address is taken RIP-relative (a GOT load would be relaxed to an absolute
 * constant by the static link at 0) */
__attribute__((visibility("hidden"))) void enclave_fault_landing(void);

static volatile u64 counter;
static volatile u64 last_exitinfo;

/* Entered with CSSA > 0: the exception handler of the SGX programming model.  The frame the
 * AEX filled is SSA[CSSA - 1] (one page per frame right after the TCS, the bundle layout):
 * remember its EXITINFO and make ERESUME continue at enclave_fault_landing. */
static u64 handle_exception(u64 cssa, u64 tcs)
{
	u64 frame = tcs + 4096 * cssa; /* SSA frame cssa - 1 starts at tcs + 4096 * cssa */
	struct sgx_gprsgx *g = (struct sgx_gprsgx *)(frame + 4096 - sizeof(*g));
	last_exitinfo = g->exitinfo;
	g->rip = (u64)enclave_fault_landing;
	return 0;
}

/* Arguments of ops 10-16, in the caller's (untrusted) memory at `n`. */
struct args {
	u64 a, b, c;
	u8 buf[512];
};

static struct sgx_secinfo secinfo __attribute__((aligned(64)));
static struct sgx_targetinfo target __attribute__((aligned(512)));
static u8 reportdata[64] __attribute__((aligned(128)));
static struct sgx_report report __attribute__((aligned(512)));
static struct sgx_keyrequest keyreq __attribute__((aligned(512)));
static u8 key[16] __attribute__((aligned(16)));

static u64 enclu(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx)::"memory", "cc");
	return leaf;
}

static void copy(void *d, const void *s, u64 n)
{
	for (u64 k = 0; k < n; k++)
		((volatile u8 *)d)[k] = ((const u8 *)s)[k];
}

/* SGX2 and key leaves, driven by the caller's arguments. */
static u64 sgx_op(u64 op, struct args *x)
{
	secinfo.flags = x->a;
	switch (op) {
	case 10: return enclu(ENCLU_EACCEPT, (u64)&secinfo, x->b, 0);
	case 11: return *(volatile u64 *)x->a;
	case 12: *(volatile u64 *)x->a = x->b; return 0;
	case 13: return enclu(ENCLU_EMODPE, (u64)&secinfo, x->b, 0);
	case 14:
		for (unsigned k = 0; k < 64; k++)
			reportdata[k] = (u8)(x->b + k);
		enclu(ENCLU_EREPORT, (u64)&target, (u64)reportdata, (u64)&report);
		copy(x->buf, &report, sizeof(report));
		return 0;
	case 15: {
		keyreq.keyname = (u16)x->a;
		keyreq.keypolicy = (u16)x->b;
		u64 st = enclu(ENCLU_EGETKEY, (u64)&keyreq, (u64)key, 0);
		copy(x->buf, key, sizeof(key));
		return st;
	}
	default: return enclu(ENCLU_EACCEPTCOPY, (u64)&secinfo, x->b, x->c);
	}
}

u64 enclave_main(u64 op, u64 n, u64 cssa, u64 tcs)
{
	if (op >= 10 && op <= 16)
		return sgx_op(op, (struct args *)n);
	if (cssa > 0 && op == 100)
		return handle_exception(cssa, tcs);
	switch (op) {
	case 0: return enclave_mix(n);
	case 1: return cssa;
	case 2: return ++counter;
	case 3: /* MMIO outside the enclave: the address comes from the caller */
		return *(volatile u64 *)n;
	case 4: __asm__ volatile("cpuid" ::: "rax", "rbx", "rcx", "rdx"); return 0;
	case 5: __asm__ volatile("int3"); return 0;
	case 6: return last_exitinfo;
	case 7: {
		u64 r;
		__asm__ volatile("rdrand %0" : "=r"(r)::"cc");
		return r;
	}
	case 8: __asm__ volatile("pause"); return 8;
	default: return ~0ull;
	}
}
