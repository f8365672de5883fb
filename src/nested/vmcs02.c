// SPDX-License-Identifier: MIT
/*
 * vmcs02, the VMCS L0 runs L2 with (DESIGN.md section 3; KVM's nested.c prepare_vmcs02 and
 * prepare_vmcs02_rare are the model).  After VMLAUNCH/VMRESUME of vmcs12 passed the L1
 * processor's checks (vmentry.c), vmcs02 gets L0's controls and host state (vmcs01),
 * vmcs12's guest state, and the controls merged so that both levels get the exits they asked
 * for (D64, D66).
 *
 * The whole build (every field) runs when something L0 cannot follow cheaply changed since the
 * last one: a VMLAUNCH, L1's VMPTRLD/VMCLEAR/VMXON/VMXOFF, a VMWRITE of a field outside the
 * light set (an exit, so L0 sees it: nested_vmcs02_dirty).  Otherwise vmcs02 is the one L2
 * left, which already holds what L2 changed, and only the light set -- the fields L1 writes
 * between exits without L0 seeing it (VMCS shadowing, shadow.c) and those derived from them --
 * is brought in from vmcs12.  The shadow EPT is rebuilt on the whole build, after L1's
 * INVEPT, and when an EPT violation shows it stale (sept.c, l2.c).
 */
#include <string.h>

#include "arch/msr.h"
#include "arch/vmcs.h"
#include "arch/vmx.h"
#include "lib/trace.h"
#include "nested/nested.h"

/* IA32_EFER.LMA and LME, which the "IA-32e mode guest" entry control stands for (26.3.2.1). */
#define EFER_LMA_LME (MSR_IA32_EFER_LMA_MASK | MSR_IA32_EFER_LME_MASK)

const u32 nested_all_fields[NESTED_NFIELDS] = {
#define VMCS_FIELD(name, enc, width, desc) enc,
#include "arch/vmcs_fields.def"
};

unsigned nested_field_type(u32 enc)
{
	return VMCS_ENC_TYPE(enc); /* enum vmcs_type: control, exit information, guest, host */
}

unsigned nested_fields(unsigned type, const u32 **list)
{
	static u32 f[4][NESTED_NFIELDS];
	static unsigned nf[4];
	static bool listed;
	if (!listed) {
		for (unsigned i = 0; i < NESTED_NFIELDS; i++) {
			u32 enc = nested_all_fields[i];
			unsigned t = nested_field_type(enc);
			if (!(enc & 1))
				f[t][nf[t]++] = enc;
		}
		listed = true;
	}
	*list = f[type & 3];
	return nf[type & 3];
}

u64 nested_get12(struct nested *n, u32 enc)
{
	u64 v = 0;
	vx_vmread(n->l1, enc, &v);
	return v;
}

static void read_vmcs01(struct hv_vcpu *v, struct nested_carry *k)
{
	k->n = 0;
	k->efer01 = hv_vmread(v, VMCS_GUEST_IA32_EFER);
	for (unsigned i = 0; i < NESTED_NFIELDS; i++) {
		u32 enc = nested_all_fields[i];
		u64 val;
		if ((enc & 1) || nested_field_type(enc) == 1 || nested_field_type(enc) == 2)
			continue;
		if (vx_vmread(v->cpu, enc, &val).outcome == VX_VMSUCCEED && k->n < 256) {
			k->enc[k->n] = enc;
			k->val[k->n++] = val;
		}
	}
}

static u64 carried(const struct nested_carry *k, u32 enc)
{
	for (unsigned i = 0; i < k->n; i++)
		if (k->enc[i] == enc)
			return k->val[i];
	return 0;
}

/* I/O and MSR exiting in vmcs02 (24.6.4, 24.6.9): what either level wants.  L0 exits on
 * every port (unconditional I/O exiting, no bitmaps), so vmcs02 does too; without L0 I/O
 * exiting, vmcs12's own settings and bitmaps (L1's guest-physical = host-physical addresses
 * for RAM under L0's identity EPT).  MSRs: vmcs02's bitmap is L0's ORed with vmcs12's, or
 * no bitmap (every access exits) when vmcs12 uses none. */
