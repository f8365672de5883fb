// SPDX-License-Identifier: MIT
/*
 * The VMX instructions for root-mode software (include/vx/vmx.h): each call runs the
 * instruction's semantics from vmx_insn.c against the processor's current state, with the
 * memory operands given as values.  The outcome is returned instead of being written to
 * RFLAGS, and an exception is reported instead of delivered: the processor's pending event
 * (c->event) is restored after the call.
 */
#include "vx/vmx.h"

#include "arch/msr.h"
#include "cpu/msr.h"
#include "cpu/profile.h"
#include "cpu/step.h"
#include "vmx/ept.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_insn.h"

/* One instruction: the checks before its operands, then (when they pass) the rest. */
struct call {
	struct vx_cpu *c;
	struct event saved;
	struct vmx_result r;
};

/* Fills *k in place: a returned struct call was stored piecewise and reloaded wider (a
 * store-forwarding stall on every VMREAD of L0). */
static void begin(struct call *k, struct vx_cpu *c, enum vmx_insn_id id)
{
	k->c = c;
	k->saved = c->event;
	k->r = vmx_insn_begin(c, id);
}

static bool proceed(const struct call *k)
{
	return k->r.out == VMX_OUT_CONTINUE;
}

/*
 * VM entry happened (VMX_OUT_ENTERED): run the guest in VMX non-root operation until a VM exit
 * loads host state, the guest stops without one, or a VMX abort shuts the processor down.
 */
static enum vx_vmx_outcome guest_outcome(struct vx_cpu *c, enum cpu_step step)
{
	while (step == STEP_RETIRED)
		step = cpu_run(c, ~0ull);
	switch (step) {
	case STEP_VMEXIT: return VX_VMX_EXITED;
	case STEP_HALT: return VX_VMX_GUEST_HALTED;
	case STEP_SHUTDOWN: return c->vmx.non_root ? VX_VMX_GUEST_STOPPED : VX_VMX_ABORT;
	default: return VX_VMX_GUEST_STOPPED;
	}
}

static struct vx_vmx_result end(struct call *k)
{
	struct vx_cpu *c = k->c;
	struct vx_vmx_result out = {.error = k->r.error};
	switch (k->r.out) {
	case VMX_OUT_SUCCEED: out.outcome = VX_VMSUCCEED; break;
	case VMX_OUT_FAIL_INVALID: out.outcome = VX_VMFAIL_INVALID; break;
	case VMX_OUT_FAIL_VALID: out.outcome = VX_VMFAIL_VALID; break;
	case VMX_OUT_FAULT:
		out.outcome = VX_VMX_EXCEPTION;
		out.vector = c->event.vector;
		out.has_error_code = c->event.has_error;
		out.error_code = c->event.error_code;
		c->event = k->saved;
		break;
	case VMX_OUT_VMEXIT: out.outcome = VX_VMX_VMEXIT; break;
	default: out.outcome = guest_outcome(c, (enum cpu_step)k->r.step); break;
	}
	return out;
}

const char *vx_vmx_outcome_name(enum vx_vmx_outcome o)
{
	switch (o) {
	case VX_VMSUCCEED: return "VMsucceed";
	case VX_VMFAIL_INVALID: return "VMfailInvalid";
	case VX_VMFAIL_VALID: return "VMfailValid";
	case VX_VMX_EXCEPTION: return "exception";
	case VX_VMX_VMEXIT: return "VM exit (instruction in VMX non-root operation)";
	case VX_VMX_EXITED: return "VM exit (host state loaded)";
	case VX_VMX_GUEST_HALTED: return "guest halted in VMX non-root operation";
	case VX_VMX_GUEST_STOPPED: return "guest stopped in VMX non-root operation";
	case VX_VMX_ABORT: return "VMX abort";
	default: return "?";
	}
}

static struct vx_vmx_result ptr_call(struct vx_cpu *c, enum vmx_insn_id id, u64 pa,
				     struct vmx_result (*fn)(struct vx_cpu *, u64))
{
	struct call k;
	vmx_unpark(c);
	begin(&k, c, id);
	if (proceed(&k))
		k.r = fn(c, pa);
	return end(&k);
}

