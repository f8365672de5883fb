// SPDX-License-Identifier: MIT
/*
 * The bare-mode machine: RAM, one processor and the devices of DESIGN.md section 4.
 *
 *   debug console   port 0xE9: OUT prints the low byte; IN returns 0xE9 (presence check)
 *   exit device     port 0xF4: a 32-bit OUT of N ends the run with status N & 0xff
 *   MMIO test dev.  4 KiB at 0xFEB00000: reads return the bytes last written (every access
 *                   traced); registers are 64-bit, narrower accesses see their bytes
 *   interrupt timer port 0xE0: 8-bit vector; port 0xE4: 32-bit delay D arms it.  The
 *                   interrupt becomes pending when D more instructions have retired after
 *                   the arming OUT; it fires once, as an external interrupt (SDM Vol. 3A 6.3
 *                   "Sources of Interrupts"), and is delivered when RFLAGS.IF allows.
 *
 * Time is retired instructions, so a halted processor makes no progress: HLT with IF = 1 and
 * the timer armed skips ahead and fires the timer at once (idle time is not counted).  HLT
 * with nothing that could wake the processor (IF = 0, or IF = 1 and no timer) ends the run
 * with status 3; a triple fault with status 4; an exhausted --max-insns with status 124, and
 * so does an exception loop that retires nothing (VX_RUN_STUCK_EVENTS deliveries in a row):
 * like a budget, it ends a run that would never end.
 *
 * Trace (src/lib/trace.h, cpu 0, level L1, t = retired instructions): io for every port
 * access, mmio for every test-device access, timer (arm, fire), exception, interrupt,
 * unsupported, triple_fault, console and, last, exit.  Console records are one per line:
 * the bytes written to port 0xE9 up to a '\n' (not included; an empty line gives ""),
 * emitted with the OUT of that '\n'.  A line longer than VM_CONSOLE_CHUNK bytes is split
 * into records of at most that many bytes (never inside a UTF-8 sequence), and a line
 * without its '\n' is emitted when the run ends, before the exit record.  NUL bytes are
 * printed to the console but left out of the record (a record's text is a C string).
 */
#include "vm/machine.h"

#include <stdlib.h>
#include <string.h>

#include "arch/vmx.h"
#include "lib/archinfo.h"
#include "lib/trace.h"
#include "vm/boot.h"
#include "vx/boot.h"

#define RFLAGS_IF BIT(9)
#define VM_CONSOLE_CHUNK 256 /* longest console record text, in bytes */

struct vm_timer {
	u8 vector;
	bool armed;
	u64 deadline; /* retired-instruction count at which the interrupt becomes pending */
};

struct vm {
	struct vm_config cfg;
	struct vx_phys *phys;
	struct vx_cpu *cpu;
	struct vx_trace *trace; /* cfg.trace: NULL = off */
	u8 mmio[VX_MMIO_TEST_SIZE];
	struct vm_timer timer;
	u64 epc_size; /* bytes of EPC at VX_EPC_BASE, 0 without SGX */
	bool loaded;
	bool exited;
	int exit_status;
	unsigned warned; /* bit per misuse already reported on cfg->diag */
	/* the console line being collected for its trace record */
	char con[VM_CONSOLE_CHUNK + 1];
	unsigned ncon;
	bool con_split; /* part of this line is already in a record */
	/* for the closing message */
	bool have_exc;
	struct vx_event last_exc;
	u8 exc_chain[3]; /* vectors of the last three exceptions, oldest first */
	unsigned nchain;
	const char *unsupported;
	u64 unsupported_rip;
};

static u64 now(const struct vm *vm)
{
	return vx_cpu_retired(vm->cpu);
}

static void warn_once(struct vm *vm, unsigned bit, const char *msg)
{
	if (vm->warned & bit)
		return;
	vm->warned |= bit;
	if (vm->cfg.diag)
		fprintf(vm->cfg.diag, "vmxsgx: warning: %s\n", msg);
}

/* ---- MMIO test device ---- */

static u64 mmio_read(void *ctx, u64 pa, unsigned size)
{
	struct vm *vm = ctx;
	u64 off = pa - VX_MMIO_TEST_BASE, v = 0;
	for (unsigned i = 0; i < size && off + i < VX_MMIO_TEST_SIZE; i++)
		v |= (u64)vm->mmio[off + i] << (8 * i);
	trace_mmio(vm->trace, 0, TRACE_L1, false, pa, size, v);
	return v;
}

