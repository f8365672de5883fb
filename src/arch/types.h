/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types and bit helpers shared by every layer.  Architecture facts only: no state.
 */
#ifndef VX_ARCH_TYPES_H
#define VX_ARCH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(n) (1ull << (n))
/* Bits hi..lo set, inclusive; hi < 64. */
#define GENMASK(hi, lo) ((~0ull >> (63 - (hi))) & (~0ull << (lo)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The value of bits hi..lo of v, shifted down. */
static inline u64 bits_get(u64 v, unsigned hi, unsigned lo)
{
	return (v & GENMASK(hi, lo)) >> lo;
}

#endif
