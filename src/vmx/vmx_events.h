/* SPDX-License-Identifier: MIT */
/*
 * Events in VMX non-root operation, the interface between the interpreter's event paths
 * (src/cpu/step.c, src/cpu/fault.c) and src/vmx/vmx_events.c.  SDM Vol. 3C 25.2 "Other
 * Causes of VM Exits", 25.3 "Changes to Instruction Behavior in VMX Non-Root Operation"
 * (IRET and NMI blocking), 25.5.1 "VMX-Preemption Timer", 25.5.2 "Monitor Trap Flag", 27.1
 * "Architectural State Before a VM Exit", 27.2.2/27.2.3 (interruption and IDT-vectoring
 * information).
 *
 * The non-root step (step.c) is: vmx_boundary() (events recognised at the instruction
 * boundary, in priority order), then one instruction, then vmx_after_insn(); a fault or a
 * software interrupt is delivered by cpu_deliver(), which hands over to vmx_deliver().
 */
#ifndef VX_VMX_VMX_EVENTS_H
#define VX_VMX_VMX_EVENTS_H

#include "cpu/cpu.h"

/*
 * The instruction boundary in VMX non-root operation.  Returns true when something happened
 * instead of the next instruction: a VM exit, an event delivered through the guest IDT, or
 * an inactive activity state with nothing to wake it; *r is the step result (STEP_VMEXIT,
 * STEP_RETIRED, STEP_HALT, STEP_SHUTDOWN).  False: execute the instruction at RIP.
 */
bool vmx_boundary(struct vx_cpu *c, enum cpu_step *r);

/* After one instruction in VMX non-root operation (r is its step result): MTF.  Needed only
 * with the monitor trap flag or after HLT (vmx_after_insn_needed). */
enum cpu_step vmx_after_insn(struct vx_cpu *c, enum cpu_step r);

