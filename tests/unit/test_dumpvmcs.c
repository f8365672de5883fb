// SPDX-License-Identifier: MIT
/*
 * `vmxsgx decode dump-vmcs`: the parser of KVM dump_vmcs() and Xen vmcs_dump_vcpu() blocks
 * in every layout of shared/spec/diagnostic-formats.md sections 7 and 8 (prefixes, wrapping,
 * quoted-printable, mail quotes, truncation), and the diagnosis against the VM-entry checks
 * of SDM 26.2/26.3.1/26.4.  Assertions are on the parsed struct and the findings, not on
 * printed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dumpvmcs.h"

/* ---- helpers ---- */

static const char *sample(const char *name)
{
	static char path[1024];
	const char *f = __FILE__;
	const char *u = strstr(f, "unit/test_dumpvmcs.c");
	size_t n = u ? (size_t)(u - f) : 0;
	snprintf(path, sizeof(path), "%.*sdata/samples/%s", (int)n, f, name);
	return path;
}

static const char *tmpfile_with(const char *text, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/test_dumpvmcs_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Parses the first dump of text; returns whether there was one.  d and f are heap blocks
 * the caller frees (struct vmcs_dump is large). */
static bool parse_text(const char *text, struct vmcs_dump *d, struct dv_findings *f)
{
	const char *p = tmpfile_with(text, strlen(text));
	struct dec_input in;
	assert_true(dec_input_read(&in, p));
	unlink(p);
	bool ok = dumpvmcs_parse(&in, d);
	if (ok && f)
		dumpvmcs_diagnose(d, f);
	dec_input_free(&in);
	return ok;
}

static bool parse_file(const char *path, struct vmcs_dump *d, struct dv_findings *f)
{
	struct dec_input in;
	assert_true(dec_input_read(&in, path));
	bool ok = dumpvmcs_parse(&in, d);
	if (ok && f)
		dumpvmcs_diagnose(d, f);
	dec_input_free(&in);
	return ok;
}

/* A copy of base with every line containing `match` replaced by `line` (NULL: deleted). */
static char *edit(const char *base, const char *match, const char *line)
{
	size_t cap = strlen(base) + 4096, n = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	for (const char *p = base; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p + 1) : strlen(p);
		bool hit = false;
		for (const char *q = p; q + strlen(match) <= p + len && !hit; q++)
			hit = !strncmp(q, match, strlen(match));
		if (hit && line)
			n += (size_t)snprintf(out + n, cap - n, "%s\n", line);
		else if (!hit)
			n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)len, p);
		p += len;
	}
	return out;
}

/* Index of the first finding whose check text contains all of the words, or -1. */
static int finding(const struct dv_findings *f, const char *w1, const char *w2)
{
	for (size_t i = 0; i < f->n; i++)
		if (strstr(f->f[i].check, w1) && (!w2 || strstr(f->f[i].check, w2)))
			return (int)i;
	return -1;
}

static bool has_note(const struct dv_findings *f, const char *w)
{
	for (size_t i = 0; i < f->nnotes; i++)
		if (strstr(f->notes[i], w))
			return true;
	return strstr(f->event, w) != NULL;
}

struct ctx {
	struct vmcs_dump *d;
	struct dv_findings *f;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	c->d = calloc(1, sizeof(*c->d));
	c->f = calloc(1, sizeof(*c->f));
	*state = c;
	return c && c->d && c->f ? 0 : -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	free(c->d);
	free(c->f);
	free(c);
	return 0;
}

#define D (((struct ctx *)*state)->d)
#define F (((struct ctx *)*state)->f)

/* ---- synthetic dumps (format strings of Linux 6.x vmx.c dump_vmcs()) ---- */

