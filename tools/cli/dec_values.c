// SPDX-License-Identifier: MIT
/*
 * Explaining single VMX values: exit reason (SDM 24.9.1 "Basic VM-Exit Information"),
 * interruptibility (24.4.2 "Guest Non-Register State"), interruption information
 * (24.8.3, 24.9.2, 24.9.3), exit qualification (27.2.1 "Basic VM-Exit Information"),
 * control fields (24.6-24.8) and VMCS field encodings (24.11.2).  All tables come from
 * the src/arch .def tables through lib/archinfo.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

bool dec_parse_u64(const char *s, bool hex_default, u64 *v)
{
	while (*s == ' ')
		s++;
	int base = hex_default ? 16 : 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, base);
	if (errno || (*end && *end != ' '))
		return false;
	*v = x;
	return true;
}

const char *dec_reason_name(u32 basic, char *buf, size_t len)
{
	const struct vx_exit_reason_info *r = vx_exit_reason_info(basic);
	if (r)
		return r->name;
	snprintf(buf, len, "reason 0x%x", basic);
	return buf;
}

void dec_exit_reason_summary(u32 v, char *buf, size_t len)
{
	char nb[32];
	u32 basic = v & VMX_EXIT_REASON_BASIC_MASK;
	int n = snprintf(buf, len, "%s (%u)", dec_reason_name(basic, nb, sizeof(nb)), basic);
	static const struct {
		u32 bit;
		const char *what;
	} flags[] = {
	    {VMX_EXIT_REASON_FAILED_VMENTRY, "VM-entry failure"},
	    {VMX_EXIT_REASON_ENCLAVE_MODE, "from enclave mode"},
	    {VMX_EXIT_REASON_BUS_LOCK, "bus lock detected"},
	    {VMX_EXIT_REASON_PENDING_MTF, "pending MTF VM exit"},
	    {VMX_EXIT_REASON_FROM_VMX_ROOT, "from VMX root operation"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags) && n > 0 && (size_t)n < len; i++)
		if (v & flags[i].bit)
			n += snprintf(buf + n, len - n, ", %s", flags[i].what);
	if (n > 0 && (size_t)n < len && (v & VMX_EXIT_REASON_RESERVED))
		snprintf(buf + n, len - n, ", reserved bits 0x%llx set",
			 (unsigned long long)(v & VMX_EXIT_REASON_RESERVED));
}

static void lower(char *dst, const char *src, size_t len)
{
	size_t i = 0;
	for (; src[i] && i + 1 < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void field_text(const struct vx_bitfield *f, enum vx_layout l, u64 x, char *buf, size_t len)
{
	const char *name;
	switch (f->kind) {
	case FK_ENUM:
		name = vx_bitvalue_name(l, f->name, x);
		snprintf(buf, len, "%llu (%s)", (unsigned long long)x, name ? name : "reserved");
		break;
	case FK_GPR:
		snprintf(buf, len, "%llu (%s)", (unsigned long long)x, vx_gpr_name((unsigned)x));
		break;
	case FK_SEG:
		name = vx_sreg_name((unsigned)x);
		snprintf(buf, len, "%llu (%s)", (unsigned long long)x, name ? name : "reserved");
		break;
	case FK_VEC:
		name = vx_vector_mnemonic((unsigned)x);
		if (name)
			snprintf(buf, len, "%llu (%s %s)", (unsigned long long)x, name,
				 vx_vector_desc((unsigned)x));
		else
			snprintf(buf, len, "%llu (0x%llx)", (unsigned long long)x,
				 (unsigned long long)x);
		break;
	case FK_HEX: snprintf(buf, len, "0x%llx", (unsigned long long)x); break;
	default: snprintf(buf, len, "%llu", (unsigned long long)x);
	}
}

static void field_json(struct vx_out *o, const struct vx_bitfield *f, enum vx_layout l, u64 x,
		       const char *key)
{
	const char *name = NULL;
	switch (f->kind) {
	case FK_FLAG: out_bool(o, key, x != 0); return;
	case FK_HEX: out_hex(o, key, x); return;
	case FK_ENUM: name = vx_bitvalue_name(l, f->name, x); break;
	case FK_GPR: name = vx_gpr_name((unsigned)x); break;
	case FK_SEG: name = vx_sreg_name((unsigned)x); break;
	case FK_VEC: name = vx_vector_mnemonic((unsigned)x); break;
	default: out_int(o, key, (long long)x); return;
	}
	out_begin(o, key);
	out_int(o, "value", (long long)x);
	out_str(o, "name", name ? name : "reserved");
	out_end(o);
}

/*
 * Text: one line per non-flag field and per set flag ("BIT 27 ENCLAVE_MODE: VM exit from
 * enclave mode"); JSON: every field, flags as booleans.  Set reserved bits are reported in
 * both.
 */