static u64 proc02(u64 p01, u64 p12)
{
	u64 p02 = p01 | p12;
	if (p01 & PROC_UNCOND_IO_EXITING && !(p01 & PROC_USE_IO_BITMAPS))
		p02 &= ~(u64)PROC_USE_IO_BITMAPS;
	if (!(p12 & PROC_USE_MSR_BITMAPS))
		p02 &= ~(u64)PROC_USE_MSR_BITMAPS;
	return p02;
}

/* vmcs02's MSR bitmap, L0's ORed with vmcs12's, redone at every nested entry: L1 may edit its
 * bitmap in memory at any time, and the processor reads it at each access (24.6.9).  Guest
 * RAM holds both (bulk copies; a bitmap outside RAM reads as all ones: every access exits). */
static void merge_msr_bitmap(struct hv_vcpu *v, struct nested *n, const struct nested_carry *k)
{
	u64 p01 = carried(k, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 p12 = nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	if (!(p12 & PROC_USE_MSR_BITMAPS) || !(p01 & PROC_USE_MSR_BITMAPS))
		return;
	u64 a[512], b[512];
	if (!vx_phys_copy_out(v->phys, carried(k, VMCS_MSR_BITMAP), a, sizeof(a)))
		memset(a, 0xff, sizeof(a));
	if (!vx_phys_copy_out(v->phys, nested_get12(n, VMCS_MSR_BITMAP), b, sizeof(b)))
		memset(b, 0xff, sizeof(b));
	for (unsigned i = 0; i < 512; i++)
		a[i] |= b[i];
	vx_phys_copy_in(v->phys, v->lay.msr_bitmap02, a, sizeof(a));
	hv_vmwrite(v, VMCS_MSR_BITMAP, v->lay.msr_bitmap02);
}

static void merge_io_msr(struct hv_vcpu *v, struct nested *n, const struct nested_carry *k)
{
	u64 p01 = carried(k, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 p12 = nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 p02 = proc02(p01, p12);
	if (p01 & PROC_UNCOND_IO_EXITING && !(p01 & PROC_USE_IO_BITMAPS)) {
		/* L0 takes every port */
	} else if (p12 & PROC_USE_IO_BITMAPS) {
		hv_vmwrite(v, VMCS_IO_BITMAP_A, nested_get12(n, VMCS_IO_BITMAP_A));
		hv_vmwrite(v, VMCS_IO_BITMAP_B, nested_get12(n, VMCS_IO_BITMAP_B));
	}
	merge_msr_bitmap(v, n, k);
	hv_vmwrite(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, p02);
}

/* The CR0 and CR4 guest/host masks (24.6.6 "Guest/Host Masks and Read Shadows for CR0 and
 * CR4"). */
static const u32 cr_mask[2] = {VMCS_CR0_GUEST_HOST_MASK, VMCS_CR4_GUEST_HOST_MASK};

/* CR0/CR4 read shadows: a bit either level owns is intercepted (the masks are ORed); L2 reads
 * vmcs12's shadow for L1's bits and vmcs12's guest value for the others. */
static void cr_shadows(struct hv_vcpu *v, struct nested *n)
{
	static const u32 shadow[2] = {VMCS_CR0_READ_SHADOW, VMCS_CR4_READ_SHADOW};
	static const u32 cr[2] = {VMCS_GUEST_CR0, VMCS_GUEST_CR4};
	for (int c = 0; c < 2; c++) {
		u64 m12 = nested_get12(n, cr_mask[c]);
		hv_vmwrite(v, shadow[c],
			   (nested_get12(n, shadow[c]) & m12) | (nested_get12(n, cr[c]) & ~m12));
	}
}

/* IA32_EFER: L0 switches it on every entry (its vmcs01 loads EFER), so vmcs02 loads vmcs12's
 * guest EFER when L1 asked for that, else L1's EFER with LMA = LME = the "IA-32e mode guest"
 * control, what an entry without "load IA32_EFER" leaves (26.3.2.1). */
static void entry_efer(struct hv_vcpu *v, struct nested *n, u64 efer01)
{
	u64 entry12 = nested_get12(n, VMCS_VM_ENTRY_CONTROLS);
	u64 efer = entry12 & ENTRY_LOAD_IA32_EFER ? nested_get12(n, VMCS_GUEST_IA32_EFER) : efer01;
	if (!(entry12 & ENTRY_LOAD_IA32_EFER))
		efer =
		    entry12 & ENTRY_IA32E_MODE_GUEST ? efer | EFER_LMA_LME : efer & ~EFER_LMA_LME;
	hv_vmwrite(v, VMCS_GUEST_IA32_EFER, efer);
}

/* vmcs12's event injection (26.5) is the event of this entry: L0's entry path writes
 * v->inject into vmcs02 (run.c), so it goes there, not straight into the field. */
static void entry_event(struct hv_vcpu *v, struct nested *n)
{
	u64 ei = nested_get12(n, VMCS_VM_ENTRY_INTR_INFO);
	v->inject =
	    (struct hv_event){.valid = ei & VMX_INTR_INFO_VALID,
			      .info = (u32)ei,
			      .error = (u32)nested_get12(n, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE),
			      .insn_len = (u32)nested_get12(n, VMCS_VM_ENTRY_INSTRUCTION_LEN)};
}

/* vmcs12's VM-entry MSR-load and VM-exit MSR-store areas (24.7.2, 24.8.2; their addresses are
 * L1's guest-physical = host-physical, L0 has none of its own): the processor loads and
 * checks the entry list as it enters vmcs02 (a bad entry is exit reason 34 with the entry's
 * number, reflected) and stores the exit list at L2's exits (those L0 keeps too, which L1
 * cannot tell apart).  The entry list is L1's VM entry's only: after L2's first exit L0's
 * re-entries load nothing (nested_vmcs02_entered).  vmcs12's VM-exit MSR-load list is L1's
 * (l2.c, exit_msr_list). */
static void msr_areas(struct hv_vcpu *v, struct nested *n)
{
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, nested_get12(n, VMCS_VM_ENTRY_MSR_LOAD_ADDR));
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, nested_get12(n, VMCS_VM_ENTRY_MSR_LOAD_COUNT));
	hv_vmwrite(v, VMCS_VM_EXIT_MSR_STORE_ADDR, nested_get12(n, VMCS_VM_EXIT_MSR_STORE_ADDR));
	hv_vmwrite(v, VMCS_VM_EXIT_MSR_STORE_COUNT, nested_get12(n, VMCS_VM_EXIT_MSR_STORE_COUNT));
}