/* Linux >= 5.18 with the "kvm_intel: " prefix: a 64-bit guest, MSR-load failure. */
static const char kvm618[] =
    "[ 5012.113377] kvm_intel: VMCS 00000000b4b7a1a2, last attempted VM-entry on CPU 5\n"
    "[ 5012.113380] kvm_intel: *** Guest State ***\n"
    "[ 5012.113381] kvm_intel: CR0: actual=0x0000000080050033, shadow=0x0000000080050033, "
    "gh_mask=fffffffffffefff7\n"
    "[ 5012.113383] kvm_intel: CR4: actual=0x0000000000372ef0, shadow=0x0000000000370ef0, "
    "gh_mask=fffffffffef87871\n"
    "[ 5012.113384] kvm_intel: CR3 = 0x0000000102f3e002\n"
    "[ 5012.113385] kvm_intel: PDPTR0 = 0x0000000000000000  PDPTR1 = 0x0000000000000000\n"
    "[ 5012.113386] kvm_intel: PDPTR2 = 0x0000000000000000  PDPTR3 = 0x0000000000000000\n"
    "[ 5012.113387] kvm_intel: RSP = 0xffffb1e1c0013e38  RIP = 0xffffffff81e6c3ab\n"
    "[ 5012.113388] kvm_intel: RFLAGS=0x00000246         DR7 = 0x0000000000000400\n"
    "[ 5012.113389] kvm_intel: Sysenter RSP=fffffe0000003000 CS:RIP=0010:ffffffff82001a90\n"
    "[ 5012.113391] kvm_intel: CS:   sel=0x0010, attr=0x0a09b, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113392] kvm_intel: DS:   sel=0x0000, attr=0x1c000, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113393] kvm_intel: SS:   sel=0x0018, attr=0x0c093, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113394] kvm_intel: ES:   sel=0x0000, attr=0x1c000, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113395] kvm_intel: FS:   sel=0x0000, attr=0x1c000, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113396] kvm_intel: GS:   sel=0x0000, attr=0x1c000, limit=0xffffffff, "
    "base=0xffff9c7e7bc00000\n"
    "[ 5012.113397] kvm_intel: GDTR:                           limit=0x0000007f, "
    "base=0xfffffe0000001000\n"
    "[ 5012.113398] kvm_intel: LDTR: sel=0x0000, attr=0x1c000, limit=0xffffffff, "
    "base=0x0000000000000000\n"
    "[ 5012.113399] kvm_intel: IDTR:                           limit=0x00000fff, "
    "base=0xfffffe0000000000\n"
    "[ 5012.113400] kvm_intel: TR:   sel=0x0040, attr=0x0008b, limit=0x00004087, "
    "base=0xfffffe0000003000\n"
    "[ 5012.113401] kvm_intel: EFER= 0x0000000000000d01 (autoload)\n"
    "[ 5012.113402] kvm_intel: PAT = 0x0407050600070106\n"
    "[ 5012.113403] kvm_intel: DebugCtl = 0x0000000000000000  DebugExceptions = "
    "0x0000000000000000\n"
    "[ 5012.113404] kvm_intel: Interruptibility = 00000000  ActivityState = 00000000\n"
    "[ 5012.113405] kvm_intel: InterruptStatus = 00ec\n"
    "[ 5012.113406] kvm_intel: MSR guest autoload:\n"
    "[ 5012.113407] kvm_intel:    0: msr=0xc0000080 value=0x0000000000000d01\n"
    "[ 5012.113408] kvm_intel:    1: msr=0x00000048 value=0x0000000000000000\n"
    "[ 5012.113409] kvm_intel: *** Host State ***\n"
    "[ 5012.113410] kvm_intel: RIP = 0xffffffffc0c4a2b0  RSP = 0xffffb1e1c2a5bd00\n"
    "[ 5012.113411] kvm_intel: CS=0010 SS=0018 DS=0000 ES=0000 FS=0000 GS=0000 TR=0040\n"
    "[ 5012.113412] kvm_intel: FSBase=00007f1a5a1fe640 GSBase=ffff9c7e7bd40000 "
    "TRBase=fffffe0000165000\n"
    "[ 5012.113413] kvm_intel: GDTBase=fffffe0000163000 IDTBase=fffffe0000000000\n"
    "[ 5012.113414] kvm_intel: CR0=0000000080050033 CR3=000000014a2f2001 CR4=0000000000772ef0\n"
    "[ 5012.113415] kvm_intel: Sysenter RSP=fffffe0000165000 CS:RIP=0010:ffffffff82001a90\n"
    "[ 5012.113416] kvm_intel: EFER= 0x0000000000000d01\n"
    "[ 5012.113417] kvm_intel: PAT = 0x0407050600070106\n"
    "[ 5012.113418] kvm_intel: MSR host autoload:\n"
    "[ 5012.113419] kvm_intel:    0: msr=0xc0000080 value=0x0000000000000d01\n"
    "[ 5012.113420] kvm_intel: *** Control State ***\n"
    "[ 5012.113421] kvm_intel: CPUBased=0xb5a06dfa SecondaryExec=0x021217ea "
    "TertiaryExec=0x0000000000000000\n"
    "[ 5012.113422] kvm_intel: PinBased=0x000000ff EntryControls=0000d3ff ExitControls=002befff\n"
    "[ 5012.113423] kvm_intel: ExceptionBitmap=00060042 PFECmask=00000000 PFECmatch=00000000\n"
    "[ 5012.113424] kvm_intel: VMEntry: intr_info=00000000 errcode=00000000 ilen=00000000\n"
    "[ 5012.113425] kvm_intel: VMExit: intr_info=00000000 errcode=00000000 ilen=00000000\n"
    "[ 5012.113426] kvm_intel:         reason=80000022 qualification=0000000000000002\n"
    "[ 5012.113427] kvm_intel: IDTVectoring: info=00000000 errcode=00000000\n"
    "[ 5012.113428] kvm_intel: TSC Offset = 0xfffff6a0d6e4a1b6\n"
    "[ 5012.113429] kvm_intel: TSC Multiplier = 0x0001000000000000\n"
    "[ 5012.113430] kvm_intel: SVI|RVI = 00|ec TPR Threshold = 0x00\n"
    "[ 5012.113431] kvm_intel: APIC-access addr = 0x0000000123456000 virt-APIC addr = "
    "0x000000010a5f2000\n"
    "[ 5012.113432] kvm_intel: PostedIntrVec = 0xf2\n"
    "[ 5012.113433] kvm_intel: EPT pointer = 0x000000011a34c05e\n"
    "[ 5012.113434] kvm_intel: PLE Gap=00000080 Window=00001000\n"
    "[ 5012.113435] kvm_intel: Virtual processor ID = 0x0003\n";

/* Xen 4.4: KVM-like segment lines, CR3 targets, "Guest PAT", 8-digit qualification;
 * an unrestricted guest in real mode, which is valid. */
