// SPDX-License-Identifier: MIT
/* Placeholders compiled only while a decoder's source is absent (see CMakeLists.txt). */
#include "decode.h"

#ifdef VX_PENDING_DUMP_VMCS
int dec_dump_vmcs(struct vx_out *o, const struct dec_opts *opts, const char *path)
{
	(void)o;
	(void)opts;
	struct dec_input in;
	if (!dec_input_read(&in, path))
		return 1;
	dec_input_free(&in);
	fprintf(stderr, "vmxsgx: %s: the dump-vmcs decoder is not in this build yet\n", path);
	return 2;
}
#endif

#ifdef VX_PENDING_KVM_TRACE
int dec_kvm_trace(struct vx_out *o, const struct dec_opts *opts, const char *path)
{
	(void)o;
	(void)opts;
	struct dec_input in;
	if (!dec_input_read(&in, path))
		return 1;
	dec_input_free(&in);
	fprintf(stderr, "vmxsgx: %s: the kvm-trace decoder is not in this build yet\n", path);
	return 2;
}
#endif
