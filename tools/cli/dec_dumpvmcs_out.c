// SPDX-License-Identifier: MIT
/*
 * `vmxsgx decode dump-vmcs`: the output side.  Renders a parsed VMCS dump (dec_dumpvmcs.c)
 * and its diagnosis (dec_dumpvmcs_check.c) as text or --json through struct vx_out, holds
 * the names and explanations shown to people (layouts, MSR names, segment types), and the
 * command entry point dec_dump_vmcs().  Field meanings: Intel SDM Vol. 3C 24.4 "Guest-State
 * Area", 24.5 "Host-State Area", 24.6-24.9 (controls and exit information).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dumpvmcs.h"

/* ---------------------------------------------------------------- names */

const char *dumpvmcs_section_name(enum dv_section s)
{
	static const char *const n[] = {"Guest State", "Host State", "Control State"};
	return (unsigned)s < DV_NSECTIONS ? n[s] : "?";
}

const char *dumpvmcs_producer_name(enum dv_producer p)
{
	switch (p) {
	case DV_PROD_KVM: return "Linux KVM dump_vmcs()";
	case DV_PROD_XEN: return "Xen vmcs_dump_vcpu()";
	default: return "unknown";
	}
}

const char *dumpvmcs_era_name(enum dv_era e)
{
	switch (e) {
	case DV_ERA_KVM_OLD: return "Linux 4.3-5.12 (no VMCS header line)";
	case DV_ERA_KVM_513: return "Linux 5.13+ (VMCS header, EFER= line, MSR lists)";
	case DV_ERA_KVM_518: return "Linux 5.18+ (0x-prefixed control lines, TertiaryExec)";
	case DV_ERA_XEN_44: return "Xen 4.4-4.5 (sel=/attr= segment lines)";
	case DV_ERA_XEN_46: return "Xen 4.6-4.9 (segment table, \"EFER = \")";
	case DV_ERA_XEN_410: return "Xen 4.10-4.18 (\"EFER(VMCS)\")";
	case DV_ERA_XEN_419: return "Xen 4.19+ (split control lines)";
	default: return "unknown";
	}
}

/* ---------------------------------------------------------------- shared explainers */

static const struct {
	u32 index;
	const char *name;
} msr_names[] = {
#define MSR_INDEX(name, index, desc) {index, #name},
#include "arch/msr_index.def"
#undef MSR_INDEX
};

const char *dumpvmcs_msr_name(u32 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(msr_names); i++)
		if (msr_names[i].index == msr)
			return msr_names[i].name;
	return NULL;
}

/* Table 3-1 "Code- and Data-Segment Types" and Table 3-2 "System-Segment and Gate-Descriptor
 * Types" (Vol. 3A 3.4.5.1), for the access-rights type field. */
void dumpvmcs_seg_type(u32 ar, char *buf, size_t len)
{
	static const char *const sys[16] = {"reserved",
					    "16-bit TSS (available)",
					    "LDT",
					    "16-bit TSS (busy)",
					    "16-bit call gate",
					    "task gate",
					    "16-bit interrupt gate",
					    "16-bit trap gate",
					    "reserved",
					    "32/64-bit TSS (available)",
					    "reserved",
					    "32/64-bit TSS (busy)",
					    "32/64-bit call gate",
					    "reserved",
					    "32/64-bit interrupt gate",
					    "32/64-bit trap gate"};
	unsigned type = ar & 15;
	if (ar & BIT(16)) {
		snprintf(buf, len, "unusable");
		return;
	}
	if (!(ar & BIT(4))) {
		snprintf(buf, len, "system: %s", sys[type]);
		return;
	}
	if (type & 8)
		snprintf(buf, len, "code, %s%s, %s", type & 2 ? "execute/read" : "execute-only",
			 type & 4 ? ", conforming" : "", type & 1 ? "accessed" : "not accessed");
	else
		snprintf(buf, len, "data, %s%s, %s", type & 2 ? "read/write" : "read-only",
			 type & 4 ? ", expand-down" : "", type & 1 ? "accessed" : "not accessed");
}

