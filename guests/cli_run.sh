#!/bin/sh
# `vmxsgx run` command line (DESIGN.md section 6): exit statuses, one-line errors, options of
# later issues refused as "not available yet", the trace file.  Usage: cli_run.sh VMXSGX HELLO.elf
set -u
vx=$1 hello=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect STATUS STDERR-PATTERN -- ARGS...
  want=$1 pat=$2
  shift 3
  "$vx" run "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: vmxsgx run $*: status $got, expected $want"; cat "$tmp/err"; fail=1; return
  fi
  if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
    echo "FAIL: vmxsgx run $*: stderr lacks '$pat':"; cat "$tmp/err"; fail=1; return
  fi
  if [ "$want" != 0 ] && [ -n "$pat" ] && [ "$(wc -l <"$tmp/err")" -gt 1 ]; then
    echo "FAIL: vmxsgx run $*: more than one line on stderr:"; cat "$tmp/err"; fail=1
  fi
}
expect 2 "not available yet" -- "$hello"
expect 2 "missing GUEST.elf" -- --bare
expect 2 "unknown option '--bogus'" -- --bare --bogus "$hello"
expect 2 "more than one guest" -- --bare "$hello" "$hello"
expect 2 "needs a value" -- --bare "$hello" --mem
expect 2 "not a size" -- --bare --mem lots "$hello"
expect 2 "from 4M to 3G" -- --bare --mem 1M "$hello"
expect 2 "not a positive number" -- --bare --max-insns -5 "$hello"
expect 2 "not a positive number" -- --bare --max-insns 0 "$hello"
expect 2 "unknown profile 'nope'" -- --bare --cpu nope "$hello"
expect 2 "not available yet" -- --bare --l1 builtin "$hello"
expect 2 "not available yet" -- --bare --sgx sgx1 "$hello"
expect 2 "not available yet" -- --bare --epc 64M "$hello"
expect 2 "not available yet" -- --bare --stats "$hello"
expect 2 "not available yet" -- --bare --trace-format chrome "$hello"
expect 2 "off|sgx1|sgx2" -- --bare --sgx maybe "$hello"
expect 1 "No such file" -- --bare "$tmp/missing.elf"
printf 'not an elf at all' >"$tmp/junk.elf"
expect 1 "bad magic" -- --bare "$tmp/junk.elf"
head -c 100 "$hello" >"$tmp/short.elf"
expect 1 "outside the file" -- --bare "$tmp/short.elf"
expect 0 "" -- --bare --sgx off --sgx-lc off --trace-format jsonl --cpu default "$hello"
grep -q "^SUMMARY: " "$tmp/out" || { echo "FAIL: no guest output on stdout"; fail=1; }
expect 124 "instruction budget exhausted" -- --bare --max-insns 100 "$hello"
expect 0 "" -- --bare --trace "$tmp/trace.jsonl" --mem=8M "$hello"
if ! grep -q '^{"t":[0-9]*,"cpu":0,"lvl":"L1","ev":"io",' "$tmp/trace.jsonl" ||
   ! tail -n 1 "$tmp/trace.jsonl" | grep -q '"ev":"exit","status":0,"reason":"exit_port"'; then
  echo "FAIL: --trace FILE: unexpected records"; head -3 "$tmp/trace.jsonl"; fail=1
fi
# With the trace on stdout, stdout holds only JSON Lines and the console goes to stderr.
"$vx" run --bare --trace - "$hello" >"$tmp/out" 2>"$tmp/err"
if grep -qv '^{' "$tmp/out" || ! grep -q "^SUMMARY" "$tmp/err"; then
  echo "FAIL: --trace -: stdout is not pure JSON Lines"; fail=1
fi
[ $fail = 0 ] && echo "cli run: ok"
exit $fail