static void mmio_write(void *ctx, u64 pa, unsigned size, u64 value)
{
	struct vm *vm = ctx;
	u64 off = pa - VX_MMIO_TEST_BASE;
	for (unsigned i = 0; i < size && off + i < VX_MMIO_TEST_SIZE; i++)
		vm->mmio[off + i] = (u8)(value >> (8 * i));
	trace_mmio(vm->trace, 0, TRACE_L1, true, pa, size, value);
}

/* ---- port I/O ---- */

static void timer_record(struct vm *vm, const char *action)
{
	trace_timer(vm->trace, 0, TRACE_L1, action, vm->timer.vector, vm->timer.deadline);
}

static void exit_out(struct vm *vm, struct vx_cpu *c, const struct vx_io *io)
{
	if (io->size != 4) {
		warn_once(vm, 1, "port 0xF4: only a 32-bit OUT ends the run; narrower one ignored");
		return;
	}
	vm->exited = true;
	vm->exit_status = (int)(io->value & 0xff);
	vx_cpu_request_stop(c);
}

static void timer_out(struct vm *vm, struct vx_cpu *c, const struct vx_io *io)
{
	if (io->port == VX_PORT_TIMER) {
		if (io->size != 1) {
			warn_once(vm, 2, "timer vector port: only an 8-bit OUT sets the vector");
			return;
		}
		vm->timer.vector = (u8)io->value;
		return;
	}
	if (io->size != 4) {
		warn_once(vm, 4, "timer delay port: only a 32-bit OUT arms the timer");
		return;
	}
	/* Counted from the retirement of this OUT, which is running now. */
	vm->timer.deadline = now(vm) + 1 + io->value;
	vm->timer.armed = true;
	timer_record(vm, "arm");
	vx_cpu_request_stop(c); /* the run loop recomputes its slice */
}

static u32 port_in(struct vm *vm, const struct vx_io *io)
{
	switch (io->port) {
	case VX_PORT_CONSOLE: return VX_PORT_CONSOLE;
	case VX_PORT_TIMER: return vm->timer.vector;
	case VX_PORT_TIMER + VX_TIMER_DELAY_OFFSET: {
		u64 left = vm->timer.armed && vm->timer.deadline > now(vm)
			       ? vm->timer.deadline - now(vm)
			       : 0;
		return left > 0xffffffffu ? 0xffffffffu : (u32)left;
	}
	default: return 0xffffffffu; /* no device answers */
	}
}

static void io_record(struct vm *vm, const struct vx_io *io)
{
	trace_io(vm->trace, 0, TRACE_L1, io->in, io->port, io->size, io->value);
}

/* ---- debug console ---- */

/* The console record of the collected bytes (NUL-terminated in place). */
static void console_emit(struct vm *vm, unsigned len)
{
	vm->con[len] = 0;
	trace_console(vm->trace, 0, TRACE_L1, vm->con);
}

/* How many bytes of a full buffer go into a record: all of them, unless the buffer ends
 * inside a UTF-8 sequence, which then moves whole to the next record.  A byte that cannot
 * start a sequence counts as one (the library escapes it). */
static unsigned console_cut(const u8 *b, unsigned n)
{
	for (unsigned k = 1; k <= 3 && k <= n; k++) {
		u8 c = b[n - k];
		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte: its lead byte is further back */
		unsigned len = c >= 0xf8 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return len > k ? n - k : n;
	}
	return n;
}

/* A full buffer: one record now, the rest of the line in later ones. */
static void console_split(struct vm *vm)
{
	unsigned cut = console_cut((const u8 *)vm->con, vm->ncon);
	char tail[4];
	unsigned rest = vm->ncon - cut;
	memcpy(tail, vm->con + cut, rest);
	console_emit(vm, cut);
	memcpy(vm->con, tail, rest);
	vm->ncon = rest;
	vm->con_split = true;
}

/* The end of a line ('\n') or of the run (at_end: only when bytes are waiting). */
static void console_flush(struct vm *vm, bool at_end)
{
	if (vm->ncon || (!at_end && !vm->con_split))
		console_emit(vm, vm->ncon);
	vm->ncon = 0;
	vm->con_split = false;
}

