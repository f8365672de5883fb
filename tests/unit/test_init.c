// SPDX-License-Identifier: MIT
/*
 * INIT and SIPI signals (src/vmx/vmx_events.c, include/vx/cpu.h): SDM Vol. 3C 23.8
 * "Restrictions on VMX Operation" (INIT blocked in VMX root operation), 25.2 "Other Causes of
 * VM Exits" (INIT exits, reason 3; SIPI exits from wait-for-SIPI, reason 4), 26.6.2 "Activity
 * State" (which states block them), 27.2.1 (the SIPI vector as exit qualification), Vol. 3A
 * 6.9 "Priority Among Simultaneous Exceptions and Interrupts" (INIT ahead of MTF, pending
 * debug exceptions and NMIs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vmx_fixture.h"
#include "vx/cpu.h"

#define HLT 0xf4
#define NOP 0x90

static void assert_init_exit(struct fx *f, u64 rip, unsigned activity)
{
	assert_exit(f, VMX_EXIT_INIT_SIGNAL, rip);
	assert_int_equal(V(f, EXIT_QUALIFICATION), 0);
	assert_int_equal(V(f, VM_EXIT_INTR_INFO) & VMX_INTR_INFO_VALID, 0);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), activity);
}

/* 25.2: an INIT in VMX non-root operation exits at the next boundary; "Such exits do not
 * modify register state"; STI blocking does not hold it (and is saved as it was). */
static void test_init_exit_active(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	W(f, GUEST_RFLAGS, 0x202);
	W(f, GUEST_INTERRUPTIBILITY_INFO, VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(enter(f), STEP_RETIRED);
	f->cpu.gpr[0] = 0x1234;
	f->cpu.gpr[3] = 0x5678;
	assert_true(vx_cpu_send_init(&f->cpu));
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_ACTIVE);
	assert_int_equal(f->cpu.retired, 0);
	assert_int_equal(V(f, GUEST_RFLAGS), 0x202);
	assert_int_equal(V(f, GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(f->cpu.gpr[0], 0x1234);
	assert_int_equal(f->cpu.gpr[3], 0x5678);
	/* The INIT was consumed: the next entry runs the guest. */
	W(f, GUEST_INTERRUPTIBILITY_INFO, 0);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root);
	assert_int_equal(f->cpu.rip, GUEST_RIP + 2);
	fx_free(f);
}

/* INIT wakes the HLT and shutdown states (26.6.2 blocks it only in wait-for-SIPI); the saved
 * activity state is the one before the exit (27.3.4). */
static void test_init_from_hlt_and_shutdown(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(vmx_raise_init(&f->cpu));
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP + 2, VMX_ACTIVITY_HLT);
	assert_false(f->cpu.halted);
	fx_free(f);
	f = vt_new();
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_SHUTDOWN);
	assert_int_equal(enter_run(f), STEP_SHUTDOWN);
	assert_true(vmx_raise_init(&f->cpu));
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_SHUTDOWN);
	fx_free(f);
}

/* 23.8: INIT is blocked in VMX root operation and stays pending: the host keeps running, and
 * the INIT exits right after the next VM entry, after the injected event was delivered. */
static void test_init_blocked_in_root(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	assert_true(vx_cpu_send_init(&f->cpu));
	assert_false(f->cpu.vmx.non_root);
	W(f, GUEST_RFLAGS, 0x202);
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_EXT_INTR, 0x41));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_init_exit(f, STUBS + 16 * 0x41, VMX_ACTIVITY_ACTIVE);
	assert_int_equal(f->cpu.retired, 0);
	assert_int_equal(V(f, IDT_VECTORING_INFO) & VMX_INTR_INFO_VALID, 0);
	/* The handler's frame holds the guest's RIP: the injection completed. */
	assert_int_equal(phys_read(&f->phys, V(f, GUEST_RSP), 8), GUEST_RIP);
	fx_free(f);
}

/* Outside VMX operation the model has no INIT reset: the signal is discarded and the
 * processor runs on; a later VMXON does not find it pending. */
static void test_init_outside_vmx(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	phys_copy_in(&f->phys, FX_CODE, CODE(NOP, HLT));
	assert_false(vx_cpu_send_init(&f->cpu));
	assert_int_equal(cpu_run(&f->cpu, 100), STEP_HALT);
	assert_int_equal(f->cpu.retired, 2);
	assert_int_equal(f->cpu.vmxsig.pending, 0);
	fx_free(f);
}

