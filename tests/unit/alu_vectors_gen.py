#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates tests/unit/alu_vectors_*.inc, the vectors of test_alu_vectors.c.

Expected values come from the reference model below, written from the SDM Vol. 2 pseudo-code
("Operation" and "Flags Affected" of each instruction page; loops where the SDM loops), not from
the emulator.  Encodings come from the GNU assembler (`as`, `objdump`).  test_alu_vectors.c
then checks every vector twice: on the emulator (defined flags, plus the model's documented
choices for undefined ones: `fpin`) and natively on the host CPU (defined flags and defined
registers only), which proves the expectations.

Run from anywhere:  python3 tests/unit/alu_vectors_gen.py
"""
import os
import re
import subprocess
import sys
import tempfile

CF, PF, AF, ZF, SF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ARITH = CF | PF | AF | ZF | SF | OF
DE, UD, GP = 0, 6, 13  # exception vectors

SLOTS = ["rax", "rcx", "rdx", "rbx", "rsi", "rdi"]
NAMES = {
    1: ["al", "cl", "dl", "bl", "sil", "dil"],
    2: ["ax", "cx", "dx", "bx", "si", "di"],
    4: ["eax", "ecx", "edx", "ebx", "esi", "edi"],
    8: ["rax", "rcx", "rdx", "rbx", "rsi", "rdi"],
}
PTR = {1: "byte", 2: "word", 4: "dword", 8: "qword", 16: "xmmword"}
HI = 0xA5C3_5A3C_9E17_6B28  # upper-bit pattern of every input register


def M(w):
    return (1 << (8 * w)) - 1


def SB(w):
    return 1 << (8 * w - 1)


def sx(v, w):
    v &= M(w)
    return v - (1 << (8 * w)) if v & SB(w) else v


def parity(v):
    return PF if bin(v & 0xFF).count("1") % 2 == 0 else 0


def szp(res, w):
    res &= M(w)
    return (SF if res & SB(w) else 0) | (ZF if res == 0 else 0) | parity(res)


def fill(v, w, pat=HI):
    """Register value with v in the low w bytes and a pattern above."""
    return (pat & ~M(w) & M(8)) | (v & M(w))


def wr(old, v, w):
    """Register write rule of SDM Vol. 1 3.4.1.1: 32-bit writes zero-extend."""
    if w >= 4:
        return v & M(w)
    return (old & ~M(w)) | (v & M(w))


class V:
    """One vector."""

    def __init__(self, group, text, **kw):
        self.group = group
        self.text = text
        self.rin = kw.get("rin", {})
        self.fin = kw.get("fin", 0)
        self.rout = kw.get("rout", {})
        self.fout = kw.get("fout", self.fin)
        self.fdef = kw.get("fdef", ARITH)
        self.fpin = kw.get("fpin", 0)
        self.rundef = kw.get("rundef", 0)
        self.mem = kw.get("mem", None)  # [4] u64 window, RDI = window + 16
        self.mout = kw.get("mout", None)
        self.fault = kw.get("fault", None)
        self.bug = kw.get("bug", None)
        self.code = None


VECS = []


def add(v):
    VECS.append(v)
    return v


# ---------------------------------------------------------------------------------------------
# ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG NOT (SDM Vol. 2A/2B/2C pages of those names)


def arith(op, a, b, cf, w):
    """Returns (result, flags, writes, defined mask)."""
    a &= M(w)
    b &= M(w)
    if op in ("add", "adc"):
        cin = cf if op == "adc" else 0
        full = a + b + cin
        res = full & M(w)
        f = CF if full > M(w) else 0
        f |= OF if (sx(a, w) + sx(b, w) + cin) != sx(res, w) else 0
        f |= AF if (a ^ b ^ res) & 0x10 else 0
        return res, f | szp(res, w), True, ARITH
    if op in ("sub", "sbb", "cmp"):
        cin = cf if op == "sbb" else 0
        res = (a - b - cin) & M(w)
        f = CF if a < b + cin else 0
        f |= OF if (sx(a, w) - sx(b, w) - cin) != sx(res, w) else 0
        f |= AF if (a ^ b ^ res) & 0x10 else 0
        return res, f | szp(res, w), op != "cmp", ARITH
    res = {"and": a & b, "or": a | b, "xor": a ^ b, "test": a & b}[op]
    # OF = CF = 0, SF/ZF/PF from the result, AF undefined
    return res, szp(res, w), op != "test", ARITH & ~AF


def pairs(w):
    m, s = M(w), SB(w)
    return [
        (0, 0), (1, 1), (m, 1), (s - 1, 1), (s, m), (s, s), (0x0F, 0x01), (1, 2),
        (0x55555555_55555555 & m, 0xAAAAAAAA_AAAAAAAA & m), (s - 1, s), (0x7E & m, 0x3B),
        (0x1234_5678_9ABC_DEF0 & m, 0x0FED_CBA9_8765_4321 & m),
    ]


def gen_binop():
    for op in ("add", "adc", "sub", "sbb", "cmp", "and", "or", "xor", "test"):
        for w in (1, 2, 4, 8):
            for k, (a, b) in enumerate(pairs(w)):
                cfs = (0, 1) if op in ("adc", "sbb") else (k & 1,)
                for cf in cfs:
                    fin = (ARITH if k & 2 else 0) & ~CF | cf
                    res, f, wrt, fdef = arith(op, a, b, cf, w)
                    rin = {0: fill(a, w), 1: fill(b, w, ~HI)}
                    rout = {0: wr(rin[0], res, w)} if wrt else {}
                    add(V("alu", f"{op} {NAMES[w][0]}, {NAMES[w][1]}", rin=rin, fin=fin,
                          rout=rout, fout=f, fdef=fdef))
        # high-byte register, memory destination, memory source
        a, b = 0x7F, 0x01
        res, f, wrt, fdef = arith(op, a, b, 1, 1)
        rin = {0: fill(a << 8, 2), 1: fill(b << 8, 2, ~HI)}
        add(V("alu", f"{op} ah, ch", rin=rin, fin=CF, fout=f, fdef=fdef,
              rout={0: (rin[0] & ~0xFF00) | (res << 8)} if wrt else {}))
        for w in (1, 4, 8):
            a, b = SB(w), M(w)
            res, f, wrt, fdef = arith(op, a, b, 1, w)
            mem = [0x1111, fill(a, w, 0x6666_6666_6666_6666), 0, 0]
            mout = list(mem)
            if wrt:
                mout[1] = (mem[1] & ~M(w)) | res
            add(V("alu", f"{op} {PTR[w]} ptr [rdi-8], {NAMES[w][1]}", rin={1: fill(b, w)},
                  fin=CF, fout=f, fdef=fdef, mem=mem, mout=mout))
            if op != "test":
                rin = {0: fill(a, w)}
                add(V("alu", f"{op} {NAMES[w][0]}, {PTR[w]} ptr [rdi]", rin=rin, fin=CF,
                      fout=f, fdef=fdef, mem=[0, 0, b, 0], mout=[0, 0, b, 0],
                      rout={0: wr(rin[0], res, w)} if wrt else {}))
        # immediates: imm8 sign-extended (83 /r), imm32 sign-extended (81 /r), accumulator
        # short forms (04/05 ...; A8/A9 for TEST).  Destination RBX avoids the short form.
        for w, imm, a in ((2, -1, 0x8000), (4, -1, 0x8000_0001), (8, -16, 0x8000_0000_0000_0008),
                          (8, -0x8000_0000, 0x1_0000_0000), (4, 0x12345678, 0xFFFF_0000),
                          (1, -128, 0x7F), (8, 0x7F, 0x81)):
            res, f, wrt, fdef = arith(op, a, imm & M(w), 1, w)
            rin = {3: fill(a, w)}
            add(V("alu", f"{op} {NAMES[w][3]}, {imm}", rin=rin, fin=CF, fout=f, fdef=fdef,
                  rout={3: wr(rin[3], res, w)} if wrt else {}, bug=imm_bug(op, w, imm)))
        for w, imm, a in ((1, 0x01, 0xFF), (4, 0x12345, 0x7FFF_FFFF), (8, -0x100, 0x100),
                          (2, 0x4000, 0x4000)):
            res, f, wrt, fdef = arith(op, a, imm & M(w), 1, w)
            rin = {0: fill(a, w)}
            add(V("alu", f"{op} {NAMES[w][0]}, {imm}", rin=rin, fin=CF, fout=f, fdef=fdef,
                  rout={0: wr(rin[0], res, w)} if wrt else {},
                  bug="decode.c: implicit accumulator operand of the short forms dropped"))


def imm_bug(op, w, imm):
    """The immediate's encoded size is smaller than the operand and the value negative: it
    must be sign-extended, and op_get masks it to its encoded size instead."""
    if op == "test":
        size = min(w, 4)  # TEST has no imm8 form
    else:
        size = 1 if -128 <= imm < 128 else min(w, 4)
    if imm < 0 and size < w:
        return "ops.h op_get/decode.c: sign-extended immediate masked to its encoded size"
    return None


def gen_unary():
    for op in ("inc", "dec", "neg", "not"):
        for w in (1, 2, 4, 8):
            m, s = M(w), SB(w)
            for k, a in enumerate((0, 1, m, s - 1, s, 0x0F, 0x10, 0x5A & m)):
                fin = (ARITH if k & 1 else 0)
                cf = fin & CF
                if op == "inc":
                    res = (a + 1) & m
                    f = cf | (OF if a == s - 1 else 0) | (AF if (a & 0xF) == 0xF else 0)
                elif op == "dec":
                    res = (a - 1) & m
                    f = cf | (OF if a == s else 0) | (AF if (a & 0xF) == 0 else 0)
                elif op == "neg":
                    res = (-a) & m
                    f = (CF if a else 0) | (OF if a == s else 0) | (AF if (a & 0xF) else 0)
                else:
                    res = ~a & m
                    f = fin
                if op != "not":
                    f |= szp(res, w)
                rin = {2: fill(a, w)}
                add(V("alu", f"{op} {NAMES[w][2]}", rin=rin, fin=fin, fout=f,
                      rout={2: wr(rin[2], res, w)}))
            # memory operand
            a = s
            res = {"inc": a + 1, "dec": a - 1, "neg": -a, "not": ~a}[op] & m
            f = {"inc": CF | szp(res, w), "dec": CF | OF | AF | szp(res, w),
                 "neg": CF | OF | szp(res, w), "not": ARITH}[op]
            mem = [0, fill(a, w, 0x3333_3333_3333_3333), 0, 0]
            mout = [0, (mem[1] & ~m) | res, 0, 0]
            add(V("alu", f"{op} {PTR[w]} ptr [rdi-8]", fin=ARITH, fout=f, mem=mem, mout=mout))


def gen_alu_lock():
    """LOCK (SDM Vol. 2A 3.2 "LOCK - Assert LOCK# Signal Prefix"): legal on the listed
    read-modify-write instructions with a memory destination, #UD on CMP and TEST."""
    a, b = 0x8000_0000, 0xFFFF_FFFF
    for op in ("add", "adc", "sub", "sbb", "and", "or", "xor"):
        res, f, _, _ = arith(op, a, b, 1, 4)
        mem = [0, 0, fill(a, 4, 0x1234_5678_0000_0000), 0]
        add(V("alu", f"lock {op} dword ptr [rdi], ecx", rin={1: b}, fin=CF, fout=f,
              fdef=ARITH if op in ("add", "adc", "sub", "sbb") else ARITH & ~AF, mem=mem,
              mout=[0, 0, (mem[2] & ~M(4)) | res, 0]))
    for op, res, f in (("inc", a + 1, CF | SF), ("dec", a - 1, CF | OF | AF | PF),
                       ("neg", a, CF | OF | SF | PF), ("not", ~a & M(4), CF)):
        mem = [0, 0, a, 0]
        add(V("alu", f"lock {op} dword ptr [rdi]", fin=CF, fout=f, mem=mem,
              mout=[0, 0, res, 0]))
    mem = [0, 0, 5, 0]
    add(V("alu", ".byte 0xf0, 0x39, 0x0f", rin={1: 5}, mem=mem, mout=mem, fault=UD))
    add(V("alu", ".byte 0xf0, 0x85, 0x0f", rin={1: 5}, mem=mem, mout=mem, fault=UD))
    add(V("alu", ".byte 0xf0, 0x01, 0xc8", rin={1: 5}, fault=UD))


