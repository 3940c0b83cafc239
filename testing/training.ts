// deno-lint-ignore-file no-explicit-any -- parameter trees and batches are the user's own types
/**
 * What the model-level checks ({@linkcode coordCheck}, `alignmentExponents`) need from a model,
 * a small Adam for when no optimizer is given, and the training loop they share. Nothing here
 * imports `nn/` or `optim/`: any model that offers params, a loss and named activations works.
 *
 * @example
 * ```ts
 * import { trainAndObserve } from "./training.ts";
 * import { gather, key, matmul, mean, normal, square, tensor } from "../core/mod.ts";
 * import { assertEquals } from "./assert.ts";
 * const tokens = tensor([0, 1, 2], { dtype: "i32" });
 * const model = {
 *   params: { embed: normal(key(0), [3, 8]), unembed: normal(key(1), [8, 3]) },
 *   loss: (p: any, t: any) => mean(square(matmul(gather(p.embed, t), p.unembed))),
 *   activations: (p: any, t: any) => ({ h: gather(p.embed, t) }),
 * };
 * const seen = await trainAndObserve(model, { steps: 2, lr: 0.01, batch: tokens, observeAt: [0, 2] });
 * assertEquals(seen.map((o) => o.step), [0, 2]);
 * assertEquals(seen[0].activations.h.shape, [3, 8]);
 * ```
 *
 * @module
 */
import {
  add,
  div,
  grad,
  jit,
  keep,
  type Key,
  mul,
  sqrt,
  square,
  sub,
  Tensor,
  tidy,
  treeLeaves,
  treeMap,
  treeMapWithPath,
} from "../core/mod.ts";
import type { Dims, Parameterization, Role } from "../param/mod.ts";
import { roleOf } from "../nn/spec.ts";

/** A model as the checks see it. */
export interface CheckedModel<P = any, B = any> {
  /** The initial parameters (a tree of float tensors). */
  params: P;
  /** The scalar training loss on a batch. */
  loss(params: P, batch: B): Tensor;
  /** Named activations on a batch (e.g. `h0`, `block0.mlpIn`, `logits`). */
  activations(params: P, batch: B): Record<string, Tensor>;
  /** The role of a parameter path (default: `roleOf` of `param/`, canonical nGPT names). */
  roleOf?(path: string): Role;
  /** Applied to the parameters after each step (nGPT's projection to the sphere). */
  project?(params: P): P;
}

/** What a model factory is given. */
export interface ModelContext {
  /** Key for the initialization. */
  key: Key;
  /** The dimensions at this width (base width = the first width checked). */
  dims: Dims;
  /** The parameterization under test (undefined when none was given). */
  parameterization?: Parameterization;
}

/** Builds the model at a width. */
export type ModelFactory<P = any, B = any> = (
  width: number,
  context: ModelContext,
) => CheckedModel<P, B>;

/** A stepper: the optimizer as the checks drive it (`optimizerFor` of `optim/` fits). */
export interface CheckOptimizer<P = any, S = any> {
  /** The first state. */
  init(params: P): S;
  /** One step: new params and state; must not dispose its inputs. */
  step(params: P, grads: P, state: S): [P, S];
}

/** Options of {@linkcode trainAndObserve}. */
export interface TrainOptions<B = any> {
  /** Optimizer steps. */
  steps: number;
  /** The batch: one fixed batch, or one per step (activations are observed on step 0's). */
  batch: B | ((step: number) => B);
  /** Base learning rate of the default optimizer. */
  lr?: number;
  /** The optimizer (default: {@linkcode checkAdam} with per-parameter lr from the parameterization). */
  optimizer?: CheckOptimizer;
  /** Per-parameter lr multipliers for the default optimizer. */
  parameterization?: Parameterization;
  /** Dims for the parameterization's queries. */
  dims?: Dims;
  /** Steps after which to observe (0 = before training; default [0, steps]). */
  observeAt?: readonly number[];
  /** Compile each training step with `nu.jit` (default true; false runs it op by op). */
  jit?: boolean;
}

/** Host copies of parameters and activations at one step. */
export interface Observation {
  /** The step (0 = initial). */
  step: number;
  /** Parameters by path: shape and values. */
  params: Record<string, HostArray>;
  /** Activations by name: shape and values. */
  activations: Record<string, HostArray>;
}

/** A tensor read back to the host. */
export interface HostArray {
  /** The shape. */
  shape: readonly number[];
  /** The values, row-major. */
  values: Float64Array;
}

/**
 * Adam (β1 0.9, β2 0.95, ε 1e-16, as spec section 6) with a fixed learning rate
 * per parameter: `lr · parameterization({role, dims}).lr` (1 without a parameterization).
 *
 * @example
 * ```ts
 * import { checkAdam } from "./training.ts";
 * import { tensor } from "../core/mod.ts";
 * import { assertClose } from "./assert.ts";
 * const opt = checkAdam({ w: tensor([1]) }, { lr: 0.1 });
 * const [next] = opt.step({ w: tensor([1]) }, { w: tensor([2]) }, opt.init({ w: tensor([1]) }));
 * assertClose(await next.w.item(), 0.9, { rtol: 1e-6 }); // the first Adam step: lr · sign(grad)
 * ```
 */
