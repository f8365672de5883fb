// SPDX-License-Identifier: MIT
/*
 * Cryptography the SGX leaves use, through OpenSSL libcrypto: the running MRENCLAVE hash
 * (SHA-256 over the 64-byte ECREATE/EADD/EEXTEND records of SDM Vol. 3D 41.4, finalised by
 * EINIT "TMP_MRENCLAVE <- SHA256FINAL(SECS.MRENCLAVE, SECS.MRENCLAVE.COUNT*512)"), AES-CMAC
 * for keys and reports.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "sgx/sgx_int.h"

bool sgx_mr_start(struct epcm *secs)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	if (!x || !EVP_DigestInit_ex(x, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(x);
		return false;
	}
	if (secs->mr)
		EVP_MD_CTX_free(secs->mr);
	secs->mr = x;
	return true;
}

bool sgx_mr_update(struct epcm *secs, const void *block, size_t len)
{
	return secs->mr && EVP_DigestUpdate(secs->mr, block, len);
}

bool sgx_mr_peek(const struct epcm *secs, u8 out[32])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned n = 0;
	bool ok =
	    x && secs->mr && EVP_MD_CTX_copy_ex(x, secs->mr) && EVP_DigestFinal_ex(x, out, &n);
	EVP_MD_CTX_free(x);
	return ok && n == 32;
}

void sgx_sha256(const void *data, size_t len, u8 out[32])
{
	unsigned n = 0;
	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
		memset(out, 0, 32);
}

bool sgx_cmac(const u8 key[16], const void *data, size_t len, u8 mac[16])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *x = m ? EVP_MAC_CTX_new(m) : NULL;
	char cipher[] = "AES-128-CBC";
	OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
			  OSSL_PARAM_construct_end()};
	size_t n = 0;
	bool ok = x && EVP_MAC_init(x, key, 16, p) && EVP_MAC_update(x, data, len) &&
		  EVP_MAC_final(x, mac, &n, 16) && n == 16;
	EVP_MAC_CTX_free(x);
	EVP_MAC_free(m);
	if (!ok)
		memset(mac, 0, 16);
	return ok;
}

bool sgx_derive_key(const struct sgx_epc *e, const void *buf, size_t len, u8 key[16])
{
	return sgx_cmac(e->root_key, buf, len, key);
}

/* 13.4 "XSAVE Area": the legacy region (512 bytes) and the XSAVE header (64 bytes) hold x87
 * and SSE state; the profiles allow no other XFRM component (CPUID 12H sub-leaf 1 ECX). */
u32 sgx_xsave_size(u64 xfrm)
{
	(void)xfrm;
	return 576;
}
