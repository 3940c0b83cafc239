/**
 * Random tensors from PRNG keys. Numbers are drawn on the host from the key
 * (see `prng.ts`), so the same key gives the same tensor on every backend.
 *
 * @module
 */
import type { DType, Shape } from "../kernels/backend.ts";
import { sizeOf } from "../kernels/backend.ts";
import { type Key, normalFloats, uniformFloats, uniformInts } from "./prng.ts";
import { allocHost, arange, type CreateOptions, targetBackend, uploadAs } from "./ops/create.ts";
import { checkAllocation } from "./alloc_checks.ts";
import { add, cast, eq, isFloat, log, neg, sub, where } from "./ops/elementwise.ts";
import { max } from "./ops/reduce.ts";
import { checkShape } from "./shape.ts";
import { type Tensor, tidy } from "./tensor.ts";

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
  checkAllocation("normal", shape, dtype, targetBackend("normal", dtype, opts));
  const z = normalFloats(k, sizeOf(shape));
  const host = allocHost(dtype, z.length);
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  for (let i = 0; i < z.length; i++) host[i] = mean + std * z[i];
  return uploadAs("normal", host, shape, { ...opts, dtype });
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
  checkAllocation("uniform", shape, dtype, targetBackend("uniform", dtype, opts));
  const low = opts.low ?? 0, high = opts.high ?? 1;
  if (!(high > low)) throw new Error(`uniform: need low < high, got [${low}, ${high})`);
  const u = uniformFloats(k, sizeOf(shape));
  const host = allocHost(dtype, u.length);
  for (let i = 0; i < u.length; i++) host[i] = low + (high - low) * u[i];
  return uploadAs("uniform", host, shape, { ...opts, dtype });
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
  checkAllocation("randint", shape, "i32", targetBackend("randint", "i32", opts));
  const ints = uniformInts(k, sizeOf(shape), low, high);
  return uploadAs("randint", ints, shape, { ...opts, dtype: "i32" });
}

/**
 * Samples from categorical distributions given unnormalised log-probabilities
 * (last axis), one i32 index per row, computed on the logits' backend without
 * reading them back (the Gumbel-max trick: the argmax of `logits + Gumbel
 * noise`), so it is synchronous like the other random functions.
 *
 * @example
 * ```ts
 * import { categorical, key, tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const next = categorical(key(3), tensor([[0, 0, -1e9], [-1e9, -1e9, 0]]));
 * const [first, second] = (await next.toArray()) as number[];
 * assertEquals([next.dtype, first !== 2, second], ["i32", true, 2]); // exp(-1e9) is 0
 * ```
 */
export function categorical(k: Key, logits: Tensor): Tensor {
  logits.assertLive("categorical");
  if (logits.rank < 1) throw new Error("categorical: logits need at least one axis");
  if (!isFloat(logits.dtype)) {
    throw new Error(`categorical: logits must be f32 or f64, got ${logits.dtype}`);
  }
  const n = logits.shape[logits.rank - 1];
  if (n === 0) throw new Error("categorical: the last axis of logits is empty");
  const create = { dtype: logits.dtype, backend: logits.backend };
  return tidy(() => {
    const u = uniform(k, logits.shape, create);
    const noisy = add(logits, neg(log(neg(log(u)))));
    const hit = eq(noisy, max(noisy, { axis: -1, keepdims: true }));
    // the first index that reaches the maximum: n-1 minus the largest reversed index
    const reversed = arange(n - 1, -1, -1, create);
    const last = max(where(hit, reversed, -1), { axis: -1 });
    return cast(sub(n - 1, last), "i32");
  });
}
