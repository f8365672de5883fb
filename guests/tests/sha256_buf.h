/* SPDX-License-Identifier: MIT */
/*
 * The deterministic buffer the sha256 guest hashes and the host checker re-creates: xorshift64
 * bytes from a fixed seed.  Shared by the guest (freestanding) and the host program.
 */
#ifndef GUEST_SHA256_BUF_H
#define GUEST_SHA256_BUF_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BUF_LEN 100003u /* not a multiple of 64: the padding path is exercised */

static inline void sha256_buf_fill(uint8_t *buf, size_t len)
{
	uint64_t x = 0x6a09e667f3bcc908ull;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)(x >> 24);
	}
}

#endif
