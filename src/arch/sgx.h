/* SPDX-License-Identifier: MIT */
/*
 * SGX architecture constants generated from the .def tables: ENCLS/ENCLU/ENCLV leaf
 * numbers, SGX error codes (RAX after a leaf), SECS.ATTRIBUTES and MISCSELECT bits.
 * Intel SDM Vol. 3D chapters 37-41 (SDM-059 numbering; see docs/sdm-refs.md).
 */
#ifndef VX_ARCH_SGX_H
#define VX_ARCH_SGX_H

#include "arch/types.h"

enum encls_leaf {
#define ENCLS_LEAF(name, nr, feat, desc) ENCLS_##name = nr,
#include "arch/encls_leaves.def"
};
enum enclu_leaf {
#define ENCLU_LEAF(name, nr, feat, desc) ENCLU_##name = nr,
#include "arch/enclu_leaves.def"
};
enum enclv_leaf {
#define ENCLV_LEAF(name, nr, feat, desc) ENCLV_##name = nr,
#include "arch/enclv_leaves.def"
};

/* SGX error codes: the rows already carry the SDM's SGX_ prefix. */
enum sgx_error {
#define SGX_ERROR(name, code, desc) name = code,
#include "arch/sgx_errors.def"
};

enum sgx_attr_bit {
#define SGX_ATTR(name, bit, desc) SGX_ATTR_##name##_BIT = bit,
#include "arch/sgx_attributes.def"
};
#define SGX_ATTR(name, bit, desc) static const u64 SGX_ATTR_##name = BIT(bit);
#include "arch/sgx_attributes.def"

enum sgx_misc_bit {
#define SGX_MISC(name, bit, desc) SGX_MISC_##name##_BIT = bit,
#include "arch/sgx_misc.def"
};

#endif
