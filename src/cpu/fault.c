// SPDX-License-Identifier: MIT
/*
 * Exception and interrupt delivery in IA-32e mode.
 *
 * SDM Vol. 3A 6.14.1 "64-Bit Mode IDT": 16-byte gates, types 0xE (interrupt) and 0xF (trap);
 * 6.14.2 "64-Bit Mode Stack Frame": RSP aligned to 16, SS:RSP always pushed; 6.14.4 "Stack
 * Switching in IA-32e Mode": TSS.RSPn on a privilege change, TSS.ISTn when the gate's IST is
 * non-zero; 6.13 "Error Code": EXT (bit 0), IDT (bit 1), selector index; 6.15 Table 6-5
 * "Conditions for Generating a Double Fault".
 */
#include "cpu/fault.h"

#include "arch/vmx.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "sgx/sgx.h"
#include "vmx/vmx_events.h"

enum cpu_step fault_raise(struct vx_cpu *c, unsigned vector, bool has_error, u32 error)
{
	c->event = (struct event){
	    .valid = true,
	    .vector = (u8)vector,
	    .has_error = has_error,
	    .error_code = error,
	    .type = VMX_INTR_TYPE_HARD_EXCEPTION,
	};
	return STEP_FAULT;
}

enum cpu_step fault_gp(struct vx_cpu *c, u32 error)
{
	return fault_raise(c, X86_VEC_GP, true, error);
}

enum cpu_step fault_ss(struct vx_cpu *c, u32 error)
{
	return fault_raise(c, X86_VEC_SS, true, error);
}

enum cpu_step fault_ud(struct vx_cpu *c)
{
	return fault_raise(c, X86_VEC_UD, false, 0);
}

enum cpu_step fault_de(struct vx_cpu *c)
{
	return fault_raise(c, X86_VEC_DE, false, 0);
}

enum cpu_step fault_pf(struct vx_cpu *c, u64 la, u32 error)
{
	fault_raise(c, X86_VEC_PF, true, error);
	c->event.has_cr2 = true;
	c->event.cr2 = la;
	return STEP_FAULT;
}

enum cpu_step fault_soft(struct vx_cpu *c, unsigned vector, unsigned type)
{
	c->event = (struct event){.valid = true, .vector = (u8)vector, .type = (u8)type};
	return STEP_FAULT;
}

/* Table 6-5 classes. */
enum fault_class { FC_BENIGN, FC_CONTRIBUTORY, FC_PAGE_FAULT, FC_DOUBLE };

static enum fault_class classify(const struct event *e)
{
	if (e->type != VMX_INTR_TYPE_HARD_EXCEPTION)
		return FC_BENIGN;
	switch (e->vector) {
	case X86_VEC_DE:
	case X86_VEC_TS:
	case X86_VEC_NP:
	case X86_VEC_SS:
	case X86_VEC_GP: return FC_CONTRIBUTORY;
	case X86_VEC_PF: return FC_PAGE_FAULT;
	case X86_VEC_DF: return FC_DOUBLE;
	default: return FC_BENIGN;
	}
}

/*
 * 6.13 "Error Code": EXT "indicates that the exception occurred during delivery of an event
 * external to the program, such as an interrupt or an earlier exception.  The bit is cleared
 * if the exception occurred during delivery of a software interrupt (INT n, INT3, or INTO)."
 * INT1 (privileged software exception) sets it, as SDM Vol. 3C 26.5.1.1 "Details of
 * Vectored-Event Injection" says for injected events of that type.
 */
static bool is_external(const struct event *e)
{
	return e->type != VMX_INTR_TYPE_SOFT_INTR && e->type != VMX_INTR_TYPE_SOFT_EXCEPTION;
}

/* A fault while delivering `first`: what Table 6-5 says happens next. */
enum cpu_step cpu_nested_fault(struct vx_cpu *c, const struct event *first)
{
	enum fault_class a = classify(first), b = classify(&c->event);
	if (a == FC_DOUBLE && (b == FC_CONTRIBUTORY || b == FC_PAGE_FAULT))
		return STEP_SHUTDOWN;
	if ((a == FC_CONTRIBUTORY && b == FC_CONTRIBUTORY) ||
	    (a == FC_PAGE_FAULT && (b == FC_CONTRIBUTORY || b == FC_PAGE_FAULT)))
		fault_raise(c, X86_VEC_DF, true, 0);
	return STEP_FAULT;
}

static u64 read_implicit(struct vx_cpu *c, u64 la, unsigned size, enum cpu_step *r)
{
	u64 v = 0;
	*r = mem_read(c, la, size, &v, ACC_READ | ACC_IMPLICIT);
	return v;
}

