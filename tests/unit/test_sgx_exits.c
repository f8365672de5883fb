// SPDX-License-Identifier: MIT
/*
 * VM exits from enclave mode, on the processor alone (SDM Vol. 3C 27.2 "Recording VM-Exit
 * Information", 27.3.4; Vol. 3D 40.3 "Asynchronous Enclave Exit", Table 40-1; the project's
 * spec sdm-sgx-vmx.md A1/A2 and rules 1-16): a guest at CPL 3 enters a hand-built enclave
 * (EPC and EPCM filled directly, so each test controls one thing), the enclave does one thing,
 * and the exit must carry exit-reason bit 27, interruptibility bit 4, instruction length 0,
 * RIP = AEP, the synthetic registers, and the SSA must hold the enclave state.
 */
#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "sgx/epc.h"
#include "vmx_fixture.h"

#define EPC_PA 0x1000000ull /* 16 MiB: outside the fixture's 8 MiB of RAM */
#define EPC_SIZE 0x20000ull
#define ENCL_BASE EPC_PA /* ELRANGE = the identity-mapped EPC */
#define ENCL_SIZE 0x10000ull
#define TCS_LA (ENCL_BASE + 0x1000)
#define SSA_LA (ENCL_BASE + 0x2000)
#define DATA_LA (ENCL_BASE + 0x4000)
#define SECS_IDX 31u
#define AEP (GUEST_RIP + 0x40)

static u8 *epc_page(struct fx *f, unsigned idx)
{
	return epc_page_ptr(f->phys.epc, idx);
}

static void epcm_set(struct fx *f, unsigned idx, u8 pt, bool r, bool w, bool x)
{
	f->phys.epc->map[idx] = (struct epcm){.valid = true,
					      .pt = pt,
					      .r = r,
					      .w = w,
					      .x = x,
					      .secs = SECS_IDX,
					      .la = ENCL_BASE + idx * 4096ull};
}

/* The enclave: code page 0 (`code`), TCS page 1, SSA frames 2-3, data page 4; its SECS is EPC
 * page 31, initialized, DEBUG and MODE64BIT, MISCSELECT.EXINFO. */
static void build_enclave(struct fx *f, const u8 *code, size_t n, bool optin)
{
	static const u8 key[16];
	f->phys.epc = epc_create(EPC_PA, EPC_SIZE, key);
	assert_non_null(f->phys.epc);
	struct sgx_secs *s = (struct sgx_secs *)epc_page(f, SECS_IDX);
	s->size = ENCL_SIZE;
	s->baseaddr = ENCL_BASE;
	s->ssaframesize = 1;
	s->miscselect = 1;
	s->attributes = SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT;
	s->xfrm = 3;
	f->phys.epc->map[SECS_IDX] = (struct epcm){
	    .valid = true, .pt = SGX_PT_SECS, .secs = SECS_IDX, .initialized = true, .children = 5};
	memcpy(epc_page(f, 0), code, n);
	epcm_set(f, 0, SGX_PT_REG, true, false, true);
	struct sgx_tcs *t = (struct sgx_tcs *)epc_page(f, 1);
	t->ossa = 0x2000;
	t->nssa = 2;
	t->oentry = 0;
	t->fslimit = t->gslimit = 0xfff;
	t->flags = optin ? SGX_TCS_DBGOPTIN : 0;
	epcm_set(f, 1, SGX_PT_TCS, false, false, false);
	epcm_set(f, 2, SGX_PT_REG, true, true, false);
	epcm_set(f, 3, SGX_PT_REG, true, true, false);
	epcm_set(f, 4, SGX_PT_REG, true, true, false);
	/* The EPC in the guest's identity map: PDE 8 maps 16-18 MiB, user, writable. */
	phys_write(&f->phys, FX_PD + 8 * 8, 8, EPC_PA | 0x87);
}

