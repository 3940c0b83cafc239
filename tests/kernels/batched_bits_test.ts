/**
 * Batched f32 products give the bits of the same products made one at a time — what a vmapped
 * group needs to train each member exactly as it would train alone: the check per shape
 * (`kernels/cpu/batched_bits.ts`) with a batched call that differs and one that agrees, and the
 * backend's oneDNN batches on the step's shapes, every transpose (on an AMD EPYC with AVX2,
 * oneDNN's own batches of k ≥ 64 differ from its `sgemm` in the last bits).
 */
import { oneDnnLibrary, requires } from "../requires.ts";
import { bitExactBatched, oneProductAtATime } from "../../kernels/cpu/batched_bits.ts";
import { type GemmFn, referenceGemm } from "../../kernels/cpu/blas_check.ts";
import type { BatchedArgs } from "../../kernels/cpu/onednn_batched.ts";
import { openBlas } from "../../kernels/cpu/blas.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

/** A batch of `batch` products `[m,k]·[k,n]` with deterministic operands. */
function batchArgs(batch: number, m: number, n: number, k: number, tA = false, tB = false) {
  const a = Float32Array.from({ length: batch * m * k }, (_, i) => Math.sin(i * 0.37) * 0.8);
  const b = Float32Array.from({ length: batch * k * n }, (_, i) => Math.cos(i * 0.53) * 0.6);
  const c = new Float32Array(batch * m * n).fill(NaN);
  return { a, b, c, batch, m, n, k, transA: tA, transB: tB };
}

/** One product at a time through `gemm`, into a fresh output. */
function oneAtATime(gemm: GemmFn, x: BatchedArgs): Float32Array {
  const out = new Float32Array(x.batch * x.m * x.n);
  oneProductAtATime(gemm)({ ...x, c: out });
  return out;
}

/** A batched call that computes each product with the reference, then `nudge`s every output. */
function fakeBatched(nudge: (v: number) => number, calls: { n: number }) {
  return (x: BatchedArgs) => {
    calls.n++;
    oneProductAtATime(referenceGemm)(x);
    x.c.forEach((v, i) => (x.c[i] = nudge(v)));
  };
}

Deno.test("bitExactBatched: a shape whose batch is off by a bit runs one product at a time", () => {
  const calls = { n: 0 };
  // The last bit of every output flipped: close, but not the per-matrix bits.
  const flip = new Float32Array(1), bits = new Int32Array(flip.buffer);
  const offByAnUlp = (v: number) => ((flip[0] = v), (bits[0] ^= 1), flip[0]);
  const batched = bitExactBatched(fakeBatched(offByAnUlp, calls), referenceGemm);
  for (let i = 0; i < 3; i++) {
    const x = batchArgs(4, 5, 3, 7, i === 1, i === 2);
    batched(x);
    assertEquals([...x.c], [...oneAtATime(referenceGemm, x)]);
  }
  // Each shape's batched call ran once, for its check, and never again.
  const again = batchArgs(4, 5, 3, 7);
  batched(again);
  assertEquals(calls.n, 3);
});

Deno.test("bitExactBatched: a shape whose batch agrees keeps the batched call", () => {
  const calls = { n: 0 };
  const batched = bitExactBatched(fakeBatched((v) => v, calls), referenceGemm);
  const x = batchArgs(3, 4, 4, 4);
  batched(x);
  batched(x);
  assertEquals(calls.n, 3, "the check's call and one call per use");
  assertEquals([...x.c], [...oneAtATime(referenceGemm, x)]);
});

requires(oneDnnLibrary(), {
  name: "the CPU backend's batched products give the bits of its one-at-a-time products",
  fn() {
    const blas = openBlas();
    assertTrue(blas?.gemmBatched !== undefined, "oneDNN opened without batched products");
    // The step's shapes and a vmapped group's: attention's, and whole products of a group.
    const shapes: [number, number, number, number][] = [
      [64, 64, 32, 64],
      [64, 64, 64, 32],
      [64, 32, 64, 64],
      [3, 32, 32, 128],
      [3, 32, 128, 32],
      [3, 1024, 32, 32],
      [3, 32, 32, 1024],
    ];
    for (const [batch, m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const x = batchArgs(batch, m, n, k, transA, transB);
          blas!.gemmBatched!(x);
          const want = oneAtATime(blas!.gemm, x);
          const what = `${batch}x${m}x${n}x${k} transA=${transA} transB=${transB}`;
          for (let i = 0; i < want.length; i++) {
            if (!Object.is(x.c[i], want[i])) {
              throw new Error(`${what}: [${i}] ${x.c[i]} vs ${want[i]}`);
            }
          }
        }
      }
    }
  },
});
