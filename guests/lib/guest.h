/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime (in the spirit of kvm-unit-tests): start-up, console printf on the debug
 * console port, report() with a pass/fail summary, memory and string functions, IDT with
 * recording handlers, CPL 3 entry and return, page-table helpers.  A test defines
 *
 *	int main(struct vx_boot_info *bi)
 *
 * and returns report_summary(); the start-up code writes the return value to the exit port.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>

#include "vx/boot.h"
#include "x86.h"

extern struct vx_boot_info *boot_info;
int main(struct vx_boot_info *bi);
__attribute__((noreturn)) void exit(int code);

/* ---- libc subset ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---- console (%d %i %u %x %X %s %c %p %%, l/ll, width, '0' and '-' flags) ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void puts(const char *s);

/* ---- report ---- */
void report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "SUMMARY: ..." and returns the exit code: 0 when nothing failed, else 1. */
int report_summary(void);
/* Exit status for "an exception nobody expected". */
#define EXIT_UNEXPECTED_EXCEPTION 1

/* ---- exceptions and interrupts ---- */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code; /* error_code 0 for vectors without one */
	u64 rip, cs, rflags, rsp, ss;
};

/* The last exception taken by the recording handler. */
struct exc_record {
	int vector; /* -1: none since exc_reset() */
	u64 error_code;
	u64 rip;
	u64 cr2;
	u64 cs;
	unsigned count;
};
extern volatile struct exc_record exc_last;
void exc_reset(void);

typedef void irq_fn(struct exc_frame *f);
/* IDT of 256 interrupt gates (DPL 0, selector 0x08) to the common stub; LIDT; TSS.RSP0 set to
 * a runtime stack so CPL 3 code can trap.  Vectors without a handler record and, unless a
 * probe is active, end the test (unexpected exception). */
void idt_init(void);
void idt_set_handler(unsigned vector, irq_fn *fn);
/* Gate attributes of a vector: DPL, IST, present; type 0xE interrupt / 0xF trap. */
void idt_set_gate_attr(unsigned vector, unsigned dpl, unsigned ist, bool present, unsigned type);
/* Point a gate at an assembly entry instead of the common stub. */
void idt_set_entry(unsigned vector, void (*entry)(void), unsigned dpl);
/* TSS helpers: RSP0 and ISTn (n 1-7) of the loader's TSS. */
void tss_set_rsp0(u64 rsp);
void tss_set_ist(unsigned n, u64 rsp);

/*
 * Probes (assembly): run one access; an exception inside it is recorded in exc_last and the
 * probe returns its vector, else -1.  They work at CPL 0 and at CPL 3.
 */
int probe_read(const volatile void *addr, u64 *val);
int probe_write(volatile void *addr, u64 val);
/* Calls fn(); *ret receives its return value when no exception happened. */
int probe_call(u64 (*fn)(void), u64 *ret);
/* Resume the next exception at rip with rsp (low-level form of the probes). */
void exc_set_fixup(u64 rip, u64 rsp);

/* ---- CPL 3 ---- */
#define VEC_USER_RETURN 0x81 /* INT gate with DPL 3: back to CPL 0 */
enum user_exit { USER_EXIT_INT, USER_EXIT_SYSCALL };
/* Runs fn(arg) at CPL 3 (IRETQ to selector 0x1b, stack 0x23:user_stack_top, RFLAGS rflags);
 * fn's return comes back by INT VEC_USER_RETURN or SYSCALL.  Returns fn's value. */
u64 run_user(u64 (*fn)(u64), u64 arg, u64 user_stack_top, u64 rflags, enum user_exit how);
/* Sets STAR/LSTAR/FMASK for the SYSCALL return path (done by idt_init). */
void syscall_init(void);

/* ---- paging (identity map of the loader, split into 4 KiB pages on demand) ---- */
#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
/* A zeroed 4 KiB page from boot_info->free_base onwards (never freed). */
void *page_alloc(void);
/* The 4 KiB PTE mapping va (a 2 MiB mapping is split first); NULL when va is not mapped. */
volatile u64 *pte_of(u64 va);
/* Map va -> pa with flags (PTE_P etc.); invalidates the TLB entry. */
void pt_map(u64 va, u64 pa, u64 flags);
/* Set and clear bits of va's PTE; invalidates the TLB entry. */
void pt_update(u64 va, u64 set, u64 clear);
/* Maps the 4 KiB page pa at a new linear address above 512 GiB (PML4 entry 1, U/S = 1 in
 * every upper level) with the PTE bits `flags`; returns that address. */
u64 pt_alias(u64 pa, u64 flags);
/* U/S of the identity map's PML4 entry: false makes the whole identity map supervisor-only
 * (what SMEP/SMAP tests need: the loader maps everything user-accessible). */
void pt_identity_user(bool user);

/* ---- SGX (sgx.c, sgx_call.S) ---- */
struct vx_enclave_bundle;
struct enclave {
	u64 base, size, secs;
	const struct vx_enclave_bundle *bundle;
};
/* ENCLS leaf with RBX/RCX/RDX; returns RAX. */
u64 encls(u64 leaf, u64 rbx, u64 rcx, u64 rdx);
/* IA32_FEATURE_CONTROL allows writing IA32_SGXLEPUBKEYHASHn (locked with SGX_LC). */
bool sgx_lc_writable(void);
/* Builds a `vmxsgx sign` bundle in the EPC; returns EINIT's RAX (0 = initialized), -1 when the
 * bundle or the EPC does not fit. */
long enclave_build(const void *bundle, struct enclave *e);
void enclave_destroy(struct enclave *e);
u64 enclave_tcs(const struct enclave *e, unsigned n);
/* At CPL 3: EENTER through tcs with arguments a, b; the enclave's result. */
u64 enclave_enter(u64 tcs, u64 a, u64 b);
/* From CPL 0: enclave_enter at CPL 3 on the runtime's own user stack, with RFLAGS rflags
 * (0x202 to take interrupts inside the enclave). */
u64 enclave_call(u64 tcs, u64 a, u64 b, u64 rflags);
extern char vx_aep[];
/* Set by an exception handler that interrupted an enclave (frame RIP = vx_aep): the AEP runs
 * the enclave's own handler (enclave op 100) before ERESUME. */
extern volatile u8 vx_aep_fault;

/* ---- VMX for an L1 hypervisor (vmx.c, vmx_guest.S) ---- */
struct vmx_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
/* CR4.VMXE and VMXON; false on VMfail. */
bool vmx_on(void);
/* VMCLEAR and VMPTRLD of a 4 KiB-aligned region (revision identifier written). */
bool vmx_load_vmcs(void *region);
u64 vmread(u64 enc);
bool vmwrite(u64 enc, u64 v);
/* A control adjusted to its capability MSR: which 0 pin, 1 primary, 2 exit, 3 entry,
 * 4 secondary. */
u32 vmx_ctl(unsigned which, u32 want);
/* The current VMCS set up for a 64-bit guest at rip/rsp that shares this hypervisor's paging,
 * GDT, IDT and TSS, with the primary processor-based controls `proc_want` (adjusted). */
void vmx_setup_guest(u64 rip, u64 rsp, u32 proc_want);
/* VMLAUNCH (launch) or VMRESUME with the guest's GPRs from/to *r: 0 after a VM exit, else
 * RFLAGS | 1 << 63 (VMfail). */
u64 vmx_run(struct vmx_regs *r, int launch);

#endif
