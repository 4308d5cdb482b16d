#!/usr/bin/env bash
# Requests per second of `capture replay --max` against a trivial loopback nginx, next to wrk
# against the same server in the same run (alternating, median of N rounds), from the CLI as a
# user runs it. Needs: nginx (nginx-light), wrk, python3, a built CLI.
# Usage: tests/bench/replay-vs-wrk.sh [seconds=5] [rounds=3] [concurrency=32]
set -euo pipefail
seconds=${1:-5}; rounds=${2:-3}; concurrency=${3:-32}
repo=$(cd "$(dirname "$0")/../.." && pwd)
capture=(dotnet "$repo/cli/bin/Release/net10.0/capture.dll")
[ -f "$repo/cli/bin/Release/net10.0/capture.dll" ] || dotnet build -c Release "$repo/cli/Capture.Cli.csproj" >/dev/null

work=$(mktemp -d)
nginx_pid=""
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > "$work/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  server { listen 127.0.0.1:$port; location / { return 200 "ok"; } } }
CONF
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" & nginx_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

# 1000 independent GETs (no connection ids) that the replay loops over for the whole duration.
python3 - "$work/plan.har" <<'PY'
import json, sys
entries = [{"startedDateTime": "2025-01-01T00:00:00.000Z", "time": 1,
            "request": {"method": "GET", "url": f"http://prod/?i={i}", "httpVersion": "HTTP/1.1", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"size": 2, "mimeType": "text/plain", "text": "ok"}}}
           for i in range(1000)]
json.dump({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": entries}}, open(sys.argv[1], "w"))
PY

wrk_rates=(); replay_rates=()
for round in $(seq "$rounds"); do
  w=$(wrk -t2 -c"$concurrency" -d"${seconds}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
  r=$("${capture[@]}" replay "$work/plan.har" --target "http://127.0.0.1:$port" --max --concurrency "$concurrency" \
        --duration "${seconds}s" --json --max-mismatch 100 | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSecond"])')
  echo "round $round: wrk $w req/s, capture replay --max $r req/s"
  wrk_rates+=("$w"); replay_rates+=("$r")
done
python3 - "${wrk_rates[*]}" "${replay_rates[*]}" <<'PY'
import statistics, sys
w = statistics.median(map(float, sys.argv[1].split())); r = statistics.median(map(float, sys.argv[2].split()))
print(f"median: wrk {w:.0f} req/s, capture replay --max {r:.0f} req/s, ratio {r / w:.0%} (goal >= 50%)")
PY
