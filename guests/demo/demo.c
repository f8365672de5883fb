// SPDX-License-Identifier: MIT
/*
 * The guest of `vmxsgx demo`, embedded in the vmxsgx binary: a few lines on the console, then
 * one of each kind of VM exit the L0 hypervisor handles for an ordinary guest.
 *
 *   console lines  REP OUTSB to the debug console: one I/O exit per line (string I/O is
 *                  emulated in batches), not one per character
 *   CPUID          exits unconditionally (SDM Vol. 3C 25.1.2 "Instructions That Cause VM Exits
 *                  Unconditionally")
 *   IN / OUT       unconditional I/O exiting (25.1.3 "Instructions That Cause VM Exits
 *                  Conditionally")
 *   MMIO           the test device's EPT entry has a reserved memory type: an EPT
 *                  misconfiguration (28.2.3.1 "EPT Misconfigurations") L0 emulates
 *   timer + HLT    HLT exits (HLT exiting); the timer's interrupt is injected by L0
 *                  (26.5.1 "Vectored-Event Injection") and wakes the guest
 * Exits 0 when everything read back what it should, else 1.
 */
#include "guest.h"

#define TIMER_VEC 0x40
#define MMIO_VALUE 0x5678abcdu

static volatile unsigned fired;

/* A whole string in one REP OUTSB (DS:RSI, RCX bytes, port DX). */
static void say(const char *s)
{
	u64 n = strlen(s);
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(boot_info->console_port) : "memory");
}

static void on_timer(struct exc_frame *f)
{
	(void)f;
	fired++;
}

static bool do_cpuid(void)
{
	u32 r[4];
	char vendor[13];
	cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	char buf[80];
	snprintf(buf, sizeof(buf), "demo: CPUID leaf 0: vendor \"%s\", max leaf %u\n", vendor,
		 r[0]);
	say(buf);
	return r[0] > 0;
}

static bool do_port_io(void)
{
	u8 v = inb(boot_info->console_port);
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: IN from the console port read 0x%x", v);
	say(buf);
	outb(boot_info->console_port, '\n'); /* a single OUT ends the line */
	return v == 0xE9;
}

static bool do_mmio(void)
{
	volatile u32 *reg = (volatile u32 *)boot_info->mmio_test_base;
	reg[0] = MMIO_VALUE;
	u32 back = reg[0];
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: MMIO test device register 0 reads 0x%x\n", back);
	say(buf);
	return back == MMIO_VALUE;
}

static bool do_timer(void)
{
	idt_init();
	idt_set_handler(TIMER_VEC, on_timer);
	outb(boot_info->timer_port, TIMER_VEC);
	outl(boot_info->timer_port + VX_TIMER_DELAY_OFFSET, 1000);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	char buf[64];
	snprintf(buf, sizeof(buf), "demo: HLT woken by the timer (%u interrupt)\n", fired);
	say(buf);
	return fired == 1;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	say("demo: hello from the demo guest\n");
	bool ok = do_cpuid();
	ok = do_port_io() && ok;
	ok = do_mmio() && ok;
	ok = do_timer() && ok;
	say(ok ? "demo: all done, exiting with status 0\n" : "demo: something went wrong\n");
	return ok ? 0 : 1;
}
