// SPDX-License-Identifier: MIT
/* Halts with interrupts disabled without writing the exit port: the run ends with status 3. */
#include "guest.h"

int main(struct vx_boot_info *bi)
{
	(void)bi;
	puts("halting with interrupts disabled");
	cli();
	halt();
	puts("FAIL: still running after HLT");
	return 1;
}
