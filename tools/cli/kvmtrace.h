/* SPDX-License-Identifier: MIT */
/*
 * `vmxsgx decode kvm-trace`: the parser for Linux KVM tracepoint lines (kvm_exit,
 * kvm_nested_vmexit, kvm_nested_vmexit_inject, kvm_nested_vmenter, kvm_entry,
 * kvm_inj_exception) as the ftrace `trace` file, `trace-cmd report` and `perf script` print
 * them, in every kernel era's payload format and in the libtraceevent kvm plugin's rendering
 * (shared/spec/diagnostic-formats.md sections 1, 4, 5 and 6), plus `perf kvm stat report`
 * tables.  The exit-reason value is the 32-bit field of SDM 24.9.1 "Basic VM-Exit Information"
 * (bit 27: exit from enclave mode, bit 26: bus lock, bit 31: VM-entry failure).
 *
 * The parser is pure (no output); dec_kvmtrace_stats.c accumulates statistics and renders
 * them.  Unit tests check parsing through these structures, never through printed text.
 */
#ifndef VX_CLI_KVMTRACE_H
#define VX_CLI_KVMTRACE_H

#include "decode.h"

/* Kernel versions as major * 100 + minor (5.10 -> 510). */
#define KT_V(maj, min) ((maj)*100 + (min))
#define KT_ERA_MIN 0
#define KT_ERA_MAX 9999

#define KT_REASON_ENCLAVE 0x08000000u  /* bit 27 */
#define KT_REASON_BUS_LOCK 0x04000000u /* bit 26 */
#define KT_REASON_FAILED 0x80000000u   /* bit 31 */

enum kt_kind {
	KT_NONE,
	KT_EXIT,           /* kvm_exit */
	KT_NESTED_VMEXIT,  /* kvm_nested_vmexit: an exit from L2 seen by L0 */
	KT_NESTED_INJECT,  /* kvm_nested_vmexit_inject: an exit reflected to L1 */
	KT_NESTED_VMENTER, /* kvm_nested_vmenter */
	KT_ENTRY,          /* kvm_entry */
	KT_INJ_EXCEPTION,  /* kvm_inj_exception */
	KT_OTHER_KVM,      /* any other kvm / kvmmmu event (kvm_page_fault, ...) */
	KT_OTHER,          /* any other event (sched_switch, ...) */
	KT_KIND_COUNT
};

/* What a line is. */
enum kt_status {
	KT_BLANK,       /* empty */
	KT_COMMENT,     /* "# ..." (ftrace header, hand-added comment) */
	KT_META,        /* "cpus=N", "CPU:N [LOST n EVENTS]" */
	KT_PERF_HEADER, /* perf kvm stat report: "VM-EXIT Samples Samples% ..." header */
	KT_PERF_OTHER,  /* perf kvm stat: banner, "Total Samples:", "unknown kvm exit code:N" */
	KT_NOT_TRACE,   /* not a trace line (prose, garbage) */
	KT_HEADER_ONLY, /* a timestamped header whose event name is on the next line */
	KT_BAD,         /* a known event whose payload cannot be read (ev.problem says why) */
	KT_INCOMPLETE,  /* a known event whose payload ends early (wrapped or truncated) */
	KT_OK_EXTRA,    /* parsed, with text left over that no field explains */
	KT_OK,          /* parsed completely */
};

/* Who printed the line (from the line prefix). */
enum kt_producer {
	KT_P_UNKNOWN,
	KT_P_FTRACE,    /* /sys/kernel/tracing/trace: latency flags, unpadded event name */
	KT_P_TRACE_CMD, /* trace-cmd report: padded event name */
	KT_P_PERF,      /* perf script: "comm pid [cpu] ts: kvm:event:" */
	KT_P_BARE,      /* "kvm_exit: ..." without a header (trimmed by hand) */
};

