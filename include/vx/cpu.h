/* SPDX-License-Identifier: MIT */
/*
 * The processor's public interface (DESIGN.md section 1): how src/vm, src/hv and src/nested
 * create physical memory and logical processors, load and read architectural state, and run
 * a processor.  Both objects are opaque here; the implementation is src/cpu/vx_api.c.
 *
 * Setting state through this interface is what a reset, a loader or a VM-entry/-exit load
 * does: values are stored as given (the caller is trusted to pass architecturally consistent
 * state), and the translation caches are flushed whenever paging state changes.
 */
#ifndef VX_CPU_H
#define VX_CPU_H

#include "arch/types.h"

struct vx_phys;
struct vx_cpu;

/* ---- host physical memory ---- */

/* RAM of ram_size bytes from address 0 (rounded up to 4 KiB); NULL when out of memory. */
struct vx_phys *vx_phys_create(u64 ram_size);
void vx_phys_destroy(struct vx_phys *p);
u64 vx_phys_ram_size(const struct vx_phys *p);

typedef u64 vx_mmio_read_fn(void *ctx, u64 pa, unsigned size);
typedef void vx_mmio_write_fn(void *ctx, u64 pa, unsigned size, u64 value);
/* A device region [base, base + size); false when the table is full or the range is bad. */
bool vx_phys_add_mmio(struct vx_phys *p, u64 base, u64 size, vx_mmio_read_fn *rd,
		      vx_mmio_write_fn *wr, void *ctx);
/* RAM only: false (nothing copied) when [pa, pa + len) is not all RAM. */
bool vx_phys_copy_in(struct vx_phys *p, u64 pa, const void *src, u64 len);
bool vx_phys_copy_out(struct vx_phys *p, u64 pa, void *dst, u64 len);
/* One access of 1, 2, 4 or 8 bytes as the processor would make it (RAM, MMIO, or unbacked:
 * reads all ones, writes dropped). */
u64 vx_phys_read(struct vx_phys *p, u64 pa, unsigned size);
void vx_phys_write(struct vx_phys *p, u64 pa, unsigned size, u64 value);

/* ---- logical processors ---- */

/* Profile names: NULL or "default" (the default profile), or a built-in profile's name
 * ("icx-server", "icx-nosgx").  Each processor runs with its own copy of the profile.
 * vx_cpu_profile_known tells an unknown name from out-of-memory when vx_cpu_create fails. */
bool vx_cpu_profile_known(const char *profile);
/* Name of the n-th built-in profile, NULL past the end. */
const char *vx_cpu_profile_name(unsigned n);
struct vx_cpu *vx_cpu_create(struct vx_phys *phys, const char *profile);
void vx_cpu_destroy(struct vx_cpu *c);

/* Features of the processor's profile that the machine's boot state depends on. */
enum {
	VX_FEAT_VMX = 1u << 0,    /* CPUID.1:ECX.VMX */
	VX_FEAT_SGX1 = 1u << 1,   /* CPUID.(EAX=7,ECX=0):EBX.SGX and 12H.0:EAX.SGX1 */
	VX_FEAT_SGX2 = 1u << 2,   /* 12H.0:EAX.SGX2 */
	VX_FEAT_SGX_LC = 1u << 3, /* CPUID.(EAX=7,ECX=0):ECX.SGX_LC */
};
unsigned vx_cpu_features(const struct vx_cpu *c);
/* Narrow the SGX the processor's profile exposes (before it runs); false when asked for more
 * than the profile has. */
enum vx_sgx_mode { VX_SGX_OFF, VX_SGX1, VX_SGX2 };
bool vx_cpu_restrict_sgx(struct vx_cpu *c, enum vx_sgx_mode mode, bool lc);
/*
 * The EPC section (SDM Vol. 3D 38.5 "Enclave Page Cache"): host-physical [base, base + size)
 * of the processor-reserved range, 4 KiB aligned, outside RAM and MMIO.  vx_phys_add_epc
 * creates it (once; false on a bad range or out of memory); vx_cpu_set_epc makes the
 * processor's CPUID.(12H, 2) enumerate it (false without SGX).  The machine's root key for
 * EGETKEY/EREPORT is derived from `seed`.
 */
bool vx_phys_add_epc(struct vx_phys *p, u64 base, u64 size, u64 seed);
bool vx_cpu_set_epc(struct vx_cpu *c, u64 base, u64 size);

enum vx_reg {
	VX_RAX,
	VX_RCX,
	VX_RDX,
	VX_RBX,
	VX_RSP,
	VX_RBP,
	VX_RSI,
	VX_RDI,
	VX_R8,
	VX_R9,
	VX_R10,
	VX_R11,
	VX_R12,
	VX_R13,
	VX_R14,
	VX_R15,
	VX_RIP,
	VX_RFLAGS,
	VX_CR0,
	VX_CR2,
	VX_CR3,
	VX_CR4,
	VX_CR8,
	VX_XCR0,
	VX_DR0,
	VX_DR1,
	VX_DR2,
	VX_DR3,
	VX_DR6,
	VX_DR7,
	VX_REG_COUNT
};
/* After a VM exit made through include/vx/vmx.h, reading a register the exit loads from the
 * host-state area may first complete that load (the processor defers it, docs/decisions.md
 * D79): the getters below take a const processor because its architectural state does not
 * change, though its memory may. */
