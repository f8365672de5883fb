// SPDX-License-Identifier: MIT
/* The smallest guest: prints through the console port and exits 0 through the exit port. */
#include "guest.h"

int main(struct vx_boot_info *bi)
{
	printf("hello from the guest: %d %u %x %lx %s %c %p %05d|%-4d|\n", -42, 7u, 0xbeefu,
	       0x1234567890ul, "str", 'z', (void *)bi, 42, 7);
	report(bi->magic == VX_BOOT_INFO_MAGIC, "boot info magic");
	char buf[32];
	snprintf(buf, sizeof(buf), "%08x-%lld", 0xabcu, -1234567890123ll);
	report(!strcmp(buf, "00000abc--1234567890123"), "printf formatting: %s", buf);
	return report_summary();
}