/* Which payload format the line is in (diagnostic-formats.md 5). */
enum kt_form {
	KT_FORM_NONE,
	KT_FORM_EXIT_LABELLED,  /* >=5.10: vcpu reason rip info1 info2 intr_info error_code */
	KT_FORM_EXIT_VCPU_INFO, /* 5.4-5.9: vcpu %u reason %s rip 0x%lx info %llx %llx */
	KT_FORM_EXIT_INFO,      /* <=5.3 kernel or kvm plugin: reason %s rip 0x%lx info %llx %llx */
	KT_FORM_NESTED_EXT,     /* nested <=5.7: rip: reason: ext_inf1: ext_inf2: ext_int: ... */
	KT_FORM_NESTED_REASON,  /* kvm_nested_vmexit 5.8-5.9: reason: %s%s%s */
	KT_FORM_INJECT_EXT,     /* kvm_nested_vmexit_inject kernel: reason: ext_inf1: ... */
	KT_FORM_PLUGIN_NESTED,  /* plugin: [rip %llx] reason %s info1 info2 int_info int_info_err */
	KT_FORM_ENTRY,          /* kvm_entry: vcpu %u[, rip 0x%lx[[immediate exit]]] */
	KT_FORM_INJ,            /* kvm_inj_exception: %s[ (0x%x)][ [reinjected]] */
	KT_FORM_VMENTER,        /* kvm_nested_vmenter: rip: vmcs: nested_rip: ... */
	KT_FORM_OTHER,          /* another event: payload not read */
};

/* How the exit reason was written. */
enum kt_reason_form {
	KT_R_NONE,
	KT_R_NAME,        /* EPT_VIOLATION */
	KT_R_NAME_FLAGS,  /* INVALID_STATE FAILED_VMENTRY 0x8000000 (kernel >= 5.8) */
	KT_R_HEX,         /* 0x4d (unnamed basic) or 0x80000021 (whole value, kernel < 5.8) */
	KT_R_HEX_FLAGS,   /* 0x4d 0x8000000 */
	KT_R_UNKNOWN_DEC, /* UNKNOWN (2147483681): the kvm plugin, full value in decimal */
	KT_R_UNRESOLVED,  /* a name that is no VMX exit reason (SVM "npf", "EXIT_NPF", ...) */
};

/* What the second number of "info A B" (or info2) means. */
enum kt_info2 {
	KT_I2_NONE,
	KT_I2_INTR_INFO,     /* VM-exit interruption information (kernels before 5.10) */
	KT_I2_IDT_VECTORING, /* IDT-vectoring information (5.10+ info2, ext_inf2) */
	KT_I2_AMBIGUOUS,     /* plugin "info A B": depends on the kernel, not known */
};

/* Fields present in an event. */
#define KT_F_VCPU (1u << 0)
#define KT_F_REASON (1u << 1)
#define KT_F_RIP (1u << 2)
#define KT_F_INFO1 (1u << 3)       /* exit qualification */
#define KT_F_INFO2 (1u << 4)       /* second info value; meaning in info2_is */
#define KT_F_INTR_INFO (1u << 5)   /* VM-exit interruption information (labelled) */
#define KT_F_ERROR_CODE (1u << 6)  /* VM-exit interruption error code */
#define KT_F_ERRCODE_INJ (1u << 7) /* kvm_inj_exception printed "(0x..)" */
#define KT_F_VMCS (1u << 8)
#define KT_F_NESTED_RIP (1u << 9)
#define KT_F_INT_CTL (1u << 10)
#define KT_F_EVENT_INJ (1u << 11)
#define KT_F_NESTED_EPT (1u << 12)
#define KT_F_EPTP (1u << 13)

#define KT_NAME_MAX 48
#define KT_COMM_MAX 64
#define KT_PROBLEM_MAX 160

