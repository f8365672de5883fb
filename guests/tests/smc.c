// SPDX-License-Identifier: MIT
/*
 * Self-modifying and cross-modifying code (SDM Vol. 3A 11.6 "Self-Modifying Code"): a store to
 * code that is about to run is seen by the next fetch, also when the store goes through
 * another linear address mapping the same physical page, and for an instruction that crosses
 * a page boundary.
 */
#include "guest.h"

static u8 *buf;

typedef u64 fn_t(void);

static void emit_mov_eax_ret(u8 *p, u32 imm)
{
	p[0] = 0xb8; /* mov eax, imm32 */
	memcpy(p + 1, &imm, 4);
	p[5] = 0xc3; /* ret */
}

static void test_patch_between_calls(void)
{
	emit_mov_eax_ret(buf, 1);
	fn_t *f = (fn_t *)buf;
	u64 a = f();
	buf[1] = 2;
	u64 b = f();
	emit_mov_eax_ret(buf, 0x12345678);
	u64 c = f();
	report(a == 1 && b == 2 && c == 0x12345678, "patched between calls: %lu %lu 0x%lx", a, b,
	       c);
}

/* mov byte [rip + 1], 7 patches the immediate of the very next instruction. */
static void test_patch_next_instruction(void)
{
	u8 *p = buf + 64;
	static const u8 code[] = {0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x07, /* mov [rip+1], 7 */
				  0xb8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1 */
				  0xc3};
	memcpy(p, code, sizeof(code));
	u64 v = ((fn_t *)p)();
	report(v == 7, "store to the next instruction is seen (eax = %lu)", v);
	u64 again = ((fn_t *)p)();
	report(again == 7 && p[8] == 7, "the patched code stays patched");
}

/*
 * A loop run often enough that the processor's decoded records of it are linked to each
 * other (straight-line successors and branch targets), then patched: between runs (the add's
 * immediate; the back edge's displacement) and by the loop itself halfway through.
 */
static void test_hot_loop(void)
{
	u8 *p = buf + 256;
	static const u8 code[] = {0x31, 0xc0,                   /* xor eax, eax */
				  0xb9, 0x64, 0x00, 0x00, 0x00, /* mov ecx, 100 */
				  0x83, 0xc0, 0x01,             /* L: add eax, 1 */
				  0xff, 0xc9,                   /* dec ecx */
				  0x75, 0xf9,                   /* jnz L */
				  0xc3};
	memcpy(p, code, sizeof(code));
	u64 a = ((fn_t *)p)();
	p[9] = 2; /* add eax, 2 */
	u64 b = ((fn_t *)p)();
	p[13] = 0xfc; /* jnz to the dec: the add runs once */
	u64 c = ((fn_t *)p)();
	report(a == 100 && b == 200 && c == 2, "patched hot loop: %lu %lu %lu", a, b, c);

	static const u8 self[] = {0x31, 0xc0,                   /* xor eax, eax */
				  0xb9, 0x64, 0x00, 0x00, 0x00, /* mov ecx, 100 */
				  0x83, 0xc0, 0x01,             /* L: add eax, 1 */
				  0x83, 0xf9, 0x32,             /* cmp ecx, 50 */
				  0x75, 0x07,                   /* jne S */
				  0xc6, 0x05, 0xf3, 0xff, 0xff,
				  0xff, 0x03, /* mov byte [L + 2], 3 */
				  0xff, 0xc9, /* S: dec ecx */
				  0x75, 0xed, /* jnz L */
				  0xc3};
	p = buf + 512;
	memcpy(p, self, sizeof(self));
	u64 d = ((fn_t *)p)();
	report(d == 51 + 49 * 3, "loop patching itself halfway: %lu", d);
}

static void test_alias(void)
{
	u64 alias = pt_alias((u64)buf, PTE_P | PTE_W);
	u8 *w = (u8 *)alias;
	emit_mov_eax_ret(buf + 128, 10);
	fn_t *f = (fn_t *)(buf + 128);
	u64 a = f();
	w[128 + 1] = 11; /* through the other linear address */
	u64 b = f();
	report(a == 10 && b == 11, "write through an alias mapping is seen (%lu, %lu)", a, b);
}

static void test_page_crossing(void)
{
	/* mov eax, imm32 straddling the boundary of buf's page and the next one. */
	u8 *p = buf + 4096 - 3;
	emit_mov_eax_ret(p, 0x11111111);
	fn_t *f = (fn_t *)p;
	u64 a = f();
	buf[4096] = 0x22; /* the first byte after the boundary: imm bits 23:16 */
	u64 b = f();
	report(a == 0x11111111 && b == 0x11221111, "page-crossing instruction: 0x%lx then 0x%lx", a,
	       b);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	buf = page_alloc();
	page_alloc(); /* the next page, for the page-crossing case */
	test_patch_between_calls();
	test_patch_next_instruction();
	test_hot_loop();
	test_alias();
	test_page_crossing();
	return report_summary();
}
