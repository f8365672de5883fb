// SPDX-License-Identifier: MIT
/*
 * Asynchronous enclave exit (SDM Vol. 3D 40.3 "Asynchronous Enclave Exit (AEX)", 40.4 "AEX
 * Operational Detail", Table 40-1 "GPR, x87 Synthetic States on Asynchronous Enclave Exit",
 * 38.9.1 "EXITINFO" Table 38-9, 38.9.2 "MISC.EXINFO") and the instructions illegal inside an
 * enclave (39.6.1 Table 39-1 "Illegal Instructions Inside an Enclave").
 */
#include <Zydis/Mnemonic.h>
#include <Zydis/Register.h>
#include <string.h>

#include "arch/vmx.h"
#include "cpu/profile.h"
#include "lib/trace.h"
#include "sgx/sgx_int.h"

/* Table 39-1 "Illegal Instructions Inside an Enclave" (by mnemonic; #UD; MOV/POP to segment
 * registers are checked by sgx_fetch_check, EENTER/ERESUME by ENCLU itself). */
static bool sgx_illegal_in_enclave(u16 mnemonic)
{
	switch (mnemonic) {
	case ZYDIS_MNEMONIC_CPUID:
	case ZYDIS_MNEMONIC_GETSEC:
	case ZYDIS_MNEMONIC_RDPMC:
	case ZYDIS_MNEMONIC_SGDT:
	case ZYDIS_MNEMONIC_SIDT:
	case ZYDIS_MNEMONIC_SLDT:
	case ZYDIS_MNEMONIC_STR:
	case ZYDIS_MNEMONIC_VMCALL:
	case ZYDIS_MNEMONIC_VMFUNC:
	case ZYDIS_MNEMONIC_IN:
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_INSD:
	case ZYDIS_MNEMONIC_OUT:
	case ZYDIS_MNEMONIC_OUTSB:
	case ZYDIS_MNEMONIC_OUTSW:
	case ZYDIS_MNEMONIC_OUTSD:
	case ZYDIS_MNEMONIC_INT:
	case ZYDIS_MNEMONIC_INTO:
	case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_LDS:
	case ZYDIS_MNEMONIC_LES:
	case ZYDIS_MNEMONIC_LFS:
	case ZYDIS_MNEMONIC_LGS:
	case ZYDIS_MNEMONIC_LSS:
	case ZYDIS_MNEMONIC_SYSCALL:
	case ZYDIS_MNEMONIC_SYSENTER:
	case ZYDIS_MNEMONIC_SMSW: return true;
	default: return false;
	}
}

/* Table 38-9: vectors reported unconditionally, #GP/#PF with MISCSELECT.EXINFO. */
static u32 exitinfo(struct vx_cpu *c, const struct event *ev, struct sgx_gprsgx *g)
{
	static const u32 always = BIT(X86_VEC_DE) | BIT(X86_VEC_DB) | BIT(X86_VEC_BP) |
				  BIT(X86_VEC_BR) | BIT(X86_VEC_UD) | BIT(X86_VEC_MF) |
				  BIT(X86_VEC_AC) | BIT(X86_VEC_XM);
	if (!ev || ev->vector > 31 ||
	    (ev->type != VMX_INTR_TYPE_HARD_EXCEPTION && ev->type != VMX_INTR_TYPE_SOFT_EXCEPTION))
		return 0;
	bool exinfo = (ev->vector == X86_VEC_GP || ev->vector == X86_VEC_PF) && c->sgx.misc_exinfo;
	if (!((always >> ev->vector) & 1) && !exinfo)
		return 0;
	if (exinfo) {
		struct sgx_exinfo *x = (struct sgx_exinfo *)((u8 *)g - sizeof(*x));
		x->maddr = ev->vector == X86_VEC_PF ? ev->cr2 : 0;
		x->errcd = ev->error_code;
		x->reserved = 0;
	}
	u32 type = ev->vector == X86_VEC_BP ? SGX_EXITINFO_TYPE_SW : SGX_EXITINFO_TYPE_HW;
	return SGX_EXITINFO_VALID | type << 8 | ev->vector;
}

static void save_state(struct vx_cpu *c, const struct event *ev, u64 rip, bool fault)
{
	struct sgx_gprsgx *g = sgx_gpr_at(c, c->sgx.gpr_pa);
	/* GPRSGX order RAX RCX RDX RBX ... R15 is the encoding order of c->gpr[]. */
	_Static_assert(sizeof(c->gpr) == offsetof(struct sgx_gprsgx, rflags), "GPRSGX.RAX-R15");
	memcpy(&g->rax, c->gpr, sizeof(c->gpr));
	u64 f = cpu_rflags(c) & ~RFLAGS_TF;
	g->rflags = fault ? f | RFLAGS_RF : f;
	g->rip = rip;
	g->fsbase = c->seg[SEG_FS].base;
	g->gsbase = c->seg[SEG_GS].base;
	g->exitinfo = exitinfo(c, ev, g);
	/* XSAVE area (x87/SSE, 13.4.1 legacy region and 13.4.2 header): the model runs no x87 or
	 * SSE code, so the state saved is the initial one: FCW 037FH, MXCSR 1F80H, XSTATE_BV 0. */
	struct sgx_epc *e = sgx_epc_of(c);
	u8 *xs = epc_page_ptr(e, epc_index(e, c->sgx.ssa_pa));
	memset(xs, 0, 576);
	xs[0] = 0x7f;
	xs[1] = 0x03;
	u32 mxcsr = 0x1f80;
	memcpy(xs + 24, &mxcsr, 4);
}

