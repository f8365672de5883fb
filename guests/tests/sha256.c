// SPDX-License-Identifier: MIT
/*
 * SHA-256 (FIPS 180-4) compiled by gcc: known answers for "" and "abc", then the digest of
 * the deterministic buffer of sha256_buf.h, printed as "sha256(buffer) = <hex>" for the host
 * checker, which recomputes it with OpenSSL.
 */
#include "guest.h"
#include "sha256_buf.h"

struct sha256 {
	u32 h[8];
	u8 block[64];
	u64 total;
	unsigned used;
};

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 ror(u32 x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void compress(struct sha256 *s, const u8 *p)
{
	u32 w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		u32 s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		u32 s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		u32 t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			 ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		u32 t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			 ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(u32));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha256_init(struct sha256 *s)
{
	static const u32 iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof(iv));
	s->total = 0;
	s->used = 0;
}

static void sha256_update(struct sha256 *s, const u8 *p, size_t n)
{
	s->total += n;
	while (n) {
		unsigned take = 64 - s->used;
		if (take > n)
			take = (unsigned)n;
		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used == 64) {
			compress(s, s->block);
			s->used = 0;
		}
	}
}

static void sha256_final(struct sha256 *s, u8 out[32])
{
	u64 bits = s->total * 8;
	u8 pad = 0x80, zero = 0, len[8];
	sha256_update(s, &pad, 1);
	while (s->used != 56)
		sha256_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (u8)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	for (int i = 0; i < 32; i++)
		out[i] = (u8)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

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
