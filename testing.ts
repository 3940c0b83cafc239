/**
 * nugrad's testing toolkit: property-test your own layers, gradients, parameterizations and
 * models with `deno test` and fast-check.
 *
 * - Arbitraries: {@linkcode shapeArb}, {@linkcode broadcastableShapesArb}, {@linkcode tensorArb}
 *   (host samples you turn into tensors in the property body with `.tensor()`),
 *   {@linkcode treeArbLike}, {@linkcode keyArb}.
 * - {@linkcode checkGrads} / {@linkcode assertGradsClose}: gradients against central finite
 *   differences in f64 on the CPU backend.
 * - {@linkcode assertAllClose}: tensors, numbers, nested arrays and trees.
 * - {@linkcode checkParameterization} / {@linkcode assertParameterization}: purity, base
 *   settings, power laws in width, depth and steps (measured exponents).
 * - {@linkcode coordCheck} and {@linkcode alignmentExponents}: model-level checks of how
 *   training moves parameters and activations as width grows.
 *
 * @example
 * ```ts
 * import { fc, assertGradsClose, tensorArb, shapeArb } from "./testing.ts";
 * import { mul, sum, tanh } from "./mod.ts";
 * const myLayer = (x: any) => sum(mul(tanh(x), x));
 * await fc.assert(fc.asyncProperty(tensorArb(shapeArb({ maxSize: 8 })), async (x) => {
 *   await assertGradsClose(myLayer, [x.tensor()]);
 * }), { numRuns: 20 });
 * ```
 *
 * @module
 */
export { fc } from "./testing/fc.ts";
export {
  broadcastableShapesArb,
  type BroadcastBounds,
  emptyShapeArb,
  keyArb,
  shapeArb,
  type ShapeBounds,
} from "./testing/shapes.ts";
export {
  type Domain,
  isSample,
  sample,
  tensorArb,
  type TensorArbOptions,
  TensorSample,
  toTensors,
  treeArbLike,
} from "./testing/tensors.ts";
export { type AllCloseOptions, assertAllClose } from "./testing/all_close.ts";
export {
  assertGradsClose,
  checkGrads,
  type CheckGradsOptions,
  type GradCheckReport,
} from "./testing/check_grads.ts";
export {
  assertParameterization,
  type Axis,
  checkParameterization,
  type CheckParameterizationOptions,
  type Exponents,
  type ParameterizationReport,
  type RoleExponents,
} from "./testing/check_parameterization.ts";
export { fitPowerLaw, type PowerLawFit } from "./testing/power_law.ts";
export {
  checkAdam,
  type CheckedModel,
  type CheckOptimizer,
  type HostArray,
  type ModelContext,
  type ModelFactory,
  type Observation,
  trainAndObserve,
  type TrainOptions,
} from "./testing/training.ts";
export {
  coordCheck,
  type CoordCheckOptions,
  type CoordCheckReport,
  type Movement,
  type Scaling,
  type Verdict,
} from "./testing/coord_check.ts";
export {
  alignment,
  alignmentExponents,
  type AlignmentOptions,
  type AlignmentReport,
  type AlignmentValues,
} from "./testing/alignment.ts";
// Types the signatures above mention, so that the documentation can link them.
export type { DataArray, NestedArray, Tensor } from "./core/mod.ts";
export type { Backend, DType, Shape } from "./core/mod.ts";
export type { Key } from "./core/mod.ts";
export type { Dims, Parameterization, Query, Role, Settings } from "./param/mod.ts";
