// SPDX-License-Identifier: MIT
/*
 * Differential test, comparison and report.  When the host completed the instruction, the
 * model must too, with the same next RIP, every GPR equal (bits the SDM leaves undefined
 * for this case excluded), RSP untouched, the flags of flag_mask equal and the data page
 * equal (undefined bytes excluded).  When the host faulted, the model must raise the same
 * exception with RIP on the instruction and nothing changed (SDM Vol. 3A 6.5 "Exception
 * Classifications": faults are reported with the state before the instruction).
 * Compiled as part of tests/unit/test_diff.c.
 */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					  "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

static du64 reg_cmp_mask(const struct dcase *c, unsigned k)
{
	return k == c->ign_reg ? ~c->ign_mask : ~0ull;
}

static bool data_ignored(const struct dcase *c, unsigned off)
{
	return off >= c->mem_ign_off && off < (unsigned)c->mem_ign_off + c->mem_ign_len;
}

static int first_data_diff(const struct dcase *c, const du8 *a, const du8 *b)
{
	if (!memcmp(a, b, DIFF_DATA_SIZE))
		return -1;
	for (unsigned k = 0; k < DIFF_DATA_SIZE; k++)
		if (a[k] != b[k] && !data_ignored(c, k))
			return (int)k;
	return -1;
}

/* After a fault: the host's registers are the seed state, and so must the model's be. */
static bool compare_fault(const struct dcase *c, const struct dresult *h, const struct dresult *m,
			  char *why, size_t len)
{
	if (m->rip != h->rip) {
		snprintf(why, len, "fault RIP: host %#llx, model %#llx", (unsigned long long)h->rip,
			 (unsigned long long)m->rip);
		return false;
	}
	for (unsigned k = 0; k < 16; k++) {
		if (k != 4 && h->gpr[k] != m->gpr[k]) {
			snprintf(why, len, "%s changed by a faulting instruction", gpr_names[k]);
			return false;
		}
	}
	if ((h->rflags ^ m->rflags) & DIFF_FLAGS) {
		snprintf(why, len, "RFLAGS changed by a faulting instruction");
		return false;
	}
	if (memcmp(h->data, m->data, DIFF_DATA_SIZE)) {
		snprintf(why, len, "memory changed by a faulting instruction");
		return false;
	}
	(void)c;
	return true;
}

bool diff_compare(const struct dcase *c, const struct dresult *h, const struct dresult *m,
		  char *why, size_t len)
{
	why[0] = 0;
	if (h->fault != m->fault) {
		snprintf(why, len, "host %s %d, model %s %d", h->fault < 0 ? "completes" : "vector",
			 h->fault, m->fault < 0 ? "completes" : "vector", m->fault);
		return false;
	}
	if (h->fault >= 0)
		return compare_fault(c, h, m, why, len);
	if (h->rip != m->rip) {
		snprintf(why, len, "next RIP: host %#llx, model %#llx", (unsigned long long)h->rip,
			 (unsigned long long)m->rip);
		return false;
	}
	if (h->rsp_delta || m->rsp_delta) {
		snprintf(why, len, "RSP moved (host %+lld, model %+lld)", (long long)h->rsp_delta,
			 (long long)m->rsp_delta);
		return false;
	}
	for (unsigned k = 0; k < 16; k++) {
		if (k != 4 && ((h->gpr[k] ^ m->gpr[k]) & reg_cmp_mask(c, k))) {
			snprintf(why, len, "%s differs", gpr_names[k]);
			return false;
		}
	}
	if ((h->rflags ^ m->rflags) & c->flag_mask) {
		snprintf(why, len, "RFLAGS differ in %#llx (compared %#llx)",
			 (unsigned long long)((h->rflags ^ m->rflags) & c->flag_mask),
			 (unsigned long long)c->flag_mask);
		return false;
	}
	int off = first_data_diff(c, h->data, m->data);
	if (off >= 0) {
		snprintf(why, len, "memory differs at %#llx", (unsigned long long)DIFF_DATA + off);
		return false;
	}
	return true;
}

/* ---- report ---- */

