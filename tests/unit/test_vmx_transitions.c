// SPDX-License-Identifier: MIT
/*
 * What the processor keeps across VM entries and exits.
 *
 * 1. The TLB (SDM Vol. 3C 28.3.3.1 "Operations that Invalidate
 * Cached Mappings"; src/vmx/ept.h "Caching"; docs/decisions.md D75).
 *
 * The guest reads 0x305000 (in 2-MByte page 1 of the fixture's identity map), executes CPUID (a
 * VM exit), then reads 0x305000 again and halts.  Between the exit and the next entry the
 * test points the page's PDE elsewhere without any invalidation, as a guest that edits its
 * page tables and relies on the exit would.  Without VPID the exit and the entry invalidate
 * the mappings of VPID 0000H: the second read sees the new mapping.  With VPID they do not:
 * this processor keeps the guest's context (the stale mapping is still used), until INVVPID,
 * INVEPT, or a change of the guest's paging state (here CR3) that the TLB is keyed on.
 *
 * 2. The guest segment registers (27.3.2 "Saving Segment Registers and Descriptor-Table
 * Registers", 26.3.2.2 "Loading Guest Segment Registers and Descriptor-Table Registers"):
 * the processor skips a save that would store the values the fields hold and a load from
 * fields it loaded before (src/vmx/vmexit.c, vmentry_load.c); a segment load by the guest must
 * still reach the VMCS, and a store to the fields between an exit and an entry the registers.
 */
#include "vmx_fixture.h"

#include <string.h>

#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "vmx/vmx_insn.h"
#include "vx/cpu.h"
#include "vx/vmx.h"

#define OLD_PA 0x305000ull /* the first mapping: in 2-MByte page 1, identity */
#define NEW_PA 0x400000ull /* after the PDE edit: 2-MByte page 2 */
#define OLD_VAL 0x1111ull
#define NEW_VAL 0x2222ull
#define PML4_COPY 0x600000ull /* a second set of tables (PML4, PDPT, PD) for the CR3 case */

static struct fx *setup(bool vpid)
{
	struct fx *f = vt_new();
	/* mov rax, [0x305000]; cpuid; mov rbx, [0x305000]; hlt (TLB slot 5, apart from the
	 * code's slot 0) */
	guest_code(f, CODE(0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x30, 0x00, 0x0f, 0xa2, 0x48, 0x8b,
			   0x1c, 0x25, 0x00, 0x50, 0x30, 0x00, 0xf4));
	phys_write(&f->phys, OLD_PA, 8, OLD_VAL);
	phys_write(&f->phys, NEW_PA + (OLD_PA & 0x1fffff), 8, NEW_VAL);
	if (vpid) {
		set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
		set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENABLE_VPID);
		W(f, VPID, 7);
	}
	/* first run: the read fills the TLB, CPUID exits */
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP + 8);
	assert_int_equal(f->cpu.gpr[0], OLD_VAL);
	/* the guest's page-table edit, no INVLPG: PDE 1 -> 2-MByte page 2 */
	phys_write(&f->phys, FX_PD + 8, 8, NEW_PA | 0x87);
	W(f, GUEST_RIP, GUEST_RIP + 10);
	return f;
}

/* Resumes the guest after the CPUID exit; the value of its second read. */
static u64 second_read(struct fx *f)
{
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root && f->cpu.halted);
	return f->cpu.gpr[3];
}

static void test_no_vpid_exit_and_entry_invalidate(void **state)
{
	(void)state;
	struct fx *f = setup(false);
	assert_int_equal(second_read(f), NEW_VAL);
	fx_free(f);
}

static void test_vpid_keeps_guest_mappings(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	assert_int_equal(second_read(f), OLD_VAL);
	fx_free(f);
}

static void test_vpid_invvpid_invalidates(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	/* INVVPID single-context (type 1) for VPID 7, from root operation */
	assert_int_equal(vmx_insn_invvpid(&f->cpu, 1, 7, 0).out, VMX_OUT_SUCCEED);
	assert_int_equal(second_read(f), NEW_VAL);
	fx_free(f);
}

static void test_vpid_invept_invalidates(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	/* INVEPT all-context (type 2): this processor drops every context's mappings */
	assert_int_equal(vmx_insn_invept(&f->cpu, 2, 0, 0).out, VMX_OUT_SUCCEED);
	assert_int_equal(second_read(f), NEW_VAL);
	fx_free(f);
}

