// SPDX-License-Identifier: MIT
/*
 * The processor's public interface (include/vx/cpu.h): the only way src/vm, src/hv and
 * src/nested reach physical memory and logical processors.  Thin wrappers over the internal
 * functions (phys_*, cpu_init, cpu_step, cpu_deliver, tlb_flush_all ...), plus the run loop
 * that reports events (exceptions, interrupts, unsupported instructions, shutdown) to the
 * owner's hook.
 */
#include "vx/cpu.h"

#include <Zydis/Zydis.h>
#include <stdlib.h>
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/cpu_api.h"
#include "cpu/cpuid.h"
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "cpu/profile.h"
#include "sgx/epc.h"
#include "sgx/sgx.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_events.h"

/* A processor, its copy of the profile, and what its owner registered; vx_cpu.host points
 * back here. */
struct api_cpu {
	struct vx_cpu cpu;
	struct cpu_profile profile;
	struct cpu_hooks hooks;
	vx_io_fn *io;
	void *io_ctx;
	vx_event_fn *ev;
	void *ev_ctx;
};

static void hook_event(struct vx_cpu *c, const struct event *e);

static struct api_cpu *api_of(const struct vx_cpu *c)
{
	return c->host;
}

/* ---- physical memory ---- */

struct vx_phys *vx_phys_create(u64 ram_size)
{
	struct vx_phys *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (ram_size > (u64)SIZE_MAX - 4096 || !phys_init(p, ram_size)) {
		free(p);
		return NULL;
	}
	return p;
}

void vx_phys_destroy(struct vx_phys *p)
{
	if (!p)
		return;
	phys_free(p);
	free(p);
}

u64 vx_phys_ram_size(const struct vx_phys *p)
{
	return p->ram_size;
}

bool vx_phys_add_mmio(struct vx_phys *p, u64 base, u64 size, vx_mmio_read_fn *rd,
		      vx_mmio_write_fn *wr, void *ctx)
{
	if (!size || !rd || !wr || base + size < base || base < p->ram_size)
		return false;
	for (unsigned i = 0; i < p->nmmio; i++) {
		const struct mmio_region *m = &p->mmio[i];
		if (base < m->base + m->size && m->base < base + size)
			return false;
	}
	return phys_add_mmio(p, base, size, rd, wr, ctx);
}

bool vx_phys_copy_in(struct vx_phys *p, u64 pa, const void *src, u64 len)
{
	return phys_copy_in(p, pa, src, len);
}

bool vx_phys_copy_out(struct vx_phys *p, u64 pa, void *dst, u64 len)
{
	return phys_copy_out(p, pa, dst, len);
}

static bool access_size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

u64 vx_phys_read(struct vx_phys *p, u64 pa, unsigned size)
{
	if (!access_size_ok(size))
		return 0;
	return phys_read(p, pa, size);
}

void vx_phys_write(struct vx_phys *p, u64 pa, unsigned size, u64 value)
{
	if (access_size_ok(size))
		phys_write(p, pa, size, value);
}

/* ---- life cycle ---- */

/* "default" names the default profile; other names are those of src/cpu/profiles. */
static const struct cpu_profile *profile_by_name(const char *name)
{
	if (!name || !strcmp(name, "default"))
		return cpu_profile_default();
	return cpu_profile_find(name);
}

bool vx_cpu_profile_known(const char *profile)
{
	return profile_by_name(profile) != NULL;
}

const char *vx_cpu_profile_name(unsigned n)
{
	const struct cpu_profile *p = cpu_profile_at(n);
	return p ? p->name : NULL;
}

static void hook_io(struct vx_cpu *c, struct io_req *req)
{
	struct api_cpu *a = api_of(c);
	struct vx_io io = {
	    .in = req->in, .port = req->port, .size = req->size, .value = req->value};
	if (!a->io) {
		if (req->in)
			req->value = (u32)size_mask(req->size); /* no device: all ones */
		return;
	}
	a->io(a->io_ctx, c, &io);
	if (req->in)
		req->value = io.value & (u32)size_mask(req->size);
}

