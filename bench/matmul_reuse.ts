/**
 * The matmul the compiled step runs against the same library called directly: for each shape,
 * the median time of `cblas_sgemm` (or the Wasm GEMM) into a reused output and into a fresh
 * `Float32Array`, and of the CPU backend's matmul as eager code calls it (`run` + `release`,
 * drawing on the pool) and as a compiled program does (`runInto` an arena buffer); GFLOP/s and
 * the share of the direct reused-output speed.
 *
 *   deno run -A bench/matmul_reuse.ts [--shapes 1024x128x512,...] [--iters 50] [--wasm]
 *
 * A shape `MxKxN` is the product [M×K]·[K×N]. `--wasm` measures the Wasm SIMD GEMM instead of BLAS.
 * `--batched` times batches of small products instead (shapes `BxMxKxN`, default attention's
 * 64 products of 64×32×64, 64×64×32 and their transposes): one library call per product against
 * the library's batched call (oneDNN), medians per product.
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import { medianCallMs } from "./peers/timing.ts";
import { createCpuBackend } from "../kernels/cpu/backend.ts";
import { openBlas } from "../kernels/cpu/blas.ts";
import { wasmGemm } from "../kernels/cpu/wasm/wasm_gemm.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    shapes: { type: "string", default: "1024x128x512,1024x512x128,1024x128x128" },
    iters: { type: "string", default: "50" },
    wasm: { type: "boolean", default: false },
    batched: { type: "boolean", default: false },
  },
});
const iters = Number(values.iters);
const useWasm = values.wasm;

const median = (fn: () => void) => medianCallMs(fn, 5, iters);

const blas = useWasm ? null : openBlas(true, { fallback: "nothing: this bench needs BLAS" });
const wasm = useWasm ? wasmGemm() : null;
if (!blas && !wasm) throw new Error("matmul_reuse: no BLAS opened (run with -A, or pass --wasm)");
const cpu = createCpuBackend(useWasm ? { blas: false, matmul: "wasm" } : { matmul: "blas" });
console.log(`library: ${blas?.description ?? wasm!.description}; backend: ${cpu.info()}`);

if (values.batched) {
  if (!blas?.gemmBatched) {
    throw new Error("matmul_reuse --batched: the library has no batched call");
  }
  const given = values.shapes === "1024x128x512,1024x512x128,1024x128x128"
    ? undefined
    : values.shapes;
  for (const shape of (given ?? "64x64x32x64,64x64x64x32").split(",")) {
    const [batch, m, k, n] = shape.split("x").map(Number);
    for (const [transA, transB] of [[false, false], [false, true], [true, false]]) {
      const a = Float32Array.from({ length: batch * m * k }, () => Math.random() * 2 - 1);
      const b = Float32Array.from({ length: batch * k * n }, () => Math.random() * 2 - 1);
      const c = new Float32Array(batch * m * n);
      const each = median(() => {
        for (let t = 0; t < batch; t++) {
          blas.gemm({
            a: a.subarray(t * m * k, (t + 1) * m * k),
            b: b.subarray(t * k * n, (t + 1) * k * n),
            c: c.subarray(t * m * n, (t + 1) * m * n),
            m,
            n,
            k,
            transA,
            transB,
          });
        }
      });
      const once = median(() => blas.gemmBatched!({ a, b, c, batch, m, n, k, transA, transB }));
      const us = (ms: number) => (1000 * ms / batch).toFixed(2).padStart(6);
      console.log(
        `${batch} x [${m}x${k}]·[${k}x${n}] transA=${transA} transB=${transB}: ` +
          `one call each ${us(each)} us, batched ${us(once)} us a product`,
      );
    }
  }
  Deno.exit(0);
}

for (const shape of values.shapes.split(",")) {
  const [m, k, n] = shape.split("x").map(Number);
  const a = Float32Array.from({ length: m * k }, () => Math.random() * 2 - 1);
  const b = Float32Array.from({ length: k * n }, () => Math.random() * 2 - 1);
  const direct = (c: Float32Array) => {
    if (blas) blas.gemm({ a, b, c, m, n, k, transA: false, transB: false });
    else {wasm!.matmul({
        a,
        b,
        aOffs: [0],
        bOffs: [0],
        m,
        n,
        k,
        transA: false,
        transB: false,
        out: c,
      });}
  };
  const reused = new Float32Array(m * n);
  const ops = [
    { buffer: cpu.upload(a, "f32"), shape: [m, k], dtype: "f32" as const },
    { buffer: cpu.upload(b, "f32"), shape: [k, n], dtype: "f32" as const },
  ];
  const params = { transA: false, transB: false };
  const spec = { shape: [m, n], dtype: "f32" as const };
  const target = cpu.alloc("f32", m * n);
  const rows: [string, number][] = [
    ["direct, reused output", median(() => direct(reused))],
    ["direct, fresh output", median(() => direct(new Float32Array(m * n)))],
    [
      "backend run + release (pool)",
      median(() => cpu.release(cpu.run("matmul", ops, params, spec))),
    ],
    ["backend runInto (arena)", median(() => cpu.runInto("matmul", ops, params, spec, target))],
  ];
  const flop = 2 * m * n * k;
  const base = rows[0][1];
  console.log(`\n[${m}x${k}]·[${k}x${n}]`);
  for (const [name, ms] of rows) {
    const gflops = flop / ms / 1e6;
    console.log(
      `${name.padEnd(30)} ${ms.toFixed(3).padStart(8)} ms ${
        gflops.toFixed(1).padStart(7)
      } GFLOP/s ` +
        `${(100 * base / ms).toFixed(0).padStart(4)} % of direct reused`,
    );
  }
  for (const op of ops) cpu.release(op.buffer);
  cpu.release(target);
}