# ---------------------------------------------------------------------------------------------
# SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR (SDM Vol. 2B 4.3)


def shift_ref(op, v, count, w, cf):
    """SDM Operation, one bit at a time.  Returns (res, flags, defined, pinned)."""
    bits = 8 * w
    v &= M(w)
    n = count & (0x3F if w == 8 else 0x1F)
    if n == 0:
        return v, None, ARITH, 0
    orig, c = v, cf
    if op in ("shl", "sal", "shr", "sar"):
        for _ in range(n):
            if op in ("shl", "sal"):
                c = (v >> (bits - 1)) & 1
                v = (v << 1) & M(w)
            elif op == "sar":
                c = v & 1
                v = (v >> 1) | (v & SB(w))
            else:
                c = v & 1
                v >>= 1
        if op in ("shl", "sal"):
            of = ((v >> (bits - 1)) & 1) ^ c
        elif op == "sar":
            of = 0
        else:
            of = (orig >> (bits - 1)) & 1
        f = szp(v, w) | (CF if c else 0) | (OF if of else 0)
        fdef = ARITH & ~AF
        if n != 1:
            fdef &= ~OF
        if op in ("shl", "sal", "shr") and n >= bits:
            fdef &= ~CF
        return v, f, fdef, ARITH & ~fdef
    if op in ("rol", "ror"):
        for _ in range(n % bits):
            if op == "rol":
                v = ((v << 1) | (v >> (bits - 1))) & M(w)
            else:
                v = (v >> 1) | ((v & 1) << (bits - 1))
        if op == "rol":
            c = v & 1
            of = ((v >> (bits - 1)) & 1) ^ c
        else:
            c = (v >> (bits - 1)) & 1
            of = c ^ ((v >> (bits - 2)) & 1)
    else:
        t = n % (bits + 1) if w <= 2 else n
        of = ((orig >> (bits - 1)) & 1) ^ cf  # RCR: computed before the rotation
        for _ in range(t):
            if op == "rcl":
                out = (v >> (bits - 1)) & 1
                v = ((v << 1) | c) & M(w)
            else:
                out = v & 1
                v = (v >> 1) | (c << (bits - 1))
            c = out
        if op == "rcl":
            of = ((v >> (bits - 1)) & 1) ^ c
    f = (CF if c else 0) | (OF if of else 0)
    fdef = ARITH if n == 1 else ARITH & ~OF
    return v, f, fdef, ARITH & ~fdef


