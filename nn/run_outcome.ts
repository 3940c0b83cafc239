/**
 * What `train` and `trainGroup` share about a run beyond its steps: their option checks, the
 * reason a run is called diverged, the final evaluation (and whether the run ended worse than
 * it began), and the median step time.
 *
 * @module
 */
import type { Backend } from "../core/mod.ts";
import { evaluate, type Windows } from "./evaluate.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";

/** A read point of a training curve, as far as the final evaluation fills it in. */
interface TrainPointLike {
  step: number;
  valLoss?: number;
}

/**
 * Check a run's length options, naming `op`: `steps` a positive integer, `evalEvery` (default
 * 50) a positive integer, `warmup` (default 0) an integer in `[0, steps)`; returns the last two.
 *
 * @example
 * ```ts
 * import { checkRunLength } from "./run_outcome.ts";
 * import { assertEquals, assertThrows } from "../testing/assert.ts";
 * assertEquals(checkRunLength("train", { steps: 10 }), { evalEvery: 50, warmup: 0 });
 * assertThrows(() => checkRunLength("train", { steps: 0 }), "train: steps must be a positive integer");
 * ```
 */
export function checkRunLength(
  op: string,
  opts: { steps: number; evalEvery?: number; warmup?: number },
): { evalEvery: number; warmup: number } {
  if (!Number.isInteger(opts.steps) || opts.steps < 1) {
    throw new Error(`${op}: steps must be a positive integer, got ${opts.steps}`);
  }
  const evalEvery = opts.evalEvery ?? 50;
  if (!Number.isInteger(evalEvery) || evalEvery < 1) {
    throw new Error(`${op}: evalEvery must be a positive integer, got ${evalEvery}`);
  }
  const warmup = opts.warmup ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= opts.steps) {
    throw new Error(
      `${op}: warmup must be an integer in [0, steps) = [0, ${opts.steps}), got ${opts.warmup}`,
    );
  }
  return { evalEvery, warmup };
}

/**
 * Why a run whose token ids were valid is diverged: its training loss `loss` at `step` passed
 * the reference `ref` by more than the margin (or is not finite) at learning rate `lr`.
 *
 * @example
 * ```ts
 * import { divergenceReason } from "./run_outcome.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(divergenceReason(NaN, 3, 2.5, 64).includes("learning rate 64 is likely too high"));
 * ```
 */
export function divergenceReason(loss: number, step: number, ref: number, lr: number): string {
  return `the training loss reached ${loss} at step ${step} (from ${ref}) with ` +
    `valid token ids: the learning rate ${lr} is likely too high`;
}

/**
 * The end of a run that did not diverge on the way: its loss on `finalWindows` (default
 * `evalWindows`), the last read point's validation loss filled in, and `diverged` when that
 * loss is not finite or above the loss at initialization.
 *
 * @example
 * ```ts
 * import { finalEvaluation } from "./run_outcome.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { assertEquals, assertTrue } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const params = model.init(key(0));
 * const windows = randint(key(1), [4, 9], 0, 16);
 * const curves: { step: number; trainLoss: number; valLoss?: number }[] = [{ step: 1, trainLoss: 2.8 }];
 * const end = await finalEvaluation(model, params, { curves, initialValLoss: null }, {
 *   evalWindows: windows,
 * });
 * assertEquals(end.status, "ok");
 * assertTrue(curves[0].valLoss === end.finalValLoss);
 * ```
 */
export async function finalEvaluation(
  model: NgptModel,
  params: NgptParams,
  run: { curves: TrainPointLike[]; initialValLoss: number | null },
  windows: { evalWindows?: Windows; finalWindows?: Windows },
  evalOpts: { chunk?: number; backend?: Backend } = {},
): Promise<{ status: "ok" | "diverged"; finalValLoss: number | null }> {
  const finalWindows = windows.finalWindows ?? windows.evalWindows;
  if (!finalWindows) return { status: "ok", finalValLoss: null };
  const finalValLoss = await evaluate(model, params, finalWindows, evalOpts);
  const last = run.curves[run.curves.length - 1];
  if (last && windows.evalWindows && finalWindows === windows.evalWindows) {
    last.valLoss = finalValLoss;
  } else if (last && windows.evalWindows) {
    last.valLoss = await evaluate(model, params, windows.evalWindows, evalOpts);
  }
  const worse = !Number.isFinite(finalValLoss) ||
    (run.initialValLoss !== null && finalValLoss > run.initialValLoss);
  return { status: worse ? "diverged" : "ok", finalValLoss };
}

/**
 * The median of `xs` (NaN for none): a run's step time, robust to the steps an evaluation or a
 * compilation slowed.
 *
 * @example
 * ```ts
 * import { median } from "./run_outcome.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals([median([3, 1, 2]), median([4, 1, 2, 3])], [2, 2.5]);
 * ```
 */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
