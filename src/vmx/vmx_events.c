// SPDX-License-Identifier: MIT
/*
 * Events in VMX non-root operation: what happens at an instruction boundary, to exceptions
 * and interrupts, and after each instruction, while the processor runs a guest.
 *
 * SDM Vol. 3C 25.2 "Other Causes of VM Exits" (exceptions through the exception bitmap and
 * the page-fault error-code mask/match, triple fault, external interrupts, NMIs, interrupt-
 * window and NMI-window exiting, the VMX-preemption timer), 25.3 "Changes to Instruction
 * Behavior in VMX Non-Root Operation" (IRET and NMI blocking), 25.4.1 "Event Blocking",
 * 25.5.1 "VMX-Preemption Timer", 25.5.2 "Monitor Trap Flag", 26.5 "Event Injection", 26.6.1
 * "Interruptibility State", 26.6.3 "Delivery of Pending Debug Exceptions after VM Entry",
 * 27.1 "Architectural State Before a VM Exit", 27.2.2 "Information for VM Exits Due to
 * Vectored Events", 27.2.3 "Information for VM Exits During Event Delivery".
 *
 * Priority at a boundary (Vol. 3A 6.9 "Priority Among Simultaneous Exceptions and Interrupts"
 * with the VMX events of 25.2, 25.5.2 and 26.6.3 placed in it): INIT or SIPI, pending MTF VM
 * exit, pending debug exceptions (traps on the previous instruction), VMX-preemption timer,
 * NMI window, NMI, interrupt window, external interrupt.  The model has no SMI, TPR-shadow or
 * task-switch events.
 *
 * Time is retired instructions (msr.h, cpu_tsc()): the preemption timer counts down by 1
 * each time bit X = IA32_VMX_MISC[4:0] of the TSC changes, i.e. every 2^X retired
 * instructions.  A halted guest makes no progress, so with nothing else to wake it the timer
 * runs out at once (the idle time is skipped, as the machine does for its timer:
 * docs/decisions.md D27).
 */
#include "vmx/vmx_events.h"

#include <Zydis/Mnemonic.h>

#include "arch/msr.h"
#include "cpu/flags.h"
#include "cpu/msr.h"
#include "cpu/profile.h"
#include "sgx/sgx.h"
#include "vmx/vmexit.h"

#define F(c, name) vmcs_get(&(c)->vmx.vmcs, VMCS_SLOT_##name)

#define DR6_BD BIT(13)
#define DR7_GD BIT(13)
/* Table 24-4 "Format of Pending-Debug-Exceptions": B3-B0 and BS, as DR6 has them. */
#define PENDING_DBG_B GENMASK(3, 0)
#define PENDING_DBG_BS BIT(14)

/* Longest Table 6-5 chain (fault.c, DELIVERY_CHAIN_MAX): then the triple fault. */
#define CHAIN_MAX 4

/* The VM-execution controls as the last VM entry established them (26.5: events are
 * delivered "after the VM-execution control fields have been established"). */
static u32 pin(const struct vx_cpu *c)
{
	return c->vmxnr.pin;
}

static u32 proc(const struct vx_cpu *c)
{
	return c->vmxnr.proc;
}

/* ==== NMI blocking (the three meanings: vmx_events.h) ==== */

void vmx_raise_nmi(struct vx_cpu *c)
{
	c->vmxnr.nmi_pending = true;
}

/*
 * 23.8 "Restrictions on VMX Operation": "The INIT signal is blocked whenever a logical
 * processor is in VMX root operation. It is not blocked in VMX non-root operation. Instead,
 * INITs cause VM exits".  A blocked INIT stays pending (c->vmxsig survives VM entries and
 * exits), so it causes its exit at the first boundary after the next VM entry, after any
 * injected event (26.5: exits at the boundary follow injection).  Outside VMX operation an
 * INIT resets the processor into real-address mode (Vol. 3A 9.1 "Initialization Overview"),
 * which the model does not have: discarded.
 */
bool vmx_raise_init(struct vx_cpu *c)
{
	if (!c->vmx.in_vmx)
		return false;
	c->vmxsig.pending |= VMX_SIG_INIT;
	return true;
}

