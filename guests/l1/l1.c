// SPDX-License-Identifier: MIT
/*
 * The built-in L1 hypervisor (`vmxsgx run --l1 builtin L2.elf`, DESIGN.md sections 4 and 6):
 * a freestanding guest on the guest runtime's VMX helpers that runs the L2 ELF the loader put
 * in its RAM (vx_boot_info.l2_image) as a guest of its own, in VMX non-root operation with
 * EPT, and logs every VM exit it receives on the console:
 *
 *   L1: exit 0x08000028 intr 0x00000010 len 0 rip 0x...   (raw reason, interruptibility,
 *                                                         instruction length, guest RIP)
 *
 * L2's machine is the boot protocol of include/vx/boot.h, built by L1 the way the loader
 * builds it for L1: its guest-physical RAM [0, l2_ram) is L1's [l2_base, l2_base + l2_ram)
 * through L1's EPT (2-MByte pages, SDM Vol. 3C 28.2.2, Table 28-4), the EPC and the MMIO test
 * device are mapped at their own addresses (so L2 reaches L0's), and L2's identity page tables,
 * GDT, TSS and vx_boot_info are written in L2's memory.  Port I/O and MSRs pass through (zero
 * I/O and MSR bitmaps, 24.6.4, 24.6.9): the console, the timer and the exit port are the
 * machine's, so a run's exit status is L2's.
 *
 * Exits L1 handles (25.1.2 lists the ones that always occur):
 *   CPUID        executed by L1 (it exits to L0 in turn), CPUID.1:ECX.VMX cleared for L2;
 *   HLT          with RFLAGS.IF = 1 L2 resumes in the HLT activity state (24.4.2), so the next
 *                interrupt wakes it; with IF = 0 it can never wake: status 3, as the loader's
 *                contract;
 *   MOV to CR4   CR4.VMXE is L1's (guest/host mask): L2 setting it gets #GP (no VMX for L2);
 *   VMCALL       L0's hypercalls (numbers 0-2) forwarded, so L2 prints and exits as L1 would;
 *   XSETBV/INVD  executed by L1;
 *   RDMSR IA32_FEATURE_CONTROL  (the only MSR in L1's bitmap) with VMX outside SMX cleared;
 *   VMX insns, GETSEC, RDRAND (with `rdrand`)   #UD, as KVM answers them;
 *   PAUSE        (with `pause`) resumed; after an exit from an enclave (length 0: ERESUME
 *                would repeat the PAUSE forever) PAUSE exiting is turned off;
 *   ENCLS        (with `encls=MASK`, the ENCLS-exiting bitmap, 24.6.16) EREMOVE is executed
 *                by L1 (its operand is an EPC page, mapped 1:1), other leaves get #UD;
 *   exceptions   (with `exc=MASK`, the exception bitmap) re-injected into L2, CR2 first;
 *   external interrupts (with `extint`: external-interrupt exiting, acknowledge on exit)
 *                injected into L2 when it can take them (interrupt-window exiting meanwhile);
 *   EPT violation, triple fault, anything else: a message and the run ends (1, 4, 1).
 * An event being delivered when the exit came (IDT-vectoring information, 27.2.3) is
 * re-injected (26.5).  `quiet` turns the exit log off (benchmarks).
 *
 * Arguments: "OPTIONS -- L2ARGS" (vmxsgx run --l1-args OPTIONS --guest-args L2ARGS), the
 * options separated by spaces or commas.
 */
#include "guest.h"

/* VMCS encodings (Appendix B), exit reasons (Appendix C) and control bits: the project's
 * tables, not a copy. */
#include "arch/vmcs.h"
#include "arch/vmx.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

#define INTR_HW_EXC ((u32)VMX_INTR_TYPE_HARD_EXCEPTION << VMX_INTR_INFO_TYPE_SHIFT)
#define INTR_SOFT_EXC ((u32)VMX_INTR_TYPE_SOFT_EXCEPTION << VMX_INTR_INFO_TYPE_SHIFT)
#define CR4_VMXE BIT(13)
#define RFLAGS_IF BIT(9)
#define EPT_WB (EPT_MT_WB << EPT_MT_SHIFT)

