/**
 * `optim`: gradient transformations over trees, Optax-style, and the nGPT optimizer that a
 * parameterization implies.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adam, applyUpdates, cosineDecay } from "./mod.ts";
 * const params = { w: tensor([1, 2]) };
 * const opt = adam(cosineDecay({ peak: 0.1, steps: 10 }));
 * const [updates] = opt.update({ w: tensor([1, -1]) }, opt.init(params), params);
 * await assertAllClose(applyUpdates(params, updates), { w: [0.9, 2.1] });
 * ```
 *
 * @module
 */
export {
  applyUpdates,
  chain,
  disposeReplaced,
  type GradientTransformation,
  type Params,
  type StateOf,
  tensorsOf,
} from "./transform.ts";
export {
  adam,
  adamw,
  type AdamWOptions,
  addDecayedWeights,
  sgd,
  type SgdOptions,
  trace,
  type TraceState,
} from "./aliases.ts";
export { adamMoments, type AdamOptions, type AdamState, scaleByAdam } from "./adam.ts";
export { type AdamAtan2Options, scaleByAdamAtan2 } from "./adam_atan2.ts";
export {
  type LearningRateOptions,
  scaleByLearningRate,
  scaleByTree,
  type ScheduleState,
} from "./scale.ts";
export { clipByGlobalNorm, globalNorm } from "./clip.ts";
export { type ProjectOptions, projectToSphere, type SphereAxis } from "./sphere.ts";
export {
  constant,
  cosineDecay,
  type CosineDecayOptions,
  type Schedule,
  warmupCosine,
} from "./schedules.ts";
export { decodeState, type EncodedState, encodeState } from "./state.ts";
export { type Optimizer, optimizerFor, type OptimizerForOptions } from "./optimizer_for.ts";
