#!/usr/bin/env bash
# Sweep wall time, grouped (--group auto) against one run at a time (--group 1): the same
# command on the same machine, one after the other, each into a fresh folder. Prints both times
# (and CPU seconds, and the load), the group sizes the grouped sweep used, whether the runs both
# trained have the same final losses, and each curve's fitted lr* in both.
#
#   bench/transfer/group_speed.sh [preset] [extra sweep flags...]     (default preset: quick)
#
# Times taken on a loaded machine are noisy: run it on a quiet one for figures to report.
set -euo pipefail
cd "$(dirname "$0")/../.."
preset="${1:-quick}"
shift || true
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
run() {
  local group="$1" out="$dir/group-$1"
  local t0 t1
  shift
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$dir/cpu-$group.txt" \
    deno run -A bench/transfer/main.ts --preset "$preset" --group "$group" --out "$out" "$@" \
    >"$dir/log-$group.txt" 2>&1 || { cat "$dir/log-$group.txt" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
# CPU seconds (user + system, the shard processes included) of a sweep: less disturbed by other
# work on a shared machine than its wall time.
cpu() { awk '{ printf "%.1f", $1 + $2 }' "$dir/cpu-$1.txt"; }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "preset: $preset $*"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ungrouped=$(run 1 "$@")
echo "load after --group 1: $(cut -d' ' -f1-3 /proc/loadavg)"
grouped=$(run auto "$@")
echo "load after --group auto: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--group 1:    ${ungrouped} s (CPU $(cpu 1) s)"
echo "--group auto: ${grouped} s (CPU $(cpu auto) s)"
echo "speed-up: $(echo "scale=2; $ungrouped / $grouped" | bc)x"
echo "closing lines (with the group sizes of the grouped sweep):"
grep -h 'runs trained' "$dir/log-1.txt" "$dir/log-auto.txt" || true
# Adaptive sweeps: the grouped one searches with batch-aware rounds (a few runs may differ);
# the runs both trained must agree, and each curve's fitted lr* is printed side by side.
deno run -A bench/transfer/tools/same_results.ts "$dir/group-1" "$dir/group-auto" 1e-3 --common