struct kt_event {
	enum kt_kind kind;
	enum kt_producer producer;
	enum kt_form form;
	char event[KT_NAME_MAX]; /* event name without the "kvm:" subsystem */
	/* line prefix */
	char comm[KT_COMM_MAX]; /* "" when absent */
	long pid;               /* -1 when absent */
	long tgid;              /* -1 when absent */
	int cpu;                /* host CPU, -1 when absent */
	char ts[32];            /* "140.314684", "" when absent */
	char flags[8];          /* latency flags ("d...."), "" when absent */
	bool no_prefix;         /* nothing before the timestamp (a wrapped header's tail) */
	size_t pad;             /* spaces after "event:" (trace-cmd pads the name) */
	/* payload */
	s32 vcpu;   /* -1 when not printed */
	u32 reason; /* raw 32-bit exit reason (basic | flag bits) */
	enum kt_reason_form reason_form;
	char reason_text[KT_NAME_MAX]; /* the reason as written, e.g. "UNKNOWN (134217729)" */
	u64 rip, info1, info2, intr_info, error_code;
	enum kt_info2 info2_is;
	u32 present; /* KT_F_* */
	/* kernel era the line's own format shows: era_min <= version <= era_max */
	u16 era_min, era_max;
	bool plugin;      /* rendered by the libtraceevent kvm plugin (certain) */
	bool kernel_le53; /* "info A B" printed by a kernel <= 5.3 (certain) */
	bool svm;         /* the reason is an AMD SVM name */
	/* kvm_entry */
	bool immediate_exit;
	/* kvm_inj_exception */
	int vector;        /* -1 unknown */
	char exc_name[12]; /* "#PF", "0x14" */
	bool reinjected;
	/* kvm_nested_vmenter */
	u64 vmcs, nested_rip, eptp;
	u32 int_ctl, event_inj;
	bool nested_ept;
	/* meta lines */
	u64 lost_events; /* "CPU:N [LOST n EVENTS]" */
	/* diagnostics */
	char problem[KT_PROBLEM_MAX]; /* KT_BAD / KT_INCOMPLETE / KT_OK_EXTRA / KT_NOT_TRACE */
	unsigned extra_tokens;        /* tokens no field explains */
};

/* Parses one logical line (already normalised by dec_input).  Never fails hard: the status
 * says what the line is; ev is always initialised. */
enum kt_status kvmtrace_parse_line(const char *line, struct kt_event *ev);

/* Basic-reason helpers. */
static inline u32 kt_basic(u32 raw)
{
	return raw & 0xffffu;
}
static inline bool kt_enclave(u32 raw)
{
	return raw & KT_REASON_ENCLAVE;
}

/* The meaning of info2 once the kernel era of the whole file is known: resolves
 * KT_I2_AMBIGUOUS when [era_min, era_max] is on one side of 5.10. */
enum kt_info2 kvmtrace_info2_meaning(const struct kt_event *ev, u16 era_min, u16 era_max);
/* For a still ambiguous info2: a per-line guess from the value (SDM 24.9.2: EXCEPTION_NMI and
 * EXTERNAL_INTERRUPT exits always have valid interruption info).  Returns KT_I2_NONE when the
 * value says nothing; *why receives a short reason. */
enum kt_info2 kvmtrace_info2_guess(const struct kt_event *ev, const char **why);

/* ---- perf kvm stat report rows ---- */
struct kt_perf_row {
	char name[KT_NAME_MAX];
	u64 samples;
	char share[16]; /* "75.33%" as printed */
	char rest[160]; /* the remaining columns as printed */
};
/* Parses a row of a perf kvm stat table: "NAME  samples  pct%  ...".  False if it is not. */
bool kvmtrace_parse_perf_row(const char *line, struct kt_perf_row *row);

/* ---- the file scanner: joins wrapped lines and yields logical records ---- */
struct kt_record {
	enum kt_status status;
	size_t lineno, last_lineno;         /* first and last physical line */
	const char *text;                   /* the (joined) text */
	const struct kt_event *ev;          /* events and bad event lines; NULL otherwise */
	bool in_perf_table;                 /* KT_NOT_TRACE lines read as perf rows */
	const struct kt_perf_row *perf_row; /* non-NULL for a perf kvm stat row */
};
typedef void (*kt_record_fn)(void *ctx, const struct kt_record *rec);
/* Calls fn for every line or joined group of lines, in order. */
void kvmtrace_scan(const struct dec_input *in, kt_record_fn fn, void *ctx);