void nested_vmcs02_entered(struct hv_vcpu *v)
{
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
}

/* Controls both want (the OR), L1's guest state, L1's event injection. */
static void merge(struct hv_vcpu *v, struct nested *n, const struct nested_carry *k)
{
	for (unsigned i = 0; i < k->n; i++)
		hv_vmwrite(v, k->enc[i], k->val[i]);
	/* Guest state from vmcs12; a control field L0 leaves 0 (a feature it does not use: the
	 * VPID, the TSC offset, the CR3-target values, the virtual-APIC page, the XSS-exiting
	 * bitmap...) from vmcs12 too, so what L1 turns on has its values (their addresses are
	 * L1's guest-physical = host-physical); the merges below then set the shared ones. */
	for (unsigned i = 0; i < NESTED_NFIELDS; i++) {
		u32 enc = nested_all_fields[i];
		u64 val;
		unsigned type = nested_field_type(enc);
		if ((enc & 1) || (type != 2 && (type != 0 || carried(k, enc))))
			continue;
		if (vx_vmread(n->l1, enc, &val).outcome == VX_VMSUCCEED)
			hv_vmwrite(v, enc, val);
	}
	static const u32 ored[] = {VMCS_PIN_BASED_VM_EXEC_CONTROL, VMCS_CPU_BASED_VM_EXEC_CONTROL,
				   VMCS_EXCEPTION_BITMAP};
	for (unsigned i = 0; i < ARRAY_SIZE(ored); i++)
		hv_vmwrite(v, ored[i], carried(k, ored[i]) | nested_get12(n, ored[i]));
	merge_io_msr(v, n, k);
	/* vmcs12's secondary controls count only with "activate secondary controls" (24.6.2),
	 * its ENCLS-exiting bitmap only with "enable ENCLS exiting" (24.6.16): a field the
	 * processor ignores for L1 must not reach vmcs02.  VMCS shadowing is L0's for L1
	 * (shadow.c); L2's VMREAD/VMWRITE use vmcs12's own shadowing setup if L1 has one (its
	 * addresses are host-physical, L0's EPT is 1:1). */
	u64 p2_12 =
	    nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS
		? nested_get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL)
		: 0;
	u64 encls12 = p2_12 & PROC2_ENCLS_EXITING ? nested_get12(n, VMCS_ENCLS_EXITING_BITMAP) : 0;
	hv_vmwrite(v, VMCS_ENCLS_EXITING_BITMAP, carried(k, VMCS_ENCLS_EXITING_BITMAP) | encls12);
	/* vmcs02 runs without VPID: every entry and exit of L2 then flushes the processor's TLB
	 * (28.3.3.1), so L2 never meets L1's mappings (VPID 1) nor stale ones after L1's
	 * INVVPID, and L1's VPID for L2 needs no translation (KVM instead gives L2 a VPID of its
	 * own, vpid02).  Flushing more than L1 asked for is always permitted (28.3.3.2). */
	u64 p2_02 = (carried(k, VMCS_SECONDARY_VM_EXEC_CONTROL) | p2_12) &
		    ~(u64)(PROC2_VMCS_SHADOWING | PROC2_ENABLE_VPID);
	hv_vmwrite(v, VMCS_SECONDARY_VM_EXEC_CONTROL, p2_02 | (p2_12 & PROC2_VMCS_SHADOWING));
	if (p2_12 & PROC2_VMCS_SHADOWING) {
		hv_vmwrite(v, VMCS_VMREAD_BITMAP, nested_get12(n, VMCS_VMREAD_BITMAP));
		hv_vmwrite(v, VMCS_VMWRITE_BITMAP, nested_get12(n, VMCS_VMWRITE_BITMAP));
	}
	static const u32 from12[] = {VMCS_VM_ENTRY_CONTROLS, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
				     VMCS_VM_ENTRY_INSTRUCTION_LEN, VMCS_PAGE_FAULT_ERROR_CODE_MASK,
				     VMCS_PAGE_FAULT_ERROR_CODE_MATCH};
	for (unsigned i = 0; i < ARRAY_SIZE(from12); i++)
		hv_vmwrite(v, from12[i], nested_get12(n, from12[i]));
	for (int c = 0; c < 2; c++)
		hv_vmwrite(v, cr_mask[c], nested_get12(n, cr_mask[c]) | carried(k, cr_mask[c]));
	cr_shadows(v, n);
	u64 entry12 = nested_get12(n, VMCS_VM_ENTRY_CONTROLS);
	hv_vmwrite(v, VMCS_VM_ENTRY_CONTROLS, entry12 | ENTRY_LOAD_IA32_EFER);
	entry_efer(v, n, k->efer01);
	hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, nested_get12(n, VMCS_VMCS_LINK_POINTER));
	msr_areas(v, n);
	entry_event(v, n);
}

