/* SPDX-License-Identifier: MIT */
/* Life cycle of a logical processor (cpu.c) and the step loop (step.h). */
#ifndef VX_CPU_CPU_API_H
#define VX_CPU_CPU_API_H

#include "cpu/cpu.h"
#include "cpu/step.h"

bool cpu_init(struct vx_cpu *c, struct vx_phys *phys, const struct cpu_profile *profile);
void cpu_destroy(struct vx_cpu *c);
void cpu_set_flat64(struct vx_cpu *c, unsigned cpl);

#endif
