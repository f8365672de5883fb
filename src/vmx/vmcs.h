/* SPDX-License-Identifier: MIT */
/*
 * The VMCS as the processor keeps it: storage for every field of src/arch/vmcs_fields.def
 * and the data side of VMREAD/VMWRITE (Intel SDM Vol. 3C 24.11.2 "VMREAD, VMWRITE, and
 * Encodings of VMCS Fields"; 30.3 "VMX Instructions", pages VMREAD and VMWRITE).  The
 * instruction-level checks (#UD, VM exit, #GP, VMfailInvalid) belong to the VMX instruction
 * layer; this file gives the outcome once a current VMCS exists.
 */
#ifndef VX_VMX_VMCS_H
#define VX_VMX_VMCS_H

#include "arch/vmx.h"

/* What the processor supports, from its capability MSRs and CPUID. */
struct vmcs_caps {
	/* IA32_VMX_MISC bit 29: VMWRITE may write any supported field, incl. exit information. */
	bool vmwrite_any_field;
	/* Fields this processor does not support (e.g. ENCLS_EXITING_BITMAP without SGX): one bit
	 * per slot; VMREAD/VMWRITE of them fail with error 12 like unknown encodings. */
	u64 unsupported[(VMCS_NSLOTS + 63) / 64];
};

struct vmcs {
	u32 revision_id; /* bits 30:0 revision, bit 31 shadow-VMCS indicator */
	u32 abort;       /* VMX-abort indicator */
	/* Not architectural state: the contents passed every VM-entry check of 26.2 and 26.3.1
	 * (vmentry_check_cached) and no bit those checks read outside the always-checked fields
	 * (vmcs_unchecked_bits) changed since.  Every store below clears it on such a change. */
	bool checked;
	/* Not architectural either: counts the stores to the guest segment and descriptor-table
	 * fields (vmcs_slot_gens), so VM exit and entry know when those are unchanged
	 * (src/vmx/vmexit.c, vmentry_load.c). */
	u64 seg_gen;
	/* the same for the host-state fields and the VM-exit controls (src/vmx/vmexit_host.c) */
	u64 host_gen;
	/* Not architectural: which always-checked fields changed value since the last entry
	 * whose checks passed (VMCS_VDIRTY_*; vmentry_check_cached re-runs only their rules). */
	u8 vdirty;
	u64 field[VMCS_NSLOTS];
};

/* Outcome of a VMX instruction (30.2 "Conventions"): data, not an error path. */
enum vmx_insn_result { VMX_SUCCEED, VMX_FAIL_INVALID, VMX_FAIL_VALID };

/* Encoding -> slot + 1 (0: no field), by the 13-bit key of index, type and width. */
#define VMCS_KEY(enc) \
	((((enc) >> 1) & 0x1ffu) | ((((enc) >> 10) & 3u) << 9) | ((((enc) >> 13) & 3u) << 11))
extern const u16 vmcs_slot_of_key[1u << 13];
extern const u8 vmcs_slot_width[VMCS_NSLOTS]; /* enum vmcs_width */

/* Slot of a full or high encoding, or -1 when the encoding names no field of the SDM. */
static inline int vmcs_slot_of(u64 enc, bool *high)
{
	*high = false;
	/* Bits 63:32 set, bit 12 or bits 31:15 set: no field (24.11.2, Table 24-17). */
	if (enc >> 32 || VMCS_ENC_RESERVED(enc))
		return -1;
	unsigned s = vmcs_slot_of_key[VMCS_KEY(enc)];
	if (!s)
		return -1;
	if (enc & VMCS_ENC_ACCESS_HIGH) {
		/* "High" access exists only for 64-bit fields. */
		if (vmcs_slot_width[s - 1] != VMCS_W64)
			return -1;
		*high = true;
	}
	return (int)s - 1;
}

/* The slot when this processor supports the field, else -1. */
static inline int vmcs_supported_slot(const struct vmcs_caps *caps, u64 enc, bool *high)
{
	int s = vmcs_slot_of(enc, high);
	if (s >= 0 && (caps->unsupported[s / 64] & BIT(s % 64)))
		return -1;
	return s;
}

static inline u64 vmcs_op_mask(unsigned op_bits)
{
	return op_bits >= 64 ? ~0ull : 0xffffffffull;
}

