/**
 * Rescalers' stored vs effective values (spec section 3): the forward pass multiplies each
 * stored rescaler by the plain number `init / scale` its parameterization gives. This file turns
 * a parameterization into those numbers, so that the forward pass is a pure function of the
 * parameters, the tokens and a small plain object.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { defaultDims, rescalerFactors } from "./rescalers.ts";
 * const config = modelConfig({ vocab: 16, width: 64, depth: 2, seqLen: 8 });
 * const factors = rescalerFactors(ngpt, defaultDims(config));
 * assertEquals(factors.alphaA, 0.05 * 8); // init 0.05, scale 1/sqrt(64)
 * ```
 *
 * @module
 */
import { baseDims, type Dims, type Parameterization } from "../param/mod.ts";
import type { ModelConfig } from "./config.ts";
import { RESCALER_KEYS, type RescalerKey, rescalerMetadata } from "./spec.ts";

/** For each rescaler (keyed as in `spec.ts`), `init / scale`: effective = factor · stored. */
export type RescalerFactors = Readonly<Record<RescalerKey, number>>;

/**
 * The factors `init / scale` of every rescaler under `parameterization` at `dims`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { baseDims, ngpt } from "../param/mod.ts";
 * import { rescalerFactors } from "./rescalers.ts";
 * const f = rescalerFactors(ngpt, baseDims({ width: 16, depth: 1, steps: 1 }));
 * assertEquals([f.su, f.sz], [1, 4]);
 * ```
 */
export function rescalerFactors(parameterization: Parameterization, dims: Dims): RescalerFactors {
  const meta = rescalerMetadata(parameterization, dims);
  return Object.freeze(
    Object.fromEntries(RESCALER_KEYS.map((k) => [k, meta[k].init / meta[k].scale])),
  ) as RescalerFactors;
}

/**
 * Factors that make every effective value equal its stored value (all 1): for using the layers
 * without a parameterization.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * assertEquals(UNIT_FACTORS.sz, 1);
 * ```
 */
export const UNIT_FACTORS: RescalerFactors = Object.freeze(
  Object.fromEntries(RESCALER_KEYS.map((k) => [k, 1])),
) as RescalerFactors;

/**
 * The default dimensions for a model: the model is its own base, trained for one step (every
 * multiplier 1).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * import { defaultDims } from "./rescalers.ts";
 * const dims = defaultDims(modelConfig({ vocab: 16, width: 64, depth: 2, seqLen: 8 }));
 * assertEquals([dims.baseWidth, dims.baseDepth, dims.steps], [64, 2, 1]);
 * ```
 */
export function defaultDims(config: ModelConfig): Dims {
  return baseDims({ width: config.width, depth: config.depth, steps: 1 });
}
