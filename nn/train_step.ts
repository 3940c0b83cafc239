/**
 * One training step of an nGPT model — loss, gradients and the optimizer's
 * update — compiled by `nu.jit` (the default) or run op by op.
 *
 * @module
 */
import { jit, mul, type Tensor, tidy, treeMap, valueAndGrad } from "../core/mod.ts";
import type { Optimizer } from "../optim/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";

/** Options of {@linkcode trainStep}. */
export interface TrainStepOptions {
  /** Compile the step with `nu.jit` (default true); `false` runs every op eagerly. */
  jit?: boolean;
}

/** A training step: `(params, state, batch) -> [loss, params', state']`. */
export interface TrainStep {
  /** Run one step; the inputs are not disposed (the caller replaces them). */
  (params: NgptParams, state: unknown[], batch: Tensor): [Tensor, NgptParams, unknown[]];
  /** Free the compiled program's buffers (a no-op for an eager step). */
  dispose(): void;
  /** Whether the step is compiled. */
  readonly compiled: boolean;
}

/**
 * The step `model` trains with under `opt`: `batch` is `[B, T+1]` i32 tokens.
 * Compiled, the first call traces and compiles, later calls replay.
 *
 * @example
 * ```ts
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig, ngptModel, trainStep } from "./mod.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * let params = model.init(key(0));
 * const opt = model.optimizer({ lr: 0.01, steps: 10, params });
 * let state = opt.init(params);
 * const step = trainStep(model, opt);
 * const batch = randint(key(1), [4, 9], 0, 16);
 * const [first] = step(params, state, batch);
 * let loss = first;
 * for (let i = 0; i < 5; i++) {
 *   const [l, p, s] = step(params, state, batch);
 *   [loss, params, state] = [l, p, s];
 * }
 * assertTrue((await loss.item()) < (await first.item()));
 * step.dispose();
 * ```
 */
export function trainStep(
  model: NgptModel,
  opt: Optimizer,
  options: TrainStepOptions = {},
): TrainStep {
  // Mixed precision: differentiate the loss times a power-of-two scale (exact), so that
  // small f16 gradients stay representable, and divide the f32 gradients by it after.
  const scale = model.precision?.lossScale ?? 1;
  const scaled = (p: NgptParams, b: Tensor) =>
    scale === 1 ? model.loss(p, b) : mul(model.loss(p, b), scale);
  const lossAndGrad = valueAndGrad(scaled);
  const eager = (params: NgptParams, state: unknown[], batch: Tensor) =>
    tidy(() => {
      let [loss, grads] = lossAndGrad(params, batch);
      if (scale !== 1) {
        loss = mul(loss, 1 / scale);
        grads = treeMap((g: Tensor) => mul(g, 1 / scale), grads) as NgptParams;
      }
      const [next, nextState] = opt.step(params, grads, state);
      return [loss, next as NgptParams, nextState] as [Tensor, NgptParams, unknown[]];
    });
  const compiled = options.jit ?? true;
  const run = compiled ? jit(eager) : null;
  const step = (params: NgptParams, state: unknown[], batch: Tensor) =>
    run ? run(params, state, batch) : eager(params, state, batch);
  return Object.assign(step, {
    dispose: () => run?.dispose(),
    compiled,
  }) as TrainStep;
}