/*
 * 25.2 "Start-up IPIs (SIPIs). SIPIs cause VM exits. If a logical processor is not in the
 * wait-for-SIPI activity state when a SIPI arrives, no VM exit occurs and the SIPI is
 * discarded."  26.6.2: the active, HLT and shutdown states block SIPIs, which "are discarded
 * and do not cause VM exits".  Outside VMX non-root operation the model has no wait-for-SIPI
 * state.  A second SIPI before the first one's exit is discarded (the first was recognised).
 */
bool vmx_raise_sipi(struct vx_cpu *c, u8 vector)
{
	if (!c->vmx.non_root || vmx_activity(c) != VMX_ACTIVITY_WAIT_SIPI ||
	    (c->vmxsig.pending & VMX_SIG_SIPI))
		return false;
	c->vmxsig.pending |= VMX_SIG_SIPI;
	c->vmxsig.sipi_vector = vector;
	return true;
}

/* ==== the VMX-preemption timer (25.5.1, 26.6.4) ==== */

static unsigned timer_rate(const struct vx_cpu *c)
{
	return cpu_profile_of(c)->vmx.misc & MSR_IA32_VMX_MISC_PREEMPT_TIMER_RATE_MASK;
}

void vmx_preemption_timer_start(struct vx_cpu *c, u32 value)
{
	/* The timer reaches 0 when TSC >> X has grown by `value`, at TSC = ((TSC0 >> X) +
	 * value) << X: value << X - (TSC0 mod 2^X) instructions from now ("If the value ... is
	 * zero, a VM exit occurs before execution of any instruction"). */
	unsigned x = timer_rate(c);
	u64 t0 = cpu_tsc(c);
	c->vmxnr.timer_base = t0 >> x;
	c->vmxnr.timer_value = value;
	c->vmxnr.timer_deadline = c->retired + ((u64)value << x) - (t0 & (BIT(x) - 1));
	c->vmxnr.timer_active = true;
}

u32 vmx_preemption_timer_left(const struct vx_cpu *c)
{
	u64 ticks = (cpu_tsc(c) >> timer_rate(c)) - c->vmxnr.timer_base;
	return ticks >= c->vmxnr.timer_value ? 0 : (u32)(c->vmxnr.timer_value - ticks);
}

/* ==== VM exits for events ==== */

/* Table 24-15 / 24-16: vector, type, error-code valid, valid. */
static u32 intr_info(const struct event *e)
{
	return VMX_INTR_INFO_VALID | (u32)e->type << VMX_INTR_INFO_TYPE_SHIFT | e->vector |
	       (e->has_error ? VMX_INTR_INFO_ERROR_CODE : 0);
}

/* An exit at the instruction boundary (interrupt/NMI window, timer, MTF): RIP and RF are
 * "that which would be in the register had the VM exit not occurred" (27.3.3). */
static enum cpu_step boundary_exit(struct vx_cpu *c, u32 reason, u32 info)
{
	struct vmexit_info e = {.reason = reason, .intr_info = info};
	return vmexit(c, &e);
}

bool vmx_event_is_fault(const struct vx_cpu *c, const struct event *e)
{
	/* 6.5 "Exception Classifications", Table 6-1: faults #DE, #BR, #UD, #NM, #TS, #NP,
	 * #SS, #GP, #PF, #MF, #AC, #XM, #VE, #CP; #DF and #MC are aborts. */
	static const u32 faults = BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(10) | BIT(11) | BIT(12) |
				  BIT(13) | BIT(14) | BIT(16) | BIT(17) | BIT(19) | BIT(20) |
				  BIT(21);
	if (e->type != VMX_INTR_TYPE_HARD_EXCEPTION || e->vector > 31)
		return false;
	if (e->vector == X86_VEC_DB)
		return c->vmxnr.mnemonic != 0;
	return (faults >> e->vector) & 1;
}

