// SPDX-License-Identifier: MIT
/*
 * EREPORT and EGETKEY (SDM Vol. 3D 41.5 ENCLU[EREPORT], ENCLU[EGETKEY]; 38.15-38.17 REPORT,
 * TARGETINFO, KEYREQUEST).  Keys are derived with AES-CMAC from the machine's root key over a
 * key-dependency record holding the inputs the EGETKEY page lists for each key name (the SDM
 * leaves the derivation function itself to the implementation: docs/decisions.md D57).
 * CPUSVN is a model constant; OWNEREPOCH is 0 (IA32_SGXOWNEREPOCH not modelled).
 */
#include <string.h>

#include "sgx/sgx_int.h"

static const u8 cr_cpusvn[16] = {1};

/* The key-dependency record (implementation-specific layout, fixed here). */
struct key_dep {
	u16 keyname, keypolicy, isvprodid, isvsvn;
	u64 attributes, xfrm, attrmask, xfrmmask;
	u8 mrenclave[32], mrsigner[32], keyid[32], cpusvn[16];
	u32 miscselect, miscmask;
	u8 ownerepoch[16];
};

static const struct sgx_secs *cur_secs(struct vx_cpu *c)
{
	return (const struct sgx_secs *)epc_page_ptr(sgx_epc_of(c), c->sgx.secs);
}

/* The report key of the enclave identified by measurement/attributes/miscselect. */
static void report_key(struct vx_cpu *c, const u8 mr[32], u64 attr, u64 xfrm, u32 misc,
		       const u8 keyid[32], u8 key[16])
{
	struct key_dep d = {
	    .keyname = SGX_KEY_REPORT, .attributes = attr, .xfrm = xfrm, .miscselect = misc};
	memcpy(d.mrenclave, mr, 32);
	memcpy(d.keyid, keyid, 32);
	memcpy(d.cpusvn, cr_cpusvn, 16);
	sgx_derive_key(sgx_epc_of(c), &d, sizeof(d), key);
}

/* CR_REPORT_KEYID: fixed per machine (derived from the root key). */
static void report_keyid(struct vx_cpu *c, u8 keyid[32])
{
	static const char tag[] = "vmxsgx CR_REPORT_KEYID";
	memset(keyid, 0, 32);
	sgx_derive_key(sgx_epc_of(c), tag, sizeof(tag), keyid);
}

static enum cpu_step operand_ok(struct vx_cpu *c, u64 la, u64 align, u64 len)
{
	return !aligned(la, align) || !sgx_in_elrange(c, la, len) ? fault_gp(c, 0) : STEP_RETIRED;
}

static enum cpu_step leaf_ereport(struct vx_cpu *c)
{
	u64 ti = c->gpr[GPR_RBX], rd = c->gpr[GPR_RCX], out = c->gpr[GPR_RDX];
	struct sgx_targetinfo t;
	u8 data[64];
	enum cpu_step r = operand_ok(c, ti, 512, sizeof(t));
	if (r == STEP_RETIRED)
		r = operand_ok(c, rd, 128, sizeof(data));
	if (r == STEP_RETIRED)
		r = operand_ok(c, out, 512, sizeof(struct sgx_report));
	if (r == STEP_RETIRED)
		r = sgx_read(c, ti, &t, sizeof(t));
	if (r == STEP_RETIRED)
		r = sgx_read(c, rd, data, sizeof(data));
	if (r != STEP_RETIRED)
		return r;
	const struct sgx_secs *s = cur_secs(c);
	struct sgx_report rep;
	memset(&rep, 0, sizeof(rep));
	memcpy(rep.cpusvn, cr_cpusvn, 16);
	rep.miscselect = s->miscselect;
	rep.attributes = s->attributes;
	rep.xfrm = s->xfrm;
	memcpy(rep.mrenclave, s->mrenclave, 32);
	memcpy(rep.mrsigner, s->mrsigner, 32);
	rep.isvprodid = s->isvprodid;
	rep.isvsvn = s->isvsvn;
	memcpy(rep.reportdata, data, 64);
	report_keyid(c, rep.keyid);
	u8 key[16];
	report_key(c, t.measurement, t.attributes, t.xfrm, t.miscselect, rep.keyid, key);
	sgx_cmac(key, &rep, offsetof(struct sgx_report, keyid), rep.mac);
	return sgx_write(c, out, &rep, sizeof(rep));
}

