// SPDX-License-Identifier: MIT
/*
 * Name and layout tables expanded from the src/arch .def files files.  Lookups are linear or binary
 * over small constant tables: they serve the CLI, traces and tests, never the step loop.
 */
#include "lib/archinfo.h"

#include "arch/msr.h"
#include "arch/sgx.h"

#include <string.h>
#include <strings.h>

/* ---- exit reasons ---- */

static const struct vx_exit_reason_info exit_reasons[] = {
#define VMX_EXIT_REASON(n, nr, sdm, kvm) {nr, #n, sdm, kvm},
#include "arch/vmx_exit_reasons.def"
};

const struct vx_exit_reason_info *vx_exit_reason_table(size_t *n)
{
	*n = ARRAY_SIZE(exit_reasons);
	return exit_reasons;
}

const struct vx_exit_reason_info *vx_exit_reason_info(u32 basic)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_reasons); i++)
		if (exit_reasons[i].nr == basic)
			return &exit_reasons[i];
	return NULL;
}

/* Historical spellings seen in traces: Linux before 5.6 and libtraceevent's kvm plugin. */
static const struct {
	const char *name;
	u16 nr;
} exit_aliases[] = {
    {"PENDING_INTERRUPT", VMX_EXIT_INTERRUPT_WINDOW},
    {"VMOFF", VMX_EXIT_VMXOFF},
    {"VMON", VMX_EXIT_VMXON},
};

int vx_exit_reason_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_reasons); i++) {
		const struct vx_exit_reason_info *r = &exit_reasons[i];
		if (!strcasecmp(name, r->name) || (r->kvm[0] && !strcasecmp(name, r->kvm)))
			return r->nr;
	}
	for (size_t i = 0; i < ARRAY_SIZE(exit_aliases); i++)
		if (!strcasecmp(name, exit_aliases[i].name))
			return exit_aliases[i].nr;
	return -1;
}

/* ---- VM-instruction errors ---- */

static const struct {
	u8 nr;
	const char *name, *text;
} insn_errors[] = {
#define VMX_INSN_ERROR(n, nr, text) {nr, #n, text},
#include "arch/vmx_insn_errors.def"
};

const char *vx_insn_error_name(u32 nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(insn_errors); i++)
		if (insn_errors[i].nr == nr)
			return insn_errors[i].name;
	return NULL;
}

const char *vx_insn_error_text(u32 nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(insn_errors); i++)
		if (insn_errors[i].nr == nr)
			return insn_errors[i].text;
	return NULL;
}

/* ---- VMCS fields ---- */

static const struct vx_vmcs_field_info vmcs_fields[] = {
#define VMCS_FIELD(n, enc, width, sdm) {enc, VMCS_SLOT_##n, width, VMCS_ENC_TYPE(enc), #n, sdm},
#include "arch/vmcs_fields.def"
};

const struct vx_vmcs_field_info *vx_vmcs_field_table(size_t *n)
{
	*n = ARRAY_SIZE(vmcs_fields);
	return vmcs_fields;
}

/* The table is in ascending encoding order (checked by test_archinfo). */
const struct vx_vmcs_field_info *vx_vmcs_field_by_enc(u32 enc)
{
	size_t lo = 0, hi = ARRAY_SIZE(vmcs_fields);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (vmcs_fields[mid].enc == enc)
			return &vmcs_fields[mid];
		if (vmcs_fields[mid].enc < enc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct vx_vmcs_field_info *vx_vmcs_field_lookup(u64 enc, bool *high)
{
	*high = false;
	if (enc >> 32)
		return NULL;
	const struct vx_vmcs_field_info *f = vx_vmcs_field_by_enc((u32)enc);
	if (f)
		return f;
	/* Encoding bit 0 selects the high 32 bits, and exists only for 64-bit fields. */
	if ((enc & VMCS_ENC_ACCESS_HIGH) && VMCS_ENC_WIDTH(enc) == VMCS_W64) {
		f = vx_vmcs_field_by_enc((u32)enc & ~VMCS_ENC_ACCESS_HIGH);
		*high = f != NULL;
	}
	return f;
}

const struct vx_vmcs_field_info *vx_vmcs_field_by_name(const char *name)
{
	/* "GUEST_RIP" or "VMCS_GUEST_RIP" (but VMCS_LINK_POINTER is a name of its own). */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(vmcs_fields); i++)
			if (!strcasecmp(name, vmcs_fields[i].name))
				return &vmcs_fields[i];
		if (strncasecmp(name, "VMCS_", 5))
			break;
		name += 5;
	}
	return NULL;
}

