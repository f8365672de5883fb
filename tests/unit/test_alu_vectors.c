// SPDX-License-Identifier: MIT
/*
 * Table-driven vectors for the integer instruction families (op_alu.c, op_shift.c,
 * op_muldiv.c, op_bit.c) at every operand size, checked twice:
 *   - on the emulator: registers, memory, and the flags the SDM defines plus the flags whose
 *     undefined value the model documents (`fpin`, docs/decisions.md "Undefined flags");
 *   - natively on the host CPU (x86-64 only), in a child process (DESIGN.md section 7
 *     "Differential tests"): registers and flags the SDM defines, memory, and the fault.
 *     This proves the expectations, which come from alu_vectors_gen.py's reference model.
 * The vectors are in alu_vectors_<group>.inc; regenerate with tests/unit/alu_vectors_gen.py.
 *
 * Vectors marked `.bug` show a defect in a file this test's author does not own: their
 * emulator check is reported and skipped (the host check still runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/vmx.h"
#include "cpu/decode.h"
#include "cpu/ops.h"
#include "cpu_fixture.h"

#if defined(__x86_64__)
#include <cpuid.h>
#define HOST_X86 1
#else
#define HOST_X86 0
#endif

struct alu_vec {
	const char *text; /* assembly (Intel syntax) */
	u8 len;
	u8 code[15];
	u8 rset;   /* slots listed in rout (the others keep their input value) */
	u8 rundef; /* slots the SDM leaves undefined: not compared on the host */
	u8 mem;    /* RDI = 16 bytes into a 32-byte window holding min[] */
	u8 fault;  /* exception vector + 1, 0 for none */
	u16 fin, fout;
	u16 fdef; /* flags the SDM defines after the instruction */
	u16 fpin; /* undefined flags whose model value is documented (emulator only) */
	u64 rin[6], rout[6];
	u64 min[4], mout[4];
	const char *bug; /* known defect elsewhere: emulator check skipped */
};

/* Slots: RAX RCX RDX RBX RSI RDI. */
static const unsigned slot_gpr[6] = {0, 1, 2, 3, 6, 7};

static const struct alu_vec vec_alu[] = {
#include "alu_vectors_alu.inc"
};
static const struct alu_vec vec_shift[] = {
#include "alu_vectors_shift.inc"
};
static const struct alu_vec vec_muldiv[] = {
#include "alu_vectors_muldiv.inc"
};
static const struct alu_vec vec_bit[] = {
#include "alu_vectors_bit.inc"
};

#define ARITH_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* Result of one run (emulator or host), normalised so that both compare alike. */
struct run {
	u64 gpr[16];
	u64 flags;
	u64 mem[4];
	int fault; /* exception vector + 1 (emulator) or signal number (host); 0 = none */
	int done;
};

static u64 expected_reg(const struct alu_vec *v, unsigned s)
{
	if (s == 5 && v->mem)
		return FX_DATA + 16;
	return (v->rset & (1u << s)) ? v->rout[s] : v->rin[s];
}

static void print_vec(const struct alu_vec *v, const char *who)
{
	char hex[64] = "";
	for (unsigned k = 0; k < v->len; k++)
		snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", v->code[k]);
	print_message("%s: %-40s [%s]\n", who, v->text, hex);
}

/*
 * Compare a run with the vector.  `flags_mask`: which arithmetic flags to compare;
 * `skip_undef`: leave out the registers the SDM does not define.
 */
static bool check_run(const struct alu_vec *v, const struct run *r, u64 flags_mask, bool skip_undef,
		      const char *who)
{
	bool ok = true;
	for (unsigned s = 0; s < 6; s++) {
		if (skip_undef && (v->rundef & (1u << s)))
			continue;
		u64 want =
		    v->fault ? (s == 5 && v->mem ? FX_DATA + 16 : v->rin[s]) : expected_reg(v, s);
		if (r->gpr[slot_gpr[s]] != want) {
			if (ok)
				print_vec(v, who);
			print_message("    gpr[%u] = %#llx, expected %#llx\n", slot_gpr[s],
				      (unsigned long long)r->gpr[slot_gpr[s]],
				      (unsigned long long)want);
			ok = false;
		}
	}
	u64 fwant = (v->fault ? v->fin : v->fout) & flags_mask;
	if ((r->flags & flags_mask) != fwant) {
		if (ok)
			print_vec(v, who);
		print_message("    flags = %#llx, expected %#llx (compared %#llx)\n",
			      (unsigned long long)(r->flags & flags_mask),
			      (unsigned long long)fwant, (unsigned long long)flags_mask);
		ok = false;
	}
	for (unsigned k = 0; v->mem && k < 4; k++) {
		u64 want = v->fault ? v->min[k] : v->mout[k];
		if (r->mem[k] != want) {
			if (ok)
				print_vec(v, who);
			print_message("    mem[%u] = %#llx, expected %#llx\n", k,
				      (unsigned long long)r->mem[k], (unsigned long long)want);
			ok = false;
		}
	}
	return ok;
}