/* The guest: CPL 3, EENTER through the TCS with the AEP after the code; the AEP spins. */
static struct fx *sgx_vm(const u8 *code, size_t n, bool optin, u64 rflags)
{
	struct fx *f = vt_new();
	build_enclave(f, code, n, optin);
	f->cpu.msr.feature_control =
	    MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	u8 g[0x42] = {0x48, 0xbb}; /* mov rbx, imm64 */
	u64 tcs = TCS_LA, aep = AEP;
	memcpy(g + 2, &tcs, 8);
	g[10] = 0x48; /* mov rcx, imm64 */
	g[11] = 0xb9;
	memcpy(g + 12, &aep, 8);
	static const u8 tail[] = {0xb8, 2, 0, 0, 0, 0x0f, 0x01, 0xd7, 0xeb, 0xfe};
	memcpy(g + 20, tail, sizeof(tail)); /* mov eax, 2; enclu; jmp $ */
	g[0x40] = 0xeb;                     /* AEP: jmp $ */
	g[0x41] = 0xfe;
	guest_code(f, g, sizeof(g));
	seg(f, SEG_CS, 0x1b, 0, 0xffffffff, 0xa0fb);
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			seg(f, s, 0x23, 0, 0xffffffff, 0xc0f3);
	W(f, GUEST_RFLAGS, rflags);
	/* exit-information fields an enclave exit must clear (rule 4) */
	W(f, IO_RCX, 1);
	W(f, IO_RSI, 2);
	W(f, IO_RDI, 3);
	W(f, IO_RIP, 4);
	W(f, VM_EXIT_INSTRUCTION_LEN, 5);
	W(f, VMX_INSTRUCTION_INFO, 6);
	return f;
}

static const struct sgx_gprsgx *ssa_gpr(struct fx *f, unsigned frame)
{
	return (const struct sgx_gprsgx *)(epc_page(f, 2 + frame) + 4096 - 184);
}

static u32 cssa(struct fx *f)
{
	return ((const struct sgx_tcs *)epc_page(f, 1))->cssa;
}

/* Rules 2-4 and 16 (synthetic state), for any exit from enclave mode. */
static void assert_enclave_exit(struct fx *f, u32 basic)
{
	struct vx_cpu *c = &f->cpu;
	assert_exit(f, basic | VMX_EXIT_REASON_ENCLAVE_MODE, AEP);
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO) & VMX_INTR_ENCLAVE_INTERRUPTION,
			 VMX_INTR_ENCLAVE_INTERRUPTION);
	assert_int_equal(V(f, VM_EXIT_INSTRUCTION_LEN), 0);
	assert_int_equal(V(f, VMX_INSTRUCTION_INFO), 0);
	assert_int_equal(V(f, IO_RCX) | V(f, IO_RSI) | V(f, IO_RDI) | V(f, IO_RIP), 0);
	/* rule 3: RSP from SSA.URSP (the RSP at EENTER), FS/GS as they were before EENTER */
	assert_int_equal(V(f, GUEST_RSP), GUEST_RSP);
	assert_int_equal(V(f, GUEST_FS_SELECTOR), 0x23);
	assert_int_equal(V(f, GUEST_GS_BASE), 0);
	assert_int_equal(V(f, GUEST_RFLAGS) & (RFLAGS_ARITH | RF_RF), 0);
	/* the guest's registers are what the AEX left: RAX 3, RBX TCS, RCX AEP, the rest 0 */
	assert_int_equal(c->gpr[0], ENCLU_ERESUME);
	assert_int_equal(c->gpr[3], TCS_LA);
	assert_int_equal(c->gpr[1], AEP);
	assert_int_equal(c->gpr[2] | c->gpr[6] | c->gpr[7], 0);
	for (unsigned r = 8; r < 16; r++)
		assert_int_equal(c->gpr[r], 0);
	assert_false(c->sgx.active);
	assert_int_equal(cssa(f), 1);
	assert_false(f->phys.epc->map[1].tcs_busy);
}

static void fx_sgx_free(struct fx *f)
{
	fx_free(f); /* phys_free destroys the EPC */
}

/* Exception in the exception bitmap (reason 0): UD2 in the enclave.  SSA: RIP of the UD2,
 * EXITINFO valid, hardware exception, vector 6; interruption information as usual. */
