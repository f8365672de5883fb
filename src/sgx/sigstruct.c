// SPDX-License-Identifier: MIT
/*
 * EINIT's SIGSTRUCT verification (SDM Vol. 3D 38.13 "Enclave Signature Structure
 * (SIGSTRUCT)" Table 38-19, and the EINIT page): the fixed HEADER/HEADER2 byte streams, VENDOR
 * 0 or 8086H, EXPONENT 3, reserved fields zero (SGX_INVALID_SIG_STRUCT); then the RSA-3072
 * signature: Q1 = floor(S^2 / N) and Q2 = floor((S^3 - Q1*S*N) / N) must be the values the
 * signer supplied, and S^3 mod N must be the PKCS#1 v1.5 encoding of SHA-256 over bytes
 * 0-127 and 900-1027 (SGX_INVALID_SIGNATURE).  Arithmetic by OpenSSL's BIGNUM.
 */
#include <openssl/bn.h>
#include <string.h>

#include "sgx/sgx_int.h"

static bool layout_ok(const struct sgx_sigstruct *s)
{
	static const u8 h1[16] = SGX_SIGSTRUCT_HEADER, h2[16] = SGX_SIGSTRUCT_HEADER2;
	return !memcmp(s->header, h1, 16) && !memcmp(s->header2, h2, 16) &&
	       (s->vendor == 0 || s->vendor == 0x8086) && s->exponent == 3 &&
	       zero(s->reserved1, sizeof(s->reserved1)) &&
	       zero(s->reserved2, sizeof(s->reserved2)) && zero(s->reserved3, sizeof(s->reserved3));
}

/* RFC 8017 9.2 EMSA-PKCS1-v1_5 with SHA-256: 00 01 FF..FF 00 DigestInfo hash. */
static void pkcs1_encoding(const struct sgx_sigstruct *s, u8 em[SGX_MODULUS_SIZE])
{
	static const u8 digest_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
					   0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
					   0x01, 0x05, 0x00, 0x04, 0x20};
	/* Bytes 0-127 (HEADER .. reserved) and 900-1027 (MISCSELECT .. ISVSVN). */
	enum {
		HEAD_LEN = offsetof(struct sgx_sigstruct, modulus),
		BODY_OFF = offsetof(struct sgx_sigstruct, miscselect),
		BODY_LEN = offsetof(struct sgx_sigstruct, reserved4) - BODY_OFF
	};
	_Static_assert(HEAD_LEN == 128 && BODY_OFF == 900 && BODY_LEN == 128, "signed bytes");
	u8 signed_bytes[HEAD_LEN + BODY_LEN];
	memcpy(signed_bytes, s, HEAD_LEN);
	memcpy(signed_bytes + HEAD_LEN, (const u8 *)s + BODY_OFF, BODY_LEN);
	memset(em, 0xff, SGX_MODULUS_SIZE);
	em[0] = 0;
	em[1] = 1;
	size_t t = SGX_MODULUS_SIZE - 32 - sizeof(digest_info);
	em[t - 1] = 0;
	memcpy(em + t, digest_info, sizeof(digest_info));
	sgx_sha256(signed_bytes, sizeof(signed_bytes), em + t + sizeof(digest_info));
}

struct bn_set {
	BN_CTX *ctx;
	BIGNUM *n, *s, *q1, *q2, *t, *u, *rem, *m;
};

static bool bn_alloc(struct bn_set *b)
{
	b->ctx = BN_CTX_new();
	BIGNUM **all[] = {&b->n, &b->s, &b->q1, &b->q2, &b->t, &b->u, &b->rem, &b->m};
	bool ok = b->ctx != NULL;
	for (size_t k = 0; k < ARRAY_SIZE(all); k++)
		ok = (*all[k] = BN_new()) != NULL && ok;
	return ok;
}

static void bn_release(struct bn_set *b)
{
	BIGNUM *all[] = {b->n, b->s, b->q1, b->q2, b->t, b->u, b->rem, b->m};
	for (size_t k = 0; k < ARRAY_SIZE(all); k++)
		BN_free(all[k]);
	BN_CTX_free(b->ctx);
}

/* Q1, Q2 and S^3 mod N as the processor checks them; false on a mismatch. */
static bool rsa_ok(struct bn_set *b, const struct sgx_sigstruct *s)
{
	u8 em[SGX_MODULUS_SIZE], got[SGX_MODULUS_SIZE];
	if (!BN_lebin2bn(s->modulus, SGX_MODULUS_SIZE, b->n) ||
	    !BN_lebin2bn(s->signature, SGX_MODULUS_SIZE, b->s) ||
	    !BN_lebin2bn(s->q1, SGX_MODULUS_SIZE, b->q1) ||
	    !BN_lebin2bn(s->q2, SGX_MODULUS_SIZE, b->q2))
		return false;
	if (BN_is_zero(b->n) || !BN_is_odd(b->n) || BN_cmp(b->s, b->n) >= 0)
		return false;
	/* Q1 = floor(S^2 / N) */
	if (!BN_sqr(b->t, b->s, b->ctx) || !BN_div(b->u, b->rem, b->t, b->n, b->ctx) ||
	    BN_cmp(b->u, b->q1))
		return false;
	/* Q2 = floor((S^3 - Q1*S*N) / N) = floor(((S^2 mod N) * S) / N) */
	if (!BN_mul(b->t, b->rem, b->s, b->ctx) || !BN_div(b->u, b->m, b->t, b->n, b->ctx) ||
	    BN_cmp(b->u, b->q2))
		return false;
	/* b->m = S^3 mod N: the encoded message */
	pkcs1_encoding(s, em);
	return BN_bn2binpad(b->m, got, SGX_MODULUS_SIZE) == SGX_MODULUS_SIZE &&
	       !memcmp(em, got, SGX_MODULUS_SIZE);
}

u32 sgx_sigstruct_verify(const struct sgx_sigstruct *s)
{
	if (!layout_ok(s))
		return SGX_INVALID_SIG_STRUCT;
	struct bn_set b = {0};
	bool ok = bn_alloc(&b) && rsa_ok(&b, s);
	bn_release(&b);
	return ok ? 0 : SGX_INVALID_SIGNATURE;
}
