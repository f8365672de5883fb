// SPDX-License-Identifier: MIT
/*
 * Differential test, host side: each batch of cases runs in one child process (fork).  The
 * child maps the code slots, two trampolines, a register block and the data page at fixed
 * low addresses (MAP_FIXED_NOREPLACE; the pages around the data page are PROT_NONE so that
 * a REP running off it faults, as in the model), then for every case: copies the instruction into
 * its slot followed by a jump to the exit trampoline, fills the data page, and calls the entry
 * trampoline, which saves the callee-saved registers and RSP, loads RFLAGS and the 15 GPRs
 * (all but RSP) from the register block, and jumps to the slot.  The exit trampoline stores
 * the 15 GPRs, RSP and RFLAGS, clears DF and returns.  A fault in the instruction (SIGFPE for
 * #DE, SIGILL for #UD, SIGSEGV, SIGBUS) is caught: the handler takes the registers from the
 * signal context and siglongjmp()s back.  Results (registers, flags, data page) go to a
 * MAP_SHARED area the parent reads once the child has exited; a child that dies or hangs is
 * reported with the case it was running (alarm() in the child, a deadline in the parent).
 * Compiled as part of tests/unit/test_diff.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "diff.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Register block at DIFF_STATE. */
#define ST_IN 0x000u        /* 16 GPRs loaded by the entry trampoline */
#define ST_IN_FLAGS 0x080u  /* RFLAGS loaded */
#define ST_OUT 0x100u       /* 16 GPRs stored by the exit trampoline */
#define ST_OUT_FLAGS 0x180u /* RFLAGS stored */
#define ST_SAVE_RSP 0x200u  /* host RSP at entry (after the pushes) */
#define ST_OUT_RSP 0x208u   /* RSP at exit */
#define ST_TARGET 0x210u    /* slot address the entry jumps to */
#define TRAMP_EXIT 0x100u   /* offset of the exit trampoline in the trampoline page */

#define BATCH_SECONDS 120

struct diff_native {
	struct dresult *res;
	volatile du32 *progress; /* index of the case the child is running */
	unsigned max;
	size_t bytes;
};

struct diff_native *diff_native_new(unsigned max)
{
	struct diff_native *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->max = max;
	n->bytes = 4096 + (size_t)max * sizeof(struct dresult);
	void *p = mmap(NULL, n->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "diff: mmap of the shared result area failed: %s\n",
			strerror(errno));
		free(n);
		return NULL;
	}
	n->progress = p;
	n->res = (struct dresult *)((du8 *)p + 4096);
	return n;
}

void diff_native_free(struct diff_native *n)
{
	if (!n)
		return;
	munmap((void *)n->progress, n->bytes);
	free(n);
}

const struct dresult *diff_native_result(const struct diff_native *nat, unsigned k)
{
	return &nat->res[k];
}

/* ---- trampolines (built in the child) ---- */

static du8 *emit(du8 *p, const char *bytes, size_t n)
{
	memcpy(p, bytes, n);
	return p + n;
}