bool seg_read_descriptor(struct vx_cpu *c, u16 sel, u64 desc[2], bool *fault)
{
	*fault = false;
	if (sel & 4)
		return false; /* LDT selectors: not modelled (flat GDT guests); caller #GPs */
	u32 idx = sel & ~7u;
	if (idx + 7 > c->gdtr.limit)
		return false;
	enum cpu_step r;
	desc[0] = read_implicit(c, c->gdtr.base + idx, 8, &r);
	if (r != STEP_RETIRED) {
		*fault = true;
		return false;
	}
	desc[1] = 0;
	if (idx + 15 <= c->gdtr.limit)
		desc[1] = read_implicit(c, c->gdtr.base + idx + 8, 8, &r);
	return true;
}

/* Descriptor -> VMX access-rights format: bits 15:8 of the second dword, plus AVL/L/D/G. */
u32 seg_desc_ar(const u64 desc[2])
{
	u32 hi = (u32)(desc[0] >> 32);
	return ((hi >> 8) & 0xff) | (((hi >> 20) & 0xf) << 12);
}

void seg_set(struct vx_cpu *c, unsigned s, u16 sel, const u64 desc[2])
{
	struct seg *g = &c->seg[s];
	g->sel = sel;
	if (!desc) {
		g->ar = 1u << 16; /* unusable */
		g->base = 0;
		g->limit = 0;
		return;
	}
	u64 d = desc[0];
	g->ar = seg_desc_ar(desc);
	g->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	if (s == SEG_TR || s == SEG_LDTR)
		g->base |= (desc[1] & 0xffffffff) << 32;
	u32 limit = (u32)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	g->limit = (g->ar & BIT(15)) ? (limit << 12) | 0xfff : limit;
}

struct gate {
	u64 offset;
	u16 sel;
	u8 ist, type, dpl;
	bool present;
};

static struct gate decode_gate(u64 lo, u64 hi)
{
	return (struct gate){
	    .offset = (lo & 0xffff) | ((lo >> 32) & 0xffff0000) | ((hi & 0xffffffff) << 32),
	    .sel = (u16)(lo >> 16),
	    .ist = (u8)((lo >> 32) & 7),
	    .type = (u8)((lo >> 40) & 0xf),
	    .dpl = (u8)((lo >> 45) & 3),
	    .present = (lo >> 47) & 1,
	};
}

/* The result of a failed implicit read: STEP_FAULT, or STEP_VMEXIT when the access made a
 * VM exit (EPT): the processor then left VMX non-root operation. */
static enum cpu_step read_failure(const struct vx_cpu *c, bool was_non_root)
{
	return was_non_root && !c->vmx.non_root ? STEP_VMEXIT : STEP_FAULT;
}

/* The IDT gate of ev (6.14.1 "64-Bit Mode IDT"): limit, type and DPL checks. */
static enum cpu_step read_gate(struct vx_cpu *c, const struct event *ev, u32 idt_err,
			       struct gate *g)
{
	if (ev->vector * 16u + 15 > c->idtr.limit)
		return fault_gp(c, idt_err);
	enum cpu_step r;
	u64 lo = read_implicit(c, c->idtr.base + ev->vector * 16u, 8, &r);
	if (r != STEP_RETIRED)
		return r;
	u64 hi = read_implicit(c, c->idtr.base + ev->vector * 16u + 8, 8, &r);
	if (r != STEP_RETIRED)
		return r;
	*g = decode_gate(lo, hi);
	if (g->type != 0xe && g->type != 0xf)
		return fault_gp(c, idt_err);
	/* INT n, INT3, INTO check the gate DPL (6.12.1.1); INT1 and hardware events do not. */
	if ((ev->type == VMX_INTR_TYPE_SOFT_INTR || ev->type == VMX_INTR_TYPE_SOFT_EXCEPTION) &&
	    g->dpl < c->cpl)
		return fault_gp(c, idt_err);
	if (!g->present)
		return fault_raise(c, X86_VEC_NP, true, idt_err);
	return STEP_RETIRED;
}

/* The gate's code segment: a present 64-bit code segment with DPL <= CPL. */
static enum cpu_step read_target(struct vx_cpu *c, const struct gate *g, u32 ext, u64 desc[2])
{
	bool dfault, nr = c->vmx.non_root;
	if ((g->sel & ~3u) == 0)
		return fault_gp(c, ext);
	if (!seg_read_descriptor(c, g->sel, desc, &dfault))
		return dfault ? read_failure(c, nr) : fault_gp(c, (g->sel & ~3u) + ext);
	u32 ar = seg_desc_ar(desc);
	bool code = (ar & 0x18) == 0x18, l = ar & BIT(13), db = ar & BIT(14);
	unsigned dpl = (ar >> 5) & 3;
	if (!code || !l || db || dpl > c->cpl)
		return fault_gp(c, (g->sel & ~3u) + ext);
	if (!(ar & 0x80))
		return fault_raise(c, X86_VEC_NP, true, (g->sel & ~3u) + ext);
	if (!is_canonical(g->offset))
		return fault_gp(c, ext);
	return STEP_RETIRED;
}

