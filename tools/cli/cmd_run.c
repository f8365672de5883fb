// SPDX-License-Identifier: MIT
/*
 * `vmxsgx run`: load a guest ELF and run it (DESIGN.md section 6).  Bare mode (--bare) runs
 * it on the processor alone with the devices of the boot protocol; the exit status is the
 * guest's exit code, or 3 (halted for good), 4 (triple fault), 124 (--max-insns exhausted).
 * With --l1 builtin|FILE, GUEST becomes the L2 image the loader hands to an L1 hypervisor
 * guest (vx_boot_info.l2_image), bare or under L0; --l1-args and --guest-args make its
 * argument string "L1ARGS -- GUESTARGS".  Host-side errors: 2 for usage, 1 for unreadable or
 * invalid input.
 *
 * The trace (DESIGN.md section 5) goes through src/lib/trace.h: --trace FILE|- in
 * --trace-format jsonl (default), text or chrome, limited to --trace-events LIST.  With the
 * trace on stdout the guest's console moves to stderr.  --stats prints the exit statistics
 * (trace_stats_report) on stderr when the run ends; bare mode has no hypervisor, so its table
 * is empty and a note line after it says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "hv/hv.h"
#include "nested/nested.h"
#include "lib/out.h"
#include "lib/trace.h"
#include "lib/trace_stats.h"
#include "vm/hv_load.h"
#include "vm/machine.h"
#include "vx/boot.h"

#define MAX_ELF_BYTES (1ull << 30)

struct run_opts {
	bool bare;
	bool hide_rdrand, hide_rdseed; /* --hide: features the VM does not expose (L0 only) */
	bool stats;
	u64 max_insns;
	u64 mem;
	const char *trace;
	enum trace_format trace_fmt; /* TRACE_FMT_JSONL unless --trace-format */
	u64 trace_mask;              /* TRACE_MASK_ALL unless --trace-events */
	const char *cpu;
	const char *guest_args;
	const char *elf;
	enum vx_sgx_mode sgx; /* --sgx (VX_SGX_OFF by default) */
	bool sgx_lc;          /* --sgx-lc on */
	u64 epc;              /* --epc SIZE (0 = VX_EPC_DEFAULT) */
	bool sgx_given;       /* one of the three appeared */
	const char *l1;       /* --l1 builtin|FILE: GUEST runs as L2 under this L1 */
	const char *l1_args;  /* --l1-args: the L1 hypervisor's own argument string */
	bool no_shadowing;    /* --vmcs-shadowing off */
};

static void run_usage(FILE *f)
{
	fputs("usage: vmxsgx run [--bare] [options] GUEST.elf\n"
	      "  --bare               run on the processor alone (default: under the L0 VMX\n"
	      "                       hypervisor, the guest in VMX non-root operation)\n"
	      "  --max-insns N        stop after N retired instructions (status 124)\n"
	      "  --trace FILE|-       trace of port I/O, MMIO, console lines, exceptions,\n"
	      "                       interrupts and the timer ('-': stdout, console to stderr)\n"
	      "  --trace-format FMT   jsonl (default), text, or chrome (ui.perfetto.dev)\n"
	      "  --trace-events LIST  only these events, comma-separated (e.g. io,exception)\n"
	      "  --stats              print the VM-exit statistics on stderr at the end\n"
	      "  --mem SIZE           guest RAM, e.g. 64M (default), 4M..3G\n"
	      "  --cpu PROFILE        CPU profile (default, icx-server, icx-nosgx)\n"
	      "  --guest-args STR     string handed to the guest (vx_boot_info.cmdline)\n"
	      "  --hide LIST          features the VM does not expose: rdrand,rdseed (under L0)\n"
	      "  --sgx MODE           off (default), sgx1 or sgx2: SGX and an EPC section\n"
	      "  --sgx-lc on|off      flexible launch control (IA32_SGXLEPUBKEYHASHn writable)\n"
	      "  --epc SIZE           bytes of EPC at 0xC0000000 (default 8M, at most 256M)\n"
	      "  --l1 builtin|FILE    run GUEST as L2 under an L1 hypervisor guest (builtin:\n"
	      "                       guests/l1, embedded); the L2 ELF is in vx_boot_info\n"
	      "  --l1-args STR        the L1's arguments (builtin: pause rdrand extint quiet\n"
	      "                       encls=MASK exc=MASK); --guest-args goes to L2\n"
	      "  --vmcs-shadowing on|off  L0 shadows vmcs12 for L1's VMREAD/VMWRITE (default on)\n"
	      "exit status: the guest's exit code; 3 halted, 4 triple fault, 124 budget used up\n",
	      f);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("vmxsgx run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static bool parse_u64(const char *s, u64 *v)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*v = x;
	return true;
}

/* SIZE: a number with an optional K, M or G suffix (binary units, "KiB"/"KB" accepted). */
static bool parse_size(const char *s, u64 *v)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default: break;
	}
	if (shift && (!strcasecmp(end, "ib") || !strcasecmp(end, "b")))
		end += strlen(end);
	if (*end || x > (UINT64_MAX >> shift))
		return false;
	*v = (u64)x << shift;
	return true;
}

