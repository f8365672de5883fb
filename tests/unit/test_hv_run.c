// SPDX-License-Identifier: MIT
/*
 * End to end: guests run in VMX non-root operation under L0 through hv_run_elf, with the
 * exit-status contract of bare mode (guest exit code; 3 halted; 4 triple fault; 124 budget).
 * Small hand-assembled guests cover each exit path (console and exit port, HLT, triple fault,
 * budget with the VMX-preemption timer and MTF, MMIO emulation on EPT misconfiguration and
 * violation, CPUID filtering, the exit hypercall, RDRAND hidden, string I/O, the MSR policy,
 * the interrupt timer with injection and interrupt-window exiting); then the project's guest
 * programs (build/guests/tests/NAME.elf, when built) must give the status and console output of
 * bare mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <libgen.h>
#include <unistd.h>

#include "hv_fixture.h"
#include "vm/machine.h"

#define BYTES(...) (const u8[]){__VA_ARGS__}, sizeof((const u8[]){__VA_ARGS__})

struct run {
	struct hv_result res;
	struct vx_trace trace;
	struct hvf rec; /* only the record buffer is used */
	char *con;
	size_t conlen;
};

/* Runs the image with the console and the trace records captured. */
static int run_image(struct run *r, const void *elf, size_t len, const struct hv_config *base)
{
	struct hv_config cfg = base ? *base : (struct hv_config){0};
	FILE *con = open_memstream(&r->con, &r->conlen);
	trace_init(&r->trace);
	r->rec.nrec = 0;
	trace_set_hook(&r->trace, hvf_hook, &r->rec);
	cfg.load = vm_hv_load;
	cfg.console = con;
	cfg.trace = &r->trace;
	if (!cfg.max_insns)
		cfg.max_insns = 10000000;
	int st = hv_run_elf(&cfg, elf, len, &r->res);
	fclose(con);
	return st;
}

static int run_code(struct run *r, const u8 *code, size_t n, const struct hv_config *cfg)
{
	struct elf_builder *b = calloc(1, sizeof(*b));
	hvf_elf(b, code, n);
	int st = run_image(r, b->buf, b->len, cfg);
	free(b);
	return st;
}

static void done(struct run *r)
{
	free(r->con);
}

static const char *exit_reason(struct run *r)
{
	const struct hvf_rec *e = hvf_find(&r->rec, TRACE_exit, 0);
	return e ? hvf_s(e, "reason") : "";
}

static void test_console_and_exit_port(void **state)
{
	(void)state;
	struct run r = {0};
	int st = run_code(&r,
			  BYTES(0xb0, 'o', 0xe6, 0xe9, 0xb0, 'k', 0xe6, 0xe9, 0xb0, 10, 0xe6, 0xe9,
				0xb8, 42, 0, 0, 0, 0xe7, 0xf4, 0xf4),
			  NULL);
	assert_int_equal(st, 42);
	assert_int_equal(r.res.why, HV_STOP_EXIT);
	assert_string_equal(r.con, "ok\n");
	assert_string_equal(exit_reason(&r), "exit_port");
	assert_int_equal(hvf_count(&r.rec, TRACE_vmexit), 4); /* three OUT 0xE9, one OUT 0xF4 */
	assert_string_equal(hvf_s(hvf_find(&r.rec, TRACE_vmexit, 0), "reason"), "IO_INSTRUCTION");
	assert_int_equal(hvf_u(hvf_find(&r.rec, TRACE_vmentry, 0), "launch"), 1);
	assert_int_equal(hvf_u(hvf_find(&r.rec, TRACE_vmentry, 1), "launch"), 0);
	done(&r);
}

static void test_halt_and_triple_fault(void **state)
{
	(void)state;
	struct run r = {0};
	assert_int_equal(run_code(&r, BYTES(0xf4), NULL), VX_EXIT_HALTED);
	assert_non_null(strstr(r.res.msg, "interrupts disabled"));
	assert_int_equal(r.res.rip, HVF_CODE + 1);
	done(&r);
	/* UD2 with IDTR limit 0: #UD, #GP, #DF, triple fault */
	assert_int_equal(run_code(&r, BYTES(0x0f, 0x0b), NULL), VX_EXIT_TRIPLE_FAULT);
	assert_string_equal(exit_reason(&r), "triple_fault");
	done(&r);
}