def shift_counts(w):
    if w == 1:
        return [0, 1, 2, 7, 8, 9, 16, 17, 18, 31, 32, 33]
    if w == 2:
        return [0, 1, 2, 15, 16, 17, 31, 32, 33]
    if w == 4:
        return [0, 1, 2, 31, 32, 33, 63]
    return [0, 1, 2, 63, 64, 65, 127, 255]


def shift_vec(op, w, v, count, fin, form, dst=0):
    cf = fin & CF
    res, f, fdef, fpin = shift_ref(op, v, count, w, cf)
    if f is None:
        fout = fin
    else:
        # flags the instruction does not touch (rotates: SF ZF AF PF) keep their values
        touched = ARITH if op in ("shl", "sal", "shr", "sar") else CF | OF
        fout = (fin & ~touched) | f
    r = NAMES[w][dst]
    if form == "cl":
        text = f"{op} {r}, cl"
        rin = {dst: fill(v, w), 1: fill(count, 1)}
    elif form == "1":
        text = f"{op} {r}, 1"  # gas: D0/D1
        rin = {dst: fill(v, w)}
    else:
        text = f"{op} {r}, {count}"
        rin = {dst: fill(v, w)}
    return V("shift", text, rin=rin, fin=fin, fout=fout, fdef=fdef, fpin=fpin,
             rout={dst: wr(rin[dst], res, w)})


def gen_shift():
    for op in ("shl", "shr", "sar", "rol", "ror", "rcl", "rcr"):
        for w in (1, 2, 4, 8):
            vals = [0x8000_0000_0000_0001 & M(w) | SB(w), 0x5A5A_5A5A_5A5A_5A5A & M(w) | 1,
                    M(w), SB(w) >> 1, 0xC3 & M(w)]
            for k, n in enumerate(shift_counts(w)):
                for j in (0, 1):
                    v = vals[(k + 2 * j) % len(vals)]
                    fin = (ARITH if (k + j) & 1 else 0)
                    add(shift_vec(op, w, v, n, fin, "cl" if j else "imm"))
            add(shift_vec(op, w, SB(w) | 2, 1, CF, "1"))
            add(shift_vec(op, w, 0x40 | 1, 1, 0, "1"))
            # a zero result and a sign change
            add(shift_vec(op, w, SB(w), 1, ARITH & ~CF, "cl"))
        # memory destination
        for w in (2, 8):
            v = SB(w) | 0x81
            for n in (0, 1, 3):
                res, f, fdef, fpin = shift_ref(op, v, n, w, 1)
                touched = ARITH if op in ("shl", "shr", "sar") else CF | OF
                fout = CF if f is None else (CF & ~touched) | f
                mem = [0, 0, fill(v, w, 0x2222_2222_2222_2222), 0]
                mout = [0, 0, (mem[2] & ~M(w)) | res, 0]
                add(V("shift", f"{op} {PTR[w]} ptr [rdi], {n}", fin=CF, fout=fout, fdef=fdef,
                      fpin=fpin, mem=mem, mout=mout))
    # the undocumented /6 encoding (executes as SHL) and C1 /4 ib with count 1
    res, f, fdef, fpin = shift_ref("shl", 0xC0000001, 1, 4, 0)
    add(V("shift", ".byte 0xd1, 0xf0", rin={0: fill(0xC0000001, 4)}, fout=f, fdef=fdef,
          rout={0: res}))
    add(V("shift", ".byte 0xc1, 0xe0, 0x01", rin={0: fill(0xC0000001, 4)}, fout=f, fdef=fdef,
          rout={0: res}))


