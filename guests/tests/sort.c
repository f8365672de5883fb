// SPDX-License-Identifier: MIT
/*
 * gcc-compiled workload: a generic quicksort (callback comparison, byte swaps) and a
 * recursive merge sort over the same pseudo-random data; both results must be sorted, equal,
 * and a permutation of the input.
 */
#include "guest.h"

#define N 3000

static u32 input[N], a[N], b[N], tmp[N];

struct rec {
	u32 key;
	u16 tag;
	u8 pad[2];
};
static struct rec recs[500];

static void swap_bytes(u8 *x, u8 *y, size_t n)
{
	while (n--) {
		u8 t = *x;
		*x++ = *y;
		*y++ = t;
	}
}

/* Quicksort with median-of-three and insertion sort for short runs. */
static void qsort_any(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	u8 *v = base;
	while (n > 8) {
		u8 *lo = v, *mid = v + (n / 2) * size, *hi = v + (n - 1) * size;
		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		swap_bytes(mid, v + (n - 2) * size, size); /* pivot at n - 2 */
		u8 *pivot = v + (n - 2) * size;
		size_t i = 0, j = n - 2;
		for (;;) {
			while (cmp(v + (++i) * size, pivot) < 0)
				;
			while (j > 0 && cmp(v + (--j) * size, pivot) > 0)
				;
			if (i >= j)
				break;
			swap_bytes(v + i * size, v + j * size, size);
		}
		swap_bytes(v + i * size, pivot, size);
		/* Recurse into the smaller side, loop on the larger. */
		if (i < n - i - 1) {
			qsort_any(v, i, size, cmp);
			v += (i + 1) * size;
			n -= i + 1;
		} else {
			qsort_any(v + (i + 1) * size, n - i - 1, size, cmp);
			n = i;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(v + (j - 1) * size, v + j * size) > 0; j--)
			swap_bytes(v + (j - 1) * size, v + j * size, size);
}

static int cmp_u32(const void *x, const void *y)
{
	u32 p = *(const u32 *)x, q = *(const u32 *)y;
	return p < q ? -1 : p > q;
}

static int cmp_rec(const void *x, const void *y)
{
	const struct rec *p = x, *q = y;
	if (p->key != q->key)
		return p->key < q->key ? -1 : 1;
	return (int)p->tag - (int)q->tag;
}

static void merge_sort(u32 *v, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_sort(v, h);
	merge_sort(v + h, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = v[j] < v[i] ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static u64 rng = 88172645463325252ull;
static u32 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)rng;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	u64 sum = 0, x = 0;
	for (int i = 0; i < N; i++) {
		input[i] = next() % 100000; /* duplicates on purpose */
		sum += input[i];
		x ^= input[i] * 2654435761u;
	}
	memcpy(a, input, sizeof(a));
	memcpy(b, input, sizeof(b));
	qsort_any(a, N, sizeof(u32), cmp_u32);
	merge_sort(b, N);
	bool sorted = true;
	u64 sa = 0, xa = 0;
	for (int i = 0; i < N; i++) {
		if (i && a[i - 1] > a[i])
			sorted = false;
		sa += a[i];
		xa ^= a[i] * 2654435761u;
	}
	report(sorted, "quicksort result is sorted");
	report(sa == sum && xa == x, "quicksort result is a permutation of the input");
	report(!memcmp(a, b, sizeof(a)), "merge sort and quicksort agree");
	report(a[0] <= a[N / 2] && a[N / 2] <= a[N - 1], "min %u median %u max %u", a[0], a[N / 2],
	       a[N - 1]);

	for (unsigned i = 0; i < 500; i++)
		recs[i] = (struct rec){.key = next() % 50, .tag = (u16)i};
	qsort_any(recs, 500, sizeof(recs[0]), cmp_rec);
	bool ok = true;
	for (int i = 1; i < 500; i++)
		if (cmp_rec(&recs[i - 1], &recs[i]) >= 0)
			ok = false;
	report(ok, "quicksort of 8-byte records by (key, tag)");
	return report_summary();
}