static void test_exception_exit(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x90, 0x0f, 0x0b), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_UD));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_UD));
	const struct sgx_gprsgx *g = ssa_gpr(f, 0);
	assert_int_equal(g->rip, ENCL_BASE + 1);
	assert_int_equal(g->exitinfo, SGX_EXITINFO_VALID | 3u << 8 | X86_VEC_UD);
	assert_int_equal(g->rbx, TCS_LA);
	assert_int_equal(g->ursp, GUEST_RSP);
	/* rule 19: SSA.RFLAGS.TF 0, RF as a fault pushes it (1) */
	assert_int_equal(g->rflags & (RFLAGS_TF | RF_RF), RF_RF);
	fx_sgx_free(f);
}

/* An SGX-induced #PF (rule 23/24): a write to the read-only code page.  Error code P | W | U |
 * SGX; the qualification (the linear address) has bits 11:0 cleared (rule 5); MISC.EXINFO
 * holds the full address and the error code (MISCSELECT.EXINFO). */
static void test_sgx_pf_exit(void **state)
{
	(void)state;
	/* mov byte [rip - 1 + 0x34], al : a store into the code page at offset 0x40 */
	struct fx *f = sgx_vm(CODE(0x88, 0x05, 0x3a, 0x00, 0x00, 0x00), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_PF));
	f->cpu.cr2 = 0x1234;
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(f->cpu.cr2, 0x1234); /* rule 6: a #PF that exits writes no CR2 */
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_PF) | EC);
	assert_int_equal(V(f, VM_EXIT_INTR_ERROR_CODE), 0x8007);
	assert_int_equal(V(f, EXIT_QUALIFICATION), ENCL_BASE);
	const struct sgx_gprsgx *g = ssa_gpr(f, 0);
	const struct sgx_exinfo *x = (const struct sgx_exinfo *)((const u8 *)g - 16);
	assert_int_equal(g->exitinfo, SGX_EXITINFO_VALID | 3u << 8 | X86_VEC_PF);
	assert_int_equal(x->maddr, ENCL_BASE + 0x40);
	assert_int_equal(x->errcd, 0x8007);
	fx_sgx_free(f);
}

/* INT3 (rule 7): opt-in entry -> #BP as a hardware exception with length 0, SSA.RIP at the
 * INT3, EXITINFO type 6; opt-out entry -> #UD. */
static void test_int3(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x90, 0xcc), true, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_BP) | BIT(X86_VEC_UD));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_BP));
	assert_int_equal(ssa_gpr(f, 0)->rip, ENCL_BASE + 1);
	assert_int_equal(ssa_gpr(f, 0)->exitinfo, SGX_EXITINFO_VALID | 6u << 8 | X86_VEC_BP);
	fx_sgx_free(f);
	f = sgx_vm(CODE(0x90, 0xcc), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_BP) | BIT(X86_VEC_UD));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_UD));
	fx_sgx_free(f);
}

/* INT1 (ICEBP) in a debug enclave (KVM checklist item 17; docs/decisions.md D62): #DB as a
 * privileged software exception, instruction length 0 on the exit like every enclave exit. */
static void test_int1(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x90, 0xf1), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_DB));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION, 1));
	fx_sgx_free(f);
}

/* Rule 8: Table 39-1 instructions #UD in an enclave, never exit (CPUID exits unconditionally
 * elsewhere; here the #UD goes to the exception bitmap). */
static void test_illegal_no_exit(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x0f, 0xa2), false, 0x2); /* cpuid */
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_UD));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_UD));
	assert_int_equal(ssa_gpr(f, 0)->rip, ENCL_BASE);
	fx_sgx_free(f);
	/* Rule 12: ENCLS in an enclave (CPL 3) is #UD even with every ENCLS leaf exiting. */
	f = sgx_vm(CODE(0x0f, 0x01, 0xcf), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_UD));
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
	set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENCLS_EXITING);
	W(f, ENCLS_EXITING_BITMAP, ~0ull);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_UD));
	fx_sgx_free(f);
}

/* Rule 9: PAUSE exiting and RDSEED exiting from an enclave; SSA.RIP is the instruction,
 * EXITINFO not valid. */
