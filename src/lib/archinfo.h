/* SPDX-License-Identifier: MIT */
/*
 * Name and layout tables generated from the src/arch .def files files: the one place that turns
 * architectural numbers into the SDM's names (for the CLI, traces and tests).
 */
#ifndef VX_LIB_ARCHINFO_H
#define VX_LIB_ARCHINFO_H

#include "arch/vmx.h"

/* --- basic exit reasons (Appendix C) --- */
struct vx_exit_reason_info {
	u16 nr;
	const char *name; /* trace name, e.g. "EPT_MISCONFIG" */
	const char *sdm;  /* SDM description, e.g. "EPT misconfiguration" */
	const char *kvm;  /* Linux VMX_EXIT_REASONS name, "" if Linux has none */
};
/* NULL when the basic reason is not architectural. */
const struct vx_exit_reason_info *vx_exit_reason_info(u32 basic);
/* Accepts our names, Linux's names and their historical spellings (PENDING_INTERRUPT,
 * VMOFF, VMON); case-insensitive.  Returns -1 when unknown. */
int vx_exit_reason_by_name(const char *name);
/* Every architectural basic reason, ascending; *n receives the count. */
const struct vx_exit_reason_info *vx_exit_reason_table(size_t *n);

/* --- VM-instruction errors (30.4) --- */
const char *vx_insn_error_name(u32 nr); /* "ENTRY_INVALID_CONTROL_FIELD" or NULL */
const char *vx_insn_error_text(u32 nr); /* SDM text or NULL */

/* --- VMCS fields (Appendix B) --- */
struct vx_vmcs_field_info {
	u32 enc; /* full encoding */
	u16 slot;
	u8 width;         /* enum vmcs_width */
	u8 type;          /* enum vmcs_type */
	const char *name; /* "GUEST_RIP" */
	const char *sdm;  /* "Guest RIP" */
};
/* Exact match of a full encoding; for a high-access encoding of a 64-bit field use
 * vx_vmcs_field_lookup. */
const struct vx_vmcs_field_info *vx_vmcs_field_by_enc(u32 enc);
/* Full or high encoding; *high set when enc is the high half of a 64-bit field. */
const struct vx_vmcs_field_info *vx_vmcs_field_lookup(u64 enc, bool *high);
const struct vx_vmcs_field_info *vx_vmcs_field_by_name(const char *name);
const struct vx_vmcs_field_info *vx_vmcs_field_table(size_t *n);
const char *vx_vmcs_width_name(unsigned width); /* "16-bit", "64-bit", ... */
const char *vx_vmcs_type_name(unsigned type);   /* "control", "VM-exit information", ... */

/* --- control bits (24.6-24.8) --- */
struct vx_ctl_info {
	u8 group; /* enum vmx_ctl_group */
	u8 bit;
	const char *name; /* "ENCLS_EXITING" */
	const char *sdm;  /* "Enable ENCLS exiting" */
};
const struct vx_ctl_info *vx_ctl_table(size_t *n);
const char *vx_ctl_group_name(unsigned group); /* "pin-based", "primary processor-based", ... */
/* Bits of the group defined by the SDM (others are reserved). */
u64 vx_ctl_defined_mask(unsigned group);

/* --- exceptions --- */
const char *vx_vector_mnemonic(unsigned vector); /* "#PF", or NULL for non-exception vectors */
const char *vx_vector_desc(unsigned vector);
bool vx_vector_has_error_code(unsigned vector);

/* --- bit layouts (layouts.def, bitfields.def, bitvalues.def) --- */
enum vx_layout {
#define LAYOUT(name, title, sdm) LAYOUT_##name,
#include "arch/layouts.def"
	LAYOUT_COUNT
};
enum vx_field_kind { FK_FLAG, FK_NUM, FK_HEX, FK_ENUM, FK_GPR, FK_SEG, FK_VEC };
struct vx_bitfield {
	u8 layout, hi, lo, kind;
	const char *name;
	const char *meaning;
};
const char *vx_layout_title(enum vx_layout l);
const char *vx_layout_sdm(enum vx_layout l);
/* Fields of one layout; *n receives the count. */
const struct vx_bitfield *vx_layout_fields(enum vx_layout l, size_t *n);
/* Name of an ENUM field value, NULL when the value has none. */
const char *vx_bitvalue_name(enum vx_layout l, const char *field, u64 value);
/* Bits of a layout that no field covers. */
u64 vx_layout_reserved(enum vx_layout l, unsigned width_bits);

/* --- named-number lists: MSRs, SGX leaves, error codes, attribute bits --- */
enum vx_list {
	VX_LIST_MSR,
	VX_LIST_SGX_ERROR,
	VX_LIST_ENCLS,
	VX_LIST_ENCLU,
	VX_LIST_ENCLV,
	VX_LIST_SGX_ATTR,
	VX_LIST_SGX_MISC,
	VX_LIST_COUNT
};
struct vx_named {
	u64 value;
	const char *name;
	const char *desc;
	const char *feat; /* SGX leaves: enumerating feature token ("SGX1", ...); else NULL */
};
const struct vx_named *vx_list(enum vx_list l, size_t *n);
const struct vx_named *vx_list_find(enum vx_list l, u64 value);
const struct vx_named *vx_list_find_name(enum vx_list l, const char *name);

/* Bit fields of an architectural MSR (msr_bits.def); *n receives the count. */
struct vx_msr_field {
	u32 msr;
	u8 lo, hi;
	const char *name;
	const char *desc;
};
const struct vx_msr_field *vx_msr_fields(u32 msr, size_t *n);

const char *vx_gpr_name(unsigned n);  /* 0 -> "RAX" .. 15 -> "R15" */
const char *vx_sreg_name(unsigned n); /* 0 -> "ES" .. 5 -> "GS", else NULL */

#endif