static void emit(struct vx_cpu *c, const struct vx_event *ev)
{
	struct api_cpu *a = api_of(c);
	if (a->ev)
		a->ev(a->ev_ctx, c, ev);
}

static void hook_unsupported(struct vx_cpu *c, u64 rip, u16 mnemonic)
{
	const char *name = ZydisMnemonicGetString((ZydisMnemonic)mnemonic);
	struct vx_event ev = {.kind = VX_EV_UNSUPPORTED, .rip = rip, .mnemonic = name ? name : "?"};
	emit(c, &ev);
}

struct vx_cpu *vx_cpu_create(struct vx_phys *phys, const char *profile)
{
	const struct cpu_profile *p = profile_by_name(profile);
	if (!phys || !p)
		return NULL;
	struct api_cpu *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->profile = *p;
	if (!cpu_init(&a->cpu, phys, &a->profile)) {
		free(a);
		return NULL;
	}
	msr_reset(&a->cpu);
	a->hooks.io = hook_io;
	a->hooks.unsupported = hook_unsupported;
	a->hooks.event = hook_event;
	a->cpu.hooks = &a->hooks;
	a->cpu.host = a;
	return &a->cpu;
}

void vx_cpu_destroy(struct vx_cpu *c)
{
	if (!c)
		return;
	struct api_cpu *a = api_of(c);
	cpu_destroy(c);
	free(a);
}

unsigned vx_cpu_features(const struct vx_cpu *c)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	return (p->has_vmx ? VX_FEAT_VMX : 0) | (p->has_sgx1 ? VX_FEAT_SGX1 : 0) |
	       (p->has_sgx2 ? VX_FEAT_SGX2 : 0) | (p->has_sgx_lc ? VX_FEAT_SGX_LC : 0);
}

bool vx_cpu_restrict_sgx(struct vx_cpu *c, enum vx_sgx_mode mode, bool lc)
{
	static const enum cpu_sgx_mode m[] = {CPU_SGX_OFF, CPU_SGX1, CPU_SGX2};
	if ((unsigned)mode >= ARRAY_SIZE(m))
		return false;
	return cpu_profile_restrict_sgx(&api_of(c)->profile, m[mode], lc);
}

bool vx_phys_add_epc(struct vx_phys *p, u64 base, u64 size, u64 seed)
{
	if (p->epc || !size || ((base | size) & 4095) || base + size < base || base < p->ram_size)
		return false;
	for (unsigned i = 0; i < p->nmmio; i++)
		if (base < p->mmio[i].base + p->mmio[i].size && p->mmio[i].base < base + size)
			return false;
	u8 key[16];
	for (unsigned k = 0; k < 16; k++)
		key[k] = (u8)((seed * 0x9e3779b97f4a7c15ull) >> (8 * (k % 8))) ^ (u8)(0xa5 + k);
	p->epc = epc_create(base, size, key);
	return p->epc != NULL;
}

bool vx_cpu_set_epc(struct vx_cpu *c, u64 base, u64 size)
{
	return cpu_profile_set_epc(&api_of(c)->profile, base, size);
}

void vx_cpu_encls(struct vx_cpu *c, u32 leaf, u64 rbx, u64 rcx, u64 rdx, struct vx_encls_result *r)
{
	vmx_unpark(c);
	u64 gpr[16], rip = c->rip, f = cpu_rflags(c);
	memcpy(gpr, c->gpr, sizeof(gpr));
	c->gpr[0] = leaf;
	c->gpr[3] = rbx;
	c->gpr[1] = rcx;
	c->gpr[2] = rdx;
	c->insn_rip = c->rip;
	enum cpu_step st = (sgx_mode_ud(c) || c->cpl > 0) ? fault_ud(c) : sgx_encls_checked(c);
	*r = (struct vx_encls_result){.rax = c->gpr[0], .zf = cpu_rflags(c) & RFLAGS_ZF};
	if (st == STEP_FAULT) {
		r->fault = true;
		r->vector = c->event.vector;
		r->error_code = c->event.error_code;
		r->address = c->event.has_cr2 ? c->event.cr2 : 0;
		c->event.valid = false;
	}
	memcpy(c->gpr, gpr, sizeof(gpr));
	c->rip = rip;
	cpu_set_rflags(c, f);
}

