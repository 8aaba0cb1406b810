#!/usr/bin/env bash
# Runs the speed benchmarks (bench/) against the embedded emulator and, when
# moto_server is installed, against moto_server side by side in one run.
# Usage: scripts/bench.sh [extra go test flags, e.g. -benchtime 3s]
set -euo pipefail
cd "$(dirname "$0")/.."

endpoints="${BENCH_ENDPOINTS:-}"
moto_pid=""
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true; }
trap cleanup EXIT

if command -v moto_server >/dev/null 2>&1 && [ -z "$endpoints" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$port" >/tmp/apidriven-bench-moto.log 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  endpoints="moto=http://127.0.0.1:$port"
  echo "moto_server on port $port"
fi

BENCH_ENDPOINTS="$endpoints" go test -run '^$' -bench . -benchmem "$@" ./bench
