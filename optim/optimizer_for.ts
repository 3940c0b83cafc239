/**
 * The whole nGPT optimizer a parameterization implies (spec section 6): Adam, then each
 * parameter's learning rate `lr_base(step) · multiplier(param)`, then the projection of the
 * matrices back to the unit sphere.
 *
 * @module
 */
import { getPath, type Tensor, tidy, treeMapWithPath } from "../core/mod.ts";
import type { Dims, Parameterization, Role } from "../param/mod.ts";
import { scaleByAdam } from "./adam.ts";
import { clipByGlobalNorm } from "./clip.ts";
import { scaleByLearningRate } from "./scale.ts";
import { cosineDecay, type Schedule } from "./schedules.ts";
import { projectToSphere } from "./sphere.ts";
import { applyUpdates, chain, type GradientTransformation, type Params } from "./transform.ts";

/** Options of {@linkcode optimizerFor}. */
export interface OptimizerForOptions {
  /** The parameters: their roles and shapes give the multipliers. */
  params: Params;
  /** Each parameter's role, a tree shaped like `params` (the model gives it: `nn.roleTree`). */
  roles: Params;
  /** Peak base learning rate of the default cosine schedule (required without `schedule`). */
  lr?: number;
  /** Training steps of the default schedule (default `dims.steps`). */
  steps?: number;
  /** Base learning rate per step; replaces the default `cosineDecay({peak: lr, steps})`. */
  schedule?: Schedule;
  /** Adam's β1 (default 0.9). */
  b1?: number;
  /** Adam's β2 (default 0.95). */
  b2?: number;
  /** Adam's ε (default 1e-16). */
  eps?: number;
  /**
   * The update direction in place of Adam, e.g. `scaleByAdamAtan2({ b1: 0.9, b2: 0.95 })`; its
   * output is scaled by each parameter's learning rate. Give either this or `b1`/`b2`/`eps`.
   */
  direction?: GradientTransformation<unknown>;
  /**
   * The schedule's rates as a tensor (`−lr(t)` at index `t`), read in place of the table made
   * from `schedule` (see `scaleByLearningRate`'s `table`).
   */
  rateTable?: Tensor;
  /** Clip gradients to this global norm before Adam (default: no clipping). */
  clip?: number;
  /** Sphere axes per parameter, a tree shaped like `params` (the model gives it: `nn.axisTree`). */
  axes: Params;
}

/** What {@linkcode optimizerFor} returns. */
export interface Optimizer {
  /** The gradient transformation: `[clip,] scaleByAdam, scaleByLearningRate`, chained. */
  readonly transform: GradientTransformation<unknown[]>;
  /** Per-parameter learning-rate multipliers (a tree of numbers shaped like the parameters). */
  readonly multipliers: Params;
  /** Sphere axes per parameter (a tree of `-1 | 0 | null`). */
  readonly axes: Params;
  /** The base learning rate per step. */
  readonly schedule: Schedule;
  /** Renormalizes the matrices (apply once to fresh parameters if `init` did not). */
  readonly project: (params: Params) => Params;
  /** The first optimizer state (a tree of tensors and numbers; see `encodeState`). */
  init(params: Params): unknown[];
  /**
   * One step, in one `tidy`: new parameters (projected) and the new state. The inputs are not
   * disposed: dispose the old params, grads and state afterwards (`disposeReplaced`).
   */
  step(params: Params, grads: Params, state: unknown[]): [Params, unknown[]];
  /** Each parameter's learning rate at `step`: `schedule(step) · multiplier`. */
  learningRates(step: number): Params;
}

/**
 * Build the optimizer that `parameterization` implies at `dims` for the parameter tree
 * `options.params`, whose roles and sphere axes the model gives (`model.optimizer` does this
 * for an nGPT model). Adam runs with the spec's b1 0.9, b2 0.95, eps 1e-16 unless given.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { ones, tensor } from "../core/mod.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { optimizerFor } from "./optimizer_for.ts";
 * const dims = { width: 2, depth: 1, steps: 10, baseWidth: 2, baseDepth: 1, baseSteps: 10 };
 * const params = { embed: tensor([[1, 0], [0, 1]]), sz: ones([2]) };
 * const roles = { embed: "input", sz: "sz" };
 * const opt = optimizerFor(ngpt, dims, { lr: 0.01, params, roles, axes: { embed: -1, sz: null } });
 * const grads = { embed: tensor([[0, 1], [1, 0]]), sz: ones([2]) };
 * const [next] = opt.step(params, grads, opt.init(params));
 * await assertAllClose(next.sz, [0.99, 0.99], { rtol: 1e-5 });
 * ```
 */
export function optimizerFor(
  parameterization: Parameterization,
  dims: Dims,
  options: OptimizerForOptions,
): Optimizer {
  const op = "optimizerFor";
  if (typeof options !== "object" || options === null || options.params === undefined) {
    throw new Error(`${op}: options.params (the parameter tree) is required`);
  }
  if (options.roles === undefined || options.axes === undefined) {
    throw new Error(
      `${op}: options.roles and options.axes (trees shaped like params) are required; ` +
        `for an nGPT model call model.optimizer({ lr, steps }) instead`,
    );
  }
  const { params, lr, b1 = 0.9, b2 = 0.95, eps = 1e-16, clip, direction } = options;
  if (direction !== undefined) {
    const given = (["b1", "b2", "eps"] as const).filter((k) => options[k] !== undefined);
    if (given.length > 0) {
      throw new Error(
        `${op}: options.direction replaces Adam, so ${given.join(", ")} would be ignored; ` +
          `pass them to the direction's own constructor instead`,
      );
    }
    if (typeof direction?.init !== "function" || typeof direction?.update !== "function") {
      throw new Error(
        `${op}: options.direction must be a gradient transformation { init, update }`,
      );
    }
  }
  let schedule = options.schedule;
  if (schedule === undefined) {
    if (typeof lr !== "number") {
      throw new Error(`${op}: give options.lr (a number) or options.schedule, got lr=${lr}`);
    }
    schedule = cosineDecay({ peak: lr, steps: options.steps ?? dims.steps });
  }
  const multipliers = treeMapWithPath((path: string, leaf: Tensor) => {
    const role = getPath<Role>(options.roles, path);
    return parameterization({ role, dims, shape: leaf.shape, path }).lr;
  }, params);
  const axes = options.axes;
  const transforms = [
    ...(clip === undefined ? [] : [clipByGlobalNorm(clip)]),
    direction ?? scaleByAdam({ b1, b2, eps }),
    scaleByLearningRate(schedule, { multipliers, table: options.rateTable }),
  ] as GradientTransformation<unknown>[];
  const transform = chain(...transforms);
  const project = projectToSphere(axes);
  const base = schedule;
  return {
    transform,
    multipliers,
    axes,
    schedule,
    project,
    init: (p) => transform.init(p),
    step: (p, grads, state) =>
      tidy(() => {
        const [updates, next] = transform.update(grads, state, p);
        return [project(applyUpdates(p, updates)), next] as [Params, unknown[]];
      }),
    learningRates: (step) => treeMapWithPath((_: string, m: number) => base(step) * m, multipliers),
  };
}