struct opts {
	bool pause, rdrand, extint, quiet;
	u64 encls, exc;
	bool encls_set;
	const char *l2_args;
};

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 io_bitmaps[2][4096] __attribute__((aligned(4096)));
static u8 msr_bitmap[4096] __attribute__((aligned(4096)));
/* L1's EPT for L2: PML4, PDPT, one PD per GiB of L2 RAM (at most 3) + GiB 3, two PTs. */
static u64 ept[8][512] __attribute__((aligned(4096)));

static u64 l2_base, l2_ram; /* L2's RAM is L1's [l2_base, l2_base + l2_ram) */
static struct opts opt;

/* One line on the console, then the end of the run with `status` (the exit device). */
__attribute__((noreturn, format(printf, 2, 3))) static void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("L1: ");
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(status);
}

/* ---- arguments ---- */

static bool is_sep(char c)
{
	return c == ' ' || c == ',';
}

static u64 parse_hex(const char *s)
{
	u64 v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s && !is_sep(*s); s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
			     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
			     : *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
						      : 16u;
		if (d > 15)
			die(2, "bad number in the arguments");
		v = v << 4 | d;
	}
	return v;
}

static bool word_is(const char *w, const char *name)
{
	size_t n = strlen(name);
	return !memcmp(w, name, n) && (w[n] == 0 || is_sep(w[n]) || w[n] == '=');
}

__attribute__((noreturn)) static void bad_arg(const char *s)
{
	char w[32];
	size_t k = 0;
	for (; s[k] && !is_sep(s[k]) && k < sizeof(w) - 1; k++)
		w[k] = s[k];
	w[k] = 0;
	die(2, "unknown argument '%s' (pause rdrand extint quiet encls=MASK exc=MASK)", w);
}

static void parse_args(const char *s)
{
	while (s && *s) {
		while (is_sep(*s))
			s++;
		if (word_is(s, "--")) {
			opt.l2_args = s[2] ? s + 3 : s + 2;
			return;
		}
		if (word_is(s, "pause"))
			opt.pause = true;
		else if (word_is(s, "rdrand"))
			opt.rdrand = true;
		else if (word_is(s, "extint"))
			opt.extint = true;
		else if (word_is(s, "quiet"))
			opt.quiet = true;
		else if (word_is(s, "encls"))
			opt.encls = parse_hex(s + 6), opt.encls_set = true;
		else if (word_is(s, "exc"))
			opt.exc = parse_hex(s + 4);
		else if (*s)
			bad_arg(s);
		while (*s && !is_sep(*s))
			s++;
	}
}

/* ---- L2's memory ---- */

static void *l2_ptr(u64 gpa)
{
	return (void *)(l2_base + gpa);
}

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

/* The PT_LOAD segments at their p_paddr in L2's RAM; returns the entry point. */
static u64 load_l2(const u8 *img, u64 size, u64 *end)
{
	const struct elf64_ehdr *eh = (const void *)img;
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) || eh->machine != 62 ||
	    eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phoff + (u64)eh->phnum * sizeof(struct elf64_phdr) > size)
		die(1, "the L2 image is not an x86-64 ELF file (%lu bytes)", size);
	*end = VX_BOOT_IMAGE_MIN;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = (const struct elf64_phdr *)(img + eh->phoff) + i;
		if (ph->type != 1 || !ph->memsz)
			continue;
		if (ph->filesz > ph->memsz || ph->offset + ph->filesz > size ||
		    ph->paddr < VX_BOOT_IMAGE_MIN || ph->paddr + ph->memsz > l2_ram)
			die(1, "an L2 segment is outside L2's RAM (0x%lx, 0x%lx bytes)", ph->paddr,
			    ph->memsz);
		memcpy(l2_ptr(ph->paddr), img + ph->offset, ph->filesz);
		memset(l2_ptr(ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);
		if (ph->paddr + ph->memsz > *end)
			*end = ph->paddr + ph->memsz;
	}
	return eh->entry;
}

