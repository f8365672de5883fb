#!/bin/sh
# Differential check of nested VMX: guests/tests/vmx_fuzz.c (an L1 that VMLAUNCHes damaged
# VMCSs) with several pseudo-random sequences, on the processor alone (its own VMX) and under
# L0 (nested VMX): every round must end the same way and the runs with the same status.
# Usage: vmx_fuzz_diff.sh VMXSGX VMX_FUZZ.elf [SEEDS...]
set -u
vx=$1 elf=$2
shift 2
seeds=${*:-"1 2 3 5 8 12 15 21"}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
for s in $seeds; do
  "$vx" run --bare --guest-args "v $s" "$elf" >"$tmp/bare" 2>&1
  b=$?
  "$vx" run --guest-args "v $s" "$elf" >"$tmp/nested" 2>&1
  n=$?
  grep '^round:' "$tmp/bare" >"$tmp/b"
  grep '^round:' "$tmp/nested" >"$tmp/n"
  if [ "$b" != "$n" ] || ! cmp -s "$tmp/b" "$tmp/n" || ! grep -q "^PASS: VMXON" "$tmp/bare"; then
    echo "FAIL: seed $s: bare status $b, nested status $n"
    diff "$tmp/b" "$tmp/n" | head -5
    tail -n 1 "$tmp/nested"
    fail=1
  else
    echo "ok: seed $s: status $b, $(wc -l <"$tmp/b") rounds alike"
  fi
done
exit $fail
