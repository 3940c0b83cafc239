/**
 * Random tensors from PRNG keys. Numbers are drawn on the host from the key
 * (see `prng.ts`), so the same key gives the same tensor on every backend.
 *
 * @module
 */
import type { DType, Shape } from "../kernels/backend.ts";
import { sizeOf } from "../kernels/backend.ts";
import { type Key, normalFloats, uniformFloats, uniformInts } from "./prng.ts";
import { allocHost, type CreateOptions, fromData } from "./ops/create.ts";
import { checkShape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

export { bits, foldIn, isKey, type Key, key, split } from "./prng.ts";

function floatDtype(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? "f32";
  if (d !== "f32" && d !== "f64" && d !== "f16") {
    throw new Error(`${op}: dtype must be f32, f64 or f16, got ${d}`);
  }
  return d;
}

/**
 * Standard normal samples (times `std`, plus `mean`).
 *
 * @example
 * ```ts
 * import { key, normal } from "../mod.ts";
 * const w = normal(key(0), [4, 4], { std: 0.5 });
 * ```
 */
export function normal(
  k: Key,
  shape: Shape,
  opts: CreateOptions & { mean?: number; std?: number } = {},
): Tensor {
  checkShape("normal", shape);
  const dtype = floatDtype("normal", opts.dtype);
  const z = normalFloats(k, sizeOf(shape));
  const host = allocHost(dtype, z.length);
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  for (let i = 0; i < z.length; i++) host[i] = mean + std * z[i];
  return fromData(host, shape, { ...opts, dtype });
}

/**
 * Uniform samples in `[low, high)` (default `[0, 1)`).
 *
 * @example
 * ```ts
 * import { key, uniform } from "../mod.ts";
 * const u = uniform(key(1), [3], { low: -1, high: 1 });
 * ```
 */
export function uniform(
  k: Key,
  shape: Shape,
  opts: CreateOptions & { low?: number; high?: number } = {},
): Tensor {
  checkShape("uniform", shape);
  const dtype = floatDtype("uniform", opts.dtype);
  const low = opts.low ?? 0, high = opts.high ?? 1;
  if (!(high > low)) throw new Error(`uniform: need low < high, got [${low}, ${high})`);
  const u = uniformFloats(k, sizeOf(shape));
  const host = allocHost(dtype, u.length);
  for (let i = 0; i < u.length; i++) host[i] = low + (high - low) * u[i];
  return fromData(host, shape, { ...opts, dtype });
}

/**
 * Integers uniform in `[low, high)` (i32).
 *
 * @example
 * ```ts
 * import { key, randint } from "../mod.ts";
 * const tokens = randint(key(2), [2, 8], 0, 256);
 * ```
 */
export function randint(
  k: Key,
  shape: Shape,
  low: number,
  high: number,
  opts: CreateOptions = {},
): Tensor {
  checkShape("randint", shape);
  return fromData(uniformInts(k, sizeOf(shape), low, high), shape, { ...opts, dtype: "i32" });
}

/**
 * Samples from categorical distributions given unnormalised log-probabilities
 * (last axis), one per row; reads the logits back, so call it outside inner
 * loops.
 *
 * @example
 * ```ts
 * import { categorical, key, tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const next = await categorical(key(3), tensor([[0, 0, -1e9], [-1e9, -1e9, 0]]));
 * const [first, second] = (await next.toArray()) as number[];
 * assertEquals([next.dtype, first !== 2, second], ["i32", true, 2]); // exp(-1e9) is 0
 * ```
 */
export async function categorical(k: Key, logits: Tensor): Promise<Tensor> {
  if (logits.rank < 1) throw new Error("categorical: logits need at least one axis");
  const n = logits.shape[logits.rank - 1];
  if (n === 0) throw new Error("categorical: the last axis of logits is empty");
  const rows = logits.size / n;
  const data = await logits.data();
  const u = uniformFloats(k, rows);
  const out = new Int32Array(rows);
  const p = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, data[r * n + j]);
    let total = 0;
    for (let j = 0; j < n; j++) total += p[j] = Math.exp(data[r * n + j] - m);
    let acc = 0, pick = n - 1;
    const target = u[r] * total;
    for (let j = 0; j < n; j++) {
      acc += p[j];
      if (target < acc) {
        pick = j;
        break;
      }
    }
    out[r] = pick;
  }
  return fromData(out, logits.shape.slice(0, -1), { dtype: "i32", backend: logits.backend });
}
