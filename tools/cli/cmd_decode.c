// SPDX-License-Identifier: MIT
/* `vmxsgx decode KIND ...`: argument handling; the explaining is in dec_*.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "decode.h"

/* Kinds that are one value explained through a bit layout. */
static const struct {
	const char *kind;
	enum vx_layout layout;
	unsigned width;
} layout_kinds[] = {
    {"interruptibility", LAYOUT_INTERRUPTIBILITY, 32},
    {"intr-info", LAYOUT_EXIT_INTR_INFO, 32},
    {"exit-intr-info", LAYOUT_EXIT_INTR_INFO, 32},
    {"entry-intr-info", LAYOUT_ENTRY_INTR_INFO, 32},
    {"idt-vectoring", LAYOUT_IDT_VECTORING, 32},
    {"cr0", LAYOUT_CR0, 64},
    {"cr4", LAYOUT_CR4, 64},
    {"efer", LAYOUT_EFER, 64},
    {"rflags", LAYOUT_RFLAGS, 64},
    {"access-rights", LAYOUT_SEG_AR, 32},
    {"eptp", LAYOUT_EPTP, 64},
    {"pending-dbg", LAYOUT_PENDING_DBG, 64},
    {"activity", LAYOUT_ACTIVITY, 32},
};

static const struct {
	const char *opt;
	enum vmx_ctl_group group;
} ctl_opts[] = {
    {"--pin", VMX_CTL_PIN},     {"--proc", VMX_CTL_PROC}, {"--proc2", VMX_CTL_PROC2},
    {"--proc3", VMX_CTL_PROC3}, {"--exit", VMX_CTL_EXIT}, {"--entry", VMX_CTL_ENTRY},
};

struct decode_args {
	struct dec_opts opts;
	const char *kind;
	const char *value;
	const char *value2; /* msr: optional register value */
	const char *reason; /* --reason for qualification */
	int ctl_group;      /* controls: -1 until given */
};

static int usage_error(const char *fmt, const char *arg)
{
	fputs("vmxsgx decode: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see 'vmxsgx --help')\n", stderr);
	return 2;
}

static int parse_args(int argc, char **argv, struct decode_args *a)
{
	memset(a, 0, sizeof(*a));
	a->ctl_group = -1;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--json")) {
			a->opts.json = true;
		} else if (!strcmp(s, "--verbose") || !strcmp(s, "-v")) {
			a->opts.verbose = true;
		} else if (!strcmp(s, "--reason")) {
			if (++i >= argc)
				return usage_error("%s needs a value", s);
			a->reason = argv[i];
		} else if (s[0] == '-' && s[1] == '-') {
			size_t k = 0;
			while (k < ARRAY_SIZE(ctl_opts) && strcmp(s, ctl_opts[k].opt))
				k++;
			if (k == ARRAY_SIZE(ctl_opts))
				return usage_error("unknown option '%s'", s);
			a->ctl_group = (int)ctl_opts[k].group;
		} else if (!a->kind) {
			a->kind = s;
		} else if (!a->value) {
			a->value = s;
		} else if (!a->value2 && !strcmp(a->kind, "msr")) {
			a->value2 = s;
		} else {
			return usage_error("unexpected argument '%s'", s);
		}
	}
	if (!a->kind)
		return usage_error("%s", "missing KIND");
	if (!a->value)
		return usage_error("missing value or file for '%s'", a->kind);
	return 0;
}

static bool value_arg(const char *what, const char *s, u64 *v)
{
	if (dec_parse_u64(s, false, v))
		return true;
	fprintf(stderr, "vmxsgx decode %s: '%s' is not a number (use 0x... for hex)\n", what, s);
	return false;
}

static bool u32_arg(const char *what, const char *s, u64 *v)
{
	if (!value_arg(what, s, v))
		return false;
	if (*v >> 32) {
		fprintf(stderr, "vmxsgx decode %s: '%s' does not fit the 32-bit field\n", what, s);
		return false;
	}
	return true;
}

/* Consequences the layout alone does not say (26.3.1.5 "Checks on Guest Non-Register
 * State"). */
static void interruptibility_notes(struct vx_out *o, u64 v)
{
	out_array(o, "notes");
	if (v & VMX_INTR_ENCLAVE_INTERRUPTION)
		out_str(o, NULL,
			"in exit information: the VM exit (or the event being delivered) "
			"interrupted enclave mode; exit reason bit 27 is set too");
	if ((v & VMX_INTR_ENCLAVE_INTERRUPTION) && (v & VMX_INTR_BLOCKING_BY_MOV_SS))
		out_str(o, NULL,
			"as guest state: VM entry fails (exit reason 33): bit 4 "
			"(enclave interruption) with bit 1 (blocking by MOV SS)");
	if ((v & VMX_INTR_BLOCKING_BY_STI) && (v & VMX_INTR_BLOCKING_BY_MOV_SS))
		out_str(o, NULL,
			"as guest state: VM entry fails (exit reason 33): bits 0 and 1 "
			"(blocking by STI and by MOV SS) cannot both be 1");
	if (v & VMX_INTR_RESERVED)
		out_str(o, NULL,
			"as guest state: VM entry fails (exit reason 33): bits 31:5 are "
			"reserved");
	out_end_array(o);
}

