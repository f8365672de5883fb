#!/bin/sh
# CLI contract: bad input gives one clear line on stderr and a non-zero status, never a crash
# (a crash shows as status >= 128).
set -u
vx=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect STATUS PATTERN -- ARGS...
  want=$1; pat=$2; shift 3
  "$vx" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: vmxsgx $*: status $got, expected $want"; cat "$tmp/err"; fail=1; return
  fi
  if ! grep -q -- "$pat" "$tmp/err"; then
    echo "FAIL: vmxsgx $*: stderr lacks '$pat':"; cat "$tmp/err"; fail=1
  fi
}
expect 2 "unknown command" -- bogus
expect 2 "missing KIND" -- decode
expect 2 "unknown KIND" -- decode nonsense 1
expect 1 "not a number" -- decode exit-reason zz
expect 1 "does not fit" -- decode exit-reason 0x100000000
expect 2 "needs --reason" -- decode qualification 0x10
expect 2 "needs one of" -- decode controls 0x10
expect 1 "not a VM-instruction error" -- decode insn-error 14
expect 1 "No such file" -- decode dump-vmcs "$tmp/missing.txt"
printf 'a\0b' >"$tmp/bin"
expect 1 "binary data" -- decode dump-vmcs "$tmp/bin"
expect 1 "kvm-trace" -- decode dump-vmcs "$(dirname "$0")/../data/samples/kvm_exit_02.txt"
expect 1 "no kvm trace events" -- decode kvm-trace "$(dirname "$0")/../data/samples/dump_vmcs_02.txt"
[ $fail = 0 ] && echo "cli errors: ok"
exit $fail