/* ---- registers ---- */

/*
 * D79: after a parked VM exit the registers loading host state changes (RSP, RIP, RFLAGS,
 * CR0, CR3, CR4, DR7, the segment and descriptor-table registers, the MSRs of 27.5.1) hold
 * the guest's values: reading or writing one loads host state first.  The other
 * general-purpose registers, CR2, CR8, XCR0, DR0-DR3, DR6 and the TSC are the same in both.
 * Casting away const: loading host state is what the exit already did, architecturally.
 */
static void unpark(const struct vx_cpu *c)
{
	vmx_unpark((struct vx_cpu *)c);
}

static bool host_loads(enum vx_reg r)
{
	switch (r) {
	case VX_RSP:
	case VX_RIP:
	case VX_RFLAGS:
	case VX_CR0:
	case VX_CR3:
	case VX_CR4:
	case VX_DR7: return true;
	default: return false;
	}
}

u64 vx_cpu_get_reg(const struct vx_cpu *c, enum vx_reg r)
{
	if (host_loads(r))
		unpark(c);
	if (r <= VX_R15)
		return c->gpr[r];
	switch (r) {
	case VX_RIP: return c->rip;
	case VX_RFLAGS: return cpu_rflags(c);
	case VX_CR0: return c->cr0;
	case VX_CR2: return c->cr2;
	case VX_CR3: return c->cr3;
	case VX_CR4: return c->cr4;
	case VX_CR8: return c->cr8;
	case VX_XCR0: return c->xcr0;
	case VX_DR0:
	case VX_DR1:
	case VX_DR2:
	case VX_DR3: return c->dr[r - VX_DR0];
	case VX_DR6: return c->dr[6];
	case VX_DR7: return c->dr[7];
	default: return 0;
	}
}

void vx_cpu_set_reg(struct vx_cpu *c, enum vx_reg r, u64 v)
{
	if (host_loads(r))
		unpark(c);
	if (r <= VX_R15) {
		c->gpr[r] = v;
		return;
	}
	switch (r) {
	case VX_RIP:
		c->rip = v;
		c->cc.cur_lin = 0;
		break;
	case VX_RFLAGS: cpu_set_rflags(c, v); break;
	case VX_CR0:
		c->cr0 = v;
		tlb_flush_all(c);
		break;
	case VX_CR2: c->cr2 = v; break;
	case VX_CR3:
		c->cr3 = v;
		tlb_flush_all(c);
		break;
	case VX_CR4:
		c->cr4 = v;
		tlb_flush_all(c);
		break;
	case VX_CR8: c->cr8 = v; break;
	case VX_XCR0: c->xcr0 = v; break;
	case VX_DR0:
	case VX_DR1:
	case VX_DR2:
	case VX_DR3: c->dr[r - VX_DR0] = v; break;
	case VX_DR6: c->dr[6] = v; break;
	case VX_DR7: c->dr[7] = v; break;
	default: break;
	}
}

u64 *vx_cpu_gprs(struct vx_cpu *c)
{
	return c->gpr;
}

void vx_cpu_get_seg(const struct vx_cpu *c, enum vx_seg s, struct vx_segment *out)
{
	unpark(c);
	if ((unsigned)s >= VX_SEG_COUNT) {
		memset(out, 0, sizeof(*out));
		return;
	}
	const struct seg *g = &c->seg[s];
	*out = (struct vx_segment){.sel = g->sel, .ar = g->ar, .limit = g->limit, .base = g->base};
}

