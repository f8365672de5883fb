/* SPDX-License-Identifier: MIT */
/* The built-in profiles (one data file each in src/cpu/profiles/), for the registry. */
#ifndef VX_CPU_PROFILES_BUILTIN_H
#define VX_CPU_PROFILES_BUILTIN_H

#include "cpu/profile.h"

extern const struct cpu_profile cpu_profile_icx_server;
extern const struct cpu_profile cpu_profile_icx_nosgx;

#endif
