/**
 * Scaling updates: by a (scheduled) learning rate, and by per-parameter multipliers.
 *
 * @module
 */
import { cast, fromData, gather, minimum, mul, Tensor, treeLeaves, treeMap } from "../core/mod.ts";
import { castLike, nextCount, zeroCount } from "./step_count.ts";
import { scalarCache } from "./scalars.ts";
import { constant, type Schedule } from "./schedules.ts";
import type { GradientTransformation, Params } from "./transform.ts";

/** The state of {@linkcode scaleByLearningRate}: the index of the next step. */
export interface ScheduleState {
  /** Updates made so far (a scalar f32 tensor; the schedule is read at this index). */
  readonly count: Tensor;
}

/** Steps tabulated for a schedule without a `horizon` (later steps read the last entry). */
const DEFAULT_HORIZON = 1 << 16;

/** Options of {@linkcode scaleByLearningRate}. */
export interface LearningRateOptions {
  /**
   * Per-parameter multipliers, a tree of numbers shaped like the parameters: each leaf is
   * multiplied by `−lr(step) · multiplier` in one op (the same as chaining
   * {@linkcode scaleByTree}, with one elementwise op per leaf fewer).
   */
  multipliers?: Params;
  /**
   * The rates as a tensor in place of the table made from the schedule: `−lr(t)` at index `t`,
   * as many entries as the schedule's horizon. A group of runs trained as one vmapped step hands
   * each member its own row this way (`nn.trainGroup`), so that each member reads exactly the
   * rates its run alone would.
   */
  table?: Tensor;
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
  const { multipliers, table: givenTable } = options;
  if (multipliers !== undefined) checkMultipliers("scaleByLearningRate", multipliers);
  // The schedule as a table read at the step count by a gather, so that the rate of a compiled
  // step follows the count tensor. Made once on the host; uploaded inside each update (under
  // `nu.jit` that upload is a constant of the compiled program).
  const hostTables = new Map<string, Float32Array | Float64Array>();
  const tableFor = (like: Tensor): Tensor => {
    const dtype = like.dtype === "f64" ? "f64" : "f32";
    let rates = hostTables.get(dtype);
    if (rates === undefined) {
      const n = Math.max(1, schedule.horizon ?? DEFAULT_HORIZON);
      rates = dtype === "f64" ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const r = schedule(i);
        if (typeof r !== "number" || !Number.isFinite(r)) {
          throw new Error(`scaleByLearningRate: schedule(${i}) gave ${r}`);
        }
        rates[i] = -r;
      }
      hostTables.set(dtype, rates);
    }
    return fromData(rates, [rates.length], { backend: like.backend });
  };
  const constantRate = typeof lr === "number" ? lr : null;
  return {
    init: (params) => {
      const count = zeroCount(params);
      if (constantRate === null) tableFor(count).dispose(); // checks the schedule now
      return { count };
    },
    update: (grads, state) => {
      const c = scalarCache();
      const first = treeLeaves<unknown>(grads).find((l) => l instanceof Tensor) as Tensor;
      if (first === undefined) return [grads, state];
      let negRate: Tensor | number;
      if (constantRate !== null) negRate = -constantRate;
      else {
        const table = givenTable ?? tableFor(first);
        const last = table.size - 1;
        const index = typeof state.count === "number"
          ? fromData([Math.min(state.count, last)], [], { dtype: "i32", backend: first.backend })
          : cast(minimum(state.count, last), "i32");
        negRate = gather(table, index);
      }
      const factor = (g: Tensor, m: number) =>
        typeof negRate === "number"
          ? c(negRate * m, g)
          : castLike(m === 1 ? negRate : mul(negRate, m), g);
      const updates = multipliers === undefined
        ? treeMap((g: Tensor) => mul(g, factor(g, 1)), grads)
        : treeMap((g: Tensor, m: number) => mul(g, factor(g, m)), grads, multipliers);
      return [updates, { count: nextCount(state.count, first) }];
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