/* ---------------------------------------------------------------- printing fields */

static void lower_copy(char *dst, const char *src, size_t len)
{
	size_t i = 0;
	for (; src[i] && i + 1 < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void put_hex_what(struct vx_out *o, const char *key, u64 v, const char *what)
{
	if (o->json)
		out_hex(o, key, v);
	else
		out_strf(o, key, "0x%llx  (%s)", (unsigned long long)v, what);
}

/* Table 24-? "Segment selector" (Vol. 3A 3.4.2): index, TI, RPL. */
static void put_sel(struct vx_out *o, const char *key, u64 v)
{
	unsigned idx = (unsigned)(v >> 3) & 0x1fff, ti = (unsigned)(v >> 2) & 1, rpl = v & 3;
	if (!o->json) {
		out_strf(o, key, "0x%04llx (index %u, %s, RPL %u)%s", (unsigned long long)v, idx,
			 ti ? "LDT" : "GDT", rpl, v ? "" : " null selector");
		return;
	}
	out_begin(o, key);
	out_hex(o, "value", v);
	out_int(o, "index", idx);
	out_str(o, "table", ti ? "LDT" : "GDT");
	out_int(o, "rpl", rpl);
	out_end(o);
}

static void put_excbmp(struct vx_out *o, const char *key, u64 v)
{
	char buf[256] = "";
	size_t n = 0;
	if (o->json) {
		out_begin(o, key);
		out_hex(o, "value", v);
		out_array(o, "vectors");
	}
	for (unsigned vec = 0; vec < 32; vec++) {
		const char *mn = vx_vector_mnemonic(vec);
		char tmp[16];
		if (!(v & BIT(vec)))
			continue;
		if (mn)
			snprintf(tmp, sizeof(tmp), "%s", mn);
		else
			snprintf(tmp, sizeof(tmp), "vector %u", vec);
		if (o->json)
			out_str(o, NULL, tmp);
		else if (n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s", tmp);
	}
	if (!o->json) {
		out_strf(o, key, "0x%08llx (exceptions that cause VM exits:%s)",
			 (unsigned long long)v, n ? buf : " none");
		return;
	}
	out_end_array(o);
	out_end(o);
}

static bool is_intr_info(enum dv_field f)
{
	return f == DV_F_ENTRY_INTR_INFO || f == DV_F_EXIT_INTR_INFO || f == DV_F_IDT_VEC_INFO;
}

static void put_field(struct vx_out *o, const struct vmcs_dump *d, enum dv_field f)
{
	const struct dv_val *x = &d->f[f];
	const char *key = dv_fields[f].key;
	if (!x->present)
		return;
	switch (dv_fields[f].kind) {
	case DK_DEC:
		if (o->json)
			out_int(o, key, (long long)x->v);
		else
			out_strf(o, key, "%llu  (%s)", (unsigned long long)x->v, dv_fields[f].what);
		break;
	case DK_LAYOUT:
		if (!o->json && is_intr_info(f) && !(x->v & BIT(31))) {
			out_strf(o, key, "0x%08llx  (not valid, bit 31 clear: no event)",
				 (unsigned long long)x->v);
			break;
		}
		dec_layout(o, key, (enum vx_layout)dv_fields[f].arg, x->v, dv_fields[f].width);
		break;
	case DK_CTL: dec_controls(o, key, dv_fields[f].arg, x->v); break;
	case DK_SEL: put_sel(o, key, x->v); break;
	case DK_REASON: dec_exit_reason(o, key, (u32)x->v); break;
	case DK_QUAL:
		if (dv_has(d, DV_F_EXIT_REASON))
			dec_qualification(o, key, (u32)d->f[DV_F_EXIT_REASON].v & 0xffff, x->v,
					  (u32)d->f[DV_F_EXIT_INTR_INFO].v);
		else
			put_hex_what(o, key, x->v, "exit reason not dumped: meaning unknown");
		break;
	case DK_EXCBMP: put_excbmp(o, key, x->v); break;
	default: put_hex_what(o, key, x->v, dv_fields[f].what); break;
	}
}

static void put_seg(struct vx_out *o, const struct vmcs_dump *d, enum dv_seg s)
{
	const struct dv_segreg *r = &d->seg[s];
	if (!r->sel.present && !r->ar.present && !r->limit.present && !r->base.present)
		return;
	char key[8], type[64];
	lower_copy(key, dumpvmcs_seg_name(s), sizeof(key));
	out_begin(o, key);
	if (!o->json) {
		char sel[16] = "-", ar[16] = "-";
		if (r->sel.present)
			snprintf(sel, sizeof(sel), "0x%04llx", (unsigned long long)r->sel.v);
		if (r->ar.present)
			snprintf(ar, sizeof(ar), "0x%05llx", (unsigned long long)r->ar.v);
		if (s >= DV_GDTR)
			out_text(o, "limit=0x%08llx base=0x%016llx", (unsigned long long)r->limit.v,
				 (unsigned long long)r->base.v);
		else
			out_text(o, "sel=%s attr=%s limit=0x%08llx base=0x%016llx", sel, ar,
				 (unsigned long long)r->limit.v, (unsigned long long)r->base.v);
	}
	if (r->sel.present)
		put_sel(o, "selector", r->sel.v);
	if (r->ar.present) {
		dumpvmcs_seg_type((u32)r->ar.v, type, sizeof(type));
		out_str(o, "type", type);
		dec_layout(o, "access_rights", LAYOUT_SEG_AR, r->ar.v, 32);
	}
	if (r->limit.present)
		out_hex(o, "limit", r->limit.v);
	if (r->base.present)
		out_hex(o, "base", r->base.v);
	out_end(o);
}

static void put_msrlist(struct vx_out *o, const struct dv_msrlist *l, const char *key)
{
	if (!l->present)
		return;
	out_array(o, key);
	for (size_t i = 0; i < l->n; i++) {
		const char *name = dumpvmcs_msr_name(l->e[i].msr);
		if (!o->json) {
			out_strf(o, NULL, "%2u: msr=0x%08x%s%s%s value=0x%016llx", l->e[i].idx,
				 l->e[i].msr, name ? " (" : "", name ? name : "", name ? ")" : "",
				 (unsigned long long)l->e[i].value);
			continue;
		}
		out_begin(o, NULL);
		out_int(o, "index", l->e[i].idx);
		out_hex(o, "msr", l->e[i].msr);
		if (name)
			out_str(o, "name", name);
		out_hex(o, "value", l->e[i].value);
		out_end(o);
	}
	if (l->dropped)
		out_strf(o, NULL, "(%zu more entries not kept)", l->dropped);
	out_end_array(o);
}

static void put_section(struct vx_out *o, const struct vmcs_dump *d, enum dv_section s)
{
	static const char *const keys[] = {"guest", "host", "control"};
	out_begin(o, keys[s]);
	if (!dumpvmcs_section_present(d, s))
		out_str(o, "missing", "section not in the dump");
	for (unsigned f = 0; f < DV_NFIELDS; f++) {
		if (dv_fields[f].sec != s)
			continue;
		if (s == DV_SEC_GUEST && f == DV_F_EFER) {
			out_begin(o, "segments");
			for (unsigned g = 0; g < DV_NSEGS; g++)
				put_seg(o, d, (enum dv_seg)g);
			out_end(o);
			if (d->efer_source[0] && dv_has(d, DV_F_EFER))
				out_str(o, "efer_source", d->efer_source);
			if (dv_has(d, DV_F_EFER) && dv_has(d, DV_F_ENTRY) &&
			    !(d->f[DV_F_ENTRY].v & ENTRY_LOAD_IA32_EFER) &&
			    (!d->efer_source[0] || !strcmp(d->efer_source, "VMCS")))
				out_str(o, "efer_note",
					"\"load IA32_EFER\" is 0: this VMCS field is not loaded; "
					"EFER.LMA/LME follow \"IA-32e mode guest\"");
		}
		put_field(o, d, (enum dv_field)f);
		if (f == DV_F_PROC2 && dv_has(d, f) && dv_has(d, DV_F_PROC) &&
		    !(d->f[DV_F_PROC].v & PROC_ACTIVATE_SECONDARY_CONTROLS))
			out_str(o, "secondary_note", "inactive: primary bit 31 is 0");
		if (f == DV_F_PROC3 && dv_has(d, f) && dv_has(d, DV_F_PROC) &&
		    !(d->f[DV_F_PROC].v & PROC_ACTIVATE_TERTIARY_CONTROLS))
			out_str(o, "tertiary_note", "inactive: primary bit 17 is 0");
	}
	if (s == DV_SEC_GUEST)
		put_msrlist(o, &d->msrs[DV_MSR_GUEST_LOAD], "msr_autoload");
	if (s == DV_SEC_GUEST)
		put_msrlist(o, &d->msrs[DV_MSR_GUEST_STORE], "msr_autostore");
	if (s == DV_SEC_HOST)
		put_msrlist(o, &d->msrs[DV_MSR_HOST_LOAD], "msr_autoload");
	out_end(o);
}

/* ---------------------------------------------------------------- headline */

static void str_list(struct vx_out *o, const char *key, const char *const *v, size_t n)
{
	if (o->json) {
		out_array(o, key);
		for (size_t i = 0; i < n; i++)
			out_str(o, NULL, v[i]);
		out_end_array(o);
		return;
	}
	char buf[256] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "", v[i]);
	out_str(o, key, n ? buf : "none");
}

/* Key fields of a present section that the dump lacks (cut-off or edited dumps). */
static size_t missing_fields(const struct vmcs_dump *d, const char **out, size_t cap)
{
	static const u8 key_fields[] = {DV_F_CR0,
					DV_F_CR4,
					DV_F_CR3,
					DV_F_RSP,
					DV_F_RIP,
					DV_F_RFLAGS,
					DV_F_INTERRUPTIBILITY,
					DV_F_ACTIVITY,
					DV_F_H_RIP,
					DV_F_H_CR0,
					DV_F_H_CR3,
					DV_F_H_CR4,
					DV_F_PIN,
					DV_F_PROC,
					DV_F_ENTRY,
					DV_F_EXIT,
					DV_F_ENTRY_INTR_INFO,
					DV_F_EXIT_REASON,
					DV_F_EXIT_QUAL};
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(key_fields) && n < cap; i++) {
		enum dv_field f = key_fields[i];
		if (dumpvmcs_section_present(d, dv_fields[f].sec) && !dv_has(d, f))
			out[n++] = dv_fields[f].key;
	}
	for (unsigned s = DV_ES; s < DV_GDTR && n < cap; s++)
		if (dumpvmcs_section_present(d, DV_SEC_GUEST) && !d->seg[s].ar.present)
			out[n++] = dumpvmcs_seg_name((enum dv_seg)s);
	return n;
}

static void put_sections(struct vx_out *o, const struct vmcs_dump *d)
{
	const char *have[DV_NSECTIONS], *miss[DV_NSECTIONS], *mf[40];
	size_t nh = 0, nm = 0;
	for (int s = 0; s < DV_NSECTIONS; s++) {
		if (dumpvmcs_section_present(d, (enum dv_section)s))
			have[nh++] = dumpvmcs_section_name((enum dv_section)s);
		else
			miss[nm++] = dumpvmcs_section_name((enum dv_section)s);
	}
	str_list(o, "sections_present", have, nh);
	str_list(o, "sections_missing", miss, nm);
	str_list(o, "fields_missing", mf, missing_fields(d, mf, ARRAY_SIZE(mf)));
}

static void put_input(struct vx_out *o, const struct vmcs_dump *d)
{
	if (o->json) {
		out_str(o, "line_prefix", d->prefix[0] ? d->prefix : "none");
		out_bool(o, "quoted_printable", d->quoted_printable);
		out_bool(o, "mail_quoted", d->mail_quoted);
		out_int(o, "joined_lines", (long long)d->joined_lines);
	} else {
		out_strf(o, "input", "line prefix: %s%s%s; %zu wrapped line%s rejoined",
			 d->prefix[0] ? d->prefix : "none",
			 d->quoted_printable ? "; quoted-printable decoded" : "",
			 d->mail_quoted ? "; mail quotes removed" : "", d->joined_lines,
			 d->joined_lines == 1 ? "" : "s");
	}
	out_int(o, "unknown_lines", (long long)d->unknown_lines);
	if (d->unknown_lines) {
		char buf[160] = "";
		size_t len = 0,
		       n = d->unknown_lines < DV_MAX_UNKNOWN ? d->unknown_lines : DV_MAX_UNKNOWN;
		if (o->json)
			out_array(o, "unknown_line_numbers");
		for (size_t i = 0; i < n; i++) {
			if (o->json)
				out_int(o, NULL, d->unknown_at[i]);
			else if (len < sizeof(buf))
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u",
							i ? ", " : "", d->unknown_at[i]);
		}
		if (o->json)
			out_end_array(o);
		else
			out_strf(o, "unknown_line_numbers", "%s%s", buf,
				 d->unknown_lines > n ? ", ..." : "");
	}
	out_int(o, "problems", (long long)(d->nproblems + d->problems_dropped));
}

