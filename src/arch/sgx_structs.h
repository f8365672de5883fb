/* SPDX-License-Identifier: MIT */
/*
 * SGX data structures with their architectural layouts (SDM Vol. 3D chapter 38 "Enclave
 * Access Control and Data Structures": 38.7 "SGX Enclave Control Structure (SECS)" Table 38-2,
 * 38.8 "Thread Control Structure (TCS)" Table 38-5, 38.9 "State Save Area (SSA) Frame" Tables
 * 38-7..38-10, 38.10 "Page Information (PAGEINFO)", 38.11 "Security Information (SECINFO)",
 * 38.13 "Enclave Signature Structure (SIGSTRUCT)" Table 38-19, 38.15 "Report (REPORT)",
 * 38.16 "Report Target Info (TARGETINFO)", 38.17 "Key Request (KEYREQUEST)").
 * Shared by the processor, the tools and the guests (freestanding: only arch/types.h).
 * Offsets are frozen by static asserts: these are memory formats software builds.
 */
#ifndef VX_ARCH_SGX_STRUCTS_H
#define VX_ARCH_SGX_STRUCTS_H

#include "arch/types.h"

#define SGX_PAGE_SIZE 4096

/* Page types (38.11.2 Table 38-13 "Supported PAGE_TYPE"). */
enum sgx_page_type {
	SGX_PT_SECS = 0,
	SGX_PT_TCS = 1,
	SGX_PT_REG = 2,
	SGX_PT_VA = 3,
	SGX_PT_TRIM = 4
};

/* SECINFO.FLAGS (38.11.1 Table 38-12). */
#define SGX_SECINFO_R BIT(0)
#define SGX_SECINFO_W BIT(1)
#define SGX_SECINFO_X BIT(2)
#define SGX_SECINFO_PENDING BIT(3)
#define SGX_SECINFO_MODIFIED BIT(4)
#define SGX_SECINFO_PR BIT(5)
#define SGX_SECINFO_PT_SHIFT 8
#define SGX_SECINFO_PT_MASK GENMASK(15, 8)
#define SGX_SECINFO_RESERVED (GENMASK(63, 16) | GENMASK(7, 6))

struct sgx_secs {
	u64 size;
	u64 baseaddr;
	u32 ssaframesize; /* pages per SSA frame */
	u32 miscselect;
	u8 reserved1[24];
	u64 attributes; /* ATTRIBUTES[63:0] (flags) */
	u64 xfrm;       /* ATTRIBUTES[127:64] */
	u8 mrenclave[32];
	u8 reserved2[32];
	u8 mrsigner[32];
	u8 reserved3[96];
	u16 isvprodid;
	u16 isvsvn;
	u8 reserved4[3836];
};
_Static_assert(sizeof(struct sgx_secs) == 4096, "SECS is one page");
_Static_assert(offsetof(struct sgx_secs, ssaframesize) == 16, "SECS.SSAFRAMESIZE");
_Static_assert(offsetof(struct sgx_secs, attributes) == 48, "SECS.ATTRIBUTES");
_Static_assert(offsetof(struct sgx_secs, mrenclave) == 64, "SECS.MRENCLAVE");
_Static_assert(offsetof(struct sgx_secs, mrsigner) == 128, "SECS.MRSIGNER");
_Static_assert(offsetof(struct sgx_secs, isvprodid) == 256, "SECS.ISVPRODID");

#define SGX_TCS_DBGOPTIN BIT(0)

struct sgx_tcs {
	u64 state; /* 0 available, 1 active (the processor's copy lives in the EPCM side table) */
	u64 flags;
	u64 ossa;
	u32 cssa;
	u32 nssa;
	u64 oentry;
	u64 aep;
	u64 ofsbasgx;
	u64 ogsbasgx;
	u32 fslimit;
	u32 gslimit;
	u8 reserved[4024];
};
_Static_assert(sizeof(struct sgx_tcs) == 4096, "TCS is one page");
_Static_assert(offsetof(struct sgx_tcs, cssa) == 24, "TCS.CSSA");
_Static_assert(offsetof(struct sgx_tcs, oentry) == 32, "TCS.OENTRY");
_Static_assert(offsetof(struct sgx_tcs, fslimit) == 64, "TCS.FSLIMIT");

/* GPRSGX: the last 184 bytes of an SSA frame (Table 38-8; 184, not Table 38-7's 176:
 * docs/decisions.md). */