/* What the loader builds (DESIGN.md section 4), in L2's memory. */
static void boot_structures(u64 image_end)
{
	u64 npd = (l2_ram + GIB - 1) / GIB < 4 ? 4 : (l2_ram + GIB - 1) / GIB;
	u64 *pml4 = l2_ptr(VX_BOOT_PML4_ADDR), *pdpt = l2_ptr(VX_BOOT_PDPT_ADDR);
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = VX_BOOT_PDPT_ADDR | PTE_P | PTE_W | PTE_U;
	for (u64 i = 0; i < npd; i++) {
		u64 *pd = l2_ptr(VX_BOOT_PD_ADDR + i * 4096);
		pdpt[i] = (VX_BOOT_PD_ADDR + i * 4096) | PTE_P | PTE_W | PTE_U;
		for (u64 j = 0; j < 512; j++)
			pd[j] = (i * GIB + (j << 21)) | PTE_P | PTE_W | PTE_U | PTE_PS;
	}
	/* the GDT is the loader's (same selectors), the TSS fresh: RSP0, no I/O map */
	memcpy(l2_ptr(VX_BOOT_GDT_ADDR), (void *)VX_BOOT_GDT_ADDR, VX_GDT_ENTRIES * 8);
	u8 *tss = l2_ptr(VX_BOOT_TSS_ADDR);
	memset(tss, 0, VX_BOOT_TSS_SIZE);
	*(u64 *)(tss + 4) = VX_BOOT_STACK_TOP;
	*(u16 *)(tss + 102) = VX_BOOT_TSS_SIZE;
	struct vx_boot_info *bi = l2_ptr(VX_BOOT_INFO_ADDR);
	*bi = *boot_info;
	bi->ram_size = l2_ram;
	bi->free_base = (image_end + 4095) & ~4095ull;
	bi->cmdline = 0;
	bi->l2_image = bi->l2_size = 0;
	if (opt.l2_args && *opt.l2_args) {
		size_t n = strlen(opt.l2_args);
		memcpy(l2_ptr(VX_BOOT_CMDLINE_ADDR), opt.l2_args, n + 1);
		bi->cmdline = VX_BOOT_CMDLINE_ADDR;
	}
}

/* L1's EPT (28.2.2): L2 RAM -> l2_base (2-MByte pages, WB); the EPC and the MMIO test device
 * 1:1 (the EPC in 2-MByte pages where it can, the device's page UC). */
static u64 build_ept(void)
{
	u64 *pml4 = ept[0], *pdpt = ept[1], *pt_epc = ept[6], *pt_mmio = ept[7];
	pml4[0] = (u64)pdpt | EPT_RWX;
	for (u64 off = 0; off < l2_ram; off += 2 * MIB) {
		u64 g = off / GIB;
		pdpt[g] = (u64)ept[2 + g] | EPT_RWX;
		ept[2 + g][(off >> 21) & 511] = (l2_base + off) | EPT_RWX | EPT_WB | EPT_LARGE;
	}
	/* Beyond L1's RAM, L2's guest-physical addresses are L1's (and L0 answers there as
	 * for L1: "no device"); between L2's RAM and the end of L1's, nothing (L1's memory). */
	for (u64 a = 0; a < 4 * GIB; a += 2 * MIB) {
		u64 g = a / GIB;
		if (a < l2_ram || a < boot_info->ram_size)
			continue;
		pdpt[g] = (u64)ept[2 + g] | EPT_RWX;
		ept[2 + g][(a >> 21) & 511] = a | EPT_RWX | EPT_LARGE; /* UC */
	}
	u64 *pd3 = ept[5];
	pdpt[3] = (u64)pd3 | EPT_RWX;
	u64 epc = boot_info->epc_base, esz = boot_info->epc_size;
	for (u64 off = 0; epc && off < esz;) {
		u64 a = epc + off;
		if (!(a & (2 * MIB - 1)) && esz - off >= 2 * MIB) {
			pd3[(a >> 21) & 511] = a | EPT_RWX | EPT_WB | EPT_LARGE;
			off += 2 * MIB;
			continue;
		}
		pd3[(a >> 21) & 511] = (u64)pt_epc | EPT_RWX; /* the tail: at most one PT */
		pt_epc[(a >> 12) & 511] = a | EPT_RWX | EPT_WB;
		off += 4096;
	}
	u64 m = boot_info->mmio_test_base;
	pd3[(m >> 21) & 511] = (u64)pt_mmio | EPT_RWX;
	pt_mmio[(m >> 12) & 511] = m | EPT_RWX;     /* memory type 0: UC */
	return (u64)pml4 | EPTP_MT_WB | EPTP_PWL_4; /* EPTP (Table 24-8) */
}

