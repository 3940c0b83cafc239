/**
 * The Wasm SIMD GEMM (the matmul of a script run without `--allow-ffi`) at the shapes of the
 * width-128 nGPT step: attention's 64 small products per call and the single large ones, with
 * operands in the fused kernels' memory (as the CPU backend's buffers are: used in place) and in
 * plain `Float32Array`s (copied in and out). Median of 60 calls after 20, GFLOP/s; Worker threads
 * started first.
 *
 *   deno run --allow-read --allow-env bench/wasm_gemm.ts [--placement fused,plain]
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import { medianCallMs } from "./peers/timing.ts";
import { fusedAlloc, fusedFree } from "../kernels/cpu/wasm/fused_memory.ts";
import { wasmGemm } from "../kernels/cpu/wasm/wasm_gemm.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { placement: { type: "string", default: "fused,plain" } },
});

const gemm = wasmGemm();
if (!gemm) throw new Error("wasm_gemm: this runtime has no WebAssembly SIMD");
await gemm.startThreads();
console.log(`${gemm.description}`);

/** `[batch, m, k, n, transA, transB]`: products of the width-128 step (depth 2, batch 16). */
const SHAPES: [number, number, number, number, boolean, boolean][] = [
  [64, 64, 32, 64, false, true],
  [64, 64, 64, 32, false, false],
  [64, 64, 64, 32, true, false],
  [64, 32, 64, 64, true, false],
  [1, 1024, 128, 512, false, false],
  [1, 1024, 512, 128, false, false],
  [1, 1024, 128, 512, false, true],
  [1, 128, 1024, 128, true, false],
  [1, 512, 1024, 128, true, false],
];

for (const placement of values.placement.split(",")) {
  if (placement !== "fused" && placement !== "plain") {
    throw new Error(`wasm_gemm: --placement takes fused and/or plain, got ${placement}`);
  }
  const taken: Float32Array[] = [];
  const array = (length: number) => {
    const x = placement === "fused"
      ? fusedAlloc("f32", length) as Float32Array
      : new Float32Array(length);
    if (placement === "fused") taken.push(x);
    for (let i = 0; i < length; i++) x[i] = Math.random() * 2 - 1;
    return x;
  };
  console.log(`\noperands ${placement === "fused" ? "in the fused memory" : "in plain arrays"}`);
  for (const [batch, m, k, n, transA, transB] of SHAPES) {
    const a = array(batch * m * k), b = array(batch * k * n), out = array(batch * m * n);
    const aOffs = Array.from({ length: batch }, (_, t) => t * m * k);
    const bOffs = Array.from({ length: batch }, (_, t) => t * k * n);
    const ms = medianCallMs(
      () => gemm.matmul({ a, b, aOffs, bOffs, m, n, k, transA, transB, out }),
      20,
      60,
    );
    const name = `${batch > 1 ? `${batch} x ` : ""}[${m}x${k}]·[${k}x${n}]` +
      `${transA ? " transA" : ""}${transB ? " transB" : ""}`;
    console.log(
      `${name.padEnd(36)} ${(1000 * ms).toFixed(0).padStart(6)} µs ` +
        `${(2 * batch * m * n * k / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`,
    );
  }
  taken.forEach(fusedFree);
}
