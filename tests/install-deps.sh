#!/usr/bin/env bash
# Installs what capture needs on a fresh Debian 12 machine (run as root).
#   build: what building the tool needs (the BPF object is compiled with clang against the kernel's BTF)
#   test:  build + the real servers, clients and checkers the test suite drives
set -euo pipefail
mode="${1:-test}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BUILD_PACKAGES="clang llvm libbpf-dev libbpf1 bpftool make"
TEST_PACKAGES="nginx-light wrk tcpdump tshark curl python3 openssl procps iproute2 libc6-dev linux-libc-dev golang-go gcc libssl-dev protobuf-compiler libprotobuf-dev python3-grpcio"

packages="$BUILD_PACKAGES"
[ "$mode" = "test" ] && packages="$packages $TEST_PACKAGES"
# Node may come from elsewhere than Debian (with its own npm); only install it when absent.
if [ "$mode" = "test" ] && ! { command -v node && command -v npm; } >/dev/null; then
  packages="$packages nodejs npm"
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: these Debian packages are missing and installing them needs root:$missing" >&2
    exit 4
  fi
  echo "install-deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$mode" = "test" ] && [ -f "$root/tests/har-validator/package.json" ] && [ ! -d "$root/tests/har-validator/node_modules" ]; then
  (cd "$root/tests/har-validator" && npm ci --silent --no-audit --no-fund)
fi