struct vx_vmx_result vx_vmxon(struct vx_cpu *c, u64 pa)
{
	return ptr_call(c, VMXI_VMXON, pa, vmx_insn_vmxon);
}

struct vx_vmx_result vx_vmclear(struct vx_cpu *c, u64 pa)
{
	return ptr_call(c, VMXI_VMCLEAR, pa, vmx_insn_vmclear);
}

struct vx_vmx_result vx_vmptrld(struct vx_cpu *c, u64 pa)
{
	return ptr_call(c, VMXI_VMPTRLD, pa, vmx_insn_vmptrld);
}

struct vx_vmx_result vx_vmxoff(struct vx_cpu *c)
{
	struct call k;
	vmx_unpark(c);
	begin(&k, c, VMXI_VMXOFF);
	if (proceed(&k))
		k.r = vmx_insn_vmxoff(c);
	return end(&k);
}

struct vx_vmx_result vx_vmptrst(struct vx_cpu *c, u64 *pa)
{
	struct call k;
	vmx_unpark(c);
	begin(&k, c, VMXI_VMPTRST);
	if (proceed(&k))
		k.r = vmx_insn_vmptrst(c, pa);
	return end(&k);
}

/*
 * VMREAD and VMWRITE are most of L0's calls (every exit reads its information): when every
 * check before the operands passes and the field access succeeds, the outcome is VMsucceed
 * with nothing else to do; any other case takes the full path, which repeats the (side-effect
 * free) access and produces the failure, in the SDM's order.
 */
/* The full paths, out of line so that the fast ones need no stack frame. */
static __attribute__((noinline)) struct vx_vmx_result vmread_full(struct vx_cpu *c, u64 enc,
								  u64 *val)
{
	struct call k;
	begin(&k, c, VMXI_VMREAD);
	u64 v = 0;
	if (proceed(&k)) {
		k.r = vmx_insn_vmread(c, enc, &v);
		if (k.r.out == VMX_OUT_SUCCEED)
			*val = v;
	}
	return end(&k);
}

static __attribute__((noinline)) struct vx_vmx_result vmwrite_full(struct vx_cpu *c, u64 enc,
								   u64 val)
{
	struct call k;
	begin(&k, c, VMXI_VMWRITE);
	if (proceed(&k))
		k.r = vmx_insn_vmwrite(c, enc, val);
	return end(&k);
}

struct vx_vmx_result vx_vmread(struct vx_cpu *c, u64 enc, u64 *val)
{
	bool high;
	int s;
	if (__builtin_expect(vmx_insn_vmcs_access_ok(c), 1) && (s = vmx_slot(c, enc, &high)) >= 0) {
		u64 x = c->vmx.vmcs.field[s];
		*val = high ? x >> 32 : x;
		return (struct vx_vmx_result){.outcome = VX_VMSUCCEED};
	}
	return vmread_full(c, enc, val);
}

/* Where each field of l is kept: l->slot, l->shift (32 for a "high" access); false when one
 * is not a field this processor supports (the list is then read field by field). */
static bool list_resolve(struct vx_cpu *c, struct vx_vmcs_list *l)
{
	if (l->n > VX_VMCS_LIST_MAX)
		return false;
	for (unsigned k = 0; k < l->n; k++) {
		bool high;
		int s = vmx_slot(c, l->enc[k], &high);
		if (s < 0)
			return false;
		l->slot[k] = (u16)s;
		l->shift[k] = high ? 32 : 0;
	}
	l->cpu = c;
	l->noted_enc = l->enc;
	l->noted_n = l->n;
	l->layout = c->vmx.layout;
	return true;
}