void dec_layout(struct vx_out *o, const char *key, enum vx_layout l, u64 v, unsigned width)
{
	size_t n;
	const struct vx_bitfield *f = vx_layout_fields(l, &n);
	out_begin(o, key);
	out_hex(o, "value", v);
	if (!o->json)
		out_text(o, "(%s; SDM %s)", vx_layout_title(l), vx_layout_sdm(l));
	/* Interruption-information fields without the valid bit describe no event: their other
	 * bits are stale (24.8.3, 24.9.2, 24.9.3), so text mode does not decode them. */
	bool intr =
	    l == LAYOUT_EXIT_INTR_INFO || l == LAYOUT_IDT_VECTORING || l == LAYOUT_ENTRY_INTR_INFO;
	if (intr && !o->json && !(v & VMX_INTR_INFO_VALID)) {
		out_text(o, "not valid (bit 31 clear): no event%s",
			 v ? "; the other bits are stale" : "");
		out_end(o);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		u64 x = bits_get(v, f[i].hi, f[i].lo);
		char key_lc[48];
		lower(key_lc, f[i].name, sizeof(key_lc));
		if (o->json) {
			field_json(o, &f[i], l, x, key_lc);
			continue;
		}
		char bits[16];
		if (f[i].hi == f[i].lo)
			snprintf(bits, sizeof(bits), "bit %u", f[i].lo);
		else
			snprintf(bits, sizeof(bits), "bits %u:%u", f[i].hi, f[i].lo);
		if (f[i].kind == FK_FLAG) {
			if (x)
				out_text(o, "%-10s %s: %s", bits, f[i].name, f[i].meaning);
			continue;
		}
		char val[96];
		field_text(&f[i], l, x, val, sizeof(val));
		out_text(o, "%-10s %s = %s: %s", bits, f[i].name, val, f[i].meaning);
	}
	u64 rsvd = v & vx_layout_reserved(l, width);
	if (o->json)
		out_hex(o, "reserved_bits_set", rsvd);
	else if (rsvd)
		out_text(o, "reserved bits set: 0x%llx", (unsigned long long)rsvd);
	out_end(o);
}

