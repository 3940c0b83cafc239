/**
 * What every benchmarked library ("engine") implements, and the cases they run.
 *
 * An engine turns a {@linkcode BenchCase} into a {@linkcode Prepared} runner:
 * inputs uploaded once, then `run(reps)` issues `reps` independent ops on those
 * inputs and ends in one synchronisation (a readback or the library's
 * equivalent), so that the cost of the sync is amortised over `reps` ops.
 *
 * @example
 * ```ts
 * import { caseWork, matmulCase } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const c = matmulCase(256, 256, 256);
 * assertEquals(caseWork(c), { amount: 2 * 256 ** 3, unit: "GFLOP/s" });
 * ```
 *
 * @module
 */

/** A matmul `op(A)·op(B)` with `op(A)` of shape [m,k] and `op(B)` of shape [k,n]. */
export interface MatmulCase {
  kind: "matmul";
  label: string;
  m: number;
  k: number;
  n: number;
  /** A is stored as [k,m] and used transposed. */
  transA: boolean;
  /** B is stored as [n,k] and used transposed. */
  transB: boolean;
}

/** Elementwise `a + b` or `exp(a)` on `size` f32 values. */
export interface ElementwiseCase {
  kind: "add" | "exp";
  label: string;
  size: number;
}

/** Softmax over the last axis of a [rows, cols] f32 matrix. */
export interface SoftmaxCase {
  kind: "softmax";
  label: string;
  rows: number;
  cols: number;
}

/** Many tiny `a + b` ops of `size` values before one sync: per-op cost. */
export interface OverheadCase {
  kind: "overhead";
  label: string;
  size: number;
}

/** One benchmark case, run identically by every engine. */
export type BenchCase = MatmulCase | ElementwiseCase | SoftmaxCase | OverheadCase;

/** Units a result is reported in; `us/op` is lower-is-better, the others higher-is-better. */
export type Unit = "GFLOP/s" | "GB/s" | "us/op";

/** A prepared case: inputs live on the engine's device. */
export interface Prepared {
  /** Issue `reps` ops, then wait for them through one sync (readback). */
  run(reps: number): Promise<void>;
  /** Run one op and read element 0 of its result (for {@linkcode expectedFirst}). */
  first(): Promise<number>;
  /** Free the inputs. */
  dispose(): void;
}

/** A library under test. */
export interface Engine {
  /** Short column name, e.g. `nugrad-cpu`, `jax-wasm`. */
  readonly name: string;
  /** One line: library version, device, adapter or BLAS library. */
  readonly info: string;
  /** `gpu` engines are limited by `--gpu-max`. */
  readonly device: "cpu" | "gpu";
  /** How one run synchronises, for the report (e.g. "one 4-byte readback"). */
  readonly sync: string;
  /** A runner for `c`, or a string saying why this engine skips it. */
  prepare(c: BenchCase, inputs: readonly Float32Array[]): Prepared | string;
  /** Release the device (optional). */
  close?(): void;
}

/**
 * A square or rectangular matmul case; the label names shapes as stored.
 *
 * @example
 * ```ts
 * import { matmulCase } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(matmulCase(1024, 512, 128, { transB: true }).label, "[1024x512]x[128x512]^T");
 * ```
 */
export function matmulCase(
  m: number,
  k: number,
  n: number,
  opts: { transA?: boolean; transB?: boolean; label?: string } = {},
): MatmulCase {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const [aShape, bShape] = matmulInputShapes({ m, k, n, transA, transB });
  const label = opts.label ??
    `[${aShape.join("x")}]${transA ? "^T" : ""}x[${bShape.join("x")}]${transB ? "^T" : ""}`;
  return { kind: "matmul", label, m, k, n, transA, transB };
}

/**
 * Stored shapes of A and B for a matmul case.
 *
 * @example
 * ```ts
 * import { matmulInputShapes } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(matmulInputShapes({ m: 2, k: 3, n: 4, transA: true, transB: false }), [[3, 2], [3, 4]]);
 * ```
 */
