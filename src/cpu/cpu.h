/* SPDX-License-Identifier: MIT */
/*
 * The processor's state and the interfaces between its parts: decoded-instruction record,
 * instruction handlers, memory access through paging, lazy arithmetic flags, and events.
 * Models a 64-bit Intel processor in IA-32e mode (SDM Vol. 3A chapter 2 "System Architecture
 * Overview", chapter 4 "Paging", chapter 6 "Interrupt and Exception Handling").
 */
#ifndef VX_CPU_CPU_H
#define VX_CPU_CPU_H

#include "arch/types.h"
#include "cpu/phys.h"
#include "sgx/sgx_state.h"
#include "vmx/vmx_state.h"

struct vx_cpu;
struct insn;

/* What one step did (DESIGN.md section 2): architectural outcomes are data. */
enum cpu_step {
	STEP_RETIRED,  /* the instruction completed (including VMfail outcomes) */
	STEP_FAULT,    /* c->event holds an exception to deliver */
	STEP_VMEXIT,   /* a VM exit happened (VMX non-root) */
	STEP_HALT,     /* HLT: waiting for an interrupt */
	STEP_SHUTDOWN, /* triple fault or shutdown */
	STEP_STOP,     /* the owner asked to stop (exit device, budget) */
	STEP_STUCK,    /* cpu_run: events delivered back to back without an instruction
			* retiring (a host-side guard against livelock, not architectural) */
};

typedef enum cpu_step op_fn(struct vx_cpu *c, const struct insn *i);

/* ---- decoded instruction (own compact record; Zydis runs once per physical address) ---- */

enum opk { OPK_NONE, OPK_REG, OPK_MEM, OPK_IMM, OPK_SPECIAL };

struct operand {
	u8 kind;     /* enum opk */
	u8 size;     /* bytes: 1, 2, 4, 8 (16 for cmpxchg16b memory) */
	u8 reg;      /* OPK_REG: 0-15 GPR; 16-19 = AH, CH, DH, BH */
	u8 base;     /* OPK_MEM: base GPR, REG_NONE, or REG_RIP */
	u8 index;    /* OPK_MEM: index GPR or REG_NONE */
	u8 scale;    /* OPK_MEM: 1, 2, 4, 8 */
	u8 seg;      /* OPK_MEM: SEG_ES..SEG_GS */
	bool abs;    /* OPK_MEM: absolute moffs64 address in insn.imm */
	s32 disp;    /* OPK_MEM displacement */
	u16 special; /* OPK_SPECIAL: ZydisRegister (segment, control, debug, vector registers) */
	u8 shift;    /* OPK_REG: 8 for AH/CH/DH/BH (bits 15:8 of gpr[reg & 15]), else 0 */
};

#define REG_NONE 0xff
#define REG_RIP 0xfe
#define REG_AH 16

struct insn {
	op_fn *fn;
	u64 imm; /* immediate (sign-extended to 64 bits when the encoding says so) or rel target
		    delta */
	u16 mnemonic; /* ZydisMnemonic, for traces and #UD reports */
	u8 len;
	u8 opsize;   /* effective operand size in bytes */
	u8 addrsize; /* effective address size in bytes */
	u8 prefix;   /* INSN_LOCK | INSN_REP | INSN_REPNE */
	u8 nops;     /* explicit operands */
	u8 cc;       /* condition code for Jcc/SETcc/CMOVcc (low 4 bits of the opcode) */
	u8 nimm;     /* immediates seen while decoding */
	u8 imm2;     /* second immediate (ENTER's nesting level) */
	u8 seg_ovr;  /* SEG_FS / SEG_GS from a 64H/65H prefix, else SEG_DS (implicit operands) */
	/* A specialised form that touches no memory (registers, flags, RIP): retiring it changes
	 * nothing a VMX non-root boundary looks at but the retired count (step.c). */
	bool pure;
	struct operand op[3];
	/* decode cache links set by cpu_run (step.c): the records (index in rec[], 0 = not
	 * linked yet) at the address after this instruction and at that address + imm */
	u16 next, alt;
};

