// SPDX-License-Identifier: MIT
/*
 * Port I/O (exit reason 30) and the port devices of DESIGN.md section 4, with bare mode's
 * behaviour (src/vm/machine.c):
 *
 *   debug console   port 0xE9: OUT prints the low byte; IN returns 0xE9
 *   exit device     port 0xF4: a 32-bit OUT of N ends the run with status N & 0xff
 *   interrupt timer port 0xE0: 8-bit vector; port 0xE4: a 32-bit OUT of D arms it, IN reads
 *                   the instructions left.  The interrupt is raised when D more guest
 *                   instructions have retired after the OUT (which itself exits and is not
 *                   counted as retired in VMX mode) and L0 injects it as an external interrupt
 *                   when the guest can take it (run.c).
 *   other ports     IN reads all ones, OUT is dropped
 *
 * "Unconditional I/O exiting" makes every IN, INS, OUT and OUTS exit (25.1.3 "Instructions
 * That Cause VM Exits Conditionally").  Exit qualification: Table 27-5 "Exit Qualification for
 * I/O Instructions": bits 2:0 size - 1, bit 3 direction (1 = IN), bit 4 string instruction,
 * bit 5 REP prefix, bit 6 operand encoding, bits 31:16 port.  IN of 32 bits writes EAX and
 * clears bits 63:32 of RAX (64-bit mode); 8 and 16 bits leave the rest of RAX alone.
 *
 * INS/OUTS are emulated (after the emulation gate): the VM-exit instruction-information field
 * (27.2.4 "Information for VM Exits Due to Instruction Execution", Table 27-8 "Format of the
 * VM-Exit Instruction-Information Field as Used for INS and OUTS": bits 9:7 address size,
 * bits 17:15 segment of OUTS; INS always uses ES) gives the address size and segment; each
 * iteration reads DS/seg:rSI or writes ES:rDI through the guest's paging, rSI/rDI step by the
 * size, backwards when RFLAGS.DF = 1, and with REP rCX counts down (INS/OUTS pages).  At most
 * HV_IO_BATCH iterations per exit: the instruction is re-executed (and exits again) until rCX
 * is 0, as a REP string instruction may be interrupted between iterations.  A page fault stops
 * the string with the registers describing the iterations done, and is injected.
 */
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

#define HV_IO_BATCH 4096u
#define RFLAGS_DF BIT(10)

/* ---- debug console: one trace record per line (bare mode's contract) ---- */

static void console_emit(struct hv_vcpu *v, unsigned len)
{
	v->con[len] = 0;
	trace_console(v->trace, 0, v->lvl, v->con);
}

/* A full buffer ending inside a UTF-8 sequence keeps that sequence for the next record. */
static unsigned console_cut(const u8 *b, unsigned n)
{
	for (unsigned k = 1; k <= 3 && k <= n; k++) {
		u8 c = b[n - k];
		if ((c & 0xc0) == 0x80)
			continue;
		unsigned len = c >= 0xf8 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return len > k ? n - k : n;
	}
	return n;
}

static void console_split(struct hv_vcpu *v)
{
	unsigned cut = console_cut((const u8 *)v->con, v->ncon), rest = v->ncon - cut;
	char tail[4];
	for (unsigned i = 0; i < rest; i++)
		tail[i] = v->con[cut + i];
	console_emit(v, cut);
	for (unsigned i = 0; i < rest; i++)
		v->con[i] = tail[i];
	v->ncon = rest;
	v->con_split = true;
}

void hv_console_flush(struct hv_vcpu *v, bool at_end)
{
	if (v->ncon || (!at_end && !v->con_split))
		console_emit(v, v->ncon);
	v->ncon = 0;
	v->con_split = false;
}

void hv_console_putc(struct hv_vcpu *v, u8 b)
{
	if (v->cfg.console)
		fputc(b, v->cfg.console);
	if (!trace_on(v->trace, TRACE_console) || b == 0)
		return;
	if (b == '\n') {
		hv_console_flush(v, false);
		return;
	}
	v->con[v->ncon++] = (char)b;
	if (v->ncon == HV_CONSOLE_CHUNK)
		console_split(v);
}