export function matmulInputShapes(
  c: Pick<MatmulCase, "m" | "k" | "n" | "transA" | "transB">,
): [number[], number[]] {
  return [c.transA ? [c.k, c.m] : [c.m, c.k], c.transB ? [c.n, c.k] : [c.k, c.n]];
}

/**
 * Shapes of the inputs of a case, in order.
 *
 * @example
 * ```ts
 * import { caseInputShapes } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(caseInputShapes({ kind: "softmax", label: "s", rows: 4, cols: 8 }), [[4, 8]]);
 * ```
 */
export function caseInputShapes(c: BenchCase): number[][] {
  switch (c.kind) {
    case "matmul":
      return matmulInputShapes(c);
    case "add":
    case "overhead":
      return [[c.size], [c.size]];
    case "exp":
      return [[c.size]];
    case "softmax":
      return [[c.rows, c.cols]];
  }
}

/**
 * Work done by one op of a case, in the unit's numerator (flops, bytes or ops).
 * Bytes count each f32 read and written once (what a streaming kernel must move).
 *
 * @example
 * ```ts
 * import { caseWork } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * // two f32 inputs read and one written: 12 bytes per element
 * assertEquals(caseWork({ kind: "add", label: "add", size: 1000 }), { amount: 12000, unit: "GB/s" });
 * ```
 */
export function caseWork(c: BenchCase): { amount: number; unit: Unit } {
  switch (c.kind) {
    case "matmul":
      return { amount: 2 * c.m * c.k * c.n, unit: "GFLOP/s" };
    case "add":
      return { amount: 12 * c.size, unit: "GB/s" };
    case "exp":
      return { amount: 8 * c.size, unit: "GB/s" };
    case "softmax":
      return { amount: 8 * c.rows * c.cols, unit: "GB/s" };
    case "overhead":
      return { amount: 1, unit: "us/op" };
  }
}

/**
 * Deterministic pseudo-random f32 inputs in [-1, 1) for a case (same for every engine).
 *
 * @example
 * ```ts
 * import { caseInputs, matmulCase } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const [a, b] = caseInputs(matmulCase(2, 3, 4), 1);
 * assertEquals([a.length, b.length], [6, 12]);
 * ```
 */
export function caseInputs(c: BenchCase, seed: number): Float32Array[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return caseInputShapes(c).map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = (s >>> 0) / 2 ** 31 - 1;
    }
    return out;
  });
}

/**
 * Element 0 of a case's result, computed on the host in f64 from its inputs.
 *
 * @example
 * ```ts
 * import { expectedFirst } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const inputs = [new Float32Array([1]), new Float32Array([2])];
 * assertEquals(expectedFirst({ kind: "add", label: "a", size: 1 }, inputs), 3);
 * ```
 */
export function expectedFirst(c: BenchCase, inputs: readonly Float32Array[]): number {
  switch (c.kind) {
    case "matmul": {
      const [a, b] = inputs;
      let s = 0;
      for (let i = 0; i < c.k; i++) {
        const av = c.transA ? a[i * c.m] : a[i];
        const bv = c.transB ? b[i] : b[i * c.n];
        s += av * bv;
      }
      return s;
    }
    case "add":
    case "overhead":
      return inputs[0][0] + inputs[1][0];
    case "exp":
      return Math.exp(inputs[0][0]);
    case "softmax": {
      const x = inputs[0];
      let max = -Infinity;
      for (let j = 0; j < c.cols; j++) max = Math.max(max, x[j]);
      let sum = 0;
      for (let j = 0; j < c.cols; j++) sum += Math.exp(x[j] - max);
      return Math.exp(x[0] - max) / sum;
    }
  }
}

/**
 * Total bytes of a case's output, for engines that must bound live outputs.
 *
 * @example
 * ```ts
 * import { caseOutputBytes } from "./engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(caseOutputBytes({ kind: "exp", label: "e", size: 10 }), 40);
 * ```
 */
export function caseOutputBytes(c: BenchCase): number {
  switch (c.kind) {
    case "matmul":
      return 4 * c.m * c.n;
    case "add":
    case "exp":
    case "overhead":
      return 4 * c.size;
    case "softmax":
      return 4 * c.rows * c.cols;
  }
}
