// SPDX-License-Identifier: MIT
/*
 * The bare-mode machine (src/vm): boot state of DESIGN.md section 4, the devices (exit port,
 * console, MMIO test device, interrupt timer), the run loop's ends (halt, triple fault,
 * budget) and the trace records written through the sink in vm_config (src/lib/trace.h).  Guests
 * are a few hand-assembled instructions wrapped in an ELF by elf_builder.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/msr.h"
#include "elf_builder.h"
#include "lib/out.h"
#include "lib/trace.h"
#include "vm/machine.h"
#include "vx/boot.h"
#include "vx/cpu.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

struct run {
	struct vm *vm;
	char *console, *trace;
	size_t console_len, trace_len;
	FILE *cf, *tf;
	bool untraced;        /* set before start(): no trace sink at all (cfg.trace = NULL) */
	struct vx_trace sink; /* JSON Lines into tf */
	struct vm_result res;
};

/* A machine with the console and the trace captured in memory, running `code` at 1 MiB. */
static void start(struct run *r, const u8 *code, size_t len, u64 max_insns, const char *args)
{
	bool untraced = r->untraced;
	memset(r, 0, sizeof(*r));
	r->untraced = untraced;
	r->cf = open_memstream(&r->console, &r->console_len);
	r->tf = open_memstream(&r->trace, &r->trace_len);
	assert_non_null(r->cf);
	assert_non_null(r->tf);
	trace_init(&r->sink);
	trace_open(&r->sink, r->tf, TRACE_FMT_JSONL);
	struct vm_config cfg = {.max_insns = max_insns,
				.guest_args = args,
				.console = r->cf,
				.trace = r->untraced ? NULL : &r->sink};
	char err[256];
	r->vm = vm_create(&cfg, err, sizeof(err));
	assert_non_null(r->vm);
	struct elf_builder b;
	eb_simple(&b, VX_BOOT_IMAGE_MIN, code, len, 0);
	assert_true(vm_load_elf(r->vm, b.buf, b.len, err, sizeof(err)));
}

static void run_it(struct run *r)
{
	vm_run(r->vm, &r->res);
	fflush(r->cf);
	fflush(r->tf);
}

static void finish(struct run *r)
{
	vm_destroy(r->vm);
	trace_close(&r->sink);
	fclose(r->cf);
	fclose(r->tf);
	free(r->console);
	free(r->trace);
}

/* Place extra code (an interrupt handler) at pa. */
static void poke(struct run *r, u64 pa, const u8 *bytes, size_t len)
{
	assert_true(vx_phys_copy_in(vm_phys(r->vm), pa, bytes, len));
}

/* An IDT at 0x200000 whose gate `vector` is a 64-bit interrupt gate to `handler`. */
static void idt_with_gate(struct run *r, unsigned vector, u64 handler)
{
	const u64 idt = 0x200000;
	u64 lo = (handler & 0xffff) | ((u64)VX_SEL_CODE0 << 16) | (0xeull << 40) | BIT(47) |
		 ((handler >> 16 & 0xffff) << 48);
	vx_phys_write(vm_phys(r->vm), idt + 16 * vector, 8, lo);
	vx_phys_write(vm_phys(r->vm), idt + 16 * vector + 8, 8, handler >> 32);
	vx_cpu_set_idtr(vm_cpu(r->vm), &(struct vx_dtable){idt, 0xfff});
}

/* ---- the public processor interface (include/vx/cpu.h) ---- */

static void test_public_phys(void **state)
{
	(void)state;
	const u64 ram = 4u << 20;
	struct vx_phys *p = vx_phys_create(ram);
	assert_non_null(p);
	assert_int_equal(vx_phys_ram_size(p), ram);
	u8 b[16] = {1, 2, 3};
	assert_false(vx_phys_copy_in(p, ram - 8, b, 16)); /* not all RAM: nothing copied */
	assert_int_equal(vx_phys_read(p, ram - 8, 1), 0);
	assert_true(vx_phys_copy_in(p, ram - 16, b, 16));
	assert_int_equal(vx_phys_read(p, ram - 16, 2), 0x0201);
	assert_false(vx_phys_copy_out(p, ~0ull - 4, b, 8));
	assert_int_equal(vx_phys_read(p, 0x80000000, 4), 0xffffffffu); /* unbacked */
	assert_int_equal(vx_phys_read(p, 0, 3), 0);                    /* not an access size */
	u8 ctx;
	assert_false(vx_phys_add_mmio(p, ram - 4096, 8192, NULL, NULL, &ctx)); /* no callbacks */
	vx_phys_destroy(p);
}

