/* SPDX-License-Identifier: MIT */
/* Instruction decode into struct insn (decode.c). */
#ifndef VX_CPU_DECODE_H
#define VX_CPU_DECODE_H

#include "cpu/cpu.h"

enum decode_status { DECODE_OK, DECODE_NEED_MORE, DECODE_INVALID };

void *decode_new(void);
void decode_free(void *dec);
/* Decodes the instruction at bytes[0..len); DECODE_NEED_MORE when it continues past len. */
enum decode_status decode_insn(void *dec, const u8 *bytes, size_t len, struct insn *in);
/* The handler for a Zydis mnemonic (op_unsupported when no family has it). */
op_fn *decode_handler(unsigned mnemonic);
bool decode_has_handler(unsigned mnemonic);

#endif
