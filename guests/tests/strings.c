// SPDX-License-Identifier: MIT
/*
 * String instructions with REP (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ", "MOVS", "STOS",
 * "CMPS", "SCAS", "LODS"): forward and backward (RFLAGS.DF), counts of zero, REPE/REPNE
 * termination with RCX and the flags left as the SDM says, and a copy across a page boundary.
 */
#include "guest.h"

static u8 src[8192], dst[8192];

static void rep_movsb(void *d, const void *s, u64 n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void rep_stosq(void *d, u64 v, u64 n)
{
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static void test_movs_stos(void)
{
	for (int i = 0; i < 8192; i++)
		src[i] = (u8)(i * 7 + 3);
	rep_movsb(dst, src, 8192);
	report(!memcmp(dst, src, 8192), "rep movsb of 8 KiB (page crossings)");
	rep_stosq(dst, 0x0101010101010101ull, 1024);
	bool ok = true;
	for (int i = 0; i < 8192; i++)
		ok &= dst[i] == 1;
	report(ok, "rep stosq fills 8 KiB");
	void *d = dst;
	const void *s = src;
	u64 n = 0;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	report(d == dst && s == src && dst[0] == 1, "count 0: nothing moves, RSI/RDI unchanged");
	/* Backward (DF = 1), overlapping: memmove to a higher address. */
	memcpy(dst, src, 64);
	d = dst + 8 + 63;
	s = dst + 63;
	n = 64;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	report(!memcmp(dst + 8, src, 64) && (u64)d == (u64)dst + 7 && (u64)s == (u64)dst - 1,
	       "DF = 1: backward overlapping copy, pointers decremented");
}

static void test_cmps_scas_lods(void)
{
	memcpy(dst, src, 100);
	dst[57] ^= 0xff;
	const void *a = src, *b = dst;
	u64 n = 100;
	u8 zf;
	__asm__ volatile("repe cmpsb; setz %3"
			 : "+S"(a), "+D"(b), "+c"(n), "=r"(zf)
			 :
			 : "memory", "cc");
	report(n == 100 - 58 && !zf && a == src + 58, "repe cmpsb stops after the mismatch at 57");
	const void *p = src;
	n = 8192;
	u8 want = src[300];
	__asm__ volatile("repne scasb; setz %2" : "+D"(p), "+c"(n), "=r"(zf) : "a"(want) : "cc");
	u64 first = 0;
	while (src[first] != want)
		first++;
	report(zf && p == src + first + 1 && n == 8192 - first - 1,
	       "repne scasb finds the first 0x%x at %lu", want, first);
	const void *l = src + 10;
	u64 acc;
	__asm__ volatile("lodsq" : "+S"(l), "=a"(acc) : : "memory");
	u64 w;
	memcpy(&w, src + 10, 8);
	report(acc == w && l == src + 18, "lodsq loads and advances RSI");
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	test_movs_stos();
	test_cmps_scas_lods();
	return report_summary();
}
