/**
 * CPU backend benchmarks: `deno bench -A bench/cpu_bench.ts`.
 *
 * Each bench runs one primitive on buffers uploaded once and releases the
 * result. Work per iteration (for GFLOP/s and GB/s) is in each bench's name:
 * matmul n^3 does 2n^3 flops; elementwise and reductions move the bytes named.
 */
import { type CorePrim, type CorePrimParams, runPrimitive } from "../core/bind.ts";
import "../core/rules.ts";
import type { DType, OutSpec, Shape } from "../kernels/backend.ts";
import { createCpuBackend } from "../kernels/cpu/backend.ts";

const blas = createCpuBackend();
const fallback = createCpuBackend({ blas: false });

function random(n: number, dtype: DType): Float32Array | Float64Array {
  const a = dtype === "f64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** A function that runs `prim` once on fixed random inputs and frees the output. */
function prepare<P extends CorePrim>(
  backend: typeof blas,
  prim: P,
  shapes: readonly Shape[],
  params: CorePrimParams[P],
  out: OutSpec,
): () => void {
  const ops = shapes.map((shape) => ({
    buffer: backend.upload(random(shape.reduce((a, b) => a * b, 1), out.dtype), out.dtype),
    shape,
    dtype: out.dtype,
  }));
  return () => backend.release(runPrimitive(backend, prim, ops, params, out));
}

const NN = { transA: false, transB: false };

for (const n of [256, 512, 1024]) {
  const gflop = (2 * n ** 3) / 1e9;
  if (blas.blasLibrary !== null) {
    const run = prepare(blas, "matmul", [[n, n], [n, n]], NN, { shape: [n, n], dtype: "f32" });
    Deno.bench(`matmul f32 ${n}^3 BLAS (${gflop.toFixed(3)} GFLOP)`, { group: `matmul ${n}` }, run);
  }
  if (n <= 512) {
    const run = prepare(fallback, "matmul", [[n, n], [n, n]], NN, { shape: [n, n], dtype: "f32" });
    Deno.bench(`matmul f32 ${n}^3 TS fallback (${gflop.toFixed(3)} GFLOP)`, {
      group: `matmul ${n}`,
    }, run);
  }
}
if (blas.blasLibrary !== null) {
  const run = prepare(blas, "matmul", [[512, 512], [512, 512]], NN, {
    shape: [512, 512],
    dtype: "f64",
  });
  Deno.bench("matmul f64 512^3 BLAS (0.268 GFLOP)", run);
}

const M = 1 << 20;
Deno.bench(
  "add f32 1M same shape (12 MB moved)",
  prepare(fallback, "binary", [[M], [M]], { op: "add" }, { shape: [M], dtype: "f32" }),
);
Deno.bench(
  "add f32 [1024,1024] + [1024] bias (8 MB moved)",
  prepare(fallback, "binary", [[1024, 1024], [1024]], { op: "add" }, {
    shape: [1024, 1024],
    dtype: "f32",
  }),
);
Deno.bench(
  "exp f32 1M (8 MB moved)",
  prepare(fallback, "unary", [[M]], { op: "exp" }, { shape: [M], dtype: "f32" }),
);
Deno.bench(
  "reduceSum f32 [1024,1024] last axis (4 MB read)",
  prepare(fallback, "reduceSum", [[1024, 1024]], { axes: [1] }, {
    shape: [1024, 1],
    dtype: "f32",
  }),
);
Deno.bench(
  "reduceSum f32 [1024,1024] axis 0 (4 MB read)",
  prepare(fallback, "reduceSum", [[1024, 1024]], { axes: [0] }, {
    shape: [1, 1024],
    dtype: "f32",
  }),
);
Deno.bench(
  "logSoftmax f32 [4096,256] (8 MB moved)",
  prepare(fallback, "logSoftmax", [[4096, 256]], {}, { shape: [4096, 256], dtype: "f32" }),
);