const char *vx_vmcs_width_name(unsigned width)
{
	static const char *const names[] = {"16-bit", "64-bit", "32-bit", "natural-width"};
	return width < 4 ? names[width] : "?";
}

const char *vx_vmcs_type_name(unsigned type)
{
	static const char *const names[] = {"control", "VM-exit information", "guest state",
					    "host state"};
	return type < 4 ? names[type] : "?";
}

/* ---- controls ---- */

static const struct vx_ctl_info ctls[] = {
#define VMX_CTL(group, n, bit, sdm) {VMX_CTL_##group, bit, #n, sdm},
#include "arch/vmx_controls.def"
};

const struct vx_ctl_info *vx_ctl_table(size_t *n)
{
	*n = ARRAY_SIZE(ctls);
	return ctls;
}

const char *vx_ctl_group_name(unsigned group)
{
	static const char *const names[] = {
	    "pin-based VM-execution controls",
	    "primary processor-based VM-execution controls",
	    "secondary processor-based VM-execution controls",
	    "tertiary processor-based VM-execution controls",
	    "VM-exit controls",
	    "VM-entry controls",
	};
	return group < ARRAY_SIZE(names) ? names[group] : "?";
}

u64 vx_ctl_defined_mask(unsigned group)
{
	u64 m = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
		if (ctls[i].group == group)
			m |= BIT(ctls[i].bit);
	return m;
}

/* ---- exceptions ---- */

static const struct {
	const char *mn, *desc;
	bool ec;
} vectors[32] = {
#define EXCEPTION(m, vec, d, e) [vec] = {"#" #m, d, e},
#include "arch/exceptions.def"
};

const char *vx_vector_mnemonic(unsigned v)
{
	return v < 32 ? vectors[v].mn : NULL;
}

const char *vx_vector_desc(unsigned v)
{
	return v < 32 ? vectors[v].desc : NULL;
}

bool vx_vector_has_error_code(unsigned v)
{
	return v < 32 && vectors[v].ec;
}

/* ---- bit layouts ---- */

static const struct {
	const char *title, *sdm;
} layouts[] = {
#define LAYOUT(n, title, sdm) {title, sdm},
#include "arch/layouts.def"
};

static const struct vx_bitfield bitfields[] = {
#define BITFIELD(l, n, hi, lo, kind, meaning) {LAYOUT_##l, hi, lo, FK_##kind, #n, meaning},
#include "arch/bitfields.def"
};

static const struct {
	u8 layout;
	const char *field;
	u64 value;
	const char *name;
} bitvalues[] = {
#define BITVALUE(l, f, v, n) {LAYOUT_##l, #f, v, n},
#include "arch/bitvalues.def"
};

const char *vx_layout_title(enum vx_layout l)
{
	return (unsigned)l < LAYOUT_COUNT ? layouts[l].title : "?";
}

const char *vx_layout_sdm(enum vx_layout l)
{
	return (unsigned)l < LAYOUT_COUNT ? layouts[l].sdm : "?";
}

/* Rows of one layout are contiguous in bitfields.def (checked by test_archinfo). */
const struct vx_bitfield *vx_layout_fields(enum vx_layout l, size_t *n)
{
	size_t i = 0;
	while (i < ARRAY_SIZE(bitfields) && bitfields[i].layout != l)
		i++;
	size_t j = i;
	while (j < ARRAY_SIZE(bitfields) && bitfields[j].layout == l)
		j++;
	*n = j - i;
	return *n ? &bitfields[i] : NULL;
}

const char *vx_bitvalue_name(enum vx_layout l, const char *field, u64 value)
{
	for (size_t i = 0; i < ARRAY_SIZE(bitvalues); i++)
		if (bitvalues[i].layout == l && bitvalues[i].value == value &&
		    !strcmp(bitvalues[i].field, field))
			return bitvalues[i].name;
	return NULL;
}

