#!/usr/bin/env bash
# WebGPU matmul benchmark on a GPU machine without network (one NVIDIA H100 here):
# nugrad-webgpu and jax-js's WebGPU backend (vendored in bench/peers/vendor/) side by side,
# square sizes up to 4096^3 plus the transformer shapes, elementwise, softmax and overhead.
#
# Run from the repository root. Needs, carried beside the working tree:
#   .bin/deno.xz   xz-compressed Deno binary (DENO_XZ overrides the path; a `deno` on PATH is
#                  used when the file is absent)
#   .gl/*.deb      the Vulkan loader and friends (unpacked into / as the device README says)
# Writes to $OUT (default /tmp/out): adapter.json, gpu.txt, peers.json, peers.md, peers.log.
#
#   bash bench/peers/gpu_device.sh [extra arguments for bench/peers/matmul.ts]
set -uo pipefail
OUT="${OUT:-/tmp/out}"
mkdir -p "$OUT"
cd "$(dirname "$0")/../.." || exit 1
log() { echo "[gpu_device] $*" | tee -a "$OUT/peers.log"; }

# The loader is unpacked only where it is missing (a machine that has one keeps its own).
shopt -s nullglob
debs=(.gl/*.deb)
if ! ldconfig -p | grep -q libvulkan && ((${#debs[@]})); then
  for f in "${debs[@]}"; do dpkg -x "$f" /; done
  ldconfig
  log "unpacked ${#debs[@]} .deb files from .gl/"
fi
if ! ldconfig -p | grep -q libvulkan; then log "warning: no libvulkan in ldconfig -p"; fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "${VK_DRIVER_FILES:-}" && -f "$icd" ]]; then
  export VK_DRIVER_FILES="$icd"
  log "VK_DRIVER_FILES=$icd"
fi

DENO_XZ="${DENO_XZ:-.bin/deno.xz}"
if [[ -f "$DENO_XZ" ]]; then
  DENO="$(mktemp -d /tmp/nugrad-deno.XXXXXX)/deno"
  xz -dc "$DENO_XZ" >"$DENO" && chmod +x "$DENO" || exit 1
elif command -v deno >/dev/null; then
  DENO=$(command -v deno)
else
  log "error: no $DENO_XZ and no deno on PATH"
  exit 1
fi
log "deno: $("$DENO" --version | head -1)"

export DENO_WEBGPU_BACKEND=vulkan DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
export DENO_DIR="${DENO_DIR:-/tmp/deno-dir}"
(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 ||
  echo "nvidia-smi unavailable") | tee "$OUT/gpu.txt"

# --no-lock: deno.lock pins npm packages this run never loads (no network here); only files of
# the repository are imported: the library, bench/peers/*.ts and the vendored jax-js.
"$DENO" run -A --no-lock bench/peers/adapter_info.ts "$OUT/adapter.json" 2>&1 | tee -a "$OUT/peers.log"

timeout "${BENCH_TIMEOUT:-420}" "$DENO" run -A --no-lock bench/peers/matmul.ts \
  --backends webgpu,jax-webgpu --jax-module bench/peers/vendor/jax-js-0.1.25.js \
  --sizes 256,512,1024,2048,4096 --gpu-max 4096 --cell-timeout 90 \
  --out "$OUT/peers.json" "$@" >"$OUT/peers.md" 2> >(tee -a "$OUT/peers.log" >&2)
rc=$?
cat "$OUT/peers.md"
log "matmul.ts exit status $rc"
exit $rc
