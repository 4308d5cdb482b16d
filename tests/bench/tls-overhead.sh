#!/usr/bin/env bash
# Overhead of `capture record --tls` (OpenSSL uprobes) on a loopback HTTPS load, against a baseline
# in the same run: wrk over TLS against nginx with ssl (keep-alive, small JSON answers), rounds
# alternating without and with a recorder attached (baseline, recorded, baseline, ..., baseline),
# medians compared. The recorder traces the server only (--comm nginx), as in production; wrk
# maps the same libssl, so it passes through the uprobes too (they filter in the kernel).
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light), wrk, openssl, python3.
#
# Usage: sudo tests/bench/tls-overhead.sh [--duration 10] [--rounds 2] [--connections 32] [--threads 2] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail

duration=10
rounds=2
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
    *) echo "tls-overhead.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
capture=${CAPTURE:-"$root/capture"}
[ "$(id -u)" -eq 0 ] || { echo "tls-overhead.sh: needs root (BPF)." >&2; exit 4; }
for tool in nginx wrk openssl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "tls-overhead.sh: $tool is missing; run tests/install-deps.sh." >&2; exit 4; }
done

work="$(mktemp -d /tmp/capture-tls-bench-XXXXXX)"
recorder=""
cleanup() {
  [ -n "$recorder" ] && kill "$recorder" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
        listen 127.0.0.1:$port ssl;
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        location /api {
            default_type application/json;
            return 200 '{"id":12345,"name":"widget","price":9.99,"tags":["a","b","c"],"inStock":true}';
        }
    }
}
CONF
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf"
url="https://127.0.0.1:$port/api"
for _ in $(seq 50); do curl -skf "$url" >/dev/null && break; sleep 0.1; done
curl -skf "$url" >/dev/null || { echo "tls-overhead.sh: nginx with ssl did not start: $(cat "$work/error.log")" >&2; exit 1; }

# "requests/s total-requests" of one wrk run
run_wrk() {
  wrk -t"$threads" -c"$connections" -d"${duration}s" "$url" > "$work/wrk.txt"
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt") $(awk '/requests in/ {print $1}' "$work/wrk.txt")"
}

cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

# One recorded round: "requests/s wrk-requests recorded-requests lost-events recorder-cpu-seconds tls-libraries"
run_recorded() {
  local n=$1
  $capture record -o "$work/bench$n.tcap" --tls --comm nginx --port "$port" --json > "$work/summary$n.json" 2> "$work/record$n.err" &
  recorder=$!
  for _ in $(seq 600); do grep -q "recording to" "$work/record$n.err" 2>/dev/null && break; sleep 0.1; done
  grep -q "recording to" "$work/record$n.err" || { echo "tls-overhead.sh: capture record did not start: $(cat "$work/record$n.err")" >&2; exit 1; }
  local pid
  pid=$(pgrep -P "$recorder" -f "record" | head -1 || true)
  [ -n "$pid" ] || pid=$recorder
  local before after rps total
  before=$(cpu_seconds "$pid")
  read -r rps total < <(run_wrk)
  after=$(cpu_seconds "$pid")
  kill -TERM "$recorder"
  wait "$recorder" || true
  recorder=""
  python3 - "$work/summary$n.json" "$rps" "$total" "$before" "$after" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], s["requests"], s["lostEvents"], float(sys.argv[5]) - float(sys.argv[4]), len(s["tlsLibraries"]))
PY
}

base=(); recorded=()
read -r b _ < <(run_wrk); base+=("$b")
: > "$work/recorded.txt"
for n in $(seq "$rounds"); do
  run_recorded "$n" >> "$work/recorded.txt"
  read -r b _ < <(run_wrk); base+=("$b")
done

python3 - "$json" "$duration" "$connections" "$threads" "${base[*]}" "$work/recorded.txt" <<'PY'
import json, statistics, sys
as_json, duration, connections, threads = sys.argv[1] == "1", int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base = [float(x) for x in sys.argv[5].split()]
rows = [line.split() for line in open(sys.argv[6]) if line.strip()]
rec = [float(r[0]) for r in rows]
r = {
    "durationSeconds": duration, "connections": connections, "threads": threads,
    "baselineRequestsPerSecond": base,
    "recordingRequestsPerSecond": rec,
    "throughputRatio": round(statistics.median(rec) / statistics.median(base), 3),
    "wrkRequestsWhileRecording": sum(int(x[1]) for x in rows),
    "recordedRequests": sum(int(x[2]) for x in rows),
    "lostEvents": sum(int(x[3]) for x in rows),
    "recorderCpuPercentOfOneCore": round(100 * statistics.median(float(x[4]) for x in rows) / duration, 1),
    "tlsLibrariesProbed": min(int(x[5]) for x in rows),
}
if as_json:
    print(json.dumps(r, indent=2))
else:
    print(f"wrk -t{threads} -c{connections} -d{duration}s over TLS against nginx with ssl (small JSON), loopback, keep-alive")
    print(f"  baseline                  {' / '.join(f'{x:.0f}' for x in base)} req/s")
    print(f"  with capture record --tls {' / '.join(f'{x:.0f}' for x in rec)} req/s -> ratio of medians {r['throughputRatio']} (goal >= 0.90)")
    print(f"  recorded requests         {r['recordedRequests']} of {r['wrkRequestsWhileRecording']} sent, lost events {r['lostEvents']} (goal 0)")
    print(f"  recorder CPU              {r['recorderCpuPercentOfOneCore']}% of one core (median round)")
PY
