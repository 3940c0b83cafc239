/**
 * nGPT causal self-attention (spec section 2, item 3): per head, `q = RoPE(Wq h)`,
 * `k = RoPE(Wk h)`, `v = Wv h`; `q' = Norm(q) ⊙ sqk`, `k' = Norm(k) ⊙ sqk` (norms per head,
 * after RoPE); scores `sqrt(k) · q'ᵀk'` under a causal mask; softmax; heads concatenated and
 * mapped by `Wo`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, l2Normalize, normal } from "../core/mod.ts";
 * import { attention, type AttentionParams } from "./attention.ts";
 * import { ropeTables } from "./rope.ts";
 * const [q, k, v, o] = [1, 2, 3, 4].map((s) => normal(key(s), [8, 8]));
 * const params: AttentionParams = { q, k, v, o, sqk: normal(key(6), [2, 4]) };
 * const h = l2Normalize(normal(key(7), [1, 5, 8]));
 * const y = attention(params, h, { heads: 2, sqkFactor: 1, rope: ropeTables(5, 4) });
 * assertEquals(y.shape, [1, 5, 8]);
 * ```
 *
 * @module
 */
import {
  fromData,
  l2Normalize,
  matmul,
  mul,
  reshape,
  softmax,
  type Tensor,
  tidy,
  transpose,
  where,
} from "../core/mod.ts";
import type { AttentionParams } from "./params.ts";
import { applyRope, type RopeTables } from "./rope.ts";

export type { AttentionParams } from "./params.ts";

/** Options of {@linkcode attention}. */
export interface AttentionOptions {
  /** Number of heads `H` (the head size is `d / H`). */
  readonly heads: number;
  /** `init / scale` of `sqk`: effective `sqk` = factor · stored. */
  readonly sqkFactor: number;
  /** RoPE tables for the head size, covering at least `T` positions. */
  readonly rope: RopeTables;
  /** The `[T, T]` causal mask (default: built here); a model builds it once for all blocks. */
  readonly mask?: Tensor;
}

/**
 * A `[T, T]` boolean tensor, true where query position `i` may attend to key position `j`
 * (`j <= i`), on `like`'s backend.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { zeros } from "../core/mod.ts";
 * import { causalMask } from "./attention.ts";
 * assertEquals(await causalMask(2, zeros([1])).toArray(), [[true, false], [true, true]]);
 * ```
 */
export function causalMask(T: number, like: Tensor): Tensor {
  const allowed = new Uint8Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) allowed[i * T + j] = 1;
  return fromData(allowed, [T, T], { dtype: "bool", backend: like.backend });
}

/** `[B, T, d]` -> `[B, H, T, k]`. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [B, T, d] = x.shape;
  return transpose(reshape(x, [B, T, heads, d / heads]), [0, 2, 1, 3]);
}

/**
 * Causal nGPT self-attention of `h` `[B, T, d]` (rows of unit norm in the model, though any
 * input works); returns `[B, T, d]` before the block's normalization.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, reshape } from "../core/mod.ts";
 * import { attention } from "./attention.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { ropeTables } from "./rope.ts";
 * const config = modelConfig({ vocab: 8, width: 32, headSize: 16, depth: 1, seqLen: 4 });
 * const params = init(key(0), config);
 * const h = reshape(params.embed, [2, 4, 32]);
 * const y = attention(params.blocks[0].attn, h, { heads: 2, sqkFactor: 1, rope: ropeTables(4, 16) });
 * assertEquals(y.shape, [2, 4, 32]);
 * ```
 */
export function attention(params: AttentionParams, h: Tensor, options: AttentionOptions): Tensor {
  if (h.rank !== 3) {
    throw new Error(`attention: h must be [B, T, d], got [${h.shape.join(", ")}]`);
  }
  const [B, T, d] = h.shape;
  const { heads } = options;
  if (d % heads !== 0) {
    throw new Error(`attention: width ${d} is not divisible by heads ${heads}`);
  }
  const headSize = d / heads;
  return tidy(() => {
    const sqk = reshape(mul(params.sqk, options.sqkFactor), [heads, 1, headSize]);
    const project = (w: Tensor) => splitHeads(matmul(h, w, { transB: true }), heads);
    // sqrt(k) · q'ᵀk', with sqrt(k) folded into q's scale (a [.., T, k] product, not [.., T, T])
    const qScale = mul(sqk, Math.sqrt(headSize));
    const q = mul(l2Normalize(applyRope(project(params.q), options.rope)), qScale);
    const k = mul(l2Normalize(applyRope(project(params.k), options.rope)), sqk);
    const v = project(params.v);
    const scores = matmul(q, k, { transB: true });
    const masked = where(options.mask ?? causalMask(T, h), scores, -1e9);
    const perHead = matmul(softmax(masked), v); // [B, H, T, k]
    const merged = reshape(transpose(perHead, [0, 2, 1, 3]), [B, T, d]);
    return matmul(merged, params.o, { transB: true });
  });
}
