/**
 * Training an nGPT model for a fixed number of steps with the optimizer its
 * parameterization implies, evaluating on fixed held-out windows every K
 * steps and on the whole held-out set at the end.
 *
 * The loss is read back only at evaluation points (every readback waits for
 * the device, ≥ 11 ms on WebGPU in Deno), never every step. A run whose loss
 * becomes NaN/Inf or rises far above its start ends early as `diverged`.
 *
 * @module
 */
import { type Backend, getBackend, type Key, key as makeKey, type Tensor } from "../core/mod.ts";
import { cosineDecay, disposeReplaced, type OptimizerForOptions } from "../optim/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";
import { trainStep } from "./train_step.ts";
import { checkTokenIds } from "./tokens.ts";
import { checkRunLength, divergenceReason, finalEvaluation, median } from "./run_outcome.ts";
import { checkpointSettings, resumeRun } from "./train_resume.ts";
import { evaluate, type Windows, windowsTensor } from "./evaluate.ts";

export { evaluate, type Windows } from "./evaluate.ts";
import { writeTrainCheckpoint } from "./train_checkpoint.ts";

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** Peak base learning rate (the cosine schedule decays it to 10 % at the last step). */
  lr: number;
  /** Training steps. */
  steps: number;
  /** Steps of linear warm-up before the cosine decay (default 0, as the spec trains). */
  warmup?: number;
  /** Training batch for `step` (i32 `[B, T+1]`, or host data with its row count); `train` disposes it after the step. */
  batch: (step: number) => Windows;
  /** Fixed held-out windows evaluated every `evalEvery` steps. */
  evalWindows?: Windows;
  /** Windows for the final evaluation (default `evalWindows`). */
  finalWindows?: Windows;
  /** Evaluate (and read the training loss back) every this many steps (default 50). */
  evalEvery?: number;
  /** Rows per evaluation forward pass (default 64). */
  evalBatch?: number;
  /** Initialization key (default `key(0)`). */
  key?: Key;
  /** Start from these parameters instead of `model.init(key)` (not disposed by `train`). */
  params?: NgptParams;
  /** Backend for parameters and batches (default: the current one). */
  backend?: Backend;
  /** A run is diverged when a read loss exceeds its first read loss by this much (default 1.0 nats). */
  divergenceMargin?: number;
  /** Called at every read point. */
  onProgress?: (step: number, trainLoss: number) => void;
  /** Keep the final parameters (default false: they are disposed). */
  returnParams?: boolean;
  /** Compile the training step with `nu.jit` (default true); `false` runs it op by op. */
  jit?: boolean;
  /**
   * Write a checkpoint (parameters, optimizer state, steps taken and data position) to
   * `checkpointPath` every this many steps, atomically; `resumeFrom` continues from it.
   */
  checkpointEvery?: number;
  /** Where `checkpointEvery` writes (a safetensors file, replaced each time). */
  checkpointPath?: string;
  /**
   * Continue the run saved in this checkpoint (see `checkpointEvery`): its parameters,
   * optimizer state and step; the next batch asked for is `batch(step)`. The other options must
   * be the run's own (the same lr and steps are checked). The result's curves and timings cover
   * the resumed steps only.
   */
  resumeFrom?: string;
  /**
   * Extra optimizer options: Adam's b1, b2, eps; clip; or a `direction` in place of Adam (e.g.
   * `optim.scaleByAdamAtan2({ b1: 0.9, b2: 0.95 })`).
   */
  optimizer?: Pick<OptimizerForOptions, "b1" | "b2" | "eps" | "clip" | "direction">;
}

/** One read point of a training curve. */
export interface TrainPoint {
  /** Steps taken. */
  step: number;
  /** Training loss of the last step's batch. */
  trainLoss: number;
  /** Loss on `evalWindows` (when given). */
  valLoss?: number;
}

/** What {@linkcode train} returns. */
export interface TrainResult {
  /** `ok`, or `diverged` when the loss became non-finite or rose far above its start. */
  status: "ok" | "diverged";
  /** Steps actually taken. */
  steps: number;
  /** Read points. */
  curves: TrainPoint[];
  /** Loss on `finalWindows` after the last step (null when diverged or no windows given). */
  finalValLoss: number | null;
  /** Loss on the evaluation windows at initialization. */
  initialValLoss: number | null;
  /** Median training-step time in ms, evaluation excluded. */
  msPerStep: number;
  /** Wall time of the whole run in seconds. */
  wallSeconds: number;
  /** Why the run diverged (its batches were checked first: their token ids were valid). */
  reason?: string;
  /** The final parameters, when `returnParams` is set. */
  params?: NgptParams;
}

