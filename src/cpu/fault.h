/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts: raising them (as data in c->event) and delivering them through
 * the IDT in IA-32e mode (SDM Vol. 3A 6.14 "Exception and Interrupt Handling in 64-bit
 * Mode", 6.15 "Exception and Interrupt Reference" (#DF, Table 6-5 "Conditions for Generating
 * a Double Fault"), 6.12.1 "Exception- or Interrupt-Handler Procedures").
 */
#ifndef VX_CPU_FAULT_H
#define VX_CPU_FAULT_H

#include "cpu/cpu.h"

/* Raise an exception: fills c->event; the caller returns STEP_FAULT. */
enum cpu_step fault_raise(struct vx_cpu *c, unsigned vector, bool has_error, u32 error);
enum cpu_step fault_gp(struct vx_cpu *c, u32 error);
enum cpu_step fault_ss(struct vx_cpu *c, u32 error);
enum cpu_step fault_ud(struct vx_cpu *c);
enum cpu_step fault_de(struct vx_cpu *c);
enum cpu_step fault_pf(struct vx_cpu *c, u64 la, u32 error);
/* INT n / INT3 / INTO / INT1: a software event, delivered with RIP after the instruction. */
enum cpu_step fault_soft(struct vx_cpu *c, unsigned vector, unsigned type);

/*
 * Deliver c->event through the IDT.  A fault during delivery becomes #DF or a triple fault
 * per Table 6-5; returns STEP_RETIRED when the handler is entered, STEP_SHUTDOWN on a triple
 * fault.
 */
enum cpu_step cpu_deliver(struct vx_cpu *c);
/* Accept an external interrupt (vector) now: builds the event and delivers it. */
enum cpu_step cpu_deliver_interrupt(struct vx_cpu *c, unsigned vector);

/* IRETQ in 64-bit mode (IRET page, "IA-32e mode" operation). */
enum cpu_step cpu_iretq(struct vx_cpu *c);

/* Segment loading from the GDT (SDM 3.4.5 "Segment Descriptors"; 5.8 "Privilege Level
 * Checking When Transferring Program Control Between Code Segments"). */
bool seg_read_descriptor(struct vx_cpu *c, u16 sel, u64 desc[2], bool *fault);
u32 seg_desc_ar(const u64 desc[2]);
void seg_set(struct vx_cpu *c, unsigned s, u16 sel, const u64 desc[2]);

#endif
