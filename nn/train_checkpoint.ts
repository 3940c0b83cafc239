/**
 * Resumable training: `train`'s checkpoints hold the parameters, the optimizer state, and the
 * run's progress (the steps taken, which is also the data position — the next batch is
 * `batch(step)` — and the losses the divergence test compares with) in one safetensors file
 * written atomically by {@linkcode save}. Resuming from one continues the run exactly: on the
 * CPU the resumed losses equal the uninterrupted run's bit for bit.
 *
 * @module
 */
import { type Backend, Tensor, treeLeaves } from "../core/mod.ts";
import { load, save } from "./checkpoint.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";

/** The `__metadata__` key of a training run's progress. */
export const TRAIN_PROGRESS_KEY = "train";

/** Where a run stood when its checkpoint was written. */
export interface TrainProgress {
  /** Steps taken (the next step's index). */
  readonly step: number;
  /** The index the next batch is asked for (`batch(dataPosition)`); equals `step`. */
  readonly dataPosition: number;
  /** The loss the divergence test compares with (null before the first read). */
  readonly reference: number | null;
  /** The evaluation loss at initialization (null without evaluation windows). */
  readonly initialValLoss: number | null;
  /** The run's total steps and peak learning rate, so that a resume with other ones is refused. */
  readonly steps: number;
  /** Peak learning rate of the run. */
  readonly lr: number;
}

/**
 * Write a training checkpoint of `model` at `path` (atomically: a temporary file, then a
 * rename), holding `params`, the optimizer `state` and `progress`.
 *
 * @example
 * ```ts
 * import { key } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { readTrainCheckpoint, writeTrainCheckpoint } from "./train_checkpoint.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 8, width: 16, depth: 1, seqLen: 4 }));
 * const params = model.init(key(0));
 * const state = model.optimizer({ schedule: () => 0.01, params }).init(params);
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const progress = { step: 3, dataPosition: 3, reference: 2.1, initialValLoss: null, steps: 9, lr: 0.01 };
 * await writeTrainCheckpoint(path, model, { params, state, progress });
 * const back = await readTrainCheckpoint(path, model);
 * assertEquals(back.progress, progress);
 * await Deno.remove(path);
 * ```
 */
export async function writeTrainCheckpoint(
  path: string,
  model: NgptModel,
  run: { params: NgptParams; state: unknown; progress: TrainProgress },
): Promise<void> {
  await save(path, run.params, {
    config: model.config,
    parameterization: model.parameterization,
    dims: model.dims,
    optimizerState: run.state,
    metadata: { [TRAIN_PROGRESS_KEY]: JSON.stringify(run.progress) },
  });
}

function checkProgress(value: unknown, where: string): TrainProgress {
  const p = value as Partial<TrainProgress> | null;
  const isCount = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x >= 0;
  const isLoss = (x: unknown) => x === null || typeof x === "number";
  if (
    typeof p !== "object" || p === null || !isCount(p.step) || !isCount(p.dataPosition) ||
    !isLoss(p.reference) || !isLoss(p.initialValLoss) || !isCount(p.steps) ||
    typeof p.lr !== "number"
  ) {
    throw new Error(
      `${where}: __metadata__.${TRAIN_PROGRESS_KEY} is not a training progress record: ${
        JSON.stringify(value)
      }`,
    );
  }
  return p as TrainProgress;
}

/**
 * Read a checkpoint written by {@linkcode writeTrainCheckpoint}: the parameters and optimizer
 * state (kept out of every scope; `train` disposes them) and the progress. Refuses a file of
 * another model shape or without a training progress record.
 *
 * @example
 * ```ts
 * import { key } from "../core/mod.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { modelConfig, ngptModel, save } from "./mod.ts";
 * import { readTrainCheckpoint } from "./train_checkpoint.ts";
 * import { assertRejects } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 8, width: 16, depth: 1, seqLen: 4 }));
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await save(path, model.init(key(0)), { config: model.config, parameterization: ngpt });
 * await assertRejects(() => readTrainCheckpoint(path, model), "has no training progress");
 * await Deno.remove(path);
 * ```
 */
export async function readTrainCheckpoint(
  path: string,
  model: NgptModel,
  opts: { backend?: Backend } = {},
): Promise<{ params: NgptParams; state: unknown; progress: TrainProgress }> {
  const where = `train: resumeFrom ${path}`;
  const loaded = await load(path, { backend: opts.backend });
  const dispose = () => {
    for (const t of treeLeaves([loaded.params, loaded.optimizerState])) {
      if (t instanceof Tensor) t.dispose();
    }
  };
  try {
    const text = loaded.metadata[TRAIN_PROGRESS_KEY];
    if (text === undefined || loaded.optimizerState === undefined) {
      throw new Error(
        `${where}: has no training progress or optimizer state (write it with checkpointEvery)`,
      );
    }
    const mine = JSON.stringify(model.config), theirs = JSON.stringify(loaded.config);
    if (mine !== theirs) {
      throw new Error(
        `${where}: the checkpoint's config ${theirs} differs from the model's ${mine}`,
      );
    }
    if (loaded.metadata.parameterization !== model.parameterization.name) {
      throw new Error(
        `${where}: the checkpoint was trained with ${loaded.metadata.parameterization}, ` +
          `the model uses ${model.parameterization.name}`,
      );
    }
    const progress = checkProgress(JSON.parse(text), where);
    return { params: loaded.params, state: loaded.optimizerState, progress };
  } catch (e) {
    dispose();
    throw e;
  }
}