static const char xen44[] =
    "(XEN) Failed vm entry (exit reason 0x80000021) caused by invalid guest state (0).\n"
    "(XEN) ************* VMCS Area **************\n"
    "(XEN) *** Guest State ***\n"
    "(XEN) CR0: actual=0x0000000000000030, shadow=0x0000000000000010, gh_mask=ffffffffffffffff\n"
    "(XEN) CR4: actual=0x0000000000002000, shadow=0x0000000000000000, gh_mask=ffffffffffffffff\n"
    "(XEN) CR3: actual=0x0000000000800000, target_count=0\n"
    "(XEN)      target0=0000000000000000, target1=0000000000000000\n"
    "(XEN)      target2=0000000000000000, target3=0000000000000000\n"
    "(XEN) RSP = 0x0000000000006fc8 (0x0000000000006fc8)  RIP = 0x0000000000007c5a "
    "(0x0000000000007c5a)\n"
    "(XEN) RFLAGS=0x0000000000000002 (0x0000000000000002)  DR7 = 0x0000000000000400\n"
    "(XEN) Sysenter RSP=0000000000000000 CS:RIP=0000:0000000000000000\n"
    "(XEN) CS: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) DS: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) SS: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) ES: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) FS: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) GS: sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) GDTR:                           limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) LDTR: sel=0x0000, attr=0x00082, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) IDTR:                           limit=0x000003ff, base=0x0000000000000000\n"
    "(XEN) TR: sel=0x0000, attr=0x0008b, limit=0x0000ffff, base=0x0000000000000000\n"
    "(XEN) Guest PAT = 0x0007040600070406\n"
    "(XEN) TSC Offset = ffffff2e4b7c3e2d\n"
    "(XEN) DebugCtl=0000000000000000 DebugExceptions=0000000000000000\n"
    "(XEN) Interruptibility=0000 ActivityState=0000\n"
    "(XEN) *** Host State ***\n"
    "(XEN) RSP = 0xffff83013e6dff98  RIP = 0xffff82c4c01d9bc0\n"
    "(XEN) CS=e008 DS=0000 ES=0000 FS=0000 GS=0000 SS=0000 TR=e040\n"
    "(XEN) FSBase=0000000000000000 GSBase=0000000000000000 TRBase=ffff83013e6e4c80\n"
    "(XEN) GDTBase=ffff83013e6d7000 IDTBase=ffff83013e6e0000\n"
    "(XEN) CR0=000000008005003b CR3=000000012e59b000 CR4=00000000000026f0\n"
    "(XEN) Sysenter RSP=ffff83013e6dffc0 CS:RIP=e008:ffff82c4c0215a80\n"
    "(XEN) Host PAT = 0x0000050100070406\n"
    "(XEN) *** Control State ***\n"
    "(XEN) PinBased=0000003f CPUBased=b6a065fe SecondaryExec=000004eb\n"
    "(XEN) EntryControls=000051ff ExitControls=000fefff\n"
    "(XEN) ExceptionBitmap=00060002 PFECmask=00000000 PFECmatch=00000000\n"
    "(XEN) VMEntry: intr_info=0000000d errcode=00000000 ilen=00000000\n"
    "(XEN) VMExit: intr_info=00000000 errcode=00000000 ilen=00000003\n"
    "(XEN)         reason=80000021 qualification=00000000\n"
    "(XEN) IDTVectoring: info=00000000 errcode=00000000\n"
    "(XEN) TPR Threshold = 0x00\n"
    "(XEN) EPT pointer = 0x000000012e5a501e\n"
    "(XEN) Virtual processor ID = 0x0005\n"
    "(XEN) **************************************\n"
    "(XEN) domain_crash called from vmx.c:2500\n";

/* Prefix-less pre-5.13 KVM dump of a guest that runs with unrestricted guest (secondary
 * bit 7) and CR0.PG but not CR0.PE. */
static const char kvm_pg_nope[] =
    "*** Guest State ***\n"
    "CR0: actual=0x0000000080000030, shadow=0x0000000080000030, gh_mask=ffffffffffffffff\n"
    "CR4: actual=0x0000000000002000, shadow=0x0000000000000000, gh_mask=ffffffffffffffff\n"
    "CR3 = 0x0000000000001000\n"
    "RSP = 0x0000000000007000  RIP = 0x0000000000007c00\n"
    "RFLAGS=0x00000002         DR7 = 0x0000000000000400\n"
    "Sysenter RSP=0000000000000000 CS:RIP=0000:0000000000000000\n"
    "CS:   sel=0x0000, attr=0x0009b, limit=0x0000ffff, base=0x0000000000000000\n"
    "DS:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "SS:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "ES:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "FS:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "GS:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000\n"
    "GDTR:                           limit=0x0000ffff, base=0x0000000000000000\n"
    "LDTR: sel=0x0000, attr=0x00082, limit=0x0000ffff, base=0x0000000000000000\n"
    "IDTR:                           limit=0x0000ffff, base=0x0000000000000000\n"
    "TR:   sel=0x0000, attr=0x0008b, limit=0x0000ffff, base=0x0000000000000000\n"
    "EFER =     0x0000000000000000  PAT = 0x0007040600070406\n"
    "DebugCtl = 0x0000000000000000  DebugExceptions = 0x0000000000000000\n"
    "Interruptibility = 00000000  ActivityState = 00000000\n"
    "*** Host State ***\n"
    "RIP = 0xffffffffc0a1b2c0  RSP = 0xffffa0c1c3d4bd40\n"
    "CS=0010 SS=0018 DS=0000 ES=0000 FS=0000 GS=0000 TR=0040\n"
    "FSBase=00007f0000000000 GSBase=ffff888000000000 TRBase=fffffe0000003000\n"
    "GDTBase=fffffe0000001000 IDTBase=fffffe0000000000\n"
    "CR0=0000000080050033 CR3=0000000100000000 CR4=00000000003726e0\n"
    "Sysenter RSP=fffffe0000003000 CS:RIP=0010:ffffffff81a01520\n"
    "EFER = 0x0000000000000d01  PAT = 0x0407050600070106\n"
    "*** Control State ***\n"
    "PinBased=0000007f CPUBased=b5986dfa SecondaryExec=000028ea\n"
    "EntryControls=0000d1ff ExitControls=002befff\n"
    "ExceptionBitmap=00060042 PFECmask=00000000 PFECmatch=00000000\n"
    "VMEntry: intr_info=00000000 errcode=00000000 ilen=00000000\n"
    "VMExit: intr_info=00000000 errcode=00000000 ilen=00000000\n"
    "        reason=80000021 qualification=0000000000000000\n"
    "IDTVectoring: info=00000000 errcode=00000000\n"
    "TSC Offset = 0xffffffb0a0000000\n"
    "EPT pointer = 0x000000010000005e\n"
    "PLE Gap=00000080 Window=00001000\n"
    "Virtual processor ID = 0x0001\n";