static u64 dummy_read(void *ctx, u64 pa, unsigned size)
{
	(void)ctx;
	return pa + size;
}

static void dummy_write(void *ctx, u64 pa, unsigned size, u64 v)
{
	*(u64 *)ctx = pa ^ size ^ v;
}

static void test_public_mmio(void **state)
{
	(void)state;
	struct vx_phys *p = vx_phys_create(4u << 20);
	u64 last = 0;
	assert_false(
	    vx_phys_add_mmio(p, 0x100000, 0x1000, dummy_read, dummy_write, &last)); /* RAM */
	assert_false(vx_phys_add_mmio(p, ~0ull - 0xfff, 0x2000, dummy_read, dummy_write, &last));
	assert_true(vx_phys_add_mmio(p, 0xc0000000, 0x1000, dummy_read, dummy_write, &last));
	assert_false(vx_phys_add_mmio(p, 0xc0000800, 0x1000, dummy_read, dummy_write, &last));
	assert_int_equal(vx_phys_read(p, 0xc0000010, 8), 0xc0000018);
	vx_phys_write(p, 0xc0000020, 4, 0x5);
	assert_int_equal(last, 0xc0000020ull ^ 4 ^ 5);
	vx_phys_destroy(p);
}

static void test_public_cpu_state(void **state)
{
	(void)state;
	assert_true(vx_cpu_profile_known(NULL) && vx_cpu_profile_known("default"));
	assert_false(vx_cpu_profile_known("nope"));
	assert_non_null(vx_cpu_profile_name(0));
	assert_true(vx_cpu_profile_known(vx_cpu_profile_name(0)));
	struct vx_phys *p = vx_phys_create(4u << 20);
	assert_null(vx_cpu_create(p, "nope"));
	struct vx_cpu *c = vx_cpu_create(p, NULL);
	assert_non_null(c);
	vx_cpu_set_reg(c, VX_RFLAGS, 0);
	assert_int_equal(vx_cpu_get_reg(c, VX_RFLAGS), 2); /* bit 1 is always 1 */
	vx_cpu_set_reg(c, VX_R15, 0x1515);
	vx_cpu_set_reg(c, VX_CR4, 0x620);
	vx_cpu_set_reg(c, VX_DR7, 0x400);
	assert_int_equal(vx_cpu_get_reg(c, VX_R15), 0x1515);
	assert_int_equal(vx_cpu_get_reg(c, VX_CR4), 0x620);
	assert_int_equal(vx_cpu_get_reg(c, VX_DR7), 0x400);
	struct vx_segment cs = {.sel = 0x1b, .ar = 0xa0fb, .limit = 0xffffffff}, got;
	vx_cpu_set_seg(c, VX_CS, &cs);
	assert_int_equal(vx_cpu_cpl(c), 3); /* CPL = CS.DPL */
	vx_cpu_get_seg(c, VX_CS, &got);
	assert_true(got.sel == cs.sel && got.ar == cs.ar && got.limit == cs.limit &&
		    got.base == cs.base);
	u64 v;
	assert_true(vx_cpu_set_msr(c, MSR_IA32_LSTAR, 0xffffffff81000000ull));
	assert_true(vx_cpu_get_msr(c, MSR_IA32_LSTAR, &v));
	assert_int_equal(v, 0xffffffff81000000ull);
	assert_true(vx_cpu_set_msr(c, MSR_IA32_TIME_STAMP_COUNTER, 1000));
	assert_true(vx_cpu_get_msr(c, MSR_IA32_TIME_STAMP_COUNTER, &v));
	assert_int_equal(v, 1000);
	assert_false(vx_cpu_set_msr(c, 0x12345, 1));
	assert_false(vx_cpu_get_msr(c, 0x12345, &v));
	/* The default profile has SGX; narrowing it off removes it from this processor only. */
	unsigned f = vx_cpu_features(c);
	assert_true(f & VX_FEAT_VMX);
	assert_true(vx_cpu_restrict_sgx(c, VX_SGX_OFF, false));
	assert_false(vx_cpu_features(c) & (VX_FEAT_SGX1 | VX_FEAT_SGX2 | VX_FEAT_SGX_LC));
	assert_false(vx_cpu_halted(c));
	vx_cpu_destroy(c);
	vx_phys_destroy(p);
}

/* ---- boot state (DESIGN.md section 4) ---- */