void dec_exit_reason(struct vx_out *o, const char *key, u32 v)
{
	char sum[160];
	dec_exit_reason_summary(v, sum, sizeof(sum));
	u32 basic = v & VMX_EXIT_REASON_BASIC_MASK;
	const struct vx_exit_reason_info *r = vx_exit_reason_info(basic);
	out_begin(o, key);
	out_hex(o, "value", v);
	out_str(o, "summary", sum);
	out_int(o, "basic", basic);
	out_str(o, "name", r ? r->name : "unknown");
	out_str(o, "description", r ? r->sdm : "not an architectural basic exit reason");
	if (o->json) {
		out_bool(o, "enclave_mode", v & VMX_EXIT_REASON_ENCLAVE_MODE);
		out_bool(o, "failed_vmentry", v & VMX_EXIT_REASON_FAILED_VMENTRY);
		out_bool(o, "bus_lock_detected", v & VMX_EXIT_REASON_BUS_LOCK);
		out_bool(o, "pending_mtf", v & VMX_EXIT_REASON_PENDING_MTF);
		out_bool(o, "from_vmx_root", v & VMX_EXIT_REASON_FROM_VMX_ROOT);
		out_hex(o, "reserved_bits_set", v & VMX_EXIT_REASON_RESERVED);
	} else {
		if (v & VMX_EXIT_REASON_FAILED_VMENTRY)
			out_text(o, "bit 31: VM-entry failure (the exit happened during VM entry; "
				    "only the exit reason and qualification are valid)");
		if (v & VMX_EXIT_REASON_ENCLAVE_MODE)
			out_text(o, "bit 27: VM exit from enclave mode (an AEX happened first: "
				    "guest RIP is the AEP, instruction length is 0)");
		if (v & VMX_EXIT_REASON_BUS_LOCK)
			out_text(o, "bit 26: bus lock detected");
		if (v & VMX_EXIT_REASON_PENDING_MTF)
			out_text(o, "bit 28: pending MTF VM exit");
		if (v & VMX_EXIT_REASON_FROM_VMX_ROOT)
			out_text(o, "bit 29: VM exit from VMX root operation");
		if (v & VMX_EXIT_REASON_RESERVED)
			out_text(o, "reserved bits set: 0x%llx",
				 (unsigned long long)(v & VMX_EXIT_REASON_RESERVED));
		if ((v & VMX_EXIT_REASON_FAILED_VMENTRY) && basic != VMX_EXIT_INVALID_STATE &&
		    basic != VMX_EXIT_MSR_LOAD_FAIL && basic != VMX_EXIT_MCE_DURING_VMENTRY)
			out_text(o, "note: bit 31 is set with a basic reason other than 33, 34 "
				    "or 41");
	}
	out_end(o);
}

void dec_controls(struct vx_out *o, const char *key, unsigned group, u64 v)
{
	size_t n;
	const struct vx_ctl_info *t = vx_ctl_table(&n);
	out_begin(o, key);
	out_hex(o, "value", v);
	if (!o->json)
		out_text(o, "(%s)", vx_ctl_group_name(group));
	out_array(o, "set");
	for (size_t i = 0; i < n; i++) {
		if (t[i].group != group || !(v & BIT(t[i].bit)))
			continue;
		if (o->json)
			out_str(o, NULL, t[i].name);
		else
			out_strf(o, NULL, "bit %2u %s (%s)", t[i].bit, t[i].name, t[i].sdm);
	}
	out_end_array(o);
	u64 other = v & ~vx_ctl_defined_mask(group);
	if (o->json)
		out_hex(o, "reserved_bits_set", other);
	else if (other)
		out_text(o,
			 "reserved bits set: 0x%llx (allowed only where the capability MSR "
			 "fixes them to 1)",
			 (unsigned long long)other);
	out_end(o);
}

/* Exit-qualification layout per basic reason (27.2.1, Tables 27-1 .. 27-7). */
static int qual_layout(u32 basic, u32 intr_info)
{
	switch (basic) {
	case VMX_EXIT_CR_ACCESS: return LAYOUT_QUAL_CR;
	case VMX_EXIT_DR_ACCESS: return LAYOUT_QUAL_DR;
	case VMX_EXIT_IO_INSTRUCTION: return LAYOUT_QUAL_IO;
	case VMX_EXIT_EPT_VIOLATION: return LAYOUT_QUAL_EPT;
	case VMX_EXIT_TASK_SWITCH: return LAYOUT_QUAL_TASK_SWITCH;
	case VMX_EXIT_APIC_ACCESS: return LAYOUT_QUAL_APIC_ACCESS;
	case VMX_EXIT_EXCEPTION_NMI:
		if ((intr_info & VMX_INTR_INFO_VALID) &&
		    (intr_info & VMX_INTR_INFO_VECTOR_MASK) == X86_VEC_DB)
			return LAYOUT_QUAL_DEBUG;
		return -1;
	default: return -1;
	}
}

