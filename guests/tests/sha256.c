// SPDX-License-Identifier: MIT
/*
 * SHA-256 (FIPS 180-4) compiled by gcc: known answers for "" and "abc", then the digest of
 * the deterministic buffer of sha256_buf.h, printed as "sha256(buffer) = <hex>" for the host
 * checker, which recomputes it with OpenSSL.
 */
#include "guest.h"
#include "sha256_buf.h"

#include "sha256_impl.h"

static void hex(const u8 *d, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void digest_of(const void *p, size_t n, char out[65])
{
	struct sha256 s;
	u8 d[32];
	sha256_init(&s);
	sha256_update(&s, p, n);
	sha256_final(&s, d);
	hex(d, out);
}

static u8 buffer[SHA256_BUF_LEN];

int main(struct vx_boot_info *bi)
{
	(void)bi;
	char h[65];
	digest_of("", 0, h);
	report(!strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	       "sha256(\"\") = %s", h);
	digest_of("abc", 3, h);
	report(!strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	       "sha256(\"abc\") = %s", h);
	sha256_buf_fill(buffer, sizeof(buffer));
	digest_of(buffer, sizeof(buffer), h);
	printf("sha256(buffer) = %s\n", h);
	return report_summary();
}
