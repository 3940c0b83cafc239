/**
 * Adam-atan2: Adam's direction without its epsilon, as a gradient transformation.
 *
 * @module
 */
import { atan2, div, mul, pow, sqrt, sub, type Tensor, treeMap } from "../core/mod.ts";
import { adamInit, adamMoments, type AdamState, checkDecayRates } from "./adam.ts";
import { castLike } from "./step_count.ts";
import type { GradientTransformation } from "./transform.ts";

/** Options of {@linkcode scaleByAdamAtan2}. */
export interface AdamAtan2Options {
  /** Decay of the first moment (default 0.9). */
  b1?: number;
  /** Decay of the second moment (default 0.999; the nGPT spec uses 0.95). */
  b2?: number;
  /** Output scale `a` (default 1.27, so that `a·atan(1/b)` ≈ 1: a step-1 update is ±1 like Adam's). */
  a?: number;
  /** Scale `b` of the second moment's root inside atan2 (default 1). */
  b?: number;
}

function checkScale(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !(value > 0)) {
    throw new Error(`scaleByAdamAtan2: ${name} must be a finite number > 0, got ${value}`);
  }
}

/**
 * Adam-atan2 (Everett et al., "Scaling Exponents Across Parameterizations and Optimizers", 2024):
 * the direction `a · atan2(m̂, b · sqrt(v̂))` in place of Adam's `m̂ / (sqrt(v̂) + eps)`, with the
 * same moments and bias corrections (`m̂ = m / (1 − b1^t)`, `v̂ = v / (1 − b2^t)`). It has no
 * epsilon, so nothing in it depends on the scale of the gradients (Adam's epsilon is a
 * width-dependent hazard when gradients shrink as models grow), and each coordinate's step is
 * bounded by `a·π/2`. Where `|m̂| ≪ b·sqrt(v̂)`
 * it is Adam scaled by `a/b`. Not yet scaled by a learning rate or signed: chain
 * {@linkcode scaleByLearningRate} after it, or pass it as `optimizerFor`'s `direction`. The state
 * is {@linkcode AdamState}, so checkpoints and `encodeState` treat the two alike.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { scaleByAdamAtan2 } from "./adam_atan2.ts";
 * const direction = scaleByAdamAtan2({ a: 1, b: 1 });
 * const g = { w: tensor([2, -3, 0]) };
 * const [u] = direction.update(g, direction.init(g));
 * // Step 1: m̂ = g and sqrt(v̂) = |g|, so the update is atan2(±1, 1) = ±π/4 (0 where g = 0).
 * await assertAllClose(u, { w: [Math.PI / 4, -Math.PI / 4, 0] }, { rtol: 1e-6 });
 * ```
 */
export function scaleByAdamAtan2(
  options: AdamAtan2Options = {},
): GradientTransformation<AdamState> {
  const { b1 = 0.9, b2 = 0.999, a = 1.27, b = 1 } = options;
  checkDecayRates("scaleByAdamAtan2", b1, b2);
  checkScale("a", a);
  checkScale("b", b);
  return {
    // Adam's state: the same count and moments.
    init: adamInit,
    update: (grads, state) => {
      const next = adamMoments("scaleByAdamAtan2", grads, state, b1, b2);
      const c1 = sub(1, pow(b1, next.count));
      const c2 = sub(1, pow(b2, next.count));
      // atan2(m/c1, b·sqrt(v/c2)) = atan2(m, b·c1/sqrt(c2) · sqrt(v)): one scalar per step.
      const rootScale = mul(div(c1, sqrt(c2)), b);
      const updates = treeMap(
        (m: Tensor, v: Tensor) => mul(atan2(m, mul(sqrt(v), castLike(rootScale, v))), a),
        next.mu,
        next.nu,
      );
      return [updates, next];
    },
  };
}
