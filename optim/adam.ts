/**
 * Adam's update direction, bias-corrected, as a gradient transformation.
 *
 * @module
 */
import {
  add,
  div,
  mul,
  pow,
  sqrt,
  square,
  sub,
  Tensor,
  treeLeaves,
  treeMap,
  zerosLike,
} from "../core/mod.ts";
import { scalarCache } from "./scalars.ts";
import { castLike, nextCount, zeroCount } from "./step_count.ts";
import type { GradientTransformation, Params } from "./transform.ts";

/** Options of {@linkcode scaleByAdam} (Optax's defaults; the nGPT optimizer passes its own). */
export interface AdamOptions {
  /** Decay of the first moment (default 0.9). */
  b1?: number;
  /** Decay of the second moment (default 0.999; the nGPT spec uses 0.95). */
  b2?: number;
  /** Added to the root of the bias-corrected second moment (default 1e-8; nGPT: 1e-16). */
  eps?: number;
}

/** The state of {@linkcode scaleByAdam}: steps taken, first and second moments. */
export interface AdamState {
  /** Number of updates made so far (a scalar f32 tensor, so that a compiled step can count). */
  readonly count: Tensor;
  /** First moment, shaped like the parameters. */
  readonly mu: Params;
  /** Second moment, shaped like the parameters. */
  readonly nu: Params;
}

/**
 * Checks Adam's decay rates, naming `op` and the bad one: each must be in [0, 1).
 *
 * @example
 * ```ts
 * import { checkDecayRates } from "./adam.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * assertThrows(() => checkDecayRates("myAdam", 0.9, 1), "myAdam: b2 must be in [0, 1), got 1");
 * ```
 */
export function checkDecayRates(op: string, b1: number, b2: number): void {
  for (const [name, value] of [["b1", b1], ["b2", b2]] as const) {
    if (typeof value !== "number" || !(value >= 0 && value < 1)) {
      throw new Error(`${op}: ${name} must be in [0, 1), got ${value}`);
    }
  }
}

/**
 * Adam's first state for `params`: a zero count and zero moments shaped like the parameters
 * (shared by {@linkcode scaleByAdam} and Adam-atan2).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adamInit } from "./adam.ts";
 * const state = adamInit({ w: tensor([1, 2]) });
 * await assertAllClose([state.count, state.mu, state.nu], [0, { w: [0, 0] }, { w: [0, 0] }]);
 * ```
 */
export function adamInit(params: Params): AdamState {
  return {
    count: zeroCount(params),
    mu: treeMap((p: Tensor) => zerosLike(p), params),
    nu: treeMap((p: Tensor) => zerosLike(p), params),
  };
}

/**
 * Adam's direction `m̂ / (sqrt(v̂) + eps)` with `m = b1·m + (1−b1)·g`, `v = b2·v + (1−b2)·g²`,
 * `m̂ = m / (1 − b1^t)`, `v̂ = v / (1 − b2^t)` (t counts from 1). Not yet scaled by a learning
 * rate or signed: chain {@linkcode scaleByLearningRate} after it.
 *
 * Both bias corrections are folded into scalars computed from the step count (a tensor):
 * `sqrt(v̂) + eps = (sqrt(v) + eps·sqrt(c2)) / sqrt(c2)` with `c2 = 1 − b2^t`. Under `nu.jit`
 * the whole update of a leaf, scalars included, compiles to one generated kernel. Call
 * `update` in a `tidy`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { scaleByAdam } from "./adam.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const adam = scaleByAdam();
 * const g = { w: tensor([2, -3]) };
 * const [u, state] = adam.update(g, adam.init(g));
 * await assertAllClose([u, state.count], [{ w: [1, -1] }, 1]);
 * ```
 */
export function scaleByAdam(options: AdamOptions = {}): GradientTransformation<AdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = options;
  checkDecayRates("scaleByAdam", b1, b2);
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new Error(`scaleByAdam: eps must be a finite number >= 0, got ${eps}`);
  }
  return {
    init: adamInit,
    update: (grads, state) => {
      const { count, mu, nu } = adamMoments("scaleByAdam", grads, state, b1, b2);
      const c1 = sub(1, pow(b1, count));
      const rootC2 = sqrt(sub(1, pow(b2, count)));
      const epsTerm = mul(rootC2, eps);
      const scale = div(rootC2, c1);
      const updates = treeMap(
        (m: Tensor, v: Tensor) =>
          mul(div(m, add(sqrt(v), castLike(epsTerm, v))), castLike(scale, m)),
        mu,
        nu,
      );
      return [updates, { count, mu, nu }];
    },
  };
}

/**
 * One step of Adam's moments: the next count, `m = b1·m + (1−b1)·g` and `v = b2·v + (1−b2)·g²`
 * (shared by {@linkcode scaleByAdam} and Adam-atan2). `op` names the caller in errors.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { adamMoments, scaleByAdam } from "./adam.ts";
 * const g = { w: tensor([2]) };
 * const next = adamMoments("example", g, scaleByAdam().init(g), 0.9, 0.99);
 * await assertAllClose([next.count, next.mu, next.nu], [1, { w: [0.2] }, { w: [0.04] }]);
 * ```
 */
export function adamMoments(
  op: string,
  grads: Params,
  state: AdamState,
  b1: number,
  b2: number,
): AdamState {
  const c = scalarCache();
  const first = treeLeaves<unknown>(grads).find((l) => l instanceof Tensor) as Tensor;
  if (first === undefined) throw new Error(`${op}: the gradient tree has no tensors`);
  const count = nextCount(state.count, first);
  const mu = treeMap(
    (m: Tensor, g: Tensor) => add(mul(m, c(b1, m)), mul(g, c(1 - b1, m))),
    state.mu,
    grads,
  );
  const nu = treeMap(
    (v: Tensor, g: Tensor) => add(mul(v, c(b2, v)), mul(square(g), c(1 - b2, v))),
    state.nu,
    grads,
  );
  return { count, mu, nu };
}