/* The value of option argv[*k] ("--opt VALUE" or "--opt=VALUE"); NULL when missing. */
static const char *opt_value(int argc, char **argv, int *k, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*k];
	if (a[n] == '=')
		return a + n + 1;
	if (*k + 1 >= argc)
		return NULL;
	return argv[++*k];
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

/* --sgx off|sgx1|sgx2, --sgx-lc on|off, --epc SIZE: 0 when accepted, else the exit status. */
static int sgx_value(struct run_opts *o, size_t n, const char *v)
{
	static const char *const modes[] = {"off", "sgx1", "sgx2"};
	o->sgx_given = true;
	switch (n) {
	case 0:
		for (size_t m = 0; m < 3; m++)
			if (!strcmp(v, modes[m])) {
				o->sgx = (enum vx_sgx_mode)m;
				return 0;
			}
		return usage_error("--sgx takes off|sgx1|sgx2, not '%s'", v);
	case 1:
		if (!strcmp(v, "on") || !strcmp(v, "off")) {
			o->sgx_lc = !strcmp(v, "on");
			return 0;
		}
		return usage_error("--sgx-lc takes on|off, not '%s'", v);
	default:
		if (!parse_size(v, &o->epc) || !o->epc || !vx_epc_size_ok(o->epc))
			return usage_error("--epc %s: must be a multiple of 4K up to 256M", v);
		return 0;
	}
}

/* Options of SGX and later issues: -1 when `a` is none of them, else 0 or an exit status. */
static int later_option(struct run_opts *o, int argc, char **argv, int *k)
{
	static const char *const valued[] = {"--sgx", "--sgx-lc", "--epc"};
	static const char *const nested[] = {"--l1", "--l1-args", "--vmcs-shadowing"};
	const char *a = argv[*k];
	for (size_t n = 0; n < 3; n++) {
		if (!is_opt(a, nested[n]))
			continue;
		const char *v = opt_value(argc, argv, k, nested[n]);
		if (!v)
			return usage_error("%s needs a value", nested[n]);
		if (n == 0)
			o->l1 = v;
		else if (n == 1)
			o->l1_args = v;
		else if (!strcmp(v, "on") || !strcmp(v, "off"))
			o->no_shadowing = !strcmp(v, "off");
		else
			return usage_error("--vmcs-shadowing takes on|off, not '%s'", v);
		return 0;
	}
	for (size_t n = 0; n < sizeof(valued) / sizeof(valued[0]); n++) {
		if (!is_opt(a, valued[n]))
			continue;
		const char *v = opt_value(argc, argv, k, valued[n]);
		if (!v)
			return usage_error("%s needs a value", valued[n]);
		return sgx_value(o, n, v);
	}
	return -1;
}

