/**
 * Scaling updates: by a (scheduled) learning rate, and by per-parameter multipliers.
 *
 * @module
 */
import { mul, type Tensor, treeLeaves, treeMap } from "../core/mod.ts";
import { scalarCache } from "./scalars.ts";
import { constant, type Schedule } from "./schedules.ts";
import type { GradientTransformation, Params } from "./transform.ts";

/** The state of {@linkcode scaleByLearningRate}: the index of the next step. */
export interface ScheduleState {
  /** Updates made so far (the schedule is read at this index). */
  readonly count: number;
}

/** Options of {@linkcode scaleByLearningRate}. */
export interface LearningRateOptions {
  /**
   * Per-parameter multipliers, a tree of numbers shaped like the parameters: each leaf is
   * multiplied by `−lr(step) · multiplier` in one op (the same as chaining
   * {@linkcode scaleByTree}, with one elementwise op per leaf fewer).
   */
  multipliers?: Params;
}

function checkMultipliers(op: string, multipliers: Params): void {
  for (const m of treeLeaves(multipliers)) {
    if (typeof m !== "number" || !Number.isFinite(m)) {
      throw new Error(`${op}: every multiplier must be a finite number, got ${String(m)}`);
    }
  }
}

/**
 * Multiply updates by `−lr(step)` (descent), where `lr` is a schedule or a constant; the step
 * index is kept in the state. Optionally also by per-parameter multipliers.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { scaleByLearningRate } from "./scale.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const t = scaleByLearningRate((step) => 0.1 / (step + 1));
 * const g = { w: tensor([1, 2]) };
 * const [u, s] = t.update(g, t.init(g));
 * const [v] = t.update(g, s);
 * await assertAllClose([u.w, v.w], [[-0.1, -0.2], [-0.05, -0.1]]);
 * ```
 */
export function scaleByLearningRate(
  lr: Schedule | number,
  options: LearningRateOptions = {},
): GradientTransformation<ScheduleState> {
  const schedule = typeof lr === "number" ? constant(lr) : lr;
  if (typeof schedule !== "function") {
    throw new Error(`scaleByLearningRate: lr must be a number or a schedule, got ${typeof lr}`);
  }
  const { multipliers } = options;
  if (multipliers !== undefined) checkMultipliers("scaleByLearningRate", multipliers);
  return {
    init: () => ({ count: 0 }),
    update: (grads, state) => {
      const rate = schedule(state.count);
      if (typeof rate !== "number" || !Number.isFinite(rate)) {
        throw new Error(`scaleByLearningRate: schedule(${state.count}) gave ${rate}`);
      }
      const c = scalarCache();
      const updates = multipliers === undefined
        ? treeMap((g: Tensor) => mul(g, c(-rate, g)), grads)
        : treeMap((g: Tensor, m: number) => mul(g, c(-rate * m, g)), grads, multipliers);
      return [updates, { count: state.count + 1 }];
    },
  };
}

/**
 * Multiply each leaf of the updates by its own number (a tree of numbers shaped like the
 * parameters): per-parameter learning-rate multipliers, the "LR-scaled" part of the optimizer.
 * Stateless (its state is `{}`); a multiplier of exactly 1 passes the leaf through.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { scaleByTree } from "./scale.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const t = scaleByTree({ a: 2, b: 0.5 });
 * const g = { a: tensor([1]), b: tensor([4]) };
 * const [u] = t.update(g, t.init(g));
 * await assertAllClose(u, { a: [2], b: [2] });
 * ```
 */
export function scaleByTree(multipliers: Params): GradientTransformation<Record<never, never>> {
  checkMultipliers("scaleByTree", multipliers);
  return {
    init: () => ({}),
    update: (grads, state) => [
      ((c) =>
        treeMap((g: Tensor, m: number) => (m === 1 ? g : mul(g, c(m, g))), grads, multipliers))(
          scalarCache(),
        ),
      state,
    ],
  };
}