def dshift_ref(op, d, s, count, w):
    """SHLD/SHRD Operation.  Returns (res, flags, defined, pinned, result_defined)."""
    bits = 8 * w
    d &= M(w)
    s &= M(w)
    n = count & (0x3F if w == 8 else 0x1F)
    if n == 0:
        return d, None, ARITH, 0, True
    if n > bits:
        # undefined: the model shifts DEST:SRC:DEST (48 bits); see op_shift.c
        wv = (d << 32) | (s << 16) | d
        if op == "shld":
            res = ((wv << n) >> 32) & 0xFFFF
            c = (wv >> (48 - n)) & 1
        else:
            res = (wv >> n) & 0xFFFF
            c = (wv >> (n - 1)) & 1
        of = ((res ^ d) >> (bits - 1)) & 1
        f = szp(res, w) | (CF if c else 0) | (OF if of else 0)
        return res, f, 0, ARITH, False
    if op == "shld":
        c = (d >> (bits - n)) & 1
        res = ((d << n) | (s >> (bits - n))) & M(w)
    else:
        c = (d >> (n - 1)) & 1
        res = ((d >> n) | (s << (bits - n))) & M(w)
    of = ((res ^ d) >> (bits - 1)) & 1
    f = szp(res, w) | (CF if c else 0) | (OF if of else 0)
    fdef = ARITH & ~AF if n == 1 else ARITH & ~AF & ~OF
    return res, f, fdef, ARITH & ~fdef, True


def gen_dshift():
    for op in ("shld", "shrd"):
        for w in (2, 4, 8):
            counts = {2: [0, 1, 2, 15, 16, 17, 24, 31, 32], 4: [0, 1, 2, 31, 32, 33],
                      8: [0, 1, 2, 63, 64, 65]}[w]
            for k, n in enumerate(counts):
                for j in (0, 1):
                    d = [SB(w) | 0x3, 0x1234_5678_9ABC_DEF0 & M(w), 0x7F][(k + j) % 3]
                    s = [0xF00D_CAFE_BEEF_1234 & M(w), M(w), 1 | SB(w)][(k + 2 * j) % 3]
                    fin = ARITH if (k + j) & 1 else 0
                    res, f, fdef, fpin, rdef = dshift_ref(op, d, s, n, w)
                    rin = {0: fill(d, w), 2: fill(s, w, ~HI)}
                    if j:
                        rin[1] = fill(n, 1)
                        text = f"{op} {NAMES[w][0]}, {NAMES[w][2]}, cl"
                    else:
                        text = f"{op} {NAMES[w][0]}, {NAMES[w][2]}, {n}"
                    add(V("shift", text, rin=rin, fin=fin, fout=fin if f is None else f,
                          fdef=fdef, fpin=fpin, rout={0: wr(rin[0], res, w)},
                          rundef=0 if rdef else 1))
            d, s = SB(w) | 1, 0x3
            res, f, fdef, fpin, _ = dshift_ref(op, d, s, 1, w)
            mem = [0, fill(d, w, 0x4444_4444_4444_4444), 0, 0]
            add(V("shift", f"{op} {PTR[w]} ptr [rdi-8], {NAMES[w][2]}, 1", rin={2: s},
                  fout=f, fdef=fdef, fpin=fpin, mem=mem, mout=[0, (mem[1] & ~M(w)) | res, 0, 0]))


# ---------------------------------------------------------------------------------------------
# MUL, IMUL, DIV, IDIV


def mul_flags(lo, w, wide):
    """Defined: CF = OF = wide.  Pinned (model): SF ZF PF of the low half, AF = 0."""
    return szp(lo, w) | (CF | OF if wide else 0)


def put_wide(rin, w, lo, hi):
    if w == 1:
        return {0: wr(rin[0], (lo & 0xFF) | ((hi & 0xFF) << 8), 2)}
    return {0: wr(rin[0], lo, w), 2: wr(rin[2], hi, w)}