u64 vx_layout_reserved(enum vx_layout l, unsigned width_bits)
{
	size_t n;
	const struct vx_bitfield *f = vx_layout_fields(l, &n);
	u64 used = 0;
	for (size_t i = 0; i < n; i++)
		used |= GENMASK(f[i].hi, f[i].lo);
	u64 all = width_bits >= 64 ? ~0ull : GENMASK(width_bits - 1, 0);
	return all & ~used;
}

const char *vx_gpr_name(unsigned n)
{
	static const char *const names[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
					      "RSI", "RDI", "R8",  "R9",  "R10", "R11",
					      "R12", "R13", "R14", "R15"};
	return n < 16 ? names[n] : "?";
}

const char *vx_sreg_name(unsigned n)
{
	static const char *const names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
	return n < 6 ? names[n] : NULL;
}

/* ---- named-number lists ---- */

static const struct vx_named msrs[] = {
#define MSR_INDEX(n, index, desc) {index, #n, desc, NULL},
#include "arch/msr_index.def"
};
static const struct vx_named sgx_errors[] = {
#define SGX_ERROR(n, code, desc) {code, #n, desc, NULL},
#include "arch/sgx_errors.def"
};
static const struct vx_named encls[] = {
#define ENCLS_LEAF(n, nr, feat, desc) {nr, #n, desc, #feat},
#include "arch/encls_leaves.def"
};
static const struct vx_named enclu[] = {
#define ENCLU_LEAF(n, nr, feat, desc) {nr, #n, desc, #feat},
#include "arch/enclu_leaves.def"
};
static const struct vx_named enclv[] = {
#define ENCLV_LEAF(n, nr, feat, desc) {nr, #n, desc, #feat},
#include "arch/enclv_leaves.def"
};
static const struct vx_named sgx_attrs[] = {
#define SGX_ATTR(n, bit, desc) {bit, #n, desc, NULL},
#include "arch/sgx_attributes.def"
};
static const struct vx_named sgx_misc[] = {
#define SGX_MISC(n, bit, desc) {bit, #n, desc, NULL},
#include "arch/sgx_misc.def"
};

static const struct {
	const struct vx_named *rows;
	size_t n;
} lists[VX_LIST_COUNT] = {
    [VX_LIST_MSR] = {msrs, ARRAY_SIZE(msrs)},
    [VX_LIST_SGX_ERROR] = {sgx_errors, ARRAY_SIZE(sgx_errors)},
    [VX_LIST_ENCLS] = {encls, ARRAY_SIZE(encls)},
    [VX_LIST_ENCLU] = {enclu, ARRAY_SIZE(enclu)},
    [VX_LIST_ENCLV] = {enclv, ARRAY_SIZE(enclv)},
    [VX_LIST_SGX_ATTR] = {sgx_attrs, ARRAY_SIZE(sgx_attrs)},
    [VX_LIST_SGX_MISC] = {sgx_misc, ARRAY_SIZE(sgx_misc)},
};

const struct vx_named *vx_list(enum vx_list l, size_t *n)
{
	if ((unsigned)l >= VX_LIST_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = lists[l].n;
	return lists[l].rows;
}

const struct vx_named *vx_list_find(enum vx_list l, u64 value)
{
	size_t n;
	const struct vx_named *t = vx_list(l, &n);
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return &t[i];
	return NULL;
}

const struct vx_named *vx_list_find_name(enum vx_list l, const char *name)
{
	size_t n;
	const struct vx_named *t = vx_list(l, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static const struct vx_msr_field msr_fields[] = {
#define MSR_FIELD(m, n, lo, hi, desc) {MSR_##m, lo, hi, #n, desc},
#include "arch/msr_bits.def"
};

/* Rows of one MSR are contiguous in msr_bits.def. */
const struct vx_msr_field *vx_msr_fields(u32 msr, size_t *n)
{
	size_t i = 0;
	while (i < ARRAY_SIZE(msr_fields) && msr_fields[i].msr != msr)
		i++;
	size_t j = i;
	while (j < ARRAY_SIZE(msr_fields) && msr_fields[j].msr == msr)
		j++;
	*n = j - i;
	return *n ? &msr_fields[i] : NULL;
}
