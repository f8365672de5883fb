// SPDX-License-Identifier: MIT
/*
 * Interpreter speed: guest instructions per second on a tight integer loop, and the ratio to
 * the same loop run natively on the host.
 */
#include <stdlib.h>

#include "bench/bench.h"
#include "cpu/cpu_api.h"

#ifndef LOOP_ITERS
#define LOOP_ITERS 20000000u
#endif

/* mov ecx, N; L: add rax, rcx; xor rdx, rax; dec rcx; jnz L; (then a 0F 0B UD2 to stop) */
static const u8 loop_code[] = {
    0xb9,
    LOOP_ITERS & 0xff,
    (LOOP_ITERS >> 8) & 0xff,
    (LOOP_ITERS >> 16) & 0xff,
    (LOOP_ITERS >> 24) & 0xff,
    0x48,
    0x01,
    0xc8,
    0x48,
    0x31,
    0xc2,
    0x48,
    0xff,
    0xc9,
    0x75,
    0xf5,
    0x0f,
    0x0b,
};

static double native_loop(void)
{
	u64 rax = 0, rdx = 0, rcx = LOOP_ITERS;
	double t0 = bench_now();
	__asm__ volatile("1: add %%rcx, %%rax\n\t"
			 "xor %%rax, %%rdx\n\t"
			 "dec %%rcx\n\t"
			 "jnz 1b"
			 : "+a"(rax), "+d"(rdx), "+c"(rcx));
	return bench_now() - t0;
}

void bench_cpu_loop(struct bench_result *r)
{
	static struct vx_phys phys;
	static struct vx_cpu cpu;
	r->name = "cpu_tight_loop";
	r->unit = "MIPS";
	if (!phys_init(&phys, 4u << 20) || !cpu_init(&cpu, &phys, NULL))
		return;
	cpu_set_flat64(&cpu, 0);
	cpu.cr0 = 0x33; /* paging off: the loop measures the step loop, not the TLB */
	cpu.msr.efer = 0xd01;
	phys_copy_in(&phys, 0x1000, loop_code, sizeof(loop_code));
	cpu.rip = 0x1000;
	double t0 = bench_now();
	while (cpu_run(&cpu, ~0ull >> 1) == STEP_RETIRED)
		;
	double dt = bench_now() - t0;
	u64 n = cpu.retired;
	cpu_destroy(&cpu);
	phys_free(&phys);
	double native = native_loop();
	r->iterations = n;
	r->value = (double)n / dt / 1e6;
	r->ratio = native > 0 ? dt / native : 0;
}