/* The first item of a comma-separated list that is neither an event nor "all" (an empty
 * item included); the whole list when there is none. */
static const char *unknown_event(const char *list, int *len)
{
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ",");
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), p);
		if (n == 0 || n > 31 || (strcmp(name, "all") && trace_event_by_name(name) < 0)) {
			*len = (int)n;
			return p;
		}
		p += n;
		if (!*p)
			break;
	}
	*len = (int)strlen(list);
	return list;
}

/* --trace-events LIST: status 2 naming the unknown event and the known ones. */
static int bad_events(const char *list)
{
	int n;
	const char *bad = unknown_event(list, &n);
	fprintf(stderr, "vmxsgx run: --trace-events: unknown event '%.*s' (known: all", n, bad);
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++)
		fprintf(stderr, ", %s", trace_event_name((enum trace_event)ev));
	fputs(")\n", stderr);
	return 2;
}

/* --trace-format (n = 0) and --trace-events (1). */
static int trace_option(struct run_opts *o, size_t n, const char *v)
{
	if (n == 0) {
		if (!trace_format_parse(v, &o->trace_fmt))
			return usage_error("unknown trace format '%s' (jsonl|text|chrome)", v);
		return 0;
	}
	return trace_mask_parse(v, &o->trace_mask) ? 0 : bad_events(v);
}

/* --hide LIST: CPU features the VM does not expose (rdrand, rdseed); L0 then hides them from
 * CPUID and sets RDRAND/RDSEED exiting to answer the instructions with #UD. */
static int hide_option(struct run_opts *o, const char *v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
		if (!strcmp(s, "rdrand"))
			o->hide_rdrand = true;
		else if (!strcmp(s, "rdseed"))
			o->hide_rdseed = true;
		else
			return usage_error("--hide: unknown feature '%s' (rdrand, rdseed)", s);
	}
	return 0;
}

/* One option with a value of this issue; returns 0, or the exit status of an error. */
static int value_option(struct run_opts *o, int argc, char **argv, int *k)
{
	static const char *const names[] = {"--max-insns",    "--trace",      "--mem",
					    "--cpu",          "--guest-args", "--trace-format",
					    "--trace-events", "--hide"};
	const char *a = argv[*k];
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		if (!is_opt(a, names[n]))
			continue;
		const char *v = opt_value(argc, argv, k, names[n]);
		if (!v)
			return usage_error("%s needs a value", names[n]);
		switch (n) {
		case 0:
			if (!parse_u64(v, &o->max_insns) || !o->max_insns)
				return usage_error("--max-insns: '%s' is not a positive number", v);
			return 0;
		case 1: o->trace = v; return 0;
		case 2:
			if (!parse_size(v, &o->mem))
				return usage_error("--mem: '%s' is not a size (e.g. 64M)", v);
			if (o->mem < VX_BOOT_RAM_MIN || o->mem > VX_BOOT_RAM_MAX || (o->mem & 4095))
				return usage_error(
				    "--mem %s: must be a multiple of 4K from 4M to 3G", v);
			return 0;
		case 3: o->cpu = v; return 0;
		case 4: o->guest_args = v; return 0;
		case 7: return hide_option(o, v);
		default: return trace_option(o, n - 5, v);
		}
	}
	return usage_error("unknown option '%s' (try 'vmxsgx run --help')", a);
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse(struct run_opts *o, int argc, char **argv)
{
	for (int k = 0; k < argc; k++) {
		const char *a = argv[k];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--bare")) {
			o->bare = true;
			continue;
		}
		if (!strcmp(a, "--stats")) {
			o->stats = true;
			continue;
		}
		if (a[0] != '-' || !strcmp(a, "-")) {
			if (o->elf)
				return usage_error("more than one guest given ('%s')", a);
			o->elf = a;
			continue;
		}
		int st = later_option(o, argc, argv, &k);
		if (st < 0)
			st = value_option(o, argc, argv, &k);
		if (st)
			return st;
	}
	if (!o->elf)
		return usage_error("%s", "missing GUEST.elf");
	if (o->bare && (o->hide_rdrand || o->hide_rdseed))
		return usage_error("%s",
				   "--hide applies to runs under the L0 hypervisor (no --bare)");
	return -1;
}