static void load_seg(struct vx_cpu *c, unsigned s, const struct sgx_seg *v)
{
	c->seg[s] = (struct seg){.sel = v->sel, .ar = v->ar, .limit = v->limit, .base = v->base};
}

void sgx_restore_outside(struct vx_cpu *c)
{
	load_seg(c, SEG_FS, &c->sgx.save_fs);
	load_seg(c, SEG_GS, &c->sgx.save_gs);
	if (c->cr4 & X86_CR4_OSXSAVE)
		c->xcr0 = c->sgx.save_xcr0;
}

void sgx_mtf_after_exit(struct vx_cpu *c)
{
	if (c->vmx.non_root && (c->vmxnr.proc & PROC_MONITOR_TRAP_FLAG))
		c->vmxnr.mtf_pending = true;
}

/* Table 40-1 synthetic state, FS/GS and XCR0 of the outside, CSSA + 1, enclave mode off. */
static void load_synthetic(struct vx_cpu *c)
{
	const struct sgx_gprsgx *g = sgx_gpr_at(c, c->sgx.gpr_pa);
	struct sgx_tcs *t = (struct sgx_tcs *)epc_page_ptr(sgx_epc_of(c), c->sgx.tcs);
	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[GPR_RAX] = ENCLU_ERESUME;
	c->gpr[GPR_RBX] = c->sgx.tcs_la;
	c->gpr[GPR_RCX] = t->aep;
	c->gpr[GPR_RSP] = g->ursp;
	c->gpr[GPR_RBP] = g->urbp;
	c->rip = c->insn_rip = t->aep;
	u64 f = cpu_rflags(c) & ~(RFLAGS_ARITH | RFLAGS_RF);
	if (!c->sgx.dbgoptin)
		f = (f & ~RFLAGS_TF) | (c->sgx.saved_tf ? RFLAGS_TF : 0);
	cpu_set_rflags(c, f);
	sgx_restore_outside(c);
	t->cssa++;
}

void sgx_leave_enclave(struct vx_cpu *c)
{
	struct epcm *tm = epcm_at(c, c->sgx.tcs), *sm = epcm_at(c, c->sgx.secs);
	tm->tcs_busy = false;
	if (sm->active)
		sm->active--;
	c->sgx.active = false;
	tlb_flush_all(c); /* 42.12: "flushes ... linear context" */
}

/* The trace's name for what caused an AEX. */
static const char *aex_cause(const struct event *ev)
{
	static const char *const exc[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
					    "#NM", "#DF", NULL,  "#TS", "#NP", "#SS", "#GP",
					    "#PF", NULL,  "#MF", "#AC", "#MC", "#XM", "#VE"};
	if (!ev)
		return "VM exit";
	if (ev->type == VMX_INTR_TYPE_EXT_INTR)
		return "interrupt";
	if (ev->type == VMX_INTR_TYPE_NMI)
		return "NMI";
	return ev->vector < 32 && exc[ev->vector] ? exc[ev->vector] : "exception";
}

void sgx_aex(struct vx_cpu *c, struct event *ev, u64 rip, bool fault, bool direct_vmexit)
{
	save_state(c, ev, rip, fault);
	const struct sgx_tcs *t = (const void *)epc_page_ptr(sgx_epc_of(c), c->sgx.tcs);
	trace_aex(c->trace, 0, sgx_trace_lvl(c), c->sgx.tcs_la, rip, t->aep, t->cssa + 1,
		  aex_cause(ev));
	load_synthetic(c);
	sgx_leave_enclave(c);
	/* 40.4: "If the event is a #PF ... the lower 12 bits of CR2 are cleared" when it is
	 * delivered through the IDT; a #PF that causes a VM exit directly writes no CR2. */
	if (ev && ev->vector == X86_VEC_PF && ev->type == VMX_INTR_TYPE_HARD_EXCEPTION &&
	    !direct_vmexit)
		ev->cr2 &= ~0xfffull;
	/* 40.4: with the "monitor trap flag" control an MTF VM exit is pending after the AEX. */
	sgx_mtf_after_exit(c);
}

static bool is_segment_reg(u16 zydis_reg)
{
	return zydis_reg >= ZYDIS_REGISTER_ES && zydis_reg <= ZYDIS_REGISTER_GS;
}

enum cpu_step sgx_fetch_check(struct vx_cpu *c, const struct insn *i)
{
	if (sgx_illegal_in_enclave(i->mnemonic))
		return fault_ud(c);
	/* Table 39-1: "MOV to DS/ES/SS/FS/GS", "POP DS/ES/SS/FS/GS". */
	if ((i->mnemonic == ZYDIS_MNEMONIC_MOV || i->mnemonic == ZYDIS_MNEMONIC_POP) &&
	    i->op[0].kind == OPK_SPECIAL && is_segment_reg(i->op[0].special))
		return fault_ud(c);
	/* 43.4.1 "INT3 Behavior Inside an Enclave": a fault-like #BP (hardware exception, RIP of
	 * the INT3) after an opt-in entry, #UD after an opt-out entry. */
	if (i->mnemonic == ZYDIS_MNEMONIC_INT3)
		return c->sgx.dbgoptin ? fault_raise(c, X86_VEC_BP, false, 0) : fault_ud(c);
	return STEP_RETIRED;
}