u64 vx_cpu_get_reg(const struct vx_cpu *c, enum vx_reg r);
/* RFLAGS: bit 1 is forced to 1.  CR0/CR3/CR4 flush the TLB. */
void vx_cpu_set_reg(struct vx_cpu *c, enum vx_reg r, u64 v);
/* The general-purpose registers as an array (RAX .. R15, x86 encoding order) that root-mode
 * software may read and write between a VM exit and the next entry, as KVM keeps its vCPU's
 * registers: VM exits and entries leave them alone (27.5 "Loading Host State", 26.3.2.3)
 * except RSP, which they take from the VMCS (GUEST_RSP, HOST_RSP): element VX_RSP is not
 * the guest's RSP, use vx_cpu_get_reg or the VMCS for it.  Valid for the processor's life. */
u64 *vx_cpu_gprs(struct vx_cpu *c);

/* Segment registers with their hidden parts; `ar` in the VMX access-rights format (SDM Vol. 3C
 * 24.4.1 "Guest Register State", Table 24-2), bit 16 = unusable. */
enum vx_seg { VX_ES, VX_CS, VX_SS, VX_DS, VX_FS, VX_GS, VX_LDTR, VX_TR, VX_SEG_COUNT };
struct vx_segment {
	u16 sel;
	u32 ar;
	u32 limit;
	u64 base;
};
void vx_cpu_get_seg(const struct vx_cpu *c, enum vx_seg s, struct vx_segment *out);
/* Loading CS sets the CPL to the DPL in its access rights (the CPL is CS.DPL = SS.DPL in
 * 64-bit mode, SDM Vol. 3A 5.5 "Privilege Levels"). */
void vx_cpu_set_seg(struct vx_cpu *c, enum vx_seg s, const struct vx_segment *in);
unsigned vx_cpu_cpl(const struct vx_cpu *c);

struct vx_dtable {
	u64 base;
	u32 limit;
};
void vx_cpu_get_gdtr(const struct vx_cpu *c, struct vx_dtable *out);
void vx_cpu_set_gdtr(struct vx_cpu *c, const struct vx_dtable *in);
void vx_cpu_get_idtr(const struct vx_cpu *c, struct vx_dtable *out);
void vx_cpu_set_idtr(struct vx_cpu *c, const struct vx_dtable *in);

/* MSRs.  Get: what RDMSR at CPL 0 would return (false where it would #GP).  Set: state
 * loading, not WRMSR: the MSRs the processor keeps (IA32_EFER, STAR/LSTAR/CSTAR/FMASK,
 * FS/GS/KERNEL_GS base, TSC_AUX, APIC_BASE, FEATURE_CONTROL, SYSENTER_*, PAT, DEBUGCTL,
 * SGXLEPUBKEYHASH0-3, TSC) take the value unchecked (a locked IA32_FEATURE_CONTROL too);
 * false for any other index. */
bool vx_cpu_get_msr(const struct vx_cpu *c, u32 index, u64 *v);
bool vx_cpu_set_msr(struct vx_cpu *c, u32 index, u64 v);

/*
 * ENCLS executed by the processor's owner (L0 in VMX root operation, as KVM runs ECREATE and
 * EINIT on behalf of a guest): the leaf runs with the processor's current mode and paging
 * (operands are linear addresses there) and RAX = leaf, RBX/RCX/RDX as given, through every
 * check the ENCLS instruction makes after its VM-exit test (SDM Vol. 3D ENCLS page).  The
 * processor's registers, RIP and RFLAGS are left as they were.  Result: a fault (vector,
 * error code, faulting address for #PF), or the leaf's RAX and ZF.
 */
struct vx_encls_result {
	bool fault;
	u8 vector;
	u32 error_code;
	u64 address; /* #PF: CR2 */
	u64 rax;
	bool zf;
};
void vx_cpu_encls(struct vx_cpu *c, u32 leaf, u64 rbx, u64 rcx, u64 rdx, struct vx_encls_result *r);

/* Instructions retired so far: the model's time. */
u64 vx_cpu_retired(const struct vx_cpu *c);

/* ---- running ---- */

enum vx_run_result {
	VX_RUN_BUDGET,   /* the budget of retired instructions is used up */
	VX_RUN_HALTED,   /* HLT (or still halted): waiting for an interrupt */
	VX_RUN_SHUTDOWN, /* triple fault: the processor entered the shutdown state */
	VX_RUN_STOPPED,  /* a hook called vx_cpu_request_stop() */
	VX_RUN_VMEXIT,   /* a VM exit (VMX non-root) */
	VX_RUN_STUCK,    /* VX_RUN_STUCK_EVENTS events in a row delivered, no instruction retired */
};
/* An exception whose handler faults at once, on a stack that does not run out (IST), loops
 * forever without retiring anything; the run stops after this many such deliveries. */