/* Another guest CR3 (a copy of the tables, already edited) is another context: its own walk. */
static void test_vpid_new_cr3_new_context(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	for (u64 k = 0; k < 3; k++) {
		u8 page[4096];
		phys_copy_out(&f->phys, FX_PML4 + k * 0x1000, page, sizeof(page));
		phys_copy_in(&f->phys, PML4_COPY + k * 0x1000, page, sizeof(page));
	}
	phys_write(&f->phys, PML4_COPY, 8, (PML4_COPY + 0x1000) | 7);
	phys_write(&f->phys, PML4_COPY + 0x1000, 8, (PML4_COPY + 0x2000) | 7);
	W(f, GUEST_CR3, PML4_COPY);
	assert_int_equal(second_read(f), NEW_VAL);
	fx_free(f);
}

/* The root context survives a VM entry and exit with VPID: its TLB entry is still there,
 * with its generation, after the guest ran in a context of its own. */
static void test_vpid_root_context_kept(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x0f, 0xa2)); /* cpuid */
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
	set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENABLE_VPID);
	W(f, VPID, 1);
	struct vx_cpu *c = &f->cpu;
	/* host state equal to the root state now, so the root context is found again */
	W(f, HOST_CR3, c->cr3);
	W(f, HOST_CR0, c->cr0);
	W(f, HOST_CR4, c->cr4);
	W(f, HOST_IA32_EFER, c->msr.efer);
	u64 v, la = FX_DATA + 0x5000; /* TLB slot 5; the guest's code uses slot 0 */
	assert_int_equal(mem_read_slow(c, la, 8, &v, 0), STEP_RETIRED);
	u64 root_gen = c->tlb_gen;
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_true(c->tlb_gen != root_gen);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_int_equal(c->tlb_gen, root_gen);
	const struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
	assert_true(e->tag == tlb_key(c, la));
	fx_free(f);
}

/* cpuid; mov ds, ax (ax = 0: DS unusable); cpuid; hlt */
static struct fx *seg_guest(void)
{
	struct fx *f = vt_new();
	guest_code(f, CODE(0x0f, 0xa2, 0x8e, 0xd8, 0x0f, 0xa2, 0xf4));
	f->cpu.gpr[0] = 0;
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP);
	assert_int_equal(V(f, GUEST_DS_SELECTOR), 0x10);
	return f;
}

static void resume_past_cpuid(struct fx *f)
{
	W(f, GUEST_RIP, V(f, GUEST_RIP) + 2);
	f->cpu.gpr[0] = 0;
}

/* The guest's MOV DS reaches the next exit's saved state. */
static void test_segments_saved_after_guest_change(void **state)
{
	(void)state;
	struct fx *f = seg_guest();
	resume_past_cpuid(f);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP + 4);
	assert_int_equal(V(f, GUEST_DS_SELECTOR), 0);
	assert_true(V(f, GUEST_DS_AR_BYTES) & BIT(16)); /* unusable */
	fx_free(f);
}

/* Stores to the fields between an exit and an entry are loaded; the other registers come
 * back as saved. */
static void test_segments_loaded_after_vmwrite(void **state)
{
	(void)state;
	struct fx *f = seg_guest();
	resume_past_cpuid(f);
	assert_int_equal(enter_run(f), STEP_VMEXIT); /* second CPUID: the fields as saved */
	W(f, GUEST_FS_BASE, 0x7fff00001000ull);
	W(f, GUEST_IDTR_LIMIT, 0x7ff);
	resume_past_cpuid(f);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_int_equal(f->cpu.seg[SEG_FS].base, 0x7fff00001000ull);
	assert_int_equal(f->cpu.idtr.limit, 0x7ff);
	assert_int_equal(f->cpu.seg[SEG_DS].sel, 0);
	assert_int_equal(f->cpu.seg[SEG_CS].sel, 0x08);
	fx_free(f);
}

/* A save with nothing changed leaves the fields as they were, with the same values a full
 * save stores (a new VMPTRLD of the same region forces the full path). */