/* ---- the emulator ---- */

static void emu_run(struct fx *f, const struct alu_vec *v, struct run *out)
{
	struct vx_cpu *c = &f->cpu;
	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[4] = FX_STACK;
	for (unsigned s = 0; s < 6; s++)
		c->gpr[slot_gpr[s]] = v->rin[s];
	if (v->mem) {
		phys_copy_in(&f->phys, FX_DATA, v->min, sizeof(v->min));
		c->gpr[7] = FX_DATA + 16;
	}
	cpu_set_rflags(c, v->fin | RFLAGS_FIXED);
	memset(&c->event, 0, sizeof(c->event));
	fx_code(f, v->code, v->len);
	enum cpu_step r = fx_steps(f, 1);
	memcpy(out->gpr, c->gpr, sizeof(out->gpr));
	out->flags = cpu_rflags(c);
	phys_copy_out(&f->phys, FX_DATA, out->mem, sizeof(out->mem));
	out->fault = r == STEP_FAULT ? c->event.vector + 1 : r == STEP_RETIRED ? 0 : -1;
	out->done = (int)r;
}

/* Emulator: the step outcome, RIP, the untouched registers and RFLAGS bits, then the
 * vector's registers, memory and (defined + pinned) flags. */
static bool emu_check(struct fx *f, const struct alu_vec *v)
{
	struct run r;
	emu_run(f, v, &r);
	bool ok = true;
	u64 rip = v->fault ? FX_CODE : FX_CODE + v->len;
	if (r.fault != v->fault || f->cpu.rip != rip) {
		print_vec(v, "emulator");
		print_message("    fault %d (step %d), rip %#llx; expected fault %d, rip %#llx\n",
			      r.fault, r.done, (unsigned long long)f->cpu.rip, v->fault,
			      (unsigned long long)rip);
		ok = false;
	}
	bool others = r.gpr[4] == FX_STACK && r.gpr[5] == 0;
	for (unsigned g = 8; g < 16; g++)
		others &= r.gpr[g] == 0;
	if (!others || (r.flags & ~(u64)ARITH_FLAGS) != RFLAGS_FIXED) {
		print_vec(v, "emulator");
		print_message("    a register or RFLAGS bit outside the vector changed\n");
		ok = false;
	}
	return check_run(v, &r, v->fault ? ARITH_FLAGS : (u64)(v->fdef | v->fpin), false,
			 "emulator") &&
	       ok;
}

/* ---- the host ---- */

#if HOST_X86
/* State block of the host stub: gpr[16] at 0 (RSP slot unused), RFLAGS at 128. */
struct host_state {
	u64 gpr[16];
	u64 flags;
};

/* push rbx rbp r12-r15 rdi; push [rdi+128]; popfq; load RAX..R15 from [rdi], RDI last. */
static const u8 host_prologue[] = {
    0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x57, 0xff, 0xb7, 0x80, 0x00, 0x00,
    0x00, 0x9d, 0x48, 0x8b, 0x07, 0x48, 0x8b, 0x4f, 0x08, 0x48, 0x8b, 0x57, 0x10, 0x48, 0x8b, 0x5f,
    0x18, 0x48, 0x8b, 0x6f, 0x28, 0x48, 0x8b, 0x77, 0x30, 0x4c, 0x8b, 0x47, 0x40, 0x4c, 0x8b, 0x4f,
    0x48, 0x4c, 0x8b, 0x57, 0x50, 0x4c, 0x8b, 0x5f, 0x58, 0x4c, 0x8b, 0x67, 0x60, 0x4c, 0x8b, 0x6f,
    0x68, 0x4c, 0x8b, 0x77, 0x70, 0x4c, 0x8b, 0x7f, 0x78, 0x48, 0x8b, 0x7f, 0x38,
};

/* pushfq; push rdi; mov rdi, [rsp+16]; store RAX..R15; pop [rdi+56]; pop [rdi+128];
 * pop rdi; pop r15-r12 rbp rbx; ret. */
