/**
 * A batched product whose bits equal the same products made one at a time.
 *
 * A vmapped group of runs multiplies its members' matrices in one batched call where each run
 * alone makes a single call, and a member must train exactly as it would alone. oneDNN's matmul
 * primitive gives a batch the bits of `sgemm` on some machines (an Intel Xeon with AVX-512,
 * every shape of the nGPT step) and not on others (an AMD EPYC with AVX2: batches of more than
 * one product with k ≥ 64 sum in another order). So each shape of batch is checked once, on
 * operands made from a fixed seed, against the per-matrix GEMM; a shape whose batch differs by
 * a bit runs one product at a time from then on.
 *
 * @example
 * ```ts
 * import { referenceGemm } from "./blas_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * import { bitExactBatched, oneProductAtATime } from "./batched_bits.ts";
 * // A batched call that adds 1 to every output: never the per-matrix bits.
 * const offByOne: Parameters<typeof bitExactBatched>[0] = (x) => {
 *   oneProductAtATime(referenceGemm)(x);
 *   x.c.forEach((v, i) => (x.c[i] = v + 1));
 * };
 * const batched = bitExactBatched(offByOne, referenceGemm);
 * const c = new Float32Array(2);
 * batched({ a: new Float32Array([2, 3]), b: new Float32Array([5, 7]), c, batch: 2, m: 1, n: 1,
 *   k: 1, transA: false, transB: false });
 * assertEquals([...c], [10, 21]);
 * ```
 *
 * @module
 */
import type { GemmFn } from "./blas_check.ts";
import type { BatchedArgs, BatchedGemm } from "./onednn_batched.ts";

/** Shapes remembered; past this the memory is emptied (a step uses a handful). */
const MAX_SHAPES = 1024;

/** Products checked per shape: two (the first two matrices of a batch are enough to differ). */
const CHECKED = 2;

/**
 * `batched`, checked shape by shape against `gemm` one matrix at a time (see the module): a
 * shape whose batch does not give the per-matrix bits runs through `gemm` per matrix.
 */
export function bitExactBatched(batched: BatchedGemm, gemm: GemmFn): BatchedGemm {
  const sameBits = new Map<string, boolean>();
  const perMatrix = oneProductAtATime(gemm);
  return (x) => {
    if (x.batch <= 1) return perMatrix(x);
    const key = `${x.batch} ${x.m} ${x.n} ${x.k} ${x.transA} ${x.transB}`;
    let same = sameBits.get(key);
    if (same === undefined) {
      same = agrees(batched, perMatrix, x);
      if (sameBits.size >= MAX_SHAPES) sameBits.clear();
      sameBits.set(key, same);
    }
    if (same) batched(x);
    else perMatrix(x);
  };
}

/**
 * A batched call made of one `gemm` call per product: the bits a batch must match.
 *
 * @example
 * ```ts
 * import { oneProductAtATime } from "./batched_bits.ts";
 * import { referenceGemm } from "./blas_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const c = new Float32Array(2);
 * oneProductAtATime(referenceGemm)({ a: new Float32Array([2, 3]), b: new Float32Array([5, 7]), c,
 *   batch: 2, m: 1, n: 1, k: 1, transA: false, transB: false });
 * assertEquals([...c], [10, 21]);
 * ```
 */
export function oneProductAtATime(gemm: GemmFn): BatchedGemm {
  return (x) => {
    const [mk, kn, mn] = [x.m * x.k, x.k * x.n, x.m * x.n];
    for (let t = 0; t < x.batch; t++) {
      gemm({
        a: x.a.subarray(t * mk, (t + 1) * mk),
        b: x.b.subarray(t * kn, (t + 1) * kn),
        c: x.c.subarray(t * mn, (t + 1) * mn),
        m: x.m,
        n: x.n,
        k: x.k,
        transA: x.transA,
        transB: x.transB,
      });
    }
  };
}

/** Whether `batched` gives `perMatrix`'s bits on seeded operands of `x`'s shape. */
function agrees(batched: BatchedGemm, perMatrix: BatchedGemm, x: BatchedArgs): boolean {
  const [mk, kn, mn] = [x.m * x.k, x.k * x.n, x.m * x.n];
  // The whole batch runs (its size can choose the kernel); the first CHECKED products are compared.
  const a = seeded(x.batch * mk, 1), b = seeded(x.batch * kn, 2);
  const viaBatch = new Float32Array(x.batch * mn), oneByOne = new Float32Array(CHECKED * mn);
  batched({ ...x, a, b, c: viaBatch });
  perMatrix({ ...x, a, b, c: oneByOne, batch: CHECKED });
  for (let i = 0; i < CHECKED * mn; i++) if (!Object.is(viaBatch[i], oneByOne[i])) return false;
  return true;
}

/** `length` values in [-1, 1) from a small linear congruential generator seeded by `seed`. */
function seeded(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
