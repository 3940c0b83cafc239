/**
 * The matmuls inside the compiled nGPT training step against the same BLAS called directly:
 * each product of a width-`W` step (depth 2, batch 16, seq 64, head 32) is timed as the step runs
 * it (after warm-up; an epilogue's kernels excluded), then the same shape and transposes are
 * timed through `cblas_sgemm` into a reused output, and the two are compared: per shape and in
 * total (GFLOP/s and the in-step share of the direct speed; the target is ≥ 80 %). Both sides are
 * medians over calls, so that a time slice lost to another process counts on neither.
 *
 *   deno run -A bench/step_matmul_vs_blas.ts [width]        (default 128)
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any -- the backend's methods are wrapped to time them
import * as nu from "../mod.ts";
import { ngptStep } from "./ngpt_step.ts";
import { openBlas } from "../kernels/cpu/blas.ts";
import { medianCallMs } from "./peers/timing.ts";

const width = Number(Deno.args[0] ?? 128);
const blas = openBlas(true, { fallback: "nothing: this bench needs BLAS" });
if (!blas) throw new Error("step_matmul_vs_blas: no BLAS opened (run with -A)");
const run = ngptStep(width);
for (let i = 0; i < 10; i++) run();

interface Product {
  a: number[];
  b: number[];
  transA: boolean;
  transB: boolean;
  times: number[];
}
const products = new Map<string, Product>();
const be = nu.getBackend() as any;
let fusedMs = 0;
const note = (ops: any[], pr: any, ms: number) => {
  const key = `${ops[0].shape.join("x")} ${ops[1].shape.join("x")} ${pr.transA} ${pr.transB}`;
  const p = products.get(key) ??
    {
      a: ops[0].shape,
      b: ops[1].shape,
      transA: pr.transA,
      transB: pr.transB,
      times: [] as number[],
    };
  p.times.push(ms);
  products.set(key, p);
};
const wrap = (name: string, timed: (args: any[]) => boolean) => {
  const orig = be[name]?.bind(be);
  if (!orig) return;
  be[name] = (...args: any[]) => {
    const [t, f0] = [performance.now(), fusedMs];
    const r = orig(...args);
    const ms = performance.now() - t;
    if (name === "runFused") fusedMs += ms;
    else if (timed(args)) {
      const [ops, pr] = name === "runMatmulEpilogue" ? args : args.slice(1);
      note(ops, pr, ms - (fusedMs - f0));
    }
    return r;
  };
};
wrap("runFused", () => false);
wrap("run", (args) => args[0] === "matmul");
wrap("runInto", (args) => args[0] === "matmul");
wrap("runMatmulEpilogue", () => true);
const N = 5;
for (let i = 0; i < N; i++) run();

/** Median ms of `cblas_sgemm` for product `p` (batched: one call per batch element) into a reused output. */
function direct(p: Product): number {
  const [ra, rb] = [p.a.length, p.b.length];
  const m = p.transA ? p.a[ra - 1] : p.a[ra - 2], k = p.transA ? p.a[ra - 2] : p.a[ra - 1];
  const n = p.transB ? p.b[rb - 2] : p.b[rb - 1];
  const count = p.a.slice(0, -2).reduce((x, d) => x * d, 1);
  const a = Float32Array.from({ length: m * k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: k * n }, () => Math.random() - 0.5);
  const c = new Float32Array(m * n);
  const once = () => {
    for (let t = 0; t < count; t++) {
      blas!.gemm({ a, b, c, m, n, k, transA: p.transA, transB: p.transB });
    }
  };
  return medianCallMs(once, 5, 30);
}

const flopsOf = (p: Product) => {
  const ra = p.a.length;
  const [m, k] = p.transA ? [p.a[ra - 1], p.a[ra - 2]] : [p.a[ra - 2], p.a[ra - 1]];
  const n = p.transB ? p.b[p.b.length - 2] : p.b[p.b.length - 1];
  return 2 * m * n * k * p.a.slice(0, -2).reduce((x, d) => x * d, 1);
};
console.log(`width ${width}; ${blas.description}; median ms per product`);
let [inStep, straight] = [0, 0];
for (const [key, p] of products) {
  const ms = [...p.times].sort((x, y) => x - y)[p.times.length >> 1], ref = direct(p);
  const reps = p.times.length / N;
  inStep += ms * reps;
  straight += ref * reps;
  const gf = (t: number) => (flopsOf(p) / t / 1e6).toFixed(1).padStart(6);
  console.log(
    `${key.padEnd(32)} x${reps}  step ${ms.toFixed(3)} ms (${gf(ms)} GFLOP/s)  direct ${
      ref.toFixed(3)
    } ms (${gf(ref)})  ${(100 * ref / ms).toFixed(0)} %`,
  );
}
console.log(
  `all products: step ${inStep.toFixed(1)} ms, direct ${straight.toFixed(1)} ms: ${
    (100 * straight / inStep).toFixed(0)
  } % of the direct speed`,
);