/* ---- the samples ---- */

static void test_sample_02_kvm_old(void **state)
{
	assert_true(parse_file(sample("dump_vmcs_02.txt"), D, F));
	assert_int_equal(D->producer, DV_PROD_KVM);
	assert_int_equal(D->era, DV_ERA_KVM_OLD);
	assert_non_null(strstr(D->prefix, "dmesg"));
	assert_int_equal(D->joined_lines, 16); /* mail-wrapped lines put back together */
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(D->nproblems, 0);
	for (int s = 0; s < DV_NSECTIONS; s++)
		assert_true(D->section_header[s]);
	assert_int_equal(D->f[DV_F_CR0].v, 0x80000031);
	assert_int_equal(D->f[DV_F_CR0_SHADOW].v, 0xe0000031); /* from a wrapped line */
	assert_int_equal(D->f[DV_F_CR4_MASK].v, 0xffffffffffffe871);
	assert_int_equal(D->f[DV_F_PENDING_DBG].v, 0); /* value alone on the next line */
	assert_true(dv_has(D, DV_F_PENDING_DBG));
	assert_int_equal(D->seg[DV_DS].ar.v, 0x0c0f2);
	assert_int_equal(D->seg[DV_CS].base.v, 0x2110000);
	assert_int_equal(D->seg[DV_IDTR].limit.v, 0x7ff);
	assert_int_equal(D->f[DV_F_H_TR_BASE].v, 0xfffffe0000102000);
	assert_int_equal(D->f[DV_F_H_CR4].v, 0x1626e0);
	assert_int_equal(D->f[DV_F_PROC2].v, 0x2c6a);
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0x80000021);
	assert_int_equal(D->f[DV_F_PFEC_MATCH].v, 0);
	assert_true(dv_has(D, DV_F_PFEC_MATCH));
	assert_int_equal(D->f[DV_F_VPID].v, 1);
	/* DS and ES: type 2 lacks the accessed bit; everything else in the dump passes */
	assert_int_equal(F->n, 2);
	int ds = finding(F, "DS:", "accessed"), es = finding(F, "ES:", "accessed");
	assert_true(ds >= 0 && es >= 0);
	assert_string_equal(F->f[ds].sdm, "26.3.1.2 Checks on Guest Segment Registers");
	assert_int_equal(F->f[ds].confidence, DV_CERTAIN);
	assert_non_null(strstr(F->f[ds].values, "0x0c0f2"));
	assert_non_null(strstr(F->event, "invalid guest state"));
}

static void test_sample_06_xen48(void **state)
{
	assert_true(parse_file(sample("dump_vmcs_06.txt"), D, F));
	assert_int_equal(D->producer, DV_PROD_XEN);
	assert_int_equal(D->era, DV_ERA_XEN_46);
	assert_string_equal(D->prefix, "(XEN)");
	assert_int_equal(D->xen_domain.v, 3);
	assert_true(D->xen_vcpu.present);
	assert_int_equal(D->xen_vcpu.v, 0);
	assert_int_equal(D->f[DV_F_RIP].v, 0x209997);
	assert_int_equal(D->f[DV_F_XEN_RIP].v, 0x209998); /* "(0x...)" after a wrapped "RIP = " */
	assert_int_equal(D->f[DV_F_XEN_RFLAGS].v, 0x297);
	assert_int_equal(D->seg[DV_CS].sel.v, 8); /* the column table */
	assert_int_equal(D->seg[DV_CS].ar.v, 0x0a099);
	assert_int_equal(D->seg[DV_FS].ar.v, 0x1c000);
	assert_int_equal(D->seg[DV_GDTR].limit.v, 0x27);
	assert_int_equal(D->seg[DV_GDTR].base.v, 0x3e13c0);
	assert_false(D->seg[DV_GDTR].sel.present);
	assert_int_equal(D->f[DV_F_H_RIP].v, 0xffff82d08031dd30);
	assert_int_equal(D->f[DV_F_H_RSP].v, 0xffff83009c057f70);
	assert_int_equal(D->f[DV_F_TSC_MULTIPLIER].v, 0);
	assert_true(dv_has(D, DV_F_TSC_MULTIPLIER));
	assert_int_equal(D->f[DV_F_EPTP_INDEX].v, 0);
	assert_int_equal(D->f[DV_F_VMFUNC].v, 0);
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0xc);
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(F->n, 0); /* a live VMCS: every check passes */
	assert_true(F->evaluated > 100);
	assert_true(has_note(F, "debug-key"));
}

static void test_no_dump_samples(void **state)
{
	(void)state;
	const char *files[] = {"kvm_exit_02.txt", "perf_kvm_stat_01.txt"};
	for (size_t i = 0; i < 2; i++) {
		struct dec_input in;
		struct vmcs_dump *d = malloc(sizeof(*d));
		assert_true(dec_input_read(&in, sample(files[i])));
		assert_false(dumpvmcs_parse(&in, d));
		assert_non_null(strstr(dumpvmcs_no_dump_reason(&in), "kvm-trace"));
		assert_non_null(strstr(dumpvmcs_no_dump_reason(&in), "no VMCS dump"));
		dec_input_free(&in);
		free(d);
	}
}

/* ---- KVM layouts and prefixes ---- */