/*
 * 25.2 "Exceptions": "Exceptions (faults, traps, and aborts) cause VM exits based on the
 * exception bitmap ... If an exception occurs, its vector (in the range 0-31) is used to
 * select a bit in the exception bitmap.  If the bit is 1, a VM exit occurs ... Page faults
 * ... If the two values [PFEC & PFEC_MASK, PFEC_MATCH] are equal, bit 14 of the exception
 * bitmap is consulted; if they are not, the processor consults the inverse of bit 14."  This
 * covers INT3 and INTO (software exceptions); INT1 (privileged software exception) uses bit
 * 1 as in later SDMs.  INT n, NMIs and external interrupts have their own controls.
 */
static bool exception_exits(const struct vx_cpu *c, const struct event *e)
{
	if (e->type != VMX_INTR_TYPE_HARD_EXCEPTION && e->type != VMX_INTR_TYPE_SOFT_EXCEPTION &&
	    e->type != VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION)
		return false;
	if (e->vector > 31)
		return false;
	bool bit = (F(c, EXCEPTION_BITMAP) >> e->vector) & 1;
	if (e->vector == X86_VEC_PF) {
		u32 mask = (u32)F(c, PAGE_FAULT_ERROR_CODE_MASK);
		u32 match = (u32)F(c, PAGE_FAULT_ERROR_CODE_MATCH);
		if ((e->error_code & mask) != match)
			bit = !bit;
	}
	return bit;
}

/*
 * Exit qualification for an exception (27.2.1, Table 27-1): #PF the linear address; #DB the
 * debug conditions (B3-B0, BD, BS), which the exception does not write to DR6 ("A debug
 * exception does not update DR6, DR7.GD, or IA32_DEBUGCTL.LBR", 27.1).  MOV DR with DR7.GD is
 * the model's only instruction #DB: its condition is BD, and op_system.c cleared DR7.GD before
 * raising it, which is undone here.  INT1 reports no debug condition (qualification 0).
 */
static u64 exception_qual(struct vx_cpu *c, const struct event *e, u64 dbg)
{
	if (e->type != VMX_INTR_TYPE_HARD_EXCEPTION)
		return 0;
	if (e->vector == X86_VEC_PF)
		return e->cr2;
	if (e->vector != X86_VEC_DB)
		return 0;
	if (c->vmxnr.mnemonic == 0)
		return dbg; /* pending debug exceptions (26.6.3) */
	c->dr[7] |= DR7_GD;
	return DR6_BD;
}

/*
 * A VM exit caused by an exception (reason 0).  27.2.2: interruption information with bit 12
 * "NMI unblocking due to IRET"; 27.2.4 and 27.3.3: for INT3/INTO/INT1 that exit directly the
 * instruction length is saved and RIP "references the INT3 or INTO instruction"; RF is that
 * of the RFLAGS image the exception would have pushed (1 for faults).
 */
static enum cpu_step exception_exit(struct vx_cpu *c, const struct event *e, bool nmi_unblock,
				    u64 dbg)
{
	struct vmexit_info x = {
	    .reason = VMX_EXIT_EXCEPTION_NMI,
	    .intr_info = intr_info(e) | (nmi_unblock ? VMX_INTR_INFO_NMI_UNBLOCKING : 0),
	    .intr_error = e->error_code,
	    .qual = exception_qual(c, e, dbg),
	    .rf = vmx_event_is_fault(c, e) ? VMEXIT_RF_SET : VMEXIT_RF_KEEP,
	};
	if (!c->vmxnr.delivering && e->type != VMX_INTR_TYPE_HARD_EXCEPTION) {
		x.at_insn = true;
		x.insn_len = (u32)(c->rip - c->insn_rip);
	}
	return vmexit(c, &x);
}

/*
 * The triple fault (reason 2): RIP is "the return pointer that would have been saved ... had
 * delivery of the double fault not encountered the nested exception"; no IDT-vectoring
 * information ("A VM exit is not considered to occur during event delivery ... The VM exit is
 * caused by a triple fault", 27.2.3); the processor was executing the delivery, so it is
 * active and there is no blocking by STI or MOV SS.
 */
static enum cpu_step triple_fault_exit(struct vx_cpu *c)
{
	c->vmxnr.delivering = false;
	c->vmxnr.activity = VMX_ACTIVITY_ACTIVE;
	c->halted = false;
	c->shadow = 0;
	struct vmexit_info x = {.reason = VMX_EXIT_TRIPLE_FAULT};
	return vmexit(c, &x);
}

