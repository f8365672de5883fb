// SPDX-License-Identifier: MIT
/*
 * gcc-compiled division: 64-bit DIV/IDIV (through volatile operands so nothing folds),
 * division by constants (multiply-high sequences), unsigned and signed __int128 division
 * (__udivti3, __umodti3, __divti3, __modti3 from -lgcc), and #DE for a zero divisor and for
 * INT64_MIN / -1 (SDM Vol. 2A "DIV", "IDIV": quotient too large).  Expected values were
 * computed independently.
 */
#include "guest.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

#define DE 0

static volatile u64 va = 0xfedcba9876543210ull, vb = 0x12345, vc = 0x0123456789abcdefull;
static volatile u64 vd = 0xfffffffffffffffbull, vzero;
static volatile s64 vs = -1000000007, vt = 13, vmin = (s64)0x8000000000000000ull, vm1 = -1;

static u64 hi(u128 x)
{
	return (u64)(x >> 64);
}

static u64 div_by_zero(void)
{
	return va / vzero;
}

static u64 idiv_overflow(void)
{
	return (u64)(vmin / vm1);
}

static void test_64(void)
{
	u64 q = va / vb, r = va % vb;
	report(q == 0xe0004fa01c4dull && r == 0x10a4f, "u64: 0x%lx / 0x%lx = 0x%lx rem 0x%lx", va,
	       vb, q, r);
	s64 sq = vs / vt, sr = vs % vt;
	report(sq == -76923077 && sr == -6, "s64: %ld / %ld = %ld rem %ld (truncating)", vs, vt, sq,
	       sr);
	bool ok = true;
	for (u64 x = va; x > 1000; x /= 3) {
		u64 d10 = x / 10, m10 = x % 10, d7 = x / 7, m7 = x % 7;
		if (d10 * 10 + m10 != x || m10 >= 10 || d7 * 7 + m7 != x || m7 >= 7)
			ok = false;
	}
	report(ok, "division by constants 10 and 7");
}

static void test_128(void)
{
	u128 x = (u128)va * vc;
	report(hi(x) == 0x121fa00ad77d742ull && (u64)x == 0x2236d88fe5618cf0ull,
	       "u128 product 0x%lx%016lx", hi(x), (u64)x);
	u128 q = x / vd, r = x % vd;
	report(hi(q) == 0 && (u64)q == 0x121fa00ad77d742ull && (u64)r == 0x27e0ba9348b8c13aull,
	       "u128 / u64: q 0x%lx rem 0x%lx", (u64)q, (u64)r);
	u128 y = ((u128)1 << 127) - 12345, e = 0x100000001ull;
	u128 q2 = y / e, r2 = y % e;
	report(hi(q2) == 0x7fffffff && (u64)q2 == 0x800000007fffffffull && (u64)r2 == 0x7fffcfc8,
	       "u128 / u128: q 0x%lx%016lx rem 0x%lx", hi(q2), (u64)q2, (u64)r2);
	s128 s = -(s128)1000000000000000ull * 1000000000000000ull - 7, t = 123456789;
	s128 sq = s / t, sr = s % t;
	s128 want = -(s128)8100000073710ull * 1000000000ull - 670761;
	report(sq == want && sr == -753578, "s128: quotient and remainder %ld", (s64)sr);
	report(q * vd + r == x && q2 * e + r2 == y && sq * t + sr == s, "q * d + r == n");
}

static void test_faults(void)
{
	u64 v;
	exc_reset();
	int vec = probe_call(div_by_zero, &v);
	report(vec == DE, "DIV by zero: #DE (vector %d)", vec);
	exc_reset();
	vec = probe_call(idiv_overflow, &v);
	report(vec == DE, "IDIV INT64_MIN / -1: #DE (vector %d)", vec);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	test_64();
	test_128();
	test_faults();
	return report_summary();
}
