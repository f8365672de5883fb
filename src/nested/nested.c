// SPDX-License-Identifier: MIT
/* The nested-VMX state of a vCPU and the operations L0 calls (nested.h). */
#include "nested/nested.h"

#include <stdlib.h>

static void *nested_create(struct hv_vcpu *v)
{
	struct nested *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->sept_retry = ~0ull;
	n->l1 = vx_cpu_create(v->phys, v->cfg.profile);
	if (!n->l1) {
		free(n);
		return NULL;
	}
	/* L1's processor is the VM's: the SGX the VM exposes (what VMCS fields exist, e.g. the
	 * ENCLS-exiting bitmap only with SGX, as on the bare machine) */
	if (!vx_cpu_restrict_sgx(n->l1, v->cfg.sgx, v->cfg.sgx_lc)) {
		vx_cpu_destroy(n->l1);
		free(n);
		return NULL;
	}
	/* the checks of L1's VMLAUNCH/VMRESUME on vmcs12 trace each failure (vmentry_fail) */
	vx_cpu_set_trace(n->l1, v->cfg.trace);
	return n;
}

static void nested_destroy(void *state)
{
	struct nested *n = state;
	vx_cpu_destroy(n->l1);
	free(n);
}

static const struct hv_nested_ops ops = {
    .create = nested_create,
    .destroy = nested_destroy,
    .vmx_insn = nested_vmx_insn,
    .l2_exit = nested_l2_exit,
    .l2_gpa = nested_l2_gpa,
    .l2_pending = nested_l2_pending,
    .l2_cr_mask = nested_l2_cr_mask,
};

const struct hv_nested_ops *nested_vmx_ops(void)
{
	return &ops;
}
