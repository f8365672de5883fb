// SPDX-License-Identifier: MIT
/* Instruction family "io": filled in by its owner (see src/cpu/README.md). */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_INVALID, NULL},
};
OP_FAMILY_DEFINE(io, defs);
