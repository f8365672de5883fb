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

/* Every VMCS field encoding (arch/vmcs_fields.def), its type and vmcs12's value (vmcs02.c). */
enum {
	NESTED_NFIELDS = 0
#define VMCS_FIELD(name, enc, width, desc) +1
#include "arch/vmcs_fields.def"
};
extern const u32 nested_all_fields[NESTED_NFIELDS];
/* 0 control, 1 exit information, 2 guest state, 3 host state (bits 11:10, Table 24-17) */
unsigned nested_field_type(u32 enc);
struct nested;
u64 nested_get12(struct nested *n, u32 enc);
/* The fields of one type (full encodings, in table order), listed once (vmcs02.c). */
unsigned nested_fields(unsigned type, const u32 **list);

/* vmcs01's controls and host state, carried into vmcs02 (vmcs02.c). */
struct nested_carry {
	u32 enc[256];
	u64 val[256];
	unsigned n;
	u64 efer01; /* L1's IA32_EFER (vmcs01's guest EFER) */
};

struct nested {
	/* L1's processor: its VMX state (VMXON, current VMCS = vmcs12, launch states) and the
	 * checks of L1's VMX instructions (vmx_insn.c). */
	struct vx_cpu *l1;
	bool guest_mode;       /* L2 runs: vmcs02 is the processor's current VMCS */
	u32 proc01;            /* L0's cached primary controls of vmcs01 while vmcs02 is current */
	bool ept12;            /* L1 runs L2 with EPT: vmcs02 uses the shadow EPT (sept.c) */
	u64 eptp12;            /* vmcs12's EPT pointer at the last nested entry */
	bool run_pending;      /* nested entry not completed yet (no exit of L2 since) */
	bool timer12;          /* vmcs12's VMX-preemption timer counts (vmcs02.c) */
	u64 timer12_tsc;       /* the TSC at which it expires */
	u64 timer12_deadline;  /* the same in retired instructions (L0's clock) */
	bool vmcs02_ok;        /* vmcs02 matches vmcs12 but for the light set (vmcs02.c) */
	bool launched02;       /* vmcs02 was launched (an exit of L2 came from it) */
	u64 p12_built;         /* vmcs12's primary controls at the last nested entry */
	bool sept_stale;       /* the shadow EPT must be rebuilt before L2 runs */
	u64 sept_retry;        /* L2 page whose EPT violation last rebuilt the shadow, ~0 none */
	struct nested_carry k; /* vmcs01's values at the last whole build */
	bool shadow_ready;     /* VMCS shadowing: bitmaps and shadow VMCS prepared (shadow.c) */
	bool shadow_linked;    /* vmcs01's link pointer is the shadow VMCS */
};

/* An exit of one of L1's VMX instructions (vmx_insn.c). */
enum hv_ret nested_vmx_insn(struct hv_vcpu *v, void *state);
/* The outcome of an instruction given back to L1 (RFLAGS, RIP or an exception). */
enum hv_ret nested_finish(struct hv_vcpu *v, const struct vx_vmx_result *r);
/* VMLAUNCH / VMRESUME from L1 (vmentry.c). */
enum hv_ret nested_vmentry(struct hv_vcpu *v, struct nested *n);
/* After VMLAUNCH/VMRESUME passed its checks: vmcs02 built and current (l2.c). */
enum hv_ret nested_run_l2(struct hv_vcpu *v, struct nested *n);
/* The shadow of L1's EPT (eptp12) composed with L0's; false when it does not fit the pool
 * (sept.c). */
bool nested_shadow_ept(struct hv_vcpu *v, u64 eptp12, u64 *eptp02);
/* VMCS shadowing (shadow.c): the shadow into vmcs12 before L0 reads vmcs12; vmcs01's
 * shadowing state and the shadow itself brought up to date before L1 runs. */
void nested_shadow_to_vmcs12(struct hv_vcpu *v, struct nested *n);
void nested_shadow_sync(struct hv_vcpu *v, struct nested *n);
/* After L2's first exit since a nested entry: vmcs02's entry MSR-load list is done (vmcs02.c). */
void nested_vmcs02_entered(struct hv_vcpu *v);
/* The fields L1 writes without an exit under VMCS shadowing: vmcs02's light set (shadow.c). */
unsigned nested_light_count(void);
u32 nested_light_field(unsigned i);
bool nested_field_light(u32 enc);
/* Rebuild the shadow EPT into the current vmcs02 (vmcs02.c); false: the pool is too small. */
bool nested_load_sept(struct hv_vcpu *v, struct nested *n);
/* L1's EPT walked for L2's gpa: L1's guest-physical address and the AND of the rights (bits
 * 2:0) on the path; false when not mapped (sept.c). */
bool nested_l1_ept_walk(struct hv_vcpu *v, struct nested *n, u64 gpa, u64 *l1, u64 *rights);
/* Whether L1's EPT walk for L2's gpa meets a misconfigured entry (28.2.3.1; sept.c). */
bool nested_l1_ept_misconfig(struct hv_vcpu *v, struct nested *n, u64 gpa);
/* hv_nested_ops.l2_gpa (sept.c). */
bool nested_l2_gpa(struct hv_vcpu *v, void *state, u64 gpa, u64 *l1);
/* hv_nested_ops.l2_pending (l2.c). */
enum hv_ret nested_l2_pending(struct hv_vcpu *v, void *state, bool *hold);
/* vmcs12's VMX-preemption timer value left (vmcs02.c). */
u64 nested_timer12_left(struct hv_vcpu *v, struct nested *n);
/* hv_nested_ops.l2_cr_mask (l2.c). */
u64 nested_l2_cr_mask(struct hv_vcpu *v, void *state, unsigned cr);
/* hv_nested_ops.l2_exit (l2.c). */
bool nested_l2_exit(struct hv_vcpu *v, void *state, enum hv_ret *r);

#endif