/* ---- interrupt timer ---- */

void hv_timer_fire(struct hv_vcpu *v)
{
	v->timer.armed = false;
	trace_timer(v->trace, 0, v->lvl, "fire", v->timer.vector, v->timer.deadline);
	v->irq = v->timer.vector; /* one slot: a second interrupt replaces the first */
}

static void timer_out(struct hv_vcpu *v, u16 port, unsigned size, u32 value)
{
	if (port == VX_PORT_TIMER) {
		if (size != 1)
			hv_warn_once(v, 2, "timer vector port: only an 8-bit OUT sets the vector");
		else
			v->timer.vector = (u8)value;
		return;
	}
	if (size != 4) {
		hv_warn_once(v, 4, "timer delay port: only a 32-bit OUT arms the timer");
		return;
	}
	v->timer.deadline = hv_retired(v) + value;
	v->timer.armed = true;
	trace_timer(v->trace, 0, v->lvl, "arm", v->timer.vector, v->timer.deadline);
}

/* ---- ports ---- */

u32 hv_port_in(struct hv_vcpu *v, u16 port, unsigned size)
{
	u32 mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1, val;
	u64 now = hv_retired(v);
	switch (port) {
	case VX_PORT_CONSOLE: val = VX_PORT_CONSOLE; break;
	case VX_PORT_TIMER: val = v->timer.vector; break;
	case VX_PORT_TIMER + VX_TIMER_DELAY_OFFSET: {
		u64 left = v->timer.armed && v->timer.deadline > now ? v->timer.deadline - now : 0;
		val = left > 0xffffffffu ? 0xffffffffu : (u32)left;
		break;
	}
	default: val = 0xffffffffu; break; /* no device answers */
	}
	trace_io(v->trace, 0, v->lvl, true, port, size, val & mask);
	return val & mask;
}

enum hv_ret hv_port_out(struct hv_vcpu *v, u16 port, unsigned size, u32 value)
{
	trace_io(v->trace, 0, v->lvl, false, port, size, value);
	switch (port) {
	case VX_PORT_CONSOLE: hv_console_putc(v, (u8)value); break;
	case VX_PORT_EXIT:
		if (size == 4)
			return hv_stop_vm(v, HV_STOP_EXIT, (int)(value & 0xff), "%s", "");
		hv_warn_once(v, 1,
			     "port 0xF4: only a 32-bit OUT ends the run; narrower one ignored");
		break;
	case VX_PORT_TIMER:
	case VX_PORT_TIMER + VX_TIMER_DELAY_OFFSET: timer_out(v, port, size, value); break;
	default: break;
	}
	return HV_RESUME;
}

/* ---- string I/O ---- */

struct str_io {
	bool in;
	unsigned size;
	u16 port;
	u64 amask;    /* address-size mask */
	u64 seg_base; /* base of the segment of the memory operand */
	unsigned reg; /* RSI (OUTS) or RDI (INS) */
	s64 step;
};

/* A register written with the address size: 16 bits keep the rest, 32 bits zero-extend. */
static u64 merge(u64 old, u64 val, u64 amask)
{
	return amask == 0xffffull ? (old & ~amask) | (val & amask) : val & amask;
}

static u64 seg_base_of(struct hv_vcpu *v, unsigned seg)
{
	/* 64-bit mode: only FS (4) and GS (5) have a base (Vol. 3A 3.4.4 "Segment Loading
	 * Instructions in IA-32e Mode"). */
	if (seg == 4)
		return hv_vmread(v, VMCS_GUEST_FS_BASE);
	if (seg == 5)
		return hv_vmread(v, VMCS_GUEST_GS_BASE);
	return 0;
}