static void test_kvm_518_kvm_intel_prefix(void **state)
{
	assert_true(parse_text(kvm618, D, F));
	assert_int_equal(D->producer, DV_PROD_KVM);
	assert_int_equal(D->era, DV_ERA_KVM_518);
	assert_non_null(strstr(D->prefix, "kernel tag"));
	assert_string_equal(D->vmcs_ptr, "00000000b4b7a1a2");
	assert_int_equal(D->last_cpu.v, 5);
	assert_int_equal(D->f[DV_F_PROC].v, 0xb5a06dfa);
	assert_int_equal(D->f[DV_F_PROC2].v, 0x021217ea);
	assert_true(dv_has(D, DV_F_PROC3));
	assert_int_equal(D->f[DV_F_PIN].v, 0xff);
	assert_int_equal(D->f[DV_F_ENTRY].v, 0xd3ff);
	assert_int_equal(D->f[DV_F_SVI].v, 0);
	assert_int_equal(D->f[DV_F_RVI].v, 0xec);
	assert_int_equal(D->f[DV_F_TPR_THRESHOLD].v, 0);
	assert_int_equal(D->f[DV_F_APIC_ACCESS_ADDR].v, 0x123456000);
	assert_int_equal(D->f[DV_F_VAPIC_ADDR].v, 0x10a5f2000);
	assert_int_equal(D->f[DV_F_PI_VECTOR].v, 0xf2);
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(D->nproblems, 0);
	/* MSR-load failure at entry 2 (1-based): IA32_SPEC_CTRL, no rule of 26.4 broken */
	assert_int_equal(F->n, 0);
	assert_true(has_note(F, "loading MSRs"));
	assert_true(has_note(F, "IA32_SPEC_CTRL"));
}

static void test_kvm_513_efer_variants_msr_lists(void **state)
{
	char *a = edit(kvm618, "CPUBased=0x", "CPUBased=b5a06dfa SecondaryExec=021217ea");
	char *b = edit(a, "PinBased=0x",
		       "PinBased=000000ff EntryControls=0000d3ff ExitControls=002befff");
	assert_true(parse_text(b, D, F));
	assert_int_equal(D->era, DV_ERA_KVM_513);
	assert_string_equal(D->efer_source, "autoload");
	assert_int_equal(D->f[DV_F_EFER].v, 0xd01);
	assert_int_equal(D->f[DV_F_H_EFER].v, 0xd01);
	assert_int_equal(D->f[DV_F_PAT].v, 0x0407050600070106); /* "PAT = " on its own line */
	assert_int_equal(D->f[DV_F_H_PAT].v, 0x0407050600070106);
	const struct dv_msrlist *g = &D->msrs[DV_MSR_GUEST_LOAD], *h = &D->msrs[DV_MSR_HOST_LOAD];
	assert_true(g->present && h->present);
	assert_false(D->msrs[DV_MSR_GUEST_STORE].present);
	assert_int_equal(g->n, 2);
	assert_int_equal(g->e[0].msr, 0xc0000080);
	assert_int_equal(g->e[1].idx, 1);
	assert_int_equal(g->e[1].msr, 0x48);
	assert_int_equal(h->n, 1);
	assert_int_equal(h->e[0].value, 0xd01);
	free(b);
	free(a);
	a = edit(kvm618, "EFER= 0x0000000000000d01 (autoload)",
		 "EFER= 0x0000000000000500 (effective)");
	assert_true(parse_text(a, D, NULL));
	assert_string_equal(D->efer_source, "effective");
	assert_int_equal(D->f[DV_F_EFER].v, 0x500);
	free(a);
	/* an x2APIC MSR in the VM-entry MSR-load list breaks 26.4 */
	a = edit(kvm618, "1: msr=0x00000048",
		 "[ 5012.113408] kvm_intel:    1: msr=0x00000830 value=0x0000000000000000");
	assert_true(parse_text(a, D, F));
	int i = finding(F, "x2APIC", NULL);
	assert_true(i >= 0);
	assert_string_equal(F->f[i].sdm, "26.4 Loading MSRs");
	free(a);
}

static void test_syslog_prefix_and_enclave_exit(void **state)
{
	/* syslog prefix on every line; reason 0x08000030 = EPT violation from enclave mode */
	char *a = edit(kvm618, "reason=",
		       "Jun 18 12:34:56 hv1 kernel: kvm_intel:         reason=08000030 "
		       "qualification=0000000000000181");
	char *b = edit(a, "Interruptibility",
		       "Jun 18 12:34:56 hv1 kernel: kvm_intel: Interruptibility = 00000010  "
		       "ActivityState = 00000000");
	char *c = edit(b, "RSP = 0xffffb1e1c0013e38",
		       "Jun 18 12:34:56 hv1 kernel: kvm_intel: RSP = 0x00007f12a0ffef00  RIP = "
		       "0x00007f12a0001000");
	assert_true(parse_text(c, D, F));
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0x08000030);
	assert_int_equal(D->f[DV_F_INTERRUPTIBILITY].v, 0x10);
	assert_int_equal(D->f[DV_F_RIP].v, 0x7f12a0001000);
	assert_non_null(strstr(F->event, "from enclave mode"));
	assert_non_null(strstr(F->event, "EPT_VIOLATION"));
	assert_true(has_note(F, "AEP"));
	assert_false(has_note(F, "inconsistent")); /* bit 27 with interruptibility bit 4 */
	assert_int_equal(finding(F, "enclave", NULL), -1);
	free(c);
	free(b);
	free(a);
	/* the whole dump behind syslog prefixes */
	size_t cap = sizeof(kvm618) * 2, n = 0;
	char *s = calloc(1, cap);
	for (const char *p = kvm618; *p;) {
		const char *e = strchr(p, '\n');
		const char *pay = strstr(p, "kvm_intel: ") + 11;
		n += (size_t)snprintf(s + n, cap - n, "Jun 18 12:34:56 hv1 kernel: %.*s",
				      (int)(e - pay + 1), pay);
		p = e + 1;
	}
	assert_true(parse_text(s, D, F));
	assert_non_null(strstr(D->prefix, "syslog"));
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0x80000022);
	assert_int_equal(D->msrs[DV_MSR_GUEST_LOAD].n, 2);
	assert_int_equal(D->unknown_lines, 0);
	free(s);
}