#define VX_RUN_STUCK_EVENTS (1u << 20)
/* Runs until `budget` more instructions retired or something above happens.  Exceptions are
 * delivered through the IDT inside the run. */
enum vx_run_result vx_cpu_run(struct vx_cpu *c, u64 budget);
/* From a hook: end the current vx_cpu_run after the running instruction completes. */
void vx_cpu_request_stop(struct vx_cpu *c);
/* An external interrupt becomes pending (one slot; a second request replaces the first).  It
 * is delivered at an instruction boundary when RFLAGS.IF = 1 and no STI/MOV-SS shadow blocks
 * it, and it wakes a halted processor. */
void vx_cpu_queue_interrupt(struct vx_cpu *c, u8 vector);
/* True when the processor is in the HLT state. */
bool vx_cpu_halted(const struct vx_cpu *c);
/*
 * An INIT signal (SDM Vol. 3C 23.8, 25.2): in VMX non-root operation a VM exit (reason 3) at
 * the next instruction boundary (held while the guest waits for a SIPI); in VMX root
 * operation it is blocked and stays pending until the next VM entry, right after which it
 * causes that exit.  Outside VMX operation the model has no INIT reset: nothing happens and
 * false is returned (true: the INIT is pending).
 */
bool vx_cpu_send_init(struct vx_cpu *c);
/* A start-up IPI: a VM exit (reason 4, exit qualification `vector`) at the next boundary when
 * the processor is in VMX non-root operation in the wait-for-SIPI activity state; otherwise
 * it is discarded and false is returned. */
bool vx_cpu_send_sipi(struct vx_cpu *c, u8 vector);

/* Port I/O: the hook serves IN (fills value) and OUT after the instruction's checks passed. */
struct vx_io {
	bool in;
	u16 port;
	u8 size; /* 1, 2 or 4 */
	u32 value;
};
typedef void vx_io_fn(void *ctx, struct vx_cpu *c, struct vx_io *io);
void vx_cpu_set_io_hook(struct vx_cpu *c, vx_io_fn *fn, void *ctx);
/* Records the processor emits itself (a failed VM-entry check: rule and SDM section title)
 * go to `t` (src/lib/trace.h); NULL turns them off. */
struct vx_trace;
void vx_cpu_set_trace(struct vx_cpu *c, struct vx_trace *t);
/* The level (1 = L1, 2 = L2) the processor's own trace records carry: the guest it runs is a
 * hypervisor's L2 (the L0 hypervisor sets it around nested runs). */
void vx_cpu_set_trace_level(struct vx_cpu *c, unsigned lvl);
unsigned vx_cpu_trace_level(const struct vx_cpu *c);
/* What CPUID (leaf, subleaf) returns on this processor when its CR4 and XCR0 are cr4/xcr0 (a
 * hypervisor answering a guest's CPUID exit passes the guest's values); *eff_leaf (if not
 * NULL) receives the leaf actually answered (an input above the maximum returns the highest
 * basic leaf). */
void vx_cpu_cpuid(const struct vx_cpu *c, u32 leaf, u32 subleaf, u64 cr4, u64 xcr0, u32 r[4],
		  u32 *eff_leaf);
/* What that answer depends on besides (leaf, subleaf): VX_CPUID_IN_CR4 (leaf 01H: ECX.OSXSAVE
 * mirrors CR4.OSXSAVE), VX_CPUID_IN_XCR0 (leaf 0DH sub-leaf 0: EBX sizes XCR0's features);
 * eff_leaf is the leaf answered. */
enum { VX_CPUID_IN_CR4 = 1, VX_CPUID_IN_XCR0 = 2 };
unsigned vx_cpu_cpuid_inputs(const struct vx_cpu *c, u32 eff_leaf, u32 subleaf);

/* Events worth a trace record, reported as they happen. */
enum vx_event_kind {
	VX_EV_EXCEPTION,   /* an instruction raised an exception or INT n: about to be delivered */
	VX_EV_INTERRUPT,   /* an external interrupt is being delivered */
	VX_EV_UNSUPPORTED, /* an instruction the model does not execute (it raises #UD) */
	VX_EV_SHUTDOWN,    /* a fault during #DF delivery: triple fault */
};
struct vx_event {
	enum vx_event_kind kind;
	u8 vector;
	u8 type;        /* VMX interruption type (SDM Vol. 3C 24.8.3), 3 = hardware exception */
	bool has_error; /* error_code is valid */
	u32 error_code;
	bool has_cr2; /* #PF: cr2 is the faulting linear address */
	u64 cr2;
	u64 rip;              /* the instruction's address (the interrupted RIP for interrupts) */
	const char *mnemonic; /* VX_EV_UNSUPPORTED: the instruction's mnemonic */
};
typedef void vx_event_fn(void *ctx, struct vx_cpu *c, const struct vx_event *ev);
void vx_cpu_set_event_hook(struct vx_cpu *c, vx_event_fn *fn, void *ctx);

#endif
