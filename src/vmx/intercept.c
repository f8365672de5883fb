// SPDX-License-Identifier: MIT
/*
 * VMX non-root operation, the instruction side (see intercept.h): the predicates of SDM Vol.
 * 3C 25.1.2 "Instructions That Cause VM Exits Unconditionally" and 25.1.3 "Instructions That
 * Cause VM Exits Conditionally" over the VM-execution controls of 24.6 "VM-Execution Control
 * Fields", the instruction behaviour of 25.3 "Changes to Instruction Behavior in VMX Non-Root
 * Operation" that the controls change without an exit (CR0/CR4 guest/host masks and read
 * shadows, TSC offsetting, VMCS shadowing), and the exit information of 27.2.1 "Basic VM-Exit
 * Information" (Tables 27-3, 27-4, 27-5) and 27.2.4 "Information for VM Exits Due to
 * Instruction Execution" (Tables 27-8 to 27-14).
 *
 * The bitmaps (I/O bitmaps A and B, MSR bitmaps, VMREAD/VMWRITE bitmaps) are at physical
 * addresses held in the VMCS and are read from physical memory at each use, as the processor
 * reads them (24.6.4, 24.6.9, 24.6.15: software must not change them while they are in use;
 * the model sees any change at the next instruction).
 */
#include "vmx/intercept.h"

#include <string.h>

#include "arch/vmx.h"
#include "cpu/fault.h"
#include "cpu/phys.h"
#include "cpu/profile.h"

static u64 field(const struct vx_cpu *c, enum vmcs_slot s)
{
	return vmcs_get(&c->vmx.vmcs, s);
}

/* Bit n of a bitmap at physical address base (bit n is bit n % 8 of byte n / 8). */
static bool bitmap_bit(const struct vx_cpu *c, u64 base, u32 n)
{
	return (phys_read(c->phys, base + n / 8, 1) >> (n % 8)) & 1;
}