static void intr_summary(struct vx_out *o, u64 v)
{
	unsigned vec = v & VMX_INTR_INFO_VECTOR_MASK;
	unsigned type = (unsigned)bits_get(v, 10, 8);
	const char *mn = vx_vector_mnemonic(vec);
	if (!(v & VMX_INTR_INFO_VALID)) {
		out_str(o, "summary", "not valid (bit 31 clear): no event");
		return;
	}
	const char *tn = vx_bitvalue_name(LAYOUT_EXIT_INTR_INFO, "TYPE", type);
	bool exc = type == VMX_INTR_TYPE_HARD_EXCEPTION || type == VMX_INTR_TYPE_SOFT_EXCEPTION ||
		   type == VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION;
	out_strf(o, "summary", "%s, vector %u%s%s%s", tn, vec, exc && mn ? " " : "",
		 exc && mn ? mn : "", (v & VMX_INTR_INFO_ERROR_CODE) ? ", with error code" : "");
}

static int decode_layout_kind(struct vx_out *o, const struct decode_args *a, size_t k)
{
	u64 v;
	bool ok = layout_kinds[k].width == 32 ? u32_arg(a->kind, a->value, &v)
					      : value_arg(a->kind, a->value, &v);
	if (!ok)
		return 1;
	enum vx_layout l = layout_kinds[k].layout;
	out_begin(o, NULL);
	out_str(o, "kind", a->kind);
	dec_layout(o, "decoded", l, v, layout_kinds[k].width);
	if (l == LAYOUT_INTERRUPTIBILITY)
		interruptibility_notes(o, v);
	if (l == LAYOUT_EXIT_INTR_INFO || l == LAYOUT_IDT_VECTORING || l == LAYOUT_ENTRY_INTR_INFO)
		intr_summary(o, v);
	out_end(o);
	return 0;
}

static int decode_qualification(struct vx_out *o, const struct decode_args *a)
{
	if (!a->reason)
		return usage_error("%s needs --reason R (exit reason number or name)",
				   "qualification");
	u64 r, q;
	int byname = vx_exit_reason_by_name(a->reason);
	if (byname >= 0)
		r = (u64)byname;
	else if (!u32_arg("qualification --reason", a->reason, &r))
		return 1;
	if (!value_arg("qualification", a->value, &q))
		return 1;
	out_begin(o, NULL);
	out_str(o, "kind", "qualification");
	dec_exit_reason(o, "reason", (u32)r);
	dec_qualification(o, "qualification", (u32)r & VMX_EXIT_REASON_BASIC_MASK, q, 0);
	out_end(o);
	return 0;
}

static int decode_field(struct vx_out *o, const struct decode_args *a)
{
	u64 enc;
	const struct vx_vmcs_field_info *f = vx_vmcs_field_by_name(a->value);
	if (f)
		enc = f->enc;
	else if (!value_arg("field", a->value, &enc))
		return 1;
	out_begin(o, NULL);
	out_str(o, "kind", "field");
	dec_field(o, "field", enc);
	out_end(o);
	return 0;
}

static int decode_insn_error(struct vx_out *o, const struct decode_args *a)
{
	u64 n;
	if (!u32_arg("insn-error", a->value, &n))
		return 1;
	const char *name = vx_insn_error_name((u32)n);
	out_begin(o, NULL);
	out_str(o, "kind", "insn-error");
	out_int(o, "number", (long long)n);
	out_str(o, "name", name ? name : "none");
	out_str(o, "meaning",
		name ? vx_insn_error_text((u32)n)
		     : "not a VM-instruction error number (SDM Table 30-1)");
	out_end(o);
	if (!name)
		fprintf(stderr,
			"vmxsgx decode insn-error: %s is not a VM-instruction error "
			"number (SDM Table 30-1)\n",
			a->value);
	return name ? 0 : 1;
}

static int decode_controls(struct vx_out *o, const struct decode_args *a)
{
	if (a->ctl_group < 0)
		return usage_error("%s needs one of --pin --proc --proc2 --proc3 --exit --entry",
				   "controls");
	u64 v;
	bool ok = a->ctl_group == VMX_CTL_PROC3 ? value_arg("controls", a->value, &v)
						: u32_arg("controls", a->value, &v);
	if (!ok)
		return 1;
	out_begin(o, NULL);
	out_str(o, "kind", "controls");
	dec_controls(o, "controls", (unsigned)a->ctl_group, v);
	out_end(o);
	return 0;
}