static const u8 host_epilogue[] = {
    0x9c, 0x57, 0x48, 0x8b, 0x7c, 0x24, 0x10, 0x48, 0x89, 0x07, 0x48, 0x89, 0x4f, 0x08,
    0x48, 0x89, 0x57, 0x10, 0x48, 0x89, 0x5f, 0x18, 0x48, 0x89, 0x6f, 0x28, 0x48, 0x89,
    0x77, 0x30, 0x4c, 0x89, 0x47, 0x40, 0x4c, 0x89, 0x4f, 0x48, 0x4c, 0x89, 0x57, 0x50,
    0x4c, 0x89, 0x5f, 0x58, 0x4c, 0x89, 0x67, 0x60, 0x4c, 0x89, 0x6f, 0x68, 0x4c, 0x89,
    0x77, 0x70, 0x4c, 0x89, 0x7f, 0x78, 0x8f, 0x47, 0x38, 0x8f, 0x87, 0x80, 0x00, 0x00,
    0x00, 0x5f, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3,
};

static sigjmp_buf host_jmp;

static void host_signal(int sig)
{
	siglongjmp(host_jmp, sig);
}

/* Features the host needs for a vector's instruction (else the host check is skipped). */
static bool host_has(const char *text)
{
	unsigned a, b, c, d;
	if (!strncmp(text, "lzcnt", 5))
		return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & BIT(5));
	if (!strncmp(text, "popcnt", 6))
		return __get_cpuid(1, &a, &b, &c, &d) && (c & BIT(23));
	if (strstr(text, "cmpxchg16b"))
		return __get_cpuid(1, &a, &b, &c, &d) && (c & BIT(13));
	static const char *const bmi1[] = {"tzcnt", "andn", "bextr", "blsi", "blsmsk", "blsr"};
	for (size_t k = 0; k < ARRAY_SIZE(bmi1); k++)
		if (!strncmp(text, bmi1[k], strlen(bmi1[k])))
			return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & BIT(3));
	return true;
}

/* Runs one vector natively (in the child).  RDI of memory vectors is reported as the
 * emulator's address so that both runs compare alike. */
static void host_run(u8 *page, const struct alu_vec *v, struct run *out)
{
	static u64 window[4] __attribute__((aligned(16)));
	struct host_state st;
	size_t n = 0;
	memset(&st, 0, sizeof(st));
	for (unsigned s = 0; s < 6; s++)
		st.gpr[slot_gpr[s]] = v->rin[s];
	memcpy(window, v->min, sizeof(window));
	if (v->mem)
		st.gpr[7] = (u64)(uintptr_t)window + 16;
	st.flags = v->fin | RFLAGS_FIXED;
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
	memcpy(page, host_prologue, sizeof(host_prologue));
	n += sizeof(host_prologue);
	memcpy(page + n, v->code, v->len);
	n += v->len;
	memcpy(page + n, host_epilogue, sizeof(host_epilogue));
	mprotect(page, 4096, PROT_READ | PROT_EXEC);
	void (*fn)(struct host_state *) = (void (*)(struct host_state *))(uintptr_t)page;
	int sig = sigsetjmp(host_jmp, 1);
	if (sig == 0)
		fn(&st);
	memcpy(out->gpr, st.gpr, sizeof(out->gpr));
	if (v->mem && !sig)
		out->gpr[7] += FX_DATA - (u64)(uintptr_t)window;
	out->flags = st.flags;
	memcpy(out->mem, window, sizeof(out->mem));
	out->fault = sig;
	out->done = 1;
}

/* Child process: every vector natively, results into the shared array. */
static void host_child(const struct alu_vec *v, size_t n, struct run *out)
{
	u8 *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		_exit(2);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = host_signal;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	for (size_t k = 0; k < n; k++)
		if (host_has(v[k].text))
			host_run(page, &v[k], &out[k]);
	_exit(0);
}

static int fault_signal(int fault)
{
	switch (fault - 1) {
	case X86_VEC_DE: return SIGFPE;
	case X86_VEC_UD: return SIGILL;
	default: return SIGSEGV; /* #GP */
	}
}

/* Host: fault (as a signal), defined registers, memory and defined flags.  Returns the
 * number of vectors that disagree, -1 when the child could not run. */