struct vx_vmx_result vx_vmread_list(struct vx_cpu *c, struct vx_vmcs_list *l, u64 *val)
{
	if (__builtin_expect(vmx_insn_vmcs_access_ok(c), 1) &&
	    ((l->cpu == c && l->layout == c->vmx.layout && l->noted_enc == l->enc &&
	      l->noted_n == l->n) ||
	     list_resolve(c, l))) {
		const u64 *field = c->vmx.vmcs.field;
		for (unsigned k = 0; k < l->n; k++)
			val[k] = field[l->slot[k]] >> l->shift[k];
		return (struct vx_vmx_result){.outcome = VX_VMSUCCEED};
	}
	for (unsigned k = 0; k < l->n; k++) { /* one by one: the first failure, in order */
		struct vx_vmx_result r = vx_vmread(c, l->enc[k], &val[k]);
		if (r.outcome != VX_VMSUCCEED)
			return r;
	}
	return (struct vx_vmx_result){.outcome = VX_VMSUCCEED};
}

struct vx_vmx_result vx_vmread_n(struct vx_cpu *c, const u32 *enc, u64 *val, unsigned n)
{
	struct vx_vmcs_list l = {.enc = enc, .n = n};
	return vx_vmread_list(c, &l, val);
}

/* D79: a host-state field or the VM-exit controls written after a parked exit would change
 * what that exit loads: the host state is loaded first (also before a write that fails). */
static void unpark_for_write(struct vx_cpu *c, u64 enc)
{
	bool high;
	int s = vmx_slot(c, enc, &high);
	if (s < 0 || (vmcs_slot_gens[s] & VMCS_GEN_HOST))
		vmx_unpark(c);
}

/* VMWRITE page: a supported field that is not a read-only VM-exit information field
 * (VMX_SLOT_MAP_RO, 30.3) is written; the 64-bit operand's high half to a "high" access. */
struct vx_vmx_result vx_vmwrite(struct vx_cpu *c, u64 enc, u64 val)
{
	bool high;
	int s;
	if (__builtin_expect(vmx_insn_vmcs_access_ok(c), 1) && (s = vmx_slot(c, enc, &high)) >= 0 &&
	    !(c->vmx.slot_map[enc] & VMX_SLOT_MAP_RO)) {
		struct vmcs *v = &c->vmx.vmcs;
		if (c->vmx.parked && (vmcs_slot_gens[s] & VMCS_GEN_HOST))
			vmx_unpark(c);
		if (high)
			val = (v->field[s] & 0xffffffffull) | (val << 32);
		vmcs_set(v, (enum vmcs_slot)s, val);
		return (struct vx_vmx_result){.outcome = VX_VMSUCCEED};
	}
	if (c->vmx.parked)
		unpark_for_write(c, enc);
	return vmwrite_full(c, enc, val);
}

bool vx_vmcs_put(struct vx_cpu *c, u64 enc, u64 val)
{
	if (c->vmx.parked)
		unpark_for_write(c, enc);
	bool high;
	int s = vmcs_slot_of(enc, &high);
	if (s < 0 || high || !c->vmx.in_vmx || c->vmx.current_vmcs == ~0ull)
		return false;
	vmcs_set(&c->vmx.vmcs, (enum vmcs_slot)s, val);
	return true;
}

/* The guest runs until its VM exit returns here: the root-mode software is this call's
 * caller, not code the processor executes (c->vmx.native, D79).  A parked exit's host state is
 * never loaded when the entry loads guest state over it. */
static struct vx_vmx_result entry_call(struct vx_cpu *c, bool resume)
{
	struct call k;
	if (__builtin_expect(c->vmx.parked, 1)) {
		/* what vmx_insn_begin finds after a parked exit: in VMX root operation, the
		 * host's 64-bit mode at CPL 0; nothing can fault (k.saved is not used) */
		k.c = c;
		k.r = vmx_result_of(VMX_OUT_CONTINUE, 0);
	} else {
		begin(&k, c, resume ? VMXI_VMRESUME : VMXI_VMLAUNCH);
	}
	c->vmx.native = true;
	if (proceed(&k))
		k.r = vmx_insn_vmlaunch(c, resume);
	struct vx_vmx_result out = end(&k);
	c->vmx.native = false;
	return out;
}

struct vx_vmx_result vx_vmentry_check(struct vx_cpu *c, bool resume)
{
	struct call k;
	begin(&k, c, resume ? VMXI_VMRESUME : VMXI_VMLAUNCH);
	if (proceed(&k))
		k.r = vmx_insn_vmentry(c, resume, true);
	return end(&k);
}