u32 vmx_proc(const struct vx_cpu *c)
{
	return (u32)field(c, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
}

u32 vmx_proc2(const struct vx_cpu *c)
{
	if (!(vmx_proc(c) & PROC_ACTIVATE_SECONDARY_CONTROLS))
		return 0;
	return (u32)field(c, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL);
}

/* ==== control registers ==== */

static u64 cr_mask(const struct vx_cpu *c, unsigned cr)
{
	return field(c, cr == 0 ? VMCS_SLOT_CR0_GUEST_HOST_MASK : VMCS_SLOT_CR4_GUEST_HOST_MASK);
}

static u64 cr_shadow(const struct vx_cpu *c, unsigned cr)
{
	return field(c, cr == 0 ? VMCS_SLOT_CR0_READ_SHADOW : VMCS_SLOT_CR4_READ_SHADOW);
}

/*
 * 25.1.3 "MOV to CR3": "causes a VM exit unless the 'CR3-load exiting' VM-execution control is
 * 0 or the value of its source operand is equal to one of the CR3-target values specified in
 * the VMCS.  If the CR3-target count in n, only the first n CR3-target values are considered;
 * if the CR3-target count is 0, MOV to CR3 always causes a VM exit."  VM entry allows at most
 * 4 (26.2.1.1 "VM-Execution Control Fields"); a larger count is read as 4.
 */
static bool cr3_load_exits(const struct vx_cpu *c, u64 val)
{
	static const enum vmcs_slot target[4] = {
	    VMCS_SLOT_CR3_TARGET_VALUE0, VMCS_SLOT_CR3_TARGET_VALUE1, VMCS_SLOT_CR3_TARGET_VALUE2,
	    VMCS_SLOT_CR3_TARGET_VALUE3};
	if (!(vmx_proc(c) & PROC_CR3_LOAD_EXITING))
		return false;
	u64 n = field(c, VMCS_SLOT_CR3_TARGET_COUNT);
	for (u64 k = 0; k < n && k < 4; k++)
		if (field(c, target[k]) == val)
			return false;
	return true;
}

/*
 * 25.1.3 "MOV to CR0" / "MOV to CR4": "causes a VM exit unless the value of its source operand
 * matches, for the position of each bit set in the CR0 [CR4] guest/host mask, the
 * corresponding bit in the CR0 [CR4] read shadow"; "MOV to CR8": "if the 'CR8-load exiting'
 * VM-execution control is 1".  MOV to CR2 never exits.
 */
bool vmx_exits_cr_write(const struct vx_cpu *c, unsigned cr, u64 val)
{
	switch (cr) {
	case 0:
	case 4: return ((val ^ cr_shadow(c, cr)) & cr_mask(c, cr)) != 0;
	case 3: return cr3_load_exits(c, val);
	case 8: return vmx_proc(c) & PROC_CR8_LOAD_EXITING;
	default: return false;
	}
}

/* 25.1.3 "MOV from CR3" ("CR3-store exiting"), "MOV from CR8" ("CR8-store exiting"). */
bool vmx_exits_cr_read(const struct vx_cpu *c, unsigned cr)
{
	switch (cr) {
	case 3: return vmx_proc(c) & PROC_CR3_STORE_EXITING;
	case 8: return vmx_proc(c) & PROC_CR8_STORE_EXITING;
	default: return false;
	}
}

/* 25.1.3 "CLTS": "if the bits in position 3 (corresponding to CR0.TS) are set in both the CR0
 * guest/host mask and the CR0 read shadow". */
bool vmx_exits_clts(const struct vx_cpu *c)
{
	return cr_mask(c, 0) & cr_shadow(c, 0) & X86_CR0_TS;
}

/*
 * 25.1.3 "LMSW": "LMSW never clears bit 0 of CR0 (CR0.PE); thus, LMSW causes a VM exit if
 * either of the following are true: the bits in position 0 (corresponding to CR0.PE) are set
 * in both the CR0 guest/mask and the source operand, and the bit in position 0 is clear in the
 * CR0 read shadow; for any bit position in the range 3:1, the bit in that position is set in
 * the CR0 guest/mask and the values of the corresponding bits in the source operand and the
 * CR0 read shadow differ."
 */
bool vmx_exits_lmsw(const struct vx_cpu *c, u16 src)
{
	u64 mask = cr_mask(c, 0), shadow = cr_shadow(c, 0);
	if ((mask & src & X86_CR0_PE) && !(shadow & X86_CR0_PE))
		return true;
	return ((src ^ shadow) & mask & 0xe) != 0;
}

/* 25.3 "MOV from CR0" / "MOV from CR4" (and "SMSW"): "For each position corresponding to a
 * bit clear in the CR0 guest/host mask, the destination operand is loaded with the value of
 * the corresponding bit in CR0.  For each position corresponding to a bit set in the CR0
 * guest/host mask, the destination operand is loaded with the value of the corresponding bit
 * in the CR0 read shadow." */
u64 vmx_cr_read_shadowed(const struct vx_cpu *c, unsigned cr, u64 real)
{
	u64 mask = cr_mask(c, cr);
	return (real & ~mask) | (cr_shadow(c, cr) & mask);
}

/* 25.3 "MOV to CR0", "MOV to CR4", "LMSW", "CLTS": an execution that does not cause a VM exit
 * "leaves unmodified any bit in CR0 [CR4] corresponding to a bit set in the CR0 [CR4]
 * guest/host mask". */
u64 vmx_cr_guest_write(const struct vx_cpu *c, unsigned cr, u64 val)
{
	u64 mask = cr_mask(c, cr), cur = cr == 0 ? c->cr0 : c->cr4;
	return (val & ~mask) | (cur & mask);
}

/*
 * 25.3 "MOV to CR0"/"MOV to CR4"/"LMSW": such an execution "causes a general-protection
 * exception if it attempts to set any bit in CR0 [CR4] to a value not supported in VMX
 * operation (see Section 23.8)".  23.8 "Restrictions on VMX Operation": a bit set in
 * IA32_VMX_CR0_FIXED0 (CR4_FIXED0) is fixed to 1, a bit clear in ..._FIXED1 fixed to 0;
 * footnote: with "unrestricted guest" 1 in VMX non-root operation, CR0.PE and CR0.PG may be 0.
 */
bool vmx_cr_fixed_ok(const struct vx_cpu *c, unsigned cr, u64 val)
{
	const struct vmx_caps *v = &cpu_profile_of(c)->vmx;
	u64 fixed0 = cr == 0 ? v->cr0_fixed0 : v->cr4_fixed0;
	u64 fixed1 = cr == 0 ? v->cr0_fixed1 : v->cr4_fixed1;
	if (cr == 0 && (vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST))
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* 27.2.1 Table 27-3 "Exit Qualification for Control-Register Accesses": bits 3:0 the control
 * register, 5:4 the access type, 11:8 the general-purpose register of MOV CR (cleared for CLTS
 * and LMSW). */
u64 vmx_qual_cr(unsigned cr, enum vmx_cr_access type, unsigned gpr)
{
	if (type == VMX_CR_CLTS || type == VMX_CR_LMSW)
		gpr = 0;
	return (cr & 0xf) | ((u64)type << 4) | ((u64)(gpr & 0xf) << 8);
}

/* Table 27-3 for LMSW: CR 0, access type 3, bit 6 the operand type (1 = memory), bits 31:16
 * the LMSW source data. */
u64 vmx_qual_lmsw(bool mem, u16 src)
{
	return ((u64)VMX_CR_LMSW << 4) | ((u64)mem << 6) | ((u64)src << 16);
}

/* ==== debug registers ==== */

/* 25.1.3 "MOV DR": "causes a VM exit if the 'MOV-DR exiting' VM-execution control is 1". */
bool vmx_exits_mov_dr(const struct vx_cpu *c)
{
	return vmx_proc(c) & PROC_MOV_DR_EXITING;
}

/* 27.2.1 Table 27-4 "Exit Qualification for MOV DR": bits 2:0 the debug register, bit 4 the
 * direction (0 = MOV to DR, 1 = MOV from DR), bits 11:8 the general-purpose register. */
u64 vmx_qual_dr(unsigned dr, bool from, unsigned gpr)
{
	return (dr & 7) | ((u64)from << 4) | ((u64)(gpr & 0xf) << 8);
}

/* ==== I/O ==== */

/* 24.6.4 "I/O-Bitmap Addresses": bitmap A holds one bit per port 0000H-7FFFH, bitmap B per
 * port 8000H-FFFFH; "a logical processor uses these bitmaps if and only if the 'use I/O
 * bitmaps' control is 1. If the bitmaps are used, execution of an I/O instruction causes a VM
 * exit if any bit in the I/O bitmaps corresponding to a port it accesses is 1." */
static bool io_port_bit(const struct vx_cpu *c, u32 port)
{
	u64 base = field(c, port < 0x8000 ? VMCS_SLOT_IO_BITMAP_A : VMCS_SLOT_IO_BITMAP_B);
	return bitmap_bit(c, base, port & 0x7fff);
}

/*
 * 25.1.3 "IN, INS/INSB/INSW/INSD, OUT, OUTS/OUTSB/OUTSW/OUTSD": both controls 0 -> normal;
 * "unconditional I/O exiting" 1 and "use I/O bitmaps" 0 -> VM exit; "use I/O bitmaps" 1 -> VM
 * exit "if it attempts to access an I/O port corresponding to a bit set to 1 in the
 * appropriate I/O bitmap"; "If an I/O operation 'wraps around' the 16-bit I/O-port space
 * (accesses ports FFFFH and 0000H), the I/O instruction causes a VM exit (the 'unconditional
 * I/O exiting' VM-execution control is ignored if the 'use I/O bitmaps' VM-execution control
 * is 1)."  A multi-byte access checks the bit of every port it touches (across A and B).
 */
bool vmx_io_exits(const struct vx_cpu *c, u16 port, unsigned size)
{
	u32 proc = vmx_proc(c);
	if (!(proc & PROC_USE_IO_BITMAPS))
		return proc & PROC_UNCOND_IO_EXITING;
	for (u32 k = 0; k < size; k++) {
		u32 p = (u32)port + k;
		if (p > 0xffff || io_port_bit(c, p))
			return true;
	}
	return false;
}

/* 27.2.1 Table 27-5 "Exit Qualification for I/O Instructions": bits 2:0 size (0 = 1 byte,
 * 1 = 2 bytes, 3 = 4 bytes), bit 3 direction (1 = IN), bit 4 string instruction, bit 5 REP
 * prefixed, bit 6 operand encoding (0 = DX, 1 = immediate), bits 31:16 the port. */
u64 vmx_qual_io(u16 port, unsigned size, bool in, bool string, bool rep, bool imm)
{
	return (u64)((size - 1) & 7) | ((u64)in << 3) | ((u64)string << 4) | ((u64)rep << 5) |
	       ((u64)imm << 6) | ((u64)port << 16);
}

/* ==== MSRs ==== */

/*
 * 25.1.3 "RDMSR"/"WRMSR": a VM exit if "use MSR bitmaps" is 0; if ECX is in neither 00000000H
 * - 00001FFFH nor C0000000H - C0001FFFH; or if the bit for ECX (ECX & 1FFFH for the high
 * range) is 1 in the read (write) bitmap for low (high) MSRs.  24.6.9 "MSR-Bitmap Address":
 * the 4-KByte MSR bitmaps are read bitmap for low MSRs at offset 0, for high MSRs at 1024,
 * write bitmap for low MSRs at 2048, for high MSRs at 3072.
 */
bool vmx_msr_exits(const struct vx_cpu *c, u32 msr, bool write)
{
	u64 off;
	if (!(vmx_proc(c) & PROC_USE_MSR_BITMAPS))
		return true;
	if (msr <= 0x1fff)
		off = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		off = 1024;
	else
		return true;
	if (write)
		off += 2048;
	return bitmap_bit(c, field(c, VMCS_SLOT_MSR_BITMAP) + off, msr & 0x1fff);
}

/* ==== the other instructions of 25.1.3 ==== */

/* 25.1.3: HLT, INVLPG, RDPMC, RDTSC exit when their primary control is 1; WBINVD, RDRAND,
 * RDSEED and the descriptor-table instructions (LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR)
 * when their secondary control is 1. */
bool vmx_exits_simple(const struct vx_cpu *c, enum vmx_simple_exit x)
{
	switch (x) {
	case VMX_X_HLT: return vmx_proc(c) & PROC_HLT_EXITING;
	case VMX_X_INVLPG: return vmx_proc(c) & PROC_INVLPG_EXITING;
	case VMX_X_RDPMC: return vmx_proc(c) & PROC_RDPMC_EXITING;
	case VMX_X_RDTSC: return vmx_proc(c) & PROC_RDTSC_EXITING;
	case VMX_X_WBINVD: return vmx_proc2(c) & PROC2_WBINVD_EXITING;
	case VMX_X_RDRAND: return vmx_proc2(c) & PROC2_RDRAND_EXITING;
	case VMX_X_RDSEED: return vmx_proc2(c) & PROC2_RDSEED_EXITING;
	case VMX_X_DTABLE: return vmx_proc2(c) & PROC2_DESC_TABLE_EXITING;
	/* 25.1.3 "MWAIT": "if the 'MWAIT exiting' VM-execution control is 1"; "MONITOR": "if
	 * the 'MONITOR exiting' VM-execution control is 1". */
	case VMX_X_MWAIT: return vmx_proc(c) & PROC_MWAIT_EXITING;
	case VMX_X_MONITOR: return vmx_proc(c) & PROC_MONITOR_EXITING;
	}
	return false;
}

/* 25.3 "RDTSCP": "If the 'enable RDTSCP' VM-execution control is 0, RDTSCP causes an
 * invalid-opcode exception (#UD). This exception takes priority over any other exception the
 * instruction may incur." */
bool vmx_rdtscp_enabled(const struct vx_cpu *c)
{
	return vmx_proc2(c) & PROC2_ENABLE_RDTSCP;
}

/* 25.3 "INVPCID": "Behavior of INVPCID is determined first by the setting of the 'enable
 * INVPCID' VM-execution control: If the 'enable INVPCID' VM-execution control is 0, INVPCID
 * causes an invalid-opcode exception (#UD). This exception takes priority over any other
 * exception the instruction may incur."  (25.1.3 "INVPCID": with it 1, the exit follows
 * "INVLPG exiting".) */
bool vmx_invpcid_enabled(const struct vx_cpu *c)
{
	return vmx_proc2(c) & PROC2_ENABLE_INVPCID;
}

/* 25.5.5 "VM Functions": "If the 'enable VM functions' VM-execution control is 0, VMFUNC
 * causes an invalid-opcode exception (#UD)". */
bool vmx_vmfunc_enabled(const struct vx_cpu *c)
{
	return vmx_proc2(c) & PROC2_ENABLE_VMFUNC;
}

static struct vmx_ple *ple_of(struct vx_cpu *c)
{
	return &c->vmx.ple;
}

/*
 * 25.1.3 "PAUSE", CPL 0 with "PAUSE exiting" 0 and "PAUSE-loop exiting" 1: "The processor
 * determines the amount of time between this execution of PAUSE and the previous execution of
 * PAUSE at CPL 0. If this amount of time exceeds the value of the VM-execution control field
 * PLE_Gap, the processor considers this execution to be the first execution of PAUSE in a
 * loop. (It also does so for the first execution of PAUSE at CPL 0 after VM entry.)
 * Otherwise, the processor determines the amount of time since the most recent execution of
 * PAUSE that was considered to be the first in a loop. If this amount of time exceeds the
 * value of the VM-execution control field PLE_Window, a VM exit occurs."
 */
bool vmx_ple_step(struct vmx_ple *s, u64 now, u32 gap, u32 window)
{
	bool first = !s->seen || now - s->last > gap;
	s->seen = true;
	s->last = now;
	if (first) {
		s->start = now;
		return false;
	}
	return now - s->start > window;
}

/*
 * 25.1.3 "PAUSE": at CPL 0, "PAUSE exiting" 1 -> VM exit ("the 'PAUSE-loop exiting'
 * VM-execution control is ignored if CPL = 0 and the 'PAUSE exiting' VM-execution control is
 * 1"), else the PLE rule; at CPL > 0 only "PAUSE exiting" counts ("The 'PAUSE-loop exiting'
 * VM-execution control is ignored if CPL > 0").  "For purposes of these computations, time is
 * measured based on a counter that runs at the same rate as the timestamp counter (TSC)": the
 * model's TSC counts retired instructions (msr.h cpu_tsc), so PLE_Gap and PLE_Window count
 * retired instructions (docs/decisions.md).
 */
bool vmx_pause_exits(struct vx_cpu *c)
{
	if (vmx_proc(c) & PROC_PAUSE_EXITING)
		return true;
	if (c->cpl > 0 || !(vmx_proc2(c) & PROC2_PAUSE_LOOP_EXITING))
		return false;
	return vmx_ple_step(ple_of(c), c->retired, (u32)field(c, VMCS_SLOT_PLE_GAP),
			    (u32)field(c, VMCS_SLOT_PLE_WINDOW));
}

/* 25.1.3 "ENCLS": a VM exit if "enable ENCLS exiting" is 1 and "the value of EAX is less than
 * 63 and the corresponding bit in the ENCLS-exiting bitmap is 1" or "the value of EAX is
 * greater than or equal to 63 and bit 63 in the ENCLS-exiting bitmap is 1" (24.6.16). */
bool vmx_encls_exits(const struct vx_cpu *c, u32 eax)
{
	if (!(vmx_proc2(c) & PROC2_ENCLS_EXITING))
		return false;
	unsigned bit = eax < 63 ? eax : 63;
	return (field(c, VMCS_SLOT_ENCLS_EXITING_BITMAP) >> bit) & 1;
}

/*
 * 25.1.3 "VMREAD"/"VMWRITE": a VM exit if "VMCS shadowing" is 0, if bits 63:15 of the register
 * operand holding the field encoding are not all 0, or if bit n of the VMREAD (VMWRITE)
 * bitmap is 1 where n is bits 14:0 of that operand (24.6.15 "VMCS Shadowing Bitmap
 * Addresses": 4-KByte bitmaps, one bit per value of bits 14:0).
 */
bool vmx_vmrw_exits(const struct vx_cpu *c, u64 enc, bool write)
{
	if (!(vmx_proc2(c) & PROC2_VMCS_SHADOWING) || (enc >> 15))
		return true;
	u64 base = field(c, write ? VMCS_SLOT_VMWRITE_BITMAP : VMCS_SLOT_VMREAD_BITMAP);
	return bitmap_bit(c, base, (u32)enc & 0x7fff);
}

/* 25.3 "RDTSC"/"RDTSCP"/"RDMSR" (IA32_TIME_STAMP_COUNTER): with "use TSC offsetting" 1 the
 * value returned is the TSC plus the TSC offset (TSC scaling is not offered by the
 * profiles). */
u64 vmx_guest_tsc(const struct vx_cpu *c, u64 tsc)
{
	if (vmx_proc(c) & PROC_USE_TSC_OFFSETTING)
		tsc += field(c, VMCS_SLOT_TSC_OFFSET);
	return tsc;
}

/* ==== exit information of instructions with operands ==== */

/*
 * 27.2.1: for INVEPT, INVPCID, INVVPID, LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR, VMCLEAR,
 * VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMXON, XRSTORS, XSAVES "the exit qualification receives
 * the value of the instruction's displacement field, which is sign-extended to 64 bits if
 * necessary ... If the instruction has no displacement (for example, has a register operand),
 * zero is stored into the exit qualification. ... RIP-relative addressing ... the exit
 * qualification is loaded with the sum of the displacement field and the appropriate RIP
 * value" (c->rip is the next instruction's address while the handler runs).
 */
u64 vmx_qual_disp(const struct vx_cpu *c, const struct operand *o)
{
	if (o->kind != OPK_MEM)
		return 0;
	u64 d = (u64)(s64)o->disp;
	return o->base == REG_RIP ? d + c->rip : d;
}

/* Address size as 27.2.4 encodes it (bits 9:7): 0 = 16-bit, 1 = 32-bit, 2 = 64-bit. */
static u32 asz_code(const struct insn *i)
{
	return i->addrsize == 8 ? 2 : i->addrsize == 4 ? 1 : 0;
}

static u32 scale_code(u8 scale)
{
	return scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
}

/*
 * The memory-operand fields that Tables 27-9, 27-10, 27-11, 27-13 and 27-14 share: bits 1:0
 * scaling (0 = none .. 3 = by 8; undefined without an index register: 0 here), 9:7 address
 * size, 17:15 segment register (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS), 21:18 index register,
 * 22 index register invalid, 26:23 base register, 27 base register invalid (also for
 * RIP-relative addressing, which names no base register).
 */
static u32 mem_fields(const struct insn *i, const struct operand *o)
{
	u32 v = (asz_code(i) << 7) | ((u32)(o->seg & 7) << 15);
	if (o->index == REG_NONE)
		v |= 1u << 22;
	else
		v |= scale_code(o->scale) | ((u32)(o->index & 0xf) << 18);
	if (o->base == REG_NONE || o->base == REG_RIP)
		v |= 1u << 27;
	else
		v |= (u32)(o->base & 0xf) << 23;
	return v;
}

/* Tables 27-11 and 27-14 with a register operand: bits 6:3 Reg1, bit 10 = 1 (register); the
 * memory fields are undefined (0 here). */
static u32 reg_fields(const struct operand *o)
{
	return ((u32)(o->reg & 0xf) << 3) | (1u << 10);
}

/* Table 27-13 "Format of the VM-Exit Instruction-Information Field as Used for VMCLEAR,
 * VMPTRLD, VMPTRST, VMXON, XRSTORS, and XSAVES" (bit 10 cleared to 0). */
u32 vmx_info_mem(const struct insn *i, const struct operand *o)
{
	return mem_fields(i, o);
}

/* Table 27-9 "... as Used for INVEPT, INVPCID, and INVVPID": bits 31:28 Reg2, the register
 * operand (the type). */
u32 vmx_info_inv(const struct insn *i, const struct operand *o, unsigned reg2)
{
	return mem_fields(i, o) | ((u32)(reg2 & 0xf) << 28);
}

/* Table 27-14 "... as Used for VMREAD and VMWRITE": Reg1 or the memory fields for the r/m
 * operand (bit 10: 0 memory, 1 register), bits 31:28 Reg2. */
u32 vmx_info_vmrw(const struct insn *i, const struct operand *rm, unsigned reg2)
{
	u32 v = rm->kind == OPK_REG ? reg_fields(rm) : mem_fields(i, rm);
	return v | ((u32)(reg2 & 0xf) << 28);
}

/* Table 27-10 "... as Used for LIDT, LGDT, SIDT, or SGDT": the memory fields, bit 11 operand
 * size (undefined in 64-bit mode: 0 here), bits 29:28 the instruction identity. */
u32 vmx_info_gdt(const struct insn *i, enum vmx_dt_id id)
{
	return mem_fields(i, &i->op[0]) | ((u32)id << 28);
}

/* Table 27-11 "... as Used for LLDT, LTR, SLDT, and STR": Reg1 or the memory fields, bit 10
 * mem/reg, bits 29:28 the instruction identity. */
u32 vmx_info_ldt(const struct insn *i, enum vmx_lt_id id)
{
	const struct operand *o = &i->op[0];
	u32 v = o->kind == OPK_REG ? reg_fields(o) : mem_fields(i, o);
	return v | ((u32)id << 28);
}

/* Table 27-12 "... as Used for RDRAND and RDSEED": bits 6:3 the destination register, bits
 * 12:11 the operand size (0 = 16-bit, 1 = 32-bit, 2 = 64-bit). */
u32 vmx_info_rdrand(const struct insn *i)
{
	const struct operand *o = &i->op[0];
	u32 osz = o->size == 8 ? 2 : o->size == 4 ? 1 : 0;
	return ((u32)(o->reg & 0xf) << 3) | (osz << 11);
}

/* Table 27-8 "... as Used for INS and OUTS": bits 9:7 address size, bits 17:15 the segment
 * register (OUTS; undefined for INS). */
u32 vmx_info_io(const struct insn *i, unsigned seg)
{
	return (asz_code(i) << 7) | ((u32)(seg & 7) << 15);
}

/* ==== VMCS shadowing ==== */

/*
 * 30.3 VMREAD/VMWRITE "Operation", after the VM-exit test: "ELSIF CPL > 0 THEN #GP(0); ELSIF
 * (in VMX root operation AND current-VMCS pointer is not valid) OR (in VMX non-root operation
 * AND VMCS link pointer is not valid) THEN VMfailInvalid".  The VMCS link pointer of a guest
 * that passed VM entry is FFFFFFFF_FFFFFFFFH or a shadow VMCS of the right revision (26.3.1.5
 * "Checks on Guest Non-Register State"), so "not valid" is the all-ones value.
 */
struct vmx_result vmx_shadow_begin(struct vx_cpu *c)
{
	if (c->cpl > 0) {
		fault_gp(c, 0);
		return vmx_result_of(VMX_OUT_FAULT, 0);
	}
	if (field(c, VMCS_SLOT_VMCS_LINK_POINTER) == VMX_VMCS_INVALID)
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	return vmx_result_of(VMX_OUT_CONTINUE, 0);
}

/* Physical address of field slot s in the shadow VMCS (the region layout of vmx_insn.h). */
static u64 shadow_slot_pa(const struct vx_cpu *c, int s)
{
	return field(c, VMCS_SLOT_VMCS_LINK_POINTER) + VMX_REGION_FIELDS + 8ull * (unsigned)s;
}

/* A scratch VMCS holding the one field of encoding enc read from the shadow VMCS; *slot is its
 * slot, -1 when the encoding names no field (vmcs_vmread/vmcs_vmwrite then fail with 12). */
static void shadow_load(struct vx_cpu *c, u64 enc, struct vmcs *tmp, int *slot)
{
	bool high;
	memset(tmp, 0, sizeof(*tmp));
	*slot = vmcs_slot_of(enc, &high);
	if (*slot >= 0)
		tmp->field[*slot] =
		    phys_read(c->phys, shadow_slot_pa(c, *slot), 8) & vmcs_slot_mask(*slot);
}

/* 30.3 VMREAD: "destination operand ← contents of field indexed by source operand in VMCS
 * referenced by VMCS link pointer"; an unsupported field is VMfailValid(12). */
struct vmx_result vmx_shadow_vmread(struct vx_cpu *c, u64 enc, u64 *val)
{
	struct vmcs tmp;
	int s;
	u32 err = 0;
	shadow_load(c, enc, &tmp, &s);
	if (vmcs_vmread(&tmp, vmx_caps(c), enc, 64, val, &err) != VMX_SUCCEED)
		return vmx_fail_valid(c, err);
	return vmx_result_of(VMX_OUT_SUCCEED, 0);
}

/* 30.3 VMWRITE: "field indexed by destination operand in VMCS referenced by VMCS link pointer
 * ← source operand"; VMfailValid(12) unsupported, VMfailValid(13) read-only. */
struct vmx_result vmx_shadow_vmwrite(struct vx_cpu *c, u64 enc, u64 val)
{
	struct vmcs tmp;
	int s;
	u32 err = 0;
	shadow_load(c, enc, &tmp, &s);
	if (vmcs_vmwrite(&tmp, vmx_caps(c), enc, val, 64, &err) != VMX_SUCCEED)
		return vmx_fail_valid(c, err);
	phys_write(c->phys, shadow_slot_pa(c, s), 8, tmp.field[s]);
	return vmx_result_of(VMX_OUT_SUCCEED, 0);
}