static void test_segment_save_skip_is_exact(void **state)
{
	(void)state;
	struct fx *f = seg_guest();
	u64 before[VMCS_NSLOTS];
	memcpy(before, f->cpu.vmx.vmcs.field, sizeof(before));
	/* again from the same fields: the skip path at the exit */
	W(f, GUEST_RIP, GUEST_RIP);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	for (unsigned s = 0; s < VMCS_NSLOTS; s++)
		if (vmcs_slot_gens[s] & VMCS_GEN_SEG)
			assert_int_equal(f->cpu.vmx.vmcs.field[s], before[s]);
	/* the full path gives the same values */
	f->cpu.vmx_segs.loaded = false;
	W(f, GUEST_RIP, GUEST_RIP);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	for (unsigned s = 0; s < VMCS_NSLOTS; s++)
		if (vmcs_slot_gens[s] & VMCS_GEN_SEG)
			assert_int_equal(f->cpu.vmx.vmcs.field[s], before[s]);
	fx_free(f);
}

/* Back in a kept context the processor resumes fetching from the code page it left, unless
 * code was written meanwhile: root software patching the guest's next instruction between
 * an exit and the entry must be seen (self-modifying code across VMX transitions). */
static void test_vpid_code_written_between_exit_and_entry(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	/* mov eax, 1; cpuid */
	guest_code(f, CODE(0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
	set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENABLE_VPID);
	W(f, VPID, 3);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP + 5);
	assert_int_equal(f->cpu.gpr[0], 1);
	phys_write(&f->phys, GUEST_RIP + 1, 1, 0x02); /* mov eax, 2 */
	W(f, GUEST_RIP, GUEST_RIP); /* the MOV again, from its decoded record if nothing said no */
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, GUEST_RIP + 5);
	assert_int_equal(f->cpu.gpr[0], 2);
	fx_free(f);
}

/*
 * A root-mode hypervisor on the interpreter (VMWRITE; VMRESUME) whose guest, in a kept TLB
 * context, runs at the linear address right after the VMRESUME but from another physical
 * page: the guest's code must run, not the host's records that follow VMRESUME there.
 */
#define G_PML4 0x600000ull
#define G_PDPT 0x601000ull
#define G_PD 0x602000ull

static void test_vpid_interpreted_vmresume_runs_guest_code(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	/* the guest's tables: linear 2-MByte page 0 -> physical 0x400000, the rest identity */
	phys_write(&f->phys, G_PML4, 8, G_PDPT | 7);
	phys_write(&f->phys, G_PDPT, 8, G_PD | 7);
	phys_write(&f->phys, G_PD, 8, 0x400000 | 0x87);
	for (u64 k = 1; k < 4; k++)
		phys_write(&f->phys, G_PD + 8 * k, 8, (k << 21) | 0x87);
	W(f, GUEST_CR3, G_PML4);
	/* root at HOST_RIP: mov eax, GUEST_RIP; mov ecx, HOST_RIP + 16; vmwrite rax, rcx;
	 * vmresume (ends at HOST_RIP + 16); mov ebx, 0x22; hlt */
	static const u8 root[] = {0xb8, 0x1e, 0x68, 0x00, 0x00, 0xb9, 0x10, 0x00, 0x18, 0x00, 0x0f,
				  0x79, 0xc1, 0x0f, 0x01, 0xc3, 0xbb, 0x22, 0x00, 0x00, 0x00, 0xf4};
	phys_copy_in(&f->phys, HOST_RIP, root, sizeof(root));
	/* the guest at linear HOST_RIP + 16 = physical 0x580010: mov esi, 0x11; cpuid */
	static const u8 guest[] = {0xbe, 0x11, 0x00, 0x00, 0x00, 0x0f, 0xa2};
	phys_copy_in(&f->phys, 0x580010, guest, sizeof(guest));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
	set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENABLE_VPID);
	W(f, VPID, 7);
	W(f, GUEST_RIP, HOST_RIP + 16);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_CPUID, HOST_RIP + 21);
	for (int round = 0; round < 3; round++) {
		f->cpu.gpr[6] = 0;
		assert_int_equal(run(f), STEP_VMEXIT); /* root, then the guest to its CPUID */
		assert_exit(f, VMX_EXIT_CPUID, HOST_RIP + 21);
		assert_int_equal(f->cpu.gpr[6], 0x11);
	}
	fx_free(f);
}

/* 3. Host state (27.5.1, 27.5.2) comes from an image of the host-state fields kept between
 * exits (src/vmx/vmexit_host.c): a store to a host field or to the VM-exit controls between
 * two exits must reach the next one. */