/**
 * Train `model` for `opts.steps` steps at base learning rate `opts.lr`. Token ids given as host
 * data are checked to lie in `[0, vocab)`; when the loss becomes non-finite or rises too far,
 * the last batch is read back and checked before the run is reported `diverged`.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { train } from "./train.ts";
 * import { assertEquals, assertTrue } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * // Windows of 9 tokens counting up mod 16: each next token is predictable, so the loss falls.
 * const windows = (start: number, rows: number) =>
 *   tensor(
 *     Array.from({ length: rows }, (_, r) => Array.from({ length: 9 }, (_, j) => (start + 5 * r + j) % 16)),
 *     { dtype: "i32" },
 *   );
 * const result = await train(model, {
 *   lr: 2 ** -5,
 *   steps: 20,
 *   batch: (step) => windows(step, 4),
 *   evalWindows: windows(7, 8),
 *   evalEvery: 10,
 * });
 * assertEquals(result.status, "ok");
 * assertTrue(result.finalValLoss! < result.initialValLoss! - 0.5, JSON.stringify(result));
 * ```
 */
export async function train(model: NgptModel, opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const backend = opts.backend ?? getBackend();
  if (!(opts.lr > 0) || !Number.isFinite(opts.lr)) {
    throw new Error(`train: lr must be a positive number, got ${opts.lr}`);
  }
  const { evalEvery, warmup } = checkRunLength("train", opts);
  const margin = opts.divergenceMargin ?? 1.0;
  const evalOpts = { chunk: opts.evalBatch ?? 64, backend };
  const every = checkpointSettings(opts);
  const resumed = opts.resumeFrom === undefined
    ? null
    : await resumeRun(opts.resumeFrom, model, opts, backend);
  const initial = resumed?.params ?? opts.params ?? model.init(opts.key ?? makeKey(0), { backend });
  const opt = model.optimizer({
    schedule: cosineDecay({ peak: opts.lr, steps: opts.steps, warmup }),
    params: initial,
    ...opts.optimizer,
  });
  let params = initial;
  let state = (resumed?.state as ReturnType<typeof opt.init> | undefined) ?? opt.init(params);
  const stepFn = trainStep(model, opt, { jit: opts.jit });
  const curves: TrainPoint[] = [];
  const segmentMs: number[] = [];
  const initialValLoss = resumed
    ? resumed.progress.initialValLoss
    : opts.evalWindows
    ? await evaluate(model, params, opts.evalWindows, evalOpts)
    : null;
  let reference: number | null = resumed?.progress.reference ?? null;
  let status: "ok" | "diverged" = "ok";
  let reason: string | undefined;
  let lastBatch: Tensor | undefined;
  let step = resumed?.progress.step ?? 0;
  let segmentStart = performance.now(), segmentSteps = 0;
  try {
    while (step < opts.steps) {
      lastBatch?.dispose();
      const { t: batch } = windowsTensor(
        opts.batch(step),
        backend,
        model.config.vocab,
        "train",
        `train: batch of step ${step}`,
      );
      lastBatch = batch;
      const [loss, nextParams, nextState] = stepFn(params, state, batch);
      disposeReplaced(state, nextState);
      if (params !== initial) disposeReplaced(params, nextParams);
      params = nextParams;
      state = nextState;
      step++;
      segmentSteps++;
      if (every > 0 && step % every === 0 && step < opts.steps) {
        await writeTrainCheckpoint(opts.checkpointPath!, model, {
          params,
          state,
          progress: {
            step,
            dataPosition: step,
            reference: reference ?? null,
            initialValLoss,
            steps: opts.steps,
            lr: opts.lr,
          },
        });
      }
      const readNow = step % evalEvery === 0 || step === opts.steps;
      if (!readNow) {
        loss.dispose();
        continue;
      }
      const trainLoss = await loss.item();
      loss.dispose();
      segmentMs.push((performance.now() - segmentStart) / segmentSteps);
      const point: TrainPoint = { step, trainLoss };
      if (opts.evalWindows && step < opts.steps) {
        point.valLoss = await evaluate(model, params, opts.evalWindows, evalOpts);
      }
      curves.push(point);
      opts.onProgress?.(step, trainLoss);
      const ref: number = reference ??= initialValLoss ?? trainLoss;
      if (!Number.isFinite(trainLoss) || trainLoss > ref + margin) {
        const ids = await batch.data();
        checkTokenIds(ids, batch.shape, model.config.vocab, `train: batch of step ${step - 1}`);
        status = "diverged";
        reason = divergenceReason(trainLoss, step, ref, opts.lr);
        break;
      }
      segmentStart = performance.now();
      segmentSteps = 0;
    }
    let finalValLoss: number | null = null;
    if (status === "ok") {
      ({ status, finalValLoss } = await finalEvaluation(
        model,
        params,
        { curves, initialValLoss },
        opts,
        evalOpts,
      ));
    }
    return {
      status,
      steps: step,
      curves,
      finalValLoss: status === "ok" ? finalValLoss : null,
      initialValLoss,
      msPerStep: median(segmentMs),
      wallSeconds: (performance.now() - started) / 1000,
      ...(reason === undefined ? {} : { reason }),
      ...(opts.returnParams ? { params } : {}),
    };
  } finally {
    stepFn.dispose();
    lastBatch?.dispose();
    disposeReplaced(state, []);
    if (!opts.returnParams && params !== initial) disposeReplaced(params, []);
    if (!opts.params && params !== initial) disposeReplaced(initial, []);
  }
}
