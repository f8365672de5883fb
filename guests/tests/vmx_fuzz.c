// SPDX-License-Identifier: MIT
/*
 * A hypervisor guest that VMLAUNCHes damaged VMCSs: each round sets up a valid guest (a VMCALL),
 * changes one field -- a control or a guest-state field, picked by a fixed pseudo-random
 * sequence -- to a random value, a flipped bit, 0 or all ones, and launches.  Every round must
 * end in an architectural outcome: VMfailValid (a control or host check, 26.2), a VM-entry
 * failure (exit reason with bit 31, 26.3), or a VM exit of L2 (its VMCALL, or whatever the
 * changed field made L2 do).  Under L0 this feeds L0's nested VM entry (vmcs02 merge, shadow
 * EPT, event injection from vmcs12) with VMCS contents no sane L1 writes: the run must end
 * with the summary, never with a crash of the host (the check-asan build runs it too).
 *
 * Left alone, so that L2 cannot take L1 down with it (they share memory and paging): host
 * state (L1's own return path), the pin-based controls' VMX-preemption timer (kept on: it
 * bounds every run of L2), the timer value, the activity state, and RIP, RSP and CR3.
 */
#include "guest.h"

#define ROUNDS 300
#define EXIT_VMCALL 18

static const u32 fields[] = {
#define VMCS_FIELD(name, enc, width, desc) enc,
#include "arch/vmcs_fields.def"
};

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 l2_stack[8192] __attribute__((aligned(16)));

static void l2_main(void)
{
	for (;;)
		__asm__ volatile("vmcall");
}

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool skipped(u32 enc)
{
	unsigned type = (enc >> 10) & 3;
	switch (enc) {
	case 0x4000: /* pin-based controls: changed, then the timer bit forced on */
	case 0x482e: /* VMX-preemption timer value */
	case 0x4826: /* activity state */
	case 0x681e: /* RIP */
	case 0x681c: /* RSP */
	case 0x6802: /* CR3 */ return true;
	default: return type == 3 || type == 1; /* host state; exit information (read-only) */
	}
}

static u64 damage(u64 old)
{
	switch (next() % 4) {
	case 0: return next();
	case 1: return old ^ (1ull << (next() % 64));
	case 2: return 0;
	default: return ~0ull;
	}
}

struct tally {
	unsigned fail_valid, fail_invalid, entry_fail, exits, vmcall;
};

static bool verbose; /* --guest-args verbose: one line per round */

static void round_once(struct tally *t)
{
	if (!vmx_load_vmcs(vmcs)) {
		report(false, "VMCLEAR/VMPTRLD");
		return;
	}
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8, 0);
	vmwrite(0x4000, vmx_ctl(0, BIT(6))); /* activate the VMX-preemption timer */
	vmwrite(0x482e, 5000);
	u32 enc;
	do
		enc = fields[next() % (sizeof(fields) / sizeof(fields[0]))];
	while (skipped(enc));
	u64 val = damage(vmread(enc));
	vmwrite(enc, val);
	struct vmx_regs regs = {0};
	u64 f = vmx_run(&regs, 1);
	if (verbose)
		printf("round: field 0x%x value 0x%lx: %s 0x%lx\n", enc, val,
		       f ? "VMfail, error" : "exit", f ? vmread(0x4400) : vmread(0x4402));
	if (f) {
		if (f & 1)
			t->fail_invalid++;
		else
			t->fail_valid++;
		return;
	}
	u32 reason = (u32)vmread(0x4402);
	if (reason & BIT(31))
		t->entry_fail++;
	else if ((reason & 0xffff) == EXIT_VMCALL)
		t->vmcall++;
	else
		t->exits++;
}

int main(struct vx_boot_info *bi)
{
	/* --guest-args "[verbose] [SEED]": a round per line; another pseudo-random sequence */
	for (const char *p = bi->cmdline ? (const char *)bi->cmdline : ""; *p; p++) {
		if (*p == 'v')
			verbose = true;
		if (*p >= '1' && *p <= '9') {
			u64 seed = 0;
			while (*p >= '0' && *p <= '9')
				seed = seed * 10 + (u64)(*p++ - '0');
			rng ^= seed * 0x2545f4914f6cdd1dull;
			break;
		}
	}
	report(vmx_on(), "VMXON");
	struct tally t = {0};
	for (unsigned r = 0; r < ROUNDS; r++)
		round_once(&t);
	printf("vmx_fuzz: %u rounds: VMfailValid %u, VMfailInvalid %u, VM-entry failures %u, "
	       "L2 VMCALL %u, other exits %u\n",
	       ROUNDS, t.fail_valid, t.fail_invalid, t.entry_fail, t.vmcall, t.exits);
	report(t.fail_valid + t.fail_invalid + t.entry_fail + t.vmcall + t.exits == ROUNDS,
	       "every round ended in an architectural outcome");
	report(t.fail_valid > 0 && t.vmcall > 0, "damaged controls failed, intact ones ran L2");
	return report_summary();
}
