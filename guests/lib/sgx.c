// SPDX-License-Identifier: MIT
/*
 * SGX helpers of the guest runtime: build a signed enclave bundle (include/vx/enclave.h) in
 * the EPC with ECREATE / EADD / EEXTEND / EINIT (SDM Vol. 3D 39.1 "Constructing an Enclave"),
 * writing IA32_SGXLEPUBKEYHASH0-3 with the signer's hash when launch control allows it.
 * The enclave's linear range is the identity-mapped EPC itself (the boot map covers it, U/S
 * = 1), the SECS takes the EPC's last page.  One enclave at a time (enclave_destroy frees).
 */
#include "guest.h"

#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "vx/enclave.h"

static u8 secs_src[4096] __attribute__((aligned(4096)));
static struct sgx_pageinfo pageinfo __attribute__((aligned(32)));
static struct sgx_secinfo secinfo __attribute__((aligned(64)));
/* An EINITTOKEN with VALID = 0 (launch control: no launch enclave; 512-byte aligned) */
static struct sgx_einittoken token __attribute__((aligned(512)));

u64 encls(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	u64 rax = leaf;
	__asm__ volatile("encls" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return rax;
}

static u64 epc_end(void)
{
	return boot_info->epc_base + boot_info->epc_size;
}

bool sgx_lc_writable(void)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	return (fc & MSR_IA32_FEATURE_CONTROL_LOCK_MASK) &&
	       (fc & MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK);
}

static void add_pages(const struct vx_enclave_bundle *b, u64 base, u64 secs)
{
	const struct vx_enclave_page *p = (const void *)(b + 1);
	const u8 *data = (const u8 *)b + VX_ENCLAVE_DATA_OFFSET;
	for (u32 k = 0; k < b->npages; k++) {
		u64 la = base + p[k].offset;
		pageinfo =
		    (struct sgx_pageinfo){la, (u64)(data + (u64)k * 4096), (u64)&secinfo, secs};
		secinfo.flags = p[k].secinfo;
		encls(ENCLS_EADD, (u64)&pageinfo, la, 0);
		for (u64 c = 0; p[k].extend && c < 4096; c += 256)
			encls(ENCLS_EEXTEND, secs, la + c, 0);
	}
}

long enclave_build(const void *bundle, struct enclave *e)
{
	const struct vx_enclave_bundle *b = bundle;
	if (b->magic != VX_ENCLAVE_MAGIC || !boot_info->epc_size)
		return -1;
	u64 base = (boot_info->epc_base + b->size - 1) & ~(b->size - 1);
	u64 secs = epc_end() - 4096;
	if (base + b->size > secs)
		return -1;
	struct sgx_secs *s = (struct sgx_secs *)secs_src;
	memset(s, 0, sizeof(*s));
	s->size = b->size;
	s->baseaddr = base;
	s->ssaframesize = b->ssaframesize;
	s->miscselect = b->miscselect;
	s->attributes = b->attributes;
	s->xfrm = b->xfrm;
	pageinfo = (struct sgx_pageinfo){0, (u64)secs_src, (u64)&secinfo, 0};
	secinfo.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	encls(ENCLS_ECREATE, (u64)&pageinfo, secs, 0);
	add_pages(b, base, secs);
	if (sgx_lc_writable())
		for (unsigned k = 0; k < 4; k++) {
			u64 v;
			memcpy(&v, b->mrsigner + 8 * k, 8);
			wrmsr(MSR_IA32_SGXLEPUBKEYHASH0 + k, v);
		}
	*e = (struct enclave){.base = base, .size = b->size, .secs = secs, .bundle = b};
	return (long)encls(ENCLS_EINIT, (u64)b + VX_ENCLAVE_SIG_OFFSET, secs, (u64)&token);
}

void enclave_destroy(struct enclave *e)
{
	const struct vx_enclave_page *p = (const void *)(e->bundle + 1);
	for (u32 k = 0; k < e->bundle->npages; k++)
		encls(ENCLS_EREMOVE, 0, e->base + p[k].offset, 0);
	encls(ENCLS_EREMOVE, 0, e->secs, 0);
}

u64 enclave_tcs(const struct enclave *e, unsigned n)
{
	return e->base + e->bundle->tcs[n];
}

static u64 call_tcs, call_a, call_b;
static u8 call_stack[16384] __attribute__((aligned(16)));

static u64 call_at_cpl3(u64 unused)
{
	(void)unused;
	return enclave_enter(call_tcs, call_a, call_b);
}

u64 enclave_call(u64 tcs, u64 a, u64 b, u64 rflags)
{
	call_tcs = tcs;
	call_a = a;
	call_b = b;
	return run_user(call_at_cpl3, 0, (u64)call_stack + sizeof(call_stack), rflags,
			USER_EXIT_INT);
}