/* ==== delivery through the guest IDT ==== */

/*
 * IRET that faults: "Execution of IRET unblocks NMIs even if the instruction causes a fault"
 * (26.6.1: the blocking "remains in effect until IRET is executed (even if the instruction
 * generates a fault)"; 27.1: with "NMI exiting" 0, or "virtual NMIs" 1, "any blocking by NMI
 * is cleared before the VM exit commences ... the previous state ... may be recorded in the
 * VM-exit interruption-information field").  Returns the blocking IRET removed.
 */
static bool iret_unblocks(struct vx_cpu *c, const struct event *e)
{
	if (c->vmxnr.mnemonic != ZYDIS_MNEMONIC_IRETQ || e->type != VMX_INTR_TYPE_HARD_EXCEPTION ||
	    vmx_nmi_hold_mode(c))
		return false;
	bool was = c->nmi_blocked;
	c->nmi_blocked = false;
	return was;
}

static void block_nmis(struct vx_cpu *c)
{
	c->nmi_blocked = true;
	c->vmxnr.nmi_hold = true;
}

/* One delivery attempt of ev, recorded as the event being delivered (27.2.3). */
static enum cpu_step deliver_one(struct vx_cpu *c, const struct event *ev)
{
	/* 27.1: for an NMI that causes a VM exit indirectly, "An NMI causes subsequent NMIs to be
	 * blocked before the VM exit commences"; an injected NMI with "virtual NMIs" sets
	 * virtual-NMI blocking (26.6.1). */
	if (ev->type == VMX_INTR_TYPE_NMI)
		block_nmis(c);
	cpu_report_event(c, ev);
	if (ev->has_cr2)
		c->cr2 = ev->cr2;
	c->vmxnr.cur = *ev;
	c->vmxnr.delivering = true;
	enum cpu_step r = cpu_deliver_once(c, ev);
	if (r == STEP_RETIRED)
		c->vmxnr.delivering = false;
	return r;
}

/* A handler was entered: the processor is active, "blocking by STI ... is cleared after the
 * guest ... incurs an exception", and with the monitor trap flag "an MTF VM exit is pending on
 * the instruction boundary following delivery of the event" (25.5.2). */
static enum cpu_step delivered(struct vx_cpu *c)
{
	c->vmxnr.cur_injected = false;
	c->vmxnr.cur_aex = false;
	c->vmxnr.activity = VMX_ACTIVITY_ACTIVE;
	c->shadow = 0;
	if (proc(c) & PROC_MONITOR_TRAP_FLAG)
		c->vmxnr.mtf_pending = true;
	return STEP_RETIRED;
}

/*
 * Delivers c->event and the exceptions its delivery raises (Table 6-5).  Each exception is
 * checked against the exception bitmap before it is delivered: first the event itself
 * (unless injected: "An event being injected never causes a VM exit directly", 26.5.1.2),
 * then each nested exception, whose exit reports the event being delivered as IDT-vectoring
 * information, then a #DF that Table 6-5 produces (which exits "directly", 27.2.3).
 */
static enum cpu_step deliver_chain(struct vx_cpu *c, bool injected, u64 dbg)
{
	struct event ev = c->event;
	bool check = !injected;
	bool unblock = !injected && iret_unblocks(c, &ev);
	c->vmxnr.cur_injected = injected;
	for (int n = 0; n < CHAIN_MAX; n++) {
		c->event.valid = false;
		if (check && exception_exits(c, &ev))
			return exception_exit(c, &ev, unblock, dbg);
		if (c->sgx.active) {
			/* 40.3: the AEX, then delivery from the synthetic state; exits during
			 * that delivery are still incident to enclave mode (27.2.1). */
			sgx_aex(c, &ev, c->rip, vmx_event_is_fault(c, &ev), false);
			c->vmxnr.cur_aex = true;
		}
		enum cpu_step r = deliver_one(c, &ev);
		if (r == STEP_RETIRED)
			return delivered(c);
		if (r != STEP_FAULT)
			return r; /* a VM exit during delivery (EPT) */
		struct event nested = c->event;
		if (exception_exits(c, &nested))
			return exception_exit(c, &nested, false, 0);
		c->vmxnr.delivering = false;
		/* 26.5.1.1: after a nested exception "the current guest RIP is pushed ...
		 * regardless of event type"; normally a fault on INT n is one on the instruction
		 * (the exit above still needs the instruction length: RIP is reset only now). */
		if (event_is_soft(&ev))
			c->rip = c->insn_rip;
		if (cpu_nested_fault(c, &ev) == STEP_SHUTDOWN)
			return triple_fault_exit(c);
		check = c->event.vector == X86_VEC_DF; /* a new #DF; a benign one was checked */
		ev = c->event;
	}
	return triple_fault_exit(c);
}

