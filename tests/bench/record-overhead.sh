#!/usr/bin/env bash
# Overhead of `capture record` on a loopback HTTP load, measured in one run against a baseline.
# Each round runs wrk against nginx (small JSON answers) twice, back to back:
#   a. with nothing attached                                  -> baseline requests/s
#   b. with `capture record --comm nginx` attached            -> requests/s, lost events, recorder CPU, file bytes
# and the reported ratio is the median of the rounds' b/a (a shared machine drifts; pairs cancel most of it).
# Then one run with tcpdump writing a pcap of the port gives the pcap bytes per exchange for comparison.
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light), wrk, tcpdump.
#
# Usage: sudo tests/bench/record-overhead.sh [--duration 10] [--rounds 3] [--connections 32] [--threads 2] [--json]
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail
bench=record-overhead
rounds=3
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/loopback-nginx.sh"
require_root_and nginx wrk tcpdump python3 curl
make_work_dir
start_nginx

# One recorded wrk run: prints "requests/s wrk-requests recorder-cpu-seconds capture-bytes lost-events recorded-requests"
recorded_run() {
  rm -f "$work/bench.tcap" "$work/summary.json" "$work/record.err"
  start_recorder "$work/bench.tcap" "$work/summary.json" "$work/record.err" --comm nginx --port "$port"
  local before after rps total
  before=$(cpu_seconds "$recorder")
  read -r rps total < <(run_wrk)
  after=$(cpu_seconds "$recorder")
  stop_recorder
  python3 - "$work/summary.json" "$rps" "$total" "$before" "$after" "$(stat -c %s "$work/bench.tcap")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], float(sys.argv[5]) - float(sys.argv[4]), sys.argv[6], s["lostEvents"], s["requests"])
PY
}

ratios=()
base_all=()
rec_all=()
cpu_total=0; bytes_total=0; requests_total=0; lost_total=0; recorded_total=0
for round in $(seq "$rounds"); do
  read -r base_rps _ < <(run_wrk)
  read -r rec_rps rec_total cpu bytes lost recorded < <(recorded_run)
  base_all+=("$base_rps"); rec_all+=("$rec_rps")
  ratios+=("$(python3 -c "print($rec_rps / $base_rps)")")
  cpu_total=$(python3 -c "print($cpu_total + $cpu)")
  bytes_total=$((bytes_total + bytes)); requests_total=$((requests_total + rec_total))
  lost_total=$((lost_total + lost)); recorded_total=$((recorded_total + recorded))
done

# 3. tcpdump of the same load, for the size comparison
tcpdump -i lo -s 0 -w "$work/bench.pcap" "tcp port $port" 2> "$work/tcpdump.err" &
tcpdump_pid=$!
kill_on_exit+=("$tcpdump_pid")
for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
read -r pcap_rps pcap_total < <(run_wrk)
kill -TERM "$tcpdump_pid"
wait "$tcpdump_pid" || true
pcap_bytes=$(stat -c %s "$work/bench.pcap")

python3 - "$json" <<PY
import json, statistics, sys
ratios = [float(x) for x in "${ratios[*]}".split()]
r = {
    "durationSeconds": $duration, "rounds": $rounds, "connections": $connections, "threads": $threads,
    "baselineRequestsPerSecond": [float(x) for x in "${base_all[*]}".split()],
    "recordingRequestsPerSecond": [float(x) for x in "${rec_all[*]}".split()],
    "throughputRatios": [round(x, 3) for x in ratios],
    "throughputRatioMedian": round(statistics.median(ratios), 3),
    "recordedRequests": $recorded_total, "wrkRequestsWhileRecording": $requests_total,
    "lostEvents": $lost_total,
    "recorderCpuPercentOfOneCore": round(100 * $cpu_total / ($duration * $rounds), 1),
    "captureBytesPerExchange": round($bytes_total / max(1, $requests_total), 1),
    "tcpdumpRequestsPerSecond": float("$pcap_rps"),
    "pcapBytesPerExchange": round(int("$pcap_bytes") / max(1, int("$pcap_total")), 1),
}
r["captureToPcapSizeRatio"] = round(r["captureBytesPerExchange"] / max(1e-9, r["pcapBytesPerExchange"]), 3)
if sys.argv[1] == "1":
    print(json.dumps(r, indent=2))
else:
    print(f"wrk -t{r['threads']} -c{r['connections']} -d{r['durationSeconds']}s against nginx (small JSON), loopback, {r['rounds']} rounds")
    print(f"  baseline            {' / '.join(f'{x:.0f}' for x in r['baselineRequestsPerSecond'])} req/s")
    print(f"  with capture record {' / '.join(f'{x:.0f}' for x in r['recordingRequestsPerSecond'])} req/s")
    print(f"  throughput ratio    {r['throughputRatioMedian']} (median of {r['throughputRatios']})")
    print(f"  recorded requests   {r['recordedRequests']} of {r['wrkRequestsWhileRecording']} sent, lost events {r['lostEvents']}")
    print(f"  recorder CPU        {r['recorderCpuPercentOfOneCore']}% of one core")
    print(f"  capture file        {r['captureBytesPerExchange']} bytes per exchange")
    print(f"  tcpdump pcap        {r['pcapBytesPerExchange']} bytes per exchange ({r['tcpdumpRequestsPerSecond']:.0f} req/s)")
    print(f"  capture / pcap      {r['captureToPcapSizeRatio']}")
PY
