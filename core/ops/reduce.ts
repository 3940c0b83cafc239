/**
 * Reductions (`sum`, `max` primitives; `mean`, `min`, `logsumexp` composed), each rule with
 * its lowering to fused kernels. The row softmaxes are in `softmax.ts`.
 *
 * @module
 */
import { bind, defineRule, type Rule } from "../bind.ts";
import { contiguousInput, type Lowering } from "../lowering.ts";
import { type DType, type Shape, sizeOf } from "../../kernels/backend.ts";
import type { KernelReduce } from "../../kernels/fused.ts";
import { type BatchArg, physicalAxis } from "../vmap_rules.ts";
import { normalizeAxes } from "../shape.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { add, cast, div, eq, exp, isFloat, log, mul, neg, sub } from "./elementwise.ts";
import { broadcastTo, reshape, stopGradient } from "./shape.ts";

/** Options of reductions. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); default all. */
  axis?: number | readonly number[];
  /** Keep reduced axes with size 1 (default false). */
  keepdims?: boolean;
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * A reduction (`sum` or `max`) of `x` over `axes` as one fused kernel: the input loaded and
 * reduced, the reduced axes kept as 1 (producers of `x` fuse into it under `nu.jit`).
 *
 * @example
 * ```ts
 * import { reductionLowering } from "./reduce.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const low = reductionLowering("max", { shape: [2, 3], dtype: "f32" }, [0]);
 * assertEquals(low.temps, [{ dtype: "f32", size: 3 }]);
 * assertEquals(low.steps[0].kernel.reduce, { op: "max", node: 0, axes: [0] });
 * ```
 */
export function reductionLowering(
  op: KernelReduce["op"],
  x: { shape: Shape; dtype: DType },
  axes: readonly number[],
): Lowering {
  return {
    temps: [{ dtype: x.dtype, size: sizeOf(keptShape(x.shape, axes)) }],
    steps: [{
      kernel: {
        shape: [...x.shape],
        inputs: [contiguousInput(x.shape, x.dtype)],
        nodes: [{ fn: "load", input: 0, dtype: x.dtype }],
        outputs: [],
        reduce: { op, node: 0, axes: [...axes] },
      },
      inputs: [0],
      outputs: [1],
    }],
    result: 1,
  };
}

/** The `reduceSum` primitive's rule (reduced axes kept as size 1). */
export const reduceSumRule: Rule<"reduceSum"> = defineRule("reduceSum", {
  outSpec: ([x], { axes }) => ({ shape: keptShape(x.shape, axes), dtype: x.dtype }),
  lower: ([x], { axes }) => reductionLowering("sum", x, axes),
  vjp: (g, { inputs: [x] }) => [broadcastTo(g, x.shape)],
  batch: ([x], { axes }) => reduceBatch("reduceSum", x, axes),
});

/** The `reduceMax` primitive's rule: ties share the cotangent evenly. */
export const reduceMaxRule: Rule<"reduceMax"> = defineRule("reduceMax", {
  outSpec: ([x], { axes }) => ({ shape: keptShape(x.shape, axes), dtype: x.dtype }),
  lower: ([x], { axes }) => reductionLowering("max", x, axes),
  batch: ([x], { axes }) => reduceBatch("reduceMax", x, axes),
  vjp: (g, { inputs: [x], output: y, params: { axes } }) => {
    const mask = cast(eq(x, y), x.dtype);
    const count = bind("reduceSum", [mask], { axes });
    return [mul(mask, div(g, count))];
  },
});

/** A reduction of a batched input: the axes shifted past the batch axis, which stays in place. */
function reduceBatch(
  prim: "reduceSum" | "reduceMax",
  x: BatchArg,
  axes: readonly number[],
): BatchArg {
  const b = x.axis!;
  return { value: bind(prim, [x.value], { axes: axes.map((a) => physicalAxis(a, b)) }), axis: b };
}

/** Throws, naming `op`, when an axis `op` reduces has size 0 (a max has no identity). */
function assertNonEmptyAxes(op: string, x: Tensor, axis: ReduceOptions["axis"]): void {
  for (const a of normalizeAxes(op, axis, x.rank)) {
    if (x.shape[a] === 0) {
      throw new Error(`${op}: cannot reduce empty axis ${a} of ${fmtShape(x.shape)}`);
    }
  }
}

function reduce(
  op: KernelReduce["op"],
  x: Tensor,
  opts: ReduceOptions,
): Tensor {
  x.assertLive(op);
  if (x.dtype === "bool") throw new Error(`${op}: needs a numeric tensor, got bool; cast first`);
  const axes = normalizeAxes(op, opts.axis, x.rank);
  if (op === "max") assertNonEmptyAxes("max", x, axes);
  const kept = axes.length === 0
    ? x
    : bind(op === "sum" ? "reduceSum" : "reduceMax", [x], { axes });
  if (opts.keepdims) return kept;
  return reshape(kept, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Sum over axes (all by default).
 *
 * @example
 * ```ts
 * import { sum, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * assertEquals([sum(x).shape, await sum(x).item()], [[], 10]);
 * assertEquals(await sum(x, { axis: 1, keepdims: true }).toArray(), [[3], [7]]);
 * ```
 */
export function sum(x: Tensor, opts: ReduceOptions = {}): Tensor {
  return reduce("sum", x, opts);
}

/**
 * Maximum over axes (all by default).
 *
 * @example
 * ```ts
 * import { max, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await max(tensor([[1, 5], [3, 4]]), { axis: 0 }).toArray(), [3, 5]);
 * ```
 */
export function max(x: Tensor, opts: ReduceOptions = {}): Tensor {
  return reduce("max", x, opts);
}

/**
 * Minimum over axes (all by default).
 *
 * @example
 * ```ts
 * import { min, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await min(tensor([3, 1, 2])).item(), 1);
 * ```
 */
export function min(x: Tensor, opts: ReduceOptions = {}): Tensor {
  assertNonEmptyAxes("min", x, opts.axis);
  return neg(max(neg(x), opts));
}

/**
 * Mean over axes (all by default).
 *
 * @example
 * ```ts
 * import { mean, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await mean(tensor([1, 2, 3, 4])).item(), 2.5);
 * ```
 */
export function mean(x: Tensor, opts: ReduceOptions = {}): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`mean: needs a float tensor, got ${x.dtype}`);
  const axes = normalizeAxes("mean", opts.axis, x.rank);
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  return div(sum(x, opts), count);
}

/**
 * `log(sum(exp(x)))` over axes, computed stably.
 *
 * @example
 * ```ts
 * import { logsumexp, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(logsumexp(tensor([0, 0])), Math.LN2);
 * ```
 */
export function logsumexp(x: Tensor, opts: ReduceOptions = {}): Tensor {
  assertNonEmptyAxes("logsumexp", x, opts.axis);
  const m = stopMax(x, opts.axis);
  const s = log(sum(exp(sub(x, m)), { axis: opts.axis, keepdims: true }));
  const out = add(s, m);
  if (opts.keepdims) return out;
  const axes = normalizeAxes("logsumexp", opts.axis, x.rank);
  return reshape(out, x.shape.filter((_, i) => !axes.includes(i)));
}

/** The max over axes (kept), as a constant for stabilisation (no gradient flows through it). */
function stopMax(x: Tensor, axis: ReduceOptions["axis"]): Tensor {
  return stopGradient(max(x, { axis, keepdims: true }));
}
