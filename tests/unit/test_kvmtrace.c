// SPDX-License-Identifier: MIT
/*
 * `vmxsgx decode kvm-trace`: the KVM tracepoint parser in every producer and kernel era
 * (shared/spec/diagnostic-formats.md 4-6), joining of wrapped lines, statistics (enclave
 * exits, bit 27 of the exit reason, SDM 24.9.1, counted apart) and the bad-input contract.
 * Assertions are on parsed structures and counters, not on printed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmtrace.h"

/* ---- helpers ---- */

/* tests/data/samples/NAME, found from this source file's path (CMake compiles it by its
 * absolute path; a relative path works from the source tree's root). */
static const char *sample(const char *name)
{
	static char path[1024];
	const char *f = __FILE__;
	const char *u = strstr(f, "unit/test_kvmtrace.c");
	size_t n = u ? (size_t)(u - f) : 0;
	snprintf(path, sizeof(path), "%.*sdata/samples/%s", (int)n, f, name);
	return path;
}

static enum kt_status parse(const char *line, struct kt_event *ev)
{
	return kvmtrace_parse_line(line, ev);
}

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *tmpfile_with(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/test_kvmtrace_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Reads text as a file and accumulates statistics into s. */
static void stats_of(const char *text, struct kt_stats *s)
{
	const char *p = tmpfile_with(text);
	struct dec_input in;
	assert_true(dec_input_read(&in, p));
	kvmtrace_stats_init(s);
	kvmtrace_scan(&in, kvmtrace_stats_record, s);
	dec_input_free(&in);
	unlink(p);
}

struct run {
	int status;
	char out[1 << 16];
	char err[4096];
};

/* Runs dec_kvm_trace on text, capturing stdout-equivalent output and stderr. */
static void run_decoder(const char *text, bool json, bool verbose, struct run *r)
{
	const char *p = tmpfile_with(text);
	char path[64];
	snprintf(path, sizeof(path), "%s", p);
	char errpath[] = "/tmp/test_kvmtrace_err_XXXXXX";
	int efd = mkstemp(errpath);
	assert_true(efd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(efd, 2);
	FILE *mem = tmpfile();
	assert_non_null(mem);
	struct vx_out o;
	out_init(&o, mem, json);
	struct dec_opts opts = {.json = json, .verbose = verbose};
	r->status = dec_kvm_trace(&o, &opts, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(mem);
	size_t n = fread(r->out, 1, sizeof(r->out) - 1, mem);
	r->out[n] = '\0';
	fclose(mem);
	lseek(efd, 0, SEEK_SET);
	ssize_t e = read(efd, r->err, sizeof(r->err) - 1);
	r->err[e > 0 ? e : 0] = '\0';
	close(efd);
	unlink(errpath);
	unlink(path);
}

static const char *const SAMPLE_510 =
    "           repro-1289    [019] d....   140.314704: kvm_exit: vcpu 0 reason EPT_VIOLATION "
    "rip 0x1 info1 0x0000000000000181 info2 0x0000000080000301 intr_info 0x00000000 "
    "error_code 0x00000000";

/* ---- ftrace, kernel >= 5.10 (the sample's form) ---- */

static void test_ftrace_510(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse(SAMPLE_510, &ev), KT_OK);
	assert_int_equal(ev.kind, KT_EXIT);
	assert_int_equal(ev.producer, KT_P_FTRACE);
	assert_int_equal(ev.form, KT_FORM_EXIT_LABELLED);
	assert_string_equal(ev.comm, "repro");
	assert_int_equal(ev.pid, 1289);
	assert_int_equal(ev.cpu, 19);
	assert_string_equal(ev.flags, "d....");
	assert_string_equal(ev.ts, "140.314704");
	assert_int_equal(ev.vcpu, 0);
	assert_int_equal(ev.reason, 48);
	assert_int_equal(ev.reason_form, KT_R_NAME);
	assert_int_equal(ev.rip, 1);
	assert_int_equal(ev.info1, 0x181);
	assert_int_equal(ev.info2, 0x80000301);
	assert_int_equal(ev.info2_is, KT_I2_IDT_VECTORING);
	assert_int_equal(ev.intr_info, 0);
	assert_int_equal(ev.error_code, 0);
	assert_int_equal(ev.era_min, KT_V(5, 10));
	assert_int_equal(ev.era_max, KT_ERA_MAX);
	assert_false(ev.plugin);
}

/* The sample file itself: every line understood. */
static void test_sample_file(void **state)
{
	(void)state;
	struct dec_input in;
	assert_true(dec_input_read(&in, sample("kvm_exit_02.txt")));
	struct kt_stats s;
	kvmtrace_stats_init(&s);
	kvmtrace_scan(&in, kvmtrace_stats_record, &s);
	dec_input_free(&in);
	assert_int_equal(s.not_understood, 0);
	assert_int_equal(s.comments, 1);
	assert_int_equal(s.kind[KT_EXIT], 4);
	assert_int_equal(s.kind[KT_NESTED_VMEXIT], 3);
	assert_int_equal(s.kind[KT_ENTRY], 2);
	assert_int_equal(s.kind[KT_INJ_EXCEPTION], 3);
	assert_int_equal(s.kind[KT_OTHER_KVM], 6);
	assert_int_equal(s.exits.total, 4);
	const struct kt_row *r = kvmtrace_table_find(&s.exits, VMX_EXIT_EPT_VIOLATION);
	assert_non_null(r);
	assert_int_equal(r->count, 3);
	assert_int_equal(kvmtrace_table_find(&s.exits, VMX_EXIT_EXCEPTION_NMI)->count, 1);
	assert_int_equal(s.nested_exits.total, 3);
	assert_int_equal(s.reflected.total, 0);
	assert_int_equal(s.nvcpu, 1);
	assert_int_equal(s.vcpus[0].vcpu, 0);
	assert_int_equal(s.vcpus[0].exits.total, 4);
	assert_int_equal(s.vcpus[0].entries, 2);
	/* "#DB" without "(0x..)" and "[reinjected]": kernel >= 6.1 */
	assert_int_equal(s.era_min, KT_V(6, 1));
	assert_int_equal(s.exceptions.n, 2);
	assert_string_equal(s.exceptions.v[0].name, "#DB");
	assert_int_equal(s.exceptions.v[0].count, 2);
	assert_int_equal(s.exceptions.v[0].extra, 1);
	assert_string_equal(s.exceptions.v[1].name, "#UD");
	kvmtrace_stats_free(&s);
}

/* ---- kernel 5.8-5.9: vcpu %u reason %s%s%s rip 0x%lx info %llx %llx ---- */

static void test_kernel_58_59(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("qemu-system-x86-4242  [001] d..1  77.000001: kvm_exit: vcpu 1 "
			       "reason INVALID_STATE FAILED_VMENTRY rip 0xfff0 info 0 0",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.form, KT_FORM_EXIT_VCPU_INFO);
	assert_string_equal(ev.comm, "qemu-system-x86");
	assert_int_equal(ev.pid, 4242);
	assert_string_equal(ev.flags, "d..1");
	assert_int_equal(ev.vcpu, 1);
	assert_int_equal(ev.reason, 0x80000021u);
	assert_int_equal(ev.reason_form, KT_R_NAME_FLAGS);
	assert_int_equal(ev.rip, 0xfff0);
	assert_int_equal(ev.info2_is, KT_I2_INTR_INFO);
	assert_int_equal(ev.era_min, KT_V(5, 8));
	assert_int_equal(ev.era_max, KT_V(5, 9));
}

/* ---- kernel 5.4-5.7: vcpu %u reason %s (whole value symbolic) ---- */

static void test_kernel_54_57(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("CPU 1/KVM-3015  [005] ....  12.5: kvm_exit: vcpu 1 reason "
			       "0x80000021 rip 0x0 info 0 0",
			       &ev),
			 KT_OK);
	assert_string_equal(ev.comm, "CPU 1/KVM");
	assert_int_equal(ev.pid, 3015);
	assert_int_equal(ev.reason, 0x80000021u);
	assert_int_equal(ev.reason_form, KT_R_HEX);
	assert_int_equal(ev.era_min, KT_V(5, 4));
	assert_int_equal(ev.era_max, KT_V(5, 7));
	/* a name in the same form: 5.4-5.9 */
	assert_int_equal(parse("CPU 1/KVM-3015  [005] ....  12.6: kvm_exit: vcpu 1 reason "
			       "EXTERNAL_INTERRUPT rip 0xffffffff81050a3e info 0 800000fd",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.reason, 1);
	assert_int_equal(ev.info2, 0x800000fd);
	assert_int_equal(ev.info2_is, KT_I2_INTR_INFO);
	assert_int_equal(ev.era_max, KT_V(5, 9));
	/* an enclave exit before 5.8: "reason 0x8000001" */
	assert_int_equal(parse("CPU 1/KVM-3015  [005] ....  12.7: kvm_exit: vcpu 1 reason "
			       "0x8000001 rip 0x7f0000001000 info 0 800000ec",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.reason, 0x08000001u);
	assert_true(kt_enclave(ev.reason));
}

/* ---- kernel <= 5.3: reason %s rip 0x%lx info %llx %llx, printed by the kernel ---- */

static void test_kernel_le53(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse(" qemu-kvm-1234  [002] d..1   123.456789: kvm_exit: reason "
			       "PENDING_INTERRUPT rip 0xffffffff81050a3e info 0 0",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.producer, KT_P_FTRACE);
	assert_int_equal(ev.form, KT_FORM_EXIT_INFO);
	assert_int_equal(ev.vcpu, -1);
	assert_int_equal(ev.reason, VMX_EXIT_INTERRUPT_WINDOW);
	assert_true(ev.kernel_le53);
	assert_int_equal(ev.info2_is, KT_I2_INTR_INFO);
	assert_int_equal(ev.era_max, KT_V(5, 3));
	/* hex reasons are never the plugin's: kernel <= 5.3 even from trace-cmd */
	assert_int_equal(parse("qemu-kvm-1234 [002] 123.456790: kvm_exit:     reason 0x80000021 "
			       "rip 0x0 info 0 0",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.producer, KT_P_TRACE_CMD);
	assert_true(ev.kernel_le53);
	assert_int_equal(ev.reason, 0x80000021u);
}

/* ---- the libtraceevent kvm plugin: full value, decimal UNKNOWN (n) ---- */

static void test_plugin_unknown_decimal(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("CPU 0/KVM-7289  [003]  5.000001: kvm_exit:             reason "
			       "UNKNOWN (2147483681) rip 0xfff0 info 0 0",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.producer, KT_P_TRACE_CMD);
	assert_int_equal(ev.reason, 0x80000021u);
	assert_int_equal(ev.reason_form, KT_R_UNKNOWN_DEC);
	assert_true(ev.plugin);
	assert_false(ev.kernel_le53);
	assert_int_equal(ev.info2_is, KT_I2_AMBIGUOUS);
	assert_int_equal(ev.vcpu, -1);
	/* 134217729 = 0x08000001: external interrupt from enclave mode */
	assert_int_equal(parse("CPU 0/KVM-7289  [003]  5.000002: kvm_exit:             reason "
			       "UNKNOWN (134217729) rip 0x401000 info 0 800000ec",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.reason, 0x08000001u);
	assert_int_equal(kt_basic(ev.reason), VMX_EXIT_EXTERNAL_INTERRUPT);
	assert_true(kt_enclave(ev.reason));
	/* the plugin names ENCLS "UNKNOWN (60)" */
	assert_int_equal(
	    parse("x-1 [000] 1.0: kvm_exit:  reason UNKNOWN (60) rip 0x1 info 0 0", &ev), KT_OK);
	assert_int_equal(ev.reason, VMX_EXIT_ENCLS);
	/* out of range decimal: a bad line, not a crash */
	assert_int_equal(parse("x-1 [000] 1.0: kvm_exit:  reason UNKNOWN (99999999999) rip 0x1 "
			       "info 0 0",
			       &ev),
			 KT_BAD);
	assert_true(strstr(ev.problem, "kvm_exit") != NULL);
	assert_int_equal(parse("x-1 [000] 1.0: kvm_exit:  reason UNKNOWN (184467440737095516160) "
			       "rip 0x1 info 0 0",
			       &ev),
			 KT_BAD);
}

/* ---- >= 5.8 flag tokens: FAILED_VMENTRY, bare 0x8000000 (enclave), 0x4000000 (bus lock) ---- */

static void test_reason_flags(void **state)
{
	(void)state;
	struct kt_event ev;
	const char *pre = "CPU 0/KVM-7289 [003] d.... 9.000001: kvm_exit: vcpu 0 reason ";
	const char *post = " rip 0x7f1234 info1 0x0000000000000000 info2 0x0000000000000000 "
			   "intr_info 0x800000ec error_code 0x00000000";
	char line[512];
	snprintf(line, sizeof(line), "%sEXTERNAL_INTERRUPT 0x8000000%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, 0x08000001u);
	assert_int_equal(ev.reason_form, KT_R_NAME_FLAGS);
	assert_int_equal(ev.intr_info, 0x800000ec);

	snprintf(line, sizeof(line), "%sINVALID_STATE FAILED_VMENTRY 0x8000000%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, 0x88000021u);
	assert_true(ev.reason & KT_REASON_FAILED);
	assert_true(kt_enclave(ev.reason));

	snprintf(line, sizeof(line), "%sEXTERNAL_INTERRUPT 0x4000000%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, 0x04000001u);
	assert_true(ev.reason & KT_REASON_BUS_LOCK);

	/* a basic reason the kernel table lacks */
	snprintf(line, sizeof(line), "%s0x4d%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, 0x4d);
	assert_int_equal(ev.reason_form, KT_R_HEX);
	snprintf(line, sizeof(line), "%s0x5a 0x8000000%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, 0x0800005au);
	assert_int_equal(ev.reason_form, KT_R_HEX_FLAGS);

	/* ENCLS by name */
	snprintf(line, sizeof(line), "%sENCLS%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason, VMX_EXIT_ENCLS);

	/* junk after the reason */
	snprintf(line, sizeof(line), "%sEPT_VIOLATION bogus%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_BAD);
	/* an unknown VMX-looking name is kept, not dropped */
	snprintf(line, sizeof(line), "%sNOT_A_REASON%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason_form, KT_R_UNRESOLVED);
	/* AMD: "hlt" is SVM's name, not VMX HLT */
	snprintf(line, sizeof(line), "%shlt%s", pre, post);
	assert_int_equal(parse(line, &ev), KT_OK);
	assert_int_equal(ev.reason_form, KT_R_UNRESOLVED);
	assert_true(ev.svm);
}

/* ---- perf script, with and without the plugin ---- */

static void test_perf_script(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("       CPU 0/KVM  7289 [003]  1234.567890: kvm:kvm_exit: reason "
			       "EPT_VIOLATION rip 0xffffffff810a8a3e info 181 0",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.producer, KT_P_PERF);
	assert_string_equal(ev.event, "kvm_exit");
	assert_string_equal(ev.comm, "CPU 0/KVM");
	assert_int_equal(ev.pid, 7289);
	assert_int_equal(ev.cpu, 3);
	assert_int_equal(ev.reason, 48);
	assert_int_equal(ev.info1, 0x181);
	assert_int_equal(ev.info2_is, KT_I2_AMBIGUOUS);
	/* without the plugin on a >= 5.10 kernel, with pid/tid */
	assert_int_equal(parse("qemu-system-x86 12345/12350 [001] 99.1: kvm:kvm_exit: vcpu 2 "
			       "reason HLT rip 0xffffffff81a0b2c4 info1 0x0000000000000000 info2 "
			       "0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
			       &ev),
			 KT_OK);
	assert_string_equal(ev.comm, "qemu-system-x86");
	assert_int_equal(ev.pid, 12345);
	assert_int_equal(ev.vcpu, 2);
	assert_int_equal(ev.form, KT_FORM_EXIT_LABELLED);
	/* trimmed columns: no timestamp */
	assert_int_equal(parse("kvm:kvm_entry: vcpu 2, rip 0xffffffff81a0b2c5", &ev), KT_OK);
	assert_int_equal(ev.kind, KT_ENTRY);
	assert_int_equal(ev.vcpu, 2);
}

/* ---- trace-cmd report: padded names, comm with spaces, tgid column ---- */

static void test_trace_cmd_and_prefixes(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("       CPU 0/KVM-7289  [003]  1234.567890: kvm_exit:             "
			       "reason EXTERNAL_INTERRUPT rip 0xffffffff8105bd3e info 0 800000fd",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.producer, KT_P_TRACE_CMD);
	assert_string_equal(ev.comm, "CPU 0/KVM");
	assert_int_equal(ev.info2_is, KT_I2_AMBIGUOUS);
	const char *why;
	assert_int_equal(kvmtrace_info2_guess(&ev, &why), KT_I2_INTR_INFO);
	assert_true(strlen(why) > 0);
	/* optional (tgid) column and 4-char flags */
	assert_int_equal(
	    parse("       bash-1977  (   1977) [000] d..1  1234.567: kvm_entry: vcpu 3", &ev),
	    KT_OK);
	assert_string_equal(ev.comm, "bash");
	assert_int_equal(ev.pid, 1977);
	assert_int_equal(ev.tgid, 1977);
	assert_int_equal(ev.cpu, 0);
	assert_string_equal(ev.flags, "d..1");
	assert_int_equal(ev.vcpu, 3);
	assert_int_equal(parse("<...>-2001  (-------) [001] .N.. 3.0: kvm_entry: vcpu 1", &ev),
			 KT_OK);
	assert_int_equal(ev.pid, 2001);
	assert_int_equal(ev.tgid, -1);
	assert_string_equal(ev.comm, "<...>");
}

/* ---- kvm_entry in every era ---- */

static void test_kvm_entry(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("a-1 [000] d..1 1.0: kvm_entry: vcpu 0", &ev), KT_OK);
	assert_int_equal(ev.vcpu, 0);
	assert_false(ev.present & KT_F_RIP);
	assert_int_equal(ev.era_max, KT_V(5, 9));
	assert_int_equal(
	    parse("a-1 [000] d.... 1.0: kvm_entry: vcpu 5, rip 0xffffffff81000000", &ev), KT_OK);
	assert_int_equal(ev.vcpu, 5);
	assert_int_equal(ev.rip, 0xffffffff81000000ull);
	assert_int_equal(ev.era_min, KT_V(5, 10));
	assert_false(ev.immediate_exit);
	assert_int_equal(
	    parse("a-1 [000] d.... 1.0: kvm_entry: vcpu 5, rip 0x1234[immediate exit]", &ev),
	    KT_OK);
	assert_int_equal(ev.rip, 0x1234);
	assert_true(ev.immediate_exit);
	assert_int_equal(ev.era_min, KT_V(6, 10));
	assert_int_equal(parse("a-1 [000] d.... 1.0: kvm_entry: vcpu x", &ev), KT_BAD);
	assert_int_equal(parse("a-1 [000] d.... 1.0: kvm_entry: vcpu 1, rip 0xzz", &ev), KT_BAD);
	assert_int_equal(parse("a-1 [000] d.... 1.0: kvm_entry: vcpu 1,", &ev), KT_INCOMPLETE);
}

/* ---- kvm_inj_exception in both eras ---- */

static void test_inj_exception(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_inj_exception: #UD (0x0)", &ev), KT_OK);
	assert_int_equal(ev.vector, 6);
	assert_true(ev.present & KT_F_ERRCODE_INJ);
	assert_int_equal(ev.era_min, KT_ERA_MIN);
	assert_int_equal(
	    parse("a-1 [000] .... 1.0: kvm_inj_exception: #PF (0x3) [reinjected]", &ev), KT_OK);
	assert_int_equal(ev.vector, 14);
	assert_int_equal(ev.error_code, 3);
	assert_true(ev.reinjected);
	assert_int_equal(ev.era_min, KT_V(6, 1));
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_inj_exception: #DB", &ev), KT_OK);
	assert_int_equal(ev.vector, 1);
	assert_false(ev.present & KT_F_ERRCODE_INJ);
	assert_int_equal(ev.era_min, KT_V(6, 1));
	/* vectors outside the kernel's table print as hex */
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_inj_exception: 0x14 (0x0)", &ev), KT_OK);
	assert_int_equal(ev.vector, 20);
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_inj_exception: #XYZ", &ev), KT_BAD);
}

/* ---- nested tracepoints ---- */

static void test_nested_vmexit(void **state)
{
	(void)state;
	struct kt_event ev;
	/* <= 5.7 */
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_nested_vmexit: rip: 0x00000000004011a0 "
			       "reason: EPT_VIOLATION ext_inf1: 0x0000000000000181 ext_inf2: "
			       "0x0000000000000000 ext_int: 0x00000000 ext_int_err: 0x00000000",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.kind, KT_NESTED_VMEXIT);
	assert_int_equal(ev.form, KT_FORM_NESTED_EXT);
	assert_int_equal(ev.rip, 0x4011a0);
	assert_int_equal(ev.reason, 48);
	assert_int_equal(ev.info1, 0x181);
	assert_int_equal(ev.info2_is, KT_I2_IDT_VECTORING);
	assert_int_equal(ev.era_max, KT_V(5, 7));
	/* 5.8-5.9: reason only */
	assert_int_equal(parse("a-1 [000] .... 1.0: kvm_nested_vmexit: reason: VMCALL", &ev),
			 KT_OK);
	assert_int_equal(ev.form, KT_FORM_NESTED_REASON);
	assert_int_equal(ev.reason, 18);
	/* 5.10+: the kvm_exit format */
	assert_int_equal(
	    parse("repro-1289 [019] ..... 140.314685: kvm_nested_vmexit: vcpu 0 reason "
		  "EXCEPTION_NMI rip 0x1 info1 0x0000000000004000 info2 "
		  "0x0000000000000000 intr_info 0x80000301 error_code 0x00000000",
		  &ev),
	    KT_OK);
	assert_int_equal(ev.form, KT_FORM_EXIT_LABELLED);
	assert_int_equal(ev.intr_info, 0x80000301);
	/* the plugin on a >= 5.10 kernel */
	assert_int_equal(parse("x-1 [000] 1.0: kvm_nested_vmexit:    CAN'T FIND FIELD \"rip\"<CANT "
			       "FIND FIELD exit_code>vcpu 0 reason EPT_VIOLATION rip 0x1 info1 "
			       "0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 "
			       "error_code 0x00000000",
			       &ev),
			 KT_OK);
	assert_true(ev.plugin);
	assert_int_equal(ev.reason, 48);
	assert_int_equal(ev.era_min, KT_V(5, 10));
}

static void test_nested_inject_and_vmenter(void **state)
{
	(void)state;
	struct kt_event ev;
	assert_int_equal(
	    parse("a-1 [000] .... 1.0: kvm_nested_vmexit_inject: reason: "
		  "EXTERNAL_INTERRUPT 0x8000000 ext_inf1: 0x0000000000000000 ext_inf2: "
		  "0x0000000000000000 ext_int: 0x800000ec ext_int_err: 0x00000000",
		  &ev),
	    KT_OK);
	assert_int_equal(ev.kind, KT_NESTED_INJECT);
	assert_int_equal(ev.form, KT_FORM_INJECT_EXT);
	assert_int_equal(ev.reason, 0x08000001u);
	assert_int_equal(ev.intr_info, 0x800000ec);
	/* plugin form */
	assert_int_equal(
	    parse("CPU 0/KVM-1 [000] 1.0: kvm_nested_vmexit_inject: reason "
		  "EXTERNAL_INTERRUPT info1 0 info2 0 int_info 80000081 int_info_err 0",
		  &ev),
	    KT_OK);
	assert_int_equal(ev.form, KT_FORM_PLUGIN_NESTED);
	assert_true(ev.plugin);
	assert_int_equal(ev.intr_info, 0x80000081);
	assert_int_equal(ev.info2_is, KT_I2_IDT_VECTORING);
	/* plugin kvm_nested_vmexit on an older kernel: "rip %llx reason ..." */
	assert_int_equal(
	    parse("CPU 0/KVM-1 [000] 1.0: kvm_nested_vmexit: rip 401000 reason "
		  "UNKNOWN (134217729) info1 0 info2 0 int_info 800000ec int_info_err 0",
		  &ev),
	    KT_OK);
	assert_int_equal(ev.rip, 0x401000);
	assert_int_equal(ev.reason, 0x08000001u);
	/* kvm_nested_vmenter */
	assert_int_equal(parse("a-1 [000] ..... 1.0: kvm_nested_vmenter: rip: 0xffffffff81000000 "
			       "vmcs: 0xffffffffffffffff nested_rip: 0x0000000000401000 int_ctl: "
			       "0x00000000 event_inj: 0x80000b0e nested_ept=on nested_eptp: "
			       "0x000000010a04e05e",
			       &ev),
			 KT_OK);
	assert_int_equal(ev.kind, KT_NESTED_VMENTER);
	assert_int_equal(ev.vmcs, ~0ull);
	assert_int_equal(ev.nested_rip, 0x401000);
	assert_int_equal(ev.event_inj, 0x80000b0e);
	assert_true(ev.nested_ept);
	assert_int_equal(ev.eptp, 0x10a04e05eull);
}

/* ---- wrapped lines: a line without a timestamped header continues the event ---- */

static void test_wrapped_lines(void **state)
{
	(void)state;
	struct kt_stats s;
	stats_of("repro-1289 [019] d.... 140.314684: kvm_exit: vcpu 0 reason EXCEPTION_NMI rip "
		 "0x1 info1\n"
		 "0x0000000000004000 info2 0x0000000000000000 intr_info 0x80000301 error_code "
		 "0x00000000\n"
		 "repro-1289 [019] d.... 140.314690:\n"
		 "kvm_entry: vcpu 0, rip 0x1\n"
		 "repro-1289 [019] ..... 140.314691: kvm_inj_exception: #PF\n"
		 "(0x3)\n"
		 "repro-1289 [019] d.... 140.314704: kvm_exit: vcpu 0 reason EPT_VIOL\n"
		 "ATION rip 0x1 info1 0x0000000000000181 info2 0x0000000080000301 intr_info "
		 "0x00000000 error_code 0x00000000\n"
		 "This sentence is prose, not a trace line.\n",
		 &s);
	assert_int_equal(s.kind[KT_EXIT], 2);
	assert_int_equal(s.kind[KT_ENTRY], 1);
	assert_int_equal(s.kind[KT_INJ_EXCEPTION], 1);
	assert_int_equal(s.truncated, 0);
	assert_non_null(kvmtrace_table_find(&s.exits, VMX_EXIT_EXCEPTION_NMI));
	assert_non_null(kvmtrace_table_find(&s.exits, VMX_EXIT_EPT_VIOLATION));
	assert_int_equal(s.vcpus[0].entries, 1);
	assert_int_equal(s.not_understood, 1);
	assert_int_equal(s.first_bad_line, 9);
	kvmtrace_stats_free(&s);

	/* a header split before its timestamp */
	stats_of("CPU 0/KVM-7289 [003] d....\n"
		 "140.5: kvm_exit: vcpu 3 reason HLT rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 "
		 "error_code 0x0\n",
		 &s);
	assert_int_equal(s.kind[KT_EXIT], 1);
	assert_int_equal(s.not_understood, 0);
	assert_int_equal(s.vcpus[0].vcpu, 3);
	kvmtrace_stats_free(&s);

	/* a truncated last line is counted, and said to be truncated */
	stats_of("a-1 [000] d.... 1.0: kvm_exit: vcpu 0 reason HLT rip 0x1 info1\n", &s);
	assert_int_equal(s.kind[KT_EXIT], 1);
	assert_int_equal(s.truncated, 1);
	kvmtrace_stats_free(&s);
}

/* ---- a mail-quoted, quoted-printable copy ---- */

static void test_mail_quoted_qp(void **state)
{
	(void)state;
	struct kt_stats s;
	stats_of(
	    "On Mon, someone wrote:\n"
	    "> CPU 0/KVM-7289 [003] d.... 12.000001: kvm_nested_vmenter: rip: 0xffffffff810=\n"
	    "00000 vmcs: 0x0000000012345000 nested_rip: 0x0000000000401000 int_ctl: 0x0000=\n"
	    "0000 event_inj: 0x00000000 nested_ept=3Don nested_eptp: 0x000000010a04e05e\n"
	    "> CPU 0/KVM-7289 [003] d.... 12.000002: kvm_exit: vcpu 0 reason EXTERNAL_INTER=\n"
	    "RUPT 0x8000000 rip 0x7f0000401000 info1 0x0000000000000000 info2 0x0000000000000=\n"
	    "000 intr_info 0x800000ec error_code 0x00000000\n"
	    ">=20\n",
	    &s);
	assert_int_equal(s.kind[KT_NESTED_VMENTER], 1);
	assert_int_equal(s.kind[KT_EXIT], 1);
	assert_int_equal(s.exits.enclave, 1);
	assert_int_equal(s.not_understood, 1); /* the "On Mon" line */
	assert_int_equal(s.first_bad_line, 1);
	kvmtrace_stats_free(&s);
}

/* ---- statistics: enclave exits apart, vcpu ?, reflected apart, garbage counted ---- */

static void test_stats_enclave_and_vcpu_unknown(void **state)
{
	(void)state;
	struct kt_stats s;
	stats_of("CPU 0/KVM-7289 [003] 1.1: kvm_exit:     reason UNKNOWN (134217729) rip 0x401000 "
		 "info 0 800000ec\n"
		 "CPU 0/KVM-7289 [003] 1.2: kvm_exit:     reason EXTERNAL_INTERRUPT rip 0x401000 "
		 "info 0 800000ec\n"
		 "CPU 0/KVM-7289 [003] 1.3: kvm_nested_vmexit_inject: reason EXTERNAL_INTERRUPT "
		 "info1 0 info2 0 int_info 800000ec int_info_err 0\n"
		 "garbage line\n"
		 "\n"
		 "CPU 0/KVM-7289 [003] 1.4: kvm_entry:    vcpu 0\n"
		 "CPU 0/KVM-7289 [003] 1.5: kvm_page_fault: address 1050 error_code 181\n"
		 "CPU 0/KVM-7289 [003] 1.6: sched_switch: prev_comm=x\n",
		 &s);
	assert_int_equal(s.exits.total, 2);
	assert_int_equal(s.exits.enclave, 1);
	const struct kt_row *r = kvmtrace_table_find(&s.exits, VMX_EXIT_EXTERNAL_INTERRUPT);
	assert_non_null(r);
	assert_int_equal(r->count, 2);
	assert_int_equal(r->enclave, 1);
	assert_int_equal(s.reflected.total, 1);
	assert_int_equal(s.exits.total, 2); /* reflected exits are not L0 exits */
	/* no vcpu in the plugin form: "vcpu ?" */
	bool found_unknown = false;
	for (size_t i = 0; i < s.nvcpu; i++)
		if (s.vcpus[i].vcpu == -1) {
			found_unknown = true;
			assert_int_equal(s.vcpus[i].exits.total, 2);
			assert_int_equal(s.vcpus[i].exits.enclave, 1);
		}
	assert_true(found_unknown);
	assert_int_equal(s.kind[KT_OTHER_KVM], 1);
	assert_int_equal(s.kind[KT_OTHER], 1);
	assert_int_equal(s.not_understood, 1);
	assert_int_equal(s.first_bad_line, 4);
	/* kvm_entry without rip: kernel <= 5.9, so B is the exit interruption info */
	u16 mn, mx;
	assert_true(kvmtrace_stats_era(&s, &mn, &mx));
	assert_int_equal(mx, KT_V(5, 9));
	struct kt_event probe = {.info2_is = KT_I2_AMBIGUOUS};
	assert_int_equal(kvmtrace_info2_meaning(&probe, mn, mx), KT_I2_INTR_INFO);
	assert_int_equal(kvmtrace_info2_meaning(&probe, KT_V(5, 10), KT_ERA_MAX),
			 KT_I2_IDT_VECTORING);
	assert_int_equal(kvmtrace_info2_meaning(&probe, KT_ERA_MIN, KT_ERA_MAX), KT_I2_AMBIGUOUS);
	kvmtrace_stats_free(&s);
}

/* ---- perf kvm stat report tables ---- */

static void test_perf_kvm_stat(void **state)
{
	(void)state;
	struct dec_input in;
	assert_true(dec_input_read(&in, sample("perf_kvm_stat_01.txt")));
	struct kt_stats s;
	kvmtrace_stats_init(&s);
	kvmtrace_scan(&in, kvmtrace_stats_record, &s);
	dec_input_free(&in);
	assert_int_equal(s.nperf, 2);
	assert_int_equal(s.perf[0].n, 11);
	assert_int_equal(s.perf[1].n, 8);
	assert_string_equal(s.perf[0].rows[0].name, "HLT");
	assert_int_equal(s.perf[0].rows[0].samples, 101128);
	assert_string_equal(s.perf[0].rows[0].share, "75.33%");
	assert_string_equal(s.perf[0].rows[7].name, "PENDING_INTERRUPT");
	assert_int_equal(s.not_understood, 0);
	assert_true(kvmtrace_stats_has_kvm(&s));
	kvmtrace_stats_free(&s);

	struct kt_perf_row row;
	assert_true(kvmtrace_parse_perf_row("  UNKNOWN  12  0.50%  0.01%  1.00us  2.00us  1.50us "
					    "( +-  1.00% )",
					    &row));
	assert_string_equal(row.name, "UNKNOWN");
	assert_int_equal(row.samples, 12);
	assert_false(kvmtrace_parse_perf_row("just words here", &row));
}

/* ---- bad input: never fatal, never a crash ---- */

static void test_garbage_never_fatal(void **state)
{
	(void)state;
	struct kt_event ev;
	static const char *const bad[] = {
	    "",
	    "\x01\x02\x03",
	    "kvm_exit:",
	    "kvm_exit: reason",
	    "kvm_exit: vcpu",
	    "kvm_exit: vcpu 99999999999999999999999 reason HLT",
	    "a-1 [000] .... 1.0: kvm_exit: vcpu 0 reason HLT rip 0x1ffffffffffffffff info 0 0",
	    "a-1 [000] .... 1.0: kvm_exit: vcpu 0 reason 0x100000000 rip 0x1 info 0 0",
	    "a-1 [000] .... 1.0: kvm_exit: reason UNKNOWN ( rip 0x1 info 0 0",
	    "a-1 [000] .... 1.0: kvm_exit: reason UNKNOWN () rip 0x1 info 0 0",
	    "a-1 [99999999999999999999] .... 1.0: kvm_exit: reason HLT rip 0x1 info 0 0",
	    "a-1 [000] .... 99999999999999999999999999999.1: kvm_exit: reason HLT",
	    "a-1 [000] .... 1.0: kvm_nested_vmenter: rip: vmcs: nested_rip:",
	    "a-1 [000] .... 1.0: kvm_inj_exception: (0x3)",
	    "a-1 [000] .... 1.0: kvm_inj_exception: #PF (0xfffffffffffffffff)",
	    "[LOST 5 EVENTS]",
	    "CPU:3 [LOST 18446744073709551616 EVENTS]",
	    "((((((((((((((((",
	    ") ) ) ) [ ] [",
	    "-1 [0] 1.0: kvm_entry: vcpu 1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		enum kt_status st = parse(bad[i], &ev);
		assert_true(st >= KT_BLANK && st <= KT_OK);
		assert_true(strlen(ev.problem) < sizeof(ev.problem));
	}
	/* a line of 200 KiB */
	size_t big = 200 << 10;
	char *b = malloc(big + 1);
	assert_non_null(b);
	memset(b, '1', big);
	b[big] = '\0';
	assert_int_equal(parse(b, &ev), KT_NOT_TRACE);
	/* many tokens */
	for (size_t i = 0; i + 2 < big; i += 2) {
		b[i] = '0';
		b[i + 1] = ' ';
	}
	memcpy(b, "kvm_exit: ", 10);
	assert_true(parse(b, &ev) <= KT_OK);
	free(b);
}

/* Input bytes that are not UTF-8 never reach the (JSON) output as such. */
static void test_utf8_clean(void **state)
{
	(void)state;
	char s[] = "ok \xc3\xa9 \xff bad \xe2\x82 cut \xf0\x9f\x98\x80";
	kvmtrace_utf8_clean(s);
	assert_string_equal(s, "ok \xc3\xa9 ? bad ?? cut \xf0\x9f\x98\x80");
	struct kt_event ev;
	assert_int_equal(parse("caf\xe9-12 [001] d.... 1.0: kvm_entry: vcpu 0", &ev), KT_OK);
	assert_string_equal(ev.comm, "caf?");
	assert_int_equal(ev.pid, 12);
}

static void test_decoder_contract(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	assert_non_null(r);
	/* empty file: one clear error line, status 1 */
	run_decoder("", false, false, r);
	assert_int_equal(r->status, 1);
	assert_string_equal(r->out, "");
	assert_non_null(strstr(r->err, "no kvm trace events found"));
	assert_null(strchr(strchr(r->err, '\n') + 1, '\n')); /* exactly one line */
	/* only prose */
	run_decoder("hello\nworld\n", true, false, r);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, "no kvm trace events found"));
	/* events with garbage: status 0, garbage reported with its line */
	run_decoder("junk\n"
		    "a-1 [000] d.... 1.0: kvm_exit: vcpu 0 reason HLT rip 0x1 info1 "
		    "0x0 info2 0x0 intr_info 0x0 error_code 0x0\n",
		    false, false, r);
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->err, ":1:"));
	assert_non_null(strstr(r->out, "lines not understood: 1 (first at line 1"));
	assert_non_null(strstr(r->out, "HLT"));
	/* JSON has the contract keys */
	run_decoder("a-1 [000] d.... 1.0: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT 0x8000000 rip "
		    "0x1 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0\n",
		    true, true, r);
	assert_int_equal(r->status, 0);
	static const char *const keys[] = {"\"events\":",
					   "\"exits\":",
					   "\"per_vcpu\":",
					   "\"nested_reflected\":",
					   "\"injected_exceptions\":",
					   "\"not_understood\":0",
					   "\"first_not_understood_line\":",
					   "\"enclave\":1",
					   "\"lines\":["};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		assert_non_null(strstr(r->out, keys[i]));
	assert_string_equal(r->err, "");
	/* the output is one JSON object on one line */
	assert_int_equal(r->out[0], '{');
	assert_ptr_equal(strchr(r->out, '\n'), r->out + strlen(r->out) - 1);
	free(r);
}

/* ---- a minimal JSON syntax check (the unit tests do not link a JSON library) ---- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p)
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = json_value(p, depth + 1);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	const char *b = p;
	if (*p == '-')
		p++;
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	return p > b ? p : NULL;
}

static bool json_ok(const char *s)
{
	const char *e = json_value(s, 0);
	return e && *json_ws(e) == '\0';
}

/* Every test input, in every output mode: one well-formed JSON object, never a crash. */
static void test_json_well_formed(void **state)
{
	(void)state;
	static const char *const files[] = {
	    "samples/kvm_exit_02.txt", "samples/perf_kvm_stat_01.txt",
	    "kvm_trace_enclave.txt",   "kvm_trace_plugin.txt",
	    "kvm_trace_perf_mail.txt", "kvm_trace_perf_stat_enclave.txt",
	};
	struct run *r = malloc(sizeof(*r));
	assert_non_null(r);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s", sample("x"));
		char *d = strstr(path, "samples/x");
		assert_non_null(d);
		snprintf(d, sizeof(path) - (size_t)(d - path), "%s", files[i]);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		static char text[1 << 15];
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		for (int v = 0; v < 2; v++) {
			run_decoder(text, true, v, r);
			assert_int_equal(r->status, 0);
			if (!json_ok(r->out))
				fail_msg("%s%s: output is not one JSON object", files[i],
					 v ? " --verbose" : "");
			run_decoder(text, false, v, r);
			assert_int_equal(r->status, 0);
		}
	}
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ftrace_510),
	    cmocka_unit_test(test_sample_file),
	    cmocka_unit_test(test_kernel_58_59),
	    cmocka_unit_test(test_kernel_54_57),
	    cmocka_unit_test(test_kernel_le53),
	    cmocka_unit_test(test_plugin_unknown_decimal),
	    cmocka_unit_test(test_reason_flags),
	    cmocka_unit_test(test_perf_script),
	    cmocka_unit_test(test_trace_cmd_and_prefixes),
	    cmocka_unit_test(test_kvm_entry),
	    cmocka_unit_test(test_inj_exception),
	    cmocka_unit_test(test_nested_vmexit),
	    cmocka_unit_test(test_nested_inject_and_vmenter),
	    cmocka_unit_test(test_wrapped_lines),
	    cmocka_unit_test(test_mail_quoted_qp),
	    cmocka_unit_test(test_stats_enclave_and_vcpu_unknown),
	    cmocka_unit_test(test_perf_kvm_stat),
	    cmocka_unit_test(test_garbage_never_fatal),
	    cmocka_unit_test(test_utf8_clean),
	    cmocka_unit_test(test_decoder_contract),
	    cmocka_unit_test(test_json_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