/* Caches the pin-based and primary processor-based controls at VM entry. */
static inline void vmx_controls_load(struct vx_cpu *c)
{
	c->vmxnr.pin = (u32)vmcs_get(&c->vmx.vmcs, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL);
	c->vmxnr.proc = (u32)vmcs_get(&c->vmx.vmcs, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
}

/* Nothing can happen at this boundary: no pending event, window exiting, timer expiry or
 * inactive state (the common case, decided inline; vmx_boundary() does the rest). */
static inline bool vmx_boundary_quiet(const struct vx_cpu *c)
{
	const struct vmx_nonroot *n = &c->vmxnr;
	return c->pending_intr < 0 && !c->halted && !n->mtf_pending && !n->nmi_pending &&
	       !n->pending_dbg && n->activity == VMX_ACTIVITY_ACTIVE && !c->vmxsig.pending &&
	       c->retired < n->timer_deadline &&
	       !(n->proc & (PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING));
}

/* A boundary in VMX non-root operation where step_non_root does nothing but run the
 * instruction: quiet, and no monitor trap flag to follow it. */
static inline bool vmx_non_root_quiet(const struct vx_cpu *c)
{
	return vmx_boundary_quiet(c) && !(c->vmxnr.proc & PROC_MONITOR_TRAP_FLAG);
}

static inline bool vmx_after_insn_needed(const struct vx_cpu *c, enum cpu_step r)
{
	return r == STEP_HALT || (c->vmxnr.proc & PROC_MONITOR_TRAP_FLAG);
}

/*
 * Delivers c->event in VMX non-root operation (cpu_deliver() calls it): the exception bitmap
 * (with the #PF error-code mask/match), nested exceptions and the IDT-vectoring information,
 * #DF, the triple fault (exit reason 2).  STEP_RETIRED when a handler was entered, else
 * STEP_VMEXIT (or STEP_SHUTDOWN after a VMX abort).
 */
enum cpu_step vmx_deliver(struct vx_cpu *c);

/* Injection of the event in the VM-entry interruption-information field `info` (26.5.1),
 * after the guest state is loaded; vmentry_load.c calls it. */
enum cpu_step vmx_inject(struct vx_cpu *c, u32 info);

/*
 * An NMI arrives (the model has no NMI source yet: tests and future devices call this).  It
 * is held pending and recognised at the next instruction boundary in VMX non-root operation
 * where it is not blocked (blocking by NMI, by MOV SS): a VM exit with "NMI exiting", else
 * delivery through the guest IDT (vector 2).  NMIs in VMX root operation are not modelled.
 */
void vmx_raise_nmi(struct vx_cpu *c);

/* Bits of c->vmxsig.pending. */
#define VMX_SIG_INIT 0x1
#define VMX_SIG_SIPI 0x2

/*
 * An INIT signal arrives (SDM Vol. 3C 23.8 "Restrictions on VMX Operation", 25.2 "Other
 * Causes of VM Exits").  In VMX non-root operation: a VM exit (reason 3) at the next
 * instruction boundary, held while the guest is in the wait-for-SIPI state.  In VMX root
 * operation INIT is blocked: it stays pending and causes the exit right after the next VM
 * entry.  Outside VMX operation an INIT would reset the processor into real-address mode,
 * which the model does not have: the signal is discarded and false returned (true: held).
 */
bool vmx_raise_init(struct vx_cpu *c);

/*
 * A start-up IPI with `vector` arrives (25.2, 26.6.2 "Activity State"): only in VMX non-root
 * operation in the wait-for-SIPI activity state does it cause a VM exit (reason 4, exit
 * qualification = vector, 27.2.1) at the next boundary; otherwise it is discarded (false).
 */
bool vmx_raise_sipi(struct vx_cpu *c, u8 vector);

/*
 * Three meanings of the processor's NMI blocking in VMX non-root operation (26.6.1; 25.3
 * IRET: "If the 'NMI exiting' VM-execution control is 0, IRET operates normally and unblocks
 * NMIs ... If the 'NMI exiting' VM-execution control is 1, IRET does not affect blocking of
 * NMIs.  If, in addition, the 'virtual NMIs' VM-execution control is 1, ... IRET removes any
 * virtual-NMI blocking"):
 *   "NMI exiting" 0:                    c->nmi_blocked, which IRET clears (op_system.c);
 *   "NMI exiting" 1, "virtual NMIs" 0:  vmxnr.nmi_hold, which IRET leaves alone;
 *   "virtual NMIs" 1:                   c->nmi_blocked is virtual-NMI blocking; "NMIs are not
 *                                       blocked in VMX non-root operation".
 * The controls are those the last VM entry established (26.5: events are delivered "after
 * the VM-execution control fields have been established").
 */
static inline bool vmx_vnmi(const struct vx_cpu *c)
{
	return c->vmxnr.pin & PIN_VIRTUAL_NMIS;
}

static inline bool vmx_nmi_hold_mode(const struct vx_cpu *c)
{
	return (c->vmxnr.pin & PIN_NMI_EXITING) && !vmx_vnmi(c);
}

/* The NMI-blocking state as the VMCS reports it (bit 3 of the interruptibility state) and as
 * the host sees it after a VM exit; used by vmexit.c and vmentry_load.c. */
static inline bool vmx_nmi_blocking_saved(const struct vx_cpu *c)
{
	return vmx_nmi_hold_mode(c) ? c->vmxnr.nmi_hold : c->nmi_blocked;
}

static inline bool vmx_nmi_blocking_real(const struct vx_cpu *c)
{
	return !vmx_vnmi(c) && vmx_nmi_blocking_saved(c);
}
/* Loads bit 3 of the interruptibility state at VM entry (26.6.1). */
static inline void vmx_nmi_blocking_load(struct vx_cpu *c, bool blocked)
{
	c->nmi_blocked = blocked;
	c->vmxnr.nmi_hold = blocked;
}

/* The activity state (24.4.2): shutdown and wait-for-SIPI from VM entry, HLT from c->halted. */
static inline unsigned vmx_activity(const struct vx_cpu *c)
{
	if (c->vmxnr.activity != VMX_ACTIVITY_ACTIVE)
		return c->vmxnr.activity;
	return c->halted ? VMX_ACTIVITY_HLT : VMX_ACTIVITY_ACTIVE;
}

/* A hardware exception of the fault class (6.5 "Exception Classifications"): its saved
 * RFLAGS image has RF = 1 (27.3.3).  #DB is a fault when an instruction raised it (MOV DR
 * with DR7.GD, the model's only one), a trap when it comes from pending debug exceptions. */
bool vmx_event_is_fault(const struct vx_cpu *c, const struct event *e);

/* Remaining value of the VMX-preemption timer (27.3.4 "save VMX-preemption timer value"). */
u32 vmx_preemption_timer_left(const struct vx_cpu *c);
/* Starts the timer with `value` at VM entry (26.6.4). */
void vmx_preemption_timer_start(struct vx_cpu *c, u32 value);

/* ---- IDT delivery primitives of src/cpu/fault.c used by vmx_events.c ---- */

/* One delivery attempt through the IDT: STEP_RETIRED (handler entered), STEP_FAULT (a nested
 * exception in c->event), STEP_VMEXIT (an EPT exit during delivery). */
enum cpu_step cpu_deliver_once(struct vx_cpu *c, const struct event *ev);
/* Table 6-5 for a fault (c->event) while delivering `first`: c->event may become #DF;
 * STEP_SHUTDOWN for a triple fault, else STEP_FAULT. */
enum cpu_step cpu_nested_fault(struct vx_cpu *c, const struct event *first);
/* The owner's event hook (cpu_hooks.event) for an event about to be delivered. */
void cpu_report_event(struct vx_cpu *c, const struct event *ev);
/* Software interrupts and exceptions (INT n, INT3, INTO, INT1): delivered with RIP after the
 * instruction; an exception during their delivery is a fault on the instruction. */
static inline bool event_is_soft(const struct event *e)
{
	return e->type == VMX_INTR_TYPE_SOFT_INTR || e->type == VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION ||
	       e->type == VMX_INTR_TYPE_SOFT_EXCEPTION;
}

#endif
