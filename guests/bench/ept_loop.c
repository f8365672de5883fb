// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: N 32-bit reads of one guest-physical address under L0, then exit 0.
 * --guest-args "N" reads the MMIO test device, whose EPT entry has a reserved memory type:
 * every read is an EPT misconfiguration (SDM Vol. 3C 28.2.3.1 "EPT Misconfigurations") that
 * L0 decodes and emulates as a device access.  "N hole" reads the page after the device,
 * which L0's EPT leaves not present: every read is an EPT violation (28.2.3.2 "EPT
 * Violations") that L0 emulates as "no device answers" (all ones).  N defaults to 1,000,000.
 * In bare mode the same reads reach the device or the unmapped hole without any exit.
 */
#include "guest.h"

#define DEFAULT_N 1000000ull

static u64 parse_count(const char **s)
{
	u64 v = 0;
	while (*s && **s >= '0' && **s <= '9')
		v = v * 10 + (u64)(*(*s)++ - '0');
	return v ? v : DEFAULT_N;
}

int main(struct vx_boot_info *bi)
{
	const char *args = (const char *)bi->cmdline;
	u64 n = parse_count(&args);
	bool hole = args && !strcmp(args, " hole");
	u64 pa = bi->mmio_test_base + (hole ? VX_MMIO_TEST_SIZE : 0);
	volatile u32 *reg = (volatile u32 *)pa;
	u32 sum = 0;
	for (u64 i = 0; i < n; i++)
		sum += *reg;
	printf("ept_loop: %lu reads of 0x%lx (sum 0x%x)\n", (unsigned long)n, (unsigned long)pa,
	       sum);
	return 0;
}