/* The shadow EPT for vmcs12's EPT pointer into vmcs02 (current); false: it does not fit.
 * The tables are rewritten in place, so L0 invalidates what the processor may have cached
 * from them (INVEPT all-context, 28.3.3.1), as a hypervisor must after editing its EPT. */
bool nested_load_sept(struct hv_vcpu *v, struct nested *n)
{
	u64 eptp02;
	n->eptp12 = nested_get12(n, VMCS_EPT_POINTER);
	if (!nested_shadow_ept(v, n->eptp12, &eptp02))
		return false;
	hv_vmwrite(v, VMCS_EPT_POINTER, eptp02);
	struct vx_invept_desc d = {eptp02, 0};
	vx_invept(v->cpu, VX_INVEPT_ALL_CONTEXT, &d);
	n->sept_stale = false;
	return true;
}

static enum hv_ret build_full(struct hv_vcpu *v, struct nested *n)
{
	read_vmcs01(v, &n->k);
	n->proc01 = v->proc;
	vx_phys_write(v->phys, v->lay.vmcs02, 4, vx_vmx_revision_id(v->cpu));
	struct vx_vmx_result r = vx_vmclear(v->cpu, v->lay.vmcs02);
	if (r.outcome == VX_VMSUCCEED)
		r = hv_vmptrld(v, v->lay.vmcs02);
	if (r.outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs02 (%s)",
				vx_vmx_outcome_name(r.outcome));
	merge(v, n, &n->k);
	n->ept12 =
	    (nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS) &&
	    (nested_get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_EPT);
	n->sept_stale = n->ept12;
	v->launched = false;
	n->vmcs02_ok = true;
	return HV_RESUME;
}