/* One iteration; false when it faulted (injected) or the VM must stop (*r set). */
static bool str_once(struct hv_vcpu *v, const struct str_io *s, u64 ptr, enum hv_ret *r)
{
	u64 gpa;
	u32 pfec;
	u64 la = s->seg_base + (ptr & s->amask);
	if (!hv_gla_to_gpa(v, la, s->in ? HV_ACC_WRITE : HV_ACC_READ, false, &gpa, &pfec)) {
		if (pfec == ~0u)
			*r = hv_fatal(v,
				      "string I/O: guest page tables at RIP 0x%llx are not in RAM",
				      (unsigned long long)v->exit.rip);
		else
			hv_inject_pf(v, la, pfec);
		return false;
	}
	if (s->in) {
		hv_gpa_write(v, gpa, s->size, hv_port_in(v, s->port, s->size));
		return true;
	}
	*r = hv_port_out(v, s->port, s->size, (u32)hv_gpa_read(v, gpa, s->size));
	return *r == HV_RESUME;
}

static enum hv_ret io_string(struct hv_vcpu *v, bool in, unsigned size, u16 port, bool rep)
{
	switch (hv_check_emulate(v, 0)) {
	case HV_EMUL_PROPAGATE_FAULT: return HV_RESUME;
	case HV_EMUL_UNHANDLEABLE_VECTORING:
		return hv_fatal(v, "string I/O during event delivery at RIP 0x%llx",
				(unsigned long long)v->exit.rip);
	default: break;
	}
	u32 info = v->exit.insn_info;
	unsigned asz = (info >> 7) & 7;
	struct str_io s = {
	    .in = in,
	    .size = size,
	    .port = port,
	    .amask = asz == 0   ? 0xffffull
		     : asz == 1 ? 0xffffffffull
				: ~0ull,
	    .seg_base = in ? 0 : seg_base_of(v, (info >> 15) & 7),
	    .reg = in ? VX_RDI : VX_RSI,
	};
	s.step = (hv_vmread(v, VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? -(s64)size : (s64)size;
	u64 ptr = hv_gpr(v, s.reg), cnt = rep ? hv_gpr(v, VX_RCX) & s.amask : 1;
	enum hv_ret r = HV_RESUME;
	bool faulted = false;
	for (unsigned n = 0; cnt && n < HV_IO_BATCH && r == HV_RESUME; n++) {
		if (!str_once(v, &s, ptr, &r) && r == HV_RESUME)
			faulted = true; /* #PF injected: this iteration did not happen */
		if (faulted || r == HV_FATAL)
			break;
		ptr += (u64)s.step; /* done (also when the exit port ended the run) */
		cnt--;
	}
	hv_set_gpr(v, s.reg, merge(hv_gpr(v, s.reg), ptr, s.amask));
	if (rep)
		hv_set_gpr(v, VX_RCX, merge(hv_gpr(v, VX_RCX), cnt, s.amask));
	if (!faulted && r != HV_FATAL && cnt == 0)
		hv_skip_insn(v);
	return r;
}

enum hv_ret hv_exit_io(struct hv_vcpu *v)
{
	u64 q = v->exit.qual;
	unsigned size = (unsigned)(q & 7) + 1;
	bool in = q & BIT(3), string = q & BIT(4), rep = q & BIT(5);
	u16 port = (u16)(q >> 16);
	if (size != 1 && size != 2 && size != 4)
		return hv_exit_unexpected(v);
	if (string)
		return io_string(v, in, size, port, rep);
	enum hv_ret r = HV_RESUME;
	if (in) {
		u32 val = hv_port_in(v, port, size);
		u64 rax = hv_gpr(v, VX_RAX);
		u64 mask = (1ull << (8 * size)) - 1;
		hv_set_gpr(v, VX_RAX, size == 4 ? val : (rax & ~mask) | val);
	} else {
		u64 mask = (1ull << (8 * size)) - 1;
		r = hv_port_out(v, port, size, (u32)(hv_gpr(v, VX_RAX) & mask));
	}
	hv_skip_insn(v);
	return r;
}
