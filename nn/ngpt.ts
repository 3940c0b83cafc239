/**
 * An nGPT model as one value: its config, parameterization and dimensions bundled with the
 * rescaler factors they imply, and `init`, `apply`, `hiddenStates`, `loss` and `optimizer`
 * bound to them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { nugpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { ngptModel } from "./ngpt.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }), {
 *   parameterization: nugpt,
 * });
 * const params = model.init(key(0));
 * assertEquals(model.apply(params, randint(key(1), [2, 8], 0, 16)).shape, [2, 8, 16]);
 * ```
 *
 * @module
 */
import type { Backend, Key, Tensor } from "../core/mod.ts";
import { type Dims, ngpt, type Parameterization, validateDims } from "../param/mod.ts";
import { type Optimizer, optimizerFor, type OptimizerForOptions } from "../optim/mod.ts";
import { type ModelConfig, validateConfig } from "./config.ts";
import { init } from "./init.ts";
import { apply, type Batch, hiddenStates, loss } from "./model.ts";
import type { NgptParams } from "./params.ts";
import { defaultDims, type RescalerFactors, rescalerFactors } from "./rescalers.ts";
import { type Precision, type PrecisionPolicy, precisionPolicy } from "./precision.ts";
import { axisTree, roleTree } from "./spec.ts";

/** Options of `NgptModel.optimizer`: those of `optimizerFor`, less what the model knows. */
export type ModelOptimizerOptions = Omit<OptimizerForOptions, "roles" | "axes">;

/** A model: everything but the parameters. Plain data plus functions bound to it. */
export interface NgptModel {
  /** The model's shape. */
  readonly config: ModelConfig;
  /** The parameterization (learning rates and rescaler constants). */
  readonly parameterization: Parameterization;
  /** The dimensions the parameterization is evaluated at. */
  readonly dims: Dims;
  /** The rescalers' `init / scale` factors used by the forward pass. */
  readonly factors: RescalerFactors;
  /**
   * Mixed precision (f16 compute, f32 master parameters, the static loss scale
   * `trainStep` applies); absent on models built before it existed: f32.
   */
  readonly precision?: PrecisionPolicy;
  /** Initial parameters (see `init`). */
  init(k: Key, options?: { dtype?: "f32" | "f64"; backend?: Backend }): NgptParams;
  /** Logits `[B, T, V]`. */
  apply(params: NgptParams, tokens: Tensor): Tensor;
  /** Hidden states after the embedding and after each block. */
  hiddenStates(params: NgptParams, tokens: Tensor): Tensor[];
  /** Mean next-token cross-entropy (in f32 under mixed precision; not loss-scaled). */
  loss(params: NgptParams, batch: Batch): Tensor;
  /**
   * The optimizer the parameterization implies (spec section 6) for `options.params`: Adam
   * (b1 0.9, b2 0.95, eps 1e-16), per-parameter learning rates, projection to the sphere.
   */
  optimizer(options: ModelOptimizerOptions): Optimizer;
}

/** Options of {@linkcode ngptModel}. */
export interface NgptModelOptions {
  /** Default `ngpt`. */
  readonly parameterization?: Parameterization;
  /** Default: the model is its own base, trained for 1 step. */
  readonly dims?: Dims;
  /**
   * `"f16"`: mixed-precision training (f16 activations and gradients on the
   * backend's f16, f32 master parameters and optimizer state). Default `"f32"`.
   */
  readonly precision?: Precision;
  /** The static loss scale under f16 (a power of two; default 1024). */
  readonly lossScale?: number;
}

/**
 * Bundles `config` with a parameterization and its dimensions. Throws if the config is invalid
 * or the dimensions' width and depth differ from the config's.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { ngptModel } from "./ngpt.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const value = model.loss(model.init(key(0)), randint(key(1), [2, 9], 0, 16));
 * assertTrue(Math.abs((await value.item()) - Math.log(16)) < 1);
 * // Mixed precision: f16 compute (emulated on the CPU), f32 parameters and loss.
 * const half = ngptModel(model.config, { precision: "f16" });
 * const halfValue = half.loss(half.init(key(0)), randint(key(1), [2, 9], 0, 16));
 * assertTrue(halfValue.dtype === "f32" && Math.abs((await halfValue.item()) - Math.log(16)) < 1);
 * ```
 */
export function ngptModel(config: ModelConfig, options: NgptModelOptions = {}): NgptModel {
  const cfg = validateConfig(config, "ngptModel");
  const parameterization = options.parameterization ?? ngpt;
  const dims = validateDims(options.dims ?? defaultDims(cfg), "ngptModel");
  if (dims.width !== cfg.width || dims.depth !== cfg.depth) {
    throw new Error(
      `ngptModel: dims.width ${dims.width} and dims.depth ${dims.depth} must equal ` +
        `config.width ${cfg.width} and config.depth ${cfg.depth}`,
    );
  }
  const factors = rescalerFactors(parameterization, dims);
  const precision = precisionPolicy(options, "ngptModel");
  const spec = { config: cfg, factors, precision };
  return Object.freeze({
    config: cfg,
    parameterization,
    dims,
    factors,
    precision,
    init: (k: Key, o: { dtype?: "f32" | "f64"; backend?: Backend } = {}) =>
      init(k, cfg, { ...o, parameterization, dims }),
    apply: (params: NgptParams, tokens: Tensor) => apply(params, tokens, spec),
    hiddenStates: (params: NgptParams, tokens: Tensor) => hiddenStates(params, tokens, spec),
    loss: (params: NgptParams, batch: Batch) => loss(params, batch, spec),
    optimizer: (o: ModelOptimizerOptions) =>
      optimizerFor(parameterization, dims, {
        ...o,
        roles: o?.params && roleTree(o.params),
        axes: o?.params && axisTree(o.params),
      }),
  });
}
