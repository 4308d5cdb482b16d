# Sourced by the overhead benchmarks: options, checks, a scratch folder, a one-worker nginx on a
# free loopback port answering small JSON (plain or TLS), and the wrk and CPU measurements they share.
# The sourcing script sets `bench` (its name, for messages) and `rounds` (its default) first.

duration=10
connections=32
threads=2
json=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --json) json=1; shift ;;
    --paths) paths="$2"; shift 2 ;;
    --server) server="$2"; shift 2 ;;
    *) echo "$bench: unknown option $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
capture=${CAPTURE:-"$root/capture"}

# require_root_and TOOL...: exits 4 with one sentence when something is missing.
require_root_and() {
  [ "$(id -u)" -eq 0 ] || { echo "$bench: needs root (BPF)." >&2; exit 4; }
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "$bench: $tool is missing; run tests/install-deps.sh." >&2; exit 4; }
  done
}

# make_work_dir: a scratch folder in $work, removed (with nginx and the PIDs in $kill_on_exit) on exit.
kill_on_exit=()
make_work_dir() {
  work="$(mktemp -d "/tmp/$bench-XXXXXX")"
  trap 'for p in "${kill_on_exit[@]}"; do kill "$p" 2>/dev/null || true; done
        [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
        wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

# start_nginx [tls]: sets $port and $url once nginx answers.
start_nginx() {
  local listen scheme=http
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  listen="listen 127.0.0.1:$port;"
  if [ "${1:-}" = tls ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
      -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
    listen="listen 127.0.0.1:$port ssl; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;"
    scheme=https
  fi
  mkdir -p "$work/temp"
  cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/temp/body;
    proxy_temp_path $work/temp/proxy;
    fastcgi_temp_path $work/temp/fastcgi;
    uwsgi_temp_path $work/temp/uwsgi;
    scgi_temp_path $work/temp/scgi;
    server {
        $listen
        location /api {
            default_type application/json;
            return 200 '{"id":12345,"name":"widget","price":9.99,"tags":["a","b","c"],"inStock":true}';
        }
    }
}
CONF
  /usr/sbin/nginx -p "$work" -c "$work/nginx.conf"
  url="$scheme://127.0.0.1:$port/api"
  for _ in $(seq 50); do curl -skf "$url" >/dev/null && break; sleep 0.1; done
  curl -skf "$url" >/dev/null || { echo "$bench: nginx did not start: $(cat "$work/error.log")" >&2; exit 1; }
}

# run_wrk: prints "requests/s total-requests" of one wrk run against $url.
run_wrk() {
  wrk -t"$threads" -c"$connections" -d"${duration}s" "$url" > "$work/wrk.txt"
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt") $(awk '/requests in/ {print $1}' "$work/wrk.txt")"
}

# cpu_seconds PID: CPU seconds (user + system) the process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

# start_recorder OUT.tcap SUMMARY.json ERR.txt ARGS...: `capture record` in the background, its PID in
# $recorder once it says it is recording. --duration is a safety net should this script be killed.
start_recorder() {
  local out=$1 summary=$2 err=$3; shift 3
  $capture record -o "$out" --duration "$((duration + 60))s" --json "$@" > "$summary" 2> "$err" &
  recorder=$!
  kill_on_exit+=("$recorder")
  for _ in $(seq 600); do grep -q "recording to" "$err" 2>/dev/null && break; sleep 0.1; done
  grep -q "recording to" "$err" || { echo "$bench: capture record did not start: $(cat "$err")" >&2; exit 1; }
}

# stop_recorder: SIGTERM, since background jobs of a non-interactive shell ignore SIGINT.
stop_recorder() {
  kill -TERM "$recorder"
  wait "$recorder" || true
}
