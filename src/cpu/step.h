/* SPDX-License-Identifier: MIT */
/* The step loop and the decoded-instruction cache (step.c). */
#ifndef VX_CPU_STEP_H
#define VX_CPU_STEP_H

#include "cpu/cpu.h"

bool cc_init(struct vx_cpu *c);
void cc_free(struct vx_cpu *c);
/* One instruction (or the delivery of a pending interrupt). */
enum cpu_step cpu_step(struct vx_cpu *c);
/* Up to `budget` retired instructions; faults are delivered through the IDT.  Returns the
 * first step result that is not a retirement (HALT, SHUTDOWN, ...), STEP_STOP when a hook
 * asked to stop, or STEP_RETIRED when the budget is used up. */
enum cpu_step cpu_run(struct vx_cpu *c, u64 budget);
bool cpu_interrupt_ready(const struct vx_cpu *c);

#endif
