// SPDX-License-Identifier: MIT
/*
 * VMCS shadowing for L1 (DESIGN.md section 3; KVM's nested.c copy_shadow_to_vmcs12 and
 * copy_vmcs12_to_shadow are the model): once L1 is in VMX operation, vmcs01 sets the "VMCS
 * shadowing" control (SDM Vol. 3C 24.6.2, 24.10 "VMCS Types: Ordinary and Shadow") with
 * VMREAD/VMWRITE bitmaps (24.6.15) whose bits are 0 for the fields L1 uses on every exit,
 * and, while L1 has a current VMCS, the VMCS link pointer at L0's shadow VMCS (a region with
 * the shadow-VMCS indicator, bit 31 of the revision identifier).  L1's VMREAD/VMWRITE of those
 * fields then run in VMX non-root operation against the shadow VMCS (25.1.3, 30.3) without a
 * VM exit.
 *
 * vmcs12 itself stays in the L1 processor (vmx_insn.c), so the two are kept equal: the shadow
 * is copied into vmcs12 before L0 looks at vmcs12 (each exit of an L1 VMX instruction, which
 * includes VMLAUNCH/VMRESUME), and vmcs12 into the shadow whenever L1 runs again after L0
 * changed vmcs12 or made another VMCS current (after those exits and after each nested VM
 * exit).  L0 reads and writes the shadow with VMPTRLD/VMREAD/VMWRITE, as KVM does on hardware.
 */
#include <string.h>

#include "arch/vmcs.h"
#include "arch/vmx.h"
#include "nested/nested.h"

#define REV_SHADOW BIT(31)

/* Read/write in the shadow: what an L1 hypervisor touches on every exit (KVM's
 * shadow_read_write_fields.h, with the activity state and HOST_RSP/HOST_RIP). */
static const u32 rw_fields[] = {
    VMCS_GUEST_RIP,
    VMCS_GUEST_RSP,
    VMCS_GUEST_RFLAGS,
    VMCS_GUEST_CR0,
    VMCS_GUEST_CR3,
    VMCS_GUEST_CR4,
    VMCS_GUEST_INTERRUPTIBILITY_INFO,
    VMCS_GUEST_ACTIVITY_STATE,
    VMCS_CR0_READ_SHADOW,
    VMCS_CR4_READ_SHADOW,
    VMCS_EXCEPTION_BITMAP,
    VMCS_CPU_BASED_VM_EXEC_CONTROL,
    VMCS_VM_ENTRY_INTR_INFO,
    VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
    VMCS_VM_ENTRY_INSTRUCTION_LEN,
    VMCS_GUEST_CS_AR_BYTES,
    VMCS_GUEST_SS_AR_BYTES,
    VMCS_HOST_RSP, /* written before each VMRESUME by hypervisors that switch stacks */
    VMCS_HOST_RIP,
};

#define N_RW (sizeof(rw_fields) / sizeof(rw_fields[0]))

unsigned nested_light_count(void)
{
	return N_RW;
}

u32 nested_light_field(unsigned i)
{
	return rw_fields[i];
}

bool nested_field_light(u32 enc)
{
	for (unsigned i = 0; i < N_RW; i++)
		if (rw_fields[i] == enc)
			return true;
	return false;
}

/* Read-only in the shadow: the VM-exit information fields (24.9). */
static unsigned n_ro(void)
{
	const u32 *ro;
	return nested_fields(1, &ro);
}

static u32 field_at(unsigned i)
{
	const u32 *ro;
	nested_fields(1, &ro);
	return i < N_RW ? rw_fields[i] : ro[i - N_RW];
}

static bool offered(const struct hv_vcpu *v)
{
	return !v->cfg.no_vmcs_shadowing && ((v->caps.proc2 >> 32) & PROC2_VMCS_SHADOWING);
}

