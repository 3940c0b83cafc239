/**
 * Mixed precision for the nGPT model: master parameters and optimizer state
 * stay in f32; the forward and backward passes run in f16 (parameters cast at
 * the start of the forward pass, the cast's VJP bringing gradients back to
 * f32); logits are widened to f32 for the loss; the loss is multiplied by a
 * static power-of-two loss scale before differentiation so that small f16
 * gradients do not flush to zero, and the gradients are divided by it after.
 *
 * @example
 * ```ts
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }), {
 *   precision: "f16",
 * });
 * const params = model.init(key(0));
 * const tokens = randint(key(1), [2, 8], 0, 16);
 * assertEquals([params.embed.dtype, model.apply(params, tokens).dtype], ["f32", "f16"]);
 * ```
 *
 * @module
 */
import { cast, isTensor, type Tensor, treeMap } from "../core/mod.ts";

/**
 * The precision of a model's forward and backward passes: `"f32"` computes in
 * the parameters' own dtype (f32, or f64 for gradient checks); `"f16"` is
 * mixed precision (f16 compute, f32 master parameters).
 */
export type Precision = "f32" | "f16";

/** What {@linkcode precisionPolicy} takes. */
export interface PrecisionOptions {
  /** `"f32"` (default) or `"f16"` (mixed precision). */
  readonly precision?: Precision;
  /**
   * The static loss scale, a power of two (exact to multiply and divide by).
   * Default {@linkcode DEFAULT_F16_LOSS_SCALE} for f16, 1 for f32.
   */
  readonly lossScale?: number;
}

/** A model's precision, validated: what the forward pass computes in, and the loss scale. */
export interface PrecisionPolicy {
  /** The requested precision. */
  readonly precision: Precision;
  /** The dtype the forward pass casts parameters to, or `null` to keep theirs. */
  readonly compute: "f16" | null;
  /** The loss is multiplied by this before differentiation, the gradients divided after. */
  readonly lossScale: number;
}

/**
 * The default loss scale of f16 training, 2^10. Measured on the width-64,
 * depth-2 nGPT at batch 8 x 32 tokens (`tests/nn/mixed_precision_test.ts`):
 * unscaled, about 0.1% of the gradient entries underflow to zero in f16 and the
 * gradient is ~0.4% off the f32 one (relative L1); from a scale of 64 up none that the scale
 * lifts into f16's normal range underflows (at 1024, one of 65 that flush unscaled still does:
 * 3e-5 of the gradient's RMS) and the error drops to the f16 rounding floor (~0.07%), with ample
 * headroom below f16's 65504 for the largest activation gradients.
 *
 * @example
 * ```ts
 * import { DEFAULT_F16_LOSS_SCALE, precisionPolicy } from "./precision.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(precisionPolicy({ precision: "f16" }).lossScale, DEFAULT_F16_LOSS_SCALE);
 * ```
 */
export const DEFAULT_F16_LOSS_SCALE = 1024;

/**
 * Validate precision options into a policy.
 *
 * @example
 * ```ts
 * import { precisionPolicy } from "./precision.ts";
 * import { assertEquals, assertThrows } from "../testing/assert.ts";
 * assertEquals(precisionPolicy({ precision: "f16" }), {
 *   precision: "f16",
 *   compute: "f16",
 *   lossScale: 1024,
 * });
 * assertEquals(precisionPolicy().lossScale, 1);
 * assertThrows(() => precisionPolicy({ precision: "f16", lossScale: 1000 }), "power of two");
 * ```
 */
export function precisionPolicy(
  options: PrecisionOptions = {},
  op = "precisionPolicy",
): PrecisionPolicy {
  const precision = options.precision ?? "f32";
  if (precision !== "f32" && precision !== "f16") {
    throw new Error(
      `${op}: precision must be "f32" or "f16", got ${JSON.stringify(precision)}`,
    );
  }
  const lossScale = options.lossScale ?? (precision === "f16" ? DEFAULT_F16_LOSS_SCALE : 1);
  if (
    typeof lossScale !== "number" || !(lossScale > 0) || !Number.isFinite(lossScale) ||
    2 ** Math.round(Math.log2(lossScale)) !== lossScale
  ) {
    throw new Error(`${op}: lossScale must be a positive power of two, got ${lossScale}`);
  }
  return Object.freeze({ precision, compute: precision === "f16" ? "f16" : null, lossScale });
}

/**
 * A policy in words, for a run's identity (the transfer sweep's `precision`
 * setting): `"float32"` for f32 (the name sweeps have always recorded), else
 * e.g. `"f16-mixed, loss scale 1024"`.
 *
 * @example
 * ```ts
 * import { precisionName, precisionPolicy } from "./precision.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(precisionName(precisionPolicy()), "float32");
 * assertEquals(precisionName(precisionPolicy({ precision: "f16" })), "f16-mixed, loss scale 1024");
 * ```
 */
export function precisionName(policy: PrecisionPolicy): string {
  if (policy.compute === null) return "float32";
  return `${policy.compute}-mixed, loss scale ${policy.lossScale}`;
}

/**
 * The tree with every float tensor leaf cast to `policy.compute` (the tree
 * itself when the policy keeps the parameters' dtype). Under `grad`, the
 * casts' VJPs return the gradients in the leaves' own dtype.
 *
 * @example
 * ```ts
 * import { precisionPolicy, toCompute } from "./precision.ts";
 * import { tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const p = { w: tensor([1, 2]), ids: tensor([0, 1], { dtype: "i32" }) };
 * const half = toCompute(p, precisionPolicy({ precision: "f16" }));
 * assertEquals([half.w.dtype, half.ids.dtype], ["f16", "i32"]);
 * assertEquals(toCompute(p, precisionPolicy()), p);
 * ```
 */
export function toCompute<T>(tree: T, policy: PrecisionPolicy): T {
  const to = policy.compute;
  if (to === null) return tree;
  return treeMap((leaf: unknown) => {
    if (!isTensor(leaf)) return leaf;
    const t = leaf as Tensor;
    return t.dtype === "f32" || t.dtype === "f64" ? cast(t, to) : t;
  }, tree) as T;
}