static void test_boot_state(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 0, "hello world");
	struct vx_cpu *c = vm_cpu(r.vm);
	struct vx_phys *p = vm_phys(r.vm);
	assert_int_equal(vx_cpu_get_reg(c, VX_CR0), 0x80010033);
	assert_int_equal(vx_cpu_get_reg(c, VX_CR4), 0x620);
	assert_int_equal(vx_cpu_get_reg(c, VX_CR3), VX_BOOT_PML4_ADDR);
	assert_int_equal(vx_cpu_get_reg(c, VX_RFLAGS), 0x2);
	assert_int_equal(vx_cpu_get_reg(c, VX_RIP), VX_BOOT_IMAGE_MIN);
	assert_int_equal(vx_cpu_get_reg(c, VX_RSP), VX_BOOT_STACK_TOP);
	assert_int_equal(vx_cpu_get_reg(c, VX_RDI), VX_BOOT_INFO_ADDR);
	assert_int_equal(vx_cpu_cpl(c), 0);
	u64 v;
	assert_true(vx_cpu_get_msr(c, MSR_IA32_EFER, &v));
	assert_int_equal(v, 0xd01);
	/* Locked; VMX outside SMX because the default profile has VMX; no SGX in bare mode. */
	assert_true(vx_cpu_get_msr(c, MSR_IA32_FEATURE_CONTROL, &v));
	assert_true(vx_cpu_features(c) & VX_FEAT_VMX);
	assert_int_equal(v, 0x5);

	struct vx_segment s;
	vx_cpu_get_seg(c, VX_CS, &s);
	assert_int_equal(s.sel, 0x08);
	assert_int_equal(s.ar, 0xa09b);
	vx_cpu_get_seg(c, VX_SS, &s);
	assert_int_equal(s.sel, 0x10);
	assert_int_equal(s.ar, 0xc093);
	vx_cpu_get_seg(c, VX_TR, &s);
	assert_int_equal(s.sel, 0x28);
	assert_int_equal(s.base, VX_BOOT_TSS_ADDR);
	assert_int_equal(s.limit, 0x67);
	assert_int_equal(s.ar, 0x8b);
	struct vx_dtable d;
	vx_cpu_get_idtr(c, &d);
	assert_int_equal(d.limit, 0);
	vx_cpu_get_gdtr(c, &d);
	assert_int_equal(d.base, VX_BOOT_GDT_ADDR);
	assert_int_equal(d.limit, 7 * 8 - 1);

	/* GDT descriptors: the exact selectors of the boot protocol. */
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x08, 8), 0x00af9b000000ffffull);
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x10, 8), 0x00cf93000000ffffull);
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x18, 8), 0x00affb000000ffffull);
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x20, 8), 0x00cff3000000ffffull);
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x28, 8), 0x00008b0040000067ull);
	assert_int_equal(vx_phys_read(p, VX_BOOT_GDT_ADDR + 0x30, 8), 0);
	/* TSS: RSP0 = stack top, no I/O bitmap. */
	assert_int_equal(vx_phys_read(p, VX_BOOT_TSS_ADDR + 4, 8), VX_BOOT_STACK_TOP);
	assert_int_equal(vx_phys_read(p, VX_BOOT_TSS_ADDR + 102, 2), 0x68);
	/* Identity map: 2 MiB pages, P RW US PS, up to 4 GiB (the MMIO test device included). */
	assert_int_equal(vx_phys_read(p, VX_BOOT_PML4_ADDR, 8), VX_BOOT_PDPT_ADDR | 7);
	assert_int_equal(vx_phys_read(p, VX_BOOT_PDPT_ADDR + 24, 8),
			 (VX_BOOT_PD_ADDR + 0x3000) | 7);
	u64 pde = vx_phys_read(p, VX_BOOT_PD_ADDR + 8 * (VX_MMIO_TEST_BASE >> 21), 8);
	assert_int_equal(pde, (VX_MMIO_TEST_BASE & ~0x1fffffull) | 0x87);

	struct vx_boot_info bi;
	assert_true(vx_phys_copy_out(p, VX_BOOT_INFO_ADDR, &bi, sizeof(bi)));
	assert_int_equal(bi.magic, 0x49425856);
	assert_int_equal(bi.version, 1);
	assert_int_equal(bi.ram_size, VX_BOOT_RAM_DEFAULT);
	assert_int_equal(bi.epc_base, 0);
	assert_int_equal(bi.mmio_test_base, 0xfeb00000);
	assert_int_equal(bi.console_port, 0xe9);
	assert_int_equal(bi.exit_port, 0xf4);
	assert_int_equal(bi.timer_port, VX_PORT_TIMER);
	assert_int_equal(bi.free_base, VX_BOOT_IMAGE_MIN + 0x1000); /* image end, page-aligned */
	assert_int_equal(bi.cmdline, VX_BOOT_CMDLINE_ADDR);
	assert_int_equal(bi.l2_image, 0);
	char args[16];
	assert_true(vx_phys_copy_out(p, VX_BOOT_CMDLINE_ADDR, args, 12));
	assert_string_equal(args, "hello world");
	finish(&r);
}

