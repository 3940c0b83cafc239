/**
 * One nGPT block (spec section 2, item 2): attention then MLP, each merged into the hidden
 * state by a normalized interpolation `h = Norm(h + |α| ⊙ (Norm(y) − h))`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, reshape } from "../core/mod.ts";
 * import { block } from "./block.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * import { ropeTables } from "./rope.ts";
 * const config = modelConfig({ vocab: 8, width: 32, headSize: 16, depth: 1, seqLen: 4 });
 * const params = init(key(0), config);
 * const h = reshape(params.embed, [2, 4, 32]);
 * const out = block(params.blocks[0], h, { heads: 2, factors: UNIT_FACTORS, rope: ropeTables(4, 16) });
 * assertEquals(out.shape, [2, 4, 32]);
 * ```
 *
 * @module
 */
import { abs, add, l2Normalize, mul, sub, type Tensor, tidy } from "../core/mod.ts";
import { attention } from "./attention.ts";
import { mlp } from "./mlp.ts";
import type { BlockParams } from "./params.ts";
import type { RescalerFactors } from "./rescalers.ts";
import type { RopeTables } from "./rope.ts";

export type { BlockParams } from "./params.ts";

/**
 * `Norm(h + |α| ⊙ (Norm(y) − h))` along the last axis, with `α` the effective rate (a vector
 * broadcast over the leading axes).
 *
 * @example
 * ```ts
 * import { assertClose } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { normLerp } from "./block.ts";
 * const h = normLerp(tensor([[1, 0]]), tensor([[0, 3]]), tensor([1, 1]));
 * const [x, y] = h.dataSync();
 * assertClose(x, 0, { atol: 1e-6 });
 * assertClose(y, 1, { atol: 1e-6 });
 * ```
 */
export function normLerp(h: Tensor, y: Tensor, alpha: Tensor): Tensor {
  return tidy(() => l2Normalize(add(h, mul(abs(alpha), sub(l2Normalize(y), h)))));
}

/** Options of {@linkcode block}. */
export interface BlockOptions {
  /** Number of attention heads. */
  readonly heads: number;
  /** The rescalers' `init / scale` factors. */
  readonly factors: RescalerFactors;
  /** RoPE tables for the head size. */
  readonly rope: RopeTables;
  /** The causal mask, shared by every block of one forward pass (default: built per block). */
  readonly mask?: Tensor;
}

/**
 * One block applied to `h` `[B, T, d]`; returns the new hidden state (unit rows).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, l2Normalize, normal } from "../core/mod.ts";
 * import { block } from "./block.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * import { ropeTables } from "./rope.ts";
 * const params = init(key(0), modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4 }));
 * const h = l2Normalize(normal(key(1), [1, 4, 32]));
 * const out = block(params.blocks[0], h, { heads: 1, factors: UNIT_FACTORS, rope: ropeTables(4, 32) });
 * assertEquals(out.shape, [1, 4, 32]);
 * ```
 */
export function block(params: BlockParams, h: Tensor, options: BlockOptions): Tensor {
  const { heads, factors, rope, mask } = options;
  return tidy(() => {
    const a = attention(params.attn, h, { heads, sqkFactor: factors.sqk, rope, mask });
    const h1 = normLerp(h, a, mul(params.alphaA, factors.alphaA));
    const m = mlp(params.mlp, h1, { suFactor: factors.su, svFactor: factors.sv });
    return normLerp(h1, m, mul(params.alphaM, factors.alphaM));
  });
}