static const char *qual_plain(u32 basic, u32 intr_info, u64 q, char *buf, size_t len)
{
	unsigned vec = intr_info & VMX_INTR_INFO_VECTOR_MASK;
	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		if ((intr_info & VMX_INTR_INFO_VALID) && vec == X86_VEC_PF)
			snprintf(buf, len,
				 "page-fault linear address 0x%llx (the value CR2 "
				 "would have received)",
				 (unsigned long long)q);
		else
			snprintf(buf, len, "0x%llx (no meaning for this event)",
				 (unsigned long long)q);
		return buf;
	case VMX_EXIT_INVALID_STATE:
		switch (q) {
		case VMX_ENTRY_FAIL_DEFAULT: return "0: no further information";
		case VMX_ENTRY_FAIL_PDPTE: return "2: failure loading the PDPTEs";
		case VMX_ENTRY_FAIL_NMI_STI: return "3: NMI injection with blocking by STI";
		case VMX_ENTRY_FAIL_LINK_POINTER: return "4: invalid VMCS link pointer";
		default: return "not defined for this exit reason";
		}
	case VMX_EXIT_MSR_LOAD_FAIL:
		snprintf(buf, len, "entry %llu of the VM-entry MSR-load area failed (1-based)",
			 (unsigned long long)q);
		return buf;
	case VMX_EXIT_INVLPG:
	case VMX_EXIT_INVPCID:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST:
	case VMX_EXIT_VMREAD:
	case VMX_EXIT_VMWRITE:
	case VMX_EXIT_VMXON:
	case VMX_EXIT_XSAVES:
	case VMX_EXIT_XRSTORS:
	case VMX_EXIT_GDTR_IDTR:
	case VMX_EXIT_LDTR_TR:
		snprintf(buf, len,
			 basic == VMX_EXIT_INVLPG ? "linear address 0x%llx"
						  : "displacement 0x%llx of the memory "
						    "operand",
			 (unsigned long long)q);
		return buf;
	case VMX_EXIT_EPT_MISCONFIG:
		return "not defined (the guest-physical address is in GUEST_PHYSICAL_ADDRESS)";
	default:
		snprintf(buf, len, "0x%llx (not defined for this exit reason)",
			 (unsigned long long)q);
		return buf;
	}
}

void dec_qualification(struct vx_out *o, const char *key, u32 basic, u64 qual, u32 intr_info)
{
	int l = qual_layout(basic, intr_info);
	if (l >= 0) {
		dec_layout(o, key, (enum vx_layout)l, qual, 64);
		return;
	}
	char buf[160];
	out_begin(o, key);
	out_hex(o, "value", qual);
	out_str(o, "meaning", qual_plain(basic, intr_info, qual, buf, sizeof(buf)));
	out_end(o);
}

void dec_field(struct vx_out *o, const char *key, u64 enc)
{
	bool high;
	const struct vx_vmcs_field_info *f = vx_vmcs_field_lookup(enc, &high);
	out_begin(o, key);
	out_hex(o, "encoding", enc);
	if (!f) {
		out_bool(o, "supported", false);
		out_str(o, "meaning",
			enc >> 32 ? "bits 63:32 set: VMREAD/VMWRITE fail with "
				    "VM-instruction error 12"
				  : "not a VMCS field of the current SDM: VMREAD/VMWRITE "
				    "fail with VM-instruction error 12");
	} else {
		out_bool(o, "supported", true);
		out_strf(o, "name", "VMCS_%s", f->name);
		out_str(o, "sdm_name", f->sdm);
		out_str(o, "width", vx_vmcs_width_name(f->width));
		out_str(o, "type", vx_vmcs_type_name(f->type));
		out_str(o, "access", high ? "high (bits 63:32 of the 64-bit field)" : "full");
		out_int(o, "index", VMCS_ENC_INDEX(f->enc));
		out_str(o, "writable",
			f->type == VMCS_TYPE_EXIT_INFO
			    ? "read-only (VMWRITE fails with error 13 unless IA32_VMX_MISC bit 29)"
			    : "read-write");
	}
	out_end(o);
}
