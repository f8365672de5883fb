// SPDX-License-Identifier: MIT
/* System instructions: filled in by its owner (see src/cpu/README.md). */
#include <Zydis/Mnemonic.h>

#include "cpu/ops.h"

enum cpu_step op_mov_special(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_ud(c);
}

enum cpu_step op_push_sreg(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_ud(c);
}

enum cpu_step op_pop_sreg(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_ud(c);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_INVALID, NULL},
};
OP_FAMILY_DEFINE(system, defs);