static void test_instruction_exits(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x90, 0xf3, 0x90), false, 0x2); /* nop; pause */
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_PAUSE_EXITING);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_PAUSE_INSTRUCTION);
	assert_int_equal(ssa_gpr(f, 0)->rip, ENCL_BASE + 1);
	assert_int_equal(ssa_gpr(f, 0)->exitinfo, 0);
	fx_sgx_free(f);
	f = sgx_vm(CODE(0x48, 0x0f, 0xc7, 0xf8), false, 0x2); /* rdseed rax */
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_ACTIVATE_SECONDARY_CONTROLS);
	set_ctl(f, S(SECONDARY_VM_EXEC_CONTROL), PROC2_RDSEED_EXITING);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_RDSEED);
	assert_int_equal(ssa_gpr(f, 0)->rip, ENCL_BASE);
	fx_sgx_free(f);
}

/* Asynchronous events: an external interrupt (external-interrupt exiting), an NMI (NMI
 * exiting), INIT; the enclave spins, SSA.RIP is the instruction it would execute next. */
static void test_event_exits(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		struct fx *f = sgx_vm(CODE(0xeb, 0xfe), false, 0x202);
		static const u32 pin[] = {PIN_EXT_INTR_EXITING, PIN_NMI_EXITING, 0};
		set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), pin[k]);
		assert_int_equal(enter(f), STEP_RETIRED);
		assert_int_equal(cpu_run(&f->cpu, 20), STEP_RETIRED); /* inside, spinning */
		assert_true(f->cpu.sgx.active);
		if (k == 0)
			f->cpu.pending_intr = 0x30;
		else if (k == 1)
			vmx_raise_nmi(&f->cpu);
		else
			assert_true(vmx_raise_init(&f->cpu));
		assert_int_equal(run(f), STEP_VMEXIT);
		static const u32 reason[] = {VMX_EXIT_EXTERNAL_INTERRUPT, VMX_EXIT_EXCEPTION_NMI,
					     VMX_EXIT_INIT_SIGNAL};
		assert_enclave_exit(f, reason[k]);
		assert_int_equal(ssa_gpr(f, 0)->rip, ENCL_BASE);
		fx_sgx_free(f);
	}
}

/* The VMX-preemption timer expiring inside the enclave (reason 52). */
static void test_preemption_timer(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0xeb, 0xfe), false, 0x2);
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	W(f, VMX_PREEMPTION_TIMER_VALUE, 4);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_PREEMPTION_TIMER);
	fx_sgx_free(f);
}

/* MTF (A1, 43.2): after an opt-in entry an MTF exit follows the first enclave instruction,
 * from enclave mode; after an opt-out entry MTF is suppressed inside. */
static void test_mtf(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x90, 0xeb, 0xfe), true, 0x2);
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(cpu_run(&f->cpu, 3), STEP_RETIRED); /* mov, mov, mov: EENTER next */
	vmcs_set(&f->cpu.vmx.vmcs, S(CPU_BASED_VM_EXEC_CONTROL),
		 V(f, CPU_BASED_VM_EXEC_CONTROL) | PROC_MONITOR_TRAP_FLAG);
	vmx_controls_load(&f->cpu);
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_enclave_exit(f, VMX_EXIT_MONITOR_TRAP_FLAG);
	fx_sgx_free(f);
	f = sgx_vm(CODE(0x90, 0xeb, 0xfe), false, 0x2);
	set_ctl(f, S(CPU_BASED_VM_EXEC_CONTROL), PROC_MONITOR_TRAP_FLAG);
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_PREEMPTION_TIMER);
	W(f, VMX_PREEMPTION_TIMER_VALUE, 8);
	/* MTF exits at each boundary before EENTER (4 instructions), none from inside: the
	 * enclave runs until the timer. */
	unsigned mtf = 0;
	assert_int_equal(enter(f), STEP_RETIRED);
	while (run(f) == STEP_VMEXIT && V(f, EXIT_REASON) == VMX_EXIT_MONITOR_TRAP_FLAG &&
	       mtf < 10) {
		mtf++;
		assert_int_equal(enter(f), STEP_RETIRED);
	}
	assert_int_equal(mtf, 3);
	assert_enclave_exit(f, VMX_EXIT_PREEMPTION_TIMER);
	fx_sgx_free(f);
}

