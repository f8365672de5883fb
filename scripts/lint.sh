#!/bin/sh
# make lint: (1) the include-direction rule of DESIGN.md section 1, (2) clang-format.
# Layers: arch <- lib <- cpu/vmx/sgx <- include/vx <- hv <- nested <- vm <- tools.
set -u
cd "$(dirname "$0")/.." || exit 2
fail=0

# allowed "dir/" prefixes of project includes, per source directory
allowed() {
  case $1 in
    src/arch)               echo "arch" ;;
    src/lib)                echo "arch lib" ;;
    src/cpu|src/vmx|src/sgx) echo "arch lib cpu vmx sgx vx" ;;
    include/vx)             echo "arch lib vx" ;;
    src/hv)                 echo "arch lib vx hv" ;;
    src/nested)             echo "arch lib vx hv nested" ;;
    src/vm)                 echo "arch lib vx hv nested vm" ;;
    tools/*)                echo "arch lib vx hv nested vm bench" ;;
    bench)                  echo "arch lib vx hv nested vm bench cpu vmx sgx tools guests" ;;
    *)                      echo "*" ;;
  esac
}

for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find src include tools bench -name '*.[ch]'); do
  dir=$(dirname "$f")
  ok=$(allowed "$dir")
  [ "$ok" = "*" ] && continue
  grep -n '^#include "' "$f" | while IFS= read -r line; do
    inc=$(printf '%s' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
    case $inc in */*) top=${inc%%/*} ;; *) continue ;; esac  # same-directory include
    case " $ok " in *" $top "*) ;; *)
      echo "lint: $f:${line%%:*}: includes \"$inc\": $dir may include only: $ok"
      echo x >>"${TMPDIR:-/tmp}/vx-lint.$$" ;;
    esac
  done
done
if [ -f "${TMPDIR:-/tmp}/vx-lint.$$" ]; then fail=1; rm -f "${TMPDIR:-/tmp}/vx-lint.$$"; fi

if command -v clang-format >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h' 2>/dev/null)
  if [ -n "$files" ] && ! clang-format --dry-run --Werror $files >/dev/null 2>&1; then
    echo "lint: clang-format differences (run 'make format'):"
    clang-format --dry-run --Werror $files 2>&1 | grep -E '^[^ ].*(warning|error)' | head -20
    fail=1
  fi
else
  echo "lint: clang-format not installed; format check skipped"
fi
[ $fail = 0 ] && echo "lint: ok"
exit $fail