/* ---- statistics ---- */
struct kt_row {
	bool resolved; /* basic is valid; otherwise name holds the unresolved name */
	u32 basic;
	char name[KT_NAME_MAX];
	u64 count, enclave, failed, bus_lock;
};
struct kt_table {
	struct kt_row *rows;
	size_t n, cap;
	u64 total, enclave, failed, bus_lock;
};
struct kt_vcpu {
	s32 vcpu; /* -1: "vcpu ?" */
	struct kt_table exits;
	u64 entries;
};
struct kt_named_count {
	char name[KT_NAME_MAX];
	u64 count, extra; /* extra: reinjected (exceptions) */
};
struct kt_named_list {
	struct kt_named_count *v;
	size_t n, cap;
	u64 overflow; /* counts that did not fit (more distinct names than the cap) */
};
struct kt_perf_table {
	size_t lineno;
	char banner[96];
	char header[200];
	struct kt_perf_row *rows;
	size_t n, cap;
	u64 total_line; /* "Total Samples:N", 0 when absent */
};

/* A host thread whose kvm_exit lines have no vcpu (plugin / <= 5.3 forms). */
struct kt_thread {
	long pid;
	char comm[KT_COMM_MAX];
	u64 exits_no_vcpu;
	s32 vcpu; /* from the thread's other lines: -1 none seen, -2 more than one */
};

struct kt_stats {
	u64 kind[KT_KIND_COUNT];
	struct kt_table exits;        /* kvm_exit: exits handled by L0 */
	struct kt_table nested_exits; /* kvm_nested_vmexit: exits from L2 seen by L0 */
	struct kt_table reflected;    /* kvm_nested_vmexit_inject: exits reflected to L1 */
	struct kt_vcpu *vcpus;
	size_t nvcpu, capvcpu;
	struct kt_named_list exceptions; /* kvm_inj_exception by name */
	struct kt_named_list other;      /* other events by name */
	u64 entries_immediate, vmenter_evmcs, svm_exits, truncated, extra_text;
	u64 info2_ambiguous;     /* kvm_exit lines whose info B meaning depends on the kernel */
	u64 hint_idt, hint_intr; /* of those, lines whose values suggest >= 5.10 / < 5.10 */
	struct kt_thread *threads;
	size_t nthreads, capthreads;
	u64 producers[5]; /* by enum kt_producer */
	u64 forms[KT_FORM_OTHER + 1];
	u64 comments, meta, lost_events, plugin_lines, le53_lines;
	/* kernel era evidence over the whole file */
	u16 era_min, era_max;
	size_t era_min_line, era_max_line;
	char era_min_why[112], era_max_why[112];
	/* lines not understood */
	u64 not_understood;
	size_t first_bad_line;
	char first_problem[KT_PROBLEM_MAX];
	/* perf kvm stat report */
	struct kt_perf_table *perf;
	size_t nperf, capperf;
	struct kt_named_list perf_unknown; /* "unknown kvm exit code:N" values */
	char perf_banner[96];              /* "all VMs, all VCPUs" from the banner before a table */
};

void kvmtrace_stats_init(struct kt_stats *s);
void kvmtrace_stats_free(struct kt_stats *s);
/* Adds one scanner record (a kt_record_fn with ctx = struct kt_stats *). */
void kvmtrace_stats_record(void *ctx, const struct kt_record *rec);
/* Events of any kind seen (kvm or not); perf tables count too. */
bool kvmtrace_stats_has_kvm(const struct kt_stats *s);
/* Whole-file era after conflicts: false when the evidence contradicts itself. */
bool kvmtrace_stats_era(const struct kt_stats *s, u16 *min, u16 *max);
const struct kt_row *kvmtrace_table_find(const struct kt_table *t, u32 basic);

/* Replaces bytes that are not valid UTF-8 with '?', in place. */
void kvmtrace_utf8_clean(char *s);

const char *kvmtrace_kind_name(enum kt_kind k);
const char *kvmtrace_form_name(enum kt_form f);
const char *kvmtrace_producer_name(enum kt_producer p);

#endif
