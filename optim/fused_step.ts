/**
 * The optimizer step of {@linkcode optimizerFor} in few primitives: per parameter one
 * `adamUpdate` (Adam's moments, its bias-corrected direction, the scheduled per-parameter
 * learning rate and the descent step, fused) and, for sphere parameters, one
 * `normalizeAlong`. It reads and writes the same state as the chain
 * `[clip,] scaleByAdam, scaleByLearningRate`, so either path can resume the other's state.
 *
 * @module
 */
import { adamUpdate, type Tensor, treeFlatten, treeUnflatten } from "../core/mod.ts";
import type { AdamState } from "./adam.ts";
import type { ScheduleState } from "./scale.ts";
import type { Schedule } from "./schedules.ts";
import type { GradientTransformation, Params } from "./transform.ts";

/** What {@linkcode fusedAdamStep} needs besides the parameters. */
export interface FusedStepOptions {
  /** The gradients, shaped like the parameters. */
  grads: Params;
  /** The chain's state: `[clipState,] adamState, scheduleState`. */
  state: unknown[];
  /** The clipping transform run on the gradients first, or null. */
  clipper: GradientTransformation<unknown> | null;
  /** Adam's β1. */
  b1: number;
  /** Adam's β2. */
  b2: number;
  /** Adam's ε. */
  eps: number;
  /** The base learning rate per step. */
  schedule: Schedule;
  /** Per-parameter learning-rate multipliers (numbers shaped like the parameters). */
  multipliers: Params;
  /** The post-step projection (`projectToSphere(axes)`). */
  project: (params: Params) => Params;
}

/**
 * One fused step: new (projected) parameters and the new chain state. Call it in a `tidy`.
 *
 * @example
 * ```ts
 * import { ones, tensor, zeros } from "../core/mod.ts";
 * import { fusedAdamStep } from "./fused_step.ts";
 * import { projectToSphere } from "./sphere.ts";
 * const p = { w: tensor([[3, 4]]), g: ones([1]) };
 * const state = [{ count: 0, mu: { w: zeros([1, 2]), g: zeros([1]) },
 *   nu: { w: zeros([1, 2]), g: zeros([1]) } }, { count: 0 }];
 * const [next] = fusedAdamStep(p, {
 *   grads: { w: tensor([[1, 0]]), g: ones([1]) }, state, clipper: null,
 *   b1: 0.9, b2: 0.95, eps: 1e-16, schedule: () => 0.1,
 *   multipliers: { w: 1, g: 1 }, project: projectToSphere({ w: -1, g: null }),
 * });
 * console.log(await next.g.toArray()); // about [0.9]
 * ```
 */
export function fusedAdamStep(params: Params, options: FusedStepOptions): [Params, unknown[]] {
  const op = "optimizerFor.step";
  const { state, clipper, b1, b2, eps, schedule, multipliers, project } = options;
  const expected = clipper === null ? 2 : 3;
  if (!Array.isArray(state) || state.length !== expected) {
    throw new Error(
      `chain: state must be an array of ${expected} states, got ${
        Array.isArray(state) ? `${state.length}` : typeof state
      }`,
    );
  }
  let grads = options.grads;
  const next: unknown[] = [];
  if (clipper !== null) {
    const [clipped, clipState] = clipper.update(grads, state[0], params);
    grads = clipped;
    next.push(clipState);
  }
  const adam = state[expected - 2] as AdamState;
  const sched = state[expected - 1] as ScheduleState;
  const rate = schedule(sched.count);
  if (typeof rate !== "number" || !Number.isFinite(rate)) {
    throw new Error(`${op}: schedule(${sched.count}) gave ${rate}`);
  }
  const count = adam.count + 1;
  const { leaves, def } = treeFlatten(params);
  const leavesOf = (tree: Params) => treeFlatten(tree).leaves;
  const [g, m, v, mults] = [grads, adam.mu, adam.nu, multipliers].map(leavesOf);
  const triples = (leaves as Tensor[]).map((p, i) =>
    adamUpdate(
      { param: p, grad: g[i] as Tensor, mu: m[i] as Tensor, nu: v[i] as Tensor },
      { b1, b2, eps, lr: rate * (mults[i] as number), count },
    )
  );
  const pick = (k: number) => treeUnflatten(def, triples.map((t) => t[k])) as Params;
  const newParams = project(pick(0));
  next.push({ count, mu: pick(1), nu: pick(2) }, { count: sched.count + 1 });
  return [newParams, next];
}
