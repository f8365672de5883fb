// SPDX-License-Identifier: MIT
/* report(): one PASS/FAIL/SKIP line per check and a closing summary (kvm-unit-tests style). */
#include "guest.h"

struct vx_boot_info *boot_info;
static unsigned n_pass, n_fail, n_skip;

static void line(const char *tag, const char *fmt, va_list ap)
{
	printf("%s: ", tag);
	vprintf(fmt, ap);
	printf("\n");
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (pass)
		n_pass++;
	else
		n_fail++;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("SKIP", fmt, ap);
	va_end(ap);
	n_skip++;
}

int report_summary(void)
{
	printf("SUMMARY: %u tests, %u unexpected failures, %u skipped\n", n_pass + n_fail + n_skip,
	       n_fail, n_skip);
	return n_fail ? 1 : 0;
}

void exit(int code)
{
	outl(boot_info->exit_port, (u32)code);
	for (;;) {
		cli();
		halt();
	}
}
