# Sourced by the overhead benchmarks after loopback-nginx.sh and start_nginx: interleaved rounds of
#   a. wrk with nothing attached                                  -> baseline requests/s
#   b. wrk under `capture record RECORD_ARGS --data-path P`, for each P in $paths ("default": no --data-path)
#                                                                  -> requests/s, lost events, recorder CPU (steady state:
#                                                                     from 2 s into the load), file bytes
#   c. wrk under `tcpdump -i lo -s 0 -w` of the port (full snap length) -> requests/s, pcap bytes
# The order rotates from round to round; ratios to the round's baseline are reported as medians over
# the rounds (a shared machine drifts, and interleaved runs cancel most of it).

# recorded_run PATH RECORD_ARGS...: one wrk run under the recorder; appends a result line.
recorded_run() {
  local data_path=$1; shift
  rm -f "$work/bench.tcap" "$work/summary.json" "$work/record.err"
  local choice=(--data-path "$data_path")
  [ "$data_path" = default ] && choice=() # the tool's own choice (also: a build from before --data-path existed)
  start_recorder "$work/bench.tcap" "$work/summary.json" "$work/record.err" "$@" --port "$port" "${choice[@]}"
  local before after rps total
  # The recorder's CPU in the steady state: from 2 s into the load (past the JIT warm-up) to its end.
  run_wrk > "$work/wrk.out" &
  local load=$!
  sleep 2
  before=$(cpu_seconds "$recorder")
  wait "$load"
  after=$(cpu_seconds "$recorder")
  read -r rps total < "$work/wrk.out"
  stop_recorder
  python3 - "$data_path" "$work/summary.json" "$rps" "$total" "$before" "$after" "$(stat -c %s "$work/bench.tcap")" >> "$work/results" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
print("capture-" + sys.argv[1], sys.argv[3], sys.argv[4], float(sys.argv[6]) - float(sys.argv[5]), sys.argv[7], s["lostEvents"], s["requests"], s["dataRecords"])
PY
}

baseline_run() {
  local rps total
  read -r rps total < <(run_wrk)
  echo "baseline $rps $total 0 0 0 0 0" >> "$work/results"
}

tcpdump_run() {
  rm -f "$work/bench.pcap"
  tcpdump -i lo -s 0 -w "$work/bench.pcap" "tcp port $port" 2> "$work/tcpdump.err" &
  local pid=$! rps total
  kill_on_exit+=("$pid")
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
  read -r rps total < <(run_wrk)
  kill -TERM "$pid"
  wait "$pid" || true
  echo "tcpdump $rps $total 0 $(stat -c %s "$work/bench.pcap") 0 0 0" >> "$work/results"
}

# run_rounds RECORD_ARGS...: $rounds rounds over baseline, each data path in $paths, and tcpdump.
run_rounds() {
  local runs=(baseline_run) p round i n
  for p in $paths; do runs+=("recorded_run $p $*"); done
  runs+=(tcpdump_run)
  n=${#runs[@]}
  : > "$work/results"
  for round in $(seq "$rounds"); do
    echo "round $round" >> "$work/results"
    for i in $(seq 0 $((n - 1))); do
      ${runs[$(( (i + round - 1) % n ))]}
    done
  done
}

# report TITLE: the table (or --json object) of the rounds in $work/results.
report() {
  python3 - "$json" "$work/results" "$duration" "$rounds" "$connections" "$threads" "$(cut -d' ' -f1-3 /proc/loadavg)" "$1" <<'PY'
import json, statistics, sys
as_json, path, duration, rounds, connections, threads, load, title = sys.argv[1] == "1", sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8]
rounds_data, current = [], None
for line in open(path):
    f = line.split()
    if f[0] == "round":
        current = {}
        rounds_data.append(current)
        continue
    current[f[0]] = dict(rps=float(f[1]), total=int(f[2]), cpu=float(f[3]), bytes=int(f[4]), lost=int(f[5]), recorded=int(f[6]), records=int(f[7]))
kinds = [k for k in rounds_data[0] if k != "baseline"]
r = {"durationSeconds": duration, "rounds": rounds, "connections": int(connections), "threads": int(threads), "loadAverageAtEnd": load,
     "baselineRequestsPerSecond": [d["baseline"]["rps"] for d in rounds_data]}
for k in kinds:
    ratios = [d[k]["rps"] / d["baseline"]["rps"] for d in rounds_data]
    total = sum(d[k]["total"] for d in rounds_data)
    e = {"requestsPerSecond": [d[k]["rps"] for d in rounds_data], "throughputRatios": [round(x, 3) for x in ratios],
         "throughputRatioMedian": round(statistics.median(ratios), 3),
         "bytesPerExchange": round(sum(d[k]["bytes"] for d in rounds_data) / max(1, total), 1)}
    if k.startswith("capture-"):
        cpu_percent = 100 * sum(d[k]["cpu"] for d in rounds_data) / ((duration - 2) * rounds)
        records_per_second = sum(d[k]["records"] for d in rounds_data) / (duration * rounds)
        e.update({"recordedRequests": sum(d[k]["recorded"] for d in rounds_data), "wrkRequests": total,
                  "lostEvents": sum(d[k]["lost"] for d in rounds_data),
                  "recorderCpuPercentOfOneCore": round(cpu_percent, 1),
                  "dataRecordsPerSecond": round(records_per_second),
                  "recorderCpuPercentPer100kRecordsPerSecond": round(cpu_percent * 100000 / max(1, records_per_second), 1)})
    r[k] = e
if as_json:
    print(json.dumps(r, indent=2))
    sys.exit()
print(f"wrk -t{threads} -c{connections} -d{duration:g}s against {title}, loopback, {rounds} rounds, load average at the end {load}")
print(f"  baseline                {' / '.join(f'{x:.0f}' for x in r['baselineRequestsPerSecond'])} req/s")
for k in kinds:
    e = r[k]
    print(f"  {k:<23} {' / '.join(f'{x:.0f}' for x in e['requestsPerSecond'])} req/s")
    print(f"      ratio to baseline   {e['throughputRatioMedian']} (median of {e['throughputRatios']})")
    if k.startswith("capture-"):
        print(f"      recorded requests   {e['recordedRequests']} of {e['wrkRequests']} sent, lost events {e['lostEvents']}")
        print(f"      recorder CPU        {e['recorderCpuPercentOfOneCore']}% of one core at {e['dataRecordsPerSecond']} data records/s"
              f" = {e['recorderCpuPercentPer100kRecordsPerSecond']}% per 100k records/s")
    print(f"      file                {e['bytesPerExchange']} bytes per exchange")
PY
}
