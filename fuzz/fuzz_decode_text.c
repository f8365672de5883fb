// SPDX-License-Identifier: MIT
/*
 * Fuzz target: `vmxsgx decode dump-vmcs` and `decode kvm-trace` on arbitrary text.  The
 * first byte picks the decoder and its options; the rest is the file.  Invariant: the
 * decoders return a status and never crash, whatever the input.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (size < 1)
		return 0;
	u8 ctl = data[0];
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	FILE *devnull = fopen("/dev/null", "w");
	FILE *saved = stderr;
	stderr = devnull; /* input problems are reported on stderr: keep the run quiet */
	struct vx_out o;
	struct dec_opts opts = {.json = ctl & 1, .verbose = ctl & 2};
	out_init(&o, devnull, opts.json);
	if (ctl & 4)
		dec_kvm_trace(&o, &opts, path);
	else
		dec_dump_vmcs(&o, &opts, path);
	stderr = saved;
	fclose(devnull);
	close(fd);
	return 0;
}