def gen_mul():
    for w in (1, 2, 4, 8):
        m, s = M(w), SB(w)
        cases = [(0, 5), (3, 5), (m, m), (s, 2), (s - 1, s - 1), (s, s), (m, 1), (2, s - 1),
                 (0x1234_5678_9ABC_DEF1 & m, 0x0FED_CBA9_8765_4321 & m), (m, 0)]
        for k, (a, b) in enumerate(cases):
            fin = ARITH if k & 1 else 0
            # MUL
            p = a * b
            lo, hi = p & m, (p >> (8 * w)) & m
            rin = {0: fill(a, w), 1: fill(b, w, ~HI), 2: fill(0x77, w)}
            add(V("muldiv", f"mul {NAMES[w][1]}", rin=rin, fin=fin, fout=mul_flags(lo, w, hi),
                  fdef=CF | OF, fpin=ARITH & ~(CF | OF), rout=put_wide(rin, w, lo, hi)))
            # IMUL one operand
            p = sx(a, w) * sx(b, w)
            lo, hi = p & m, (p >> (8 * w)) & m
            wide = p != sx(lo, w)
            add(V("muldiv", f"imul {NAMES[w][1]}", rin=rin, fin=fin,
                  fout=mul_flags(lo, w, wide), fdef=CF | OF, fpin=ARITH & ~(CF | OF),
                  rout=put_wide(rin, w, lo, hi)))
            if w == 1:
                continue
            # IMUL two operands: rbx = rbx * rcx
            rin2 = {3: fill(a, w), 1: fill(b, w, ~HI)}
            add(V("muldiv", f"imul {NAMES[w][3]}, {NAMES[w][1]}", rin=rin2, fin=fin,
                  fout=mul_flags(lo, w, wide), fdef=CF | OF, fpin=ARITH & ~(CF | OF),
                  rout={3: wr(rin2[3], lo, w)}))
        if w == 1:
            continue
        # IMUL three operands: imm8 and imm16/imm32, sign-extended
        for a, imm in ((0x7FFF, -1), (s, -1), (3, 0x7F), (s - 1, 2), (0x10, -128),
                       (0x1234, 0x3FFF), (s >> 1, 0x7FFF_FFFF if w > 2 else 0x7FFF)):
            p = sx(a, w) * imm
            lo = p & m
            wide = p != sx(lo, w)
            rin = {1: fill(a, w), 3: HI}
            add(V("muldiv", f"imul {NAMES[w][3]}, {NAMES[w][1]}, {imm}", rin=rin, fin=ARITH,
                  fout=mul_flags(lo, w, wide), fdef=CF | OF, fpin=ARITH & ~(CF | OF),
                  rout={3: wr(HI, lo, w)}))
        # memory source
        a, b = s - 1, 3
        p = a * b
        lo, hi = p & m, (p >> (8 * w)) & m
        rin = {0: fill(a, w), 2: fill(0, w)}
        add(V("muldiv", f"mul {PTR[w]} ptr [rdi]", rin=rin, fout=mul_flags(lo, w, hi),
              fdef=CF | OF, fpin=ARITH & ~(CF | OF), mem=[0, 0, b, 0], mout=[0, 0, b, 0],
              rout=put_wide(rin, w, lo, hi)))


def div_vec(op, w, n, d, fin, src="reg"):
    """n: dividend (2w bytes), d: divisor."""
    m = M(w)
    if w == 1:
        rin = {0: fill(n & 0xFFFF, 2), 1: fill(d, w, ~HI), 2: fill(0x55, 8)}
    else:
        rin = {0: fill(n & m, w), 2: fill((n >> (8 * w)) & m, w), 1: fill(d, w, ~HI)}
    text = f"{op} {NAMES[w][1]}" if src == "reg" else f"{op} {PTR[w]} ptr [rdi]"
    kw = {}
    if src != "reg":
        kw = {"mem": [0, 0, d & m, 0], "mout": [0, 0, d & m, 0]}
        del rin[1]
    d &= m
    if op == "div":
        q = None if d == 0 else n // d
        r = None if d == 0 else n % d
        bad = d == 0 or q > m
    else:
        ns = n - (1 << (16 * w)) if n & (1 << (16 * w - 1)) else n
        ds = sx(d, w)
        if ds == 0:
            bad = True
        else:
            q = abs(ns) // abs(ds)
            q = -q if (ns < 0) != (ds < 0) else q
            r = ns - q * ds
            bad = not (-SB(w) <= q <= SB(w) - 1)
    # DIV/IDIV: all six flags undefined; the model keeps them (pinned)
    if bad:
        return V("muldiv", text, rin=rin, fin=fin, fout=fin, fdef=0, fpin=ARITH, fault=DE,
                 **kw)
    return V("muldiv", text, rin=rin, fin=fin, fout=fin, fdef=0, fpin=ARITH,
             rout=put_wide(rin, w, q & m, r & m), **kw)


def gen_div():
    for w in (1, 2, 4, 8):
        m, s, b = M(w), SB(w), 8 * w
        for k, (n, d) in enumerate([(100, 7), (0, 3), ((m << b) | m, m), (m, 1), (7, 0),
                                    (m + 1, 1), (((m - 1) << b) | m, m), (1 << b, 2),
                                    (0x1234_5678_9ABC_DEF0_0FED_CBA9_8765_4321 % (m << b),
                                     0x3C5A_A5C3_1F2E_3D4C & m | 1)]):
            n &= (1 << (2 * b)) - 1
            add(div_vec("div", w, n, d, ARITH if k & 1 else 0))
        tw = (1 << (2 * b))
        for k, (n, d) in enumerate([(100, 7), (tw - 100, 7), (100, m - 6), (tw - 100, m - 6),
                                    (tw - s, m), (tw - (s << 1), 2), (tw - s * s, s),
                                    (s - 1, 1), (s, 1), (tw - 1, 1), (5, 0), (tw - s, 1),
                                    (s * (s - 1), s - 1), ((s - 1) * (s - 1) + s - 2, s - 1)]):
            add(div_vec("idiv", w, n % tw, d & m, ARITH if k & 1 else 0))
        add(div_vec("div", w, 1000 % (1 << b), 10, 0, "mem"))
        add(div_vec("idiv", w, (tw - 1000 % s) % tw, 10, ARITH, "mem"))
        add(div_vec("div", w, 5, 0, 0, "mem"))


# ---------------------------------------------------------------------------------------------
# BT BTS BTR BTC, BSF BSR TZCNT LZCNT POPCNT, ANDN BEXTR BLSI BLSMSK BLSR


def bt_apply(op, v, bit):
    return {"bt": v, "bts": v | (1 << bit), "btr": v & ~(1 << bit), "btc": v ^ (1 << bit)}[op]


