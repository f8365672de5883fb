// SPDX-License-Identifier: MIT
/*
 * `vmxsgx sign`: lays out an enclave from its ELF image (include/vx/enclave.h), computes the
 * MRENCLAVE the loader's ECREATE/EADD/EEXTEND sequence will produce (SDM Vol. 3D 41.4
 * ECREATE, EADD, EEXTEND "Operation": SHA-256 over 64-byte records), fills a SIGSTRUCT (38.13
 * Table 38-19) and signs it with an RSA-3072, exponent-3 key: PKCS#1 v1.5 with SHA-256 over
 * bytes 0-127 and 900-1027, plus Q1 = floor(S^2/N) and Q2 = floor((S^3 - Q1*S*N)/N).  The
 * output is reproducible: same inputs, same bytes (fixed DATE unless --date).
 *
 * This is host code on purpose independent of src/sgx: a test compares the two.
 */
#include <elf.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "cli.h"
#include "vx/enclave.h"

struct sign_opts {
	const char *key, *out, *elf;
	unsigned tcs, nssa, stack_pages, heap_pages;
	bool debug;
	u16 isvprodid, isvsvn;
	u32 date;
};

struct layout {
	struct vx_enclave_bundle *b;
	struct vx_enclave_page *pages;
	u8 *data; /* npages * 4096 */
};

static int sign_error(const char *fmt, const char *arg)
{
	fputs("vmxsgx sign: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static void sign_usage(FILE *f)
{
	fputs(
	    "usage: vmxsgx sign --key KEY.pem --out BUNDLE [--tcs N] [--ssa N] [--stack PAGES]\n"
	    "                   [--heap PAGES] [--debug] [--isvprodid N] [--isvsvn N]\n"
	    "                   [--date YYYYMMDD] ENCLAVE.elf\n"
	    "  lays out the enclave (image, heap, per thread: stack, TCS, SSA frames), computes\n"
	    "  MRENCLAVE and writes the bundle (include/vx/enclave.h) with a SIGSTRUCT signed by\n"
	    "  KEY.pem (RSA-3072, public exponent 3)\n",
	    f);
}

static bool add_page(struct layout *l, u64 off, u64 secinfo, bool extend, const u8 *src, size_t n)
{
	struct vx_enclave_bundle *b = l->b;
	if (b->npages >= VX_ENCLAVE_MAX_PAGES)
		return false;
	l->pages[b->npages] = (struct vx_enclave_page){off, secinfo, extend};
	u8 *dst = l->data + (u64)b->npages * 4096;
	memset(dst, 0, 4096);
	if (src)
		memcpy(dst, src, n);
	b->npages++;
	return true;
}

#define PT(t) ((u64)(t) << SGX_SECINFO_PT_SHIFT)

/* The PT_LOAD segments of a little-endian x86-64 ELF linked at 0, page by page. */
static const char *load_image(struct layout *l, const u8 *elf, size_t len, u64 *end)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return "not an x86-64 ELF64 file";
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return "bad program header table";
	*end = 0;
	for (unsigned k = 0; k < eh->e_phnum; k++) {
		const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff + k * sizeof(Elf64_Phdr));
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if ((ph->p_vaddr & 4095) || ph->p_offset > len ||
		    ph->p_filesz > len - ph->p_offset || ph->p_filesz > ph->p_memsz ||
		    ph->p_vaddr < *end || ph->p_memsz > (1u << 24))
			return "PT_LOAD segments must be page-aligned, in order, within the file";
		u64 sec = PT(SGX_PT_REG) | SGX_SECINFO_R |
			  (ph->p_flags & PF_W ? SGX_SECINFO_W : 0) |
			  (ph->p_flags & PF_X ? SGX_SECINFO_X : 0);
		for (u64 off = 0; off < ph->p_memsz; off += 4096) {
			u64 n = off < ph->p_filesz ? ph->p_filesz - off : 0;
			if (!add_page(l, ph->p_vaddr + off, sec, true, elf + ph->p_offset + off,
				      n > 4096 ? 4096 : n))
				return "enclave too large for the bundle";
		}
		*end = ph->p_vaddr + ((ph->p_memsz + 4095) & ~4095ull);
	}
	if (!l->b->npages)
		return "no PT_LOAD segment";
	return NULL;
}