static void test_bad_config(void **state)
{
	(void)state;
	char err[256];
	struct vm_config cfg = {.ram_size = 1 << 20};
	assert_null(vm_create(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "RAM size"));
	cfg = (struct vm_config){.profile = "no-such-cpu"};
	assert_null(vm_create(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "profile"));
	/* An argument string longer than its page is refused at load. */
	char *big = malloc(VX_BOOT_CMDLINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', VX_BOOT_CMDLINE_MAX);
	big[VX_BOOT_CMDLINE_MAX] = 0;
	cfg = (struct vm_config){.guest_args = big};
	struct vm *vm = vm_create(&cfg, err, sizeof(err));
	assert_non_null(vm);
	struct elf_builder b;
	eb_simple(&b, VX_BOOT_IMAGE_MIN, "\xf4", 1, 0);
	assert_false(vm_load_elf(vm, b.buf, b.len, err, sizeof(err)));
	assert_non_null(strstr(err, "--guest-args"));
	struct vm_result res;
	vm_run(vm, &res); /* nothing loaded: an error, not a crash */
	assert_int_equal(res.why, VM_STOP_ERROR);
	vm_destroy(vm);
	free(big);
}

/* ---- devices ---- */

static void test_exit_port(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov eax, 0x1234; out 0xf4, eax */
	start(&r, CODE(0xb8, 0x34, 0x12, 0, 0, 0xe7, 0xf4), 0, NULL);
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_EXIT);
	assert_int_equal(r.res.status, 0x34); /* N & 0xff */
	assert_int_equal(r.res.retired, 2);
	assert_string_equal(r.res.msg, "");
	assert_non_null(strstr(r.trace, "{\"t\":1,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"io\",\"dir\":"
					"\"out\",\"port\":244,\"size\":4,\"value\":\"0x1234\"}\n"));
	assert_non_null(strstr(r.trace, "\"ev\":\"exit\",\"status\":52,\"reason\":\"exit_port\""));
	finish(&r);
}

static void test_exit_port_needs_32_bits(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 0, NULL);
	struct vx_io io = {.in = false, .port = VX_PORT_EXIT, .size = 1, .value = 9};
	vm_port_io(r.vm, vm_cpu(r.vm), &io);
	io.size = 2;
	vm_port_io(r.vm, vm_cpu(r.vm), &io);
	finish(&r);
	/* Narrow writes did not end the run: a budgeted run then ends by budget. */
	start(&r, CODE(0xb0, 0x07, 0xe6, 0xf4, 0xeb, 0xfe), 100, NULL); /* out 0xf4, al */
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_BUDGET);
	finish(&r);
}

static void test_console(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov al,'h'; out 0xe9,al; mov al,'i'; out 0xe9,al; mov dx,0xe9; mov eax,0x4121;
	 * out dx,eax (low byte '!'); in al,dx; mov ebx,eax; xor eax,eax; out 0xf4,eax */
	start(&r,
	      CODE(0xb0, 'h', 0xe6, 0xe9, 0xb0, 'i', 0xe6, 0xe9, 0x66, 0xba, 0xe9, 0x00, 0xb8, 0x21,
		   0x41, 0, 0, 0xef, 0xec, 0x89, 0xc3, 0x31, 0xc0, 0xe7, 0xf4),
	      0, NULL);
	run_it(&r);
	assert_int_equal(r.res.status, 0);
	assert_int_equal(r.console_len, 3);
	assert_memory_equal(r.console, "hi!", 3);
	/* IN from the console port reads 0xE9 (presence check). */
	assert_int_equal(vx_cpu_get_reg(vm_cpu(r.vm), VX_RBX) & 0xff, 0xe9);
	finish(&r);
}

/*
 * Console records: one per line without its '\n' (an empty line gives ""), stamped with the
 * OUT of the '\n'; the unfinished last line comes when the run ends, before the exit record.
 * NUL is printed but left out of the record; a byte that is not UTF-8 is escaped as \u00XX.
 */