struct sgx_gprsgx {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, rip, ursp, urbp;
	u32 exitinfo;
	u32 reserved;
	u64 fsbase, gsbase;
};
_Static_assert(sizeof(struct sgx_gprsgx) == 184, "GPRSGX is 184 bytes");
_Static_assert(offsetof(struct sgx_gprsgx, rflags) == 128, "GPRSGX.RFLAGS");
_Static_assert(offsetof(struct sgx_gprsgx, ursp) == 144, "GPRSGX.URSP");
_Static_assert(offsetof(struct sgx_gprsgx, exitinfo) == 160, "GPRSGX.EXITINFO");
_Static_assert(offsetof(struct sgx_gprsgx, fsbase) == 168, "GPRSGX.FSBASE");

/* EXITINFO (Table 38-9): VECTOR 7:0, EXIT_TYPE 10:8 (3 hardware, 6 software), VALID 31. */
#define SGX_EXITINFO_VALID BIT(31)
#define SGX_EXITINFO_TYPE_HW 3u
#define SGX_EXITINFO_TYPE_SW 6u

/* MISC.EXINFO (38.9.2 Table 38-10): 16 bytes just below GPRSGX. */
struct sgx_exinfo {
	u64 maddr;
	u32 errcd;
	u32 reserved;
};
_Static_assert(sizeof(struct sgx_exinfo) == 16, "EXINFO is 16 bytes");

struct sgx_pageinfo {
	u64 linaddr;
	u64 srcpge;
	u64 secinfo; /* or PCMD */
	u64 secs;
};
_Static_assert(sizeof(struct sgx_pageinfo) == 32, "PAGEINFO is 32 bytes");

struct sgx_secinfo {
	u64 flags;
	u8 reserved[56];
};
_Static_assert(sizeof(struct sgx_secinfo) == 64, "SECINFO is 64 bytes");

#define SGX_MODULUS_SIZE 384

/* SIGSTRUCT (Table 38-19).  Integers little-endian; MODULUS/SIGNATURE/Q1/Q2 little-endian
 * 3072-bit numbers.  The signature covers bytes 0-127 and 900-1027. */
struct sgx_sigstruct {
	u8 header[16];
	u32 vendor; /* 0 or 0x8086 */
	u32 date;   /* BCD yyyymmdd */
	u8 header2[16];
	u32 swdefined;
	u8 reserved1[84];
	u8 modulus[SGX_MODULUS_SIZE];
	u32 exponent; /* 3 */
	u8 signature[SGX_MODULUS_SIZE];
	u32 miscselect;
	u32 miscmask;
	u8 reserved2[20];
	u64 attributes;
	u64 xfrm;
	u64 attributemask;
	u64 xfrmmask;
	u8 enclavehash[32];
	u8 reserved3[32];
	u16 isvprodid;
	u16 isvsvn;
	u8 reserved4[12];
	u8 q1[SGX_MODULUS_SIZE];
	u8 q2[SGX_MODULUS_SIZE];
};
_Static_assert(sizeof(struct sgx_sigstruct) == 1808, "SIGSTRUCT is 1808 bytes");
_Static_assert(offsetof(struct sgx_sigstruct, modulus) == 128, "SIGSTRUCT.MODULUS");
_Static_assert(offsetof(struct sgx_sigstruct, exponent) == 512, "SIGSTRUCT.EXPONENT");
_Static_assert(offsetof(struct sgx_sigstruct, signature) == 516, "SIGSTRUCT.SIGNATURE");
_Static_assert(offsetof(struct sgx_sigstruct, miscselect) == 900, "SIGSTRUCT.MISCSELECT");
_Static_assert(offsetof(struct sgx_sigstruct, attributes) == 928, "SIGSTRUCT.ATTRIBUTES");
_Static_assert(offsetof(struct sgx_sigstruct, enclavehash) == 960, "SIGSTRUCT.ENCLAVEHASH");
_Static_assert(offsetof(struct sgx_sigstruct, isvprodid) == 1024, "SIGSTRUCT.ISVPRODID");
_Static_assert(offsetof(struct sgx_sigstruct, q1) == 1040, "SIGSTRUCT.Q1");
_Static_assert(offsetof(struct sgx_sigstruct, q2) == 1424, "SIGSTRUCT.Q2");

/* The fixed HEADER and HEADER2 values (Table 38-19). */
#define SGX_SIGSTRUCT_HEADER                                                                  \
	{                                                                                     \
		0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, \
		    0x00, 0x00, 0x00                                                          \
	}