/* A VM entry that fails after its checks (26.7): bit 31 in the exit reason, the run stops
 * with the full reason, and the VMCS is not "launched" (the next entry would be VMLAUNCH). */
static void test_failed_entry(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	/* the VM-entry MSR-load area names an MSR that does not exist (26.4 "Loading MSRs") */
	u64 area = HVF_SCRATCH;
	vx_phys_write(v->phys, area, 8, 0x1234);
	vx_phys_write(v->phys, area + 8, 8, 0);
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, area);
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1);
	struct hv_result res;
	hv_vcpu_run(v, &res);
	assert_int_equal(res.status, 1);
	assert_int_equal(res.why, HV_STOP_ERROR);
	assert_non_null(strstr(res.msg, "VM entry failed: exit reason 0x80000022 (MSR_LOAD_FAIL)"));
	assert_false(v->launched);
	const struct hvf_rec *x = hvf_find(f, TRACE_vmexit, 0);
	assert_int_equal(hvf_u(x, "raw"), 0x80000022u);
	hvf_free(f);
}

static void test_budget(void **state)
{
	(void)state;
	struct run r = {0};
	struct hv_config cfg = {.max_insns = 1000};
	assert_int_equal(run_code(&r, BYTES(0xeb, 0xfe), &cfg), VX_EXIT_BUDGET);
	assert_int_equal(r.res.why, HV_STOP_BUDGET);
	assert_int_equal(r.res.retired, 1000); /* exactly: preemption timer, then MTF */
	assert_string_equal(exit_reason(&r), "max_insns");
	assert_true(hvf_count(&r.rec, TRACE_vmexit) >= 2);
	done(&r);
}

static void test_mmio(void **state)
{
	(void)state;
	struct run r = {0};
	/* movabs rbx,DEV; mov qword [rbx+8],0x1234; mov eax,[rbx+8]; out 0xf4,eax */
	int st = run_code(&r,
			  BYTES(0x48, 0xbb, 0x00, 0x00, 0xb0, 0xfe, 0, 0, 0, 0, 0x48, 0xc7, 0x43,
				0x08, 0x34, 0x12, 0, 0, 0x8b, 0x43, 0x08, 0xe7, 0xf4, 0xf4),
			  NULL);
	assert_int_equal(st, 0x34);
	assert_int_equal(hvf_count(&r.rec, TRACE_ept_misconfig), 2);
	assert_int_equal(hvf_count(&r.rec, TRACE_mmio), 2);
	const struct hvf_rec *x = hvf_find(&r.rec, TRACE_vmexit, 0);
	assert_string_equal(hvf_s(x, "reason"), "EPT_MISCONFIG");
	assert_int_equal(hvf_u(x, "enclave"), 0);
	done(&r);
	/* mov rax,[0x50000000] (no memory there): all ones */
	st = run_code(
	    &r, BYTES(0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0x50, 0x25, 0xff, 0, 0, 0, 0xe7, 0xf4, 0xf4),
	    NULL);
	assert_int_equal(st, 0xff);
	assert_int_equal(hvf_count(&r.rec, TRACE_ept_violation), 1);
	done(&r);
}

static const u8 cpuid_vmx[] = {0xb8, 1,    0,    0,    0,    0x0f, 0xa2, 0x89, 0xc8,
			       0xc1, 0xe8, 0x05, 0x83, 0xe0, 0x01, 0xe7, 0xf4, 0xf4};

static void test_cpuid_filter(void **state)
{
	(void)state;
	struct run r = {0};
	assert_int_equal(run_code(&r, cpuid_vmx, sizeof(cpuid_vmx), NULL), 1);
	done(&r);
	struct hv_config cfg = {.hide_vmx = true};
	assert_int_equal(run_code(&r, cpuid_vmx, sizeof(cpuid_vmx), &cfg), 0);
	done(&r);
}

