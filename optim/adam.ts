/**
 * Adam's update direction, bias-corrected, as a gradient transformation.
 *
 * @module
 */
import { add, div, mul, sqrt, square, type Tensor, treeMap, zerosLike } from "../core/mod.ts";
import { scalarCache } from "./scalars.ts";
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
  /** Number of updates made so far. */
  readonly count: number;
  /** First moment, shaped like the parameters. */
  readonly mu: Params;
  /** Second moment, shaped like the parameters. */
  readonly nu: Params;
}

function checkRate(name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new Error(`scaleByAdam: ${name} must be in [0, 1), got ${value}`);
  }
}

/**
 * Adam's direction `m̂ / (sqrt(v̂) + eps)` with `m = b1·m + (1−b1)·g`, `v = b2·v + (1−b2)·g²`,
 * `m̂ = m / (1 − b1^t)`, `v̂ = v / (1 − b2^t)` (t counts from 1). Not yet scaled by a learning
 * rate or signed: chain {@linkcode scaleByLearningRate} after it.
 *
 * Per leaf and step this is 11 elementwise ops: both bias corrections are folded into one
 * scalar, `sqrt(v̂) + eps = (sqrt(v) + eps·sqrt(c2)) / sqrt(c2)` with `c2 = 1 − b2^t`. The six
 * scalar constants are uploaded once per update, not once per leaf. Call `update` in a `tidy`.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { scaleByAdam } from "./adam.ts";
 * const adam = scaleByAdam();
 * const g = { w: tensor([2, -3]) };
 * const [u, state] = adam.update(g, adam.init(g));
 * await assertAllClose([u, state.count], [{ w: [1, -1] }, 1]);
 * ```
 */
export function scaleByAdam(options: AdamOptions = {}): GradientTransformation<AdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = options;
  checkRate("b1", b1);
  checkRate("b2", b2);
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new Error(`scaleByAdam: eps must be a finite number >= 0, got ${eps}`);
  }
  return {
    init: (params) => ({
      count: 0,
      mu: treeMap((p: Tensor) => zerosLike(p), params),
      nu: treeMap((p: Tensor) => zerosLike(p), params),
    }),
    update: (grads, state) => {
      const count = state.count + 1;
      const c1 = 1 - b1 ** count;
      const rootC2 = Math.sqrt(1 - b2 ** count);
      const c = scalarCache();
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
      const updates = treeMap(
        (m: Tensor, v: Tensor) => mul(div(m, add(sqrt(v), c(eps * rootC2, v))), c(rootC2 / c1, m)),
        mu,
        nu,
      );
      return [updates, { count, mu, nu }];
    },
  };
}