static void test_host_state_follows_host_fields(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(0x0f, 0xa2, 0x0f, 0xa2, 0x0f, 0xa2, 0xf4)); /* cpuid x3; hlt */
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	struct vx_cpu *c = &f->cpu;
	assert_int_equal(c->seg[SEG_FS].base, 0x7fff12340000ull);
	assert_int_equal(c->msr.pat, HOST_PAT);
	/* a host field */
	W(f, HOST_FS_BASE, 0x7fff56780000ull);
	W(f, HOST_IA32_SYSENTER_EIP, 0xffffffff81b00000ull);
	W(f, GUEST_RIP, V(f, GUEST_RIP) + 2);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_int_equal(c->seg[SEG_FS].base, 0x7fff56780000ull);
	assert_int_equal(c->msr.sysenter_eip, 0xffffffff81b00000ull);
	/* the VM-exit controls: without "load IA32_PAT" the guest's PAT stays */
	W(f, VM_EXIT_CONTROLS, V(f, VM_EXIT_CONTROLS) & ~(u64)EXIT_LOAD_IA32_PAT);
	W(f, GUEST_RIP, V(f, GUEST_RIP) + 2);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_int_equal(c->msr.pat, GUEST_PAT);
	fx_free(f);
}

/*
 * 3. D79: a VM exit made for root-mode software outside the processor (the include/vx API)
 * leaves the host-state registers unloaded until something could observe them.  Two
 * processors run the same guest, one through the API (its exits parked), one through the
 * processor's own entry and exit (host state loaded at every exit).  After every exit their
 * VMCS fields are identical; after looking at the parked one through the API (which loads
 * host state) so is every register; the VMM's writes between exit and entry -- a guest field,
 * a host field, nothing -- reach both alike.
 */
static void regs_equal(const struct vx_cpu *a, const struct vx_cpu *b)
{
	assert_memory_equal(a->gpr, b->gpr, sizeof(a->gpr));
	assert_int_equal(a->rip, b->rip);
	assert_int_equal(cpu_rflags(a), cpu_rflags(b));
	assert_int_equal(a->cr0, b->cr0);
	assert_int_equal(a->cr3, b->cr3);
	assert_int_equal(a->cr4, b->cr4);
	assert_int_equal(a->dr[7], b->dr[7]);
	assert_int_equal(a->cpl, b->cpl);
	for (unsigned s = SEG_ES; s <= SEG_TR; s++) {
		assert_int_equal(a->seg[s].sel, b->seg[s].sel);
		assert_int_equal(a->seg[s].ar, b->seg[s].ar);
		assert_int_equal(a->seg[s].limit, b->seg[s].limit);
		assert_int_equal(a->seg[s].base, b->seg[s].base);
	}
	assert_int_equal(a->gdtr.base, b->gdtr.base);
	assert_int_equal(a->idtr.base, b->idtr.base);
	assert_int_equal(a->msr.efer, b->msr.efer);
	assert_int_equal(a->msr.pat, b->msr.pat);
	assert_int_equal(a->msr.sysenter_esp, b->msr.sysenter_esp);
	assert_int_equal(a->msr.debugctl, b->msr.debugctl);
	assert_int_equal(a->retired, b->retired);
}

/* loads: the fixture's VM-entry controls (every "load" control); false: without "load debug
 * controls", "load IA32_PAT" and "load IA32_EFER", so that DR7, IA32_DEBUGCTL and IA32_PAT
 * keep the values the exit loads (27.5.1, 26.3.2.1). */
static struct fx *parked_pair_new(bool loads)
{
	struct fx *f = vt_new();
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL),
		PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_CR3_LOAD_EXITING);
	if (!loads)
		W(f, VM_ENTRY_CONTROLS,
		  V(f, VM_ENTRY_CONTROLS) & ~(u64)(ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT |
						   ENTRY_LOAD_IA32_EFER));
	/* loop: cpuid; mov rbx, dr7; add rax, 1; out 0x80, al; xor eax, eax; mov fs, ax; push
	 * rax; pop rdx; mov rcx, cr3; mov cr3, rcx; hlt; mov eax, 0x401; mov dr7, rax; jmp loop */
	guest_code(f, CODE(0x0f, 0xa2, 0x0f, 0x21, 0xfb, 0x48, 0x83, 0xc0, 0x01, 0xe6, 0x80, 0x31,
			   0xc0, 0x8e, 0xe0, 0x50, 0x5a, 0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9, 0xf4,
			   0xb8, 0x01, 0x04, 0x00, 0x00, 0x0f, 0x23, 0xf8, 0xeb, 0xde));
	return f;
}

