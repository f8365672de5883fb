// SPDX-License-Identifier: MIT
/*
 * The signed test enclave (build/guests/enclave/sum.bundle, written by vx_sign) checked by
 * computations independent of both the signer and the processor:
 *   - MRENCLAVE from first principles (SDM Vol. 3D 41.4 ECREATE/EADD/EEXTEND "Operation"):
 *     the 64-byte records spelled out byte by byte here, hashed by one SHA256() call over their
 *     concatenation;
 *   - the SIGSTRUCT fields (Table 38-19) and its RSA-3072 signature verified by OpenSSL's own
 *     PKCS#1 v1.5 verifier (EVP_PKEY_verify) from MODULUS and EXPONENT;
 *   - MRSIGNER = SHA-256 of the modulus as stored;
 *   - src/sgx's verifier accepts it and rejects a flipped bit, and `vmxsgx sign` is
 *     reproducible (same inputs, same bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "sgx/sgx_int.h"
#include "vx/enclave.h"

#define BUNDLE VX_BINARY_DIR "/guests/enclave/sum.bundle"

static u8 *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	u8 *b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void put64(u8 *p, u64 v)
{
	for (int k = 0; k < 8; k++)
		p[k] = (u8)(v >> (8 * k));
}

/* The measurement stream: ECREATE record, then per page EADD and its EEXTEND records. */
static void mrenclave_by_hand(const u8 *b, u8 out[32])
{
	const struct vx_enclave_bundle *h = (const void *)b;
	const struct vx_enclave_page *p = (const void *)(h + 1);
	size_t cap = 64 + (size_t)h->npages * (64 + 16 * (64 + 256)), n = 0;
	u8 *s = calloc(1, cap);
	memcpy(s, "ECREATE", 8); /* 0x0045544145524345 little-endian */
	s[8] = (u8)h->ssaframesize;
	put64(s + 12, h->size);
	n = 64;
	for (u32 k = 0; k < h->npages; k++) {
		u64 flags = p[k].secinfo;
		if (((flags >> 8) & 0xff) == SGX_PT_TCS)
			flags &= ~7ull;
		memcpy(s + n, "EADD", 4);
		put64(s + n + 8, p[k].offset);
		put64(s + n + 16, flags);
		n += 64;
		for (u64 c = 0; p[k].extend && c < 4096; c += 256) {
			memcpy(s + n, "EEXTEND", 8);
			put64(s + n + 8, p[k].offset + c);
			n += 64;
			memcpy(s + n, b + VX_ENCLAVE_DATA_OFFSET + (size_t)k * 4096 + c, 256);
			n += 256;
		}
	}
	SHA256(s, n, out);
	free(s);
}

static void test_mrenclave(void **state)
{
	(void)state;
	size_t len;
	u8 *b = load(BUNDLE, &len);
	const struct vx_enclave_bundle *h = (const void *)b;
	const struct sgx_sigstruct *ss = (const void *)(b + VX_ENCLAVE_SIG_OFFSET);
	assert_int_equal(h->magic, VX_ENCLAVE_MAGIC);
	assert_int_equal(len, VX_ENCLAVE_DATA_OFFSET + (size_t)h->npages * 4096);
	u8 mr[32];
	mrenclave_by_hand(b, mr);
	assert_memory_equal(mr, h->mrenclave, 32);
	assert_memory_equal(mr, ss->enclavehash, 32);
	u8 signer[32];
	SHA256(ss->modulus, sizeof(ss->modulus), signer);
	assert_memory_equal(signer, h->mrsigner, 32);
	free(b);
}

/* OpenSSL's verifier on the two signed regions, the key built from MODULUS/EXPONENT. */
static void test_signature(void **state)
{
	(void)state;
	size_t len;
	u8 *b = load(BUNDLE, &len);
	struct sgx_sigstruct *ss = (void *)(b + VX_ENCLAVE_SIG_OFFSET);
	static const u8 h1[16] = SGX_SIGSTRUCT_HEADER, h2[16] = SGX_SIGSTRUCT_HEADER2;
	assert_memory_equal(ss->header, h1, 16);
	assert_memory_equal(ss->header2, h2, 16);
	assert_int_equal(ss->exponent, 3);
	BIGNUM *n = BN_lebin2bn(ss->modulus, SGX_MODULUS_SIZE, NULL), *e = BN_new();
	BN_set_word(e, 3);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(kc), 1);
	assert_int_equal(EVP_PKEY_fromdata(kc, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
	u8 msg[256], sig[SGX_MODULUS_SIZE];
	memcpy(msg, ss, 128);
	memcpy(msg + 128, (u8 *)ss + 900, 128);
	for (int k = 0; k < SGX_MODULUS_SIZE; k++)
		sig[k] = ss->signature[SGX_MODULUS_SIZE - 1 - k];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pk), 1);
	assert_int_equal(EVP_DigestVerify(mc, sig, sizeof(sig), msg, sizeof(msg)), 1);
	/* src/sgx's verifier (Q1/Q2 and S^3 mod N) agrees, and notices one flipped bit. */
	assert_int_equal(sgx_sigstruct_verify(ss), 0);
	ss->q1[7] ^= 1;
	assert_int_equal(sgx_sigstruct_verify(ss), SGX_INVALID_SIGNATURE);
	ss->q1[7] ^= 1;
	ss->isvsvn ^= 1;
	assert_int_equal(sgx_sigstruct_verify(ss), SGX_INVALID_SIGNATURE);
	ss->isvsvn ^= 1;
	ss->vendor = 1;
	assert_int_equal(sgx_sigstruct_verify(ss), SGX_INVALID_SIG_STRUCT);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(kc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(b);
}

/* Reproducible output: signing the same ELF again gives the same bytes. */
static void test_reproducible(void **state)
{
	(void)state;
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "%s/vx_sign --key %s/tests/data/enclave_key.pem --out %s/sum.again --debug "
		 "%s/guests/enclave/sum.elf",
		 VX_BINARY_DIR, VX_SOURCE_DIR, VX_BINARY_DIR, VX_BINARY_DIR);
	assert_int_equal(system(cmd), 0);
	size_t a, b;
	u8 *x = load(BUNDLE, &a), *y = load(VX_BINARY_DIR "/sum.again", &b);
	assert_int_equal(a, b);
	assert_memory_equal(x, y, a);
	free(x);
	free(y);
	remove(VX_BINARY_DIR "/sum.again");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mrenclave),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_reproducible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
