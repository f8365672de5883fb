// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: N executions of CPUID (N = the --guest-args number, default 1,000,000),
 * then exit 0.  Under L0 every CPUID is a VM exit (SDM Vol. 3C 25.1.2 "Instructions That
 * Cause VM Exits Unconditionally"), so `vmxsgx bench` times N exit round trips.
 */
#include "guest.h"

#define DEFAULT_N 1000000ull

static u64 parse_count(const char *s)
{
	u64 v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v ? v : DEFAULT_N;
}

int main(struct vx_boot_info *bi)
{
	u64 n = parse_count((const char *)bi->cmdline);
	u32 r[4];
	for (u64 i = 0; i < n; i++)
		cpuid(0, 0, r);
	printf("cpuid_loop: %lu CPUID executed\n", (unsigned long)n);
	return 0;
}