#define INSN_LOCK 1u
#define INSN_REP 2u   /* F3: REP / REPE */
#define INSN_REPNE 4u /* F2: REPNE */

/* ---- segments and descriptor tables ---- */

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

struct seg {
	u16 sel;
	u32 ar; /* VMX access-rights format (24.4.1 Table 24-2), bit 16 = unusable */
	u32 limit;
	u64 base;
};

struct dtr {
	u64 base;
	u32 limit;
};

/* What the host-state fields and VM-exit controls give at a VM exit (src/vmx/vmexit_host.c),
 * valid while the VMCS's host_gen is `gen`. */
struct vmx_host_image {
	bool valid, load_efer, load_pat;
	u64 gen;
	u64 cr0, keep0, cr3, cr4, keep4; /* CR0/CR4: the bits loaded, the bits kept */
	u64 sysenter_cs, sysenter_esp, sysenter_eip, efer, pat;
	struct seg seg[8];
	struct dtr gdtr, idtr;
};

/*
 * Guest segment and descriptor-table registers across VM exits and entries (src/vmx): what
 * the last load from the current VMCS's fields put in the registers (img), with the VMCS's
 * seg_gen then.  A VM exit that finds the registers still holding img, the fields untouched
 * since and img saving back to exactly those fields (`round_trips`: no unusable SS/DS/ES base
 * above 4 GB or non-canonical LDTR base, 27.3.2) would store the values already there; a VM
 * entry from untouched fields loads img, and nothing when the registers still hold it (what
 * the last exit found, nothing having written them since: `regs_img`).
 */
struct vmx_seg_cache {
	bool loaded, round_trips, regs_img;
	u64 loaded_gen;
	struct seg img[8];
	struct dtr img_gdtr, img_idtr;
};

/* ---- lazy arithmetic flags ---- */
/*
 * Arithmetic instructions record their operands and result; CF/PF/AF/ZF/SF/OF are computed
 * only when read.  LF_NONE means rflags holds them already.  (The same technique Bochs uses;
 * it keeps ADD/SUB/CMP/TEST to a few stores.)
 */
enum lazy_op { LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_NEG };

struct lazy_flags {
	u64 res, src, dst; /* result and the two inputs (dst op src) */
	u8 op;             /* enum lazy_op */
	u8 size;           /* bytes */
	u8 carry_in;       /* ADC/SBB carry in; INC/DEC: the preserved CF */
};

/* ---- events ---- */

struct event {
	bool valid;
	u8 vector;
	bool has_error;
	u32 error_code;
	u8 type;      /* enum vmx_intr_type: hardware exception, software interrupt, ... */
	bool has_cr2; /* #PF: the faulting linear address */
	u64 cr2;
};

/* ---- I/O requests served by the owner (the machine in bare mode) ---- */

struct io_req {
	bool in;
	u16 port;
	u8 size;
	u32 value;
};

/* ---- MSRs the processor keeps ---- */

struct msrs {
	u64 efer, star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux, apic_base;
	u64 feature_control, sysenter_cs, sysenter_esp, sysenter_eip, pat, debugctl;
	u64 sgx_lepubkeyhash[4];
	s64 tsc_offset; /* TSC = retired instructions + offset */
};

struct cpu_profile;

#define CPU_ATTN_QUIET 0x00000000ffffffffull /* pending_intr -1, everything else 0 */

/* ---- the software TLB: linear page -> host pointer with permissions ---- */

#define TLB_SIZE 256
/* Tags carry a flush generation above the 53 bits a linear page number + 1 needs, so a full
 * flush (every VM entry and exit) is one increment instead of clearing the array. */