enum cpu_step vmx_deliver(struct vx_cpu *c)
{
	return deliver_chain(c, false, 0);
}

/*
 * 26.5.1.1 "Details of Vectored-Event Injection": "If VM entry successfully injects ... an
 * event with interruption type software interrupt, privileged software exception, or software
 * exception, the current guest RIP is incremented by the VM-entry instruction length before
 * being pushed"; the error code is the VM-entry exception error code.  An injected #PF does
 * not write CR2.  26.5.2: type 7 vector 0 makes an MTF VM exit pending.
 */
enum cpu_step vmx_inject(struct vx_cpu *c, u32 info)
{
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	u8 vector = info & VMX_INTR_INFO_VECTOR_MASK;
	if (type == VMX_INTR_TYPE_OTHER_EVENT) {
		c->vmxnr.mtf_pending = vector == 0;
		return STEP_RETIRED;
	}
	c->event = (struct event){
	    .valid = true,
	    .vector = vector,
	    .type = (u8)type,
	    .has_error = info & VMX_INTR_INFO_ERROR_CODE,
	    .error_code = (u32)F(c, VM_ENTRY_EXCEPTION_ERROR_CODE),
	};
	c->insn_rip = c->rip;
	if (event_is_soft(&c->event))
		c->rip += F(c, VM_ENTRY_INSTRUCTION_LEN);
	return deliver_chain(c, true, 0);
}

/* ==== the instruction boundary ==== */

static bool blocked_by_shadow(const struct vx_cpu *c)
{
	return c->shadow & (VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS);
}

static bool mov_ss_shadow(const struct vx_cpu *c)
{
	return c->shadow & VMX_INTR_BLOCKING_BY_MOV_SS;
}

/*
 * 26.6.3: valid pending debug exceptions from VM entry are delivered as a #DB with the
 * priority of "traps on the previous instruction" once MOV-SS blocking allows; "A pending
 * debug exception delivered after VM entry causes a VM exit if the bit 1 (#DB) is 1 in the
 * exception bitmap.  If it does not cause a VM exit, it updates DR6 normally."
 */
static enum cpu_step pending_debug(struct vx_cpu *c)
{
	u64 bits = c->vmxnr.pending_dbg & (PENDING_DBG_B | PENDING_DBG_BS);
	c->vmxnr.pending_dbg = 0;
	c->event = (struct event){
	    .valid = true, .vector = X86_VEC_DB, .type = VMX_INTR_TYPE_HARD_EXCEPTION};
	struct event ev = c->event;
	if (exception_exits(c, &ev))
		return exception_exit(c, &ev, false, bits);
	c->dr[6] |= bits;
	return deliver_chain(c, false, bits);
}

/* 25.2: "If the 'NMI exiting' VM-execution control is 1, NMIs cause VM exits"; otherwise the
 * NMI goes through the guest IDT (vector 2).  After an NMI's VM exit NMIs are blocked (27.1:
 * "but only after the VM exit completes"; vmexit.c). */
static enum cpu_step take_nmi(struct vx_cpu *c)
{
	c->vmxnr.nmi_pending = false;
	struct event ev = {.valid = true, .vector = X86_VEC_NMI, .type = VMX_INTR_TYPE_NMI};
	if (pin(c) & PIN_NMI_EXITING)
		return boundary_exit(c, VMX_EXIT_EXCEPTION_NMI, intr_info(&ev));
	c->event = ev;
	return deliver_chain(c, false, 0);
}