static void put_context(struct vx_out *o, const struct vmcs_dump *d)
{
	if (d->vmcs_ptr[0])
		out_str(o, "vmcs", d->vmcs_ptr);
	if (d->last_cpu.present)
		out_int(o, "last_vmentry_cpu", (long long)d->last_cpu.v);
	if (d->xen_domain.present)
		out_int(o, "xen_domain", (long long)d->xen_domain.v);
	if (d->xen_vcpu.present)
		out_int(o, "xen_vcpu", (long long)d->xen_vcpu.v);
	if (d->xen_fail_reason.present)
		out_hex(o, "xen_vmentry_failure_reason", d->xen_fail_reason.v);
	if (d->xen_vmfail_error.present)
		out_hex(o, "xen_vmlaunch_error", d->xen_vmfail_error.v);
	if (d->qemu_hw_error.present)
		out_hex(o, "qemu_hardware_error", d->qemu_hw_error.v);
	if (d->kvm_unexpected.present)
		out_hex(o, "kvm_unexpected_exit_reason", d->kvm_unexpected.v);
}

static void put_headline(struct vx_out *o, const struct dec_input *in, const struct vmcs_dump *d,
			 const struct dv_findings *fd, size_t nr)
{
	const char *key = o->json ? "exit_reason_summary" : "exit_reason";
	if (o->json) {
		out_str(o, "file", in->name);
		out_int(o, "dump", (long long)nr);
		out_int(o, "first_line", (long long)d->first_line);
		out_int(o, "last_line", (long long)d->last_line);
	} else {
		out_strf(o, "dump", "#%zu in %s, lines %zu-%zu", nr, in->name, d->first_line,
			 d->last_line);
	}
	out_str(o, "producer", dumpvmcs_producer_name(d->producer));
	out_str(o, "layout", dumpvmcs_era_name(d->era));
	put_context(o, d);
	if (dv_has(d, DV_F_EXIT_REASON)) {
		char sum[160];
		dec_exit_reason_summary((u32)d->f[DV_F_EXIT_REASON].v, sum, sizeof(sum));
		out_strf(o, key, "0x%08llx %s", (unsigned long long)d->f[DV_F_EXIT_REASON].v, sum);
	} else {
		out_str(o, key, "not in the dump");
	}
	out_str(o, "event", fd->event);
	put_sections(o, d);
	put_input(o, d);
}