/* The bitmaps (bit n for encodings with bits 14:0 = n; 1 = VM exit) and the shadow VMCS. */
static void prepare(struct hv_vcpu *v)
{
	u8 ones[4096];
	memset(ones, 0xff, sizeof(ones));
	vx_phys_copy_in(v->phys, v->lay.vmread_bitmap, ones, sizeof(ones));
	vx_phys_copy_in(v->phys, v->lay.vmwrite_bitmap, ones, sizeof(ones));
	for (unsigned i = 0; i < N_RW + n_ro(); i++) {
		u32 enc = field_at(i) & 0x7fff;
		u64 bit = 1ull << (enc & 7);
		u64 rd = v->lay.vmread_bitmap + enc / 8, wr = v->lay.vmwrite_bitmap + enc / 8;
		vx_phys_write(v->phys, rd, 1, vx_phys_read(v->phys, rd, 1) & ~bit);
		if (i < N_RW)
			vx_phys_write(v->phys, wr, 1, vx_phys_read(v->phys, wr, 1) & ~bit);
	}
	vx_phys_write(v->phys, v->lay.shadow_vmcs, 4, vx_vmx_revision_id(v->cpu) | REV_SHADOW);
	vx_vmclear(v->cpu, v->lay.shadow_vmcs);
}

/* Makes the shadow VMCS current (then vmcs01 again): L0's VMREAD/VMWRITE go to it. */
static bool load_shadow(struct hv_vcpu *v)
{
	return hv_vmptrld(v, v->lay.shadow_vmcs).outcome == VX_VMSUCCEED;
}

static void load_vmcs01(struct hv_vcpu *v)
{
	if (hv_vmptrld(v, v->lay.vmcs).outcome != VX_VMSUCCEED)
		hv_fatal(v, "nested VMX: cannot load vmcs01 after the shadow VMCS");
}

void nested_shadow_to_vmcs12(struct hv_vcpu *v, struct nested *n)
{
	if (!n->shadow_linked || !load_shadow(v))
		return;
	for (unsigned i = 0; i < N_RW; i++) {
		u64 val;
		if (vx_vmread(v->cpu, rw_fields[i], &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, rw_fields[i], val);
	}
	load_vmcs01(v);
}

static void vmcs12_to_shadow(struct hv_vcpu *v, struct nested *n)
{
	u64 val[N_RW + NESTED_NFIELDS];
	bool ok[N_RW + NESTED_NFIELDS];
	unsigned nf = N_RW + n_ro();
	for (unsigned i = 0; i < nf; i++)
		ok[i] = vx_vmread(n->l1, field_at(i), &val[i]).outcome == VX_VMSUCCEED;
	if (!load_shadow(v))
		return;
	for (unsigned i = 0; i < nf; i++)
		if (ok[i])
			vx_vmcs_put(v->cpu, field_at(i), val[i]);
	load_vmcs01(v);
}

/*
 * With vmcs01 current and L1 about to run: shadowing on while L1 is in VMX operation, the link
 * pointer at the shadow while L1 has a current VMCS (else FFFFFFFF_FFFFFFFFH, so VMREAD and
 * VMWRITE fail with VMfailInvalid without an exit, 30.3), and the shadow equal to vmcs12.
 */
void nested_shadow_sync(struct hv_vcpu *v, struct nested *n)
{
	if (!offered(v))
		return;
	u64 cur = ~0ull;
	bool in_vmx = vx_vmptrst(n->l1, &cur).outcome == VX_VMSUCCEED;
	u64 proc2 = hv_vmread(v, VMCS_SECONDARY_VM_EXEC_CONTROL);
	if (!in_vmx) {
		hv_vmwrite(v, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2 & ~(u64)PROC2_VMCS_SHADOWING);
		hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, ~0ull);
		n->shadow_linked = false;
		return;
	}
	if (!n->shadow_ready) {
		prepare(v);
		n->shadow_ready = true;
		hv_vmwrite(v, VMCS_VMREAD_BITMAP, v->lay.vmread_bitmap);
		hv_vmwrite(v, VMCS_VMWRITE_BITMAP, v->lay.vmwrite_bitmap);
	}
	hv_vmwrite(v, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2 | PROC2_VMCS_SHADOWING);
	n->shadow_linked = cur != ~0ull;
	hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, n->shadow_linked ? v->lay.shadow_vmcs : ~0ull);
	if (n->shadow_linked)
		vmcs12_to_shadow(v, n);
}