static void test_interruptibility_12_failure(void **state)
{
	char *a = edit(kvm618, "reason=", "        reason=80000021 qualification=0000000000000000");
	char *b =
	    edit(a, "Interruptibility", "Interruptibility = 00000012  ActivityState = 00000000");
	assert_true(parse_text(b, D, F));
	int i = finding(F, "bit 4 (enclave interruption)", "MOV SS");
	assert_true(i >= 0);
	assert_string_equal(F->f[i].sdm, "26.3.1.5 Checks on Guest Non-Register State");
	assert_int_equal(F->f[i].confidence, DV_CERTAIN);
	assert_non_null(strstr(F->f[i].values, "0x00000012"));
	assert_true(has_note(F, "enclave interruption"));
	free(b);
	free(a);
}

static void test_cr0_pg_without_pe(void **state)
{
	assert_true(parse_text(kvm_pg_nope, D, F));
	assert_int_equal(D->era, DV_ERA_KVM_OLD);
	assert_string_equal(D->prefix, "");
	int i = finding(F, "CR0.PG", "CR0.PE");
	assert_true(i >= 0);
	assert_int_equal(F->f[i].confidence, DV_CERTAIN);
	assert_string_equal(
	    F->f[i].sdm, "26.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs");
	assert_int_equal(F->n, 1); /* unrestricted guest is on: PE = 0 alone is fine */
}

static void test_real_mode_cs_without_unrestricted_guest(void **state)
{
	char *a =
	    edit(kvm_pg_nope,
		 "SecondaryExec=", "PinBased=0000007f CPUBased=b5986dfa SecondaryExec=0000286a");
	char *b = edit(
	    a, "CR0: actual",
	    "CR0: actual=0x0000000000000030, shadow=0x0000000000000030, gh_mask=ffffffffffffffff");
	char *c = edit(b, "CS:   sel",
		       "CS:   sel=0x0000, attr=0x00093, limit=0x0000ffff, base=0x0000000000000000");
	assert_true(parse_text(c, D, F));
	int cs = finding(F, "CS: the type", NULL), cr0 = finding(F, "IA32_VMX_CR0_FIXED0", NULL);
	assert_true(cs >= 0 && cr0 >= 0);
	assert_int_equal(F->f[cs].confidence, DV_CERTAIN);
	assert_int_equal(F->f[cr0].confidence, DV_LIKELY); /* depends on a capability MSR */
	assert_non_null(F->f[cr0].assumption);
	free(c);
	free(b);
	free(a);
}

static void test_ftrace_prefix(void **state)
{
	/* trace_printk copies: "comm-pid [cpu] flags ts: bprint: func: payload" */
	size_t cap = sizeof(kvm618) * 3, n = 0;
	char *s = calloc(1, cap);
	for (const char *p = kvm618; *p;) {
		const char *e = strchr(p, '\n');
		const char *pay = strstr(p, "kvm_intel: ") + 11;
		n += (size_t)snprintf(s + n, cap - n,
				      " qemu-system-x86-4242 [003] d..1. 5012.113377: bprint: "
				      "      %s: %.*s",
				      strstr(pay, "msr=") ? "vmx_dump_msrs" : "dump_vmcs",
				      (int)(e - pay + 1), pay);
		p = e + 1;
	}
	assert_true(parse_text(s, D, F));
	assert_non_null(strstr(D->prefix, "other"));
	assert_string_equal(D->vmcs_ptr, "00000000b4b7a1a2");
	assert_int_equal(D->msrs[DV_MSR_GUEST_LOAD].n, 2);
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0x80000022);
	assert_int_equal(D->f[DV_F_CR0_MASK].v, 0xfffffffffffefff7);
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(D->nproblems, 0);
	free(s);
}

static void test_context_lines(void **state)
{
	/* QEMU's register dump before the KVM dump must not start a dump of its own; its
	 * "hardware error" line after the dump belongs to the dump */
	size_t cap = sizeof(kvm_pg_nope) + 1024;
	char *s = calloc(1, cap);
	snprintf(s, cap,
		 "KVM: entry failed, hardware error 0x80000021\n"
		 "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
		 "ES =0000 00000000 0000ffff 00009300\n"
		 "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n"
		 "EFER=0000000000000000\n"
		 "%s"
		 "kvm [4242]: vcpu0, guest rIP: 0x7c00 vmx: unexpected exit reason 0x41\n",
		 kvm_pg_nope);
	assert_true(parse_text(s, D, F));
	assert_int_equal(D->first_line, 6);
	assert_true(D->qemu_hw_error.present);
	assert_int_equal(D->qemu_hw_error.v, 0x80000021);
	assert_int_equal(D->f[DV_F_H_CR0].v, 0x80050033); /* not QEMU's CR0=60000010 */
	assert_int_equal(D->f[DV_F_EFER].v, 0);
	assert_int_equal(D->unknown_lines, 0);
	assert_true(has_note(F, "KVM_EXIT_FAIL_ENTRY"));
	/* Xen: a VMLAUNCH failure (VM-instruction error 7) before the dump */
	char *x = edit(xen44, "Failed vm entry", "(XEN) d1v0 VMLAUNCH error: 0x7");
	assert_true(parse_text(x, D, F));
	assert_int_equal(D->xen_vmfail_error.v, 7);
	assert_false(D->xen_fail_reason.present);
	assert_true(has_note(F, "VMfail"));
	free(x);
	free(s);
}

/* ---- Xen layouts ---- */