static void parked_pair_run(bool loads)
{
	struct fx *a = parked_pair_new(loads), *b = parked_pair_new(loads);
	struct vx_cpu *ca = &a->cpu, *cb = &b->cpu;
	unsigned parked = 0;
	for (unsigned k = 0; k < 60; k++) {
		struct vx_vmx_result r = k ? vx_vmresume(ca) : vx_vmlaunch(ca);
		assert_int_equal(r.outcome, VX_VMX_EXITED);
		assert_int_equal(enter_run(b), STEP_VMEXIT);
		parked += ca->vmx.parked;
		/* what the API's VMRESUME takes for granted after a parked exit */
		if (ca->vmx.parked)
			assert_int_equal(vmx_insn_begin(ca, VMXI_VMRESUME).out, VMX_OUT_CONTINUE);
		assert_memory_equal(ca->vmx.vmcs.field, cb->vmx.vmcs.field,
				    sizeof(ca->vmx.vmcs.field));
		if (k % 3 == 0) { /* look at the parked one: its host state is loaded */
			assert_int_equal(vx_cpu_get_reg(ca, VX_RSP), V(b, HOST_RSP));
			regs_equal(ca, cb);
		}
		/* the VMM: the next instruction; sometimes a guest or a host field */
		u64 len = V(b, VM_EXIT_INSTRUCTION_LEN), rip = V(b, GUEST_RIP) + len;
		u64 gla = 0;
		assert_int_equal(vx_vmread(ca, VMCS_GUEST_RIP, &gla).outcome, VX_VMSUCCEED);
		assert_int_equal(gla + len, rip);
		assert_int_equal(vx_vmwrite(ca, VMCS_GUEST_RIP, rip).outcome, VX_VMSUCCEED);
		W(b, GUEST_RIP, rip);
		if (k % 4 == 1) {
			vx_vmwrite(ca, VMCS_GUEST_SYSENTER_ESP, 0x1000 * k);
			W(b, GUEST_SYSENTER_ESP, 0x1000 * k);
		}
		if (k % 5 == 2) {
			vx_vmwrite(ca, VMCS_HOST_RSP, HOST_RSP - 8 * k);
			W(b, HOST_RSP, HOST_RSP - 8 * k);
			/* the exit loaded the old value: the write came after it */
			assert_int_equal(vx_cpu_get_reg(ca, VX_RSP), cb->gpr[4]);
		}
		ca->gpr[1] = cb->gpr[1] = FX_PML4; /* RCX for MOV CR3 */
	}
	assert_true(parked >= 60);
	/* the last exit, looked at: everything alike */
	vx_cpu_get_reg(ca, VX_RIP);
	assert_false(ca->vmx.parked);
	regs_equal(ca, cb);
	fx_free(a);
	fx_free(b);
}

static void test_parked_exits_match_full(void **state)
{
	(void)state;
	parked_pair_run(true);
	/* the guest reads DR7 after each exit: 400H, the exit's, as without parking */
	parked_pair_run(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_vpid_exit_and_entry_invalidate),
	    cmocka_unit_test(test_vpid_keeps_guest_mappings),
	    cmocka_unit_test(test_vpid_invvpid_invalidates),
	    cmocka_unit_test(test_vpid_invept_invalidates),
	    cmocka_unit_test(test_vpid_new_cr3_new_context),
	    cmocka_unit_test(test_vpid_root_context_kept),
	    cmocka_unit_test(test_segments_saved_after_guest_change),
	    cmocka_unit_test(test_segments_loaded_after_vmwrite),
	    cmocka_unit_test(test_segment_save_skip_is_exact),
	    cmocka_unit_test(test_host_state_follows_host_fields),
	    cmocka_unit_test(test_vpid_code_written_between_exit_and_entry),
	    cmocka_unit_test(test_vpid_interpreted_vmresume_runs_guest_code),
	    cmocka_unit_test(test_parked_exits_match_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
