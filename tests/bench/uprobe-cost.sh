#!/usr/bin/env bash
# What one probed SSL call costs on this host, next to an unprobed call in the same run: a tiny C
# program with its own SSL_read/SSL_write is called in a loop, without and with `capture record
# --ssl-lib` attached to it. Two builds of it: one whose SSL_read starts with an instruction the
# kernel must single-step out of line (as OpenSSL's `sub $N,%rsp` does), one whose first
# instruction the kernel emulates (a nop). Under a hypervisor that intercepts debug exceptions
# the single-step is what costs. Needs root, clang, a built capture.
#
# Usage: sudo tests/bench/uprobe-cost.sh [--calls 200000]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail

calls=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --calls) calls="$2"; shift 2 ;;
    *) echo "uprobe-cost.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
capture=${CAPTURE:-"$root/capture"}
[ "$(id -u)" -eq 0 ] || { echo "uprobe-cost.sh: needs root (BPF)." >&2; exit 4; }
command -v clang >/dev/null || { echo "uprobe-cost.sh: clang is missing; run tests/install-deps.sh." >&2; exit 4; }

work="$(mktemp -d /tmp/capture-uprobe-bench-XXXXXX)"
recorder=""
cleanup() {
  [ -n "$recorder" ] && kill "$recorder" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/calls.c" <<'C'
/* Calls SSL_read N times and prints nanoseconds per call. FIRST is the first instruction of SSL_read. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
__attribute__((naked, noinline)) int SSL_read(void *s, void *b, int n) { __asm__ volatile(FIRST "xor %eax, %eax\n ret\n"); }
__attribute__((naked, noinline)) int SSL_write(void *s, const void *b, int n) { __asm__ volatile("xor %eax, %eax\n ret\n"); }
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  int (*volatile read_fn)(void *, void *, int) = SSL_read;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++)
    read_fn(0, 0, i);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
C
clang -O2 -DFIRST='"sub $8, %rsp\n add $8, %rsp\n"' -o "$work/stepped" "$work/calls.c"
clang -O2 -DFIRST='"nop\n"' -o "$work/emulated" "$work/calls.c"

plain_stepped=$("$work/stepped" "$calls"); plain_emulated=$("$work/emulated" "$calls")
# --port 1: no connection is recorded; the probes still run their BPF programs on every call.
$capture record -o "$work/x.tcap" --port 1 --ssl-lib "$work/stepped" --ssl-lib "$work/emulated" > /dev/null 2> "$work/record.err" &
recorder=$!
for _ in $(seq 600); do grep -q "recording to" "$work/record.err" 2>/dev/null && break; sleep 0.1; done
grep -q "recording to" "$work/record.err" || { echo "uprobe-cost.sh: capture record did not start: $(cat "$work/record.err")" >&2; exit 1; }
probed_stepped=$("$work/stepped" "$calls"); probed_emulated=$("$work/emulated" "$calls")
kill -TERM "$recorder"; wait "$recorder" || true; recorder=""

echo "ns per SSL_read call ($calls calls): unprobed / probed (entry + return uprobe)"
echo "  first instruction single-stepped  $plain_stepped / $probed_stepped"
echo "  first instruction emulated        $plain_emulated / $probed_emulated"