/* A triple fault while delivering an event after the AEX: reason 2 with bit 27 (the delivery
 * is incident to enclave mode). */
static void test_triple_fault(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x0f, 0x0b), false, 0x2);
	W(f, GUEST_IDTR_LIMIT, 0); /* #UD -> #GP -> #DF -> triple fault */
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_TRIPLE_FAULT | VMX_EXIT_REASON_ENCLAVE_MODE, AEP);
	assert_int_equal(cssa(f), 1);
	fx_sgx_free(f);
}

/* The exit engine's rule 5: a #PF delivered through the guest IDT after the AEX writes CR2
 * with bits 11:0 cleared (rule 6); here the guest's #PF handler is a halting stub. */
static void test_pf_through_idt(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x88, 0x05, 0x3a, 0x00, 0x00, 0x00), false, 0x2);
	stub(f, X86_VEC_PF);
	gate(f, X86_VEC_PF, true);
	phys_write(&f->phys, TSS_PA + 4, 8, 0x1e0000); /* RSP0: the CPL 3 -> 0 stack switch */
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_handler(f, X86_VEC_PF, 0x8007, AEP);
	assert_int_equal(f->cpu.cr2, ENCL_BASE);
	assert_int_equal(cssa(f), 1);
	fx_sgx_free(f);
}

/* Rule 5's other half: a #PF while delivering the event after the AEX (the IDT is not
 * mapped) exits with bit 27 (the delivery is incident to enclave mode) but the full address
 * in the qualification, and the AEX'd #UD as IDT-vectoring information. */
static void test_delivery_fault_not_cleared(void **state)
{
	(void)state;
	struct fx *f = sgx_vm(CODE(0x0f, 0x0b), false, 0x2);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_PF));
	W(f, GUEST_IDTR_BASE, UNMAPPED);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI | VMX_EXIT_REASON_ENCLAVE_MODE, AEP);
	assert_int_equal(V(f, EXIT_QUALIFICATION), UNMAPPED + 16 * X86_VEC_UD);
	assert_int_equal(V(f, IDT_VECTORING_INFO), INFO(HW, X86_VEC_UD));
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO) & VMX_INTR_ENCLAVE_INTERRUPTION,
			 VMX_INTR_ENCLAVE_INTERRUPTION);
	fx_sgx_free(f);
}

/* Rule 20: the state EENTER leaves inside the enclave; rule 21: EEXIT's. */
static void test_eenter_eexit_state(void **state)
{
	(void)state;
	/* mov rbx, GUEST_RIP + 0x30; mov eax, 4; enclu (EEXIT) */
	u8 code[] = {0x48, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0xb8, 4, 0, 0, 0, 0x0f, 0x01, 0xd7};
	u64 target = GUEST_RIP + 0x30;
	memcpy(code + 2, &target, 8);
	struct fx *f = sgx_vm(code, sizeof(code), false, 0x2);
	phys_write(&f->phys, GUEST_RIP + 0x30, 2, 0xfeeb); /* jmp $ */
	struct vx_cpu *c = &f->cpu;
	assert_int_equal(enter(f), STEP_RETIRED);
	assert_int_equal(cpu_run(c, 4), STEP_RETIRED); /* up to and including EENTER */
	assert_true(c->sgx.active);
	assert_int_equal(c->rip, ENCL_BASE);              /* BASEADDR + OENTRY */
	assert_int_equal(c->gpr[0], 0);                   /* RAX = CSSA */
	assert_int_equal(c->gpr[1], GUEST_RIP + 28);      /* RCX = after EENTER */
	assert_int_equal(c->seg[SEG_FS].sel, 0x0b);       /* FS/GS: selector 0BH, base from */
	assert_int_equal(c->seg[SEG_FS].base, ENCL_BASE); /* the TCS (OFSBASGX 0) */
	assert_int_equal(c->seg[SEG_GS].limit, 0xfff);
	assert_int_equal(ssa_gpr(f, 0)->ursp, GUEST_RSP); /* URSP/URBP saved in SSA[CSSA] */
	assert_true(f->phys.epc->map[1].tcs_busy);
	assert_int_equal(((const struct sgx_tcs *)epc_page(f, 1))->aep, AEP);
	assert_int_equal(cpu_run(c, 3), STEP_RETIRED); /* mov, mov, EEXIT */
	assert_false(c->sgx.active);
	assert_int_equal(c->rip, target);
	assert_int_equal(c->gpr[1], AEP); /* RCX = AEP */
	assert_int_equal(c->seg[SEG_FS].sel, 0x23);
	assert_int_equal(cssa(f), 0);
	assert_false(f->phys.epc->map[1].tcs_busy);
	fx_sgx_free(f);
}

