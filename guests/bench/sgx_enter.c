// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: N EENTER+EEXIT round trips into the test enclave (N = the --guest-args
 * number, default 100,000), from one CPL 3 loop; `vmxsgx bench` divides the run's wall time
 * by N.  Needs --sgx sgx2 --sgx-lc on.
 */
#include "guest.h"

extern const char enclave_sum_bundle[];

static u64 tcs, count;
static u8 ustack[16384] __attribute__((aligned(16)));

static u64 loop(u64 n)
{
	u64 s = 0;
	for (u64 i = 0; i < n; i++)
		s += enclave_enter(tcs, 1, 0); /* op 1: returns CSSA (0) */
	return s;
}

int main(struct vx_boot_info *bi)
{
	u64 n = 0;
	for (const char *p = (const char *)bi->cmdline; p && *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (u64)(*p - '0');
	count = n ? n : 100000;
	idt_init();
	struct enclave e;
	if (enclave_build(enclave_sum_bundle, &e))
		return 1;
	tcs = enclave_tcs(&e, 0);
	u64 s = run_user(loop, count, (u64)ustack + sizeof(ustack), 0x2, USER_EXIT_INT);
	printf("sgx_enter: %lu EENTER+EEXIT round trips\n", (unsigned long)count);
	return s == 0 ? 0 : 2;
}