/* EGETKEY's per-name inputs (the table of its "Operation"); 0 or an error code. */
static u32 key_inputs(struct vx_cpu *c, const struct sgx_keyrequest *k, struct key_dep *d)
{
	const struct sgx_secs *s = cur_secs(c);
	d->keyname = k->keyname;
	memcpy(d->cpusvn, k->cpusvn, 16);
	d->attributes = (k->attributemask | SGX_ATTR_INIT | SGX_ATTR_DEBUG) & s->attributes;
	d->xfrm = k->xfrmmask & s->xfrm;
	d->miscselect = k->miscmask & s->miscselect;
	bool svn_checks = k->keyname != SGX_KEY_REPORT;
	if (svn_checks && memcmp(k->cpusvn, cr_cpusvn, 16) > 0)
		return SGX_INVALID_CPUSVN;
	if (svn_checks && k->isvsvn > s->isvsvn)
		return SGX_INVALID_ISVSVN;
	switch (k->keyname) {
	case SGX_KEY_SEAL:
		d->keypolicy = k->keypolicy;
		d->isvprodid = s->isvprodid;
		d->isvsvn = k->isvsvn;
		d->attrmask = k->attributemask;
		d->xfrmmask = k->xfrmmask;
		d->miscmask = ~k->miscmask;
		if (k->keypolicy & SGX_KEYPOLICY_MRENCLAVE)
			memcpy(d->mrenclave, s->mrenclave, 32);
		if (k->keypolicy & SGX_KEYPOLICY_MRSIGNER)
			memcpy(d->mrsigner, s->mrsigner, 32);
		memcpy(d->keyid, k->keyid, 32);
		return 0;
	case SGX_KEY_REPORT:
		memset(d, 0, sizeof(*d));
		report_key(c, s->mrenclave, s->attributes, s->xfrm, s->miscselect, k->keyid,
			   (u8 *)d->keyid);
		return 0;
	case SGX_KEY_EINITTOKEN:
		if (!(s->attributes & SGX_ATTR_EINITTOKEN_KEY))
			return SGX_INVALID_ATTRIBUTE;
		break;
	case SGX_KEY_PROVISION:
	case SGX_KEY_PROVISION_SEAL:
		if (!(s->attributes & SGX_ATTR_PROVISIONKEY))
			return SGX_INVALID_ATTRIBUTE;
		break;
	default: return SGX_INVALID_KEYNAME;
	}
	d->isvprodid = s->isvprodid;
	d->isvsvn = k->isvsvn;
	memcpy(d->mrsigner, s->mrsigner, 32);
	if (k->keyname == SGX_KEY_EINITTOKEN)
		memcpy(d->keyid, k->keyid, 32);
	return 0;
}

static enum cpu_step leaf_egetkey(struct vx_cpu *c)
{
	u64 req = c->gpr[GPR_RBX], out = c->gpr[GPR_RCX];
	struct sgx_keyrequest k;
	enum cpu_step r = operand_ok(c, req, 512, sizeof(k));
	if (r == STEP_RETIRED)
		r = sgx_read(c, req, &k, sizeof(k));
	if (r == STEP_RETIRED)
		r = operand_ok(c, out, 16, 16);
	if (r != STEP_RETIRED)
		return r;
	if (k.reserved1 || !zero(k.reserved2, sizeof(k.reserved2)) ||
	    (k.keypolicy & ~(SGX_KEYPOLICY_MRENCLAVE | SGX_KEYPOLICY_MRSIGNER)))
		return fault_gp(c, 0);
	struct key_dep d;
	memset(&d, 0, sizeof(d));
	u32 err = key_inputs(c, &k, &d);
	if (err)
		return sgx_status(c, err);
	u8 key[16];
	if (k.keyname == SGX_KEY_REPORT)
		memcpy(key, d.keyid, 16); /* report_key() left it there */
	else
		sgx_derive_key(sgx_epc_of(c), &d, sizeof(d), key);
	if ((r = sgx_write(c, out, key, sizeof(key))) != STEP_RETIRED)
		return r;
	return sgx_status(c, 0);
}

enum cpu_step sgx_enclu_keys(struct vx_cpu *c, u32 leaf)
{
	switch (leaf) {
	case ENCLU_EREPORT: return leaf_ereport(c);
	case ENCLU_EGETKEY: return leaf_egetkey(c);
	default: return sgx_enclu_sgx2(c, leaf); /* EACCEPT, EMODPE, EACCEPTCOPY */
	}
}