/* ---- the VMCS ---- */

static void setup_vmcs(u64 entry)
{
	u32 proc = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
		   PROC_ACTIVATE_SECONDARY_CONTROLS;
	if (opt.pause)
		proc |= PROC_PAUSE_EXITING;
	vmx_setup_guest(entry, VX_BOOT_STACK_TOP, proc);
	u32 proc2 = PROC2_ENABLE_EPT | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID;
	if (opt.rdrand)
		proc2 |= PROC2_RDRAND_EXITING;
	if (opt.encls_set)
		proc2 |= PROC2_ENCLS_EXITING;
	vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_ctl(4, proc2));
	if (opt.encls_set)
		vmwrite(VMCS_ENCLS_EXITING_BITMAP, opt.encls);
	if (opt.extint) {
		vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL,
			vmx_ctl(0, BIT(0))); /* external-interrupt exiting */
		vmwrite(VMCS_VM_EXIT_CONTROLS,
			vmx_ctl(2, BIT(9) | BIT(15))); /* + acknowledge on exit */
	}
	vmwrite(VMCS_EXCEPTION_BITMAP, opt.exc);
	vmwrite(VMCS_IO_BITMAP_A, (u64)io_bitmaps[0]);
	vmwrite(VMCS_IO_BITMAP_B, (u64)io_bitmaps[1]);
	msr_bitmap[0x3a / 8] |= 1u << (0x3a % 8); /* reads of IA32_FEATURE_CONTROL (24.6.9) */
	vmwrite(VMCS_MSR_BITMAP, (u64)msr_bitmap);
	vmwrite(VMCS_EPT_POINTER, build_ept());
	/* L2's boot state: the loader's, in L2's address space */
	vmwrite(VMCS_GUEST_CR0, VX_BOOT_CR0);
	vmwrite(VMCS_CR0_READ_SHADOW, VX_BOOT_CR0);
	vmwrite(VMCS_GUEST_CR3, VX_BOOT_PML4_ADDR);
	vmwrite(VMCS_GUEST_CR4, VX_BOOT_CR4 | CR4_VMXE); /* VMXE is fixed to 1 in VMX operation */
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE);
	vmwrite(VMCS_CR4_READ_SHADOW, VX_BOOT_CR4);
	vmwrite(VMCS_GUEST_GDTR_BASE, VX_BOOT_GDT_ADDR);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
	vmwrite(VMCS_GUEST_RFLAGS, 2);
}

/* ---- exits ---- */

static struct vmx_regs regs;
static int pending_vec = -1; /* an external interrupt L1 owes L2 */
static bool injecting;       /* VM-entry interruption information set for the next entry */

static void inject(u32 info, u32 err, u32 len)
{
	vmwrite(VMCS_VM_ENTRY_INTR_INFO, info);
	vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, err);
	vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, len);
	injecting = true;
}

static void inject_exc(unsigned vec, bool has_err, u32 err)
{
	inject(VMX_INTR_INFO_VALID | INTR_HW_EXC | vec | (has_err ? VMX_INTR_INFO_ERROR_CODE : 0),
	       err, 0);
}

/* Past the instruction; its STI/MOV-SS blocking ends with it (bits 1:0 of the
 * interruptibility state; bit 4, the enclave interruption, stays as the processor left it). */
static void skip(void)
{
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & ~3ull);
}

static u64 *gpr(unsigned n)
{
	static u64 rsp;
	if (n == 4) {
		rsp = vmread(VMCS_GUEST_RSP);
		return &rsp;
	}
	return &(&regs.rax)[n];
}

static void on_cpuid(void)
{
	u32 r[4];
	cpuid((u32)regs.rax, (u32)regs.rcx, r);
	if ((u32)regs.rax == 1)
		r[2] &= ~BIT(5); /* no VMX for L2 */
	regs.rax = r[0], regs.rbx = r[1], regs.rcx = r[2], regs.rdx = r[3];
	skip();
}