export function checkAdam(
  params: unknown,
  opts: {
    lr: number;
    parameterization?: Parameterization;
    dims?: Dims;
    roleOf?: (path: string) => Role;
    b1?: number;
    b2?: number;
    eps?: number;
  },
): CheckOptimizer<any, { t: number; m: any; v: any }> {
  const { lr, parameterization: p, dims } = opts;
  const b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.95, eps = opts.eps ?? 1e-16;
  if (!(lr > 0)) throw new Error(`checkAdam: lr must be positive, got ${lr}`);
  if (p && !dims) throw new Error("checkAdam: a parameterization needs dims");
  const role = opts.roleOf ?? roleOf;
  const rates = treeMapWithPath(
    (path: string) => lr * (p ? p({ role: role(path), dims: dims!, path }).lr : 1),
    params,
  );
  const zeros = (t: Tensor) => mul(t, 0);
  return {
    init: (ps) => ({ t: 0, m: treeMap(zeros, ps), v: treeMap(zeros, ps) }),
    step: (ps, grads, state) =>
      tidy(() => {
        const t = state.t + 1;
        const m = treeMap(
          (m0: Tensor, g: Tensor) => add(mul(m0, b1), mul(g, 1 - b1)),
          state.m,
          grads,
        );
        const v = treeMap(
          (v0: Tensor, g: Tensor) => add(mul(v0, b2), mul(square(g), 1 - b2)),
          state.v,
          grads,
        );
        const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
        const next = treeMap(
          (x: Tensor, mi: Tensor, vi: Tensor, rate: number) =>
            sub(x, mul(div(div(mi, c1), add(sqrt(div(vi, c2)), eps)), rate)),
          ps,
          m,
          v,
          rates,
        );
        return [next, { t, m, v }];
      }),
  };
}

async function toHost(t: Tensor): Promise<HostArray> {
  return { shape: [...t.shape], values: Float64Array.from(await t.data()) };
}

function disposeReplaced(old: unknown, next: unknown, protect: Set<Tensor>): void {
  const live = new Set(treeLeaves(next).filter((x) => x instanceof Tensor));
  for (const t of treeLeaves(old)) {
    if (t instanceof Tensor && !live.has(t) && !protect.has(t)) t.dispose();
  }
}

/**
 * Train `model` for `steps` optimizer steps from its initial parameters, and
 * read parameters and activations (on step 0's batch) back at the `observeAt`
 * steps. Frees every tensor it made; the model's initial parameters are kept.
 *
 * @example
 * ```ts
 * import { trainAndObserve } from "./training.ts";
 * import { key, mean, normal, square } from "../core/mod.ts";
 * import { assertEquals } from "./assert.ts";
 * const model = {
 *   params: { w: normal(key(0), [4]) },
 *   loss: (p: any) => mean(square(p.w)),
 *   activations: (p: any) => ({ w2: square(p.w) }),
 * };
 * const [start, end] = await trainAndObserve(model, { steps: 3, lr: 0.1, batch: null });
 * assertEquals([start.step, end.step], [0, 3]);
 * ```
 */
export async function trainAndObserve(
  model: CheckedModel,
  opts: TrainOptions,
): Promise<Observation[]> {
  const { steps } = opts;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new Error(`trainAndObserve: steps must be a non-negative integer, got ${steps}`);
  }
  const observeAt = new Set(opts.observeAt ?? [0, steps]);
  const batchAt = (s: number) =>
    typeof opts.batch === "function" ? (opts.batch as (s: number) => unknown)(s) : opts.batch;
  const probe = batchAt(0);
  const optimizer = opts.optimizer ?? checkAdam(model.params, {
    lr: opts.lr ?? 0.01,
    parameterization: opts.parameterization,
    dims: opts.dims,
    roleOf: model.roleOf?.bind(model),
  });
  const initial = new Set(treeLeaves(model.params).filter((x) => x instanceof Tensor));
  const out: Observation[] = [];
  const observe = async (step: number, params: unknown) => {
    const acts = keep(tidy(() => model.activations(params, probe)));
    const obs: Observation = { step, params: {}, activations: {} };
    for (const [path, leaf] of treeMapPaths(params)) obs.params[path] = await toHost(leaf);
    const inputs = new Set([...treeLeaves(params), ...treeLeaves(probe)]);
    for (const [name, t] of Object.entries(acts)) {
      obs.activations[name] = await toHost(t);
      if (!inputs.has(t)) t.dispose(); // an activation may be an input itself
    }
    out.push(obs);
  };
  let params: unknown = model.params;
  let state = keep(tidy(() => optimizer.init(params)));
  const eager = (p: unknown, st: unknown, batch: unknown) =>
    tidy(() => {
      const g = grad((q: unknown) => model.loss(q, batch))(p);
      const [p1, s1] = optimizer.step(p, g, st);
      return [model.project ? model.project(p1) : p1, s1];
    });
  const compiled = opts.jit === false ? null : jit(eager);
  const step = compiled ?? eager;
  try {
    if (observeAt.has(0)) await observe(0, params);
    for (let s = 1; s <= steps; s++) {
      const batch = batchAt(s - 1);
      const [next, nextState] = keep(step(params, state, batch));
      disposeReplaced(params, next, initial);
      disposeReplaced(state, nextState, initial);
      [params, state] = [next, nextState];
      if (observeAt.has(s)) await observe(s, params);
    }
  } finally {
    compiled?.dispose();
    disposeReplaced(params, null, initial);
    disposeReplaced(state, null, initial);
  }
  return out;
}

function treeMapPaths(tree: unknown): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  treeMapWithPath((path: string, leaf: unknown) => {
    if (leaf instanceof Tensor) out.push([path, leaf]);
  }, tree);
  return out;
}
