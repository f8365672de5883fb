// SPDX-License-Identifier: MIT
/*
 * SGX2 dynamic memory, debug access and keys with the signed test enclave (SDM Vol. 3D 41.4
 * EAUG, EMODPR, EMODT, EDBGRD, EDBGWR, EREMOVE; 41.5 EACCEPT, EMODPE, EACCEPTCOPY, EREPORT,
 * EGETKEY; 38.3 access control):
 *   - an EAUG'ed page is PENDING: an enclave access faults (#PF with PFEC.SGX, AEX to the
 *     guest's handler at the AEP) until EACCEPT; a second EACCEPT reports the mismatch;
 *   - EMODPR restricts a page to read-only (confirmed by EACCEPT with PR): a write faults;
 *     EMODPE gives the write right back;
 *   - EMODT makes a page PT_TRIM (MODIFIED), EACCEPT confirms it, EREMOVE frees it;
 *   - EACCEPTCOPY fills a pending page with a copy of another;
 *   - EDBGRD/EDBGWR read and write a debug enclave's memory;
 *   - EREPORT reports MRENCLAVE/MRSIGNER/ATTRIBUTES/REPORTDATA, the same MAC twice; EGETKEY:
 *     an unknown key name, PROVISION without PROVISIONKEY, SEAL keys by policy.
 */
#include "guest.h"

#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "vx/enclave.h"

extern const char enclave_sum_bundle[];

struct args {
	u64 a, b, c;
	u8 buf[512];
};

static struct args args;
static u64 tcs;
static volatile unsigned pf_at_aep;
static volatile u32 pf_error;
static struct sgx_pageinfo pageinfo __attribute__((aligned(32)));
static struct sgx_secinfo secinfo __attribute__((aligned(64)));

static void on_pf(struct exc_frame *f)
{
	if (f->rip == (u64)vx_aep) {
		pf_at_aep++;
		pf_error = (u32)f->error_code;
		vx_aep_fault = 1;
	} else {
		report(false, "#PF outside the enclave at 0x%lx", f->rip);
		exit(1);
	}
}

static u64 op(u64 o, u64 a, u64 b, u64 c)
{
	args.a = a;
	args.b = b;
	args.c = c;
	return enclave_call(tcs, o, (u64)&args, 0x2);
}

#define PT_REG ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT)
#define PT_TRIM ((u64)SGX_PT_TRIM << SGX_SECINFO_PT_SHIFT)
#define R SGX_SECINFO_R
#define W SGX_SECINFO_W
#define X SGX_SECINFO_X

/* EAUG returns no status (RAX is left as it was): a fault would end the test. */
static bool eaug(const struct enclave *e, u64 la)
{
	pageinfo = (struct sgx_pageinfo){la, 0, 0, e->secs};
	return encls(ENCLS_EAUG, (u64)&pageinfo, la, 0) == ENCLS_EAUG;
}

static u64 emod(const struct enclave *e, unsigned leaf, u64 flags, u64 la)
{
	(void)e;
	secinfo.flags = flags;
	return encls(leaf, (u64)&secinfo, la, 0);
}

/* The first ELRANGE page after the bundle's pages. */
static u64 free_page(const struct enclave *e)
{
	const struct vx_enclave_page *p = (const void *)(e->bundle + 1);
	u64 end = 0;
	for (u32 k = 0; k < e->bundle->npages; k++)
		if (p[k].offset + 4096 > end)
			end = p[k].offset + 4096;
	return e->base + end;
}

