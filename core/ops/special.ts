/**
 * Elementwise functions added to the unary primitive's table (`erf`, `log1p`,
 * `expm1`, `floor`, `ceil`, `round`; their scalar definitions and VJPs sit with
 * the others in `elementwise.ts`) and `clip`, a composition.
 *
 * @module
 */
import { fmtShape, Tensor } from "../tensor.ts";
import { isFloat, maximum, minimum, unary } from "./elementwise.ts";
import { alias } from "./shape.ts";

/**
 * The error function `2/√π ∫₀ˣ e^(-t²) dt`.
 *
 * @example
 * ```ts
 * import { erf, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(erf(tensor([0, 0.5, -3])), [0, 0.5204999, -0.9999779]);
 * ```
 */
export function erf(x: Tensor): Tensor {
  return unary("erf", x);
}

/**
 * `log(1 + x)`, accurate for `x` near 0.
 *
 * @example
 * ```ts
 * import { log1p, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(log1p(tensor([1e-7, Math.E - 1])), [9.9999995e-8, 1], { rtol: 1e-6 });
 * ```
 */
export function log1p(x: Tensor): Tensor {
  return unary("log1p", x);
}

/**
 * `e^x - 1`, accurate for `x` near 0.
 *
 * @example
 * ```ts
 * import { expm1, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(expm1(tensor([1e-7, 1])), [1.00000005e-7, Math.E - 1], { rtol: 1e-6 });
 * ```
 */
export function expm1(x: Tensor): Tensor {
  return unary("expm1", x);
}

function rounding(op: "floor" | "ceil" | "round", x: Tensor): Tensor {
  if (x instanceof Tensor && x.dtype === "i32") return alias(x);
  return unary(op, x);
}

/**
 * The largest integer not above `x` (derivative zero; integers pass through).
 *
 * @example
 * ```ts
 * import { floor, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await floor(tensor([1.5, -1.5])).toArray(), [1, -2]);
 * ```
 */
export function floor(x: Tensor): Tensor {
  return rounding("floor", x);
}

/**
 * The smallest integer not below `x` (derivative zero; integers pass through).
 *
 * @example
 * ```ts
 * import { ceil, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await ceil(tensor([1.5, -1.5])).toArray(), [2, -1]);
 * ```
 */
export function ceil(x: Tensor): Tensor {
  return rounding("ceil", x);
}

/**
 * The nearest integer, halves to even as in NumPy (derivative zero; integers
 * pass through).
 *
 * @example
 * ```ts
 * import { round, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await round(tensor([0.5, 1.5, 2.5, -0.7])).toArray(), [0, 2, 2, -1]);
 * ```
 */
export function round(x: Tensor): Tensor {
  return rounding("round", x);
}

/** Bounds of {@linkcode clip}: numbers or tensors that broadcast with `x`; either may be left out. */
export interface ClipOptions {
  /** Lower bound. */
  min?: number | Tensor;
  /** Upper bound. */
  max?: number | Tensor;
}

/**
 * `x` limited to `[min, max]` (`minimum(maximum(x, min), max)`; gradient 1
 * inside the bounds, 0 outside).
 *
 * @example
 * ```ts
 * import { clip, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await clip(tensor([-2, 0.5, 3]), { min: -1, max: 1 }).toArray(), [-1, 0.5, 1]);
 * ```
 */
export function clip(x: Tensor, opts: ClipOptions): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`clip: expected a Tensor, got ${typeof x}`);
  const { min, max } = opts ?? {};
  if (min === undefined && max === undefined) {
    throw new Error(`clip: give min, max or both (x ${x.dtype} ${fmtShape(x.shape)})`);
  }
  if (typeof min === "number" && typeof max === "number" && min > max) {
    throw new Error(`clip: min ${min} is above max ${max}`);
  }
  if (!isFloat(x.dtype) && x.dtype !== "i32") {
    throw new Error(`clip: needs a numeric tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  const lower = min === undefined ? x : maximum(x, min);
  return max === undefined ? lower : minimum(lower, max);
}
