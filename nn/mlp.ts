/**
 * nGPT's SwiGLU MLP (spec section 2, item 4): `u = (Wu h) ⊙ su`, `g = (Wg h) ⊙ sv · sqrt(d)`,
 * `MLP(h) = Wd (SiLU(g) ⊙ u)`, with `su`, `sv` effective values (factor · stored).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, normal, ones } from "../core/mod.ts";
 * import { mlp } from "./mlp.ts";
 * const params = {
 *   up: normal(key(1), [16, 4]),
 *   gate: normal(key(2), [16, 4]),
 *   down: normal(key(3), [4, 16]),
 *   su: ones([16]),
 *   sv: ones([16]),
 * };
 * assertEquals(mlp(params, ones([2, 3, 4]), { suFactor: 1, svFactor: 1 }).shape, [2, 3, 4]);
 * ```
 *
 * @module
 */
import { matmul, mul, silu, type Tensor, tidy } from "../core/mod.ts";
import type { MlpParams } from "./params.ts";

export type { MlpParams } from "./params.ts";

/** Options of {@linkcode mlp}: the `init / scale` factors of `su` and `sv`. */
export interface MlpOptions {
  /** Effective `su` = suFactor · stored. */
  readonly suFactor: number;
  /** Effective `sv` = svFactor · stored. */
  readonly svFactor: number;
}

/**
 * The SwiGLU MLP of `h` `[..., d]`, returning `[..., d]` (before the block's normalization).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, normal } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { mlp } from "./mlp.ts";
 * const params = init(key(0), modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4 }));
 * const y = mlp(params.blocks[0].mlp, normal(key(1), [3, 32]), { suFactor: 1, svFactor: 1 });
 * assertEquals(y.shape, [3, 32]);
 * ```
 */
export function mlp(params: MlpParams, h: Tensor, options: MlpOptions): Tensor {
  const d = h.shape[h.rank - 1];
  return tidy(() => {
    const u = mul(matmul(h, params.up, { transB: true }), mul(params.su, options.suFactor));
    const gateScale = mul(params.sv, options.svFactor * Math.sqrt(d));
    const g = mul(matmul(h, params.gate, { transB: true }), gateScale);
    return matmul(mul(silu(g), u), params.down, { transB: true });
  });
}
