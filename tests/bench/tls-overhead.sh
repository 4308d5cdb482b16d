#!/usr/bin/env bash
# Overhead of `capture record --tls` on a loopback HTTPS load: wrk over TLS (keep-alive, small answers)
# against one of two servers, each round a baseline, `capture record --tls --comm SERVER` on each data path
# asked for, and `tcpdump -i lo -s 0 -w` of the same traffic, back to back (see overhead-rounds.sh):
#   --server nginx (default): nginx with ssl, OpenSSL uprobes; wrk maps the same libssl, so it passes
#                             through the uprobes too (they filter in the kernel);
#   --server go:              a Go net/http server on crypto/tls (tests/Capture.EndToEnd.Tests/Infrastructure/Go/
#                             go_tls_server.go, built with the installed go), Go uprobes; its answer is 80 bytes.
# The recorder traces the server only, as in production.
# Prints a table and, with --json, one JSON object. Needs root, wrk, openssl, tcpdump, python3, curl, and
# nginx (nginx-light) or go (golang-go).
#
# Usage: sudo tests/bench/tls-overhead.sh [--server nginx|go] [--duration 10] [--rounds 3] [--connections 32]
#                                          [--threads 2] [--paths "socket syscall"] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail
bench=tls-overhead
rounds=3
paths=socket
server=nginx
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/loopback-nginx.sh"

# start_go_tls: builds and starts the Go HTTPS server; sets $port and $url once it answers.
start_go_tls() {
  local source="$root/tests/Capture.EndToEnd.Tests/Infrastructure/Go/go_tls_server.go"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  GOTOOLCHAIN=local GOCACHE="${GOCACHE:-/tmp/capture-go-cache}" go build -o "$work/go_tls_server" "$source"
  "$work/go_tls_server" "$work/cert.pem" "$work/key.pem" > "$work/go.out" 2> "$work/go.err" &
  kill_on_exit+=("$!")
  for _ in $(seq 100); do grep -q "listening on" "$work/go.out" 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/listening on/ {print $3}' "$work/go.out")
  url="https://127.0.0.1:$port/bytes/80"
  curl -skf "$url" >/dev/null || { echo "$bench: the Go server did not start: $(cat "$work/go.err")" >&2; exit 1; }
}

case "$server" in
  nginx)
    require_root_and nginx wrk openssl tcpdump python3 curl
    make_work_dir
    start_nginx tls
    comm=nginx title="nginx with ssl (small JSON, keep-alive)" ;;
  go)
    require_root_and go wrk openssl tcpdump python3 curl
    make_work_dir
    start_go_tls
    comm=go_tls_server title="a Go net/http server on crypto/tls (80-byte answer, keep-alive)" ;;
  *) echo "$bench: --server is nginx or go, not $server" >&2; exit 2 ;;
esac
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/overhead-rounds.sh"
run_rounds --tls --comm "$comm"
report "$title"
