/**
 * Optimizer kernels as ops: the fused Adam step (`adamUpdate`, three outputs,
 * no derivative) and the fused row/column L2 normalization of a matrix
 * (`normalizeAlong`, differentiable). Each runs as one backend primitive (one
 * dispatch on WebGPU) instead of a chain of elementwise ops.
 *
 * @module
 */
import type { MultiRule, Rule } from "../bind.ts";
import { bind, bindMulti } from "../bind.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { add, isFloat, mul, rsqrt, sub } from "./elementwise.ts";
import { sum } from "./reduce.ts";

/** Options of {@linkcode adamUpdate}. */
export interface AdamUpdateOptions {
  /** Decay of the first moment, in [0, 1). */
  b1: number;
  /** Decay of the second moment, in [0, 1). */
  b2: number;
  /** Added to the root of the bias-corrected second moment (>= 0). */
  eps: number;
  /** This step's learning rate for this parameter (schedule times multiplier). */
  lr: number;
  /** The step number `t`, counting from 1 (gives the bias corrections `1 − b^t`). */
  count: number;
}

/** The four tensors {@linkcode adamUpdate} reads: one shape, one float dtype. */
export interface AdamUpdateInputs {
  /** The parameter. */
  param: Tensor;
  /** Its gradient. */
  grad: Tensor;
  /** Adam's first moment. */
  mu: Tensor;
  /** Adam's second moment. */
  nu: Tensor;
}

/** The `adamUpdate` primitive's rule: three outputs of the inputs' spec. */
export const adamUpdateRule: MultiRule<"adamUpdate"> = {
  outSpecs: ([p]) => [0, 1, 2].map(() => ({ shape: p.shape, dtype: p.dtype })),
};

function finite(op: string, name: string, v: number, ok: (v: number) => boolean): void {
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
    throw new Error(`${op}: ${name} out of range, got ${v}`);
  }
}

/**
 * One Adam step in one primitive: `mu' = b1·mu + (1−b1)·g`, `nu' = b2·nu + (1−b2)·g²`,
 * `param' = param − lr · m̂ / (sqrt(v̂) + eps)` with `m̂ = mu' / (1 − b1^t)`,
 * `v̂ = nu' / (1 − b2^t)`. Returns `[param', mu', nu']`, new tensors in the current scope;
 * the inputs are untouched. Not differentiable: it throws when a `grad`/`vjp` traces an input.
 *
 * @example
 * ```ts
 * import { adamUpdate, tensor, zeros } from "../../mod.ts";
 * const [p, mu, nu] = adamUpdate(
 *   { param: tensor([1, 1]), grad: tensor([2, -3]), mu: zeros([2]), nu: zeros([2]) },
 *   { b1: 0.9, b2: 0.95, eps: 1e-16, lr: 0.1, count: 1 },
 * );
 * console.log(await p.toArray()); // about [0.9, 1.1]
 * ```
 */
export function adamUpdate(inputs: AdamUpdateInputs, opts: AdamUpdateOptions): Tensor[] {
  const op = "adamUpdate";
  const { param, grad, mu, nu } = inputs;
  const named = { param, grad, mu, nu };
  for (const [name, t] of Object.entries(named)) {
    if (t === undefined || t === null || typeof t !== "object" || !("shape" in t)) {
      throw new Error(`${op}: inputs.${name} must be a tensor, got ${String(t)}`);
    }
    if (!isFloat(t.dtype)) throw new Error(`${op}: ${name} must be float, got ${t.dtype}`);
    if (t.dtype !== param.dtype) {
      throw new Error(`${op}: dtypes differ: param ${param.dtype}, ${name} ${t.dtype}`);
    }
    if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(
        `${op}: shapes differ: param ${fmtShape(param.shape)}, ${name} ${fmtShape(t.shape)}`,
      );
    }
  }
  const { b1, b2, eps, lr, count } = opts;
  finite(op, "b1", b1, (v) => v >= 0 && v < 1);
  finite(op, "b2", b2, (v) => v >= 0 && v < 1);
  finite(op, "eps", eps, (v) => v >= 0);
  finite(op, "lr", lr, () => true);
  finite(op, "count", count, (v) => Number.isInteger(v) && v >= 1);
  return bindMulti(op, [param, grad, mu, nu], {
    b1,
    b2,
    eps,
    lr,
    biasCorrection1: 1 - b1 ** count,
    biasCorrection2: 1 - b2 ** count,
  });
}

/**
 * The `normalizeAxis` primitive's rule. With `r = 1/sqrt(Σx² + eps)` and `y = x·r`, the VJP
 * is `r · (g − y · Σ(g·y))` (sums along the normalized axis), composed of ops.
 */
export const normalizeAxisRule: Rule<"normalizeAxis"> = {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: (g, { inputs: [x], output: y, params: { axis, eps } }) => {
    const r = rsqrt(add(sum(mul(x, x), { axis, keepdims: true }), eps));
    return [mul(r, sub(g, mul(y, sum(mul(g, y), { axis, keepdims: true }))))];
  },
};

/**
 * Unit L2 norm along `axis` of a matrix: each row (`-1`) or column (`0`) divided by
 * `sqrt(sum of its squares + eps)` (`eps` default 0), in one primitive (`normalizeAxis`);
 * differentiable. Internal: the public op is `l2Normalize`, which calls this for matrices.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../../testing/all_close.ts";
 * import { tensor } from "../../mod.ts";
 * import { normalizeAlong } from "./optimizer_kernels.ts";
 * await assertAllClose(normalizeAlong(tensor([[3, 4]]), -1), [[0.6, 0.8]]);
 * await assertAllClose(normalizeAlong(tensor([[3], [4]]), 0), [[0.6], [0.8]]);
 * ```
 */
export function normalizeAlong(x: Tensor, axis: 0 | -1, opts: { eps?: number } = {}): Tensor {
  const op = "normalizeAlong";
  if (axis !== 0 && axis !== -1) throw new Error(`${op}: axis must be 0 or -1, got ${axis}`);
  if (x.rank !== 2) throw new Error(`${op}: needs a matrix, got shape ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x.dtype}`);
  const eps = opts.eps ?? 0;
  finite(op, "eps", eps, (v) => v >= 0);
  return bind("normalizeAxis", [x], { axis, eps });
}
