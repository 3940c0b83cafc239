/**
 * WebGPU backend benchmarks: `deno bench -A bench/webgpu_bench.ts`
 * (with `DENO_WEBGPU_BACKEND=vulkan` on Linux).
 *
 * Every iteration records `reps` dispatches and reads one result back, since a
 * `mapAsync` costs about 11 ms in Deno whatever the size. Bench names carry the
 * work per iteration, and each case also logs its GFLOP/s (or GB/s) once at the
 * end, measured with `performance.now()` over a separate timed loop.
 *
 * @module
 */
import { type CorePrim, type CorePrimParams, runPrimitive } from "../core/bind.ts";
import "../core/rules.ts";
import type { Operand } from "../kernels/backend.ts";
import { createWebGpuBackend, probeAdapter } from "../kernels/webgpu/backend.ts";

const found = await probeAdapter();
if (!found) console.warn("webgpu bench: no WebGPU adapter; nothing to measure");
const g = found ? await createWebGpuBackend() : null;
if (g) console.log(g.info());

function randomOperand(shape: number[]): Operand {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  return { buffer: g!.upload(data, "f32"), shape, dtype: "f32" };
}

interface Case<P extends CorePrim> {
  name: string;
  prim: P;
  inputs: Operand[];
  params: CorePrimParams[P];
  out: number[];
  reps: number;
  /** Floating-point operations (or bytes, with `unit: "GB/s"`) per dispatch. */
  work: number;
  unit: "GFLOP/s" | "GB/s" | "us/dispatch";
}

/** Run `reps` dispatches then read one back; returns seconds. */
async function runCase<P extends CorePrim>(c: Case<P>): Promise<number> {
  const t0 = performance.now();
  let last = null;
  for (let r = 0; r < c.reps; r++) {
    const y = runPrimitive(g!, c.prim, c.inputs, c.params, { shape: c.out, dtype: "f32" });
    if (last) g!.release(last);
    last = y;
  }
  await g!.read(last!, "f32", 1);
  g!.release(last!);
  return (performance.now() - t0) / 1000;
}

const results: string[] = [];

function register<P extends CorePrim>(c: Case<P>): void {
  Deno.bench({
    name: `${c.name} x${c.reps}`,
    ignore: !g,
    n: 3,
    warmup: 1,
    async fn() {
      await runCase(c);
    },
  });
  if (!g) return;
  // One timed measurement beside deno bench's own, reported as a rate.
  Deno.bench({
    name: `${c.name} rate`,
    n: 1,
    warmup: 0,
    async fn() {
      const s = await runCase(c);
      const rate = c.unit === "us/dispatch" ? (s * 1e6) / c.reps : (c.work * c.reps) / s / 1e9;
      results.push(
        `${c.name}: ${rate.toFixed(2)} ${c.unit} (${c.reps} dispatches in ${
          (s * 1000).toFixed(1)
        } ms, including one ~11 ms readback)`,
      );
    },
  });
}

if (g) {
  for (const [n, reps] of [[256, 20], [512, 6], [1024, 2]]) {
    register({
      name: `matmul ${n}x${n}x${n}`,
      prim: "matmul",
      inputs: [randomOperand([n, n]), randomOperand([n, n])],
      params: { transA: false, transB: false },
      out: [n, n],
      reps,
      work: 2 * n * n * n,
      unit: "GFLOP/s",
    });
  }
  const x = randomOperand([1024, 128]);
  const w = randomOperand([128, 512]);
  const dy = randomOperand([1024, 512]);
  const flops = 2 * 1024 * 128 * 512;
  register({
    name: "matmul [1024x128]x[128x512] forward",
    prim: "matmul",
    inputs: [x, w],
    params: { transA: false, transB: false },
    out: [1024, 512],
    reps: 10,
    work: flops,
    unit: "GFLOP/s",
  });
  register({
    name: "matmul dX = dY W^T [1024x512]x[512x128] (transB)",
    prim: "matmul",
    inputs: [dy, w],
    params: { transA: false, transB: true },
    out: [1024, 128],
    reps: 10,
    work: flops,
    unit: "GFLOP/s",
  });
  register({
    name: "matmul dW = X^T dY [128x1024]x[1024x512] (transA)",
    prim: "matmul",
    inputs: [x, dy],
    params: { transA: true, transB: false },
    out: [128, 512],
    reps: 10,
    work: flops,
    unit: "GFLOP/s",
  });
  const big = randomOperand([1 << 20]);
  const big2 = randomOperand([1 << 20]);
  register({
    name: "binary mul 1M f32",
    prim: "binary",
    inputs: [big, big2],
    params: { op: "mul" },
    out: [1 << 20],
    reps: 50,
    work: 12 * (1 << 20),
    unit: "GB/s",
  });
  register({
    name: "unary exp 1M f32",
    prim: "unary",
    inputs: [big],
    params: { op: "exp" },
    out: [1 << 20],
    reps: 50,
    work: 8 * (1 << 20),
    unit: "GB/s",
  });
  register({
    name: "logSoftmax [4096,256]",
    prim: "logSoftmax",
    inputs: [randomOperand([4096, 256])],
    params: {},
    out: [4096, 256],
    reps: 20,
    work: 8 * 4096 * 256,
    unit: "GB/s",
  });
  const tiny = randomOperand([4]);
  register({
    name: "per-dispatch overhead (neg of 4 floats)",
    prim: "unary",
    inputs: [tiny],
    params: { op: "neg" },
    out: [4],
    reps: 2000,
    work: 0,
    unit: "us/dispatch",
  });
  Deno.bench({
    name: "summary",
    n: 1,
    warmup: 0,
    fn() {
      console.log("\n" + results.join("\n"));
    },
  });
}