#define TLB_GEN_SHIFT 53
enum {
	TLB_R = 1,     /* readable at CPL 0 (supervisor), SMAP not considered */
	TLB_W = 2,     /* writable at CPL 0 (dirty already set, not a code page) */
	TLB_X = 4,     /* executable at CPL 0 */
	TLB_UR = 8,    /* readable at CPL 3 */
	TLB_UW = 16,   /* writable at CPL 3 */
	TLB_UX = 32,   /* executable at CPL 3 */
	TLB_USER = 64, /* user page (SMAP/SMEP slow path) */
	TLB_GLOBAL = 128,
};
/*
 * A translation context: the mappings filled under one VPID, EPTP (all ones without EPT) and
 * paging state (CR0, CR3, CR4, IA32_EFER) share one generation in their tags (mmu.c).
 */
#define TLB_NCTX 4
struct code_block;
struct tlb_ctx {
	u64 eptp, cr0, cr3, cr4, efer;
	u64 gen; /* 0: the slot is free (its mappings were invalidated) */
	u16 vpid;
	/* the code page being executed when the context was left (code_cache's cur_*), with
	 * CS's access rights and the code-write count then: taken back on return */
	u8 cur_cpl;
	u32 cs_ar;
	u64 cur_lin, writes;
	struct code_block *cur_block;
};
struct tlb_entry {
	u64 tag;  /* tlb_key(): linear page number + 1, with the flush generation; 0 = empty */
	u8 *host; /* host pointer of the physical page, NULL for MMIO */
	u64 pa;   /* physical page address */
	u32 perm; /* TLB_* */
};

/* ---- decoded-instruction cache: one block of 4096 records per physical code page ---- */

/* Decoded instructions of one physical page: idx[offset] is 0 (not decoded) or the index of
 * the record in rec[], which holds the page's instructions densely (cache locality). */
struct code_block {
	u16 idx[4096];
	u32 n, cap; /* rec[1..n-1] in use; rec[0] is unused so that idx 0 means "none" */
	struct insn *rec;
};

struct code_cache {
	struct code_block **page; /* indexed by physical page number of RAM, NULL until run */
	u64 *stale;               /* one bit per page: the block must be cleared before use */
	u64 npages;
	u8 cur_cpl; /* CPL when cur_block was looked up (fetch rights differ) */
	/* the page RIP is in: linear page + 1 (0 = none) and its block */
	u64 cur_lin;
	struct code_block *cur_block;
	u64 writes; /* code writes so far: a saved cur_block is stale if this moved (mmu.c) */
};

struct vx_cpu {
	u64 gpr[16];
	u64 rip;
	u64 rflags;
	struct lazy_flags lf;
	struct seg seg[SEG_COUNT];
	struct dtr gdtr, idtr;
	u64 cr0, cr2, cr3, cr4, cr8, xcr0;
	u64 dr[8];
	u8 cpl;
	struct msrs msr;

	/*
	 * What the run loop must look at between instructions, in one word so that the common
	 * case (nothing) is a single compare with CPU_ATTN_QUIET: a pending external interrupt,
	 * the STI / MOV SS shadow, HLT, a stop request.
	 */
	union {
		struct {
			s32 pending_intr; /* external interrupt vector waiting for IF=1, -1 none */
			u8 shadow; /* VMX_INTR_BLOCKING_BY_STI / _MOV_SS bits, next boundary */
			bool halted;
			bool stop; /* set by a hook: end the run loop after this instruction */
			/* the shadow in effect for the instruction being executed (the STI / MOV SS
			 * of the previous one): what a fault-like VM exit saves (27.3.4) */
			u8 blocking;
		};
		u64 attn;
	};
	bool nmi_blocked;
	struct vmx_state vmx; /* VMX operation (src/vmx) */
	struct vmx_seg_cache vmx_segs;
	struct vmx_host_image vmx_host;
	struct sgx_cpu sgx; /* enclave mode (src/sgx) */
	struct {
		u64 la;     /* MONITOR: the monitored linear address (its 64-byte line) */
		bool armed; /* MONITOR armed it; MWAIT disarms it */
	} monitor;

