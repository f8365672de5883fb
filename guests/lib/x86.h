/* SPDX-License-Identifier: MIT */
/*
 * Guest-side access to privileged state: control registers, MSRs, port I/O, RFLAGS, CPUID,
 * descriptor tables, TLB invalidation.  Thin inline-assembly wrappers, one instruction each.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include "arch/types.h"

#define X86_CR0_WP BIT(16)
#define X86_CR0_PG BIT(31)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)
#define X86_RFLAGS_IF BIT(9)
#define X86_RFLAGS_AC BIT(18)
#define X86_EFER_SCE BIT(0)
#define X86_EFER_NXE BIT(11)

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_FEATURE_CONTROL 0x3au

#define GUEST_READ_CR(n)                                                 \
	static inline u64 read_cr##n(void)                               \
	{                                                                \
		u64 v;                                                   \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));        \
		return v;                                                \
	}                                                                \
	static inline void write_cr##n(u64 v)                            \
	{                                                                \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
GUEST_READ_CR(0)
GUEST_READ_CR(2)
GUEST_READ_CR(3)
GUEST_READ_CR(4)
#undef GUEST_READ_CR

static inline u64 rdmsr(u32 index)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 index, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(index), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void write_rflags(u64 v)
{
	__asm__ volatile("pushq %0; popfq" ::"r"(v) : "memory", "cc");
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void stac(void)
{
	__asm__ volatile("stac" ::: "memory", "cc");
}

static inline void clac(void)
{
	__asm__ volatile("clac" ::: "memory", "cc");
}

static inline void invlpg(const volatile void *va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void flush_tlb(void)
{
	write_cr3(read_cr3());
}

static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

struct __attribute__((packed)) dtr64 {
	u16 limit;
	u64 base;
};

static inline void lidt(const struct dtr64 *d)
{
	__asm__ volatile("lidt %0" ::"m"(*d) : "memory");
}

static inline void sidt(struct dtr64 *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}

static inline void sgdt(struct dtr64 *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

static inline u16 str(void)
{
	u16 v;
	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

#define GUEST_READ_SEG(name)                                       \
	static inline u16 read_##name(void)                        \
	{                                                          \
		u16 v;                                             \
		__asm__ volatile("mov %%" #name ", %0" : "=r"(v)); \
		return v;                                          \
	}
GUEST_READ_SEG(cs)
GUEST_READ_SEG(ss)
GUEST_READ_SEG(ds)
#undef GUEST_READ_SEG

static inline u64 read_rsp(void)
{
	u64 v;
	__asm__ volatile("mov %%rsp, %0" : "=r"(v));
	return v;
}

static inline void halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

#endif