static du8 *emit32(du8 *p, du32 v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

/* REX.W(+R) op ModRM(00, reg, 100) SIB(no base, no index) disp32: op reg, [abs32]. */
static du8 *emit_abs(du8 *p, du8 op, unsigned reg, du32 addr)
{
	*p++ = (du8)(0x48 | (reg >= 8 ? 4 : 0));
	*p++ = op;
	*p++ = (du8)(0x04 | (reg & 7) << 3);
	*p++ = 0x25;
	return emit32(p, addr);
}

static void build_trampolines(du8 *t)
{
	du8 *p = t;
	/* entry: push rbx, rbp, r12-r15; save RSP; load RFLAGS and 15 GPRs; jmp [target] */
	p = emit(p, "\x53\x55\x41\x54\x41\x55\x41\x56\x41\x57", 10);
	p = emit_abs(p, 0x89, 4, DIFF_STATE + ST_SAVE_RSP);
	p = emit(p, "\xff\x34\x25", 3); /* push qword [in_flags]; popfq */
	p = emit32(p, DIFF_STATE + ST_IN_FLAGS);
	*p++ = 0x9d;
	for (unsigned r = 0; r < 16; r++)
		if (r != 4)
			p = emit_abs(p, 0x8b, r, (du32)(DIFF_STATE + ST_IN + 8 * r));
	p = emit(p, "\xff\x24\x25", 3); /* jmp qword [target] */
	emit32(p, DIFF_STATE + ST_TARGET);

	/* exit: store 15 GPRs, RSP, RFLAGS; cld; restore RSP and the callee-saved registers */
	p = t + TRAMP_EXIT;
	for (unsigned r = 0; r < 16; r++)
		if (r != 4)
			p = emit_abs(p, 0x89, r, (du32)(DIFF_STATE + ST_OUT + 8 * r));
	p = emit_abs(p, 0x89, 4, DIFF_STATE + ST_OUT_RSP);
	p = emit(p, "\x9c\x8f\x04\x25", 4); /* pushfq; pop qword [out_flags] */
	p = emit32(p, DIFF_STATE + ST_OUT_FLAGS);
	*p++ = 0xfc;
	p = emit_abs(p, 0x8b, 4, DIFF_STATE + ST_SAVE_RSP);
	emit(p, "\x41\x5f\x41\x5e\x41\x5d\x41\x5c\x5d\x5b\xc3", 11);
}

/* ---- fault capture ---- */

static sigjmp_buf fault_env;
static struct dresult *fault_res;

/*
 * Indices into mcontext_t.gregs (the x86-64 Linux signal frame order, glibc's REG_R8 ..
 * REG_EFL; their names are not used because cpu/cpu.h defines its own REG_RIP).
 */
enum {
	G_R8,
	G_R9,
	G_R10,
	G_R11,
	G_R12,
	G_R13,
	G_R14,
	G_R15,
	G_RDI,
	G_RSI,
	G_RBP,
	G_RBX,
	G_RDX,
	G_RAX,
	G_RCX,
	G_RSP,
	G_RIP,
	G_EFL
};

static const int greg_of[16] = {
    G_RAX, G_RCX, G_RDX, G_RBX, G_RSP, G_RBP, G_RSI, G_RDI,
    G_R8,  G_R9,  G_R10, G_R11, G_R12, G_R13, G_R14, G_R15,
};

/* SIGFPE is #DE, SIGILL #UD; SIGSEGV #PF (SEGV_MAPERR/ACCERR) or #GP (SI_KERNEL). */
static int vector_of(int sig, const siginfo_t *si)
{
	switch (sig) {
	case SIGFPE: return 0;
	case SIGILL: return 6;
	case SIGTRAP: return 1;
	case SIGBUS: return 17;
	case SIGSEGV: return si->si_code == SI_KERNEL ? 13 : 14;
	default: return 255;
	}
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	const ucontext_t *uc = ucv;
	struct dresult *r = fault_res;
	for (unsigned k = 0; k < 16; k++)
		r->gpr[k] = (du64)uc->uc_mcontext.gregs[greg_of[k]];
	r->rflags = (du64)uc->uc_mcontext.gregs[G_EFL];
	r->rip = (du64)uc->uc_mcontext.gregs[G_RIP];
	r->rsp_delta = r->gpr[4] - *(volatile du64 *)(DIFF_STATE + ST_SAVE_RSP);
	r->sig = sig;
	r->fault = vector_of(sig, si);
	siglongjmp(fault_env, 1);
}

static bool catch_faults(void)
{
	static const int sigs[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		if (sigaction(sigs[k], &sa, NULL) != 0)
			return false;
	return true;
}

/* ---- the child ---- */

static bool map_fixed(du64 addr, size_t len, int prot)
{
	void *want = (void *)(uintptr_t)addr;
	void *p = mmap(want, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == want)
		return true;
	if (p != MAP_FAILED)
		munmap(p, len); /* an old kernel took it as a hint */
	fprintf(stderr, "diff: child: cannot map %#llx (+%#zx): %s\n", (unsigned long long)addr,
		len, p == MAP_FAILED ? strerror(errno) : "address taken");
	return false;
}

static void run_one(const struct dcase *c, struct dresult *res)
{
	du8 *code = (du8 *)(uintptr_t)diff_code_addr(c);
	volatile du64 *st = (volatile du64 *)(uintptr_t)DIFF_STATE;
	du64 exit_at = DIFF_TRAMP + TRAMP_EXIT;
	du32 rel = (du32)(exit_at - (diff_code_addr(c) + c->len + 5));
	memcpy(code, c->bytes, c->len);
	code[c->len] = 0xe9; /* jmp exit trampoline */
	memcpy(code + c->len + 1, &rel, 4);
	diff_fill_data(c, (du8 *)(uintptr_t)DIFF_DATA);
	for (unsigned k = 0; k < 16; k++)
		st[(ST_IN / 8) + k] = c->gpr[k];
	st[ST_IN_FLAGS / 8] = c->rflags | 0x202; /* IF is 1 in user mode */
	st[ST_TARGET / 8] = diff_code_addr(c);
	memset(res, 0, sizeof(*res));
	fault_res = res;
	if (sigsetjmp(fault_env, 0) == 0) {
		void (*enter)(void) = (void (*)(void))(uintptr_t)DIFF_TRAMP;
		enter();
		for (unsigned k = 0; k < 16; k++)
			res->gpr[k] = st[ST_OUT / 8 + k];
		res->rflags = st[ST_OUT_FLAGS / 8];
		res->rsp_delta = st[ST_OUT_RSP / 8] - st[ST_SAVE_RSP / 8];
		res->rip = diff_code_addr(c) + c->len;
		res->fault = -1;
	}
	memcpy(res->data, (const void *)(uintptr_t)DIFF_DATA, DIFF_DATA_SIZE);
}

static void child_main(struct diff_native *nat, const struct dcase *cases, unsigned n)
{
	alarm(BATCH_SECONDS);
	if (!map_fixed(DIFF_CODE, DIFF_CODE_MAP + 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    !map_fixed(DIFF_STATE, 0x1000, PROT_READ | PROT_WRITE) ||
	    !map_fixed(DIFF_DATA, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE) ||
	    !map_fixed(DIFF_DATA - 0x1000, 0x1000, PROT_NONE) ||
	    !map_fixed(DIFF_DATA + DIFF_DATA_SIZE, 0x1000, PROT_NONE) || !catch_faults())
		_exit(3);
	build_trampolines((du8 *)(uintptr_t)DIFF_TRAMP);
	for (unsigned k = 0; k < n; k++) {
		*nat->progress = k;
		if (!cases[k].skip)
			run_one(&cases[k], &nat->res[k]);
	}
	_exit(0);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Waits for the child with a deadline; kills it if it is late. */
static int wait_child(pid_t pid, bool *late)
{
	int st = 0;
	long nap = 20000;
	double deadline = now_seconds() + BATCH_SECONDS + 10;
	*late = false;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return st;
		if (now_seconds() > deadline) {
			*late = true;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return st;
		}
		struct timespec ts = {0, nap};
		nanosleep(&ts, NULL);
		nap = nap < 2000000 ? nap * 2 : nap;
	}
}

bool diff_native_run(struct diff_native *nat, const struct dcase *cases, unsigned n, char *err,
		     size_t errlen)
{
	if (n > nat->max) {
		snprintf(err, errlen, "batch of %u cases exceeds %u", n, nat->max);
		return false;
	}
	*nat->progress = 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork failed: %s", strerror(errno));
		return false;
	}
	if (pid == 0)
		child_main(nat, cases, n);
	bool late;
	int st = wait_child(pid, &late);
	unsigned at = *nat->progress;
	if (late) {
		snprintf(err, errlen, "host child timed out while running case %u", at);
		return false;
	}
	if (WIFSIGNALED(st)) {
		snprintf(err, errlen, "host child killed by signal %d while running case %u",
			 WTERMSIG(st), at);
		return false;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "host child failed (exit status %d) at case %u",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1, at);
		return false;
	}
	return true;
}
