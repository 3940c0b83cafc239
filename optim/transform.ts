/**
 * Gradient transformations, Optax-style: a pure `init`/`update` pair over trees, composed with
 * {@linkcode chain}, applied with {@linkcode applyUpdates}.
 *
 * The state of every transformation here is a plain tree whose leaves are tensors or numbers
 * (a step count, say): it can be saved, restored ({@linkcode encodeState} in `state.ts`) and
 * compared. Nothing is mutated: `update` returns new updates and a new state.
 *
 * Memory: `update` does not dispose its inputs. Run a step inside `tidy` (see `optimizerFor`,
 * which does) and dispose the old state once the new one exists ({@linkcode disposeReplaced}).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { applyUpdates, chain } from "./transform.ts";
 * import { scaleByAdam } from "./adam.ts";
 * import { scaleByLearningRate } from "./scale.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const params = { w: tensor([1, 2]) };
 * const opt = chain(scaleByAdam(), scaleByLearningRate(0.1));
 * const state = opt.init(params);
 * const [updates] = opt.update({ w: tensor([0.5, -0.5]) }, state, params);
 * await assertAllClose(applyUpdates(params, updates).w, [0.9, 2.1]); // -0.1 · sign(grad)
 * ```
 *
 * @module
 */
import { add, Tensor, treeLeaves, treeMap } from "../core/mod.ts";

/** A tree of tensors (parameters, gradients, updates) as the core's tree functions see it. */
// deno-lint-ignore no-explicit-any -- trees are dynamically shaped
export type Params = any;

/**
 * A gradient transformation: `init(params)` gives the first state; `update(grads, state,
 * params?)` gives `[updates, newState]`. Updates are what {@linkcode applyUpdates} adds to the
 * parameters (already signed: a descent step is negative).
 */
export interface GradientTransformation<S = unknown> {
  /** The initial state for parameters `params` (a tree of tensors and numbers). */
  init(params: Params): S;
  /** New updates from `grads` (a tree shaped like the parameters) and the new state. */
  update(grads: Params, state: S, params?: Params): [Params, S];
}

/** The state type of a gradient transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/**
 * Transformations applied in order: the updates of one are the gradients of the next. The
 * state is the array of the states, in the same order (typed as the tuple of their types).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { chain } from "./transform.ts";
 * import { scaleByLearningRate } from "./scale.ts";
 * import { clipByGlobalNorm } from "./clip.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const opt = chain(clipByGlobalNorm(1), scaleByLearningRate(0.5));
 * const g = { w: tensor([3, 4]) };
 * const [u, [, lrState]] = opt.update(g, opt.init(g));
 * await assertAllClose([u, lrState.count], [{ w: [-0.3, -0.4] }, 1]);
 * ```
 */
// deno-lint-ignore no-explicit-any -- any transformation's state
export function chain<T extends GradientTransformation<any>[]>(
  ...transforms: T
): GradientTransformation<{ [K in keyof T]: StateOf<T[K]> }> {
  transforms.forEach((t, i) => {
    if (typeof t?.init !== "function" || typeof t?.update !== "function") {
      throw new Error(`chain: argument ${i} is not a gradient transformation (init/update)`);
    }
  });
  type S = { [K in keyof T]: StateOf<T[K]> };
  return {
    init: (params) => transforms.map((t) => t.init(params)) as S,
    update: (grads, state, params) => {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new Error(
          `chain: state must be an array of ${transforms.length} states, got ${
            Array.isArray(state) ? `${state.length}` : typeof state
          }`,
        );
      }
      let updates = grads;
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const [u, s] = t.update(updates, state[i], params);
        updates = u;
        next.push(s);
      });
      return [updates, next as S];
    },
  };
}

/**
 * `params + updates`, leaf by leaf (the trees must have the same structure).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { applyUpdates } from "./transform.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const p = applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.5, -1]) });
 * assertEquals(await p.w.toArray(), [1.5, 1]);
 * ```
 */
export function applyUpdates(params: Params, updates: Params): Params {
  return treeMap((p: Tensor, u: Tensor) => add(p, u), params, updates);
}

/**
 * Dispose every tensor of `old` that does not also appear in `next` (by identity): after a
 * step, `disposeReplaced(oldState, newState)` frees the old state without touching a tensor
 * the new state still holds.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { disposeReplaced } from "./transform.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const kept = tensor([1]);
 * const old = { a: kept, b: tensor([2]) };
 * disposeReplaced(old, { a: kept });
 * assertEquals([kept.disposed, old.b.disposed], [false, true]);
 * ```
 */
export function disposeReplaced(old: unknown, next?: unknown): void {
  const alive = new Set(tensorsOf(next));
  for (const t of tensorsOf(old)) if (!alive.has(t)) t.dispose();
}

/**
 * The tensor leaves of a tree, in tree order (numbers and other leaves skipped).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { tensorsOf } from "./transform.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(tensorsOf({ count: 2, mu: [tensor([1])] }).length, 1);
 * ```
 */
export function tensorsOf(tree: unknown): Tensor[] {
  return treeLeaves(tree).filter((leaf): leaf is Tensor => leaf instanceof Tensor);
}
