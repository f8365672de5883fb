/* SPDX-License-Identifier: MIT */
/*
 * VMCS field encodings (Intel SDM Vol. 3C 24.11.2 "VMREAD, VMWRITE, and Encodings of VMCS
 * Fields", Table 24-17 "Structure of VMCS Component Encoding"; Vol. 3D Appendix B).
 *
 *   [0]     access type: 0 full, 1 high (only for 64-bit fields)
 *   [9:1]   index
 *   [11:10] type: 0 control, 1 VM-exit information (read-only data), 2 guest state, 3 host state
 *   [12]    reserved, 0
 *   [14:13] width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width
 *   [31:15] reserved, 0
 */
#ifndef VX_ARCH_VMCS_H
#define VX_ARCH_VMCS_H

#include <assert.h>

#include "arch/types.h"

enum vmcs_width { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 };
enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_EXIT_INFO = 1,
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3
};

#define VMCS_ENC_ACCESS_HIGH 1u
#define VMCS_ENC_INDEX(enc) (((enc) >> 1) & 0x1ffu)
#define VMCS_ENC_TYPE(enc) (((enc) >> 10) & 3u)
#define VMCS_ENC_WIDTH(enc) (((enc) >> 13) & 3u)
#define VMCS_ENC_RESERVED(enc) ((enc)&0xffff9000u) /* bit 12 and bits 31:15 */

enum vmcs_field {
#define VMCS_FIELD(name, enc, width, sdm) VMCS_##name = enc,
#include "arch/vmcs_fields.def"
};

/* Dense slot numbers, one per table row: storage index for the VMCS model. */
enum vmcs_slot {
#define VMCS_FIELD(name, enc, width, sdm) VMCS_SLOT_##name,
#include "arch/vmcs_fields.def"
	VMCS_NSLOTS
};

/* Derive, don't repeat: the declared width must be the width the encoding says. */
#define VMCS_FIELD(name, enc, width, sdm)                                 \
	static_assert(VMCS_ENC_WIDTH(enc) == (width) && ((enc)&1) == 0 && \
			  VMCS_ENC_RESERVED(enc) == 0,                    \
		      "VMCS field " #name ": width or encoding bits disagree");
#include "arch/vmcs_fields.def"

#endif
