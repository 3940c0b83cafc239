/**
 * The common optimizers as ready chains, with Optax's defaults: `adam(lr)`, `adamw(lr)`,
 * `sgd(lr)`. Each is a {@linkcode GradientTransformation}: `init(params)` gives the state,
 * `update(grads, state, params)` the signed updates for `applyUpdates`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adam } from "./aliases.ts";
 * import { applyUpdates } from "./transform.ts";
 * const params = { w: tensor([1, 2]) };
 * const opt = adam(0.1);
 * const [updates] = opt.update({ w: tensor([3, -3]) }, opt.init(params), params);
 * await assertAllClose(applyUpdates(params, updates), { w: [0.9, 2.1] });
 * ```
 *
 * @module
 */
import { add, mul, type Tensor, treeMap, zerosLike } from "../core/mod.ts";
import { type AdamOptions, type AdamState, scaleByAdam } from "./adam.ts";
import { scalarCache } from "./scalars.ts";
import { scaleByLearningRate, type ScheduleState } from "./scale.ts";
import type { Schedule } from "./schedules.ts";
import { chain, type GradientTransformation, type Params } from "./transform.ts";

/** Refuse a bad learning rate with the name of the optimizer the user called. */
function checkRate(op: string, lr: number | Schedule): void {
  if (typeof lr === "function") return;
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    throw new Error(
      `${op}: lr must be a non-negative finite number or a schedule, got ${String(lr)}`,
    );
  }
}

function checkNonNegative(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`${op}: ${name} must be a finite number >= 0, got ${value}`);
  }
}

/**
 * Adds `weightDecay · params` to the updates (decoupled weight decay, as in AdamW). Needs the
 * parameters in `update`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { addDecayedWeights } from "./aliases.ts";
 * const t = addDecayedWeights(0.5);
 * const [u] = t.update({ w: tensor([1]) }, t.init({}), { w: tensor([4]) });
 * await assertAllClose(u, { w: [3] });
 * ```
 */
export function addDecayedWeights(
  weightDecay: number,
): GradientTransformation<Record<never, never>> {
  checkNonNegative("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => ({}),
    update: (grads, state, params) => {
      if (params === undefined) {
        throw new Error("addDecayedWeights: update needs the parameters (its third argument)");
      }
      const c = scalarCache();
      const decayed = treeMap(
        (g: Tensor, p: Tensor) => add(g, mul(p, c(weightDecay, p))),
        grads,
        params,
      );
      return [decayed, state];
    },
  };
}

/** The state of {@linkcode trace}: the running velocity, shaped like the parameters. */
export interface TraceState {
  /** The velocity `v = g + momentum · v`. */
  readonly velocity: Params;
}

/**
 * Momentum: the updates become `v = g + momentum · v` (Nesterov: `g + momentum · v`, with the
 * new `v`), as Optax's `trace`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { trace } from "./aliases.ts";
 * const t = trace(0.5);
 * const g = { w: tensor([2]) };
 * const [u1, s1] = t.update(g, t.init(g));
 * const [u2] = t.update(g, s1);
 * await assertAllClose([u1, u2], [{ w: [2] }, { w: [3] }]);
 * ```
 */
export function trace(
  momentum: number,
  options: { nesterov?: boolean } = {},
): GradientTransformation<TraceState> {
  checkNonNegative("trace", "momentum", momentum);
  return {
    init: (params) => ({ velocity: treeMap((p: Tensor) => zerosLike(p), params) }),
    update: (grads, state) => {
      const c = scalarCache();
      const velocity = treeMap(
        (g: Tensor, v: Tensor) => add(g, mul(v, c(momentum, v))),
        grads,
        state.velocity,
      );
      const updates = options.nesterov
        ? treeMap((g: Tensor, v: Tensor) => add(g, mul(v, c(momentum, v))), grads, velocity)
        : velocity;
      return [updates, { velocity }];
    },
  };
}

/**
 * Adam with Optax's defaults (b1 0.9, b2 0.999, eps 1e-8): `chain(scaleByAdam(options),
 * scaleByLearningRate(lr))`. `lr` is a number or a schedule.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adam } from "./aliases.ts";
 * const opt = adam(1e-3);
 * const [adamState, lrState] = opt.init({ w: tensor([1]) });
 * assertEquals([await adamState.count.item(), await lrState.count.item()], [0, 0]);
 * ```
 */
export function adam(
  lr: number | Schedule,
  options: AdamOptions = {},
): GradientTransformation<[AdamState, ScheduleState]> {
  checkRate("adam", lr);
  return chain(scaleByAdam(options), scaleByLearningRate(lr));
}

/** Options of {@linkcode adamw}: Adam's, and the decoupled weight decay. */
export interface AdamWOptions extends AdamOptions {
  /** Weight decay, multiplied by the learning rate like the Adam step (default 1e-4, Optax's). */
  weightDecay?: number;
}

/**
 * AdamW with Optax's defaults (b1 0.9, b2 0.999, eps 1e-8, weightDecay 1e-4): Adam's direction
 * plus `weightDecay · params`, scaled by the learning rate. `update` needs the parameters.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adamw } from "./aliases.ts";
 * const params = { w: tensor([10]) };
 * const opt = adamw(0.1, { weightDecay: 0.5 });
 * const [updates] = opt.update({ w: tensor([0]) }, opt.init(params), params);
 * await assertAllClose(updates, { w: [-0.5] }); // −lr · (0 + 0.5 · 10)
 * ```
 */
export function adamw(
  lr: number | Schedule,
  options: AdamWOptions = {},
): GradientTransformation<[AdamState, Record<never, never>, ScheduleState]> {
  checkRate("adamw", lr);
  const { weightDecay = 1e-4, ...adamOptions } = options;
  return chain(
    scaleByAdam(adamOptions),
    addDecayedWeights(weightDecay),
    scaleByLearningRate(lr),
  );
}

/** Options of {@linkcode sgd}. */
export interface SgdOptions {
  /** Momentum (default none: plain gradient descent). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum, as Optax's `sgd`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { sgd } from "./aliases.ts";
 * const params = { w: tensor([1]) };
 * const opt = sgd(0.5);
 * const [updates] = opt.update({ w: tensor([2]) }, opt.init(params), params);
 * await assertAllClose(updates, { w: [-1] });
 * ```
 */
export function sgd(
  lr: number | Schedule,
  options: SgdOptions = {},
): GradientTransformation<[TraceState | Record<never, never>, ScheduleState]> {
  checkRate("sgd", lr);
  const { momentum, nesterov = false } = options;
  const first = momentum === undefined
    ? {
      init: () => ({}),
      update: (g: Params, s: Record<never, never>) => [g, s] as [Params, Record<never, never>],
    }
    : trace(momentum, { nesterov });
  return chain(
    first as GradientTransformation<TraceState | Record<never, never>>,
    scaleByLearningRate(lr),
  );
}
