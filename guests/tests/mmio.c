// SPDX-License-Identifier: MIT
/* The MMIO test device: 64-bit registers read back what was last written, at every width. */
#include "guest.h"

int main(struct vx_boot_info *bi)
{
	volatile u8 *dev = (volatile u8 *)bi->mmio_test_base;
	volatile u64 *r64 = (volatile u64 *)dev;
	report(r64[100] == 0, "unwritten register reads 0");
	r64[0] = 0x0123456789abcdefull;
	r64[511] = 0xfedcba9876543210ull;
	report(r64[0] == 0x0123456789abcdefull, "register 0 read-back");
	report(r64[511] == 0xfedcba9876543210ull, "last register (offset 0xff8) read-back");
	report(*(volatile u32 *)(dev + 4) == 0x01234567, "32-bit read of the upper half");
	report(*(volatile u16 *)(dev + 2) == 0x89ab, "16-bit read");
	report(dev[1] == 0xcd, "8-bit read");
	*(volatile u32 *)(dev + 8) = 0xaabbccdd;
	*(volatile u16 *)(dev + 12) = 0x1122;
	dev[14] = 0x33;
	report(r64[1] == 0x00331122aabbccddull, "narrow writes build register 1: 0x%lx", r64[1]);
	return report_summary();
}
