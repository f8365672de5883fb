// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: SHA-256 over N MiB or "NK" KiB (the --guest-args string, default 16 MiB) of the
 * deterministic buffer, built at free_base.  Prints the digest; `vmxsgx bench` times it and
 * runs the same C code natively for the ratio.
 */
#include "guest.h"
#include "../tests/sha256_buf.h"
#include "../tests/sha256_impl.h"

/* "16" = 16 MiB (the default), "64K" = 64 KiB (for profiling runs). */
static u64 parse_size(const char *s)
{
	u64 v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	if (!v)
		return 16ull << 20;
	return (s && (*s == 'K' || *s == 'k')) ? v << 10 : v << 20;
}

int main(struct vx_boot_info *bi)
{
	u64 len = parse_size((const char *)bi->cmdline);
	u8 *buf = (u8 *)((bi->free_base + 4095) & ~4095ull);
	if ((u64)buf + len > bi->ram_size) {
		printf("sha256_bench: %lu bytes do not fit in RAM\n", (unsigned long)len);
		return 2;
	}
	sha256_buf_fill(buf, len);
	struct sha256 s;
	u8 d[32];
	sha256_init(&s);
	sha256_update(&s, buf, len);
	sha256_final(&s, d);
	printf("sha256(%lu bytes) = ", (unsigned long)len);
	for (int i = 0; i < 32; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}
