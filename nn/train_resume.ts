/**
 * `train`'s checkpoint options checked, and a run resumed from its checkpoint (refused when the
 * run's settings differ from the checkpoint's).
 *
 * @module
 */
import { type Backend, Tensor, treeLeaves } from "../core/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";
import { readTrainCheckpoint, type TrainProgress } from "./train_checkpoint.ts";

/**
 * The checkpoint interval (0: none), after checking `checkpointEvery` and `checkpointPath`.
 *
 * @example
 * ```ts
 * import { checkpointSettings } from "./train_resume.ts";
 * import { assertEquals, assertThrows } from "../testing/assert.ts";
 * assertEquals(checkpointSettings({ steps: 10 }), 0);
 * assertEquals(checkpointSettings({ steps: 10, checkpointEvery: 5, checkpointPath: "run.safetensors" }), 5);
 * assertThrows(() => checkpointSettings({ steps: 10, checkpointEvery: 5 }), "train: checkpointEvery needs checkpointPath");
 * ```
 */
export function checkpointSettings(
  opts: {
    steps: number;
    checkpointEvery?: number;
    checkpointPath?: string;
    resumeFrom?: string;
    params?: unknown;
  },
): number {
  if (opts.resumeFrom !== undefined && opts.params !== undefined) {
    throw new Error("train: give params or resumeFrom, not both (a resumed run has its own)");
  }
  const every = opts.checkpointEvery;
  if (every === undefined) {
    if (opts.checkpointPath !== undefined) {
      throw new Error("train: checkpointPath is set but checkpointEvery is not");
    }
    return 0;
  }
  if (!Number.isInteger(every) || every < 1) {
    throw new Error(`train: checkpointEvery must be a positive integer, got ${every}`);
  }
  if (typeof opts.checkpointPath !== "string" || opts.checkpointPath === "") {
    throw new Error("train: checkpointEvery needs checkpointPath (the file to write)");
  }
  return every;
}

/**
 * The parameters, optimizer state and progress of the run saved at `path`, after checking that
 * it is this run: the same total steps and learning rate, and a step before the last.
 *
 * @example
 * ```ts
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { resumeRun } from "./train_resume.ts";
 * import { assertRejects } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 8, width: 16, depth: 1, seqLen: 4 }));
 * await assertRejects(
 *   () => resumeRun("/no/such/run.safetensors", model, { steps: 4, lr: 0.01 }),
 *   "/no/such/run.safetensors: cannot read the file",
 * );
 * ```
 */
export async function resumeRun(
  path: string,
  model: NgptModel,
  opts: { steps: number; lr: number },
  backend?: Backend,
): Promise<{ params: NgptParams; state: unknown; progress: TrainProgress }> {
  const run = await readTrainCheckpoint(path, model, { backend });
  const { progress } = run;
  const problem = progress.steps !== opts.steps
    ? `it was written by a run of ${progress.steps} steps, this run has ${opts.steps}`
    : progress.lr !== opts.lr
    ? `it was written by a run at lr ${progress.lr}, this run has lr ${opts.lr}`
    : progress.step >= opts.steps
    ? `it is at step ${progress.step}, the run's last`
    : null;
  if (problem !== null) {
    for (const t of treeLeaves([run.params, run.state])) if (t instanceof Tensor) t.dispose();
    throw new Error(`train: resumeFrom ${path}: ${problem}`);
  }
  return run;
}
