#!/bin/sh
# `vmxsgx run` command line (DESIGN.md section 6): exit statuses, one-line errors, options of
# --l1 (the built-in L1 hypervisor, bare and under L0), the trace in its three formats, --trace-events,
# --stats.  Usage: cli_run.sh VMXSGX HELLO.elf
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
expect 0 "" -- "$hello"
expect 2 "applies to runs under the L0" -- --bare --hide rdrand "$hello"
expect 2 "unknown feature 'foo'" -- --hide foo "$hello"
expect 2 "missing GUEST.elf" -- --bare
expect 2 "unknown option '--bogus'" -- --bare --bogus "$hello"
expect 2 "more than one guest" -- --bare "$hello" "$hello"
expect 2 "needs a value" -- --bare "$hello" --mem
expect 2 "not a size" -- --bare --mem lots "$hello"
expect 2 "from 4M to 3G" -- --bare --mem 1M "$hello"
expect 2 "not a positive number" -- --bare --max-insns -5 "$hello"
expect 2 "not a positive number" -- --bare --max-insns 0 "$hello"
expect 2 "unknown profile 'nope'" -- --bare --cpu nope "$hello"
expect 0 "" -- --bare --l1 builtin --l1-args quiet "$hello"
grep -q "^SUMMARY: 2 tests, 0 unexpected" "$tmp/out" || { echo "FAIL: --bare --l1: no L2 output"; fail=1; }
expect 0 "" -- --l1 builtin --vmcs-shadowing off "$hello"
expect 1 "No such file" -- --l1 "$tmp/missing-l1.elf" "$hello"
expect 0 "" -- --l1 "$(dirname "$hello")/../l1.elf" --l1-args quiet --guest-args x "$hello"
grep -q "^SUMMARY: 2 tests, 0 unexpected" "$tmp/out" || { echo "FAIL: --l1 FILE: no L2 output"; fail=1; }
expect 2 "takes on|off" -- --vmcs-shadowing maybe "$hello"
expect 2 "--l1 needs a value" -- "$hello" --l1
expect 0 "" -- --bare --sgx sgx1 "$hello"
expect 0 "" -- --bare --sgx sgx2 --sgx-lc on --epc 64M "$hello"
expect 2 "multiple of 4K up to 256M" -- --bare --sgx sgx2 --epc 300M "$hello"
expect 2 "multiple of 4K up to 256M" -- --bare --epc 5000 "$hello"
expect 2 "does not have the SGX" -- --bare --cpu icx-nosgx --sgx sgx1 "$hello"
expect 0 "" -- --sgx sgx1 "$hello"
expect 2 "does not have the SGX" -- --cpu icx-nosgx --sgx sgx2 "$hello"
expect 2 "unknown trace format 'yaml' (jsonl|text|chrome)" -- --bare --trace-format yaml "$hello"
expect 2 "needs a value" -- --bare "$hello" --trace-format
expect 2 "unknown event 'bogus' (known: all, vmentry" -- --bare --trace-events io,bogus "$hello"
expect 2 "unknown event ''" -- --bare --trace-events "io,,exit" "$hello"
expect 2 "off|sgx1|sgx2" -- --bare --sgx maybe "$hello"
expect 1 "No such file" -- --bare "$tmp/missing.elf"
printf 'not an elf at all' >"$tmp/junk.elf"
expect 1 "bad magic" -- --bare "$tmp/junk.elf"
expect 1 "" -- --l1 builtin "$tmp/junk.elf"
grep -q "^L1: the L2 image is not an x86-64 ELF file" "$tmp/out" ||
  { echo "FAIL: --l1 with a junk L2: no message from L1"; fail=1; }
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
# Console records: one per line, the guest's summary line among them.
if ! grep -q '"ev":"console","text":"SUMMARY: ' "$tmp/trace.jsonl"; then
  echo "FAIL: --trace FILE: no console record of the SUMMARY line"; fail=1
fi
# With the trace on stdout, stdout holds only JSON Lines and the console goes to stderr.
"$vx" run --bare --trace - "$hello" >"$tmp/out" 2>"$tmp/err"
if grep -qv '^{' "$tmp/out" || ! grep -q "^SUMMARY" "$tmp/err"; then
  echo "FAIL: --trace -: stdout is not pure JSON Lines"; fail=1
fi
# --trace-events: only the events asked for.
expect 0 "" -- --bare --trace "$tmp/ev.jsonl" --trace-events=console,exit "$hello"
if grep -v '"ev":"console"' "$tmp/ev.jsonl" | grep -qv '"ev":"exit"' ||
   ! grep -q '"ev":"exit"' "$tmp/ev.jsonl"; then
  echo "FAIL: --trace-events console,exit: other records or no exit"; head -3 "$tmp/ev.jsonl"; fail=1
fi
# Text: one aligned line per record, "t=N L1 event ...", the exit record last.
expect 0 "" -- --bare --trace "$tmp/trace.txt" --trace-format text "$hello"
if grep -qv '^t=[0-9]* *L1 [a-z_]' "$tmp/trace.txt" ||
   ! tail -n 1 "$tmp/trace.txt" | grep -q '^t=[0-9]* *L1 exit *exit_port status=0 rip=0x'; then
  echo "FAIL: --trace-format text: unexpected lines"; tail -3 "$tmp/trace.txt"; fail=1
fi
# Chrome: a JSON array (closed, also on stdout) of trace events with the same records.
expect 0 "" -- --bare --trace "$tmp/trace.json" --trace-format=chrome "$hello"
"$vx" run --bare --trace - --trace-format chrome --max-insns 100 "$hello" >"$tmp/early.json" 2>/dev/null
for f in "$tmp/trace.json" "$tmp/early.json"; do
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list) and d
assert all("ph" in e and "pid" in e for e in d), "not trace events"' "$f" ||
      { echo "FAIL: --trace-format chrome: $f is not a JSON array of trace events"; fail=1; }
  elif [ "$(head -c 1 "$f")" != "[" ] || [ "$(tail -n 1 "$f")" != "]" ]; then
    echo "FAIL: --trace-format chrome: $f is not a closed JSON array"; fail=1
  fi
done
grep -q '"name":"exit exit_port","cat":"exit","ph":"i"' "$tmp/trace.json" ||
  { echo "FAIL: --trace-format chrome: no exit event"; fail=1; }
# --stats: the library's table on stderr (no VM exits in bare mode, and a line saying why);
# the guest's output stays on stdout.
expect 0 "" -- --bare --stats "$hello"
if ! grep -q '^ *VM-EXIT *Samples *Samples%' "$tmp/err" ||
   ! grep -q '^Total Samples:0, L1:0, L2:0,' "$tmp/err" ||
   ! grep -q 'bare mode runs no hypervisor' "$tmp/err" || ! grep -q "^SUMMARY: " "$tmp/out"; then
  echo "FAIL: --stats: unexpected output"; cat "$tmp/err"; fail=1
fi
[ $fail = 0 ] && echo "cli run: ok"
exit $fail
