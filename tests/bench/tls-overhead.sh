#!/usr/bin/env bash
# Overhead of `capture record --tls` (OpenSSL uprobes) on a loopback HTTPS load: wrk over TLS against
# a server (keep-alive, small JSON answers), each round a baseline, `capture record --tls` of the server
# on each data path asked for, and `tcpdump -i lo -s 0 -w` of the same traffic, back to back (see
# overhead-rounds.sh). The recorder traces the server only, as in production; wrk maps the same libssl,
# so it passes through the uprobes too (they filter in the kernel).
# --server nginx (default): nginx with ssl (OpenSSL on the socket), recorded with --comm nginx.
# --server kestrel: Kestrel with HTTPS (.NET's SslStream, OpenSSL over memory BIOs: the plaintext is
#   linked to its socket by its ciphertext, bpf/tls_bio.bpf.h), recorded with --pid.
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light) or dotnet, wrk,
# openssl, tcpdump, python3.
#
# Usage: sudo tests/bench/tls-overhead.sh [--server nginx|kestrel] [--duration 10] [--rounds 3]
#                                          [--connections 32] [--threads 2] [--paths "socket syscall"] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail
bench=tls-overhead
rounds=3
paths=socket
server=nginx
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
source "$here/loopback-nginx.sh"
source "$here/overhead-rounds.sh"
case "$server" in
  nginx)
    require_root_and nginx wrk openssl tcpdump python3 curl
    make_work_dir
    start_nginx tls
    run_rounds --tls --comm nginx
    report "nginx with ssl (small JSON, keep-alive)" ;;
  kestrel)
    require_root_and dotnet wrk openssl tcpdump python3 curl
    source "$here/loopback-kestrel.sh"
    make_work_dir
    start_kestrel
    run_rounds --tls --pid "$kestrel"
    report "Kestrel with HTTPS (small JSON, keep-alive)" ;;
  *) echo "$bench: --server is nginx or kestrel" >&2; exit 2 ;;
esac
