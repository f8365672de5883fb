// SPDX-License-Identifier: MIT
/*
 * Stand-alone driver for the fuzz targets when libFuzzer is not linked (gcc builds, `make
 * check`): replays every file of the corpus directory, then runs a bounded number of
 * deterministic mutations of them.  `make fuzz` links the same targets with libFuzzer instead.
 *
 * usage: fuzz_<target> CORPUS_DIR [ITERATIONS] [SEED]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/types.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define MAX_SEEDS 256
#define FUZZ_MAX_INPUT (1u << 20)

static u64 rng;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t mutate(u8 *buf, size_t len, size_t cap)
{
	unsigned n = 1 + next() % 8;
	for (unsigned k = 0; k < n; k++) {
		size_t pos = len ? next() % len : 0;
		switch (next() % 6) {
		case 0:
			if (len)
				buf[pos] ^= (u8)(1u << (next() % 8));
			break;
		case 1:
			if (len)
				buf[pos] = (u8)next();
			break;
		case 2: /* insert a byte */
			if (len < cap) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = (u8)next();
				len++;
			}
			break;
		case 3: /* delete a range */
			if (len) {
				size_t m = 1 + next() % 16;
				if (m > len - pos)
					m = len - pos;
				memmove(buf + pos, buf + pos + m, len - pos - m);
				len -= m;
			}
			break;
		case 4: /* duplicate a range */
			if (len && len < cap) {
				size_t m = 1 + next() % 64;
				if (m > len - pos)
					m = len - pos;
				if (m > cap - len)
					m = cap - len;
				memmove(buf + pos + m, buf + pos, len - pos);
				len += m;
			}
			break;
		default: /* truncate */ len = pos; break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS] [SEED]\n", argv[0]);
		return 2;
	}
	unsigned long iters = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eedf00dull;
	if (!rng)
		rng = 1;
	static u8 *seeds[MAX_SEEDS];
	static size_t lens[MAX_SEEDS];
	size_t nseeds = 0;
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "%s: cannot open corpus %s\n", argv[0], argv[1]);
		return 2;
	}
	for (struct dirent *e; (e = readdir(d)) && nseeds < MAX_SEEDS;) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		u8 *b = malloc(FUZZ_MAX_INPUT);
		size_t n = b ? fread(b, 1, FUZZ_MAX_INPUT, f) : 0;
		fclose(f);
		if (!b)
			continue;
		LLVMFuzzerTestOneInput(b, n);
		seeds[nseeds] = b;
		lens[nseeds++] = n;
	}
	closedir(d);
	u8 *buf = malloc(FUZZ_MAX_INPUT);
	for (unsigned long k = 0; buf && nseeds && k < iters; k++) {
		size_t s = next() % nseeds;
		memcpy(buf, seeds[s], lens[s]);
		size_t n = mutate(buf, lens[s], FUZZ_MAX_INPUT);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("%s: %zu seeds, %lu mutations, no crash\n", argv[0], nseeds, iters);
	free(buf);
	for (size_t s = 0; s < nseeds; s++)
		free(seeds[s]);
	return 0;
}
