/**
 * Learning-rate schedules: plain functions from the step index (0, 1, 2, ...) to a learning
 * rate. No tensors: a schedule is evaluated on the host once per step.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "./schedules.ts";
 * import { assertClose } from "../testing/assert.ts";
 * const lr = cosineDecay({ peak: 1e-3, steps: 100 });
 * assertClose(lr(0), 0.001);
 * assertClose(lr(99), 0.0001);
 * ```
 *
 * @module
 */

/**
 * A learning rate for each step index `t = 0, 1, 2, ...`. `horizon`, when set, is the step
 * after which the rate no longer changes (compiled steps read the schedule from a table of
 * that length).
 */
export type Schedule = ((step: number) => number) & { readonly horizon?: number };

function checkPositive(op: string, name: string, value: number, allowZero = false): void {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new Error(
      `${op}: ${name} must be a ${allowZero ? "non-negative" : "positive"} ` +
        `finite number, got ${value}`,
    );
  }
}

function checkStep(op: string, step: number): void {
  if (typeof step !== "number" || !Number.isFinite(step) || step < 0) {
    throw new Error(`${op}: step must be a finite number >= 0, got ${step}`);
  }
}

/**
 * The same learning rate at every step.
 *
 * @example
 * ```ts
 * import { constant } from "./schedules.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(constant(0.01)(1234), 0.01);
 * ```
 */
export function constant(lr: number): Schedule {
  checkPositive("constant", "lr", lr, true);
  return Object.assign((step: number) => {
    checkStep("constant", step);
    return lr;
  }, { horizon: 1 });
}

/** Options of {@linkcode cosineDecay}. */
export interface CosineDecayOptions {
  /** The largest learning rate (reached at step `warmup`, or step 0 without warmup). */
  peak: number;
  /** Number of training steps; the last step, `steps − 1`, has `finalFraction · peak`. */
  steps: number;
  /** The fraction of the peak at the last step (default 0.1). */
  finalFraction?: number;
  /** Steps of linear warmup before the decay (default 0: none, as nGPT trains). */
  warmup?: number;
}

/**
 * Cosine decay from `peak` to `finalFraction · peak` (spec section 6: 10 %, no warmup).
 *
 * With `w = warmup`: steps `t < w` ramp linearly, `peak · (t + 1) / w` (so step `w − 1` is at
 * the peak); steps `w ≤ t ≤ steps − 1` follow
 * `final + (peak − final) · (1 + cos(π · (t − w) / (steps − 1 − w))) / 2`; later steps stay at
 * the final value. Non-increasing after the warmup.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "./schedules.ts";
 * import { assertClose } from "../testing/assert.ts";
 * const lr = cosineDecay({ peak: 1, steps: 101 });
 * assertClose(lr(0), 1);
 * assertClose(lr(50), 0.55); // halfway: 0.1 + 0.9 * (1 + cos(π/2)) / 2
 * assertClose(lr(100), 0.1);
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const op = "cosineDecay";
  const { peak, steps, finalFraction = 0.1, warmup = 0 } = options;
  checkPositive(op, "peak", peak, true);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`${op}: steps must be a positive integer, got ${steps}`);
  }
  if (typeof finalFraction !== "number" || !(finalFraction >= 0 && finalFraction <= 1)) {
    throw new Error(`${op}: finalFraction must be in [0, 1], got ${finalFraction}`);
  }
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= steps) {
    throw new Error(
      `${op}: warmup must be an integer in [0, steps) = [0, ${steps}), got ${warmup}`,
    );
  }
  const final = finalFraction * peak;
  const span = steps - 1 - warmup;
  return Object.assign((step: number) => {
    checkStep(op, step);
    if (step < warmup) return (peak * (step + 1)) / warmup;
    if (span <= 0) return peak;
    const progress = Math.min(1, (step - warmup) / span);
    return final + (peak - final) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }, { horizon: steps });
}

/**
 * {@linkcode cosineDecay} with a linear warmup of `warmup` steps (required, at least 1).
 *
 * @example
 * ```ts
 * import { warmupCosine } from "./schedules.ts";
 * import { assertClose } from "../testing/assert.ts";
 * const lr = warmupCosine({ peak: 1, steps: 20, warmup: 4 });
 * assertClose(lr(0), 0.25);
 * assertClose(lr(3), 1);
 * assertClose(lr(19), 0.1);
 * ```
 */
export function warmupCosine(
  options: CosineDecayOptions & { warmup: number },
): Schedule {
  if (!Number.isInteger(options.warmup) || options.warmup < 1) {
    throw new Error(`warmupCosine: warmup must be an integer >= 1, got ${options.warmup}`);
  }
  return cosineDecay(options);
}
