// SPDX-License-Identifier: MIT
/*
 * I/O instructions: L0 sets "unconditional I/O exiting", so every IN, INS, OUT and OUTS exits
 * (SDM Vol. 3C 25.1.3 "Instructions That Cause VM Exits Conditionally"), basic reason 30.  Exit
 * qualification (27.2.1, Table 27-5 "Exit Qualification for I/O Instructions"): bits 2:0 size
 * of access - 1, bit 3 direction (1 = IN), bit 4 string instruction, bit 5 REP prefix, bit 6
 * operand encoding (0 = DX, 1 = immediate), bits 31:16 port.  The VM-exit instruction length
 * is the length with prefixes (27.2.5).  Port 0x80 has no device: IN reads all ones, OUT is
 * dropped (DESIGN.md section 4).  Each exiting instruction has a global label io_at_* for
 * io.expect.
 */
#include "guest.h"

#define NO_DEV 0x80

u64 io_out8_imm(u64 v);
u64 io_in16_dx(u64 port, u64 rax);
u64 io_in32_imm(u64 rax);
u64 io_out32_dx(u64 port, u64 v);
u64 io_in8_dx(u64 port, u64 rax);
u64 io_outsb_rep(u64 port, const void *src, u64 n);
u64 io_outsw(u64 port, const void *src);
u64 io_insb_rep(u64 port, void *dst, u64 n);
u64 io_insd_a32(u64 port, void *dst);

/* RDI, RSI, RDX: arguments; RAX: the result (the IN value merged into the RAX passed in). */
__asm__(".text\n"
	".globl io_out8_imm\nio_out8_imm:\n"
	"mov %rdi, %rax\n"
	".globl io_at_out8_imm\nio_at_out8_imm:\n"
	"outb %al, $0x80\n" /* E6 80 */
	"ret\n"
	".globl io_in16_dx\nio_in16_dx:\n"
	"mov %rsi, %rax\nmov %rdi, %rdx\n"
	".globl io_at_in16_dx\nio_at_in16_dx:\n"
	"inw %dx, %ax\n" /* 66 ED */
	"ret\n"
	".globl io_in32_imm\nio_in32_imm:\n"
	"mov %rdi, %rax\n"
	".globl io_at_in32_imm\nio_at_in32_imm:\n"
	"inl $0x80, %eax\n" /* E5 80 */
	"ret\n"
	".globl io_out32_dx\nio_out32_dx:\n"
	"mov %rsi, %rax\nmov %rdi, %rdx\n"
	".globl io_at_out32_dx\nio_at_out32_dx:\n"
	"outl %eax, %dx\n" /* EF */
	"ret\n"
	".globl io_in8_dx\nio_in8_dx:\n"
	"mov %rsi, %rax\nmov %rdi, %rdx\n"
	".globl io_at_in8_dx\nio_at_in8_dx:\n"
	"inb %dx, %al\n" /* EC */
	"ret\n"
	/* RSI = source, RCX = count; returns the RCX left. */
	".globl io_outsb_rep\nio_outsb_rep:\n"
	"mov %rdx, %rcx\nmov %rdi, %rdx\n"
	".globl io_at_outsb_rep\nio_at_outsb_rep:\n"
	"rep outsb\n" /* F3 6E */
	"mov %rcx, %rax\n"
	"ret\n"
	".globl io_outsw\nio_outsw:\n"
	"mov %rdi, %rdx\n"
	".globl io_at_outsw\nio_at_outsw:\n"
	"outsw\n" /* 66 6F */
	"mov %rsi, %rax\n"
	"ret\n"
	/* RDI = destination (ES:RDI), RCX = count. */
	".globl io_insb_rep\nio_insb_rep:\n"
	"mov %rdx, %rcx\nmov %rdi, %rdx\nmov %rsi, %rdi\n"
	".globl io_at_insb_rep\nio_at_insb_rep:\n"
	"rep insb\n" /* F3 6C */
	"mov %rdi, %rax\n"
	"ret\n"
	/* 32-bit address size: ES:EDI. */
	".globl io_insd_a32\nio_insd_a32:\n"
	"mov %rdi, %rdx\nmov %rsi, %rdi\n"
	".globl io_at_insd_a32\nio_at_insd_a32:\n"
	"addr32 insl\n" /* 67 6D */
	"mov %rdi, %rax\n"
	"ret\n");

static void test_plain(void)
{
	io_out8_imm(0x5a);
	report(io_in16_dx(0x1234, 0x1111222233334444ull) == 0x111122223333ffffull,
	       "IN AX, DX: all ones in AX, RAX bits 63:16 kept");
	report(io_in32_imm(0x1111222233334444ull) == 0xffffffffull,
	       "IN EAX, imm8: all ones in EAX, RAX bits 63:32 cleared");
	io_out32_dx(0xabcd, 0x12345678);
	/* The debug console answers 0xE9 (DESIGN.md section 4). */
	report(io_in8_dx(VX_PORT_CONSOLE, 0x1122334455667700ull) == 0x11223344556677e9ull,
	       "IN AL, DX from the debug console: 0xE9, RAX bits 63:8 kept");
}

static void test_string(void)
{
	static const u8 src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static u8 dst[16];
	report(io_outsb_rep(NO_DEV, src, 5) == 0, "REP OUTSB: RCX counted down to 0");
	report(io_outsw(NO_DEV, src) == (u64)src + 2, "OUTSW: RSI advanced by 2");
	memset(dst, 0, sizeof(dst));
	report(io_insb_rep(NO_DEV, dst, 3) == (u64)dst + 3, "REP INSB: RDI advanced by 3");
	report(dst[0] == 0xff && dst[2] == 0xff && dst[3] == 0, "REP INSB: 3 bytes of all ones");
	report(io_insd_a32(NO_DEV, dst + 8) == (u64)dst + 12, "INSD (a32): EDI advanced by 4");
	report(*(u32 *)(dst + 8) == 0xffffffffu, "INSD: 4 bytes of all ones");
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	test_plain();
	test_string();
	return report_summary();
}