static void test_console_records(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov al, C; out 0xe9, al for "hi\n\na\0\xffb"; xor eax, eax; out 0xf4, eax */
	static const char text[] = "hi\n\na\0\xff"
				   "b";
	u8 code[4 * (sizeof(text) - 1) + 4];
	size_t n = 0;
	for (size_t k = 0; k + 1 < sizeof(text); k++) {
		code[n++] = 0xb0;
		code[n++] = (u8)text[k];
		code[n++] = 0xe6;
		code[n++] = 0xe9;
	}
	memcpy(code + n, (const u8[]){0x31, 0xc0, 0xe7, 0xf4}, 4);
	start(&r, code, sizeof(code), 0, NULL);
	run_it(&r);
	assert_int_equal(r.res.status, 0);
	assert_int_equal(r.console_len, sizeof(text) - 1);
	assert_memory_equal(r.console, text, sizeof(text) - 1);
	assert_non_null(strstr(r.trace, "{\"t\":5,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"console\","
					"\"text\":\"hi\"}\n"));
	assert_non_null(strstr(r.trace, "{\"t\":7,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"console\","
					"\"text\":\"\"}\n"));
	const char *last = strstr(r.trace, "{\"t\":18,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"console\","
					   "\"text\":\"a\\u00ffb\"}\n");
	const char *ex = strstr(r.trace, "\"ev\":\"exit\"");
	assert_non_null(last);
	assert_non_null(ex);
	assert_true(last < ex);
	assert_int_equal(r.sink.count[TRACE_console], 3);
	finish(&r);
}

static void console_write(struct run *r, const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		struct vx_io io = {.port = VX_PORT_CONSOLE, .size = 1, .value = (u8)s[k]};
		vm_port_io(r->vm, vm_cpu(r->vm), &io);
	}
}

/* A line longer than a record (256 bytes) is split, never inside a UTF-8 sequence, and the
 * '\n' right after a split adds no empty record. */
static void test_console_long_line(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 0, NULL);
	char line[300];
	memset(line, 'x', 255);
	memcpy(line + 255, "\xc3\xa9\n", 3); /* U+00E9 straddles byte 256 */
	console_write(&r, line, 258);
	memset(line, 'y', 256);
	line[256] = '\n';
	console_write(&r, line, 257);
	fflush(r.tf);
	assert_int_equal(r.sink.count[TRACE_console], 3);
	char want[300] = "\"text\":\"";
	memset(want + 8, 'x', 255);
	strcpy(want + 8 + 255, "\"}\n");
	assert_non_null(strstr(r.trace, want));
	assert_non_null(strstr(r.trace, "\"text\":\"\xc3\xa9\"}\n"));
	memset(want + 8, 'y', 256);
	strcpy(want + 8 + 256, "\"}\n");
	assert_non_null(strstr(r.trace, want));
	assert_null(strstr(r.trace, "\"text\":\"\"}"));
	assert_null(strstr(r.trace, "\\u00c3"));
	finish(&r);
}

/* The sink given in vm_config: its mask and hook apply, its clock is the retired count, and
 * vm_destroy leaves it without a clock pointing at the freed machine. */
struct seen {
	unsigned n;
	enum trace_event ev[8];
	u64 t[8];
};

static void seen_hook(void *ctx, const struct trace_record *rec)
{
	struct seen *s = ctx;
	if (s->n < 8) {
		s->ev[s->n] = rec->ev;
		s->t[s->n] = rec->time;
	}
	s->n++;
}

static void test_trace_sink(void **state)
{
	(void)state;
	struct run r = {0};
	struct seen s = {0};
	start(&r, CODE(0xb8, 0x34, 0x12, 0, 0, 0xe7, 0xf4), 0, NULL);
	assert_non_null(r.sink.clock);
	trace_set_hook(&r.sink, seen_hook, &s);
	trace_set_mask(&r.sink, TRACE_MASK_ALL & ~TRACE_MASK(TRACE_io));
	run_it(&r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0], TRACE_exit);
	assert_int_equal(s.t[0], 2);
	assert_null(strstr(r.trace, "\"ev\":\"io\""));
	assert_string_equal(r.trace,
			    "{\"t\":2,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"exit\",\"status\":52,"
			    "\"reason\":\"exit_port\",\"rip\":\"0x100007\"}\n");
	vm_destroy(r.vm);
	r.vm = NULL;
	assert_null(r.sink.clock);
	finish(&r);
}

/* Guest text that reaches the structured output (src/lib/out.c) is escaped like the trace's:
 * a byte that is not UTF-8 becomes \u00XX, valid UTF-8 passes through. */
static void test_out_escapes_guest_bytes(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	out_json_string(f, "a\xff\xc3\xa9\x01\"");
	fclose(f);
	assert_string_equal(buf, "\"a\\u00ff\xc3\xa9\\u0001\\\"\"");
	free(buf);
}