static int host_check_all(const struct alu_vec *v, size_t n, unsigned *checked)
{
	size_t bytes = n * sizeof(struct run);
	struct run *out =
	    mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED)
		return -1;
	memset(out, 0, bytes);
	pid_t pid = fork();
	if (pid == 0)
		host_child(v, n, out);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		munmap(out, bytes);
		return -1;
	}
	int bad = 0;
	for (size_t k = 0; k < n; k++) {
		if (!out[k].done)
			continue;
		(*checked)++;
		int want = v[k].fault ? fault_signal(v[k].fault) : 0;
		if (out[k].fault != want) {
			print_vec(&v[k], "host");
			print_message("    signal %d, expected %d\n", out[k].fault, want);
			bad++;
		} else if (!v[k].fault && !check_run(&v[k], &out[k], v[k].fdef, true, "host")) {
			bad++;
		}
	}
	munmap(out, bytes);
	return bad;
}
#endif

/* Every vector of a group on the emulator and on the host. */
static void run_group(const struct alu_vec *v, size_t n)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	int bad = 0, bugs = 0;
	for (size_t k = 0; k < n; k++) {
		if (emu_check(f, &v[k])) {
			if (v[k].bug)
				print_message("note: %s: marked as a known defect but passes\n",
					      v[k].text);
			continue;
		}
		if (v[k].bug) {
			print_message("    known defect, skipped: %s\n", v[k].bug);
			bugs++;
		} else {
			bad++;
		}
	}
	fx_free(f);
	unsigned checked = 0;
#if HOST_X86
	int hbad = host_check_all(v, n, &checked);
	assert_int_not_equal(hbad, -1);
	bad += hbad;
#endif
	print_message("%zu vectors: emulator %zu checked (%d known defects skipped), host %u "
		      "checked\n",
		      n, n, bugs, checked);
	assert_int_equal(bad, 0);
}

static void test_alu_vectors(void **state)
{
	(void)state;
	run_group(vec_alu, ARRAY_SIZE(vec_alu));
}

static void test_shift_vectors(void **state)
{
	(void)state;
	run_group(vec_shift, ARRAY_SIZE(vec_shift));
}

static void test_muldiv_vectors(void **state)
{
	(void)state;
	run_group(vec_muldiv, ARRAY_SIZE(vec_muldiv));
}

static void test_bit_vectors(void **state)
{
	(void)state;
	run_group(vec_bit, ARRAY_SIZE(vec_bit));
}

/* ---- rules the vectors cannot express ---- */

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

/*
 * SDM Vol. 2A 3.2 "LOCK - Assert LOCK# Signal Prefix": #UD unless the instruction is one of
 * the listed read-modify-write forms with a memory destination.  Zydis rejects such encodings
 * before the handler runs, so the handlers' own check is exercised by calling them with the
 * LOCK bit forced on.
 */
static void lock_case(struct fx *f, const u8 *bytes, size_t len, bool allowed)
{
	struct vx_cpu *c = &f->cpu;
	struct insn in;
	assert_int_equal(decode_insn(c->decoder, bytes, len, &in), DECODE_OK);
	in.prefix |= INSN_LOCK;
	c->gpr[7] = FX_DATA;
	c->gpr[1] = 1;
	memset(&c->event, 0, sizeof(c->event));
	enum cpu_step r = in.fn(c, &in);
	if (allowed) {
		assert_int_equal(r, STEP_RETIRED);
	} else {
		assert_int_equal(r, STEP_FAULT);
		assert_int_equal(c->event.vector, X86_VEC_UD);
	}
}

static void test_lock_rules(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	lock_case(f, CODE(0xd1, 0x27), false);                   /* shl dword [rdi], 1 */
	lock_case(f, CODE(0x0f, 0xa5, 0x0f), false);             /* shld [rdi], ecx, cl */
	lock_case(f, CODE(0xf7, 0x27), false);                   /* mul dword [rdi] */
	lock_case(f, CODE(0xf7, 0x3f), false);                   /* idiv dword [rdi] */
	lock_case(f, CODE(0x0f, 0xa3, 0x0f), false);             /* bt [rdi], ecx */
	lock_case(f, CODE(0x0f, 0xbc, 0x07), false);             /* bsf eax, [rdi] */
	lock_case(f, CODE(0xf3, 0x0f, 0xb8, 0x07), false);       /* popcnt eax, [rdi] */
	lock_case(f, CODE(0xc4, 0xe2, 0x70, 0xf2, 0x07), false); /* andn eax, ecx, [rdi] */
	lock_case(f, CODE(0xc4, 0xe2, 0x78, 0xf3, 0x0f), false); /* blsr eax, [rdi] */
	lock_case(f, CODE(0x0f, 0xab, 0xc8), false);             /* bts eax, ecx */
	lock_case(f, CODE(0x0f, 0xc1, 0xc8), false);             /* xadd eax, ecx */
	lock_case(f, CODE(0x0f, 0xb1, 0xc8), false);             /* cmpxchg eax, ecx */
	lock_case(f, CODE(0x0f, 0xab, 0x0f), true);              /* bts [rdi], ecx */
	lock_case(f, CODE(0x0f, 0xc1, 0x0f), true);              /* xadd [rdi], ecx */
	lock_case(f, CODE(0x0f, 0xb1, 0x0f), true);              /* cmpxchg [rdi], ecx */
	lock_case(f, CODE(0x0f, 0xc7, 0x0f), true);              /* cmpxchg8b [rdi] */
	fx_free(f);
}