/* Heap, then per thread: stack, TCS, SSA frames; SIZE = next power of two. */
static const char *lay_out(struct layout *l, const struct sign_opts *o, u64 at, u64 entry)
{
	struct vx_enclave_bundle *b = l->b;
	const u64 rw = PT(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W;
	for (unsigned k = 0; k < o->heap_pages; k++, at += 4096)
		if (!add_page(l, at, rw, true, NULL, 0))
			return "enclave too large for the bundle";
	for (unsigned t = 0; t < o->tcs; t++) {
		for (unsigned k = 0; k < o->stack_pages; k++, at += 4096)
			if (!add_page(l, at, rw, true, NULL, 0))
				return "enclave too large for the bundle";
		struct sgx_tcs tcs = {.ossa = at + 4096,
				      .nssa = o->nssa,
				      .oentry = entry,
				      .fslimit = 0xfff,
				      .gslimit = 0xfff};
		b->tcs[t] = at;
		if (!add_page(l, at, PT(SGX_PT_TCS), true, (const u8 *)&tcs, sizeof(tcs)))
			return "enclave too large for the bundle";
		at += 4096;
		for (unsigned k = 0; k < o->nssa * b->ssaframesize; k++, at += 4096)
			if (!add_page(l, at, rw, false, NULL, 0))
				return "enclave too large for the bundle";
	}
	b->ntcs = o->tcs;
	b->nssa = o->nssa;
	b->size = 8192;
	while (b->size < at)
		b->size <<= 1;
	return NULL;
}

static void digest_update(EVP_MD_CTX *x, const void *p, size_t n)
{
	EVP_DigestUpdate(x, p, n);
}

/* MRENCLAVE of the ECREATE/EADD/EEXTEND records (41.4 "Operation" of each leaf). */
static void measure(const struct layout *l, u8 out[32])
{
	const struct vx_enclave_bundle *b = l->b;
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	EVP_DigestInit_ex(x, EVP_sha256(), NULL);
	u8 rec[64] = {0};
	u64 tag = SGX_MEASURE_ECREATE;
	memcpy(rec, &tag, 8);
	memcpy(rec + 8, &b->ssaframesize, 4);
	memcpy(rec + 12, &b->size, 8);
	digest_update(x, rec, 64);
	for (u32 k = 0; k < b->npages; k++) {
		const struct vx_enclave_page *p = &l->pages[k];
		memset(rec, 0, 64);
		tag = SGX_MEASURE_EADD;
		u64 flags = p->secinfo;
		if (((flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT) == SGX_PT_TCS)
			flags &= ~(u64)7; /* EADD forces a TCS's R/W/X to 0 before measuring */
		memcpy(rec, &tag, 8);
		memcpy(rec + 8, &p->offset, 8);
		memcpy(rec + 16, &flags, 8);
		digest_update(x, rec, 64);
		for (u64 c = 0; p->extend && c < 4096; c += 256) {
			memset(rec, 0, 64);
			tag = SGX_MEASURE_EEXTEND;
			u64 off = p->offset + c;
			memcpy(rec, &tag, 8);
			memcpy(rec + 8, &off, 8);
			digest_update(x, rec, 64);
			digest_update(x, l->data + (u64)k * 4096 + c, 256);
		}
	}
	unsigned n = 0;
	EVP_DigestFinal_ex(x, out, &n);
	EVP_MD_CTX_free(x);
}

static void reverse(u8 *p, size_t n)
{
	for (size_t a = 0, b = n - 1; a < b; a++, b--) {
		u8 t = p[a];
		p[a] = p[b];
		p[b] = t;
	}
}

/* A BIGNUM as a little-endian 384-byte field. */
static bool bn_field(const BIGNUM *v, u8 out[SGX_MODULUS_SIZE])
{
	return BN_bn2lebinpad(v, out, SGX_MODULUS_SIZE) == SGX_MODULUS_SIZE;
}

/* Q1 and Q2 from S and N (38.13; EINIT page). */
static bool fill_q(struct sgx_sigstruct *s, const BIGNUM *n)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *sig = BN_lebin2bn(s->signature, SGX_MODULUS_SIZE, NULL), *t = BN_new(),
	       *q1 = BN_new(), *r = BN_new(), *q2 = BN_new();
	bool ok = ctx && sig && t && q1 && r && q2 && BN_sqr(t, sig, ctx) &&
		  BN_div(q1, r, t, n, ctx) && BN_mul(t, r, sig, ctx) &&
		  BN_div(q2, NULL, t, n, ctx) && bn_field(q1, s->q1) && bn_field(q2, s->q2);
	BN_free(sig);
	BN_free(t);
	BN_free(q1);
	BN_free(r);
	BN_free(q2);
	BN_CTX_free(ctx);
	return ok;
}

static const char *sign_sigstruct(struct sgx_sigstruct *s, const char *keyfile, u8 mrsigner[32])
{
	FILE *f = fopen(keyfile, "r");
	if (!f)
		return "cannot open the key file";
	EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	BIGNUM *n = NULL, *e = NULL;
	const char *err = NULL;
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pk) != 3072 ||
	    !EVP_PKEY_get_bn_param(pk, "n", &n) || !EVP_PKEY_get_bn_param(pk, "e", &e) ||
	    !BN_is_word(e, 3)) {
		err = "the key must be an RSA-3072 private key with public exponent 3";
		goto out;
	}
	bn_field(n, s->modulus);
	s->exponent = 3;
	u8 msg[256], sig[SGX_MODULUS_SIZE];
	memcpy(msg, s, 128);
	memcpy(msg + 128, (const u8 *)s + 900, 128);
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool ok = x && EVP_DigestSignInit(x, &pc, EVP_sha256(), NULL, pk) &&
		  EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) &&
		  EVP_DigestSign(x, sig, &siglen, msg, sizeof(msg)) && siglen == sizeof(sig);
	EVP_MD_CTX_free(x);
	if (!ok) {
		err = "signing failed";
		goto out;
	}
	reverse(sig, sizeof(sig)); /* big-endian from OpenSSL, little-endian in SIGSTRUCT */
	memcpy(s->signature, sig, sizeof(sig));
	if (!fill_q(s, n))
		err = "computing Q1/Q2 failed";
	EVP_Digest(s->modulus, SGX_MODULUS_SIZE, mrsigner, NULL, EVP_sha256(), NULL);
