#!/bin/sh
# Golden test: runs `vmxsgx ARGS` where ARGS is the content of NAME.cmd (relative paths are
# resolved from tests/), and compares stdout with NAME.out and the exit status with
# NAME.status (0 when absent).  Set GOLDEN_UPDATE=1 to rewrite NAME.out.
set -u
vmxsgx=$1
cmd=$2
dir=$(dirname "$cmd")
name=$(basename "$cmd" .cmd)
cd "$dir/.." || exit 2
args=$(cat "$cmd")
want_status=0
[ -f "golden/$name.status" ] && want_status=$(cat "golden/$name.status")
actual=$(mktemp)
# shellcheck disable=SC2086
"$vmxsgx" $args >"$actual" 2>/dev/null
status=$?
if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
  cp "$actual" "golden/$name.out"
  echo "$status" >"golden/$name.status"
  [ "$status" = 0 ] && rm -f "golden/$name.status"
fi
rc=0
if [ "$status" != "$want_status" ]; then
  echo "golden $name: exit status $status, expected $want_status"
  rc=1
fi
if ! diff -u "golden/$name.out" "$actual"; then
  echo "golden $name: output differs from golden/$name.out"
  rc=1
fi
rm -f "$actual"
exit $rc