/* ---------------------------------------------------------------- findings */

static const char *conf_name(enum dv_confidence c)
{
	return c == DV_CERTAIN ? "certain" : "likely";
}

static void put_findings_json(struct vx_out *o, const struct dv_findings *fd)
{
	out_array(o, "notes");
	for (size_t i = 0; i < fd->nnotes; i++)
		out_str(o, NULL, fd->notes[i]);
	out_end_array(o);
	out_array(o, "findings");
	for (size_t i = 0; i < fd->n; i++) {
		const struct dv_finding *f = &fd->f[i];
		out_begin(o, NULL);
		out_str(o, "check", f->check);
		out_str(o, "values", f->values);
		out_str(o, "sdm", f->sdm);
		out_str(o, "confidence", conf_name(f->confidence));
		if (f->assumption)
			out_str(o, "assumption", f->assumption);
		out_end(o);
	}
	out_end_array(o);
	out_begin(o, "checks");
	out_int(o, "evaluated", fd->evaluated);
	out_int(o, "skipped", fd->skipped);
	out_int(o, "findings_not_kept", (long long)fd->dropped);
	out_end(o);
}

static void put_findings_text(struct vx_out *o, const struct dv_findings *fd)
{
	out_text(o, "%s", "");
	out_text(o, "What happened:");
	out_text(o, "  %s", fd->event);
	for (size_t i = 0; i < fd->nnotes; i++)
		out_text(o, "  - %s", fd->notes[i]);
	out_text(o, "%s", "");
	out_text(o, "Findings: %zu (%u checks evaluated, %u skipped: inputs not in the dump)",
		 fd->n + fd->dropped, fd->evaluated, fd->skipped);
	if (!fd->n)
		out_text(o, "  none: the dumped values pass every check they allow");
	for (size_t i = 0; i < fd->n; i++) {
		const struct dv_finding *f = &fd->f[i];
		out_text(o, "  %zu. [%s] %s", i + 1, conf_name(f->confidence), f->check);
		out_text(o, "     values: %s", f->values);
		out_text(o, "     SDM: %s", f->sdm);
		if (f->assumption)
			out_text(o, "     assumes: %s", f->assumption);
	}
	if (fd->dropped)
		out_text(o, "  (%zu more findings not shown)", fd->dropped);
}

