// SPDX-License-Identifier: MIT
/*
 * EPT misconfiguration (basic reason 49): L0 maps the MMIO test device's page (0xFEB00000,
 * DESIGN.md section 4) with a misconfigured EPT entry on purpose (KVM's MMIO technique), so
 * every access to it exits; L0 emulates the instruction.  The exit qualification is cleared
 * (SDM Vol. 3C 27.2.1 "Basic VM-Exit Information": EPT misconfigurations are not among the
 * exits that save one), the guest-physical address is saved, RIP is that of the accessing
 * instruction, and the VM-exit instruction length is undefined (27.2.5 does not list EPT
 * misconfigurations), so mmio.expect does not check it.  Loads and stores of 1, 2, 4 and 8
 * bytes and MOVZX; labels mmio_at_* mark each access.
 */
#include "guest.h"

/* RDI = address, RSI = value to store; loads return the value read (RAX preset to all ones
 * so that a narrow load shows what it leaves of RAX). */
u64 mmio_st8(volatile void *p, u64 v);
u64 mmio_st16(volatile void *p, u64 v);
u64 mmio_st32(volatile void *p, u64 v);
u64 mmio_st64(volatile void *p, u64 v);
u64 mmio_ld8(volatile void *p);
u64 mmio_ld16(volatile void *p);
u64 mmio_ld32(volatile void *p);
u64 mmio_ld64(volatile void *p);
u64 mmio_movzx8(volatile void *p);
u64 mmio_movzx16(volatile void *p);

#define ST(fn, insn) \
	".globl " #fn "\n" #fn ":\n.globl mmio_at_" #fn "\nmmio_at_" #fn ":\n" insn "\nret\n"
#define LD(fn, insn)                                                                               \
	".globl " #fn "\n" #fn ":\nmov $-1, %rax\n.globl mmio_at_" #fn "\nmmio_at_" #fn ":\n" insn \
	"\nret\n"
__asm__(".text\n" ST(mmio_st8, "mov %sil, (%rdi)") ST(mmio_st16, "mov %si, (%rdi)")
	    ST(mmio_st32, "mov %esi, (%rdi)") ST(mmio_st64, "mov %rsi, (%rdi)")
		LD(mmio_ld8, "mov (%rdi), %al") LD(mmio_ld16, "mov (%rdi), %ax")
		    LD(mmio_ld32, "mov (%rdi), %eax") LD(mmio_ld64, "mov (%rdi), %rax")
			LD(mmio_movzx8, "movzbl (%rdi), %eax")
			    LD(mmio_movzx16, "movzwq (%rdi), %rax"));

int main(struct vx_boot_info *bi)
{
	volatile u8 *dev = (volatile u8 *)bi->mmio_test_base;
	report(bi->mmio_test_base == VX_MMIO_TEST_BASE, "device at 0x%lx", bi->mmio_test_base);
	mmio_st64(dev + 0x10, 0x0123456789abcdefull);
	mmio_st32(dev + 0x20, 0x89abcdef);
	mmio_st16(dev + 0x28, 0x4567);
	mmio_st8(dev + 0x30, 0xa5);
	report(mmio_ld64(dev + 0x10) == 0x0123456789abcdefull, "8-byte load");
	report(mmio_ld32(dev + 0x14) == 0x01234567, "4-byte load: EAX, RAX bits 63:32 cleared");
	report(mmio_ld16(dev + 0x20) == 0xffffffffffffcdefull, "2-byte load: RAX bits 63:16 kept");
	report(mmio_ld8(dev + 0x30) == 0xffffffffffffffa5ull, "1-byte load: RAX bits 63:8 kept");
	report(mmio_movzx8(dev + 0x11) == 0xcd, "MOVZX from a byte");
	report(mmio_movzx16(dev + 0x28) == 0x4567, "MOVZX from a word");
	return report_summary();
}