	/* VMX non-root event state (vmx_events.c) */
	struct vmx_nonroot {
		u64 timer_deadline; /* c->retired at which the preemption timer is 0 (~0: off) */
		u64 timer_base;     /* TSC >> IA32_VMX_MISC[4:0] at VM entry */
		u64 pending_dbg;    /* pending debug exceptions not yet delivered (Table 24-4) */
		struct event cur;   /* the event being delivered through the IDT */
		u32 timer_value;    /* the value VM entry loaded into the timer */
		u32 pin, proc;      /* pin-based and primary processor-based controls */
		u16 mnemonic;       /* ZydisMnemonic of the instruction running, 0 at a boundary */
		u8 activity;        /* VMX_ACTIVITY_SHUTDOWN / _WAIT_SIPI (HLT: c->halted) */
		bool timer_active;  /* "activate VMX-preemption timer" at the last VM entry */
		bool mtf_pending;   /* an MTF VM exit is pending at the next boundary */
		bool nmi_pending;   /* an NMI waits to be recognised (vmx_raise_nmi) */
		bool nmi_hold;      /* NMI blocking with "NMI exiting" 1, "virtual NMIs" 0 */
		bool delivering;    /* `cur` is being delivered (IDT-vectoring information) */
		bool cur_injected;  /* `cur` was injected by VM entry */
		bool inj_enclave;   /* that VM entry had interruptibility bit 4 set */
		bool cur_aex;       /* `cur` caused an AEX: its delivery is incident to enclave
				     * mode (exit-reason bit 27) */
		bool aex_exit;      /* the VM exit being recorded came from enclave mode (its AEX
				     * ran first) */
	} vmxnr;
	/* INIT and SIPI signals (vmx_events.c): unlike vmxnr, kept across VM entries and exits */
	struct vmx_signals {
		u8 pending;     /* VMX_SIG_INIT / VMX_SIG_SIPI: waiting for a boundary */
		u8 sipi_vector; /* the vector of the pending SIPI */
	} vmxsig;
	/* end of VMX non-root event state */

	struct event event; /* the fault or interrupt being delivered */

	u64 insn_rip;  /* RIP of the instruction being executed (fault RIP) */
	u64 retired;   /* retired instructions: the model's time */
	u64 rng_state; /* RDRAND/RDSEED deterministic source */

	struct vx_phys *phys;
	const struct cpu_profile *profile;
	struct tlb_entry tlb[TLB_SIZE];
	u64 tlb_gen;      /* flush generation, in the tag bits above TLB_GEN_SHIFT (never 0) */
	u64 tlb_last_gen; /* the last generation given out */
	struct tlb_ctx tlb_ctx[TLB_NCTX]; /* tlb_ctx[tlb_cur] is the current context */
	unsigned tlb_cur, tlb_victim;
	struct code_cache cc;
	struct insn scratch; /* uncached decode (page-crossing or non-RAM code) */
	void *decoder;       /* ZydisDecoder */
	void *host;          /* the owner's context for callbacks (machine / hypervisor) */
	const struct cpu_hooks *hooks;
	struct vx_trace *trace; /* records the processor emits itself (vmentry_fail); NULL off */
	u8 trace_lvl;           /* the trace level of its records: 0 = L1 (the default) */
};

/* Callbacks from the processor to whoever owns it (the machine in bare mode). */
struct cpu_hooks {
	/* Port I/O once the instruction's checks passed; IN fills req->value. */
	void (*io)(struct vx_cpu *c, struct io_req *req);
	/* an instruction the model does not execute (x87/SSE/AVX ...): trace record */
	void (*unsupported)(struct vx_cpu *c, u64 rip, u16 mnemonic);
	/* every event about to be delivered through the IDT (including faults raised while
	 * delivering another), and the shutdown that ends a triple fault (ev NULL) */
	void (*event)(struct vx_cpu *c, const struct event *ev);
};

#endif
