/**
 * `nn`: the normalized transformer (nGPT) as small pure functions over parameter trees.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { key, randint, valueAndGrad } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * const model = ngptModel(modelConfig({ vocab: 32, width: 32, depth: 1, seqLen: 8 }));
 * const params = model.init(key(0));
 * const batch = randint(key(1), [2, 9], 0, 32);
 * const [value, grads] = valueAndGrad((p) => model.loss(p, batch))(params);
 * assertTrue(Number.isFinite(await value.item()) && grads.embed.shape[0] === 32);
 * ```
 *
 * @module
 */
export {
  DEFAULT_HEAD_SIZE,
  defaultMlpWidth,
  type ModelConfig,
  modelConfig,
  type ModelConfigInput,
  validateConfig,
} from "./config.ts";
export type { AttentionParams, BlockParams, MlpParams, NgptParams } from "./params.ts";
export * from "./spec.ts";
export { defaultDims, type RescalerFactors, rescalerFactors, UNIT_FACTORS } from "./rescalers.ts";
export { init, type InitOptions } from "./init.ts";
export { applyRope, type RopeOptions, type RopeTables, ropeTables } from "./rope.ts";
export { attention, type AttentionOptions, causalMask } from "./attention.ts";
export { mlp, type MlpOptions } from "./mlp.ts";
export { block, type BlockOptions, normLerp } from "./block.ts";
export { apply, type ApplyOptions, type Batch, hiddenStates, loss, splitBatch } from "./model.ts";
export {
  type ModelOptimizerOptions,
  type NgptModel,
  ngptModel,
  type NgptModelOptions,
} from "./ngpt.ts";
export {
  evaluate,
  train,
  type TrainOptions,
  type TrainPoint,
  type TrainResult,
  type Windows,
} from "./train.ts";
export { type TrainStep, trainStep, type TrainStepOptions } from "./train_step.ts";
export { trainGroup, type TrainGroupOptions } from "./train_group.ts";
export {
  type Checkpoint,
  CHECKPOINT_FORMAT,
  load,
  type LoadOptions,
  OPTIMIZER_PREFIX,
  save,
  type SaveOptions,
} from "./checkpoint.ts";
export {
  causalAttention,
  chunk,
  embedding,
  gelu,
  initLayerNorm,
  initLinear,
  layerNorm,
  linear,
  type LinearParams,
  type NormParams,
  rmsNorm,
} from "./layers.ts";
export {
  DEFAULT_F16_LOSS_SCALE,
  type Precision,
  precisionName,
  type PrecisionOptions,
  type PrecisionPolicy,
  precisionPolicy,
  toCompute,
} from "./precision.ts";
