/* SPDX-License-Identifier: MIT */
/*
 * Differential test of the interpreter against the host processor: shared types.
 *
 * A case is one instruction (bytes at a code slot), a seed state (15 GPRs, RFLAGS) and a
 * data page at DIFF_DATA.  gen.c builds cases per family, native.c runs them on the host in a
 * child process at the same linear addresses, model.c runs them on the model, and compare.c
 * decides whether the two agree on every GPR, the data page and the flags the SDM defines
 * for that instruction.
 */
#ifndef VX_TEST_DIFF_H
#define VX_TEST_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t du8;
typedef uint16_t du16;
typedef uint32_t du32;
typedef uint64_t du64;

/*
 * Linear addresses, identical on the host (MAP_FIXED in the child) and in the model (the
 * fixture's identity map): code slots at FX_CODE, data page at FX_DATA.
 */
#define DIFF_CODE 0x100000ull  /* 256 code slots of 16 bytes (== FX_CODE) */
#define DIFF_CODE_MAP 0x2000ul /* host: slots + room for the jump back after slot 255 */
#define DIFF_TRAMP 0x102000ull /* host: entry and exit trampolines */
#define DIFF_STATE 0x103000ull /* host: register blocks the trampolines load and store */
#define DIFF_DATA 0x300000ull  /* data page (== FX_DATA) */
#define DIFF_DATA_SIZE 4096u
#define DIFF_SLOTS 256u
#define DIFF_SLOT_SIZE 16u

/* RFLAGS bits the comparison looks at (arithmetic flags and DF). */
#define DIFF_CF 0x001ull
#define DIFF_PF 0x004ull
#define DIFF_AF 0x010ull
#define DIFF_ZF 0x040ull
#define DIFF_SF 0x080ull
#define DIFF_DF 0x400ull
#define DIFF_OF 0x800ull
#define DIFF_ARITH (DIFF_CF | DIFF_PF | DIFF_AF | DIFF_ZF | DIFF_SF | DIFF_OF)
#define DIFF_FLAGS (DIFF_ARITH | DIFF_DF)

enum diff_family {
	FAM_ALU2,    /* ADD OR ADC SBB AND SUB XOR CMP TEST */
	FAM_ALU1,    /* INC DEC NOT NEG */
	FAM_SHIFT,   /* ROL ROR RCL RCR SHL SHR SAR (SAL alias) */
	FAM_SHLD,    /* SHLD SHRD */
	FAM_MULDIV,  /* MUL IMUL(1/2/3) DIV IDIV */
	FAM_BIT,     /* BT BTS BTR BTC */
	FAM_BITSCAN, /* BSF BSR TZCNT LZCNT POPCNT */
	FAM_XCHG,    /* XADD CMPXCHG XCHG */
	FAM_MOV,     /* MOV MOVZX MOVSX MOVSXD LEA CMOVcc SETcc BSWAP CBW..CQO */
	FAM_STRING,  /* MOVS CMPS STOS LODS SCAS, REP/REPE/REPNE */
	FAM_UD,      /* encodings that must raise #UD */
	FAM_COUNT
};

/* How the data page is filled before the patches are applied. */
enum diff_fill { FILL_RANDOM, FILL_ALPHABET };

#define DIFF_MAX_PATCH 3

struct diff_patch {
	du16 off; /* offset in the data page */
	du8 size; /* 1, 2, 4 or 8 bytes, little-endian */
	du64 val;
};

struct dcase {
	du8 fam; /* enum diff_family */
	du8 len; /* instruction length */
	du8 bytes[15];
	du16 slot;      /* code address = DIFF_CODE + DIFF_SLOT_SIZE * slot */
	du16 mnemonic;  /* ZydisMnemonic (0 when Zydis rejects the bytes) */
	bool skip;      /* the model has no handler for the mnemonic yet */
	bool expect_ud; /* FAM_UD: the encoding is invalid */
	du32 index;     /* number within the family */
	du64 seed;      /* the case's seed (data page fill) */
	du8 fill;       /* enum diff_fill */
	du8 alphabet;   /* FILL_ALPHABET: the fourth letter */
	du8 npatch;
	struct diff_patch patch[DIFF_MAX_PATCH];
	du64 gpr[16];   /* gpr[4] (RSP) is not loaded: the host keeps its stack */
	du64 rflags;    /* arithmetic flags, DF, bit 1 */
	du64 flag_mask; /* flags compared when the instruction completes */
	du8 ign_reg;    /* 0xff none: a register whose bits in ign_mask are undefined */
	du64 ign_mask;
	du16 mem_ign_off, mem_ign_len; /* data-page bytes whose value is undefined */
};

/* What one run produced (the host's or the model's). */
struct dresult {
	du64 gpr[16];
	du64 rflags;
	du64 rip;       /* after: the next instruction, or the faulting one */
	du64 rsp_delta; /* RSP after minus RSP before: must be 0 */
	int fault;      /* -1 none, else the exception vector (0 #DE, 6 #UD, 13 #GP, 14 #PF) */
	int sig;        /* host only: the signal that reported the fault (0 none) */
	du8 data[DIFF_DATA_SIZE];
};

/* ---- random numbers (splitmix64) ---- */
struct drng {
	du64 s;
};
du64 drng_next(struct drng *r);
du64 drng_below(struct drng *r, du64 n);
du64 diff_case_seed(du64 seed, unsigned fam, du32 index);

/* ---- generator (gen.c) ---- */
struct diff_host {
	bool bmi1, lzcnt, popcnt;
	char vendor[13]; /* CPUID.0 vendor string */
};
void diff_host_probe(struct diff_host *h);
/* Builds case `index` of family `fam`; returns false only if no valid case could be made. */
bool diff_gen(const struct diff_host *h, unsigned fam, du64 seed, du32 index, struct dcase *c);
const char *diff_family_name(unsigned fam);
void diff_fill_data(const struct dcase *c, du8 *page);
du64 diff_code_addr(const struct dcase *c);

/* ---- host runner (native.c) ---- */
struct diff_native;
/* Maps the shared result area for up to `max` cases; NULL with a message on failure. */
struct diff_native *diff_native_new(unsigned max);
void diff_native_free(struct diff_native *n);
/* Runs cases[0..n) in one child process; false with a message when the child failed. */
bool diff_native_run(struct diff_native *nat, const struct dcase *cases, unsigned n, char *err,
		     size_t errlen);
const struct dresult *diff_native_result(const struct diff_native *nat, unsigned k);

/* ---- model runner (model.c) ---- */
struct diff_model;
struct diff_model *diff_model_new(void);
void diff_model_free(struct diff_model *m);
/* Loads the code slots of cases[0..n) (one write to the code page per group). */
void diff_model_load_code(struct diff_model *m, const struct dcase *cases, unsigned n);
void diff_model_run(struct diff_model *m, const struct dcase *c, struct dresult *out);

/* ---- comparison (compare.c) ---- */
/* Empty string when host and model agree; else a one-line reason. */
bool diff_compare(const struct dcase *c, const struct dresult *host, const struct dresult *model,
		  char *why, size_t len);
/* Prints the case (bytes, disassembly, seed state) and both final states. */
void diff_report(const struct dcase *c, const struct dresult *host, const struct dresult *model,
		 const char *why, du64 seed);

#endif
