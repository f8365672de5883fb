#!/bin/sh
# Installs the Debian packages vmxsgx builds with, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -eu
PKGS="cmake make gcc clang libclang-rt-14-dev clang-format libzydis-dev libssl-dev libcmocka-dev libjansson-dev"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "vmxsgx: missing Debian packages:$missing" >&2
  echo "vmxsgx: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "vmxsgx: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
