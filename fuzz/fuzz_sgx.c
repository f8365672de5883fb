// SPDX-License-Identifier: MIT
/*
 * Fuzz target: ENCLS and ENCLU leaves with guest-controlled operands on a processor with an
 * EPC.  The input is a list of 8-byte records, each one leaf execution: byte 0 the leaf (bit 7:
 * ENCLU at CPL 3, else ENCLS at CPL 0), bytes 1-3 select RBX, RCX, RDX (an EPC page, a spot in
 * the data area, or a raw value), bytes 4-7 an offset; the rest of the input fills the data
 * area that PAGEINFO, SECINFO, SECS, SIGSTRUCT and TCS contents come from.  Invariant: every
 * leaf ends in an architectural outcome (status, fault delivered, triple fault) and the host
 * never crashes (run under ASan/UBSan by `make check-asan` and `make fuzz`).
 */
#include <string.h>

#include "arch/msr.h"
#include "cpu/cpu_api.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "sgx/epc.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define RAM (4u << 20)
#define CODE 0x100000
#define DATA 0x200000
#define EPC 0x400000ull
#define EPC_PAGES 16u

static void map(struct vx_phys *p)
{
	phys_write(p, 0x1000, 8, 0x2000 | 7);
	phys_write(p, 0x2000, 8, 0x3000 | 7);
	for (u64 k = 0; k < 3; k++) /* 0-6 MiB: RAM and the EPC, user, writable */
		phys_write(p, 0x3000 + 8 * k, 8, (k << 21) | 0x87);
}

static u64 operand(u8 sel, u32 off)
{
	if (sel < 64)
		return EPC + (u64)(sel % EPC_PAGES) * 4096 + ((sel & 0x30) ? (off & 0xfc0) : 0);
	if (sel < 192)
		return DATA + (off & 0xfffc0) + ((sel & 1) ? 0 : (off & 0x3f));
	return (u64)off << (sel & 31);
}

/* mov eax, leaf; mov rbx, imm64; mov rcx, imm64; mov rdx, imm64; encls/enclu; hlt-free tail */
static size_t emit(u8 *code, u32 leaf, u64 rbx, u64 rcx, u64 rdx, bool user)
{
	size_t n = 0;
	code[n++] = 0xb8;
	memcpy(code + n, &leaf, 4);
	n += 4;
	const u8 regs[3] = {0xbb, 0xb9, 0xba};
	const u64 vals[3] = {rbx, rcx, rdx};
	for (int k = 0; k < 3; k++) {
		code[n++] = 0x48;
		code[n++] = regs[k];
		memcpy(code + n, &vals[k], 8);
		n += 8;
	}
	code[n++] = 0x0f;
	code[n++] = 0x01;
	code[n++] = user ? 0xd7 : 0xcf;
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vx_phys phys;
	static struct vx_cpu cpu;
	static const u8 key[16];
	if (size < 8 || size > 8 * 32 + 65536)
		return 0;
	if (!phys_init(&phys, RAM))
		return 0;
	phys.epc = epc_create(EPC, EPC_PAGES * 4096ull, key);
	if (!phys.epc || !cpu_init(&cpu, &phys, NULL)) {
		phys_free(&phys);
		return 0;
	}
	map(&phys);
	size_t nrec = data[0] % 32 + 1;
	if (nrec * 8 + 1 > size)
		nrec = (size - 1) / 8;
	const u8 *rec = data + 1, *rest = data + 1 + nrec * 8;
	size_t restlen = size - 1 - nrec * 8;
	for (size_t off = 0; restlen && off < 0x100000; off += restlen)
		phys_copy_in(&phys, DATA + off, rest,
			     off + restlen <= 0x100000 ? restlen : 0x100000 - off);
	cpu.msr.feature_control = MSR_IA32_FEATURE_CONTROL_LOCK_MASK |
				  MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK |
				  MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	for (size_t k = 0; k < nrec; k++, rec += 8) {
		bool user = rec[0] & 0x80;
		u32 off;
		memcpy(&off, rec + 4, 4);
		u8 code[64];
		size_t n = emit(code, rec[0] & 0x7f, operand(rec[1], off),
				operand(rec[2], off >> 4), operand(rec[3], off >> 8), user);
		code[n++] = 0xeb; /* jmp $: the run ends on its budget */
		code[n++] = 0xfe;
		phys_copy_in(&phys, CODE, code, n);
		cpu_set_flat64(&cpu, user ? 3 : 0);
		cpu.cr0 = 0x80000033;
		cpu.cr3 = 0x1000;
		cpu.cr4 = 0x620;
		cpu.msr.efer = 0xd01;
		cpu.idtr = (struct dtr){0, 0}; /* any delivery: triple fault */
		cpu.gpr[4] = 0x180000;
		cpu.rip = CODE;
		cpu.halted = false;
		cpu_run(&cpu, 64);
	}
	cpu_destroy(&cpu);
	phys_free(&phys); /* destroys the EPC */
	return 0;
}
