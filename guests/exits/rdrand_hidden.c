// SPDX-License-Identifier: MIT
/* RDRAND/RDSEED with the features hidden from the VM (--hide rdrand,rdseed): rdrand.c built
 * with RD_HIDDEN (see rdrand_hidden.expect). */
#define RD_HIDDEN 1
#include "rdrand.c"