static void console_out(struct vm *vm, u8 b)
{
	if (vm->cfg.console)
		fputc(b, vm->cfg.console);
	if (!trace_on(vm->trace, TRACE_console) || b == 0)
		return;
	if (b == '\n') {
		console_flush(vm, false);
		return;
	}
	vm->con[vm->ncon++] = (char)b;
	if (vm->ncon == VM_CONSOLE_CHUNK)
		console_split(vm);
}

void vm_port_io(void *ctx, struct vx_cpu *c, struct vx_io *io)
{
	struct vm *vm = ctx;
	if (io->in) {
		u32 mask = io->size >= 4 ? 0xffffffffu : (1u << (8 * io->size)) - 1;
		io->value = port_in(vm, io) & mask;
		io_record(vm, io);
		return;
	}
	io_record(vm, io);
	switch (io->port) {
	case VX_PORT_CONSOLE: console_out(vm, (u8)io->value); break;
	case VX_PORT_EXIT: exit_out(vm, c, io); break;
	case VX_PORT_TIMER:
	case VX_PORT_TIMER + VX_TIMER_DELAY_OFFSET: timer_out(vm, c, io); break;
	default: break; /* no device: the write is dropped */
	}
}

/* ---- processor events ---- */

/* The event in the interruption-information format the trace takes (SDM Vol. 3C 24.9.2
 * "Information for VM Exits Due to Vectored Events", Table 24-15: vector in bits 7:0, type
 * in bits 10:8, bit 11 error code valid, bit 31 valid). */
static void exception_record(struct vm *vm, const struct vx_event *ev)
{
	u32 info = VMX_INTR_INFO_VALID | ((u32)(ev->type & 7) << VMX_INTR_INFO_TYPE_SHIFT) |
		   ev->vector | (ev->has_error ? VMX_INTR_INFO_ERROR_CODE : 0);
	trace_exception(vm->trace, 0, TRACE_L1, info, ev->error_code, ev->rip, ev->cr2);
}

static void on_event(void *ctx, struct vx_cpu *c, const struct vx_event *ev)
{
	struct vm *vm = ctx;
	(void)c;
	switch (ev->kind) {
	case VX_EV_EXCEPTION:
		vm->have_exc = true;
		vm->last_exc = *ev;
		if (vm->nchain == 3)
			memmove(vm->exc_chain, vm->exc_chain + 1, 2);
		vm->exc_chain[vm->nchain < 3 ? vm->nchain++ : 2] = ev->vector;
		exception_record(vm, ev);
		return;
	case VX_EV_INTERRUPT: trace_interrupt(vm->trace, 0, TRACE_L1, ev->vector, ev->rip); return;
	case VX_EV_UNSUPPORTED:
		vm->unsupported = ev->mnemonic;
		vm->unsupported_rip = ev->rip;
		trace_unsupported(vm->trace, 0, TRACE_L1, ev->mnemonic, ev->rip);
		return;
	case VX_EV_SHUTDOWN: trace_triple_fault(vm->trace, 0, TRACE_L1, ev->rip); return;
	}
}

/* ---- life cycle ---- */

/* The trace clock: model time is the processor's retired-instruction count. */
static u64 trace_clock(void *ctx, unsigned cpu)
{
	(void)cpu; /* one processor */
	return now(ctx);
}

static bool fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return false;
}

/* --sgx / --sgx-lc / --epc: narrow the profile's SGX, create the EPC section and make CPUID
 * leaf 12H enumerate it (SDM Vol. 3D 37.7.2 Table 37-6). */
static bool sgx_setup(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = &vm->cfg;
	if (!vx_cpu_restrict_sgx(vm->cpu, cfg->sgx, cfg->sgx_lc))
		return fail(err, errlen, "the CPU profile does not have the SGX asked for");
	if (cfg->sgx == VX_SGX_OFF)
		return true;
	u64 size = vx_epc_size(cfg->epc_size);
	if (!vx_epc_size_ok(size))
		return fail(err, errlen, "EPC size must be a multiple of 4 KiB up to 256 MiB");
	if (!vx_phys_add_epc(vm->phys, VX_EPC_BASE, size, 1) ||
	    !vx_cpu_set_epc(vm->cpu, VX_EPC_BASE, size))
		return fail(err, errlen, "cannot create the EPC section");
	vm->epc_size = size;
	return true;
}

struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen)
{
	u64 ram = cfg->ram_size ? cfg->ram_size : VX_BOOT_RAM_DEFAULT;
	if (ram < VX_BOOT_RAM_MIN || ram > VX_BOOT_RAM_MAX || (ram & 4095)) {
		fail(err, errlen, "RAM size must be a multiple of 4 KiB from 4 MiB to 3 GiB");
		return NULL;
	}
	if (!vx_cpu_profile_known(cfg->profile)) {
		fail(err, errlen, "unknown CPU profile");
		return NULL;
	}
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm || !(vm->phys = vx_phys_create(ram)) ||
	    !(vm->cpu = vx_cpu_create(vm->phys, cfg->profile)) ||
	    !vx_phys_add_mmio(vm->phys, VX_MMIO_TEST_BASE, VX_MMIO_TEST_SIZE, mmio_read, mmio_write,
			      vm)) {
		vm_destroy(vm);
		fail(err, errlen, "out of memory creating the machine");
		return NULL;
	}
	vm->cfg = *cfg;
	vm->cfg.ram_size = ram;
	vm->trace = cfg->trace;
	if (vm->trace)
		trace_set_clock(vm->trace, trace_clock, vm);
	vx_cpu_set_trace(vm->cpu, cfg->trace); /* a guest hypervisor's failed VM entries */
	vm->timer.vector = 0x20;
	if (!sgx_setup(vm, err, errlen)) {
		vm_destroy(vm);
		return NULL;
	}
	vx_cpu_set_io_hook(vm->cpu, vm_port_io, vm);
	vx_cpu_set_event_hook(vm->cpu, on_event, vm);
	return vm;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->trace && vm->trace->clock_ctx == vm)
		trace_set_clock(vm->trace, NULL, NULL); /* the sink may outlive the machine */
	vx_cpu_destroy(vm->cpu);
	vx_phys_destroy(vm->phys);
	free(vm);
}

struct vx_cpu *vm_cpu(struct vm *vm)
{
	return vm->cpu;
}

struct vx_phys *vm_phys(struct vm *vm)
{
	return vm->phys;
}

bool vm_load_elf(struct vm *vm, const void *elf, size_t len, char *err, size_t errlen)
{
	if (!vm_boot_elf(vm->phys, vm->cpu, elf, len, vm->cfg.guest_args, vm->epc_size,
			 vm->cfg.l2_elf, vm->cfg.l2_len, err, errlen))
		return false;
	vm->loaded = true;
	return true;
}

/* ---- the run loop ---- */

static void timer_fire(struct vm *vm)
{
	vm->timer.armed = false;
	timer_record(vm, "fire");
	vx_cpu_queue_interrupt(vm->cpu, vm->timer.vector);
}

/* Budget of the next slice: up to the timer's deadline and the instruction budget. */
static u64 slice(const struct vm *vm)
{
	u64 t = now(vm), b = UINT64_MAX;
	if (vm->cfg.max_insns)
		b = vm->cfg.max_insns - t;
	if (vm->timer.armed && vm->timer.deadline - t < b)
		b = vm->timer.deadline - t;
	return b;
}

static void describe_fault(const struct vm *vm, char *buf, size_t len)
{
	size_t n = 0;
	if (vm->have_exc) {
		/* The chain that ended in the shutdown, e.g. #UD -> #GP -> #DF. */
		n = (size_t)snprintf(buf, len, "; exceptions:");
		for (unsigned k = 0; k < vm->nchain && n < len; k++) {
			const char *mn = vx_vector_mnemonic(vm->exc_chain[k]);
			n += (size_t)snprintf(buf + n, len - n, "%s %s", k ? " ->" : "",
					      mn ? mn : "interrupt");
		}
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, " (last at RIP 0x%llx)",
					      (unsigned long long)vm->last_exc.rip);
	}
	if (vm->unsupported && n < len)
		snprintf(buf + n, len - n, "; unsupported instruction '%s' at RIP 0x%llx",
			 vm->unsupported, (unsigned long long)vm->unsupported_rip);
}