/* MOV to CR4 (Table 27-3): VMXE is the only bit L1 owns. */
static void on_cr(u64 qual)
{
	unsigned cr = qual & 15, type = (qual >> 4) & 3;
	u64 val = *gpr((qual >> 8) & 15);
	if (cr != 4 || type != 0)
		die(1, "unexpected control-register exit (qualification 0x%lx, RIP 0x%lx)", qual,
		    vmread(VMCS_GUEST_RIP));
	if (val & CR4_VMXE) {
		inject_exc(13, true, 0);
		return;
	}
	vmwrite(VMCS_GUEST_CR4, val | CR4_VMXE);
	vmwrite(VMCS_CR4_READ_SHADOW, val);
	skip();
}

static void on_exception(u64 qual)
{
	u32 info = (u32)vmread(VMCS_VM_EXIT_INTR_INFO);
	if ((info & 0xff) == 14)
		write_cr2(qual); /* #PF: the fault address is in the qualification, not CR2 */
	u32 type = info & (7u << 8);
	inject(info & (VMX_INTR_INFO_VALID | 0xfff), (u32)vmread(VMCS_VM_EXIT_INTR_ERROR_CODE),
	       type == INTR_SOFT_EXC ? (u32)vmread(VMCS_VM_EXIT_INSTRUCTION_LEN) : 0);
}

/* RDMSR of IA32_FEATURE_CONTROL (3AH): L2 has no VMX, so bit 2 (VMX outside SMX) is 0. */
static void on_rdmsr(void)
{
	u64 v = rdmsr((u32)regs.rcx);
	if ((u32)regs.rcx == 0x3a)
		v &= ~BIT(2);
	regs.rax = (u32)v, regs.rdx = v >> 32;
	skip();
}

static void on_encls(void)
{
	if (regs.rax != 3) { /* EREMOVE: RCX is an EPC page, the same address for L1 */
		inject_exc(6, false, 0);
		return;
	}
	regs.rax = encls(regs.rax, regs.rbx, regs.rcx, regs.rdx);
	skip();
}

static void on_vmcall(void)
{
	if (regs.rax > 2) {
		regs.rax = (u64)-1000; /* unknown hypercall */
	} else {
		u64 a = regs.rax, b = regs.rbx;
		__asm__ volatile("vmcall" : "+a"(a), "+b"(b) : : "memory");
		regs.rax = a, regs.rbx = b;
	}
	skip();
}

static void on_hlt(void)
{
	if (!(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
		printf("L1: L2 halted with interrupts off at RIP 0x%lx\n", vmread(VMCS_GUEST_RIP));
		exit(3);
	}
	skip();
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 1); /* HLT: L2 waits for an interrupt (24.4.2) */
}

static void on_pause(u32 reason)
{
	if (reason & BIT(27)) /* from an enclave: ERESUME would repeat it (length 0) */
		vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
			vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL) & ~PROC_PAUSE_EXITING);
	skip();
}

static void handle(u32 reason)
{
	u64 qual = vmread(VMCS_EXIT_QUALIFICATION);
	switch (reason & 0xffff) {
	case VMX_EXIT_EXCEPTION_NMI: on_exception(qual); break;
	case VMX_EXIT_EXTERNAL_INTERRUPT:
		pending_vec = (int)(vmread(VMCS_VM_EXIT_INTR_INFO) & 0xff);
		break;
	case VMX_EXIT_TRIPLE_FAULT: die(4, "L2 triple fault at RIP 0x%lx", vmread(VMCS_GUEST_RIP));
	case VMX_EXIT_INTERRUPT_WINDOW: break;
	case VMX_EXIT_CPUID: on_cpuid(); break;
	case VMX_EXIT_HLT: on_hlt(); break;
	case VMX_EXIT_INVD: skip(); break;
	case VMX_EXIT_VMCALL: on_vmcall(); break;
	case VMX_EXIT_CR_ACCESS: on_cr(qual); break;
	case VMX_EXIT_MSR_READ: on_rdmsr(); break;
	case VMX_EXIT_PAUSE_INSTRUCTION: on_pause(reason); break;
	case VMX_EXIT_XSETBV:
		__asm__ volatile("xsetbv" : : "a"(regs.rax), "d"(regs.rdx), "c"(regs.rcx));
		skip();
		break;
	case VMX_EXIT_ENCLS: on_encls(); break;
	case VMX_EXIT_EPT_VIOLATION:
		die(1, "L2 EPT violation at 0x%lx (qualification 0x%lx): L2 has no memory there",
		    vmread(VMCS_GUEST_PHYSICAL_ADDRESS), qual);
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_RDRAND:
	case 19 ... VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID: inject_exc(6, false, 0); break;
	default: die(1, "unexpected VM exit 0x%x (qualification 0x%lx)", reason, qual);
	}
}

