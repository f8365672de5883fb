// SPDX-License-Identifier: MIT
/*
 * gcc-compiled workload: a small stack-machine bytecode interpreter (switch dispatch, which
 * gcc compiles to a jump table, plus calls and locals) running three programs whose results
 * are checked against the same computations written in C.
 */
#include "guest.h"

enum op {
	PUSH, /* imm */
	LOAD, /* local index */
	STORE,
	ADD,
	SUB,
	MUL,
	DIVU,
	MODU,
	LT,
	EQ,
	JZ, /* target */
	JMP,
	CALL, /* target, nargs */
	RET,
	DUP,
	DROP,
	HALT,
};

struct frame {
	int ret_pc;
	int base; /* index of local 0 in the locals array */
};

struct vm {
	s64 stack[256], locals[1024];
	struct frame frames[64];
	int sp, nframes, nlocals;
	u64 steps;
};

static s64 pop(struct vm *m)
{
	return m->stack[--m->sp];
}

static void push(struct vm *m, s64 v)
{
	m->stack[m->sp++] = v;
}

static s64 run(struct vm *m, const s64 *code, int pc)
{
	m->sp = m->nframes = 0;
	m->nlocals = 16;
	m->frames[m->nframes++] = (struct frame){-1, 0};
	for (;;) {
		m->steps++;
		struct frame *f = &m->frames[m->nframes - 1];
		s64 a, b;
		switch ((enum op)code[pc++]) {
		case PUSH: push(m, code[pc++]); break;
		case LOAD: push(m, m->locals[f->base + code[pc++]]); break;
		case STORE: m->locals[f->base + code[pc++]] = pop(m); break;
		case ADD: b = pop(m), a = pop(m), push(m, a + b); break;
		case SUB: b = pop(m), a = pop(m), push(m, a - b); break;
		case MUL: b = pop(m), a = pop(m), push(m, a * b); break;
		case DIVU: b = pop(m), a = pop(m), push(m, (s64)((u64)a / (u64)b)); break;
		case MODU: b = pop(m), a = pop(m), push(m, (s64)((u64)a % (u64)b)); break;
		case LT: b = pop(m), a = pop(m), push(m, a < b); break;
		case EQ: b = pop(m), a = pop(m), push(m, a == b); break;
		case JZ:
			if (!pop(m))
				pc = (int)code[pc];
			else
				pc++;
			break;
		case JMP: pc = (int)code[pc]; break;
		case CALL: {
			int target = (int)code[pc++], nargs = (int)code[pc++];
			struct frame nf = {pc, m->nlocals};
			m->nlocals += 16;
			for (int k = nargs - 1; k >= 0; k--)
				m->locals[nf.base + k] = pop(m);
			m->frames[m->nframes++] = nf;
			pc = target;
			break;
		}
		case RET:
			if (m->nframes == 1)
				return pop(m);
			pc = m->frames[--m->nframes].ret_pc;
			m->nlocals -= 16;
			break;
		case DUP: a = pop(m), push(m, a), push(m, a); break;
		case DROP: pop(m); break;
		case HALT: return pop(m);
		}
	}
}

/* fib(n) iteratively: a = 0, b = 1; n times (a, b) = (b, a + b).  local0 = n. */
static const s64 prog_fib[] = {
    PUSH, 0, STORE, 1,     PUSH, 1,     STORE, 2,             /* 0: a = 0, b = 1 */
    LOAD, 0, JZ,    35,                                       /* 8: while (n) */
    LOAD, 2, DUP,   STORE, 3,    LOAD,  1,     ADD, STORE, 2, /* 12: t = b; b = a + b */
    LOAD, 3, STORE, 1,                                        /* 22: a = t */
    LOAD, 0, PUSH,  1,     SUB,  STORE, 0,     JMP, 8,        /* 26: n-- */
    LOAD, 1, HALT,                                            /* 35: return a */
};

/* Recursive gcd(a, b) = b ? gcd(b, a % b) : a; main calls gcd(local0, local1). */
static const s64 prog_gcd[] = {
    LOAD, 0, LOAD, 1,  CALL, 8, 2,    HALT,            /* 0: main */
    LOAD, 1, JZ,   23,                                 /* 8: gcd: if (!b) goto 23 */
    LOAD, 1, LOAD, 0,  LOAD, 1, MODU, CALL, 8, 2, RET, /* 12: return gcd(b, a % b) */
    LOAD, 0, RET,                                      /* 23: return a */
};

/* Primes below local0 by trial division; locals: 1 count, 2 n, 3 d. */
static const s64 prog_primes[] = {
    PUSH, 0, STORE, 1, PUSH, 2,     STORE, 2,           /* 0: count = 0, n = 2 */
    LOAD, 2, LOAD,  0, LT,   JZ,    63,                 /* 8: while (n < limit) */
    PUSH, 2, STORE, 3,                                  /* 15: d = 2 */
    LOAD, 2, LOAD,  3, LOAD, 3,     MUL,   LT,  JZ, 38, /* 19: if (!(n < d * d)) goto 38 */
    LOAD, 1, PUSH,  1, ADD,  STORE, 1,     JMP, 54,     /* 29: prime: count++ */
    LOAD, 2, LOAD,  3, MODU, JZ,    54,                 /* 38: n % d == 0: not prime */
    LOAD, 3, PUSH,  1, ADD,  STORE, 3,     JMP, 19,     /* 45: d++ */
    LOAD, 2, PUSH,  1, ADD,  STORE, 2,     JMP, 8,      /* 54: n++ */
    LOAD, 1, HALT,                                      /* 63: return count */
};

static s64 c_fib(int n)
{
	s64 a = 0, b = 1;
	while (n--) {
		s64 t = b;
		b = a + b;
		a = t;
	}
	return a;
}

static s64 c_gcd(s64 a, s64 b)
{
	return b ? c_gcd(b, a % b) : a;
}

static s64 c_primes(s64 limit)
{
	s64 count = 0;
	for (s64 n = 2; n < limit; n++) {
		bool prime = true;
		for (s64 d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = false;
				break;
			}
		count += prime;
	}
	return count;
}

static struct vm m;

int main(struct vx_boot_info *bi)
{
	(void)bi;
	m.locals[0] = 50;
	s64 v = run(&m, prog_fib, 0);
	report(v == c_fib(50) && v == 12586269025ll, "fib(50) = %lld", (long long)v);
	m.locals[0] = 1071 * 987654;
	m.locals[1] = 462 * 987654;
	v = run(&m, prog_gcd, 0);
	report(v == c_gcd(1071 * 987654ll, 462 * 987654ll), "gcd = %lld", (long long)v);
	m.locals[0] = 5000;
	v = run(&m, prog_primes, 0);
	report(v == c_primes(5000) && v == 669, "primes below 5000: %lld", (long long)v);
	report(m.steps > 500, "interpreter steps: %lu", m.steps);
	return report_summary();
}