def gen_bt():
    for op in ("bt", "bts", "btr", "btc"):
        for w in (2, 4, 8):
            b = 8 * w
            val = 0x8421_0F0F_3C3C_A5A5 & M(w)
            for k, off in enumerate((0, 3, b - 1, b, b + 5, 0x7FFF_FFFF_FFFF_FFF1 & M(w))):
                fin = ARITH if k & 1 else 0
                bit = off % b
                res = bt_apply(op, val, bit)
                cf = (val >> bit) & 1
                fout = (fin & ~CF) | cf
                rin = {0: fill(val, w), 1: fill(off, w, ~HI)}
                rout = {0: wr(rin[0], res, w)} if op != "bt" else {}
                # BT: CF defined, ZF unaffected; OF SF AF PF undefined (model: unchanged)
                add(V("bit", f"{op} {NAMES[w][0]}, {NAMES[w][1]}", rin=rin, fin=fin,
                      fout=fout, fdef=CF | ZF, fpin=OF | SF | AF | PF, rout=rout))
                if off < 256:
                    add(V("bit", f"{op} {NAMES[w][0]}, {off}", rin={0: rin[0]}, fin=fin,
                          fout=fout, fdef=CF | ZF, fpin=OF | SF | AF | PF, rout=rout))
            # memory with a register offset: the bit string extends past the operand
            # (window bytes 0..31, RDI = window + 16; offsets -128 .. +127 bits)
            for k, off in enumerate((5, b + 3, -1, -b, -(b + 7), 120, -128)):
                mem = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210,
                       0x8421_0F0F_3C3C_A5A5, 0x5A5A_C3C3_F0F0_1248]
                byte = 16 + off // 8  # the bit's byte in the window (Python floors)
                bitpos = byte * 8 + off % 8
                cf = (mem[bitpos // 64] >> (bitpos % 64)) & 1
                mout = list(mem)
                if op != "bt":
                    mout[bitpos // 64] = bt_apply(op, mem[bitpos // 64], bitpos % 64)
                fin = ARITH if k & 1 else 0
                add(V("bit", f"{op} {PTR[w]} ptr [rdi], {NAMES[w][1]}",
                      rin={1: fill(off & M(w), w, ~HI)}, fin=fin, fout=(fin & ~CF) | cf,
                      fdef=CF | ZF, fpin=OF | SF | AF | PF, mem=mem, mout=mout))
            # memory with an immediate offset: modulo the operand size
            mem = [0, 0, 0x8000_0000_0000_0001, 0]
            for off in (0, b - 1, b + 1):
                bit = off % b
                v = mem[2] & M(w)
                mout = [0, 0, (mem[2] & ~M(w)) | bt_apply(op, v, bit), 0]
                add(V("bit", f"{op} {PTR[w]} ptr [rdi], {off}", fin=0, fout=(v >> bit) & 1,
                      fdef=CF | ZF, fpin=OF | SF | AF | PF, mem=mem, mout=mout))
        # LOCK with a memory destination is allowed on BTS/BTR/BTC, not on BT
        mem = [0, 0, 0xF0, 0]
        if op == "bt":
            add(V("bit", ".byte 0xf0, 0x0f, 0xa3, 0x0f", rin={1: 4}, fault=UD, mem=mem,
                  mout=mem, fdef=ARITH))
        else:
            mout = [0, 0, bt_apply(op, 0xF0, 4), 0]
            add(V("bit", f"lock {op} dword ptr [rdi], ecx", rin={1: 4}, fout=CF, mem=mem,
                  mout=mout, fdef=CF | ZF, fpin=OF | SF | AF | PF))


def gen_scan():
    for op in ("bsf", "bsr", "tzcnt", "lzcnt", "popcnt"):
        for w in (2, 4, 8):
            b = 8 * w
            for k, v in enumerate((0, 1, SB(w), M(w), 0x0008_1000_0000_0400 & M(w) | 0x400,
                                   0x6 << (b - 4))):
                fin = ARITH if k & 1 else 0
                rin = {0: fill(0x1234, w, HI), 1: fill(v, w, ~HI)}
                rout, rundef, fdef, fpin = {}, 0, ARITH, 0
                if op in ("bsf", "bsr"):
                    # ZF defined; CF OF SF AF PF undefined (model: unchanged); a zero source
                    # leaves the destination undefined (model: unchanged, not written)
                    fout = (fin & ~ZF) | (ZF if v == 0 else 0)
                    fdef, fpin = ZF, ARITH & ~ZF
                    if v:
                        r = (v & -v).bit_length() - 1 if op == "bsf" else v.bit_length() - 1
                        rout = {0: wr(rin[0], r, w)}
                    else:
                        rundef = 1
                elif op in ("tzcnt", "lzcnt"):
                    r = b if v == 0 else ((v & -v).bit_length() - 1 if op == "tzcnt"
                                          else b - v.bit_length())
                    fout = (fin & ~(CF | ZF)) | (CF if v == 0 else 0) | (ZF if r == 0 else 0)
                    fdef, fpin = CF | ZF, ARITH & ~(CF | ZF)
                    rout = {0: wr(rin[0], r, w)}
                else:
                    r = bin(v).count("1")
                    fout = ZF if v == 0 else 0
                    rout = {0: wr(rin[0], r, w)}
                add(V("bit", f"{op} {NAMES[w][0]}, {NAMES[w][1]}", rin=rin, fin=fin,
                      fout=fout, fdef=fdef, fpin=fpin, rout=rout, rundef=rundef))
        # memory source
        w = 4
        v = 0x0001_0000
        r = {"bsf": 16, "bsr": 16, "tzcnt": 16, "lzcnt": 15, "popcnt": 1}[op]
        fout = {"bsf": 0, "bsr": 0, "tzcnt": 0, "lzcnt": 0, "popcnt": 0}[op]
        fdef = {"bsf": ZF, "bsr": ZF, "tzcnt": CF | ZF, "lzcnt": CF | ZF, "popcnt": ARITH}[op]
        add(V("bit", f"{op} eax, dword ptr [rdi]", rin={0: HI}, fin=0, fout=fout, fdef=fdef,
              fpin=ARITH & ~fdef, mem=[0, 0, v, 0], mout=[0, 0, v, 0], rout={0: r}))


def gen_bmi():
    for w in (4, 8):
        m, b = M(w), 8 * w
        vals = (0, 1, SB(w), m, 0x0F0F_00F0_1234_5670 & m, 0x8000_0001 & m)
        for k, a in enumerate(vals):
            bb = vals[(k + 3) % len(vals)]
            fin = ARITH if k & 1 else 0
            # ANDN: SF ZF from result, OF = CF = 0; AF PF undefined (model: PF from result,
            # AF = 0)
            res = ~a & bb & m
            add(V("bit", f"andn {NAMES[w][0]}, {NAMES[w][1]}, {NAMES[w][2]}",
                  rin={0: HI, 1: fill(a, w), 2: fill(bb, w, ~HI)}, fin=fin,
                  fout=szp(res, w), fdef=SF | ZF | OF | CF, fpin=AF | PF,
                  rout={0: res}))
            for op in ("blsi", "blsmsk", "blsr"):
                if op == "blsi":
                    res, cf = (-a) & a & m, a != 0
                elif op == "blsmsk":
                    res, cf = ((a - 1) ^ a) & m, a == 0
                else:
                    res, cf = (a - 1) & a & m, a == 0
                f = szp(res, w) | (CF if cf else 0)
                add(V("bit", f"{op} {NAMES[w][0]}, {NAMES[w][1]}", rin={0: HI, 1: fill(a, w)},
                      fin=fin, fout=f, fdef=SF | ZF | CF | OF, fpin=AF | PF, rout={0: res}))
        src = 0xFEDC_BA98_7654_3210 & m
        for k, (start, ln) in enumerate(((0, 8), (4, 12), (b - 4, 8), (b, 4), (200, 4),
                                        (0, 0), (0, b), (8, 200), (0, 255), (3, 1))):
            res = 0 if start >= b else (src >> start)
            res &= (1 << ln) - 1
            res &= m
            fin = ARITH if k & 1 else 0
            # BEXTR: ZF from result, CF = OF = 0; AF SF PF undefined (model: SF PF from
            # result, AF = 0)
            add(V("bit", f"bextr {NAMES[w][0]}, {NAMES[w][1]}, {NAMES[w][2]}",
                  rin={0: HI, 1: fill(src, w), 2: fill(start | (ln << 8), 2)},
                  fin=fin, fout=szp(res, w), fdef=ZF | CF | OF, fpin=AF | SF | PF,
                  rout={0: res}))


def gen_bmi_mem():
    """BMI1 forms with a memory source."""
    v = 0x0000_0F00_0000_00A0
    mem = [0, 0, v, 0]
    res = ~0x0000_0FF0 & v & M(4)
    add(V("bit", "andn eax, ecx, dword ptr [rdi]", rin={0: HI, 1: 0x0000_0FF0}, fin=ARITH,
          fout=szp(res, 4), fdef=SF | ZF | OF | CF, fpin=AF | PF, mem=mem, mout=mem,
          rout={0: res}))
    res = (v - 1) & v
    add(V("bit", "blsr rax, qword ptr [rdi]", rin={0: HI}, fin=ARITH, fout=szp(res, 8),
          fdef=SF | ZF | OF | CF, fpin=AF | PF, mem=mem, mout=mem, rout={0: res}))
    res = (v >> 4) & 0xF
    add(V("bit", "bextr eax, dword ptr [rdi], edx", rin={0: HI, 2: 0x0404}, fin=ARITH,
          fout=szp(res, 4), fdef=ZF | CF | OF, fpin=AF | SF | PF, mem=mem, mout=mem,
          rout={0: res}))


# ---------------------------------------------------------------------------------------------
# XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B


def gen_xchg():
    for w in (1, 2, 4, 8):
        m, s = M(w), SB(w)
        for k, (a, b) in enumerate(((1, 2), (m, 1), (s - 1, 1), (s, s))):
            fin = ARITH if k & 1 else 0
            res, f, _, _ = arith("add", a, b, 0, w)
            rin = {3: fill(a, w), 1: fill(b, w, ~HI)}
            add(V("bit", f"xadd {NAMES[w][3]}, {NAMES[w][1]}", rin=rin, fin=fin, fout=f,
                  rout={3: wr(rin[3], res, w), 1: wr(rin[1], a, w)}))
        # same register twice: DEST is written last
        res, f, _, _ = arith("add", 0x41, 0x41, 0, w)
        rin = {3: fill(0x41, w)}
        add(V("bit", f"xadd {NAMES[w][3]}, {NAMES[w][3]}", rin=rin, fout=f,
              rout={3: wr(rin[3], res, w)}))
        # memory
        mem = [0, 0, fill(s, w, 0x9999_9999_9999_9999), 0]
        res, f, _, _ = arith("add", s, 5, 0, w)
        add(V("bit", f"lock xadd {PTR[w]} ptr [rdi], {NAMES[w][1]}", rin={1: fill(5, w)},
              fout=f, mem=mem, mout=[0, 0, (mem[2] & ~m) | res, 0],
              rout={1: wr(fill(5, w), s, w)}))
        # CMPXCHG: equal and not equal, register and memory destinations
        for k, (acc, d) in enumerate(((7, 7), (7, 9), (s, s), (0, m), (m, 0))):
            fin = ARITH if k & 1 else 0
            _, f, _, _ = arith("cmp", acc, d, 0, w)
            rin = {0: fill(acc, w), 3: fill(d, w, ~HI), 1: fill(0x5A, w)}
            # a register destination is not written when the comparison fails (hardware;
            # the SDM's pseudo-code would write it back and zero-extend a 32-bit one)
            if acc == d:
                rout = {3: wr(rin[3], 0x5A, w)}
            else:
                rout = {0: wr(rin[0], d, w)}
            add(V("bit", f"cmpxchg {NAMES[w][3]}, {NAMES[w][1]}", rin=rin, fin=fin, fout=f,
                  rout=rout))
            mem = [0, 0, fill(d, w, 0x3C3C_3C3C_3C3C_3C3C), 0]
            mout = list(mem)
            rin = {0: fill(acc, w), 1: fill(0x5A, w)}
            if acc == d:
                mout[2] = (mem[2] & ~m) | 0x5A
                rout = {}
            else:
                rout = {0: wr(rin[0], d, w)}
            add(V("bit", f"lock cmpxchg {PTR[w]} ptr [rdi], {NAMES[w][1]}", rin=rin, fin=fin,
                  fout=f, mem=mem, mout=mout, rout=rout))
    # CMPXCHG8B / CMPXCHG16B: only ZF changes
    for w, text in ((4, "cmpxchg8b qword ptr [rdi]"), (8, "cmpxchg16b xmmword ptr [rdi]")):
        m = M(w)
        for k, eq in enumerate((True, False, True, False)):
            lo, hi = 0x1111_2222_3333_4444 & m, 0x5555_6666_7777_8888 & m
            if w == 4:
                mem = [0, 0, lo | (hi << 32), 0xABCD]
            else:
                mem = [0, 0, lo, hi]
            rin = {0: fill(lo if eq else lo ^ (1 << (k * 7)), w),
                   2: fill(hi if eq or k == 1 else hi ^ 1, w),
                   3: fill(0xB0B0_B0B0_B0B0_B0B0 & m, w, ~HI),
                   1: fill(0xC1C1_C1C1_C1C1_C1C1 & m, w, ~HI)}
            fin = ARITH if k & 1 else 0
            mout = list(mem)
            if eq:
                if w == 4:
                    mout[2] = (rin[3] & m) | ((rin[1] & m) << 32)
                else:
                    mout[2], mout[3] = rin[3], rin[1]
                rout = {}
            else:
                rout = {0: wr(rin[0], lo, w), 2: wr(rin[2], hi, w)}
            lock = "lock " if k >= 2 else ""
            add(V("bit", lock + text, rin=rin, fin=fin, fout=(fin & ~ZF) | (ZF if eq else 0),
                  mem=mem, mout=mout, rout=rout))
    # CMPXCHG16B on an address that is not 16-byte aligned: #GP(0)
    mem = [0, 0, 0, 0]
    add(V("bit", "cmpxchg16b xmmword ptr [rdi+8]", mem=mem, mout=mem, fault=GP))
    # LOCK on a register destination is #UD (Zydis rejects it; so does the host)
    add(V("bit", ".byte 0xf0, 0x0f, 0xc1, 0xc8", rin={0: 1, 1: 2}, fault=UD))
    add(V("shift", ".byte 0xf0, 0xd1, 0x27", mem=mem, mout=mem, fault=UD))
    add(V("muldiv", ".byte 0xf0, 0xf7, 0x37", rin={0: 9}, mem=[0, 0, 3, 0], mout=[0, 0, 3, 0],
          fault=UD))


# ---------------------------------------------------------------------------------------------
# assembly, output


def assemble(vecs):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "v.s")
        obj = os.path.join(d, "v.o")
        with open(src, "w") as f:
            f.write(".intel_syntax noprefix\n")
            for k, v in enumerate(vecs):
                f.write(f"v{k}:\n {v.text}\n")
            f.write(f"v{len(vecs)}:\n")
        subprocess.run(["as", "--64", "-o", obj, src], check=True)
        syms = subprocess.run(["nm", "-n", obj], check=True, capture_output=True,
                              text=True).stdout
        addr = {}
        for line in syms.splitlines():
            a, _, name = line.split()
            addr[name] = int(a, 16)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj,
                        os.path.join(d, "v.bin")], check=True)
        data = open(os.path.join(d, "v.bin"), "rb").read()
    for k, v in enumerate(vecs):
        v.code = data[addr[f"v{k}"]:addr[f"v{k + 1}"]]
        assert 0 < len(v.code) <= 15, v.text