void vx_cpu_set_seg(struct vx_cpu *c, enum vx_seg s, const struct vx_segment *in)
{
	unpark(c);
	if ((unsigned)s >= VX_SEG_COUNT)
		return;
	c->seg[s] =
	    (struct seg){.sel = in->sel, .ar = in->ar, .limit = in->limit, .base = in->base};
	if (s == VX_CS) {
		c->cpl = (u8)((in->ar >> 5) & 3); /* DPL field of the access rights */
		tlb_flush_all(c);
	}
}

unsigned vx_cpu_cpl(const struct vx_cpu *c)
{
	unpark(c);
	return c->cpl;
}

void vx_cpu_get_gdtr(const struct vx_cpu *c, struct vx_dtable *out)
{
	unpark(c);
	*out = (struct vx_dtable){.base = c->gdtr.base, .limit = c->gdtr.limit};
}

void vx_cpu_set_gdtr(struct vx_cpu *c, const struct vx_dtable *in)
{
	unpark(c);
	c->gdtr = (struct dtr){.base = in->base, .limit = in->limit};
}

void vx_cpu_get_idtr(const struct vx_cpu *c, struct vx_dtable *out)
{
	unpark(c);
	*out = (struct vx_dtable){.base = c->idtr.base, .limit = c->idtr.limit};
}

void vx_cpu_set_idtr(struct vx_cpu *c, const struct vx_dtable *in)
{
	unpark(c);
	c->idtr = (struct dtr){.base = in->base, .limit = in->limit};
}

/* ---- MSRs ---- */

/* The struct msrs field of an MSR index, NULL when the processor keeps no such field. */
static u64 *msr_slot(struct vx_cpu *c, u32 index)
{
	struct msrs *m = &c->msr;
	switch (index) {
	case MSR_IA32_EFER: return &m->efer;
	case MSR_IA32_STAR: return &m->star;
	case MSR_IA32_LSTAR: return &m->lstar;
	case MSR_IA32_CSTAR: return &m->cstar;
	case MSR_IA32_FMASK: return &m->sfmask;
	case MSR_IA32_KERNEL_GS_BASE: return &m->kernel_gs_base;
	case MSR_IA32_TSC_AUX: return &m->tsc_aux;
	case MSR_IA32_APIC_BASE: return &m->apic_base;
	case MSR_IA32_FEATURE_CONTROL: return &m->feature_control;
	case MSR_IA32_SYSENTER_CS: return &m->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP: return &m->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP: return &m->sysenter_eip;
	case MSR_IA32_PAT: return &m->pat;
	case MSR_IA32_DEBUGCTL: return &m->debugctl;
	case MSR_IA32_FS_BASE: return &c->seg[SEG_FS].base;
	case MSR_IA32_GS_BASE: return &c->seg[SEG_GS].base;
	case MSR_IA32_SGXLEPUBKEYHASH0:
	case MSR_IA32_SGXLEPUBKEYHASH1:
	case MSR_IA32_SGXLEPUBKEYHASH2:
	case MSR_IA32_SGXLEPUBKEYHASH3:
		return &m->sgx_lepubkeyhash[index - MSR_IA32_SGXLEPUBKEYHASH0];
	default: return NULL;
	}
}

bool vx_cpu_get_msr(const struct vx_cpu *c, u32 index, u64 *v)
{
	if (index != MSR_IA32_TIME_STAMP_COUNTER)
		unpark(c);
	/* What RDMSR at CPL 0 returns: msr_read holds the existence rules of the profile. */
	return msr_read((struct vx_cpu *)c, index, v);
}

bool vx_cpu_set_msr(struct vx_cpu *c, u32 index, u64 v)
{
	if (index != MSR_IA32_TIME_STAMP_COUNTER)
		unpark(c);
	if (index == MSR_IA32_TIME_STAMP_COUNTER) {
		c->msr.tsc_offset = (s64)(v - c->retired);
		return true;
	}
	u64 *slot = msr_slot(c, index);
	if (!slot)
		return false;
	*slot = v;
	if (index == MSR_IA32_EFER)
		tlb_flush_all(c); /* NXE changes what the cached translations allow */
	return true;
}