static void test_xen44(void **state)
{
	assert_true(parse_text(xen44, D, F));
	assert_int_equal(D->producer, DV_PROD_XEN);
	assert_int_equal(D->era, DV_ERA_XEN_44);
	assert_int_equal(D->xen_fail_reason.v, 0x80000021);
	assert_int_equal(D->f[DV_F_CR3].v, 0x800000);
	assert_int_equal(D->f[DV_F_CR3_TARGET_COUNT].v, 0);
	assert_true(dv_has(D, DV_F_CR3_TARGET_COUNT));
	assert_int_equal(D->f[DV_F_PAT].v, 0x0007040600070406);
	assert_int_equal(D->f[DV_F_H_PAT].v, 0x0000050100070406);
	assert_int_equal(D->f[DV_F_TSC_OFFSET].v, 0xffffff2e4b7c3e2d);
	assert_int_equal(D->f[DV_F_XEN_RFLAGS].v, 2);
	assert_int_equal(D->seg[DV_CS].ar.v, 0x93);
	assert_int_equal(D->f[DV_F_H_SS].v, 0);
	assert_true(dv_has(D, DV_F_H_SS));
	assert_int_equal(D->f[DV_F_EXIT_QUAL].v, 0);
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(D->nproblems, 0);
	for (int s = 0; s < DV_NSECTIONS; s++)
		assert_true(dumpvmcs_section_present(D, (enum dv_section)s));
	assert_int_equal(F->n, 0); /* unrestricted guest: a real-mode CS is allowed */
	assert_true(has_note(F, "does not show"));
}

static void test_xen419_split_controls(void **state)
{
	struct dec_input in;
	assert_true(dec_input_read(&in, sample("dump_vmcs_06.txt")));
	size_t cap = 16384, n = 0;
	char *s = calloc(1, cap);
	for (size_t i = 1; i < in.n; i++) {
		const char *t = in.lines[i].text;
		if (strstr(t, "PinBased="))
			t = "(XEN) PinBased=0000003f CPUBased=b6a065fa\n"
			    "(XEN) SecondaryExec=000014eb TertiaryExec=0000000000000000";
		else if (strstr(t, "EFER = 0x0000000000000000  PAT = 0x0007040600070406"))
			t = "(XEN) EFER(VMCS) = 0x0000000000000d01  PAT = 0x0007040600070406\n"
			    "(XEN) SPEC_CTRL mask = 0x0000000000000003  shadow = "
			    "0x0000000000000001";
		n += (size_t)snprintf(s + n, cap - n, "%s\n", t);
	}
	dec_input_free(&in);
	assert_true(parse_text(s, D, F));
	assert_int_equal(D->era, DV_ERA_XEN_419);
	assert_int_equal(D->f[DV_F_PIN].v, 0x3f);
	assert_int_equal(D->f[DV_F_PROC2].v, 0x14eb);
	assert_true(dv_has(D, DV_F_PROC3));
	assert_string_equal(D->efer_source, "VMCS");
	assert_int_equal(D->f[DV_F_EFER].v, 0xd01);
	assert_int_equal(D->f[DV_F_SPEC_CTRL_MASK].v, 3);
	assert_int_equal(D->f[DV_F_SPEC_CTRL_SHADOW].v, 1);
	assert_int_equal(D->f[DV_F_H_EFER].v, 0);
	assert_int_equal(D->unknown_lines, 0);
	free(s);
}

static void test_xen_two_vcpus(void **state)
{
	/* the 'v' debug key dumps every vCPU: two dumps, each with its own identity */
	struct dec_input in;
	assert_true(dec_input_read(&in, sample("dump_vmcs_06.txt")));
	size_t cap = 32768, n = 0;
	char *s = calloc(1, cap);
	for (int copy = 0; copy < 2; copy++)
		for (size_t i = 1; i < in.n; i++)
			if (copy == 0 || !strstr(in.lines[i].text, "VMCS Areas"))
				n += (size_t)snprintf(s + n, cap - n, "%s\n",
						      copy && strstr(in.lines[i].text, "VCPU 0")
							  ? "(XEN)   VCPU 1"
							  : in.lines[i].text);
	dec_input_free(&in);
	const char *p = tmpfile_with(s, strlen(s));
	assert_true(dec_input_read(&in, p));
	unlink(p);
	size_t pos = 0;
	assert_true(dumpvmcs_parse_next(&in, &pos, D));
	assert_int_equal(D->xen_vcpu.v, 0);
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0xc);
	assert_true(dumpvmcs_parse_next(&in, &pos, D));
	assert_int_equal(D->xen_vcpu.v, 1);
	assert_int_equal(D->xen_domain.v, 3);
	assert_int_equal(D->seg[DV_TR].ar.v, 0x8b);
	assert_false(dumpvmcs_parse_next(&in, &pos, D));
	dec_input_free(&in);
	free(s);
}

/* ---- transport damage ---- */

static char *sample_text(void)
{
	FILE *f = fopen(sample("dump_vmcs_02.txt"), "rb");
	assert_non_null(f);
	char *s = calloc(1, 65536);
	size_t n = fread(s, 1, 65535, f);
	fclose(f);
	s[n] = '\0';
	return s;
}

static void test_quoted_printable_copy(void **state)
{
	/* '=' as =3D, long lines broken with soft "=" line ends, as mailers send it */
	char *src = sample_text(), *qp = calloc(1, 200000);
	size_t n = 0, col = 0;
	for (const char *p = strchr(src, '\n') + 1; *p; p++) {
		const char *tok = *p == '=' ? "=3D" : NULL;
		size_t len = tok ? 3 : 1;
		if (*p == '\n') {
			qp[n++] = '\n';
			col = 0;
			continue;
		}
		if (col + len > 72) {
			n += (size_t)sprintf(qp + n, "=\n");
			col = 0;
		}
		n += (size_t)sprintf(qp + n, "%.*s", (int)len, tok ? tok : p);
		col += len;
	}
	assert_true(parse_text(qp, D, F));
	assert_true(D->quoted_printable);
	assert_int_equal(D->f[DV_F_CR0_SHADOW].v, 0xe0000031);
	assert_int_equal(D->seg[DV_ES].ar.v, 0x0c0f2);
	assert_int_equal(D->unknown_lines, 0);
	assert_int_equal(F->n, 2);
	assert_true(finding(F, "DS:", "accessed") >= 0);
	free(qp);
	free(src);
}

