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
bench=tls-overhead
rounds=2
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/loopback-nginx.sh"
require_root_and nginx wrk openssl python3 curl
make_work_dir
start_nginx tls

# One recorded round: "requests/s wrk-requests recorded-requests lost-events recorder-cpu-seconds tls-libraries"
run_recorded() {
  local n=$1
  start_recorder "$work/bench$n.tcap" "$work/summary$n.json" "$work/record$n.err" --tls --comm nginx --port "$port"
  local pid
  pid=$(pgrep -P "$recorder" -f "record" | head -1 || true)
  [ -n "$pid" ] || pid=$recorder
  local before after rps total
  before=$(cpu_seconds "$pid")
  read -r rps total < <(run_wrk)
  after=$(cpu_seconds "$pid")
  stop_recorder
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