/* The whole file, or NULL with a message printed. */
static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vmxsgx run: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap >= MAX_ELF_BYTES)
			break;
		unsigned char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	bool err = ferror(f), big = buf && n == cap;
	fclose(f);
	if (!buf || err || big) {
		fprintf(stderr, "vmxsgx run: %s: %s\n", path,
			!buf  ? "out of memory"
			: err ? "read error"
			      : "file too large for a guest");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* --stats: the library's table on stderr, then why it is empty in bare mode. */
static void print_stats(const struct run_opts *o, const struct vx_trace_stats *st)
{
	struct vx_out out;
	out_init(&out, stderr, false);
	trace_stats_report(st, &out);
	if (o->bare)
		fputs("vmxsgx run: --stats: bare mode runs no hypervisor, so no VM exits reach L0 "
		      "(a guest's own VMX guests exit to that guest)\n",
		      stderr);
}

/* The images of a run: the guest (or the L1 with --l1), the L2 and the argument string. */
struct images {
	const void *elf, *l2;
	size_t len, l2_len;
	const char *args;
	char argbuf[VX_BOOT_CMDLINE_MAX];
};

/* Without --bare: the guest runs as L1 under the L0 hypervisor (src/hv). */
static int run_hv(const struct run_opts *o, struct vx_trace *trace, FILE *tf,
		  const struct images *im)
{
	struct hv_config cfg = {
	    .ram_size = o->mem,
	    .profile = o->cpu,
	    .max_insns = o->max_insns,
	    .guest_args = im->args,
	    .l2_elf = im->l2,
	    .l2_len = im->l2_len,
	    .no_vmcs_shadowing = o->no_shadowing,
	    .sgx = o->sgx,
	    .sgx_lc = o->sgx_lc,
	    .epc_size = o->epc,
	    .hide_rdrand = o->hide_rdrand,
	    .hide_rdseed = o->hide_rdseed,
	    .console = tf == stdout ? stderr : stdout,
	    .trace = trace,
	    .diag = stderr,
	    .load = vm_hv_load, /* src/hv may not include src/vm (DESIGN.md section 1) */
	    .nested = nested_vmx_ops(),
	};
	struct hv_result res;
	int st = hv_run_elf(&cfg, im->elf, im->len, &res);
	if (res.why == HV_STOP_CONFIG)
		fprintf(stderr, "vmxsgx run: %s\n", res.msg);
	else if (res.why == HV_STOP_LOAD)
		fprintf(stderr, "vmxsgx run: %s: %s\n", o->elf, res.msg);
	else if (res.msg[0])
		fprintf(stderr, "vmxsgx run: %s: %s (status %d)\n", o->elf, res.msg, st);
	if (trace->stats)
		print_stats(o, trace->stats);
	return st;
}

static int run_bare(const struct run_opts *o, struct vx_trace *trace, FILE *tf,
		    const struct images *im);

/* With --l1: the L1 image (built-in or a file) runs with GUEST as its L2 image, and its
 * argument string is "L1ARGS -- GUESTARGS" (guests/l1 hands the part after " -- " to L2). */
static int run_guest(const struct run_opts *o, struct vx_trace *trace, FILE *tf)
{
	struct images im = {.args = o->guest_args};
	void *file = read_file(o->elf, &im.len), *l1file = NULL;
	if (!file)
		return 1;
	im.elf = file;
	if (o->l1) {
		im.l2 = file;
		im.l2_len = im.len;
		if (!strcmp(o->l1, "builtin")) {
			im.elf = vx_l1_guest_elf;
			im.len = vx_l1_guest_elf_len;
		} else if (!(im.elf = l1file = read_file(o->l1, &im.len))) {
			free(file);
			return 1;
		}
		snprintf(im.argbuf, sizeof(im.argbuf), "%s%s%s", o->l1_args ? o->l1_args : "",
			 o->guest_args ? " -- " : "", o->guest_args ? o->guest_args : "");
		im.args = im.argbuf[0] ? im.argbuf : NULL;
	}
	int st = 1;
	if (!im.len)
		fputs("vmxsgx run: this vmxsgx was built without the built-in L1 (guests/l1)\n",
		      stderr);
	else
		st = o->bare ? run_bare(o, trace, tf, &im) : run_hv(o, trace, tf, &im);
	free(file);
	free(l1file);
	return st;
}

static int run_bare(const struct run_opts *o, struct vx_trace *trace, FILE *tf,
		    const struct images *im)
{
	struct vm_config cfg = {
	    .sgx = o->sgx,
	    .sgx_lc = o->sgx_lc,
	    .epc_size = o->epc,
	    .ram_size = o->mem,
	    .profile = o->cpu,
	    .max_insns = o->max_insns,
	    .guest_args = im->args,
	    .l2_elf = im->l2,
	    .l2_len = im->l2_len,
	    /* With the trace on stdout the console moves to stderr: stdout stays the trace. */
	    .console = tf == stdout ? stderr : stdout,
	    .trace = trace,
	    .diag = stderr,
	};
	char err[256];
	struct vm *vm = vm_create(&cfg, err, sizeof(err));
	if (!vm) {
		fprintf(stderr, "vmxsgx run: %s\n", err);
		return 2;
	}
	if (!vm_load_elf(vm, im->elf, im->len, err, sizeof(err))) {
		vm_destroy(vm);
		fprintf(stderr, "vmxsgx run: %s: %s\n", o->l1 ? o->l1 : o->elf, err);
		return 1;
	}
	struct vm_result res;
	vm_run(vm, &res);
	if (res.msg[0])
		fprintf(stderr, "vmxsgx run: %s: %s (status %d)\n", o->elf, res.msg, res.status);
	vm_destroy(vm);
	if (trace->stats)
		print_stats(o, trace->stats);
	return res.status;
}

/* The trace file: NULL without --trace, stdout for "-"; false with a message on failure. */
static bool open_trace(const struct run_opts *o, FILE **tf)
{
	*tf = NULL;
	if (!o->trace)
		return true;
	*tf = strcmp(o->trace, "-") ? fopen(o->trace, "w") : stdout;
	if (!*tf)
		fprintf(stderr, "vmxsgx run: --trace %s: %s\n", o->trace, strerror(errno));
	return *tf != NULL;
}

int cli_run(int argc, char **argv)
{
	struct run_opts o = {.trace_fmt = TRACE_FMT_JSONL, .trace_mask = TRACE_MASK_ALL};
	int st = parse(&o, argc, argv);
	if (st >= 0)
		return st;
	if (o.cpu && !vx_cpu_profile_known(o.cpu)) {
		fprintf(stderr, "vmxsgx run: --cpu: unknown profile '%s' (known: default", o.cpu);
		for (unsigned n = 0; vx_cpu_profile_name(n); n++)
			fprintf(stderr, ", %s", vx_cpu_profile_name(n));
		fputs(")\n", stderr);
		return 2;
	}
	FILE *tf;
	if (!open_trace(&o, &tf))
		return 1;
	struct vx_trace trace;
	struct vx_trace_stats stats;
	trace_init(&trace);
	trace_set_mask(&trace, o.trace_mask);
	trace_open(&trace, tf, o.trace_fmt);
	if (o.stats) {
		trace_stats_init(&stats);
		trace.stats = &stats;
	}
	st = run_guest(&o, &trace, tf);
	trace_close(&trace); /* before fclose: it ends the Chrome array */
	if (tf && tf != stdout && fclose(tf) != 0) {
		fprintf(stderr, "vmxsgx run: --trace %s: write error\n", o.trace);
		if (st == 0)
			st = 1;
	}
	return st;
}