static void format_insn(const struct dcase *c, char *out, size_t len)
{
	ZydisDecoder d;
	ZydisFormatter f;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisFormatterInit(&f, ZYDIS_FORMATTER_STYLE_INTEL);
	snprintf(out, len, "(invalid encoding)");
	if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, c->bytes, c->len, &zi, zo)))
		ZydisFormatterFormatInstruction(&f, &zi, zo, zi.operand_count_visible, out, len,
						diff_code_addr(c), NULL);
}

static void print_flags(const char *tag, du64 f)
{
	static const struct {
		du64 bit;
		char name;
	} fl[] = {{DIFF_OF, 'O'}, {DIFF_DF, 'D'}, {DIFF_SF, 'S'}, {DIFF_ZF, 'Z'},
		  {DIFF_AF, 'A'}, {DIFF_PF, 'P'}, {DIFF_CF, 'C'}};
	printf("    %-8s rflags=%#06llx [", tag, (unsigned long long)f);
	for (size_t k = 0; k < sizeof(fl) / sizeof(fl[0]); k++)
		putchar(f & fl[k].bit ? fl[k].name : '-');
	printf("]\n");
}

static void print_regs(const char *tag, const du64 *g, const du64 *other)
{
	printf("    %-8s", tag);
	for (unsigned k = 0; k < 16; k++) {
		if (k == 4)
			continue;
		bool d = other && g[k] != other[k];
		printf("%s%s=%016llx%s", (k && k % 4 == 0) ? "\n             " : " ", gpr_names[k],
		       (unsigned long long)g[k], d ? "*" : " ");
	}
	printf("\n");
}

static void print_result(const char *tag, const struct dresult *r, const du64 *other)
{
	if (r->fault >= 0)
		printf("    %-8s fault vector %d (signal %d) at rip %#llx\n", tag, r->fault, r->sig,
		       (unsigned long long)r->rip);
	else
		printf("    %-8s completed, rip %#llx\n", tag, (unsigned long long)r->rip);
	print_regs(tag, r->gpr, other);
	print_flags(tag, r->rflags);
}

static void print_data_diff(const struct dresult *h, const struct dresult *m)
{
	unsigned shown = 0;
	for (unsigned k = 0; k < DIFF_DATA_SIZE && shown < 16; k++) {
		if (h->data[k] != m->data[k]) {
			printf("    data %#llx: host %02x model %02x\n",
			       (unsigned long long)DIFF_DATA + k, h->data[k], m->data[k]);
			shown++;
		}
	}
}

void diff_report(const struct dcase *c, const struct dresult *h, const struct dresult *m,
		 const char *why, du64 seed)
{
	char text[128];
	format_insn(c, text, sizeof(text));
	printf("diff: MISMATCH %s case %u: %s\n", diff_family_name(c->fam), c->index, why);
	printf("    reproduce: VX_DIFF_SEED=%#llx VX_DIFF_ONLY=%s:%u\n", (unsigned long long)seed,
	       diff_family_name(c->fam), c->index);
	printf("    bytes   ");
	for (unsigned k = 0; k < c->len; k++)
		printf(" %02x", c->bytes[k]);
	printf("   at %#llx: %s\n", (unsigned long long)diff_code_addr(c), text);
	print_regs("initial", c->gpr, NULL);
	print_flags("initial", c->rflags);
	printf("    data page %#llx: %s fill, seed %#llx", (unsigned long long)DIFF_DATA,
	       c->fill == FILL_ALPHABET ? "alphabet" : "random", (unsigned long long)c->seed);
	for (unsigned p = 0; p < c->npatch; p++)
		printf("; [%#llx] = %#llx (%u bytes)",
		       (unsigned long long)DIFF_DATA + c->patch[p].off,
		       (unsigned long long)c->patch[p].val, c->patch[p].size);
	printf("\n    compared flags %#llx", (unsigned long long)c->flag_mask);
	if (c->ign_reg != 0xff)
		printf(", %s bits %#llx undefined", gpr_names[c->ign_reg],
		       (unsigned long long)c->ign_mask);
	printf("\n");
	print_result("host", h, m->gpr);
	print_result("model", m, h->gpr);
	print_data_diff(h, m);
}
