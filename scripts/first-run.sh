#!/usr/bin/env bash
# What a new user sees the first time: `go tool mage all` on a machine whose
# Go build cache is empty. Each run starts from a fresh copy of this working
# tree (tracked and untracked files, not ignored ones) with an empty GOCACHE,
# empty Mage caches and a free port (AWS_ENDPOINT_URL), prints every line
# with the time it appeared, then the time to the first line, the longest
# silence between two lines and the total, and ends with
# `go tool mage clean`. The module cache (GOMODCACHE) is kept: downloads are
# not measured.
#
#   cold    `go tool mage all` on the empty cache
#   warm-up scripts/warm-up.sh (what the dev container runs when a Codespace
#           is created), then `go tool mage all`, then `all` once more
#   floor   `go run` of a hello world on an empty cache: the least any Go
#           command can take before printing, on this machine, now; the
#           same for one that imports os/exec and os/signal (the least a
#           launcher needs); then `go build ./cmd/mage` (the launcher) on an
#           empty cache
#
# Usage: scripts/first-run.sh [cold] [warm-up] [floor]   (default: all three)
# The CPU time printed with each total, divided by the number of CPUs, is
# what the run costs on an idle machine (the wall time grows with the load).
# Takes minutes (every run compiles the AWS SDK from scratch): not run by CI.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(floor cold warm-up)

work=$(mktemp -d -t first-run-XXXXXX)
cleanup() { chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e9 }'; }

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "no free port found" >&2; exit 1
}

# fresh NAME: a copy of the working tree and empty caches, exported.
fresh() {
  local dir="$work/$1"
  mkdir -p "$dir/repo" "$dir/gocache" "$dir/magecache" "$dir/usercache"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
    while IFS= read -r -d '' f; do
      [ -f "$repo/$f" ] && mkdir -p "$dir/repo/$(dirname "$f")" && cp -p "$repo/$f" "$dir/repo/$f"
    done
  export GOCACHE="$dir/gocache" MAGEFILE_CACHE="$dir/magecache" XDG_CACHE_HOME="$dir/usercache"
  export AWS_ENDPOINT_URL="http://localhost:$(free_port)"
  unset APIDRIVEN_BACKEND APIDRIVEN_TARGET APIDRIVEN_EC2_CONTAINERS CODESPACE_NAME MAGEFILE_HASHFAST
  cd "$dir/repo"
}

# timed LABEL CMD...: runs CMD, prefixing each line with the seconds since
# the start and the silence before it, then prints the summary.
timed() {
  local label=$1; shift
  echo "\$ $*"
  local start; start=$(now)
  local stats="$work/stats" cpu="$work/cpu"
  rm -f "$cpu"
  # CPU time (user+sys of the command and every process it waited for):
  # divided by the CPUs, the least the wall time can be on an idle machine.
  { /usr/bin/time -o "$cpu" -f "%U %S" "$@" 2>&1; echo "__rc=$?"; } | {
    local first=0 last=$start gap=0 max=0 maxline="" n=0 rc=0
    while IFS= read -r line; do
      case $line in __rc=*) rc=${line#__rc=}; continue ;; esac
      local t; t=$(now)
      gap=$((t - last)); last=$t; n=$((n + 1))
      [ "$first" -ne 0 ] || first=$((t - start))
      if [ "$n" -gt 1 ] && [ "$gap" -gt "$max" ]; then max=$gap; maxline=$line; fi
      printf '%7ss %+7ss | %s\n' "$(secs $((t - start)))" "$(secs "$gap")" "$line"
    done
    echo "$first $max $(( $(now) - start )) $rc" >"$stats"
    local cpus; cpus=$(awk -v n="$(nproc)" 'END { printf "CPU %.1fs, %.1fs per CPU", $1 + $2, ($1 + $2) / n }' "$cpu" 2>/dev/null)
    printf -- '-- %s: first line after %ss, longest silence after it %ss (before "%s"), total %ss (%s), exit %s\n' \
      "$label" "$(secs "$first")" "$(secs "$max")" "$maxline" "$(secs $(( $(now) - start )))" "$cpus" "$rc"
  }
  read -r _ _ _ rc <"$stats"
  return "$rc"
}

echo "== machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(go version | cut -d' ' -f3-), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

for phase in "${phases[@]}"; do
  case $phase in
  floor)
    echo; echo "== floor: hello world with an empty build cache"
    mkdir -p "$work/hello" && cd "$work/hello"
    printf 'module hello\n\ngo 1.26\n' >go.mod
    printf 'package main\n\nfunc main() { println("hello") }\n' >main.go
    GOCACHE="$work/hello-cache" timed "floor" go run .
    echo; echo "== a hello world that can start a program and catch Ctrl-C (os/exec, os/signal: the least a launcher imports), empty build cache"
    mkdir -p "$work/exec" && cd "$work/exec"
    printf 'module hello\n\ngo 1.26\n' >go.mod
    printf 'package main\n\nimport (\n\t"os"\n\t"os/exec"\n\t"os/signal"\n)\n\nfunc main() {\n\tsignal.Ignore(os.Interrupt)\n\t_ = exec.Command("true")\n\tos.Stdout.WriteString("hello\\n")\n}\n' >main.go
    GOCACHE="$work/exec-cache" timed "exec floor" go run .
    echo; echo "== the launcher alone (cmd/mage, what \`go tool mage\` compiles before its first line), empty build cache"
    cd "$repo" && GOCACHE="$work/launcher-cache" timed "launcher" go build -o "$work/launcher" ./cmd/mage
    ;;
  cold)
    echo; echo "== cold: go tool mage all, empty Go build cache"
    (fresh cold && timed "cold all" go tool mage all; rc=$?
     echo; timed "clean" go tool mage clean || echo "clean failed"; exit $rc)
    ;;
  warm-up)
    echo; echo "== warm-up: scripts/warm-up.sh (the dev container's postCreateCommand), then all, twice"
    (fresh warm && timed "warm-up" bash scripts/warm-up.sh &&
     echo && timed "all after the warm-up" go tool mage all &&
     echo && timed "all again" go tool mage all; rc=$?
     echo; timed "clean" go tool mage clean || echo "clean failed"; exit $rc)
    ;;
  *) echo "unknown phase $phase (cold, warm-up or floor)" >&2; exit 2 ;;
  esac
done
echo; echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