/*
 * 25.2 "External interrupts": with "external-interrupt exiting" an unblocked external
 * interrupt causes a VM exit, "even if RFLAGS.IF = 0" (25.4.1); with "acknowledge interrupt
 * on exit" the interrupt is acknowledged and reported in the interruption information
 * (27.2.2), otherwise "the interrupt remains pending" and the field is invalid.  Without the
 * control it is delivered through the guest IDT when RFLAGS.IF = 1.
 */
static bool external_interrupt(struct vx_cpu *c, enum cpu_step *r)
{
	unsigned vector = (unsigned)c->pending_intr;
	if (pin(c) & PIN_EXT_INTR_EXITING) {
		u32 info = 0;
		if (F(c, VM_EXIT_CONTROLS) & EXIT_ACK_INTR_ON_EXIT) {
			info = VMX_INTR_INFO_VALID | VMX_INTR_TYPE_EXT_INTR << 8 | vector;
			c->pending_intr = -1;
		}
		*r = boundary_exit(c, VMX_EXIT_EXTERNAL_INTERRUPT, info);
		return true;
	}
	if (!(c->rflags & RFLAGS_IF))
		return false;
	c->pending_intr = -1;
	c->event =
	    (struct event){.valid = true, .vector = (u8)vector, .type = VMX_INTR_TYPE_EXT_INTR};
	*r = deliver_chain(c, false, 0);
	return true;
}

/*
 * INIT and SIPI at a boundary (25.2): "INIT signals cause VM exits. A logical processor
 * performs none of the operations normally associated with these events. Such exits do not
 * modify register state or clear pending events as they would outside of VMX operation. (If a
 * logical processor is in the wait-for-SIPI state, INIT signals are blocked. They do not cause
 * VM exits in this case.)"  A SIPI exits only from the wait-for-SIPI state, with the SIPI
 * vector as exit qualification (27.2.1, Table 27-1); one pending in another state (the guest
 * left wait-for-SIPI) is discarded.  Priority: INIT is an "external hardware intervention"
 * (Vol. 3A 6.9, Table 6-2, priority 3) ahead of traps on the previous instruction; 25.5.2
 * "SMIs, INIT signals, and higher priority events take priority over these MTF VM exits";
 * 26.6.3 "INIT signals and system-management interrupts (SMIs) take priority of such an
 * exception" (pending debug exceptions).  STI and MOV SS do not block INIT: 6.8.3 "Masking
 * Exceptions and Interrupts When Switching Stacks" names interrupts and debug exceptions only.
 */
static bool init_sipi(struct vx_cpu *c, bool sipi_state, enum cpu_step *r)
{
	u8 p = c->vmxsig.pending;
	c->vmxsig.pending &= (u8)~VMX_SIG_SIPI;
	if ((p & VMX_SIG_SIPI) && sipi_state) {
		struct vmexit_info e = {.reason = VMX_EXIT_SIPI_SIGNAL,
					.qual = c->vmxsig.sipi_vector};
		*r = vmexit(c, &e);
		return true;
	}
	if ((p & VMX_SIG_INIT) && !sipi_state) {
		c->vmxsig.pending &= (u8)~VMX_SIG_INIT;
		*r = boundary_exit(c, VMX_EXIT_INIT_SIGNAL, 0);
		return true;
	}
	return false;
}

/*
 * Events that may exit or be delivered at this boundary, highest priority first.  Blocking by
 * activity state (25.2, 25.5.2, 26.6.2): the shutdown and wait-for-SIPI states block MTF
 * exits, interrupt-window exits and external interrupts; wait-for-SIPI also blocks NMIs, the
 * NMI window and the timer.  "External interrupts [and NMIs] may or may not be blocked by
 * STI or by MOV SS (behavior is implementation-specific)" (25.4.1): here external interrupts
 * and the interrupt window are blocked by both, NMIs and the NMI window by MOV SS only.
 */