out:
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pk);
	return err;
}

static void fill_sigstruct(struct sgx_sigstruct *s, const struct layout *l,
			   const struct sign_opts *o)
{
	static const u8 h1[16] = SGX_SIGSTRUCT_HEADER, h2[16] = SGX_SIGSTRUCT_HEADER2;
	memset(s, 0, sizeof(*s));
	memcpy(s->header, h1, 16);
	memcpy(s->header2, h2, 16);
	s->date = o->date;
	s->attributes = l->b->attributes;
	s->xfrm = l->b->xfrm;
	/* Enforce every attribute bit except DEBUG's value being whatever the SECS says is
	 * not allowed: mask all defined bits (INIT is set by EINIT, so it is not masked). */
	s->attributemask = ~(u64)SGX_ATTR_INIT;
	s->xfrmmask = ~0ull;
	s->miscselect = l->b->miscselect;
	s->miscmask = ~0u;
	memcpy(s->enclavehash, l->b->mrenclave, 32);
	s->isvprodid = o->isvprodid;
	s->isvsvn = o->isvsvn;
}

static u8 *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	u8 *buf = NULL;
	long n = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (n > 0 && n < (1l << 26) && !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)n)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

static bool num_opt(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);
	if (!*v || *end || x < lo || x > hi)
		return false;
	*out = (unsigned)x;
	return true;
}

