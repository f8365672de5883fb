#!/bin/sh
# Runs one exit guest under the L0 hypervisor and checks its JSON Lines trace (DESIGN.md
# section 5) against an assertion file:
#
#   check_trace.sh VMXSGX GUEST.elf GUEST.expect [NM [ARG...]]
#
# (ARG...: more `vmxsgx run` arguments, after those of the assertion file.)
# Assertion file, one directive per line ('#' starts a comment line; `# KNOWN: ...` lines
# document an assertion left out because of a known bug, see KNOWN_ISSUES.md):
#
#   status N                 expected exit status of `vmxsgx run` (default 0)
#   args ARG...              extra `vmxsgx run` arguments (word-split by sh)
#   EV FIELD=VALUE... [count=N | count>=N | count<=N]
#       The number of trace records with "ev":"EV" whose fields all match (default
#       count>=1).  VALUE forms:
#         0x1f               hex: compared with a "0x..." field ignoring case and leading zeros
#         @sym, @sym+N       the address of an ELF symbol (nm), plus N (decimal or 0x hex)
#         @a..@b             an address in [a, b): rip within a symbol range
#         anything else      compared as text with the field (strings unquoted, numbers,
#                            true/false)
#       FIELD&MASK=VALUE (hex MASK and VALUE) compares only the bits in MASK.
#
# Exit status 0 when the run ended with the expected status and every assertion held.  Only
# POSIX sh and awk are used (hex arithmetic by hand: POSIX awk has no hex input or bitwise
# operators; addresses stay below 2^53 so they are exact as awk numbers).
set -u
vx=$1 elf=$2 expect=$3 nm=${4:-nm}
[ $# -ge 4 ] && shift 4 || shift $#
name=$(basename "$elf" .elf)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

status=$(awk '$1 == "status" { print $2 }' "$expect" | tail -n 1)
[ -n "$status" ] || status=0
args=$(awk '$1 == "args" { $1 = ""; print }' "$expect" | tr '\n' ' ')

# shellcheck disable=SC2086
"$vx" run --trace "$tmp/trace.jsonl" $args "$@" "$elf" >"$tmp/out" 2>&1
st=$?
cat "$tmp/out"
if [ "$st" != "$status" ]; then
	echo "exit guest $name: exit status $st, expected $status"
	exit 1
fi
if ! "$nm" "$elf" >"$tmp/syms"; then
	echo "exit guest $name: $nm failed"
	exit 1
fi

awk -v name="$name" '
function hexnorm(s) {
	s = tolower(s)
	sub(/^0x/, "", s)
	sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
function hexnum(s,    n, i) {
	s = hexnorm(s)
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function nibble_and(a, b,    r, bit) {
	r = 0
	for (bit = 8; bit >= 1; bit /= 2) {
		if (a >= bit && b >= bit)
			r += bit
		if (a >= bit)
			a -= bit
		if (b >= bit)
			b -= bit
	}
	return r
}
function hexand(a, b,    r, i, la, lb, x, y) {
	a = hexnorm(a); b = hexnorm(b); r = ""
	la = length(a); lb = length(b)
	for (i = 0; i < la || i < lb; i++) {
		x = i < la ? index("0123456789abcdef", substr(a, la - i, 1)) - 1 : 0
		y = i < lb ? index("0123456789abcdef", substr(b, lb - i, 1)) - 1 : 0
		r = substr("0123456789abcdef", nibble_and(x, y) + 1, 1) r
	}
	return hexnorm(r)
}
# Value of "key" in a flat JSON object; "\001" when absent.
function jget(line, key,    i, rest) {
	i = index(line, "\"" key "\":")
	if (!i)
		return "\001"
	rest = substr(line, i + length(key) + 3)
	if (substr(rest, 1, 1) == "\"") {
		rest = substr(rest, 2)
		return substr(rest, 1, index(rest, "\"") - 1)
	}
	match(rest, /^[^,}]*/)
	return substr(rest, 1, RLENGTH)
}
# An address operand: @sym or @sym+N; -1 when the symbol is unknown.
function addr(s,    base, off, p) {
	sub(/^@/, "", s)
	off = 0
	p = index(s, "+")
	if (p) {
		off = substr(s, p + 1)
		off = off ~ /^0[xX]/ ? hexnum(off) : off + 0
		s = substr(s, 1, p - 1)
	}
	if (!(s in sym)) {
		if (!(s in unknown))
			printf "exit guest %s: unknown symbol %s\n", name, s
		unknown[s] = 1
		bad = 1
		return -1
	}
	return hexnum(sym[s]) + off
}
function value_ok(v, want,    p, lo, hi) {
	if (v == "\001")
		return 0
	if (want ~ /^@/) {
		p = index(want, "..")
		if (!p)
			return hexnum(v) == addr(want)
		lo = addr(substr(want, 1, p - 1)); hi = addr(substr(want, p + 2))
		return hexnum(v) >= lo && hexnum(v) < hi
	}
	if (want ~ /^0[xX]/)
		return v ~ /^0[xX]/ && hexnorm(v) == hexnorm(want)
	return v == want
}
FILENAME == ARGV[1] { sym[$3] = $1; next }
FILENAME == ARGV[2] {
	sub(/^[ \t]+/, "")
	if ($0 == "" || $0 ~ /^#/ || $1 == "status" || $1 == "args")
		next
	n++
	text[n] = $0; ev[n] = $1; op[n] = ">="; want[n] = 1; nf[n] = 0
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^count(>=|<=|=)[0-9]+$/) {
			match($i, /(>=|<=|=)/)
			op[n] = substr($i, RSTART, RLENGTH); want[n] = substr($i, RSTART + RLENGTH) + 0
			continue
		}
		p = index($i, "=")
		if (!p) {
			printf "exit guest %s: bad assertion field \"%s\" in: %s\n", name, $i, $0
			bad = 1
			continue
		}
		k = substr($i, 1, p - 1); nf[n]++
		fmask[n, nf[n]] = ""
		if (index(k, "&")) {
			fmask[n, nf[n]] = substr(k, index(k, "&") + 1)
			k = substr(k, 1, index(k, "&") - 1)
		}
		fkey[n, nf[n]] = k; fval[n, nf[n]] = substr($i, p + 1)
	}
	next
}
{
	e = jget($0, "ev")
	for (a = 1; a <= n; a++) {
		if (ev[a] != e)
			continue
		ok = 1
		for (f = 1; f <= nf[a] && ok; f++) {
			v = jget($0, fkey[a, f])
			if (fmask[a, f] != "")
				ok = v != "\001" && hexand(v, fmask[a, f]) == hexnorm(fval[a, f])
			else
				ok = value_ok(v, fval[a, f])
		}
		if (ok)
			got[a]++
	}
	if (e == "vmexit")
		exits++
}
END {
	for (a = 1; a <= n; a++) {
		c = got[a] + 0
		pass = op[a] == "=" ? c == want[a] : op[a] == ">=" ? c >= want[a] : c <= want[a]
		if (!pass) {
			printf "exit guest %s: FAIL (%d matching records): %s\n", name, c, text[a]
			bad = 1
		}
	}
	printf "exit guest %s: %d assertions over %d VM exits: %s\n", name, n, exits,
	       bad ? "FAILED" : "ok"
	exit bad
}' "$tmp/syms" "$expect" "$tmp/trace.jsonl"