static void dynamic_pages(const struct enclave *e, u64 pg)
{
	report(eaug(e, pg), "EAUG a page at 0x%lx", pg);
	u64 r = op(11, pg, 0, 0);
	report(r == 0xfa17 && pf_at_aep == 1 && (pf_error & 0x8001) == 0x8001,
	       "a PENDING page faults (#PF 0x%x, PFEC.SGX)", pf_error);
	report(op(10, R | W | SGX_SECINFO_PENDING | PT_REG, pg, 0) == 0, "EACCEPT the page");
	report(op(12, pg + 8, 0x1234, 0) == 0 && op(11, pg + 8, 0, 0) == 0x1234,
	       "the accepted page is zero-filled and writable");
	report(op(10, R | W | SGX_SECINFO_PENDING | PT_REG, pg, 0) == SGX_PAGE_ATTRIBUTES_MISMATCH,
	       "a second EACCEPT: SGX_PAGE_ATTRIBUTES_MISMATCH");
	report(emod(e, ENCLS_EMODPR, R | PT_REG, pg) == 0, "EMODPR to read-only");
	report(op(10, R | SGX_SECINFO_PR | PT_REG, pg, 0) == 0, "EACCEPT the restriction");
	r = op(12, pg + 8, 1, 0);
	report(r == 0xfa17 && pf_at_aep == 2 && (pf_error & 0x8003) == 0x8003,
	       "a write to it faults (#PF 0x%x)", pf_error);
	report(op(13, R | W, pg, 0) == ENCLU_EMODPE && op(12, pg + 8, 7, 0) == 0 &&
		   op(11, pg + 8, 0, 0) == 7,
	       "EMODPE gives the write right back (RAX untouched)");
	report(emod(e, ENCLS_EMODT, PT_TRIM, pg) == 0, "EMODT to PT_TRIM");
	report(op(10, SGX_SECINFO_MODIFIED | PT_TRIM, pg, 0) == 0, "EACCEPT the trim");
	report(encls(ENCLS_EREMOVE, 0, pg, 0) == 0, "EREMOVE the trimmed page");
	report(eaug(e, pg) && op(16, R | X | PT_REG, pg, e->base) == 0 &&
		   op(11, pg, 0, 0) == op(11, e->base, 0, 0),
	       "EACCEPTCOPY copies the first code page into a new page");
	encls(ENCLS_EREMOVE, 0, pg, 0);
}

static void debug_access(const struct enclave *e, u64 pg)
{
	report(eaug(e, pg) && op(10, R | W | SGX_SECINFO_PENDING | PT_REG, pg, 0) == 0,
	       "a fresh page for the debug leaves");
	op(12, pg, 0x5a5a0001, 0);
	u64 rbx = 0, rax = ENCLS_EDBGRD, rcx = pg, rdx = 0;
	__asm__ volatile("encls" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx)::"memory", "cc");
	report(rax == 0 && rbx == 0x5a5a0001, "EDBGRD reads what the enclave wrote");
	report(encls(ENCLS_EDBGWR, 0xfeed, pg + 16, 0) == 0 && op(11, pg + 16, 0, 0) == 0xfeed,
	       "the enclave reads what EDBGWR wrote");
	encls(ENCLS_EREMOVE, 0, pg, 0);
}

static void keys(const struct enclave *e)
{
	const struct vx_enclave_bundle *b = e->bundle;
	op(14, 0, 0x40, 0);
	static struct sgx_report r1;
	memcpy(&r1, args.buf, sizeof(r1));
	report(!memcmp(r1.mrenclave, b->mrenclave, 32) && !memcmp(r1.mrsigner, b->mrsigner, 32),
	       "EREPORT: MRENCLAVE and MRSIGNER are the signer's");
	report(r1.attributes == (b->attributes | SGX_ATTR_INIT) && r1.reportdata[5] == 0x45,
	       "EREPORT: ATTRIBUTES with INIT, REPORTDATA");
	op(14, 0, 0x40, 0);
	report(!memcmp(((struct sgx_report *)args.buf)->mac, r1.mac, 16), "EREPORT: the same MAC");
	report(op(15, 5, 0, 0) == SGX_INVALID_KEYNAME, "EGETKEY of key name 5: INVALID_KEYNAME");
	report(op(15, SGX_KEY_PROVISION, 0, 0) == SGX_INVALID_ATTRIBUTE,
	       "EGETKEY PROVISION without PROVISIONKEY: INVALID_ATTRIBUTE");
	u8 k1[16], k2[16];
	report(op(15, SGX_KEY_SEAL, SGX_KEYPOLICY_MRENCLAVE, 0) == 0, "EGETKEY SEAL (MRENCLAVE)");
	memcpy(k1, args.buf, 16);
	op(15, SGX_KEY_SEAL, SGX_KEYPOLICY_MRENCLAVE, 0);
	memcpy(k2, args.buf, 16);
	report(!memcmp(k1, k2, 16), "the same SEAL key twice");
	op(15, SGX_KEY_SEAL, SGX_KEYPOLICY_MRSIGNER, 0);
	report(memcmp(k1, args.buf, 16) != 0, "SEAL keys differ by policy");
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	idt_set_handler(14, on_pf);
	struct enclave e;
	long st = enclave_build(enclave_sum_bundle, &e);
	report(st == 0, "EINIT: status %ld", st);
	if (st)
		return report_summary();
	tcs = enclave_tcs(&e, 0);
	u64 pg = free_page(&e);
	if (pg + 4096 > e.base + e.size) {
		report(false, "no free page in ELRANGE");
		return report_summary();
	}
	dynamic_pages(&e, pg);
	debug_access(&e, pg);
	keys(&e);
	enclave_destroy(&e);
	return report_summary();
}