/* An event the exit interrupted goes back to L2 first (26.5.1, 27.2.3). */
static void reinject_vectoring(void)
{
	u32 idt = (u32)vmread(VMCS_IDT_VECTORING_INFO);
	if (!(idt & VMX_INTR_INFO_VALID))
		return;
	u32 type = idt & (7u << 8);
	inject(idt & (VMX_INTR_INFO_VALID | 0xfff), (u32)vmread(VMCS_IDT_VECTORING_ERROR_CODE),
	       type >= (4u << 8) ? (u32)vmread(VMCS_VM_EXIT_INSTRUCTION_LEN) : 0);
}

/* An owed external interrupt: now if L2 can take it (RFLAGS.IF, no STI/MOV-SS blocking), else
 * interrupt-window exiting until it can. */
static void deliver_pending(void)
{
	u64 proc = vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL) & ~PROC_INTR_WINDOW_EXITING;
	if (pending_vec >= 0 && !injecting && (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & 3)) {
		inject(VMX_INTR_INFO_VALID | (u32)pending_vec, 0, 0);
		pending_vec = -1;
	}
	if (pending_vec >= 0)
		proc |= PROC_INTR_WINDOW_EXITING;
	vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
}

int main(struct vx_boot_info *bi)
{
	idt_init();
	parse_args(bi->cmdline ? (const char *)bi->cmdline : "");
	if (!bi->l2_image)
		die(1, "no L2 image (run me with vmxsgx run --l1 FILE L2.elf)");
	l2_base = (bi->free_base + 2 * MIB - 1) & ~(2 * MIB - 1);
	l2_ram = l2_base < bi->ram_size ? (bi->ram_size - l2_base) & ~(2 * MIB - 1) : 0;
	if (l2_ram > 3 * GIB)
		l2_ram = 3 * GIB;
	if (l2_ram < VX_BOOT_RAM_MIN)
		die(1, "not enough RAM for L2 (free base 0x%lx, RAM size 0x%lx)", bi->free_base,
		    bi->ram_size);
	u64 end, entry = load_l2((const u8 *)bi->l2_image, bi->l2_size, &end);
	boot_structures(end);
	if (!vmx_on() || !vmx_load_vmcs(vmcs))
		die(1, "VMXON or VMPTRLD failed");
	setup_vmcs(entry);
	if (!opt.quiet)
		printf("L1: running L2 (%lu MiB at 0x%lx, entry 0x%lx)\n", l2_ram >> 20, l2_base,
		       entry);
	regs.rdi = VX_BOOT_INFO_ADDR;
	for (bool launch = true;; launch = false) {
		if (vmx_run(&regs, launch))
			die(1, "VM entry failed (VM-instruction error %lu)",
			    vmread(VMCS_VM_INSTRUCTION_ERROR));
		injecting = false;
		vmwrite(VMCS_VM_ENTRY_INTR_INFO, 0);
		u32 reason = (u32)vmread(VMCS_EXIT_REASON);
		if (!opt.quiet)
			printf("L1: exit 0x%08x intr 0x%08lx len %lu rip 0x%lx\n", reason,
			       vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO),
			       vmread(VMCS_VM_EXIT_INSTRUCTION_LEN), vmread(VMCS_GUEST_RIP));
		if (reason & BIT(31))
			die(1, "VM entry failed: exit reason 0x%x, qualification 0x%lx", reason,
			    vmread(VMCS_EXIT_QUALIFICATION));
		reinject_vectoring();
		handle(reason);
		deliver_pending();
	}
}