/* Rules 22 and 23: EENTER inside an enclave is #GP(0) (AEX'd: RIP = AEP); a code fetch from
 * outside ELRANGE is #GP(0); EEXIT outside an enclave is #GP(0); CR0.TS makes ENCLU #NM. */
static void test_enclu_gates(void **state)
{
	(void)state;
	static const u8 code[2][8] = {
	    {0xb8, 2, 0, 0, 0, 0x0f, 0x01, 0xd7},             /* EENTER inside */
	    {0xff, 0xe1, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90}, /* jmp rcx: outside */
	};
	for (unsigned k = 0; k < 2; k++) {
		struct fx *f = sgx_vm(code[k], 8, false, 0x2);
		W(f, EXCEPTION_BITMAP, BIT(X86_VEC_GP));
		assert_int_equal(enter_run(f), STEP_VMEXIT);
		assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
		assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_GP) | EC);
		fx_sgx_free(f);
	}
	struct fx *f = sgx_vm(CODE(0x90), false, 0x2);
	guest_code(f, CODE(0xb8, 4, 0, 0, 0, 0x0f, 0x01, 0xd7)); /* EEXIT outside */
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_GP) | BIT(X86_VEC_NM));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 5);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_GP) | EC);
	fx_sgx_free(f);
	f = sgx_vm(CODE(0x90), false, 0x2);
	W(f, GUEST_CR0, 0x80010033 | X86_CR0_TS);
	W(f, EXCEPTION_BITMAP, BIT(X86_VEC_NM));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP + 25);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO), INFO(HW, X86_VEC_NM));
	fx_sgx_free(f);
}

/* Rule 24: an SGX-induced #PF meets the PFEC mask/match filter like any #PF, bit 15 included
 * (25.2): with mask = match = 8000H it exits; with match 0 it goes to the guest's IDT. */
static void test_sgx_pf_filter(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		struct fx *f = sgx_vm(CODE(0x88, 0x05, 0x3a, 0x00, 0x00, 0x00), false, 0x2);
		W(f, EXCEPTION_BITMAP, BIT(X86_VEC_PF));
		W(f, PAGE_FAULT_ERROR_CODE_MASK, 0x8000);
		W(f, PAGE_FAULT_ERROR_CODE_MATCH, k ? 0 : 0x8000);
		stub(f, X86_VEC_PF);
		gate(f, X86_VEC_PF, true);
		phys_write(&f->phys, TSS_PA + 4, 8, 0x1e0000);
		if (!k) {
			assert_int_equal(enter_run(f), STEP_VMEXIT);
			assert_enclave_exit(f, VMX_EXIT_EXCEPTION_NMI);
		} else {
			assert_int_equal(enter_run(f), STEP_HALT);
			assert_handler(f, X86_VEC_PF, 0x8007, AEP);
		}
		fx_sgx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exception_exit),
	    cmocka_unit_test(test_sgx_pf_exit),
	    cmocka_unit_test(test_int3),
	    cmocka_unit_test(test_illegal_no_exit),
	    cmocka_unit_test(test_instruction_exits),
	    cmocka_unit_test(test_event_exits),
	    cmocka_unit_test(test_preemption_timer),
	    cmocka_unit_test(test_mtf),
	    cmocka_unit_test(test_triple_fault),
	    cmocka_unit_test(test_pf_through_idt),
	    cmocka_unit_test(test_delivery_fault_not_cleared),
	    cmocka_unit_test(test_eenter_eexit_state),
	    cmocka_unit_test(test_enclu_gates),
	    cmocka_unit_test(test_sgx_pf_filter),
	    cmocka_unit_test(test_int1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
