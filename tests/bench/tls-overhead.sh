#!/usr/bin/env bash
# Overhead of `capture record --tls` (OpenSSL uprobes) on a loopback HTTPS load: wrk over TLS against
# nginx with ssl (keep-alive, small JSON answers), each round a baseline, `capture record --tls --comm nginx`
# on each data path asked for, and `tcpdump -i lo -s 0 -w` of the same traffic, back to back (see
# overhead-rounds.sh). The recorder traces the server only, as in production; wrk maps the same libssl,
# so it passes through the uprobes too (they filter in the kernel).
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light), wrk, openssl, tcpdump, python3.
#
# Usage: sudo tests/bench/tls-overhead.sh [--duration 10] [--rounds 3] [--connections 32] [--threads 2]
#                                          [--paths "socket syscall"] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail
bench=tls-overhead
rounds=3
paths=socket
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/loopback-nginx.sh"
require_root_and nginx wrk openssl tcpdump python3 curl
make_work_dir
start_nginx tls
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/overhead-rounds.sh"
run_rounds --tls --comm nginx
report "nginx with ssl (small JSON, keep-alive)"
