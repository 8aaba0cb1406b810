#!/usr/bin/env bash
# Runs the speed benchmarks (bench/) against the embedded emulator and
# moto_server side by side (moto=auto starts moto_server when installed).
# Usage: scripts/bench.sh [go test flags, e.g. -benchtime 3s -count 3]
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_ENDPOINTS="${BENCH_ENDPOINTS:-moto=auto}" go test -run '^$' -bench . "$@" ./bench
