// SPDX-License-Identifier: MIT
/* The EPC section and its EPCM (see epc.h). */
#include "sgx/epc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct sgx_epc *epc_create(u64 base, u64 size, const u8 root_key[16])
{
	if (!size || ((base | size) & 4095))
		return NULL;
	struct sgx_epc *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->base = base;
	e->size = size;
	e->npages = size >> 12;
	e->mem = calloc(1, size);
	e->map = calloc(e->npages, sizeof(*e->map));
	if (!e->mem || !e->map) {
		epc_destroy(e);
		return NULL;
	}
	memcpy(e->root_key, root_key, 16);
	return e;
}

void epcm_clear(struct epcm *m)
{
	if (m->mr)
		EVP_MD_CTX_free(m->mr);
	memset(m, 0, sizeof(*m));
}

void epc_destroy(struct sgx_epc *e)
{
	if (!e)
		return;
	for (u64 k = 0; e->map && k < e->npages; k++)
		epcm_clear(&e->map[k]);
	free(e->map);
	free(e->mem);
	free(e);
}