/* The one line for stderr about why the run ended (empty for the exit port). */
static void stop_message(const struct vm *vm, struct vm_result *res)
{
	char extra[160] = "";
	unsigned long long rip = res->rip;
	switch (res->why) {
	case VM_STOP_EXIT: break;
	case VM_STOP_HALT:
		snprintf(res->msg, sizeof(res->msg),
			 "guest halted at RIP 0x%llx with %s, without writing the exit port", rip,
			 (vx_cpu_get_reg(vm->cpu, VX_RFLAGS) & RFLAGS_IF)
			     ? "interrupts enabled but no interrupt source armed"
			     : "interrupts disabled");
		break;
	case VM_STOP_TRIPLE_FAULT:
		describe_fault(vm, extra, sizeof(extra));
		snprintf(res->msg, sizeof(res->msg),
			 "guest triple fault (shutdown) at RIP 0x%llx%s", rip, extra);
		break;
	case VM_STOP_BUDGET:
		snprintf(res->msg, sizeof(res->msg),
			 "instruction budget exhausted: %llu instructions retired, RIP 0x%llx",
			 (unsigned long long)res->retired, rip);
		break;
	case VM_STOP_STUCK:
		describe_fault(vm, extra, sizeof(extra));
		snprintf(res->msg, sizeof(res->msg),
			 "guest stuck: %u exceptions in a row without retiring an instruction%s",
			 VX_RUN_STUCK_EVENTS, extra);
		break;
	case VM_STOP_ERROR: snprintf(res->msg, sizeof(res->msg), "no guest image loaded"); break;
	}
}

static void finish(struct vm *vm, struct vm_result *res, enum vm_stop why, int status)
{
	u64 rip = vx_cpu_get_reg(vm->cpu, VX_RIP);
	*res = (struct vm_result){.why = why, .status = status, .rip = rip, .retired = now(vm)};
	stop_message(vm, res);
	static const char *const why_name[] = {
	    [VM_STOP_EXIT] = "exit_port",
	    [VM_STOP_HALT] = "halt",
	    [VM_STOP_TRIPLE_FAULT] = "triple_fault",
	    [VM_STOP_BUDGET] = "max_insns",
	    [VM_STOP_STUCK] = "stuck",
	    [VM_STOP_ERROR] = "error",
	};
	console_flush(vm, true); /* a last line without its '\n' */
	trace_exit(vm->trace, 0, TRACE_L1, status, why_name[why], rip);
	if (vm->cfg.console)
		fflush(vm->cfg.console);
	if (vm->trace && vm->trace->f)
		fflush(vm->trace->f);
}

/* HLT: wake by the timer if it can be delivered; false when nothing can ever wake it. */
static bool wake_from_halt(struct vm *vm)
{
	if (!(vx_cpu_get_reg(vm->cpu, VX_RFLAGS) & RFLAGS_IF) || !vm->timer.armed)
		return false;
	timer_fire(vm); /* idle time is skipped: the deadline is reached at once */
	return true;
}

void vm_run(struct vm *vm, struct vm_result *res)
{
	if (!vm->loaded) {
		finish(vm, res, VM_STOP_ERROR, 1);
		return;
	}
	for (;;) {
		if (vm->timer.armed && now(vm) >= vm->timer.deadline)
			timer_fire(vm);
		if (vm->cfg.max_insns && now(vm) >= vm->cfg.max_insns) {
			finish(vm, res, VM_STOP_BUDGET, VX_EXIT_BUDGET);
			return;
		}
		enum vx_run_result r = vx_cpu_run(vm->cpu, slice(vm));
		if (vm->exited) {
			finish(vm, res, VM_STOP_EXIT, vm->exit_status);
			return;
		}
		if (r == VX_RUN_SHUTDOWN) {
			finish(vm, res, VM_STOP_TRIPLE_FAULT, VX_EXIT_TRIPLE_FAULT);
			return;
		}
		if (r == VX_RUN_STUCK) {
			finish(vm, res, VM_STOP_STUCK, VX_EXIT_BUDGET);
			return;
		}
		if (r == VX_RUN_HALTED && !wake_from_halt(vm)) {
			finish(vm, res, VM_STOP_HALT, VX_EXIT_HALTED);
			return;
		}
		/* VX_RUN_BUDGET / STOPPED: a slice ended or a device changed; VX_RUN_VMEXIT: the
		 * guest's own VM exit (it is the hypervisor here), host state already loaded. */
	}
}