/* Returns -1 to go on, else the exit status. */
static int sign_parse(struct sign_opts *o, int argc, char **argv)
{
	for (int k = 0; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
		unsigned x;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			sign_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--debug")) {
			o->debug = true;
			continue;
		}
		if (a[0] != '-') {
			o->elf = a;
			continue;
		}
		if (!v)
			return sign_error("%s needs a value", a);
		k++;
		if (!strcmp(a, "--key"))
			o->key = v;
		else if (!strcmp(a, "--out"))
			o->out = v;
		else if (!strcmp(a, "--tcs") && num_opt(v, 1, VX_ENCLAVE_MAX_TCS, &x))
			o->tcs = x;
		else if (!strcmp(a, "--ssa") && num_opt(v, 1, 16, &x))
			o->nssa = x;
		else if (!strcmp(a, "--stack") && num_opt(v, 1, 64, &x))
			o->stack_pages = x;
		else if (!strcmp(a, "--heap") && num_opt(v, 0, 128, &x))
			o->heap_pages = x;
		else if (!strcmp(a, "--isvprodid") && num_opt(v, 0, 65535, &x))
			o->isvprodid = (u16)x;
		else if (!strcmp(a, "--isvsvn") && num_opt(v, 0, 65535, &x))
			o->isvsvn = (u16)x;
		else if (!strcmp(a, "--date") && num_opt(v, 0, ~0u, &x))
			o->date = x;
		else
			return sign_error("bad option or value: %s (try 'vmxsgx sign --help')", a);
	}
	if (!o->key || !o->out || !o->elf)
		return sign_error("%s", "needs --key, --out and an enclave ELF");
	return -1;
}

static int write_bundle(const char *path, const u8 *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) {
		if (f)
			fclose(f);
		return sign_error("cannot write %s", path);
	}
	return fclose(f) ? sign_error("cannot write %s", path) : 0;
}

int cli_sign(int argc, char **argv)
{
	struct sign_opts o = {
	    .tcs = 1, .nssa = 2, .stack_pages = 4, .heap_pages = 1, .date = 0x20260101};
	int st = sign_parse(&o, argc, argv);
	if (st >= 0)
		return st;
	size_t len;
	u8 *elf = read_all(o.elf, &len);
	if (!elf)
		return sign_error("cannot read %s", o.elf);
	size_t cap = VX_ENCLAVE_DATA_OFFSET + (size_t)VX_ENCLAVE_MAX_PAGES * 4096;
	u8 *out = calloc(1, cap);
	if (!out) {
		free(elf);
		return sign_error("%s", "out of memory");
	}
	struct layout l = {(struct vx_enclave_bundle *)out,
			   (struct vx_enclave_page *)(out + sizeof(struct vx_enclave_bundle)),
			   out + VX_ENCLAVE_DATA_OFFSET};
	*l.b = (struct vx_enclave_bundle){.magic = VX_ENCLAVE_MAGIC,
					  .version = VX_ENCLAVE_VERSION,
					  .attributes =
					      SGX_ATTR_MODE64BIT | (o.debug ? SGX_ATTR_DEBUG : 0),
					  .xfrm = 3,
					  .ssaframesize = 1};
	u64 end;
	const char *err = load_image(&l, elf, len, &end);
	if (!err)
		err = lay_out(&l, &o, end, ((const Elf64_Ehdr *)elf)->e_entry);
	struct sgx_sigstruct *s = (struct sgx_sigstruct *)(out + VX_ENCLAVE_SIG_OFFSET);
	if (!err) {
		measure(&l, l.b->mrenclave);
		fill_sigstruct(s, &l, &o);
		err = sign_sigstruct(s, o.key, l.b->mrsigner);
	}
	st = err ? sign_error("%s", err)
		 : write_bundle(o.out, out, VX_ENCLAVE_DATA_OFFSET + (size_t)l.b->npages * 4096);
	free(out);
	free(elf);
	return st;
}
