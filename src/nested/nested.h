/* SPDX-License-Identifier: MIT */
/*
 * Nested VMX: L0 runs an L1 hypervisor (DESIGN.md section 3).  src/nested registers its
 * operations with L0 through hv_config.nested (KVM's kvm_x86_nested_ops is the model).
 */
#ifndef VX_NESTED_NESTED_H
#define VX_NESTED_NESTED_H

#include "hv/vcpu.h"
#include "vx/vmx.h"

/* The operations for hv_config.nested. */
const struct hv_nested_ops *nested_vmx_ops(void);

/* ---- inside src/nested ---- */

struct nested {
	/* L1's processor: its VMX state (VMXON, current VMCS = vmcs12, launch states) and the
	 * checks of L1's VMX instructions (vmx_insn.c). */
	struct vx_cpu *l1;
	bool guest_mode;    /* L2 runs: vmcs02 is the processor's current VMCS */
	u32 proc01;         /* L0's cached primary controls of vmcs01 while vmcs02 is current */
	bool ept12;         /* L1 runs L2 with EPT: vmcs02 uses the shadow EPT (sept.c) */
	u64 eptp12;         /* vmcs12's EPT pointer at the last nested entry */
	bool run_pending;   /* nested entry not completed yet (no exit of L2 since) */
	bool shadow_ready;  /* VMCS shadowing: bitmaps and shadow VMCS prepared (shadow.c) */
	bool shadow_linked; /* vmcs01's link pointer is the shadow VMCS */
};

/* An exit of one of L1's VMX instructions (vmx_insn.c). */
enum hv_ret nested_vmx_insn(struct hv_vcpu *v, void *state);
/* The outcome of an instruction given back to L1 (RFLAGS, RIP or an exception). */
enum hv_ret nested_finish(struct hv_vcpu *v, const struct vx_vmx_result *r);
/* VMLAUNCH / VMRESUME from L1 (vmentry.c). */
enum hv_ret nested_vmentry(struct hv_vcpu *v, struct nested *n);
/* L1's state in vmcs01 from what the L1 processor holds after 27.5 (vmentry.c). */
void nested_l1_state_from(struct hv_vcpu *v, struct vx_cpu *l1);
/* After VMLAUNCH/VMRESUME passed its checks: vmcs02 built and current (l2.c). */
enum hv_ret nested_run_l2(struct hv_vcpu *v, struct nested *n);
/* The shadow of L1's EPT (eptp12) composed with L0's; false when it does not fit the pool
 * (sept.c). */
bool nested_shadow_ept(struct hv_vcpu *v, u64 eptp12, u64 *eptp02);
/* VMCS shadowing (shadow.c): the shadow into vmcs12 before L0 reads vmcs12; vmcs01's
 * shadowing state and the shadow itself brought up to date before L1 runs. */
void nested_shadow_to_vmcs12(struct hv_vcpu *v, struct nested *n);
void nested_shadow_sync(struct hv_vcpu *v, struct nested *n);
/* hv_nested_ops.l2_gpa (sept.c). */
bool nested_l2_gpa(struct hv_vcpu *v, void *state, u64 gpa, u64 *l1);
/* hv_nested_ops.l2_interrupt (l2.c). */
enum hv_ret nested_l2_interrupt(struct hv_vcpu *v, void *state, bool *hold);
/* hv_nested_ops.l2_exit (l2.c). */
bool nested_l2_exit(struct hv_vcpu *v, void *state, enum hv_ret *r);

#endif