/* The light set from vmcs12 into the vmcs02 L2 left (its launch state kept). */
static enum hv_ret build_light(struct hv_vcpu *v, struct nested *n)
{
	u64 efer01 = hv_vmread(v, VMCS_GUEST_IA32_EFER);
	n->proc01 = v->proc;
	if (hv_vmptrld(v, v->lay.vmcs02).outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs02");
	for (unsigned i = 0; i < nested_light_count(); i++) {
		u32 enc = nested_light_field(i);
		if (nested_field_type(enc) == 2)
			hv_vmwrite(v, enc, nested_get12(n, enc));
	}
	u64 p01 = carried(&n->k, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	hv_vmwrite(v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		   proc02(p01, nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL)));
	merge_msr_bitmap(v, n, &n->k);
	hv_vmwrite(v, VMCS_EXCEPTION_BITMAP,
		   carried(&n->k, VMCS_EXCEPTION_BITMAP) | nested_get12(n, VMCS_EXCEPTION_BITMAP));
	cr_shadows(v, n);
	entry_efer(v, n, efer01);
	entry_event(v, n);
	msr_areas(v, n);
	v->launched = n->launched02;
	return HV_RESUME;
}

/* Primary controls that select which other fields count (secondary controls, bitmaps): a
 * change through VMCS shadowing (no exit) needs the whole build. */
#define PROC_SELECTORS                                                                   \
	(PROC_ACTIVATE_SECONDARY_CONTROLS | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | \
	 PROC_UNCOND_IO_EXITING)

/* The TSC (the VMX-preemption timer's clock: it counts down by 1 each time bit X of the TSC
 * changes, X = IA32_VMX_MISC[4:0], 25.5.1). */
static u64 tsc_now(struct hv_vcpu *v)
{
	u64 tsc = 0;
	vx_cpu_get_msr(v->cpu, MSR_IA32_TIME_STAMP_COUNTER, &tsc);
	return tsc;
}

/* vmcs12's VMX-preemption timer (26.7.4: loaded from the VMCS at each VM entry), counted by L0:
 * it expires when the TSC has crossed `value` multiples of 2^X; L0 stops L2 there (stop_at,
 * run.c) and makes the exit (l2.c). */
static void timer12_arm(struct hv_vcpu *v, struct nested *n)
{
	n->timer12 = nested_get12(n, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER;
	if (!n->timer12)
		return;
	unsigned x = v->ctls.timer_shift;
	u64 tsc = tsc_now(v), value = nested_get12(n, VMCS_VMX_PREEMPTION_TIMER_VALUE);
	n->timer12_tsc = (((tsc >> x) + value) << x);
	n->timer12_deadline = hv_retired(v) + (n->timer12_tsc - tsc);
	v->stop_at = n->timer12_deadline;
}

u64 nested_timer12_left(struct hv_vcpu *v, struct nested *n)
{
	unsigned x = v->ctls.timer_shift;
	u64 now = tsc_now(v) >> x, end = n->timer12_tsc >> x;
	return end > now ? end - now : 0;
}

enum hv_ret nested_run_l2(struct hv_vcpu *v, struct nested *n)
{
	u64 p12 = nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	if ((p12 ^ n->p12_built) & PROC_SELECTORS)
		n->vmcs02_ok = false;
	n->p12_built = p12;
	enum hv_ret r = n->vmcs02_ok ? build_light(v, n) : build_full(v, n);
	if (r != HV_RESUME)
		return r;
	if (n->ept12 && n->sept_stale && !nested_load_sept(v, n))
		return hv_stop_vm(v, HV_STOP_ERROR, 1,
				  "nested VMX: L1's EPT needs more than %u shadow pages",
				  (unsigned)v->lay.sept_pages);
	v->proc = (u32)hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	v->proc_keep = (u32)p12 & (PROC_INTR_WINDOW_EXITING | PROC_MONITOR_TRAP_FLAG);
	n->guest_mode = true;
	n->run_pending = true;
	timer12_arm(v, n);
	hv_set_lvl(v, TRACE_L2);
	return HV_RESUME;
}