u64 vx_cpu_retired(const struct vx_cpu *c)
{
	return c->retired;
}

/* ---- running ---- */

void vx_cpu_set_io_hook(struct vx_cpu *c, vx_io_fn *fn, void *ctx)
{
	api_of(c)->io = fn;
	api_of(c)->io_ctx = ctx;
}

void vx_cpu_set_event_hook(struct vx_cpu *c, vx_event_fn *fn, void *ctx)
{
	api_of(c)->ev = fn;
	api_of(c)->ev_ctx = ctx;
}

void vx_cpu_cpuid(const struct vx_cpu *c, u32 leaf, u32 subleaf, u64 cr4, u64 xcr0, u32 r[4],
		  u32 *eff_leaf)
{
	cpuid_query(cpu_profile_of(c), cr4, xcr0, leaf, subleaf, r, eff_leaf);
}

static_assert((int)VX_CPUID_IN_CR4 == (int)CPUID_IN_CR4 &&
		  (int)VX_CPUID_IN_XCR0 == (int)CPUID_IN_XCR0,
	      "include/vx/cpu.h names cpuid.h's inputs");

unsigned vx_cpu_cpuid_inputs(const struct vx_cpu *c, u32 eff_leaf, u32 subleaf)
{
	return cpuid_inputs(cpu_profile_of(c), eff_leaf, subleaf);
}

void vx_cpu_set_trace(struct vx_cpu *c, struct vx_trace *t)
{
	c->trace = t;
}

void vx_cpu_set_trace_level(struct vx_cpu *c, unsigned lvl)
{
	c->trace_lvl = lvl == 2 ? 1 : 0;
}

unsigned vx_cpu_trace_level(const struct vx_cpu *c)
{
	return c->trace_lvl ? 2 : 1;
}

void vx_cpu_request_stop(struct vx_cpu *c)
{
	c->stop = true;
}

void vx_cpu_queue_interrupt(struct vx_cpu *c, u8 vector)
{
	c->pending_intr = vector;
}

bool vx_cpu_halted(const struct vx_cpu *c)
{
	return c->halted;
}

bool vx_cpu_send_init(struct vx_cpu *c)
{
	vmx_unpark(c);
	return vmx_raise_init(c);
}

bool vx_cpu_send_sipi(struct vx_cpu *c, u8 vector)
{
	vmx_unpark(c);
	return vmx_raise_sipi(c, vector);
}

/* cpu_hooks.event: every delivery attempt and the final shutdown, as public events. */
static void hook_event(struct vx_cpu *c, const struct event *e)
{
	if (!e) {
		struct vx_event ev = {.kind = VX_EV_SHUTDOWN, .rip = c->insn_rip};
		emit(c, &ev);
		return;
	}
	bool intr = e->type == VMX_INTR_TYPE_EXT_INTR;
	struct vx_event ev = {
	    .kind = intr ? VX_EV_INTERRUPT : VX_EV_EXCEPTION,
	    .vector = e->vector,
	    .type = e->type,
	    .has_error = e->has_error,
	    .error_code = e->error_code,
	    .has_cr2 = e->has_cr2,
	    .cr2 = e->cr2,
	    .rip = intr ? c->rip : c->insn_rip,
	};
	emit(c, &ev);
}

static enum vx_run_result run_result(enum cpu_step r)
{
	switch (r) {
	case STEP_HALT: return VX_RUN_HALTED;
	case STEP_SHUTDOWN: return VX_RUN_SHUTDOWN;
	case STEP_VMEXIT: return VX_RUN_VMEXIT;
	case STEP_STOP: return VX_RUN_STOPPED;
	case STEP_STUCK: return VX_RUN_STUCK;
	default: return VX_RUN_BUDGET;
	}
}

enum vx_run_result vx_cpu_run(struct vx_cpu *c, u64 budget)
{
	c->stop = false;
	enum cpu_step r = cpu_run(c, budget);
	c->stop = false;
	return run_result(r);
}