static bool boundary_events(struct vx_cpu *c, unsigned act, enum cpu_step *r)
{
	bool awake = act == VMX_ACTIVITY_ACTIVE || act == VMX_ACTIVITY_HLT;
	bool sipi = act == VMX_ACTIVITY_WAIT_SIPI;
	if (c->vmxsig.pending && init_sipi(c, sipi, r))
		return true;
	if (c->vmxnr.mtf_pending && awake) {
		*r = boundary_exit(c, VMX_EXIT_MONITOR_TRAP_FLAG, 0);
		return true;
	}
	if (c->vmxnr.pending_dbg && !mov_ss_shadow(c) && awake) {
		*r = pending_debug(c);
		return true;
	}
	if (c->vmxnr.timer_active && c->retired >= c->vmxnr.timer_deadline && !sipi) {
		*r = boundary_exit(c, VMX_EXIT_PREEMPTION_TIMER, 0);
		return true;
	}
	/* 25.2: "a VM exit occurs before execution of any instruction if there is no
	 * virtual-NMI blocking and there is no blocking of events by MOV SS". */
	if ((proc(c) & PROC_NMI_WINDOW_EXITING) && !c->nmi_blocked && !mov_ss_shadow(c) && !sipi) {
		*r = boundary_exit(c, VMX_EXIT_NMI_WINDOW, 0);
		return true;
	}
	if (c->vmxnr.nmi_pending && !vmx_nmi_blocking_real(c) && !mov_ss_shadow(c) && !sipi) {
		*r = take_nmi(c);
		return true;
	}
	/* 25.2: "a VM exit occurs before execution of any instruction if RFLAGS.IF = 1 and there
	 * is no blocking of events by STI or by MOV SS". */
	if ((proc(c) & PROC_INTR_WINDOW_EXITING) && (c->rflags & RFLAGS_IF) &&
	    !blocked_by_shadow(c) && awake) {
		*r = boundary_exit(c, VMX_EXIT_INTERRUPT_WINDOW, 0);
		return true;
	}
	if (c->pending_intr >= 0 && !blocked_by_shadow(c) && awake)
		return external_interrupt(c, r);
	return false;
}

bool vmx_boundary(struct vx_cpu *c, enum cpu_step *r)
{
	unsigned act = vmx_activity(c);
	if (boundary_events(c, act, r))
		return true;
	if (act == VMX_ACTIVITY_ACTIVE)
		return false;
	if (act != VMX_ACTIVITY_WAIT_SIPI && c->vmxnr.timer_active) {
		/* Nothing else wakes the guest: idle time passes until the timer runs out. */
		c->vmxnr.timer_value = 0;
		*r = boundary_exit(c, VMX_EXIT_PREEMPTION_TIMER, 0);
		return true;
	}
	*r = act == VMX_ACTIVITY_SHUTDOWN ? STEP_SHUTDOWN : STEP_HALT;
	return true;
}

/*
 * 25.5.2: with the monitor trap flag, "If the instruction does not cause a fault, an MTF VM
 * exit is pending on the instruction boundary following execution of that instruction ... If
 * the instruction is HLT, the MTF VM exit will be from the HLT activity state"; a fault or a
 * software interrupt makes it pending after its delivery (delivered()), a VM exit cancels it.
 * A REP string chunk (docs/decisions.md D17) counts as one instruction.  HLT returns to the
 * boundary, which reports STEP_HALT when nothing wakes the guest.  Inside an enclave entered
 * through an opt-out TCS, MTF is suppressed (SDM Vol. 3D 43.2.3 "Single Stepping ENCLU
 * Instructions"; EENTER/ERESUME "suppress MTF"): no MTF exit follows an instruction that ends
 * in enclave mode, the EENTER/ERESUME that entered included.
 */
enum cpu_step vmx_after_insn(struct vx_cpu *c, enum cpu_step r)
{
	if (r != STEP_RETIRED && r != STEP_HALT)
		return r;
	if ((proc(c) & PROC_MONITOR_TRAP_FLAG) && !(c->sgx.active && !c->sgx.dbgoptin))
		c->vmxnr.mtf_pending = true;
	return STEP_RETIRED;
}