void vmcs_caps_all(struct vmcs_caps *caps); /* every field, exit info read-only */
void vmcs_caps_set_unsupported(struct vmcs_caps *caps, u32 enc, bool unsupported);

/*
 * VMREAD with a current VMCS.  op_bits is the operand size (64 in 64-bit mode, 32 outside).
 * VMX_FAIL_VALID sets *error (12: unsupported component); on success *val holds the field
 * zero-extended (or truncated to op_bits).
 */
static inline enum vmx_insn_result vmcs_vmread(const struct vmcs *v, const struct vmcs_caps *caps,
					       u64 enc, unsigned op_bits, u64 *val, u32 *error)
{
	bool high;
	int s = vmcs_supported_slot(caps, enc, &high);
	if (s < 0) {
		*error = VMXERR_UNSUPPORTED_VMCS_COMPONENT;
		return VMX_FAIL_VALID;
	}
	u64 x = v->field[s];
	if (high)
		x >>= 32;
	*val = x & vmcs_op_mask(op_bits);
	return VMX_SUCCEED;
}
/* VMWRITE with a current VMCS: 12 unsupported component, 13 read-only component. */
enum vmx_insn_result vmcs_vmwrite(struct vmcs *v, const struct vmcs_caps *caps, u64 enc, u64 val,
				  unsigned op_bits, u32 *error);

/* Width mask of each slot's field (0xffff, 0xffffffff or all ones: 64-bit and natural-width
 * fields of a 64-bit processor keep all 64 bits). */
#define VMCS_WIDTH_MASK(w) ((w) == VMCS_W16 ? 0xffffull : (w) == VMCS_W32 ? 0xffffffffull : ~0ull)
extern const u64 vmcs_width_mask[VMCS_NSLOTS];
/*
 * Per slot, the bits whose changes leave vmcs.checked set: all of an exit-information field
 * (no VM-entry check reads one), all of the fields only the always-run checks read (guest
 * RIP, RSP, interruptibility, activity, pending debug exceptions, the VM-entry interruption
 * fields, the preemption-timer value), RFLAGS except VM (bit 17: the segment checks read it);
 * 0 elsewhere.  src/vmx/vmentry_check.c lists which checks run always and why.
 */
extern const u64 vmcs_unchecked_bits[VMCS_NSLOTS];
/* The fields besides RFLAGS that the always-run rules read, whole. */
#define VMCS_ALWAYS_CHECKED_SLOT(s)                                                                \
	((s) == VMCS_SLOT_GUEST_RIP || (s) == VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO ||             \
	 (s) == VMCS_SLOT_GUEST_ACTIVITY_STATE || (s) == VMCS_SLOT_GUEST_PENDING_DBG_EXCEPTIONS || \
	 (s) == VMCS_SLOT_VM_ENTRY_INTR_INFO || (s) == VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE ||  \
	 (s) == VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN)
#define VMCS_UNCHECKED_SLOT(s)                                          \
	((s) == VMCS_SLOT_GUEST_RFLAGS ? ~BIT(17) /* RFLAGS.VM */       \
	 : VMCS_ALWAYS_CHECKED_SLOT(s) || (s) == VMCS_SLOT_GUEST_RSP || \
		 (s) == VMCS_SLOT_VMX_PREEMPTION_TIMER_VALUE            \
	     ? ~0ull                                                    \
	     : 0ull)
/* The bits of the always-checked fields that the always-run rules read, and the class of the
 * rules that read them: guest RIP is read only by the RIP/RFLAGS rule of 26.3.1.4
 * (VMCS_VDIRTY_RIP); RFLAGS (its reserved bits, TF, IF and VM: not the arithmetic flags), the
 * interruptibility state, the activity state, the pending debug exceptions and the VM-entry
 * interruption fields by several rules (VMCS_VDIRTY_ALL); guest RSP, the preemption-timer
 * value and the exit-information fields by none. */
#define VMCS_VDIRTY_RIP 1u
#define VMCS_VDIRTY_ALL 2u
#define VMCS_RFLAGS_CHECKED \
	(GENMASK(63, 22) | BIT(17) | BIT(15) | BIT(9) | BIT(8) | BIT(5) | BIT(3) | BIT(1))
#define VMCS_VDIRTY_MASK(s)                                  \
	((s) == VMCS_SLOT_GUEST_RFLAGS ? VMCS_RFLAGS_CHECKED \
	 : VMCS_ALWAYS_CHECKED_SLOT(s) ? ~0ull               \
				       : 0ull)
