/* SPDX-License-Identifier: MIT */
/*
 * The L0 hypervisor's vCPU and the contracts between its parts (DESIGN.md section 3).  Used by
 * the src/hv files and by the unit tests; everything reaches the processor through
 * include/vx only.
 *
 * Run loop (run.c): VMLAUNCH/VMRESUME, then the exit reason is read ONCE into struct hv_exit
 * (basic reason and flag bits decoded, SDM Vol. 3C 24.9.1 "Basic VM-Exit Information", Table
 * 24-14 "Format of Exit Reason") and cached in the vCPU; every "which exit is this" test uses
 * exit.basic, the raw value is kept for tracing and for nested reflection.
 *
 * Handler contract: a handler (hv_exit_fn) returns
 *   HV_RESUME   enter the guest again (an event may have been queued for injection);
 *   HV_TO_USER  the VM stops: v->why and v->status say why (guest exit, halt, shutdown);
 *   HV_FATAL    the hypervisor cannot go on: v->msg says why (status 1).
 * A handler advances guest RIP only when the instruction completed, and only through
 * hv_skip_insn() / hv_skip_len(); it decodes guest instructions only after hv_check_emulate()
 * allowed it.
 */
#ifndef VX_HV_VCPU_H
#define VX_HV_VCPU_H

#include <assert.h>
#include <stdio.h>

#include "arch/types.h"
#include "arch/vmx.h"
#include "hv/hv.h"
#include "vx/boot.h"
#include "vx/cpu.h"
#include "vx/vmx.h"

struct vx_trace;

enum hv_ret { HV_RESUME, HV_TO_USER, HV_FATAL };

struct hv_vcpu;
/* What src/nested provides to L0 through hv_config.nested (KVM's kvm_x86_nested_ops is the
 * model; hv may not include nested, DESIGN.md section 1). */
struct hv_nested_ops {
	/* Per-vCPU state, created with the vCPU and freed with it; NULL: out of memory. */
	void *(*create)(struct hv_vcpu *v);
	void (*destroy)(void *state);
	/* An exit of one of L1's VMX instructions (reasons 19-27, 50, 53). */
	enum hv_ret (*vmx_insn)(struct hv_vcpu *v, void *state);
	/* An exit while L2 runs (v->lvl == TRACE_L2): true when it went to L1 (*r is the
	 * handler's result); false: L0 handles it as its own. */
	bool (*l2_exit)(struct hv_vcpu *v, void *state, enum hv_ret *r);
	/* While L2 runs with L1's EPT: L2's guest-physical gpa through L1's EPT into L1's
	 * guest-physical space (*l1); false when L1's EPT does not map it. */
	bool (*l2_gpa)(struct hv_vcpu *v, void *state, u64 gpa, u64 *l1);
	/* Before an entry while L2 runs: what L0 holds for L1 (an external interrupt with
	 * vmcs12's external-interrupt exiting, vmcs12's expired VMX-preemption timer) becomes a
	 * VM exit to L1 (HV_RESUME unless L0 failed); *hold: it is L1's but cannot leave yet (L0
	 * must not inject the interrupt into L2 and asks for a monitor-trap-flag exit). */
	enum hv_ret (*l2_pending)(struct hv_vcpu *v, void *state, bool *hold);
	/* While L2 runs: vmcs12's CR0 (cr 0) or CR4 (cr 4) guest/host mask. */
	u64 (*l2_cr_mask)(struct hv_vcpu *v, void *state, unsigned cr);
};

/* One remembered CPUID answer (exit_cpuid.c). */
#define HV_CPUID_MEMO 16
struct hv_cpuid_memo {
	bool valid;
	u32 leaf, subleaf, r[4];
	unsigned inputs; /* vx_cpu_cpuid_inputs of the answer: what cr4 and xcr0 are compared for */
	u64 cr4, xcr0;
};

/* The exit, decoded once (Table 24-14; KVM's union vmx_exit_reason). */