#define SGX_SIGSTRUCT_HEADER2                                                                 \
	{                                                                                     \
		0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x01, \
		    0x00, 0x00, 0x00                                                          \
	}

/* TARGETINFO (38.16, 512 bytes, 512-byte aligned). */
struct sgx_targetinfo {
	u8 measurement[32];
	u64 attributes, xfrm;
	u8 reserved1[4];
	u32 miscselect;
	u8 reserved2[456];
};
_Static_assert(sizeof(struct sgx_targetinfo) == 512, "TARGETINFO is 512 bytes");
_Static_assert(offsetof(struct sgx_targetinfo, miscselect) == 52, "TARGETINFO.MISCSELECT");

/* REPORT (38.15 Table 38-21, 432 bytes, 512-byte aligned); KEYID and MAC are not covered by
 * the MAC, which is CMAC over bytes 0-383 with the report key. */
struct sgx_report {
	u8 cpusvn[16];
	u32 miscselect;
	u8 reserved1[28];
	u64 attributes, xfrm;
	u8 mrenclave[32];
	u8 reserved2[32];
	u8 mrsigner[32];
	u8 reserved3[96];
	u16 isvprodid;
	u16 isvsvn;
	u8 reserved4[60];
	u8 reportdata[64];
	u8 keyid[32];
	u8 mac[16];
};
_Static_assert(sizeof(struct sgx_report) == 432, "REPORT is 432 bytes");
_Static_assert(offsetof(struct sgx_report, mrenclave) == 64, "REPORT.MRENCLAVE");
_Static_assert(offsetof(struct sgx_report, isvprodid) == 256, "REPORT.ISVPRODID");
_Static_assert(offsetof(struct sgx_report, reportdata) == 320, "REPORT.REPORTDATA");
_Static_assert(offsetof(struct sgx_report, keyid) == 384, "REPORT.KEYID");

/* KEYREQUEST (38.17 Table 38-23, 512 bytes, 512-byte aligned). */
enum sgx_keyname {
	SGX_KEY_EINITTOKEN = 0,
	SGX_KEY_PROVISION = 1,
	SGX_KEY_PROVISION_SEAL = 2,
	SGX_KEY_REPORT = 3,
	SGX_KEY_SEAL = 4,
};
#define SGX_KEYPOLICY_MRENCLAVE BIT(0)
#define SGX_KEYPOLICY_MRSIGNER BIT(1)

struct sgx_keyrequest {
	u16 keyname;
	u16 keypolicy;
	u16 isvsvn;
	u16 reserved1;
	u8 cpusvn[16];
	u64 attributemask, xfrmmask;
	u8 keyid[32];
	u32 miscmask;
	u8 reserved2[436];
};
_Static_assert(sizeof(struct sgx_keyrequest) == 512, "KEYREQUEST is 512 bytes");
_Static_assert(offsetof(struct sgx_keyrequest, keyid) == 40, "KEYREQUEST.KEYID");
_Static_assert(offsetof(struct sgx_keyrequest, miscmask) == 72, "KEYREQUEST.MISCMASK");

/* MRENCLAVE record tags (ECREATE / EADD / EEXTEND pages: the first 8 bytes of each 64-byte
 * block fed to SHA-256). */
#define SGX_MEASURE_ECREATE 0x0045544145524345ull /* "ECREATE\0" */
#define SGX_MEASURE_EADD 0x0000000044444145ull    /* "EADD\0\0\0\0" */
#define SGX_MEASURE_EEXTEND 0x00444E4554584545ull /* "EEXTEND\0" */

/* EINITTOKEN (38.14 "EINIT Token Structure (EINITTOKEN)", Table 38-20). */
struct sgx_einittoken {
	u32 valid;
	u8 reserved1[44];
	u64 attributes, xfrm;
	u8 mrenclave[32];
	u8 reserved2[32];
	u8 mrsigner[32];
	u8 reserved3[32];
	u8 cpusvn_le[16];
	u16 isvprodid_le, isvsvn_le;
	u8 reserved4[24];
	u32 maskedmiscselect_le;
	u64 maskedattributes_le, maskedxfrm_le;
	u8 keyid[32];
	u8 mac[16];
};
_Static_assert(sizeof(struct sgx_einittoken) == 304, "EINITTOKEN is 304 bytes");

#endif