/* Runs `bytes` and checks that the decoder lists the count (CL or 1) as the last operand. */
static u64 shift_with_count_operand(struct fx *f, const u8 *bytes, size_t len, bool cl)
{
	struct vx_cpu *c = &f->cpu;
	struct insn in;
	assert_int_equal(decode_insn(c->decoder, bytes, len, &in), DECODE_OK);
	const struct operand *o = &in.op[in.nops - 1];
	assert_int_equal(o->kind, cl ? OPK_REG : OPK_IMM);
	if (cl)
		assert_int_equal(o->reg, 1);
	else
		assert_int_equal(in.imm, 1);
	assert_int_equal(in.fn(c, &in), STEP_RETIRED);
	return c->gpr[0];
}

static void test_shift_count_operand_forms(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = 1;
	c->gpr[1] = 4;
	assert_true(shift_with_count_operand(f, CODE(0xd3, 0xe0), true) == 16);  /* shl eax, cl */
	assert_true(shift_with_count_operand(f, CODE(0xd1, 0xe0), false) == 32); /* shl eax, 1 */
	c->gpr[2] = 0xf0000000;
	/* shld eax, edx, cl: 32 << 4 | 0xf */
	assert_true(shift_with_count_operand(f, CODE(0x0f, 0xa5, 0xd0), true) == 0x20f);
	fx_free(f);
}

/* Makes the 2-MiB page at `base` read-only (the fixture maps 0-8 MiB writable). */
static void make_read_only(struct fx *f, u64 base)
{
	phys_write(&f->phys, FX_PD + 8 * (base >> 21), 8, base | 0x85);
	tlb_flush_all(&f->cpu);
}

/* Runs `bytes` expecting #PF(P|W) at `cr2` with memory at `la` (8 bytes) and every register
 * and flag unchanged. */
static void expect_write_fault(struct fx *f, const u8 *bytes, size_t len, u64 la, u64 cr2)
{
	struct vx_cpu *c = &f->cpu;
	u64 before[16], mem_before = phys_read(&f->phys, la, 8);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_CF);
	memcpy(before, c->gpr, sizeof(before));
	fx_code(f, bytes, len);
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->event.error_code, PFEC_P | PFEC_W);
	assert_true(c->event.cr2 == cr2);
	assert_memory_equal(before, c->gpr, sizeof(before));
	assert_true(phys_read(&f->phys, la, 8) == mem_before);
	assert_true(cpu_rflags(c) == (RFLAGS_FIXED | RFLAGS_CF));
	assert_true(c->rip == FX_CODE);
}

/*
 * Read-modify-write instructions check write access to every byte before writing any
 * (src/cpu/README.md; CMPXCHG: "the destination operand is written back if the comparison
 * fails", so a failing comparison faults too).  The page at 4 MiB is read-only; the operands
 * straddle 4 MiB or sit on it.
 */