static void test_unknown_ports(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 0, NULL);
	struct vx_io io = {.in = true, .port = 0x80, .size = 1};
	vm_port_io(r.vm, vm_cpu(r.vm), &io);
	assert_int_equal(io.value, 0xff);
	io = (struct vx_io){.in = true, .port = 0x1234, .size = 4};
	vm_port_io(r.vm, vm_cpu(r.vm), &io);
	assert_int_equal(io.value, 0xffffffffu);
	io = (struct vx_io){.in = false, .port = 0x80, .size = 2, .value = 5};
	vm_port_io(r.vm, vm_cpu(r.vm), &io); /* dropped */
	fflush(r.tf);
	assert_non_null(
	    strstr(r.trace, "\"dir\":\"in\",\"port\":128,\"size\":1,\"value\":\"0xff\""));
	finish(&r);
}

static void test_mmio_device(void **state)
{
	(void)state;
	struct run r = {0};
	/* movabs rax, 0x1122334455667788; mov ebx, 0xfeb00010; mov [rbx], rax; mov rcx, [rbx];
	 * mov edx, [rbx+4]; xor eax, eax; out 0xf4, eax */
	start(&r,
	      CODE(0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xbb, 0x10, 0x00,
		   0xb0, 0xfe, 0x48, 0x89, 0x03, 0x48, 0x8b, 0x0b, 0x8b, 0x53, 0x04, 0x31, 0xc0,
		   0xe7, 0xf4),
	      0, NULL);
	run_it(&r);
	assert_int_equal(r.res.status, 0);
	struct vx_cpu *c = vm_cpu(r.vm);
	assert_int_equal(vx_cpu_get_reg(c, VX_RCX), 0x1122334455667788ull);
	assert_int_equal(vx_cpu_get_reg(c, VX_RDX), 0x11223344);
	assert_non_null(strstr(r.trace, "\"ev\":\"mmio\",\"dir\":\"write\",\"pa\":\"0xfeb00010\","
					"\"size\":8,\"value\":\"0x1122334455667788\"}"));
	assert_non_null(strstr(r.trace, "\"ev\":\"mmio\",\"dir\":\"read\",\"pa\":\"0xfeb00014\","
					"\"size\":4,\"value\":\"0x11223344\"}"));
	/* Through the physical-memory API: another register, a narrow write, unwritten = 0. */
	struct vx_phys *p = vm_phys(r.vm);
	vx_phys_write(p, VX_MMIO_TEST_BASE + 0xff8, 8, 0xdeadbeefcafef00dull);
	assert_int_equal(vx_phys_read(p, VX_MMIO_TEST_BASE + 0xff8, 8), 0xdeadbeefcafef00dull);
	vx_phys_write(p, VX_MMIO_TEST_BASE + 0xff9, 1, 0x42);
	assert_int_equal(vx_phys_read(p, VX_MMIO_TEST_BASE + 0xff8, 8), 0xdeadbeefcafe420dull);
	assert_int_equal(vx_phys_read(p, VX_MMIO_TEST_BASE + 0x800, 8), 0);
	/* The register at 0x10 still holds the guest's value. */
	assert_int_equal(vx_phys_read(p, VX_MMIO_TEST_BASE + 0x10, 8), 0x1122334455667788ull);
	finish(&r);
}

/* mov al, 0x40; out 0xe0, al; mov eax, 10; out 0xe4, eax; sti; 1: inc rcx; jmp 1b */
static const u8 timer_code[] = {0xb0, 0x40, 0xe6, 0xe0, 0xb8, 0x0a, 0,    0,   0,
				0xe7, 0xe4, 0xfb, 0x48, 0xff, 0xc1, 0xeb, 0xfb};
/* Handler: mov eax, ecx; out 0xf4, eax */
static const u8 exit_ecx[] = {0x89, 0xc8, 0xe7, 0xf4};

static void test_timer_fires_after_n_instructions(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, timer_code, sizeof(timer_code), 0, NULL);
	poke(&r, 0x100100, exit_ecx, sizeof(exit_ecx));
	idt_with_gate(&r, 0x40, 0x100100);
	run_it(&r);
	/*
	 * The OUT that arms runs with 3 instructions retired: the deadline is 3 + 1 + 10 = 14.
	 * STI retires as the 5th; inc/jmp pairs follow, so the 14th is the 5th INC: RCX = 5, and
	 * the interrupt arrives before the JMP at 0x10000f.
	 */
	assert_int_equal(r.res.why, VM_STOP_EXIT);
	assert_int_equal(r.res.status, 5);
	assert_non_null(strstr(r.trace, "{\"t\":3,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"timer\","
					"\"action\":\"arm\",\"vector\":64,\"deadline\":14}"));
	assert_non_null(strstr(r.trace, "{\"t\":14,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"interrupt\","
					"\"vector\":64,\"rip\":\"0x10000f\"}"));
	finish(&r);
}