struct hv_exit {
	u32 full;             /* the raw 32-bit exit reason */
	u16 basic;            /* bits 15:0 */
	bool bus_lock;        /* bit 26 */
	bool enclave_mode;    /* bit 27: the exit came from enclave mode */
	bool smi_pending_mtf; /* bit 28 */
	bool smi_from_root;   /* bit 29 */
	bool failed_vmentry;  /* bit 31 */
	u64 qual;             /* exit qualification */
	u64 gpa, gla;         /* guest-physical / guest-linear address fields */
	u64 rip;              /* guest RIP at the exit */
	u32 intr_info, intr_error;
	u32 idt_info, idt_error; /* IDT-vectoring information (0 after a failed VM entry) */
	u32 insn_len, insn_info;
	u32 guest_intr; /* guest interruptibility state */
};

void hv_exit_decode_reason(u32 full, struct hv_exit *e);

/* The VMX capability MSRs the hypervisor reads (SDM Vol. 3D Appendix A). */
struct hv_caps {
	u64 basic, pin, proc, exit, entry; /* the TRUE_* MSRs when IA32_VMX_BASIC[55] = 1 */
	u64 proc2;                         /* 0 when secondary controls cannot be activated */
	u64 misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, ept_vpid;
};

/* The controls L0 runs its guest with (ctls.c). */
struct hv_ctls {
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_mask, cr4_mask; /* CR0/CR4 guest/host masks */
	bool preempt_timer;     /* "activate VMX-preemption timer" is set */
	bool encls_exiting;
	u8 timer_shift; /* IA32_VMX_MISC[4:0] */
	bool ept_2m;    /* EPT PDEs may map 2-MByte pages */
	u8 ept_memtype; /* memory type of EPT paging structures (EPTP[2:0]) */
};

/* Reads the capability MSRs of c (TRUE_* when bit 55 says they exist). */
bool hv_caps_read(const struct vx_cpu *c, struct hv_caps *caps);
/* The controls for cfg on a processor with caps; false with a one-line reason in err. */
bool hv_ctls_compute(const struct hv_caps *caps, const struct hv_config *cfg, struct hv_ctls *out,
		     char *err, size_t errlen);

/* Host-physical addresses of L0's own structures (above guest RAM). */
struct hv_layout {
	u64 base, size;
	u64 vmxon, vmcs, msr_bitmap, gdt, tss, idt, code, stack_top, pml4;
	u64 sgx;          /* 2 pages: L0's copies of intercepted ENCLS operands (sgx.c) */
	u64 vmcs02;       /* the VMCS L0 runs an L1 hypervisor's guest with (src/nested) */
	u64 msr_bitmap02; /* vmcs02's MSR bitmap: L0's ORed with vmcs12's (src/nested) */
	u64 shadow_vmcs, vmread_bitmap, vmwrite_bitmap; /* VMCS shadowing for L1 (src/nested) */
	u64 sept, sept_pages;                           /* shadow EPT pool (src/nested/sept.c) */
	u64 ept, ept_pages; /* EPT paging structures: ept_pages 4-KiB pages from ept */
	u64 epc_size;       /* the guest's EPC (VX_EPC_BASE) and its host backing, 0 = none */
	u64 epc_tables;     /* EPT page tables of the EPC mapping (inside ept_pages) */
};

/* Pages of shadow EPT tables L0 keeps for an L1 hypervisor's EPT (src/nested/sept.c). */
#define HV_SEPT_PAGES 1024u

/* Host-physical base of the host EPC section backing the guest's: in the hole above host RAM
 * (at most 3 GiB + L0's area) and below 4 GiB, inside L0's identity map (HV_HOST_PDS). */
#define HV_HOST_EPC_BASE 0xE0000000ull
void hv_ept_map_epc(struct vx_phys *p, u64 base, u64 tables, u64 gpa, u64 hpa, u64 size);