/* ---------------------------------------------------------------- entry point */

static void report_problems(const struct dec_input *in, const struct vmcs_dump *d)
{
	for (size_t i = 0; i < d->nproblems; i++)
		fprintf(stderr, "vmxsgx: %s:%u: %s\n", in->name, d->problems[i].line,
			d->problems[i].text);
	if (d->problems_dropped)
		fprintf(stderr, "vmxsgx: %s: %zu more problems not shown\n", in->name,
			d->problems_dropped);
}

static void put_dump(struct vx_out *o, const struct dec_input *in, const struct vmcs_dump *d,
		     const struct dv_findings *fd, size_t nr)
{
	out_begin(o, NULL);
	put_headline(o, in, d, fd, nr);
	for (int s = 0; s < DV_NSECTIONS; s++)
		put_section(o, d, (enum dv_section)s);
	if (o->json)
		put_findings_json(o, fd);
	else
		put_findings_text(o, fd);
	out_end(o);
}

int dec_dump_vmcs(struct vx_out *o, const struct dec_opts *opts, const char *path)
{
	(void)opts;
	struct dec_input in;
	if (!dec_input_read(&in, path))
		return 1;
	struct vmcs_dump *d = malloc(sizeof(*d));
	struct dv_findings *fd = malloc(sizeof(*fd));
	size_t pos = 0, nr = 0;
	int rc = 0;
	if (!d || !fd) {
		fprintf(stderr, "vmxsgx: %s: out of memory\n", in.name);
		rc = 1;
	}
	while (!rc && dumpvmcs_parse_next(&in, &pos, d)) {
		dumpvmcs_diagnose(d, fd);
		put_dump(o, &in, d, fd, ++nr);
		report_problems(&in, d);
	}
	if (!rc && !nr && d->nproblems) /* d holds the last (failed) attempt */
		fprintf(stderr, "vmxsgx: %s:%u: %s; %s\n", in.name, d->problems[0].line,
			d->problems[0].text, dumpvmcs_no_dump_reason(&in));
	else if (!rc && !nr)
		fprintf(stderr, "vmxsgx: %s: %s\n", in.name, dumpvmcs_no_dump_reason(&in));
	rc |= !nr;
	free(d);
	free(fd);
	dec_input_free(&in);
	return rc;
}