static void test_timer_waits_for_if(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov al,0x40; out 0xe0,al; mov eax,2; out 0xe4,eax; nop x4; inc rcx; sti; inc rcx;
	 * 1: jmp 1b */
	start(&r,
	      CODE(0xb0, 0x40, 0xe6, 0xe0, 0xb8, 0x02, 0, 0, 0, 0xe7, 0xe4, 0x90, 0x90, 0x90, 0x90,
		   0x48, 0xff, 0xc1, 0xfb, 0x48, 0xff, 0xc1, 0xeb, 0xfe),
	      0, NULL);
	poke(&r, 0x100100, exit_ecx, sizeof(exit_ecx));
	idt_with_gate(&r, 0x40, 0x100100);
	run_it(&r);
	/* Pending from t = 6 while IF = 0; STI retires as the 10th and its shadow covers the
	 * next instruction (SDM Vol. 2B STI), so the interrupt is taken at t = 11, RCX = 2. */
	assert_int_equal(r.res.status, 2);
	assert_non_null(strstr(r.trace, "\"t\":6,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"timer\","
					"\"action\":\"fire\""));
	assert_non_null(strstr(r.trace, "\"t\":11,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"interrupt\""));
	finish(&r);
}

static void test_timer_wakes_hlt(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov al,0x40; out 0xe0,al; mov eax,100000; out 0xe4,eax; sti; hlt; jmp $ */
	start(&r,
	      CODE(0xb0, 0x40, 0xe6, 0xe0, 0xb8, 0xa0, 0x86, 0x01, 0x00, 0xe7, 0xe4, 0xfb, 0xf4,
		   0xeb, 0xfe),
	      0, NULL);
	/* Handler: mov eax, 7; out 0xf4, eax */
	poke(&r, 0x100100, CODE(0xb8, 7, 0, 0, 0, 0xe7, 0xf4));
	idt_with_gate(&r, 0x40, 0x100100);
	run_it(&r);
	assert_int_equal(r.res.status, 7);
	/* Idle time is skipped: the interrupt arrives right after HLT (t = 6), not at 100004;
	 * the RIP pushed is the one after HLT. */
	assert_non_null(strstr(r.trace, "\"t\":6,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"interrupt\","
					"\"vector\":64,\"rip\":\"0x10000d\""));
	finish(&r);
}

static void test_timer_ports_read_back(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 0, NULL);
	struct vx_cpu *c = vm_cpu(r.vm);
	struct vx_io io = {.port = VX_PORT_TIMER, .size = 1, .value = 0x33};
	vm_port_io(r.vm, c, &io);
	io = (struct vx_io){.in = true, .port = VX_PORT_TIMER, .size = 1};
	vm_port_io(r.vm, c, &io);
	assert_int_equal(io.value, 0x33);
	io = (struct vx_io){.in = true, .port = VX_PORT_TIMER + 4, .size = 4};
	vm_port_io(r.vm, c, &io);
	assert_int_equal(io.value, 0); /* not armed */
	io = (struct vx_io){.port = VX_PORT_TIMER + 4, .size = 4, .value = 500};
	vm_port_io(r.vm, c, &io);
	io = (struct vx_io){.in = true, .port = VX_PORT_TIMER + 4, .size = 4};
	vm_port_io(r.vm, c, &io);
	assert_int_equal(io.value, 501); /* counted from the retirement of the arming OUT */
	finish(&r);
}

/* ---- ends of a run ---- */

static void test_halt_with_interrupts_off(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xfa, 0xf4), 0, NULL); /* cli; hlt */
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_HALT);
	assert_int_equal(r.res.status, 3);
	assert_non_null(strstr(r.res.msg, "interrupts disabled"));
	assert_non_null(strstr(r.trace, "\"ev\":\"exit\",\"status\":3,\"reason\":\"halt\""));
	finish(&r);
	/* IF = 1 but nothing armed: also a halt for good. */
	start(&r, CODE(0xfb, 0xf4), 0, NULL); /* sti; hlt */
	run_it(&r);
	assert_int_equal(r.res.status, 3);
	assert_non_null(strstr(r.res.msg, "no interrupt source armed"));
	finish(&r);
}

static void test_triple_fault(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0x90, 0x0f, 0x0b), 0, NULL); /* nop; ud2 with IDTR.limit = 0 */
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_TRIPLE_FAULT);
	assert_int_equal(r.res.status, 4);
	assert_non_null(strstr(r.res.msg, "triple fault"));
	assert_non_null(strstr(r.res.msg, "#UD"));
	assert_non_null(strstr(r.trace, "\"ev\":\"exception\",\"vector\":6,\"name\":\"#UD\","
					"\"type\":\"hw_exception\",\"rip\":\"0x100001\"}"));
	assert_non_null(strstr(r.trace, "\"ev\":\"triple_fault\""));
	assert_non_null(strstr(r.trace, "\"status\":4,\"reason\":\"triple_fault\""));
	finish(&r);
}