/* Host environment (GDT, TSS, identity page tables, code page) at `base` of phys. */
#define HV_HOST_ENV_SIZE 0x10000ull
#define HV_HOST_PDS 4u /* page directories of the host identity map: the first 4 GiB */
#define HV_SEL_CODE 0x08u
#define HV_SEL_DATA 0x10u
#define HV_SEL_TSS 0x18u
void hv_host_env_build(struct vx_phys *p, u64 base);
void hv_host_env_load(struct vx_cpu *c, u64 base, u64 cr4_fixed0);
/* Offsets inside the host environment. */
enum {
	HV_ENV_GDT = 0x0000,
	HV_ENV_TSS = 0x1000,
	HV_ENV_IDT = 0x2000,
	HV_ENV_CODE = 0x3000, /* HLT at +0 (host RIP), CPUID; HLT at +0x10 (the CPUID oracle) */
	HV_ENV_STACK_TOP = 0x6000,
	HV_ENV_PML4 = 0x8000, /* then the PDPT and HV_HOST_PDS page directories */
};
#define HV_ENV_CPUID_STUB 0x10u

/* ---- EPT (ept.c) ---- */

/* EPT memory type of a page table entry for MMIO: reserved value 2 (SDM 28.2.3.1). */
#define HV_EPT_MT_MISCONFIG 2u
u64 hv_ept_pages(u64 ram_size, u64 mmio_base, bool use_2m);
/* Builds the tables at [base, base + pages * 4096) of p: guest RAM [0, ram_size) identity-
 * mapped RWX write-back, the MMIO page misconfigured; returns the EPTP. */
u64 hv_ept_build(struct vx_phys *p, u64 base, u64 ram_size, u64 mmio_base, bool use_2m,
		 u8 walk_memtype);

/* ---- the vCPU ---- */

#define HV_CONSOLE_CHUNK 256 /* longest console record text (as bare mode) */

struct hv_event {
	bool valid;
	u32 info; /* VM-entry interruption information (Table 24-13) */
	u32 error;
	u32 insn_len;
};

/* The interrupt timer device (exit_io.c). */
struct hv_timer {
	u8 vector;
	bool armed;
	u64 deadline; /* retired-instruction count at which the interrupt is raised */
};

struct hv_vcpu {
	struct hv_config cfg;
	struct vx_phys *phys;   /* host-physical memory: guest RAM [0, ram), then L0's area */
	struct vx_cpu *cpu;     /* the processor L0 runs on */
	u64 *gprs;              /* its general-purpose registers (vx_cpu_gprs; not RSP) */
	struct vx_phys *o_phys; /* the CPUID oracle's memory (exit_cpuid.c) */
	struct vx_cpu *oracle;
	struct vx_trace *trace;
	u64 ram;
	struct hv_layout lay;
	struct hv_caps caps;
	struct hv_ctls ctls;
	u32 proc;           /* primary controls as last written (interrupt window, MTF toggled) */
	u32 vmcs_err_field; /* first VMREAD/VMWRITE that failed (a bug), 0 = none */
	u32 vmcs_err;
	struct hv_exit exit;             /* the cached exit */
	struct vx_vmcs_list exit_fields; /* what hv_exit_read reads at every exit */
	bool launched, loaded;
	/* VM_ENTRY_INTR_INFO of the current VMCS may have its valid bit set (L0 wrote an event
	 * not yet delivered, or another VMCS was loaded): the next entry without an event must
	 * clear it (run.c). */
	bool entry_intr_valid;
	/* The VMX-preemption timer value L0 last wrote to the current VMCS (no VM-exit control
	 * of L0's saves it, 27.3.4): run.c writes only a different one.  Unknown after VMPTRLD. */
	bool timer_known;
	u32 timer_value;
	/* hv_vmread's cache of a few guest-state fields (vcpu.c): valid bits, values */
#define HV_NCACHED 4
	u8 cached;
	u64 cache[HV_NCACHED];
	struct hv_cpuid_memo cpuid_memo[HV_CPUID_MEMO];
	u64 exits;
	struct hv_event inject; /* event for the next VM entry */
	int irq;                /* external interrupt waiting for a window, -1 = none */
	unsigned halt_spins;    /* entries that found L2 halted with only a held interrupt */
	u64 stop_at;            /* a stop src/nested needs (retired instructions), 0 = none */
	u32 proc_keep; /* window/MTF bits vmcs12 sets while L2 runs: L0 keeps them (nested) */
	/* devices (exit_io.c, exit_ept.c) */
	u8 mmio[VX_MMIO_TEST_SIZE];
	struct hv_timer timer;
	char con[HV_CONSOLE_CHUNK + 1];
	unsigned ncon;
	bool con_split;
	u64 feature_control; /* the guest's IA32_FEATURE_CONTROL */
	u64 lehash[4];       /* the guest's IA32_SGXLEPUBKEYHASH0-3 (sgx.c) */
	void *nested;        /* cfg.nested's per-vCPU state, NULL without nested VMX */
	u8 lvl;              /* trace level of the running guest: TRACE_L1, or TRACE_L2 while an L1
			      * hypervisor's guest runs (src/nested) */
	unsigned warned;     /* one bit per diagnostic already printed */
	/* hv_skip_insn after an enclave exit (the KVM change's WARN_ONCE) */
	u64 skip_warn_count;
	bool skip_warned;
	/* the last exceptions delivered in the guest, for messages (oldest first) */
	u8 exc_chain[3];
	unsigned nchain;
	u64 exc_rip;
	u8 maxphyaddr;      /* CPUID.80000008H:EAX[7:0] of the processor */
	bool via_hypercall; /* HV_STOP_EXIT came from the exit hypercall */
	/* why the VM stopped (HV_TO_USER / HV_FATAL) */
	enum hv_stop why;
	int status;
	char msg[256];
};

