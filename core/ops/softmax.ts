/**
 * The row softmaxes: `softmax` and `logSoftmax` along the last axis, each a primitive with its
 * rule, derivative and lowering (two fused row kernels: the row maximum, then one pass that
 * sums the shifted exponentials and a second over the row that reads the sum). Along another
 * axis they are composed from reductions.
 *
 * @module
 */
import { bind, defineRule, type Rule } from "../bind.ts";
import { contiguousInput, type Lowering } from "../lowering.ts";
import { type DType, type Shape, sizeOf, stridesOf } from "../../kernels/backend.ts";
import { ProgramBuilder } from "../../kernels/fused.ts";
import { type BatchArg, moveAxis } from "../vmap_rules.ts";
import { normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { exp, isFloat, mul, sub } from "./elementwise.ts";
import { logsumexp, sum } from "./reduce.ts";

/**
 * `softmax` or `logSoftmax` (last axis) as two fused row kernels: the row maximum `m`, then
 * `e = exp(x − m)` summed over the row and, reading the sum `s`, `e / s` (softmax, one
 * exponential an element) or `x − m − log s` (logSoftmax). f16 is computed in f32 (the maxima
 * and sums too) and rounded once, as it is stored.
 *
 * @example
 * ```ts
 * import { rowSoftmaxLowering } from "./softmax.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const low = rowSoftmaxLowering({ shape: [4, 8], dtype: "f32" }, "logSoftmax");
 * assertEquals(low.steps.map((s) => s.kernel.reduce?.op), ["max", "sum"]);
 * assertEquals(low.temps, [
 *   { dtype: "f32", size: 4 },
 *   { dtype: "f32", size: 4 },
 *   { dtype: "f32", size: 32 },
 * ]);
 * ```
 */
export function rowSoftmaxLowering(
  x: { shape: Shape; dtype: DType },
  which: "softmax" | "logSoftmax",
): Lowering {
  const shape = [...x.shape];
  const last = shape.length - 1;
  const t = x.dtype, c = t === "f16" ? "f32" : t;
  const rows = sizeOf(shape.slice(0, last));
  const loadX = (b: ProgramBuilder) => {
    const v = b.load(0, t);
    return t === c ? v : b.fn("cast", [v], c);
  };
  const max = new ProgramBuilder();
  const xm = loadX(max);
  const b = new ProgramBuilder();
  const d = b.fn("sub", [loadX(b), b.load(1, c)], c);
  const e = b.fn("exp", [d], c);
  let y = which === "softmax"
    ? b.fn("div", [e, b.reduced(c)], c)
    : b.fn("sub", [d, b.fn("log", [b.reduced(c)], c)], c);
  if (t !== c) y = b.fn("cast", [y], t);
  const xin = contiguousInput(shape, t);
  const rowMax = { dtype: c, strides: [...stridesOf(shape.slice(0, last)), 0], offset: 0 };
  // Buffers: 0 = x, 1 = row maxima, 2 = row sums, 3 = the result.
  return {
    temps: [{ dtype: c, size: rows }, { dtype: c, size: rows }, { dtype: t, size: sizeOf(shape) }],
    steps: [
      {
        kernel: {
          shape,
          inputs: [xin],
          nodes: max.nodes,
          outputs: [],
          reduce: { op: "max", node: xm, axes: [last] },
        },
        inputs: [0],
        outputs: [1],
      },
      {
        kernel: {
          shape,
          inputs: [xin, rowMax],
          nodes: b.nodes,
          outputs: [y],
          reduce: { op: "sum", node: e, axes: [last] },
        },
        inputs: [0, 1],
        outputs: [3, 2],
      },
    ],
    result: 3,
  };
}

/** Along the last axis: a batch axis there moves to the front. */
function rowBatch(prim: "softmax" | "logSoftmax") {
  return ([x]: readonly BatchArg[]): BatchArg => {
    const last = x.value.rank - 1;
    const value = x.axis === last ? moveAxis(x.value, last, 0) : x.value;
    return { value: bind(prim, [value], {}), axis: x.axis === last ? 0 : x.axis };
  };
}

/** The `logSoftmax` primitive's rule (last axis). */
export const logSoftmaxRule: Rule<"logSoftmax"> = defineRule("logSoftmax", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  lower: ([x]) => rowSoftmaxLowering(x, "logSoftmax"),
  vjp: (g, { output: y }) => [sub(g, mul(exp(y), sum(g, { axis: -1, keepdims: true })))],
  batch: rowBatch("logSoftmax"),
});

/** The `softmax` primitive's rule (last axis): `y · (g − Σ g·y)` as its derivative. */
export const softmaxRule: Rule<"softmax"> = defineRule("softmax", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  lower: ([x]) => rowSoftmaxLowering(x, "softmax"),
  vjp: (g, { output: y }) => [mul(y, sub(g, sum(mul(g, y), { axis: -1, keepdims: true })))],
  batch: rowBatch("softmax"),
});

/** The axis a row softmax works along, with the checks both make. */
function rowAxis(op: string, x: Tensor, axis: number | undefined): number {
  x.assertLive(op);
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x.dtype}`);
  if (x.rank === 0) throw new Error(`${op}: needs at least one axis, got a scalar`);
  return normalizeAxis(op, axis ?? -1, x.rank);
}

/**
 * `x - logsumexp(x)` along an axis (default the last), one fused primitive on
 * the last axis.
 *
 * @example
 * ```ts
 * import { logSoftmax, tensor } from "../../mod.ts";
 * logSoftmax(tensor([[1, 2, 3]]));
 * ```
 */
export function logSoftmax(x: Tensor, opts: { axis?: number } = {}): Tensor {
  const axis = rowAxis("logSoftmax", x, opts.axis);
  // An empty axis means an empty result (NumPy's shape), which the primitive gives on any axis.
  if (axis !== x.rank - 1 && x.shape[axis] > 0) {
    return sub(x, logsumexp(x, { axis, keepdims: true }));
  }
  return bind("logSoftmax", [x], {});
}

/**
 * Softmax along an axis (default the last): rows sum to one. One fused primitive on the last
 * axis (`exp(x − max) / Σ exp(x − max)`, one exponential an element).
 *
 * @example
 * ```ts
 * import { softmax, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(softmax(tensor([[1, 1]])), [[0.5, 0.5]]);
 * ```
 */
export function softmax(x: Tensor, opts: { axis?: number } = {}): Tensor {
  const axis = rowAxis("softmax", x, opts.axis);
  if (axis !== x.rank - 1 && x.shape[axis] > 0) return exp(logSoftmax(x, { axis }));
  return bind("softmax", [x], {});
}
