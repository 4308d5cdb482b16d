#!/usr/bin/env bash
# Overhead of `capture record` on a loopback HTTP load: wrk against nginx (one worker, small JSON
# answers), each round a baseline, `capture record --comm nginx` on each data path asked for, and
# `tcpdump -i lo -s 0 -w` of the same traffic, back to back (see overhead-rounds.sh).
# Prints a table and, with --json, one JSON object. Needs root, nginx (nginx-light), wrk, tcpdump.
#
# Usage: sudo tests/bench/record-overhead.sh [--duration 10] [--rounds 5] [--connections 32] [--threads 2]
#                                             [--paths "socket syscall"] [--json]
# --paths: the data paths to measure (default: socket; "socket syscall" compares both in one run).
# CAPTURE="dotnet path/to/capture.dll" overrides the tool (default: ./capture from the repository root).
set -euo pipefail
bench=record-overhead
rounds=5
paths=socket
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/loopback-nginx.sh"
require_root_and nginx wrk tcpdump python3 curl
make_work_dir
start_nginx
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/overhead-rounds.sh"
run_rounds --comm nginx
report "nginx (small JSON)"
