/* SPDX-License-Identifier: MIT */
/*
 * SGX in the processor: what the rest of the processor calls.  ENCLS and ENCLU (op_sgx.c,
 * encls.c, enclu.c), the enclave-mode access checks paging calls after a translation
 * (access.c), the instructions that are illegal inside an enclave, and the asynchronous
 * enclave exit every enclave-exiting event runs first (aex.c).
 */
#ifndef VX_SGX_SGX_H
#define VX_SGX_SGX_H

#include "cpu/cpu.h"

/*
 * 38.3 "Access-Control Requirements" / 38.5 "Enclave Page Cache": called by paging for an
 * access in enclave mode once la translated to host-physical pa (after EPT).  STEP_RETIRED
 * with *allow narrowed to the TLB_* rights the EPCM grants; STEP_FAULT with #PF (error code
 * bit 15, SGX) or #GP(0) for a code fetch outside ELRANGE.
 */
enum cpu_step sgx_access(struct vx_cpu *c, u64 la, u64 pa, unsigned acc, u32 *allow);

/* Host pointer of an EPC page the processor may touch in its current mode (enclave mode and
 * the page validated by sgx_access), else NULL. */
u8 *sgx_host_ptr(struct vx_cpu *c, u64 pa);

/*
 * 40.3 "Asynchronous Enclave Exit (AEX)": the event ev (an exception or interrupt; NULL for
 * other VM exits) leaves enclave mode: state saved into SSA[CSSA] with RIP `rip` (the
 * instruction for faults and fault-like exits, else the next one) and RF as a fault would push
 * it when `fault`; then the synthetic state of Table 40-1, CSSA + 1, enclave mode off.
 * `direct_vmexit`: the event causes a VM exit directly (a #PF then writes no CR2; otherwise
 * ev->cr2 loses bits 11:0).  RIP (and insn_rip) become the AEP.
 */
void sgx_aex(struct vx_cpu *c, struct event *ev, u64 rip, bool fault, bool direct_vmexit);
/* Leaves enclave mode (EEXIT and AEX): TCS not busy, the linear context flushed. */
void sgx_leave_enclave(struct vx_cpu *c);

/* Enclave mode: the check of a fetched instruction before it executes (Table 39-1, INT3's
 * opt-in/opt-out behaviour); STEP_RETIRED to go on, else the fault raised. */
enum cpu_step sgx_fetch_check(struct vx_cpu *c, const struct insn *i);

/* ENCLS / ENCLU once the instruction-level checks of op_sgx.c passed. */
enum cpu_step sgx_encls(struct vx_cpu *c);
/* ENCLS/ENCLU's #UD of the mode ("CR0.PE = 0 or RFLAGS.VM = 1", no SGX in CPUID), for the
 * instruction and for root software's ENCLS through include/vx (op_sgx.c). */
bool sgx_mode_ud(const struct vx_cpu *c);
/* ENCLS from its IA32_FEATURE_CONTROL / leaf / paging #GP checks on (op_sgx.c). */
enum cpu_step sgx_encls_checked(struct vx_cpu *c);
enum cpu_step sgx_enclu(struct vx_cpu *c);

#endif