/*
 * Priority (Vol. 3A 6.9 Table 6-2; 25.5.2 "SMIs, INIT signals, and higher priority events
 * take priority over these MTF VM exits"; 26.6.3 "INIT signals ... take priority of such an
 * exception"): INIT before a pending MTF exit, before pending debug exceptions, before an
 * NMI, which stays pending and exits after the next entry.
 */
static void test_init_priority(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	W(f, VM_ENTRY_INTR_INFO, INFO(VMX_INTR_TYPE_OTHER_EVENT, 0));
	assert_true(vmx_raise_init(&f->cpu));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_ACTIVE);
	fx_free(f);
	f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	W(f, GUEST_PENDING_DBG_EXCEPTIONS, BIT(14));
	W(f, EXCEPTION_BITMAP, BIT(1));
	assert_true(vmx_raise_init(&f->cpu));
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_ACTIVE);
	fx_free(f);
	f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	set_ctl(f, S(PIN_BASED_VM_EXEC_CONTROL), PIN_NMI_EXITING | PIN_EXT_INTR_EXITING);
	assert_true(vmx_raise_init(&f->cpu));
	vmx_raise_nmi(&f->cpu);
	f->cpu.pending_intr = 0x30;
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_ACTIVE);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_EXCEPTION_NMI, GUEST_RIP);
	fx_free(f);
}

/* 25.2 and 26.6.2: the wait-for-SIPI state blocks INIT (held pending); a SIPI exits with the
 * vector as qualification (27.2.1) and the activity state saved as wait-for-SIPI; the held
 * INIT exits after a later entry in the active state. */
static void test_sipi_exit(void **state)
{
	(void)state;
	struct fx *f = vt_new();
	guest_code(f, CODE(NOP, HLT));
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_WAIT_SIPI);
	assert_int_equal(enter_run(f), STEP_HALT);
	assert_true(vmx_raise_init(&f->cpu));
	assert_int_equal(run(f), STEP_HALT);
	assert_true(f->cpu.vmx.non_root);
	assert_true(vx_cpu_send_sipi(&f->cpu, 0x9a));
	assert_false(vx_cpu_send_sipi(&f->cpu, 0x10)); /* the first one was recognised */
	assert_int_equal(run(f), STEP_VMEXIT);
	assert_exit(f, VMX_EXIT_SIPI_SIGNAL, GUEST_RIP);
	assert_int_equal(V(f, EXIT_QUALIFICATION), 0x9a);
	assert_int_equal(V(f, GUEST_ACTIVITY_STATE), VMX_ACTIVITY_WAIT_SIPI);
	assert_int_equal(f->cpu.retired, 0);
	W(f, GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE);
	assert_int_equal(enter_run(f), STEP_VMEXIT);
	assert_init_exit(f, GUEST_RIP, VMX_ACTIVITY_ACTIVE);
	fx_free(f);
}

/* 26.6.2: the active, HLT and shutdown states block SIPIs ("discarded and do not cause VM
 * exits"); outside VMX non-root operation there is no wait-for-SIPI state. */
static void test_sipi_discarded(void **state)
{
	(void)state;
	static const unsigned acts[] = {VMX_ACTIVITY_ACTIVE, VMX_ACTIVITY_HLT,
					VMX_ACTIVITY_SHUTDOWN};
	static const enum cpu_step stops[] = {STEP_HALT, STEP_HALT, STEP_SHUTDOWN};
	for (unsigned k = 0; k < ARRAY_SIZE(acts); k++) {
		struct fx *f = vt_new();
		guest_code(f, CODE(NOP, HLT));
		W(f, GUEST_ACTIVITY_STATE, acts[k]);
		assert_false(vx_cpu_send_sipi(&f->cpu, 0x9a)); /* root: discarded */
		assert_int_equal(enter_run(f), stops[k]);
		assert_false(vx_cpu_send_sipi(&f->cpu, 0x9a));
		assert_int_equal(run(f), stops[k]);
		assert_true(f->cpu.vmx.non_root);
		fx_free(f);
	}
	struct fx *f = fx_new(true);
	assert_non_null(f);
	assert_false(vx_cpu_send_sipi(&f->cpu, 0x9a));
	assert_int_equal(f->cpu.vmxsig.pending, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_exit_active),
	    cmocka_unit_test(test_init_from_hlt_and_shutdown),
	    cmocka_unit_test(test_init_blocked_in_root),
	    cmocka_unit_test(test_init_outside_vmx),
	    cmocka_unit_test(test_init_priority),
	    cmocka_unit_test(test_sipi_exit),
	    cmocka_unit_test(test_sipi_discarded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