void vx_vmx_exit_to_host(struct vx_cpu *c, struct vx_vmx_result *r)
{
	*r = (struct vx_vmx_result){
	    .outcome = vmexit_load_host_state(c) == STEP_VMEXIT ? VX_VMX_EXITED : VX_VMX_ABORT};
	c->vmx.launch = VMX_LAUNCH_LAUNCHED;
}

struct vx_vmx_result vx_vmx_continue(struct vx_cpu *c)
{
	struct vx_vmx_result out = {0};
	c->stop = false;
	c->vmx.native = true;
	out.outcome = c->vmx.non_root ? guest_outcome(c, STEP_RETIRED) : VX_VMX_EXITED;
	c->vmx.native = false;
	return out;
}

struct vx_vmx_result vx_vmlaunch(struct vx_cpu *c)
{
	return entry_call(c, false);
}

struct vx_vmx_result vx_vmresume(struct vx_cpu *c)
{
	return entry_call(c, true);
}

struct vx_vmx_result vx_vmcall(struct vx_cpu *c)
{
	struct call k;
	vmx_unpark(c);
	begin(&k, c, VMXI_VMCALL);
	if (proceed(&k))
		k.r = vmx_insn_vmcall(c);
	return end(&k);
}

static struct vx_vmx_result inv_call(struct vx_cpu *c, enum vmx_insn_id id, u64 type, u64 lo,
				     u64 hi)
{
	struct call k;
	vmx_unpark(c);
	begin(&k, c, id);
	if (proceed(&k))
		k.r = vmx_insn_inv_type(c, id, type);
	if (proceed(&k))
		k.r = id == VMXI_INVEPT ? vmx_insn_invept(c, type, lo, hi)
					: vmx_insn_invvpid(c, type, lo, hi);
	return end(&k);
}

struct vx_vmx_result vx_invept(struct vx_cpu *c, u64 type, const struct vx_invept_desc *d)
{
	return inv_call(c, VMXI_INVEPT, type, d->eptp, d->reserved);
}

struct vx_vmx_result vx_invvpid(struct vx_cpu *c, u64 type, const struct vx_invvpid_desc *d)
{
	return inv_call(c, VMXI_INVVPID, type, d->vpid, d->linear_address);
}

/* ---- capability MSRs ---- */

bool vx_vmx_read_cap(const struct vx_cpu *c, u32 index, u64 *val)
{
	if (index < MSR_IA32_VMX_BASIC || index > MSR_IA32_VMX_EXIT_CTLS2)
		return false;
	/* RDMSR semantics (msr.c): the MSR exists only as Appendix A says for the profile.
	 * msr_read does not modify the processor for these indices. */
	return msr_read((struct vx_cpu *)c, index, val);
}

bool vx_vmx_io_exits(const struct vx_cpu *c, u64 qual)
{
	return vmx_io_exits(c, (u16)(qual >> 16), (unsigned)(qual & 7) + 1);
}

bool vx_vmx_msr_exits(const struct vx_cpu *c, u32 msr, bool write)
{
	return vmx_msr_exits(c, msr, write);
}

bool vx_vmx_cr_access_exits(const struct vx_cpu *c, u64 qual, u64 val)
{
	unsigned cr = qual & 15;
	switch ((qual >> 4) & 3) {
	case VMX_CR_MOV_TO: return vmx_exits_cr_write(c, cr, val);
	case VMX_CR_MOV_FROM: return vmx_exits_cr_read(c, cr);
	case VMX_CR_CLTS: return vmx_exits_clts(c);
	default: return vmx_exits_lmsw(c, (u16)(qual >> 16));
	}
}

bool vx_ept_misconfigured(const struct vx_cpu *c, u64 entry, int level)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	struct ept_caps k;
	bool leaf;
	ept_caps_from_msr(&k, p->vmx.ept_vpid_cap, p->maxphyaddr);
	return (entry & 7) && ept_misconfigured(&k, entry, level, &leaf);
}

u32 vx_vmx_revision_id(const struct vx_cpu *c)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	if (!p->has_vmx)
		return 0;
	return (u32)(p->vmx.basic & MSR_IA32_VMX_BASIC_REVISION_MASK);
}