/* Stack: IST if set, else TSS.RSPn on a privilege change, else the current stack. */
static enum cpu_step new_stack(struct vx_cpu *c, const struct gate *g, unsigned new_cpl, u32 ext,
			       u64 *rsp)
{
	*rsp = c->gpr[4];
	if (g->ist || new_cpl < c->cpl) {
		u64 off = g->ist ? 36 + 8u * (g->ist - 1) : 4 + 8u * new_cpl;
		if (off + 7 > c->seg[SEG_TR].limit)
			return fault_raise(c, X86_VEC_TS, true, (c->seg[SEG_TR].sel & ~3u) + ext);
		enum cpu_step r;
		*rsp = read_implicit(c, c->seg[SEG_TR].base + off, 8, &r);
		if (r != STEP_RETIRED)
			return r;
	}
	*rsp &= ~15ull;
	return STEP_RETIRED;
}

/* Pushes the frame through supervisor rights of the new privilege level. */
static enum cpu_step push_frame(struct vx_cpu *c, const struct event *ev, u64 rsp, unsigned new_cpl,
				u32 ext, int *pushed)
{
	u64 frame[6];
	int n = 0;
	if (ev->has_error)
		frame[n++] = ev->error_code;
	frame[n++] = c->rip;
	frame[n++] = c->seg[SEG_CS].sel;
	frame[n++] = cpu_rflags(c);
	frame[n++] = c->gpr[4];
	frame[n++] = c->seg[SEG_SS].sel;
	u8 old_cpl = c->cpl;
	c->cpl = (u8)new_cpl;
	for (int k = 0; k < n; k++) {
		u64 a = rsp - 8u * (u64)(n - k);
		enum cpu_step r = mem_write(c, a, 8, frame[k], ACC_WRITE | ACC_STACK);
		if (r != STEP_RETIRED) {
			if (r != STEP_FAULT)
				return r; /* VM exit: host state is loaded, CPL with it */
			c->cpl = old_cpl;
			if (c->event.vector == X86_VEC_PF || c->event.vector == X86_VEC_GP)
				return STEP_FAULT;
			return fault_ss(c, ext);
		}
	}
	c->cpl = old_cpl;
	*pushed = n;
	return STEP_RETIRED;
}

/* One delivery attempt; a fault inside leaves the new event in c->event and returns
 * STEP_FAULT (STEP_VMEXIT when an access of the delivery caused a VM exit). */
enum cpu_step cpu_deliver_once(struct vx_cpu *c, const struct event *ev)
{
	u32 ext = is_external(ev) ? 1 : 0;
	struct gate g;
	enum cpu_step r = read_gate(c, ev, ev->vector * 8u + 2 + ext, &g);
	if (r != STEP_RETIRED)
		return r;
	u64 desc[2];
	r = read_target(c, &g, ext, desc);
	if (r != STEP_RETIRED)
		return r;
	unsigned dpl = (seg_desc_ar(desc) >> 5) & 3;
	unsigned new_cpl = (seg_desc_ar(desc) & 4) ? c->cpl : dpl; /* conforming: CPL stays */
	u64 rsp;
	int n;
	r = new_stack(c, &g, new_cpl, ext, &rsp);
	if (r == STEP_RETIRED)
		r = push_frame(c, ev, rsp, new_cpl, ext, &n);
	if (r != STEP_RETIRED)
		return r;
	/* Commit. */
	if (new_cpl < c->cpl) {
		c->seg[SEG_SS].sel = (u16)new_cpl;
		c->seg[SEG_SS].ar = 1u << 16; /* null SS in 64-bit mode: unusable */
	}
	c->cpl = (u8)new_cpl;
	seg_set(c, SEG_CS, (u16)((g.sel & ~3u) | new_cpl), desc);
	c->gpr[4] = rsp - 8u * (u64)n;
	u64 f = cpu_rflags(c) & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (g.type == 0xe)
		f &= ~RFLAGS_IF;
	cpu_set_rflags(c, f);
	c->rip = g.offset;
	c->halted = false;
	return STEP_RETIRED;
}

void cpu_report_event(struct vx_cpu *c, const struct event *ev)
{
	if (c->hooks && c->hooks->event)
		c->hooks->event(c, ev);
}

/*
 * Deliveries before a triple fault can be declared: the longest chain of Table 6-5 is a
 * benign event, a contributory fault, a #PF, then #DF (4 deliveries); a fault while
 * delivering #DF is the triple fault.  (cpu_deliver_once only raises #TS, #NP, #SS, #GP and
 * #PF, so no chain is longer.)
 */
