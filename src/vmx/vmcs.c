// SPDX-License-Identifier: MIT
/*
 * VMCS field storage and the data side of VMREAD/VMWRITE.
 *
 * SDM Vol. 3C 24.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields": a 64-bit field can be
 * accessed whole ("full", encoding bit 0 = 0) or as its upper 32 bits ("high", bit 0 = 1);
 * only 64-bit fields have a high encoding.  30.3 VMREAD: "If the VMCS field specified by the
 * source operand is shorter than this effective operand size, the high bits of the
 * destination operand are cleared to 0.  If the VMCS field is longer, then the high bits of
 * the field are not read."  VMWRITE: shorter field -> high bits of the source are ignored;
 * longer field -> the high bits of the field are cleared to 0.
 */
#include "vmx/vmcs.h"

#include <string.h>

/*
 * Encoding -> slot, resolved at compile time: the key packs index (bits 9:1), type (11:10)
 * and width (14:13) into 13 bits (VMCS_KEY, vmcs.h); 0 means "no such field", otherwise
 * slot + 1.
 */
const u16 vmcs_slot_of_key[1u << 13] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_KEY(enc)] = VMCS_SLOT_##name + 1,
#include "arch/vmcs_fields.def"
};

const u8 vmcs_slot_width[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_SLOT_##name] = width,
#include "arch/vmcs_fields.def"
};

static const u8 slot_type[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_SLOT_##name] = VMCS_ENC_TYPE(enc),
#include "arch/vmcs_fields.def"
};

const u64 vmcs_width_mask[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_SLOT_##name] = VMCS_WIDTH_MASK(width),
#include "arch/vmcs_fields.def"
};

const u8 vmcs_slot_gens[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_SLOT_##name] = VMCS_GENS(enc, VMCS_SLOT_##name),
#include "arch/vmcs_fields.def"
};

const u64 vmcs_vdirty_mask[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) [VMCS_SLOT_##name] = VMCS_VDIRTY_MASK(VMCS_SLOT_##name),
#include "arch/vmcs_fields.def"
};

const u64 vmcs_unchecked_bits[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, enc, width, sdm) \
	[VMCS_SLOT_##name] = VMCS_UNCHECKED_FIELD(enc, VMCS_SLOT_##name),
#include "arch/vmcs_fields.def"
};

void vmcs_caps_all(struct vmcs_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
}

void vmcs_caps_set_unsupported(struct vmcs_caps *caps, u32 enc, bool unsupported)
{
	bool high;
	int s = vmcs_slot_of(enc, &high);
	if (s < 0)
		return;
	if (unsupported)
		caps->unsupported[s / 64] |= BIT(s % 64);
	else
		caps->unsupported[s / 64] &= ~BIT(s % 64);
}

enum vmx_insn_result vmcs_vmwrite(struct vmcs *v, const struct vmcs_caps *caps, u64 enc, u64 val,
				  unsigned op_bits, u32 *error)
{
	bool high;
	int s = vmcs_supported_slot(caps, enc, &high);
	if (s < 0) {
		*error = VMXERR_UNSUPPORTED_VMCS_COMPONENT;
		return VMX_FAIL_VALID;
	}
	/* VM-exit information fields are read-only unless IA32_VMX_MISC[29] (30.3 VMWRITE). */
	if (slot_type[s] == VMCS_TYPE_EXIT_INFO && !caps->vmwrite_any_field) {
		*error = VMXERR_VMWRITE_READ_ONLY_COMPONENT;
		return VMX_FAIL_VALID;
	}
	val &= vmcs_op_mask(op_bits);
	if (high)
		val = (v->field[s] & 0xffffffffull) | ((val & 0xffffffffull) << 32);
	vmcs_set(v, (enum vmcs_slot)s, val);
	return VMX_SUCCEED;
}