static void test_unsupported_instruction(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xd9, 0xe8), 0, NULL); /* fld1: x87 is not modelled */
	run_it(&r);
	assert_int_equal(r.res.status, 4);
	assert_non_null(strstr(r.trace, "\"ev\":\"unsupported\",\"mnemonic\":\"fld1\","
					"\"rip\":\"0x100000\"}"));
	assert_non_null(strstr(r.res.msg, "unsupported instruction 'fld1' at RIP 0x100000"));
	finish(&r);
}

/* A #PF handler that is not present, on an IST stack: #PF deliveries forever, nothing
 * retires.  The run ends as "stuck" (status 124) instead of hanging the host. */
static void test_exception_loop(void **state)
{
	(void)state;
	struct run r = {.untraced = true};
	/* mov rax, [0x8000000000] (PML4 entry 1: not present) */
	start(&r, CODE(0x48, 0xa1, 0, 0, 0, 0, 0x80, 0, 0, 0), 0, NULL);
	idt_with_gate(&r, 14, 0x8000000000ull);
	vx_phys_write(vm_phys(r.vm), 0x200000 + 16 * 14 + 4, 1, 1);      /* IST = 1 */
	vx_phys_write(vm_phys(r.vm), VX_BOOT_TSS_ADDR + 36, 8, 0x70000); /* TSS.IST1 */
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_STUCK);
	assert_int_equal(r.res.status, 124);
	assert_int_equal(r.res.retired, 0);
	assert_non_null(strstr(r.res.msg, "stuck"));
	assert_non_null(strstr(r.res.msg, "#PF"));
	finish(&r);
}

/* A #PF record: the hardware-exception type, the error code (bit 11 of the interruption
 * information the machine builds) and CR2, the faulting linear address (SDM Vol. 3A 6.15
 * "Exception and Interrupt Reference", Interrupt 14). */
static void test_page_fault_record(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov rax, [0x8000000000] (PML4 entry 1: not present, a supervisor read: error code 0) */
	start(&r, CODE(0x48, 0xa1, 0, 0, 0, 0, 0x80, 0, 0, 0), 0, NULL);
	poke(&r, 0x100100, exit_ecx, sizeof(exit_ecx));
	idt_with_gate(&r, 14, 0x100100);
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_EXIT);
	assert_non_null(strstr(r.trace, "{\"t\":0,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"exception\","
					"\"vector\":14,\"name\":\"#PF\",\"type\":\"hw_exception\","
					"\"error_code\":\"0x0\",\"rip\":\"0x100000\","
					"\"cr2\":\"0x8000000000\"}\n"));
	finish(&r);
}

static void test_budget(void **state)
{
	(void)state;
	struct run r = {0};
	start(&r, CODE(0xeb, 0xfe), 1000, NULL); /* jmp $ */
	run_it(&r);
	assert_int_equal(r.res.why, VM_STOP_BUDGET);
	assert_int_equal(r.res.status, 124);
	assert_int_equal(r.res.retired, 1000);
	assert_int_equal(vx_cpu_retired(vm_cpu(r.vm)), 1000);
	assert_non_null(strstr(r.res.msg, "budget"));
	finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_public_phys),
	    cmocka_unit_test(test_public_mmio),
	    cmocka_unit_test(test_public_cpu_state),
	    cmocka_unit_test(test_boot_state),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_exit_port),
	    cmocka_unit_test(test_exit_port_needs_32_bits),
	    cmocka_unit_test(test_console),
	    cmocka_unit_test(test_console_records),
	    cmocka_unit_test(test_console_long_line),
	    cmocka_unit_test(test_trace_sink),
	    cmocka_unit_test(test_out_escapes_guest_bytes),
	    cmocka_unit_test(test_unknown_ports),
	    cmocka_unit_test(test_mmio_device),
	    cmocka_unit_test(test_timer_fires_after_n_instructions),
	    cmocka_unit_test(test_timer_waits_for_if),
	    cmocka_unit_test(test_timer_wakes_hlt),
	    cmocka_unit_test(test_timer_ports_read_back),
	    cmocka_unit_test(test_halt_with_interrupts_off),
	    cmocka_unit_test(test_triple_fault),
	    cmocka_unit_test(test_unsupported_instruction),
	    cmocka_unit_test(test_exception_loop),
	    cmocka_unit_test(test_page_fault_record),
	    cmocka_unit_test(test_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