/* Kinds that name one number from a list: SGX leaves and error codes. */
static const struct {
	const char *kind;
	enum vx_list list;
	const char *what;
} list_kinds[] = {
    {"sgx-error", VX_LIST_SGX_ERROR,
     "SGX error code (SDM \"Error or Information Codes for Intel SGX Instructions\")"},
    {"encls-leaf", VX_LIST_ENCLS,
     "ENCLS leaf (SDM \"Privileged Enclave Instruction Leaf Functions\")"},
    {"enclu-leaf", VX_LIST_ENCLU,
     "ENCLU leaf (SDM \"User Mode Enclave Instruction Leaf Functions\")"},
    {"enclv-leaf", VX_LIST_ENCLV, "ENCLV leaf (SDM \"Virtualization Leaf Functions\")"},
};

static int decode_list_kind(struct vx_out *o, const struct decode_args *a, size_t k)
{
	const struct vx_named *r = vx_list_find_name(list_kinds[k].list, a->value);
	u64 v = 0;
	if (!r) {
		if (!value_arg(a->kind, a->value, &v))
			return 1;
		r = vx_list_find(list_kinds[k].list, v);
	}
	out_begin(o, NULL);
	out_str(o, "kind", a->kind);
	out_hex(o, "value", r ? r->value : v);
	out_str(o, "name", r ? r->name : "none");
	out_str(o, "meaning", r ? r->desc : "not defined by the SDM");
	if (r && r->feat)
		out_str(o, "enumerated_by", r->feat);
	out_end(o);
	if (!r)
		fprintf(stderr, "vmxsgx decode %s: %s is not a %s\n", a->kind, a->value,
			list_kinds[k].what);
	return r ? 0 : 1;
}

static int decode_msr(struct vx_out *o, const struct decode_args *a)
{
	const struct vx_named *r = vx_list_find_name(VX_LIST_MSR, a->value);
	if (!r && !strncasecmp(a->value, "MSR_", 4))
		r = vx_list_find_name(VX_LIST_MSR, a->value + 4);
	u64 idx = 0, val = 0;
	if (!r) {
		if (!u32_arg("msr", a->value, &idx))
			return 1;
		r = vx_list_find(VX_LIST_MSR, idx);
	}
	if (a->value2 && !value_arg("msr", a->value2, &val))
		return 1;
	out_begin(o, NULL);
	out_str(o, "kind", "msr");
	out_hex(o, "index", r ? r->value : idx);
	out_str(o, "name", r ? r->name : "unknown");
	out_str(o, "meaning", r ? r->desc : "not an MSR this project models");
	if (r && a->value2) {
		size_t n;
		const struct vx_msr_field *f = vx_msr_fields((u32)r->value, &n);
		out_hex(o, "value", val);
		out_array(o, "fields");
		for (size_t i = 0; i < n; i++) {
			u64 x = bits_get(val, f[i].hi, f[i].lo);
			if (o->json) {
				out_begin(o, NULL);
				out_str(o, "name", f[i].name);
				out_hex(o, "value", x);
				out_end(o);
			} else {
				char bits[16];
				if (f[i].hi == f[i].lo)
					snprintf(bits, sizeof(bits), "bit %u", f[i].lo);
				else
					snprintf(bits, sizeof(bits), "bits %u:%u", f[i].hi,
						 f[i].lo);
				out_strf(o, NULL, "%s %s = 0x%llx: %s", bits, f[i].name,
					 (unsigned long long)x, f[i].desc);
			}
		}
		out_end_array(o);
	}
	out_end(o);
	return r ? 0 : 1;
}

int cli_decode(int argc, char **argv)
{
	struct decode_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	struct vx_out o;
	out_init(&o, stdout, a.opts.json);
	if (!strcmp(a.kind, "exit-reason")) {
		u64 v;
		if (!u32_arg(a.kind, a.value, &v))
			return 1;
		out_begin(&o, NULL);
		out_str(&o, "kind", a.kind);
		dec_exit_reason(&o, "exit_reason", (u32)v);
		out_end(&o);
		return 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(layout_kinds); k++)
		if (!strcmp(a.kind, layout_kinds[k].kind))
			return decode_layout_kind(&o, &a, k);
	for (size_t k = 0; k < ARRAY_SIZE(list_kinds); k++)
		if (!strcmp(a.kind, list_kinds[k].kind))
			return decode_list_kind(&o, &a, k);
	if (!strcmp(a.kind, "msr"))
		return decode_msr(&o, &a);
	if (!strcmp(a.kind, "qualification"))
		return decode_qualification(&o, &a);
	if (!strcmp(a.kind, "field"))
		return decode_field(&o, &a);
	if (!strcmp(a.kind, "insn-error"))
		return decode_insn_error(&o, &a);
	if (!strcmp(a.kind, "controls"))
		return decode_controls(&o, &a);
	if (!strcmp(a.kind, "dump-vmcs"))
		return dec_dump_vmcs(&o, &a.opts, a.value);
	if (!strcmp(a.kind, "kvm-trace"))
		return dec_kvm_trace(&o, &a.opts, a.value);
	return usage_error("unknown KIND '%s'", a.kind);
}
