/**
 * The WebAssembly SIMD renderer of fused kernels against the JavaScript one,
 * on one thread: a fused elementwise chain over 1M f32 with an exp and a
 * division, `y = exp(x - m) / (1 + x·x)` (`m` broadcast), writing into a
 * reused array; and a row softmax (`[1024, 1000]`, a reduction and its second
 * pass). Wasm runs on ordinary arrays (copied into and out of its memory
 * around each call) and on arrays allocated in its memory (`fusedAlloc`, no
 * copy), on one thread and split over the Worker threads.
 *
 *   deno bench -A bench/wasm_fused_bench.ts
 *
 * @module
 */
import { runFusedJs } from "../kernels/cpu/codegen.ts";
import {
  runFusedWasm,
  setFusedWasm,
  startFusedThreads,
} from "../kernels/cpu/wasm/fused_dispatch.ts";
import { defaultThreads } from "../kernels/cpu/wasm/wasm_gemm.ts";
import { fusedAlloc } from "../kernels/cpu/wasm/fused_memory.ts";
import type { FusedKernel } from "../kernels/fused.ts";

setFusedWasm({ enabled: true });
await startFusedThreads();
const one = () => setFusedWasm({ threads: 1 });
const all = () => setFusedWasm({ threads: defaultThreads(), threadMinElements: 1 << 17 });
const N = 1 << 20;

const chain: FusedKernel = {
  shape: [N],
  inputs: [{ dtype: "f32", strides: [1], offset: 0 }, { dtype: "f32", strides: [0], offset: 0 }],
  nodes: [
    { fn: "load", input: 0, dtype: "f32" },
    { fn: "load", input: 1, dtype: "f32" },
    { fn: "sub", args: [0, 1], dtype: "f32" },
    { fn: "exp", args: [2], dtype: "f32" },
    { fn: "mul", args: [0, 0], dtype: "f32" },
    { fn: "const", value: 1, dtype: "f32" },
    { fn: "add", args: [4, 5], dtype: "f32" },
    { fn: "div", args: [3, 6], dtype: "f32" },
  ],
  outputs: [7],
};

const ROWS = 1024, COLS = 1000;
const softmax: FusedKernel = {
  shape: [ROWS, COLS],
  inputs: [{ dtype: "f32", strides: [COLS, 1], offset: 0 }],
  nodes: [
    { fn: "load", input: 0, dtype: "f32" },
    { fn: "exp", args: [0], dtype: "f32" },
    { fn: "reduced", dtype: "f32" },
    { fn: "div", args: [1, 2], dtype: "f32" },
  ],
  outputs: [3],
  reduce: { op: "sum", node: 1, axes: [1] },
};

function fill(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * 4;
  return a;
}

const x = fill(new Float32Array(N)), m = new Float32Array([0.5]), y = new Float32Array(N);
const xw = fill(fusedAlloc("f32", N) as Float32Array);
const mw = fusedAlloc("f32", 1) as Float32Array;
mw[0] = 0.5;
const yw = fusedAlloc("f32", N) as Float32Array;

Deno.bench(
  "chain 1M f32 (exp, div): JavaScript renderer",
  { group: "chain", baseline: true },
  () => {
    runFusedJs(chain, [x, m], [y]);
  },
);
Deno.bench("chain 1M f32 (exp, div): Wasm SIMD, in its memory", { group: "chain" }, () => {
  one();
  runFusedWasm(chain, [xw, mw], [yw]);
});
Deno.bench("chain 1M f32 (exp, div): Wasm SIMD, copied in and out", { group: "chain" }, () => {
  one();
  runFusedWasm(chain, [x, m], [y]);
});
Deno.bench(
  `chain 1M f32 (exp, div): Wasm SIMD, in its memory, ${defaultThreads()} threads`,
  { group: "chain" },
  () => {
    all();
    runFusedWasm(chain, [xw, mw], [yw]);
  },
);

const s = fill(new Float32Array(ROWS * COLS)), so = new Float32Array(ROWS * COLS);
const st = new Float32Array(ROWS);
const sw = fill(fusedAlloc("f32", ROWS * COLS) as Float32Array);
const sow = fusedAlloc("f32", ROWS * COLS), stw = fusedAlloc("f32", ROWS);

Deno.bench(
  "softmax [1024, 1000]: JavaScript renderer",
  { group: "softmax", baseline: true },
  () => {
    runFusedJs(softmax, [s], [so, st]);
  },
);
Deno.bench("softmax [1024, 1000]: Wasm SIMD, in its memory", { group: "softmax" }, () => {
  one();
  runFusedWasm(softmax, [sw], [sow, stw]);
});
Deno.bench("softmax [1024, 1000]: Wasm SIMD, copied in and out", { group: "softmax" }, () => {
  one();
  runFusedWasm(softmax, [s], [so, st]);
});
Deno.bench(
  `softmax [1024, 1000]: Wasm SIMD, in its memory, ${defaultThreads()} threads`,
  { group: "softmax" },
  () => {
    all();
    runFusedWasm(softmax, [sw], [sow, stw]);
  },
);