def c_u64(x):
    return f"0x{x & M(8):x}"


def regs(vals):
    return "{" + ", ".join(f"[{k}] = {c_u64(x)}" for k, x in sorted(vals.items()) if x) + "}"


def emit(v):
    code = ", ".join(f"0x{b:02x}" for b in v.code)
    parts = [f'"{v.text}"', f".len = {len(v.code)}", f".code = {{{code}}}"]
    if any(v.rin.values()):
        parts.append(".rin = " + regs(v.rin))
    if v.rout:
        parts.append(f".rset = 0x{sum(1 << k for k in v.rout):x}")
        if any(v.rout.values()):
            parts.append(".rout = " + regs(v.rout))
    if v.rundef:
        parts.append(f".rundef = 0x{v.rundef:x}")
    parts.append(f".fin = 0x{v.fin:x}, .fout = 0x{v.fout & ARITH:x}")
    parts.append(f".fdef = 0x{v.fdef:x}")
    if v.fpin:
        parts.append(f".fpin = 0x{v.fpin:x}")
    if v.mem is not None:
        parts.append(".mem = 1, .min = " + regs(dict(enumerate(v.mem))))
        parts.append(".mout = " + regs(dict(enumerate(v.mout))))
    if v.fault is not None:
        parts.append(f".fault = {v.fault + 1}")
    if v.bug:
        parts.append(f'.bug = "{v.bug}"')
    return "{" + ", ".join(parts) + "},\n"


def main():
    gen_binop()
    gen_unary()
    gen_alu_lock()
    gen_shift()
    gen_dshift()
    gen_mul()
    gen_div()
    gen_bt()
    gen_scan()
    gen_bmi()
    gen_bmi_mem()
    gen_xchg()
    for v in VECS:
        if v.fault is not None:
            v.rout, v.fout, v.fdef, v.fpin = {}, v.fin, ARITH, 0
            if v.mem is not None:
                v.mout = list(v.mem)
    assemble(VECS)
    here = os.path.dirname(os.path.abspath(__file__))
    for group in ("alu", "shift", "muldiv", "bit"):
        path = os.path.join(here, f"alu_vectors_{group}.inc")
        with open(path, "w") as f:
            f.write("/* SPDX-License-Identifier: MIT */\n")
            f.write(f"/* Generated by alu_vectors_gen.py: do not edit.  Group \"{group}\". */\n")
            for v in VECS:
                if v.group == group:
                    f.write(emit(v))
    print(f"{len(VECS)} vectors", file=sys.stderr)


if __name__ == "__main__":
    main()