#define DELIVERY_CHAIN_MAX 4

enum cpu_step cpu_deliver(struct vx_cpu *c)
{
	if (c->vmx.non_root)
		return vmx_deliver(c);
	/* 40.3: an event in enclave mode runs the AEX first, then is delivered as usual from the
	 * synthetic state (the frame pushed holds the AEP). */
	if (c->sgx.active)
		sgx_aex(c, &c->event, c->rip, vmx_event_is_fault(c, &c->event), false);
	for (int depth = 0; depth < DELIVERY_CHAIN_MAX; depth++) {
		struct event ev = c->event;
		c->event.valid = false;
		cpu_report_event(c, &ev);
		if (ev.has_cr2)
			c->cr2 = ev.cr2;
		enum cpu_step r = cpu_deliver_once(c, &ev);
		if (r != STEP_FAULT)
			return r;
		/* A fault while delivering INT n, INT3, INTO or INT1 is a fault on that
		 * instruction: its frame holds the instruction's address (6.5 "Exception
		 * Classifications": faults report the faulting instruction). */
		if (event_is_soft(&ev))
			c->rip = c->insn_rip;
		if (cpu_nested_fault(c, &ev) == STEP_SHUTDOWN)
			break;
	}
	cpu_report_event(c, NULL);
	return STEP_SHUTDOWN;
}

enum cpu_step cpu_deliver_interrupt(struct vx_cpu *c, unsigned vector)
{
	c->event =
	    (struct event){.valid = true, .vector = (u8)vector, .type = VMX_INTR_TYPE_EXT_INTR};
	return cpu_deliver(c);
}

static enum cpu_step pop_frame(struct vx_cpu *c, u64 f[5])
{
	for (int k = 0; k < 5; k++) {
		enum cpu_step r = mem_read(c, c->gpr[4] + 8u * k, 8, &f[k], ACC_READ | ACC_STACK);
		if (r != STEP_RETIRED)
			return r;
	}
	return STEP_RETIRED;
}

enum cpu_step cpu_iretq(struct vx_cpu *c)
{
	u64 f[5]; /* RIP, CS, RFLAGS, RSP, SS */
	enum cpu_step r = pop_frame(c, f);
	if (r != STEP_RETIRED)
		return r;
	u16 cs = (u16)f[1], ss = (u16)f[4];
	unsigned rpl = cs & 3;
	if ((cs & ~3u) == 0 || rpl < c->cpl)
		return fault_gp(c, cs & ~3u);
	u64 cdesc[2], sdesc[2];
	bool df;
	if (!seg_read_descriptor(c, cs, cdesc, &df))
		return df ? STEP_FAULT : fault_gp(c, cs & ~3u);
	u32 ar = seg_desc_ar(cdesc);
	if ((ar & 0x18) != 0x18 || !(ar & BIT(13)) || ((ar >> 5) & 3) != rpl)
		return fault_gp(c, cs & ~3u);
	if (!(ar & 0x80))
		return fault_raise(c, X86_VEC_NP, true, cs & ~3u);
	bool null_ss = (ss & ~3u) == 0;
	if (null_ss && rpl == 3)
		return fault_gp(c, 0);
	if (!null_ss) {
		if (!seg_read_descriptor(c, ss, sdesc, &df))
			return df ? STEP_FAULT : fault_gp(c, ss & ~3u);
		u32 sar = seg_desc_ar(sdesc);
		if ((ss & 3) != rpl || (sar & 0x1a) != 0x12 || ((sar >> 5) & 3) != rpl)
			return fault_gp(c, ss & ~3u);
	}
	if (!is_canonical(f[0]))
		return fault_gp(c, 0);
	/* RFLAGS: IOPL changes only at CPL 0, IF only when CPL <= IOPL; VIP/VIF/VM as SDM. */
	u64 old = cpu_rflags(c), nf = f[2];
	u64 keep = RFLAGS_VM | RFLAGS_VIP | RFLAGS_VIF;
	if (c->cpl > 0)
		keep |= RFLAGS_IOPL;
	if (c->cpl > ((old & RFLAGS_IOPL) >> 12))
		keep |= RFLAGS_IF;
	u64 writable = 0x3f7fd5; /* CF..ID less reserved bits 3, 5, 15 */
	nf = (old & keep) | (nf & writable & ~keep);
	seg_set(c, SEG_CS, cs, cdesc);
	if (null_ss) {
		c->seg[SEG_SS].sel = ss;
		c->seg[SEG_SS].ar = 1u << 16;
	} else {
		seg_set(c, SEG_SS, ss, sdesc);
	}
	c->cpl = (u8)rpl;
	c->rip = f[0];
	c->gpr[4] = f[3];
	cpu_set_rflags(c, nf);
	return STEP_RETIRED;
}
