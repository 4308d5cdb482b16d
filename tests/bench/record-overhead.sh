#!/usr/bin/env bash
# Overhead of `capture record` on a loopback HTTP load, measured in one run against a baseline:
#   1. wrk against nginx (small JSON answers) with nothing attached     -> baseline requests/s
#   2. the same with `capture record --comm nginx` attached             -> requests/s, lost events, recorder CPU, file bytes
#   3. the same with tcpdump writing a pcap of the port                 -> pcap bytes
#   4. baseline again (the machine is shared: the mean of 1 and 4 is the baseline)
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light), wrk, tcpdump.
#
# Usage: sudo tests/bench/record-overhead.sh [--duration 10] [--connections 32] [--threads 2] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail

duration=10
connections=32
threads=2
json=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --json) json=1; shift ;;
    *) echo "record-overhead.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
capture=${CAPTURE:-"$root/capture"}
[ "$(id -u)" -eq 0 ] || { echo "record-overhead.sh: needs root (BPF and tcpdump)." >&2; exit 4; }
for tool in nginx wrk tcpdump python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "record-overhead.sh: $tool is missing; run tests/install-deps.sh." >&2; exit 4; }
done

work="$(mktemp -d /tmp/capture-bench-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/www" "$work/temp"
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
        listen 127.0.0.1:$port;
        location /api {
            default_type application/json;
            return 200 '{"id":12345,"name":"widget","price":9.99,"tags":["a","b","c"],"inStock":true}';
        }
    }
}
CONF
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api"

# "requests/s total-requests" of one wrk run
run_wrk() {
  wrk -t"$threads" -c"$connections" -d"${duration}s" "$url" > "$work/wrk.txt"
  local rps total
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
  total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  echo "$rps $total"
}

# CPU seconds (user+system) a process has used so far
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

read -r base1_rps _ < <(run_wrk)

# 2. with the recorder, tracing the server only (as in production)
$capture record -o "$work/bench.tcap" --comm nginx --port "$port" --json > "$work/summary.json" 2> "$work/record.err" &
rec=$!
pids+=("$rec")
for _ in $(seq 600); do grep -q "recording to" "$work/record.err" 2>/dev/null && break; sleep 0.1; done
grep -q "recording to" "$work/record.err" || { echo "record-overhead.sh: capture record did not start: $(cat "$work/record.err")" >&2; exit 1; }
recorder_pid=$(pgrep -P "$rec" -f "record" | head -1 || true)
[ -n "$recorder_pid" ] || recorder_pid=$rec
cpu_before=$(cpu_seconds "$recorder_pid")
read -r rec_rps rec_total < <(run_wrk)
cpu_after=$(cpu_seconds "$recorder_pid")
kill -TERM "$rec" # SIGINT is ignored by background jobs of a non-interactive shell
wait "$rec" || true
capture_bytes=$(stat -c %s "$work/bench.tcap")
lost_events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lostEvents"])' "$work/summary.json")
recorded_requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$work/summary.json")

# 3. tcpdump of the same load, for the size comparison
tcpdump -i lo -s 0 -w "$work/bench.pcap" "tcp port $port" 2> "$work/tcpdump.err" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
read -r pcap_rps pcap_total < <(run_wrk)
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
pcap_bytes=$(stat -c %s "$work/bench.pcap")

read -r base2_rps _ < <(run_wrk)

python3 - "$json" <<PY
import json, sys
base = (float("$base1_rps") + float("$base2_rps")) / 2
r = {
    "durationSeconds": $duration, "connections": $connections, "threads": $threads,
    "baselineRequestsPerSecond": [float("$base1_rps"), float("$base2_rps")],
    "recordingRequestsPerSecond": float("$rec_rps"),
    "throughputRatio": round(float("$rec_rps") / base, 3),
    "recordedRequests": int("$recorded_requests"), "wrkRequestsWhileRecording": int("$rec_total"),
    "lostEvents": int("$lost_events"),
    "recorderCpuPercentOfOneCore": round(100 * (float("$cpu_after") - float("$cpu_before")) / $duration, 1),
    "captureBytesPerExchange": round(int("$capture_bytes") / max(1, int("$rec_total")), 1),
    "tcpdumpRequestsPerSecond": float("$pcap_rps"),
    "pcapBytesPerExchange": round(int("$pcap_bytes") / max(1, int("$pcap_total")), 1),
}
r["captureToPcapSizeRatio"] = round(r["captureBytesPerExchange"] / max(1e-9, r["pcapBytesPerExchange"]), 3)
if sys.argv[1] == "1":
    print(json.dumps(r, indent=2))
else:
    print(f"wrk -t{r['threads']} -c{r['connections']} -d{r['durationSeconds']}s against nginx (small JSON), loopback")
    print(f"  baseline            {r['baselineRequestsPerSecond'][0]:.0f} / {r['baselineRequestsPerSecond'][1]:.0f} req/s (before / after)")
    print(f"  with capture record {r['recordingRequestsPerSecond']:.0f} req/s  -> ratio {r['throughputRatio']}")
    print(f"  recorded requests   {r['recordedRequests']} of {r['wrkRequestsWhileRecording']} sent, lost events {r['lostEvents']}")
    print(f"  recorder CPU        {r['recorderCpuPercentOfOneCore']}% of one core")
    print(f"  capture file        {r['captureBytesPerExchange']} bytes per exchange")
    print(f"  tcpdump pcap        {r['pcapBytesPerExchange']} bytes per exchange ({r['tcpdumpRequestsPerSecond']:.0f} req/s)")
    print(f"  capture / pcap      {r['captureToPcapSizeRatio']}")
PY