static void test_rmw_fault_no_partial_write(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	make_read_only(f, 0x400000);
	phys_write(&f->phys, 0x3ffff8, 8, 0x1122334455667788ull);
	c->gpr[7] = 0x3ffffc; /* 4 bytes below the read-only page */
	/* cmpxchg8b [rdi]: EDX:EAX equal (would store ECX:EBX), then not equal */
	c->gpr[0] = 0x11223344;
	c->gpr[2] = 0;
	c->gpr[1] = 0xdead;
	c->gpr[3] = 0xbeef;
	expect_write_fault(f, CODE(0x0f, 0xc7, 0x0f), 0x3ffff8, 0x400000);
	c->gpr[0] = 5;
	expect_write_fault(f, CODE(0x0f, 0xc7, 0x0f), 0x3ffff8, 0x400000);
	/* xadd [rdi+2], ecx: the register keeps its value */
	expect_write_fault(f, CODE(0x0f, 0xc1, 0x4f, 0x02), 0x3ffff8, 0x400000);
	/* bts qword [rdi], rcx with a bit offset that selects the next quadword */
	c->gpr[1] = 64;
	c->gpr[7] = 0x3ffff8;
	expect_write_fault(f, CODE(0x48, 0x0f, 0xab, 0x0f), 0x3ffff8, 0x400000);
	/* cmpxchg16b [rdi] on the read-only page, comparison failing */
	c->gpr[7] = 0x400000;
	expect_write_fault(f, CODE(0x48, 0x0f, 0xc7, 0x0f), 0x3ffff8, 0x400000);
	/* shld dword [rdi-8], ecx, 1 and rcl qword [rdi-8], 1 straddling: nothing changes */
	c->gpr[7] = 0x400006;
	expect_write_fault(f, CODE(0x0f, 0xa4, 0x4f, 0xf8, 0x01), 0x3ffff8, 0x400000);
	expect_write_fault(f, CODE(0x48, 0xd1, 0x57, 0xf8), 0x3ffff8, 0x400000);
	fx_free(f);
}

/* CMPXCHG16B: #GP(0) for a misaligned operand comes before any access (even to an
 * unmapped address), and the alignment is that of the linear address (FS base included). */
static void test_cmpxchg16b_alignment(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->gpr[7] = 0x40000008; /* not mapped: #GP wins over #PF */
	fx_code(f, CODE(0x48, 0x0f, 0xc7, 0x0f));
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_GP);
	assert_int_equal(c->event.error_code, 0);
	/* fs:[rdi] with FS.base = 8 and RDI = FX_DATA + 8: linear FX_DATA + 16, aligned */
	c->seg[SEG_FS].base = 8;
	c->gpr[7] = FX_DATA + 8;
	c->gpr[0] = c->gpr[2] = 0;
	phys_write(&f->phys, FX_DATA + 16, 8, 0);
	phys_write(&f->phys, FX_DATA + 24, 8, 0);
	c->gpr[3] = 0xabc;
	c->gpr[1] = 0xdef;
	fx_code(f, CODE(0x64, 0x48, 0x0f, 0xc7, 0x0f));
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(phys_read(&f->phys, FX_DATA + 16, 8) == 0xabc);
	assert_true(phys_read(&f->phys, FX_DATA + 24, 8) == 0xdef);
	assert_true(flag_zf(c));
	fx_free(f);
}

/*
 * BT with a register bit offset and a 64-bit operand reaches far outside the operand: the
 * quadword at EA + 8 * floor(offset / 64).  Offsets of +/- 2^20 bits land 128 KiB away.
 */
static void test_bt_far_offsets(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	phys_write(&f->phys, FX_DATA + 0x20000, 8, BIT(5));
	phys_write(&f->phys, FX_DATA - 0x20000, 8, BIT(63));
	c->gpr[7] = FX_DATA;
	c->gpr[1] = (1ull << 20) + 5;
	fx_code(f, CODE(0x48, 0x0f, 0xa3, 0x0f)); /* bt [rdi], rcx */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(flag_cf(c));
	c->gpr[1] = (u64) - (1ll << 20) - 1; /* bit 63 of the quadword at EA - 128 KiB - 8 */
	phys_write(&f->phys, FX_DATA - 0x20008, 8, BIT(63));
	fx_code(f, CODE(0x48, 0x0f, 0xbb, 0x0f)); /* btc [rdi], rcx */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(flag_cf(c));
	assert_true(phys_read(&f->phys, FX_DATA - 0x20008, 8) == 0);
	assert_true(phys_read(&f->phys, FX_DATA - 0x20000, 8) == BIT(63));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alu_vectors),
	    cmocka_unit_test(test_shift_vectors),
	    cmocka_unit_test(test_muldiv_vectors),
	    cmocka_unit_test(test_bit_vectors),
	    cmocka_unit_test(test_lock_rules),
	    cmocka_unit_test(test_shift_count_operand_forms),
	    cmocka_unit_test(test_rmw_fault_no_partial_write),
	    cmocka_unit_test(test_cmpxchg16b_alignment),
	    cmocka_unit_test(test_bt_far_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