/* Creates the processor, host memory, host state, VMXON and the VMCS with L0's controls. */
struct hv_vcpu *hv_vcpu_create(const struct hv_config *cfg, char *err, size_t errlen);
void hv_vcpu_destroy(struct hv_vcpu *v);
/* Loads the image through cfg->load and writes the boot state into the VMCS guest area. */
bool hv_vcpu_load(struct hv_vcpu *v, const void *elf, size_t len, char *err, size_t errlen);
/* The guest-state area from a processor's state (load.c): segments, descriptor tables, control
 * registers with the VMX-fixed bits forced and the guest's values in the read shadows, RIP,
 * RSP, RFLAGS, EFER, SYSENTER, PAT; DR7 400H, DEBUGCTL 0, active, no blocking, no pending
 * debug exceptions -- a loaded guest's start, and what 27.5 leaves an L1 after its exit. */
void hv_guest_state_from(struct hv_vcpu *v, const struct vx_cpu *s);
/* Runs until the VM stops; fills res. */
void hv_vcpu_run(struct hv_vcpu *v, struct hv_result *res);

/* Ends the run: handlers return the result of this (HV_TO_USER). */
enum hv_ret hv_stop_vm(struct hv_vcpu *v, enum hv_stop why, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* HV_FATAL with a message. */
enum hv_ret hv_fatal(struct hv_vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A one-line warning on cfg.diag, once per bit. */
void hv_warn_once(struct hv_vcpu *v, unsigned bit, const char *msg);
/* A WRMSR of msr by the guest runs natively (L0's MSR bitmap lets it through, exit_msr.c). */
bool hv_msr_native_write(const struct hv_vcpu *v, u32 msr);

/* VMCS access on the current VMCS; a failure is a bug and is remembered in vmcs_err_field.
 * The guest-state fields L0 reads several times per exit are kept from their first VMREAD
 * until a VMWRITE of theirs, the next exit or a VMPTRLD (KVM's register cache); inline, so
 * that a named field's slot is known at compile time. */
static inline int hv_cached_field(u32 enc)
{
	switch (enc) {
	case VMCS_GUEST_RIP: return 0;
	case VMCS_GUEST_INTERRUPTIBILITY_INFO: return 1;
	case VMCS_GUEST_IA32_EFER: return 2;
	case VMCS_GUEST_CS_AR_BYTES: return 3;
	default: return -1;
	}
}

static_assert(HV_NCACHED == 4, "one slot per hv_cached_field() case");

u64 hv_vmread_slow(struct hv_vcpu *v, u32 enc, int k);
void hv_vmwrite_slow(struct hv_vcpu *v, u32 enc, u64 val);

static inline u64 hv_vmread(struct hv_vcpu *v, u32 enc)
{
	int k = hv_cached_field(enc);
	if (k >= 0 && (v->cached & (1u << k)))
		return v->cache[k];
	return hv_vmread_slow(v, enc, k);
}

/* A list of VMREADs at once (vx_vmread_list); a failure is remembered as hv_vmread's. */
void hv_vmread_list(struct hv_vcpu *v, struct vx_vmcs_list *l, u64 *val);
/* The register cache after an exit: empty but for guest RIP and interruptibility, read with
 * the exit information. */
static inline void hv_cache_fields(struct hv_vcpu *v, u64 rip, u32 intr)
{
	v->cache[hv_cached_field(VMCS_GUEST_RIP)] = rip;
	v->cache[hv_cached_field(VMCS_GUEST_INTERRUPTIBILITY_INFO)] = intr;
	v->cached = (u8)(1u << hv_cached_field(VMCS_GUEST_RIP) |
			 1u << hv_cached_field(VMCS_GUEST_INTERRUPTIBILITY_INFO));
}

static inline void hv_vmwrite(struct hv_vcpu *v, u32 enc, u64 val)
{
	int k = hv_cached_field(enc);
	if (k >= 0)
		v->cached &= (u8) ~(1u << k);
	hv_vmwrite_slow(v, enc, val);
}
/* General-purpose registers of the guest: 0 RAX .. 15 R15 (x86 encoding order); RSP is in the
 * VMCS, the others stay in the processor across the VM exit (27.5 "Loading Host State"). */
static inline u64 hv_gpr(struct hv_vcpu *v, unsigned n)
{
	n &= 15;
	return n == VX_RSP ? hv_vmread(v, VMCS_GUEST_RSP) : v->gprs[n];
}

static inline void hv_set_gpr(struct hv_vcpu *v, unsigned n, u64 val)
{
	n &= 15;
	if (n == VX_RSP)
		hv_vmwrite(v, VMCS_GUEST_RSP, val);
	else
		v->gprs[n] = val;
}
unsigned hv_guest_cpl(struct hv_vcpu *v);
bool hv_guest_64bit(struct hv_vcpu *v); /* IA-32e mode and CS.L = 1 */
u64 hv_retired(const struct hv_vcpu *v);
/* VMPTRLD of L0 (vmcs01, vmcs02, the shadow VMCS): the new VMCS's event field is unknown. */
struct vx_vmx_result hv_vmptrld(struct hv_vcpu *v, u64 pa);

/* ---- injection, skip, emulation gate (inject.c) ---- */

void hv_inject_event(struct hv_vcpu *v, u8 vector, unsigned type, bool has_error, u32 error,
		     u32 insn_len);
void hv_inject_ud(struct hv_vcpu *v);
void hv_inject_gp(struct hv_vcpu *v, u32 error);
void hv_inject_pf(struct hv_vcpu *v, u64 cr2, u32 error);
void hv_inject_interrupt(struct hv_vcpu *v, u8 vector);
/* Advance guest RIP by the exit's instruction length (hv_skip_len(v, exit.insn_len)). */
void hv_skip_insn(struct hv_vcpu *v);
/* RFLAGS bits (Vol. 1 3.4.3 "EFLAGS Register") an instruction's status lands in. */
#define HV_RFLAGS_CF BIT(0)
#define HV_RFLAGS_ZF BIT(6)
#define HV_RFLAGS_STATUS 0x8d5ull /* CF PF AF ZF SF OF */
/* The guest's CF, PF, AF, ZF, SF and OF cleared, then `set` (a subset of them) set: how
 * VMX instructions report VMsucceed/VMfail (30.2 "Conventions") and ENCLS its status. */
void hv_set_status_flags(struct hv_vcpu *v, u64 set);
/* Advance guest RIP by len (0: RIP unchanged); clears blocking by STI and by MOV SS. */
void hv_skip_len(struct hv_vcpu *v, u32 len);

enum hv_emul {
	HV_EMUL_CONTINUE,              /* emulate */
	HV_EMUL_PROPAGATE_FAULT,       /* refused, #UD queued: resume the guest */
	HV_EMUL_UNHANDLEABLE_VECTORING /* the exit happened while delivering an event */
};
/* The emulation gate (KVM's vmx_check_emulate_instruction); gpa for the trace record. */
enum hv_emul hv_check_emulate(struct hv_vcpu *v, u64 gpa);

/* ---- the dispatch table (run.c) ---- */

typedef enum hv_ret hv_exit_fn(struct hv_vcpu *v);
/* The row of a basic exit reason; NULL when the table has none (not architectural). */
hv_exit_fn *hv_exit_handler(u32 basic);
enum hv_ret hv_dispatch(struct hv_vcpu *v);
/* Reads the exit-information fields into v->exit (once per exit). */
void hv_exit_read(struct hv_vcpu *v);
/* VM exits in a row without a retired guest instruction that end the run (status 124). */
#define HV_STUCK_EXITS (1u << 20)
/* The VPID of L0's guest (vmcs01) when the processor supports VPIDs; vmcs02 runs without
 * (src/nested/vmcs02.c). */
#define HV_VPID 1
/* The trace level of the running guest, for L0's records and the processor's own. */
static inline void hv_set_lvl(struct hv_vcpu *v, unsigned lvl)
{
	v->lvl = (u8)lvl;
	vx_cpu_set_trace_level(v->cpu, lvl);
}

/* Before each VM entry: timer, budget, injection, preemption timer; false when the VM stops. */
bool hv_prepare_entry(struct hv_vcpu *v);

enum hv_ret hv_exit_unexpected(struct hv_vcpu *v);
enum hv_ret hv_exit_ud(struct hv_vcpu *v);
/* exit_misc.c */
enum hv_ret hv_exit_exception_nmi(struct hv_vcpu *v);
enum hv_ret hv_exit_external_interrupt(struct hv_vcpu *v);
enum hv_ret hv_exit_triple_fault(struct hv_vcpu *v);
enum hv_ret hv_exit_interrupt_window(struct hv_vcpu *v);
enum hv_ret hv_exit_hlt(struct hv_vcpu *v);
enum hv_ret hv_exit_invd(struct hv_vcpu *v);
enum hv_ret hv_exit_vmcall(struct hv_vcpu *v);
enum hv_ret hv_exit_vmx_insn(struct hv_vcpu *v);
enum hv_ret hv_exit_failed_entry(struct hv_vcpu *v);
enum hv_ret hv_exit_mtf(struct hv_vcpu *v);
enum hv_ret hv_exit_preemption_timer(struct hv_vcpu *v);
enum hv_ret hv_exit_xsetbv(struct hv_vcpu *v);
enum hv_ret hv_exit_encls(struct hv_vcpu *v);
/* exit_cr.c */
enum hv_ret hv_exit_cr_access(struct hv_vcpu *v);
/* exit_msr.c */
enum hv_ret hv_exit_msr_read(struct hv_vcpu *v);
enum hv_ret hv_exit_msr_write(struct hv_vcpu *v);
void hv_msr_bitmap_build(struct hv_vcpu *v);
u64 hv_guest_feature_control(const struct hv_config *cfg, unsigned features);
/* sgx.c: the ENCLS-exiting bitmap for the VM; the LE public-key hash MSRs (false: #GP(0)). */
u64 hv_encls_bitmap(const struct hv_config *cfg, u64 feature_control);
bool hv_lehash_read(struct hv_vcpu *v, u32 msr, u64 *val);
bool hv_lehash_write(struct hv_vcpu *v, u32 msr, u64 val);
void hv_lehash_reset(struct hv_vcpu *v);
/* exit_cpuid.c */
enum hv_ret hv_exit_cpuid(struct hv_vcpu *v);
bool hv_oracle_create(struct hv_vcpu *v);
void hv_oracle_destroy(struct hv_vcpu *v);
/* CPUID as the processor executes it for the guest's CR4/XCR0, then filtered for the VM. */
void hv_cpuid_raw(struct hv_vcpu *v, u32 leaf, u32 subleaf, u32 r[4]);
/* What CPUID returns to the VM (the processor's answer through hv_cpuid_filter). */
void hv_cpuid_guest(struct hv_vcpu *v, u32 leaf, u32 subleaf, u32 r[4]);
void hv_cpuid_filter(const struct hv_config *cfg, u32 leaf, u32 subleaf, u32 r[4]);
/* exit_io.c */
enum hv_ret hv_exit_io(struct hv_vcpu *v);
/* An OUT to a device; HV_TO_USER when it ends the run (exit port). */
enum hv_ret hv_port_out(struct hv_vcpu *v, u16 port, unsigned size, u32 value);
u32 hv_port_in(struct hv_vcpu *v, u16 port, unsigned size);
void hv_console_putc(struct hv_vcpu *v, u8 b);
void hv_console_flush(struct hv_vcpu *v, bool at_end);
/* The interrupt timer's deadline is reached: its vector becomes the pending interrupt. */
void hv_timer_fire(struct hv_vcpu *v);
/* exit_ept.c */
enum hv_ret hv_exit_ept_violation(struct hv_vcpu *v);
enum hv_ret hv_exit_ept_misconfig(struct hv_vcpu *v);

/* ---- guest memory (gmem.c) ---- */

enum hv_access { HV_ACC_READ, HV_ACC_WRITE, HV_ACC_FETCH };
/* The current guest's guest-physical address gpa in L0's guest-physical space (L1's): itself,
 * or through L1's EPT while L2 runs with it; false when L1's EPT does not map it. */
bool hv_l1_gpa(struct hv_vcpu *v, u64 gpa, u64 *l1);
/* The guest-linear to guest-physical translation through the guest's 4-level paging (GUEST_CR3
 * and the guest's CR0/CR4/EFER/CPL), with the access-rights checks of SDM Vol. 3A 4.6.  On a
 * page fault returns false with *pfec the error code (4.7); *pfec = ~0u when a paging
 * structure is not in guest RAM (the walk cannot be done). */
bool hv_gla_to_gpa(struct hv_vcpu *v, u64 gla, enum hv_access acc, bool implicit_sup, u64 *gpa,
		   u32 *pfec);
bool hv_gpa_is_ram(const struct hv_vcpu *v, u64 gpa, u64 len);
bool hv_gpa_is_mmio(const struct hv_vcpu *v, u64 gpa);
/* One data access of 1, 2, 4 or 8 bytes to guest-physical memory: RAM, the MMIO test device
 * (traced), or nothing (reads all ones, writes dropped). */
u64 hv_gpa_read(struct hv_vcpu *v, u64 gpa, unsigned size);
void hv_gpa_write(struct hv_vcpu *v, u64 gpa, unsigned size, u64 val);

/* ---- the MMIO instruction emulator (emulate.c) ---- */

enum hv_insn_op { HV_OP_LOAD, HV_OP_STORE };
struct hv_insn {
	unsigned len;       /* bytes */
	enum hv_insn_op op; /* load: memory -> register; store: register or immediate -> memory */
	unsigned size;      /* memory access size: 1, 2, 4 or 8 */
	unsigned dst_size;  /* register destination size (loads) */
	bool sign_extend;   /* MOVSX/MOVSXD */
	bool has_imm;       /* store of an immediate */
	u64 imm;            /* the immediate at the access size (imm32 sign-extended to 64) */
	int reg;            /* register operand 0..15, or 16 + n for AH, CH, DH, BH (n = 0..3) */
	/* memory operand */
	int base, index; /* -1: none; 16: RIP-relative */
	unsigned scale;
	s64 disp;
	int seg;     /* -1 none, 4 FS, 5 GS (the only overrides with a base in 64-bit mode) */
	bool addr32; /* 67H prefix */
	bool moffs;  /* A0-A3: absolute address in disp */
	const char *mnemonic;
};
/* Decodes bytes[0..n) as one MOV-family instruction with a memory operand; false when it is
 * not one the emulator handles.  Pure: no guest state involved. */
bool hv_insn_decode(const u8 *bytes, unsigned n, struct hv_insn *in);
/* Emulates the access of the instruction at guest RIP to gpa (after hv_check_emulate). */
enum hv_ret hv_emulate_mmio(struct hv_vcpu *v, u64 gpa);

#endif