static void test_hypercall_rdrand_msr_strio(void **state)
{
	(void)state;
	struct run r = {0};
	/* mov eax,1; mov ebx,7; vmcall */
	assert_int_equal(
	    run_code(&r, BYTES(0xb8, 1, 0, 0, 0, 0xbb, 7, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xf4), NULL),
	    7);
	assert_string_equal(exit_reason(&r), "hypercall");
	done(&r);
	/* rdrand eax; xor eax,eax; out 0xf4,eax: runs, or #UD (no IDT: triple fault) when hidden */
	static const u8 rd[] = {0x0f, 0xc7, 0xf0, 0x31, 0xc0, 0xe7, 0xf4, 0xf4};
	assert_int_equal(run_code(&r, rd, sizeof(rd), NULL), 0);
	done(&r);
	struct hv_config cfg = {.hide_rdrand = true};
	assert_int_equal(run_code(&r, rd, sizeof(rd), &cfg), VX_EXIT_TRIPLE_FAULT);
	assert_int_equal(hvf_u(hvf_find(&r.rec, TRACE_inject, 0), "vector"), 6);
	done(&r);
	/* mov ecx,0x3a; rdmsr; out 0xf4,eax: IA32_FEATURE_CONTROL = locked | VMX outside SMX */
	assert_int_equal(
	    run_code(&r, BYTES(0xb9, 0x3a, 0, 0, 0, 0x0f, 0x32, 0xe7, 0xf4, 0xf4), NULL), 5);
	done(&r);
	/* lea rsi,[msg]; mov ecx,3; mov dx,0xe9; rep outsb; xor eax,eax; out 0xf4,eax */
	assert_int_equal(
	    run_code(&r,
		     BYTES(0x48, 0x8d, 0x35, 0x10, 0, 0, 0, 0xb9, 3, 0, 0, 0, 0x66, 0xba, 0xe9, 0,
			   0xf3, 0x6e, 0x31, 0xc0, 0xe7, 0xf4, 0xf4, 'h', 'v', '\n'),
		     NULL),
	    0);
	assert_string_equal(r.con, "hv\n");
	done(&r);
}

/* The interrupt timer: lidt; vector 20H; delay; then the tail of `mode`; the handler exits
 * with 9.  SPIN: sti; jmp $ (the interrupt comes at the deadline).  HALT: sti; hlt (the idle
 * time is skipped).  WINDOW: the deadline passes in a loop with IF = 0, then sti: the
 * pending interrupt waits for the interrupt window (25.2, 24.6.2 Table 24-6). */
enum timer_mode { SPIN, HALT, WINDOW };

static void timer_guest(struct elf_builder *b, enum timer_mode mode)
{
	u8 img[0x1000] = {0};
	static const u8 main_code[] = {0x0f, 0x01, 0x1c, 0x25, 0x00, 0x07, 0x10, 0x00, 0xb0, 0x20,
				       0xe6, 0xe0, 0xb8, 100,  0,    0,    0,    0xe7, 0xe4};
	static const u8 spin[] = {0xfb, 0xeb, 0xfe}, halt[] = {0xfb, 0xf4, 0xeb, 0xfd};
	static const u8 window[] = {0xb9, 0,    1,    0,    0,    0xff, 0xc9,
				    0x75, 0xfc, 0xfb, 0x90, 0xeb, 0xfe};
	const u8 *tail = mode == SPIN ? spin : mode == HALT ? halt : window;
	size_t n = mode == SPIN ? sizeof(spin) : mode == HALT ? sizeof(halt) : sizeof(window);
	memcpy(img, main_code, sizeof(main_code));
	memcpy(img + sizeof(main_code), tail, n);
	if (mode == WINDOW)
		img[13] = 10; /* the delay: inside the 256-iteration loop */
	static const u8 handler[] = {0xb8, 9, 0, 0, 0, 0xe7, 0xf4, 0xf4};
	memcpy(img + 0x100, handler, sizeof(handler));
	/* IDTR at +0x700: limit FFFH, base 0x100800; gate 20H: 64-bit interrupt gate, CS 08H */
	img[0x700] = 0xff;
	img[0x701] = 0x0f;
	u64 base = HVF_CODE + 0x800;
	memcpy(img + 0x702, &base, 8);
	u8 *g = img + 0x800 + 0x20 * 16;
	g[0] = 0x00, g[1] = 0x01, g[2] = 0x08, g[3] = 0x00, g[4] = 0, g[5] = 0x8e;
	g[6] = 0x10, g[7] = 0x00;
	hvf_elf(b, img, sizeof(img));
}

