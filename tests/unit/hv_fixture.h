/* SPDX-License-Identifier: MIT */
/*
 * Test helper for the L0 hypervisor (src/hv): a vCPU with a small guest loaded through
 * src/vm's loader and boot builder (the hook cmd_run.c registers), a trace hook that keeps the
 * records, the console in memory, and helpers that fake a VM exit by hand (v->exit and the
 * VMCS guest fields) so that handlers run without a VM entry.
 */
#ifndef VX_TEST_HV_FIXTURE_H
#define VX_TEST_HV_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/vmx.h"
#include "elf_builder.h"
#include "hv/vcpu.h"
#include "lib/trace.h"
#include "vm/boot.h"
#include "vm/hv_load.h"
#include "vm/loader.h"
#include "vx/boot.h"
#include "vx/vmx.h"

#define HVF_CODE 0x100000ull    /* the guest image: HLT */
#define HVF_SCRATCH 0x200000ull /* free guest RAM for the tests' code and data */
#define HVF_MAX_REC 64

struct hvf_rec {
	enum trace_event ev;
	u64 t; /* model time: retired guest instructions */
	unsigned n;
	struct {
		const char *key;
		u8 kind;
		u64 u;
		char s[64];
	} f[TRACE_MAX_FIELDS];
};

struct hvf {
	struct hv_vcpu *v;
	struct vx_trace trace;
	struct hvf_rec rec[HVF_MAX_REC];
	unsigned nrec;
	char *con;
	size_t conlen;
	FILE *con_f;
	char *diag;
	size_t diaglen;
	FILE *diag_f;
};

static inline void hvf_hook(void *ctx, const struct trace_record *r)
{
	struct hvf *f = ctx;
	if (f->nrec == HVF_MAX_REC)
		return;
	struct hvf_rec *o = &f->rec[f->nrec++];
	o->ev = r->ev;
	o->t = r->time;
	o->n = r->n;
	for (unsigned i = 0; i < r->n; i++) {
		o->f[i].key = r->f[i].key;
		o->f[i].kind = r->f[i].kind;
		o->f[i].u = r->f[i].kind == TRACE_K_STR ? 0 : r->f[i].u;
		if (r->f[i].kind == TRACE_K_STR && r->f[i].s)
			snprintf(o->f[i].s, sizeof(o->f[i].s), "%s", r->f[i].s);
		if (r->f[i].kind == TRACE_K_BOOL)
			o->f[i].u = r->f[i].b;
	}
}

/* Records of one event; the n-th (0-based) one, NULL past the end. */
static inline const struct hvf_rec *hvf_find(const struct hvf *f, enum trace_event ev, unsigned nth)
{
	for (unsigned i = 0; i < f->nrec; i++)
		if (f->rec[i].ev == ev && nth-- == 0)
			return &f->rec[i];
	return NULL;
}

static inline unsigned hvf_count(const struct hvf *f, enum trace_event ev)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->nrec; i++)
		n += f->rec[i].ev == ev;
	return n;
}

static inline u64 hvf_u(const struct hvf_rec *r, const char *key)
{
	for (unsigned i = 0; r && i < r->n; i++)
		if (!strcmp(r->f[i].key, key))
			return r->f[i].u;
	return ~0ull;
}

static inline const char *hvf_s(const struct hvf_rec *r, const char *key)
{
	for (unsigned i = 0; r && i < r->n; i++)
		if (!strcmp(r->f[i].key, key))
			return r->f[i].s;
	return NULL;
}

/* A one-segment guest of the given code at HVF_CODE with 64 KiB of bss. */
static inline void hvf_elf(struct elf_builder *b, const u8 *code, size_t len)
{
	eb_simple(b, HVF_CODE, code, len, 0x10000);
}

/* A vCPU (cfg may be NULL) with a HLT guest loaded; NULL on failure (message printed). */
static inline struct hvf *hvf_new_cfg(const struct hv_config *base)
{
	struct hvf *f = calloc(1, sizeof(*f));
	struct hv_config cfg = base ? *base : (struct hv_config){0};
	static struct elf_builder b;
	static const u8 hlt[] = {0xf4};
	char err[256];
	f->con_f = open_memstream(&f->con, &f->conlen);
	f->diag_f = open_memstream(&f->diag, &f->diaglen);
	trace_init(&f->trace);
	trace_set_hook(&f->trace, hvf_hook, f);
	cfg.load = vm_hv_load; /* the loader hook cmd_run.c uses */
	cfg.console = f->con_f;
	cfg.diag = f->diag_f;
	cfg.trace = &f->trace;
	f->v = hv_vcpu_create(&cfg, err, sizeof(err));
	hvf_elf(&b, hlt, sizeof(hlt));
	if (!f->v || !hv_vcpu_load(f->v, b.buf, b.len, err, sizeof(err))) {
		fprintf(stderr, "hvf: %s\n", err);
		return NULL;
	}
	return f;
}

static inline struct hvf *hvf_new(void)
{
	return hvf_new_cfg(NULL);
}

static inline void hvf_free(struct hvf *f)
{
	if (!f)
		return;
	hv_vcpu_destroy(f->v);
	fclose(f->con_f);
	fclose(f->diag_f);
	free(f->con);
	free(f->diag);
	free(f);
}

static inline const char *hvf_console(struct hvf *f)
{
	fflush(f->con_f);
	return f->con ? f->con : "";
}

static inline const char *hvf_diag(struct hvf *f)
{
	fflush(f->diag_f);
	return f->diag ? f->diag : "";
}

/* Guest bytes at guest-physical (= linear: the boot identity map) address pa. */
static inline void hvf_poke(struct hvf *f, u64 pa, const void *bytes, size_t n)
{
	vx_phys_copy_in(f->v->phys, pa, bytes, n);
}

/* A VM exit by hand: the basic reason with flag bits (full), RIP, instruction length,
 * qualification, guest-physical address; GUEST_RIP is set too. */
static inline void hvf_exit(struct hvf *f, u32 full, u64 rip, u32 len, u64 qual, u64 gpa)
{
	struct hv_vcpu *v = f->v;
	v->exit = (struct hv_exit){0};
	hv_exit_decode_reason(full, &v->exit);
	v->exit.rip = rip;
	v->exit.insn_len = len;
	v->exit.qual = qual;
	v->exit.gpa = gpa;
	hv_vmwrite(v, VMCS_GUEST_RIP, rip);
	v->inject.valid = false;
}

static inline u64 hvf_rip(struct hvf *f)
{
	return hv_vmread(f->v, VMCS_GUEST_RIP);
}

/* The queued injection's interruption information, 0 when none. */
static inline u32 hvf_injected(struct hvf *f)
{
	return f->v->inject.valid ? f->v->inject.info : 0;
}

#define HVF_UD (VMX_INTR_INFO_VALID | (VMX_INTR_TYPE_HARD_EXCEPTION << 8) | X86_VEC_UD)
#define HVF_GP                                                                                  \
	(VMX_INTR_INFO_VALID | (VMX_INTR_TYPE_HARD_EXCEPTION << 8) | VMX_INTR_INFO_ERROR_CODE | \
	 X86_VEC_GP)
#define HVF_PF                                                                                  \
	(VMX_INTR_INFO_VALID | (VMX_INTR_TYPE_HARD_EXCEPTION << 8) | VMX_INTR_INFO_ERROR_CODE | \
	 X86_VEC_PF)

#endif