static void test_mail_quoted_copy(void **state)
{
	char *src = sample_text(), *q = calloc(1, 200000);
	size_t n = 0;
	for (const char *p = src; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p + 1) : strlen(p);
		n += (size_t)sprintf(q + n, "> > %.*s", (int)len, p);
		p += len;
	}
	assert_true(parse_text(q, D, F));
	assert_true(D->mail_quoted);
	assert_int_equal(D->joined_lines, 16);
	assert_int_equal(D->f[DV_F_EXIT_REASON].v, 0x80000021);
	assert_int_equal(F->n, 2);
	free(q);
	free(src);
}

static void test_truncated_dump(void **state)
{
	/* cut inside the host state: Control State missing, said so, checks skipped */
	char *src = sample_text();
	char *cut = strstr(src, "CS=0010 SS=0018");
	assert_non_null(cut);
	*cut = '\0';
	assert_true(parse_text(src, D, F));
	assert_true(dumpvmcs_section_present(D, DV_SEC_GUEST));
	assert_true(dumpvmcs_section_present(D, DV_SEC_HOST));
	assert_false(dumpvmcs_section_present(D, DV_SEC_CONTROL));
	assert_false(dv_has(D, DV_F_EXIT_REASON));
	assert_true(has_note(F, "Control State is missing"));
	assert_true(F->skipped > 0);
	/* the checks that need no controls still run: DS and ES lack the accessed bit */
	assert_true(finding(F, "DS:", "accessed") >= 0);
	assert_true(finding(F, "ES:", "accessed") >= 0);
	assert_int_equal(finding(F, "CS: the type", NULL), -1); /* needs "unrestricted guest" */
	assert_non_null(strstr(F->event, "not in the dump"));
	free(src);
}

static void test_unknown_lines_and_bad_values(void **state)
{
	char *a = edit(kvm_pg_nope, "DebugCtl",
		       "DebugCtl = 0x0000000000000000  DebugExceptions = 0x0000000000000000\nthis "
		       "line is not part of any dump");
	char *b = edit(a, "DS:   sel",
		       "DS:   sel=0x0000, attr=0x0g093, limit=0x0000ffff, base=0x0000000000000000");
	assert_true(parse_text(b, D, F));
	assert_int_equal(D->unknown_lines, 1);
	assert_int_equal(D->unknown_at[0], 20);
	assert_int_equal(D->nproblems, 1);
	assert_int_equal(D->problems[0].line, 9);
	assert_non_null(strstr(D->problems[0].text, "0x0g093"));
	assert_false(D->seg[DV_DS].ar.present);
	assert_true(D->seg[DV_DS].limit.present);
	free(b);
	free(a);
}

static void test_garbage_never_fatal(void **state)
{
	/* random text, binary-ish bytes, lone dump fragments, absurd lengths */
	static const char *const junk[] = {
	    "",
	    "\n\n\n",
	    "hello world\n= = =\n",
	    "CR0: actual=zz\n",
	    "*** Guest State ***\n",
	    "CS: 1 2\nGDTR:\nreason=\n",
	    "VMCS , last attempted VM-entry on CPU \n",
	    "(XEN) VCPU 99999999999999999999999\n",
	    "  0: msr=0x1 value=0x2\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		bool ok = parse_text(junk[i], D, F);
		(void)ok; /* some fragments are (empty) dumps; none may crash */
	}
	assert_false(parse_text("hello world\n= = =\n", D, NULL));
	assert_false(parse_text("CR0: actual=zz\n", D, NULL));
	assert_int_equal(D->nproblems, 1);
	assert_true(parse_text("*** Guest State ***\n", D, F));
	assert_false(dumpvmcs_section_present(D, DV_SEC_CONTROL));
	char *big = malloc(300000);
	for (size_t i = 0; i < 299999; i++)
		big[i] = (char)(i % 7 ? 'A' + i % 26 : (i % 3 ? '=' : ' '));
	big[299999] = '\0';
	assert_false(parse_text(big, D, NULL));
	srand(7);
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < 4095; i++)
			big[i] = (char)(1 + rand() % 255);
		big[4095] = '\0';
		parse_text(big, D, F);
	}
	free(big);
}

static void test_cli_entry(void **state)
{
	(void)state;
	struct vx_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_init(&o, f, false);
	struct dec_opts opts = {0};
	assert_int_equal(dec_dump_vmcs(&o, &opts, sample("dump_vmcs_02.txt")), 0);
	out_init(&o, f, true);
	opts.json = true;
	assert_int_equal(dec_dump_vmcs(&o, &opts, sample("dump_vmcs_06.txt")), 0);
	assert_int_equal(dec_dump_vmcs(&o, &opts, sample("kvm_exit_02.txt")), 1);
	fclose(f);
	assert_non_null(strstr(buf, "Findings: 2"));
	assert_non_null(strstr(buf, "\n{\"file\":"));
	assert_non_null(strstr(buf, "\"producer\":\"Xen vmcs_dump_vcpu()\""));
	assert_non_null(strstr(buf, "\"findings\":[]"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sample_02_kvm_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sample_06_xen48, setup, teardown),
	    cmocka_unit_test(test_no_dump_samples),
	    cmocka_unit_test_setup_teardown(test_kvm_518_kvm_intel_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kvm_513_efer_variants_msr_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_prefix_and_enclave_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interruptibility_12_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cr0_pg_without_pe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_mode_cs_without_unrestricted_guest, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ftrace_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_context_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xen44, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xen419_split_controls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xen_two_vcpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quoted_printable_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mail_quoted_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_dump, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_lines_and_bad_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_never_fatal, setup, teardown),
	    cmocka_unit_test(test_cli_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
