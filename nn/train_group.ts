/**
 * Training a group of runs of one model shape and schedule together: per-member base learning
 * rates, initialization keys and data, the other options shared, one {@linkcode TrainResult}
 * per member, as {@linkcode train} would give it.
 *
 * @module
 */
import type { Key } from "../core/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import { train, type TrainOptions, type TrainResult, type Windows } from "./train.ts";

/** Options of {@linkcode trainGroup}: those of `train`, with one learning rate, key and data stream per member. */
export interface TrainGroupOptions
  extends Omit<TrainOptions, "lr" | "key" | "batch" | "onProgress"> {
  /** Peak base learning rate of each member (the group has `lrs.length` members). */
  lrs: number[];
  /** Initialization key of each member (as many as `lrs`). */
  keys: Key[];
  /** Training batch of `member` at `step` (i32 `[B, T+1]`, or host data); disposed after the step. */
  batch: (step: number, member: number) => Windows;
  /** Called at every read point of every member that is still training. */
  onProgress?: (member: number, step: number, trainLoss: number) => void;
}

/**
 * Train `opts.lrs.length` runs of `model`, member `m` with base learning rate `opts.lrs[m]`,
 * initialization key `opts.keys[m]` and batches `opts.batch(step, m)`; the results are those
 * `train` gives each run alone.
 *
 * @example
 * ```ts
 * import { key, tensor } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { trainGroup } from "./train_group.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const windows = (start: number, rows: number) =>
 *   tensor(
 *     Array.from({ length: rows }, (_, r) => Array.from({ length: 9 }, (_, j) => (start + 5 * r + j) % 16)),
 *     { dtype: "i32" },
 *   );
 * const results = await trainGroup(model, {
 *   lrs: [2 ** -6, 2 ** -5],
 *   keys: [key(0), key(1)],
 *   steps: 4,
 *   batch: (step, member) => windows(step + member, 4),
 *   evalEvery: 2,
 * });
 * assertEquals(results.map((r) => [r.status, r.steps]), [["ok", 4], ["ok", 4]]);
 * ```
 */
export async function trainGroup(
  model: NgptModel,
  opts: TrainGroupOptions,
): Promise<TrainResult[]> {
  checkGroup(opts);
  const results: TrainResult[] = [];
  for (let m = 0; m < opts.lrs.length; m++) {
    const { lrs: _lrs, keys, batch, onProgress, ...shared } = opts;
    results.push(
      await train(model, {
        ...shared,
        lr: opts.lrs[m],
        key: keys[m],
        batch: (step) => batch(step, m),
        onProgress: onProgress && ((step, loss) => onProgress(m, step, loss)),
      }),
    );
  }
  return results;
}

function checkGroup(opts: TrainGroupOptions): void {
  if (!Array.isArray(opts.lrs) || opts.lrs.length === 0) {
    throw new Error(`trainGroup: lrs must be a non-empty array of numbers, got ${opts.lrs}`);
  }
  for (const [m, lr] of opts.lrs.entries()) {
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new Error(`trainGroup: lrs[${m}] must be a positive number, got ${lr}`);
    }
  }
  if (!Array.isArray(opts.keys) || opts.keys.length !== opts.lrs.length) {
    throw new Error(
      `trainGroup: keys must give one key per member: ${opts.lrs.length} lrs but ` +
        `${Array.isArray(opts.keys) ? opts.keys.length : typeof opts.keys} keys`,
    );
  }
  if (typeof opts.batch !== "function") {
    throw new Error(`trainGroup: batch must be a function (step, member) => Windows`);
  }
}
