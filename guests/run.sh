#!/bin/sh
# Runs one guest for ctest:
#   run.sh VMXSGX GUEST.elf EXPECTED_STATUS [--grep PATTERN]... [--check PROGRAM] -- [run options]
# Passes when `vmxsgx run --bare` (or, with VX_RUN_MODE=hv, `vmxsgx run` under the L0
# hypervisor) exits with EXPECTED_STATUS, every PATTERN (grep -E) matches a line of the
# guest's console output, and PROGRAM (if given) accepts that output on stdin.
set -u
vx=$1 elf=$2 expect=$3
shift 3
greps=
check=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    --grep) greps="$greps
$2"; shift 2 ;;
    --check) check=$2; shift 2 ;;
    *) echo "run.sh: unknown option $1"; exit 2 ;;
  esac
done
[ $# -gt 0 ] && shift
name=$(basename "$elf")
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
mode=--bare
[ "${VX_RUN_MODE:-bare}" = hv ] && mode=
# shellcheck disable=SC2086
"$vx" run $mode "$@" "$elf" >"$out"
st=$?
cat "$out"
if [ "$st" != "$expect" ]; then
  echo "guest $name: exit status $st, expected $expect"
  exit 1
fi
echo "$greps" | while IFS= read -r pat; do
  [ -z "$pat" ] && continue
  if ! grep -Eq -- "$pat" "$out"; then
    echo "guest $name: no output line matches '$pat'"
    exit 1
  fi
done || exit 1
if [ -n "$check" ] && ! "$check" <"$out"; then
  echo "guest $name: output rejected by $(basename "$check")"
  exit 1
fi
exit 0