extern const u64 vmcs_vdirty_mask[VMCS_NSLOTS];
#define VMCS_UNCHECKED_FIELD(enc, s) \
	(VMCS_ENC_TYPE(enc) == VMCS_TYPE_EXIT_INFO ? ~0ull : VMCS_UNCHECKED_SLOT(s))
/* Per slot, the generation counters a store to it advances: VMCS_GEN_SEG for the
 * guest-state fields of segment registers (selector, base, limit, access rights) and of GDTR
 * and IDTR (base, limit), VMCS_GEN_HOST for the host-state fields and the VM-exit controls
 * (what loading host state reads). */
#define VMCS_GEN_SEG 1u
#define VMCS_GEN_HOST 2u
extern const u8 vmcs_slot_gens[VMCS_NSLOTS];
#define VMCS_SEG_SLOT(s)                                                               \
	(((s) >= VMCS_SLOT_GUEST_ES_SELECTOR && (s) <= VMCS_SLOT_GUEST_TR_SELECTOR) || \
	 ((s) >= VMCS_SLOT_GUEST_ES_BASE && (s) <= VMCS_SLOT_GUEST_TR_BASE) ||         \
	 ((s) >= VMCS_SLOT_GUEST_ES_LIMIT && (s) <= VMCS_SLOT_GUEST_TR_LIMIT) ||       \
	 ((s) >= VMCS_SLOT_GUEST_ES_AR_BYTES && (s) <= VMCS_SLOT_GUEST_TR_AR_BYTES) || \
	 (s) == VMCS_SLOT_GUEST_GDTR_BASE || (s) == VMCS_SLOT_GUEST_GDTR_LIMIT ||      \
	 (s) == VMCS_SLOT_GUEST_IDTR_BASE || (s) == VMCS_SLOT_GUEST_IDTR_LIMIT)
#define VMCS_GENS(enc, s)                                                           \
	((VMCS_SEG_SLOT(s) ? VMCS_GEN_SEG : 0u) |                                   \
	 (VMCS_ENC_TYPE(enc) == VMCS_TYPE_HOST || (s) == VMCS_SLOT_VM_EXIT_CONTROLS \
	      ? VMCS_GEN_HOST                                                       \
	      : 0u))

/* Direct accessors for the processor itself (VM entry/exit), no architectural checks.
 * The value is stored as the processor would hold it: truncated to the field's width. */
static inline u64 vmcs_get(const struct vmcs *v, enum vmcs_slot s)
{
	return v->field[s];
}

/* vmcs_set with the slot's four facts given (constants when the field is named). */
static inline void vmcs_store(struct vmcs *v, enum vmcs_slot s, u64 width_mask, u64 unchecked,
			      unsigned gens, u64 vmask, u64 val)
{
	val &= width_mask;
	u64 diff = v->field[s] ^ val;
	if (diff & ~unchecked)
		v->checked = false;
	if (diff & vmask)
		v->vdirty |= s == VMCS_SLOT_GUEST_RIP ? VMCS_VDIRTY_RIP : VMCS_VDIRTY_ALL;
	v->seg_gen += gens & VMCS_GEN_SEG;
	v->host_gen += (gens & VMCS_GEN_HOST) != 0;
	v->field[s] = val;
}

static inline void vmcs_set(struct vmcs *v, enum vmcs_slot s, u64 val)
{
	vmcs_store(v, s, vmcs_width_mask[s], vmcs_unchecked_bits[s], vmcs_slot_gens[s],
		   vmcs_vdirty_mask[s], val);
}

/* vmcs_set of the field `name` (VMCS_name), its facts folded at compile time. */
#define VMCS_SET_FIELD(v, name, val)                                                             \
	vmcs_store((v), VMCS_SLOT_##name, VMCS_WIDTH_MASK(VMCS_ENC_WIDTH(VMCS_##name)),          \
		   VMCS_UNCHECKED_FIELD(VMCS_##name, VMCS_SLOT_##name),                          \
		   VMCS_GENS(VMCS_##name, VMCS_SLOT_##name), VMCS_VDIRTY_MASK(VMCS_SLOT_##name), \
		   (val))

static inline u64 vmcs_slot_mask(enum vmcs_slot s)
{
	return vmcs_width_mask[s];
}

#endif