/* A #UD handler that is the hidden RDRAND itself: every exit injects #UD, nothing retires;
 * after HV_STUCK_EXITS exits the run ends like bare mode's "stuck" run (status 124). */
static void test_stuck_guest(void **state)
{
	(void)state;
	struct elf_builder *b = calloc(1, sizeof(*b));
	u8 img[0x1000] = {0};
	/* TSS.IST1 = 0x70000 (every delivery starts on the same stack); lidt; rdrand eax */
	static const u8 main_code[] = {0x48, 0xc7, 0x04, 0x25, 0x24, 0x40, 0x00, 0x00,
				       0x00, 0x00, 0x07, 0x00, 0x0f, 0x01, 0x1c, 0x25,
				       0x00, 0x07, 0x10, 0x00, 0x0f, 0xc7, 0xf0};
	memcpy(img, main_code, sizeof(main_code));
	static const u8 handler[] = {0x0f, 0xc7, 0xf0};
	memcpy(img + 0x100, handler, sizeof(handler));
	img[0x700] = 0xff;
	img[0x701] = 0x0f;
	u64 base = HVF_CODE + 0x800;
	memcpy(img + 0x702, &base, 8);
	u8 *g = img + 0x800 + X86_VEC_UD * 16;
	g[0] = 0x00, g[1] = 0x01, g[2] = 0x08, g[3] = 0x00, g[4] = 1, g[5] = 0x8e;
	g[6] = 0x10, g[7] = 0x00;
	hvf_elf(b, img, sizeof(img));
	struct run r = {0};
	struct hv_config cfg = {.hide_rdrand = true};
	assert_int_equal(run_image(&r, b->buf, b->len, &cfg), VX_EXIT_BUDGET);
	assert_int_equal(r.res.why, HV_STOP_BUDGET);
	assert_non_null(strstr(r.res.msg, "guest stuck"));
	assert_true(r.res.exits >= HV_STUCK_EXITS);
	done(&r);
	free(b);
}

static unsigned exits_of(const struct run *r, const char *reason)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->rec.nrec; i++)
		n += r->rec.rec[i].ev == TRACE_vmexit &&
		     !strcmp(hvf_s(&r->rec.rec[i], "reason"), reason);
	return n;
}

static void test_timer_interrupt(void **state)
{
	(void)state;
	struct elf_builder *b = calloc(1, sizeof(*b));
	struct run r = {0};
	for (enum timer_mode mode = SPIN; mode <= WINDOW; mode++) {
		timer_guest(b, mode);
		assert_int_equal(run_image(&r, b->buf, b->len, NULL), 9);
		const struct hvf_rec *in = hvf_find(&r.rec, TRACE_inject, 0);
		assert_non_null(in);
		assert_int_equal(hvf_u(in, "vector"), 0x20);
		assert_string_equal(hvf_s(in, "type"), "external");
		const struct hvf_rec *arm = hvf_find(&r.rec, TRACE_timer, 0);
		const struct hvf_rec *fire = hvf_find(&r.rec, TRACE_timer, 1);
		assert_string_equal(hvf_s(fire, "action"), "fire");
		if (mode == SPIN) /* the interrupt is raised exactly at the deadline */
			assert_int_equal(fire->t, hvf_u(arm, "deadline"));
		if (mode == HALT) /* the idle time is skipped: it fires before the deadline */
			assert_true(fire->t < hvf_u(arm, "deadline"));
		assert_int_equal(exits_of(&r, "INTERRUPT_WINDOW"), mode == WINDOW ? 1 : 0);
		assert_int_equal(exits_of(&r, "HLT"), mode == HALT ? 1 : 0);
		if (mode == WINDOW) /* injected when the window opened, after the loop */
			assert_true(in->t > hvf_u(arm, "deadline") + 256);
		done(&r);
	}
	free(b);
}

