// SPDX-License-Identifier: MIT
/*
 * Host side of the sha256 guest test: reads the guest's console output on stdin, finds the
 * line "sha256(buffer) = <64 hex digits>", and compares it with OpenSSL's SHA-256 of the same
 * deterministic buffer (sha256_buf.h).  Exit status 0 when they match.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_buf.h"

int main(void)
{
	static const char tag[] = "sha256(buffer) = ";
	char line[512], got[65] = "";
	while (fgets(line, sizeof(line), stdin))
		if (!strncmp(line, tag, strlen(tag)) &&
		    sscanf(line + strlen(tag), "%64s", got) == 1)
			break;
	if (strlen(got) != 64) {
		fprintf(stderr, "sha256_check: no \"%s<digest>\" line in the guest output\n", tag);
		return 1;
	}
	uint8_t *buf = malloc(SHA256_BUF_LEN);
	if (!buf)
		return 1;
	sha256_buf_fill(buf, SHA256_BUF_LEN);
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256(buf, SHA256_BUF_LEN, d);
	free(buf);
	char want[65];
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(want + 2 * i, 3, "%02x", d[i]);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "sha256_check: guest %s, OpenSSL %s\n", got, want);
		return 1;
	}
	printf("sha256_check: guest digest matches OpenSSL (%s)\n", want);
	return 0;
}
