// SPDX-License-Identifier: MIT
/*
 * Fuzz target: arbitrary instruction bytes on the processor in 64-bit mode with paging.
 * Control block (first 16 bytes): CPL, CR0.WP, CR4.SMEP/SMAP, EFER.NXE, RFLAGS, register
 * seed; then code.  Invariant: every step ends in an architectural outcome (retire, fault
 * delivered, #DF, triple fault, halt) and the host never crashes.
 */
#include <string.h>

#include "cpu/cpu_api.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define RAM (4u << 20)
#define CODE 0x100000
#define IDT 0x5000

static void map_identity(struct vx_phys *p, bool user)
{
	phys_write(p, 0x1000, 8, 0x2000 | 7);
	phys_write(p, 0x2000, 8, 0x3000 | 7);
	for (u64 k = 0; k < 2; k++)
		phys_write(p, 0x3000 + 8 * k, 8, (k << 21) | 0x83 | (user ? 4 : 0));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vx_phys phys;
	static struct vx_cpu cpu;
	static bool ready;
	if (size < 16 || size > 16 + 4096)
		return 0;
	if (!ready) {
		if (!phys_init(&phys, RAM))
			return 0;
		ready = true;
	}
	memset(phys.ram, 0, RAM);
	memset(phys.code_pages, 0, (RAM / 4096 + 63) / 64 * 8);
	if (!cpu_init(&cpu, &phys, NULL))
		return 0;
	u8 ctl = data[0];
	map_identity(&phys, ctl & 1);
	cpu_set_flat64(&cpu, (ctl & 2) ? 3 : 0);
	cpu.cr0 = 0x80000033 | ((ctl & 4) ? BIT(16) : 0);
	cpu.cr3 = 0x1000;
	cpu.cr4 = 0x620 | ((ctl & 8) ? BIT(20) : 0) | ((ctl & 16) ? BIT(21) : 0);
	cpu.msr.efer = 0x500 | ((ctl & 32) ? BIT(11) : 0);
	cpu.idtr = (struct dtr){IDT, (ctl & 64) ? 0xfff : 0};
	cpu_set_rflags(&cpu, (u64)data[1] << 8 | data[2]);
	for (unsigned r = 0; r < 16; r++)
		cpu.gpr[r] = (u64)data[3 + (r % 13)] * 0x0101010101010101ull * (r + 1);
	cpu.gpr[4] = 0x180000;
	phys_copy_in(&phys, CODE, data + 16, size - 16);
	phys_copy_in(&phys, IDT, data + 16, size - 16 < 4096 ? size - 16 : 4096);
	cpu.rip = CODE;
	for (int k = 0; k < 8; k++) {
		enum cpu_step r = cpu_run(&cpu, 64);
		if (r == STEP_SHUTDOWN || r == STEP_HALT || r == STEP_STOP)
			break;
	}
	cpu_destroy(&cpu);
	return 0;
}