/* ---- the project's guests, when built: bare mode's status and console output ---- */

static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = n > 0 ? malloc((size_t)n) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The same image on the bare machine (src/vm): status and console. */
static int run_bare(const void *elf, size_t len, const struct hv_config *hc, char **con)
{
	size_t conlen;
	FILE *cf = open_memstream(con, &conlen);
	struct vm_config cfg = {.ram_size = hc->ram_size,
				.max_insns = hc->max_insns,
				.guest_args = hc->guest_args,
				.console = cf};
	char err[256];
	struct vm *vm = vm_create(&cfg, err, sizeof(err));
	assert_non_null(vm);
	assert_true(vm_load_elf(vm, elf, len, err, sizeof(err)));
	struct vm_result res;
	vm_run(vm, &res);
	vm_destroy(vm);
	fclose(cf);
	return res.status;
}

static bool guest_dir(char *dir, size_t n)
{
	char exe[4096];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		return false;
	exe[k] = 0;
	snprintf(dir, n, "%s/../guests/tests", dirname(exe));
	return true;
}

static void test_project_guests(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *args;
		u64 mem;
	} g[] = {
	    {"hello", NULL, 0},
	    {"mmio", NULL, 0},
	    {"halt", NULL, 0},
	    {"double_fault", NULL, 0},
	    {"boot_state", "alpha beta=1", 96 << 20},
	    {"int_dpl", NULL, 0},
	    {"pf_errcode", NULL, 0},
	    {"smep", NULL, 0},
	    {"smap", NULL, 0},
	    {"smc", NULL, 0},
	    {"interp", NULL, 0},
	    {"sort", NULL, 0},
	    {"div128", NULL, 0},
	    {"strings", NULL, 0},
	    {"timer", NULL, 0},
	    {"user_mode", NULL, 0},
	    {"sha256", NULL, 0},
	};
	char dir[4200];
	if (!guest_dir(dir, sizeof(dir)))
		skip();
	unsigned ran = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(g); i++) {
		char path[4300];
		snprintf(path, sizeof(path), "%s/%s.elf", dir, g[i].name);
		size_t len;
		void *elf = read_all(path, &len);
		if (!elf)
			continue;
		struct run r = {0};
		struct hv_config cfg = {
		    .guest_args = g[i].args, .ram_size = g[i].mem, .max_insns = 2000000000};
		char *bare_con = NULL;
		int bare = run_bare(elf, len, &cfg, &bare_con);
		int st = run_image(&r, elf, len, &cfg);
		if (st != bare || strcmp(r.con ? r.con : "", bare_con ? bare_con : ""))
			fail_msg("guest %s: status %d (%s), bare mode %d; console:\n%s", g[i].name,
				 st, r.res.msg, bare, r.con ? r.con : "");
		ran++;
		free(bare_con);
		done(&r);
		free(elf);
	}
	if (!ran)
		skip(); /* guests not built */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_console_and_exit_port),
	    cmocka_unit_test(test_halt_and_triple_fault),
	    cmocka_unit_test(test_failed_entry),
	    cmocka_unit_test(test_budget),
	    cmocka_unit_test(test_mmio),
	    cmocka_unit_test(test_cpuid_filter),
	    cmocka_unit_test(test_hypercall_rdrand_msr_strio),
	    cmocka_unit_test(test_timer_interrupt),
	    cmocka_unit_test(test_stuck_guest),
	    cmocka_unit_test(test_project_guests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
