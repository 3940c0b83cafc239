/**
 * Common layers as plain functions of a parameter tree and an input, for models other than
 * nGPT (a standard pre-LayerNorm GELU GPT block is a few lines of them; see
 * `tests/nn/gpt_block_test.ts`). `silu`, `softmax` and `crossEntropy` are core ops.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, normal } from "../core/mod.ts";
 * import { gelu, initLayerNorm, initLinear, layerNorm, linear } from "./layers.ts";
 * const x = normal(key(0), [2, 5, 8]);
 * const mlp = { ln: initLayerNorm(8), fc: initLinear(key(1), 8, 32), proj: initLinear(key(2), 32, 8) };
 * const y = linear(mlp.proj, gelu(linear(mlp.fc, layerNorm(mlp.ln, x))));
 * assertEquals(y.shape, [2, 5, 8]);
 * ```
 *
 * @module
 */
import {
  add,
  fmtShape,
  gather,
  type Key,
  matmul,
  mean,
  mul,
  normal,
  ones,
  reshape,
  rsqrt,
  sliceAxis,
  softmax,
  square,
  sub,
  tanh,
  type Tensor,
  tidy,
  transpose,
  where,
  zeros,
} from "../core/mod.ts";
import { causalMask } from "./attention.ts";

/** A linear layer: `weight` `[out, in]` (PyTorch's layout) and an optional `bias` `[out]`. */
export interface LinearParams {
  /** `[out, in]`. */
  readonly weight: Tensor;
  /** `[out]`. */
  readonly bias?: Tensor;
}

/** A LayerNorm's (or, without `bias`, an RMSNorm's) gain `scale` `[d]` and `bias` `[d]`. */
export interface NormParams {
  /** Gain `[d]`. */
  readonly scale: Tensor;
  /** Offset `[d]` (LayerNorm only). */
  readonly bias?: Tensor;
}

/**
 * `x · weightᵀ + bias` over the last axis of `x` (`[..., in]` → `[..., out]`).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { linear } from "./layers.ts";
 * const layer = { weight: tensor([[1, 2], [0, 1]]), bias: tensor([10, 20]) };
 * await assertAllClose(linear(layer, tensor([[1, 1]])), [[13, 21]]);
 * ```
 */
export function linear(params: LinearParams, x: Tensor): Tensor {
  const { weight, bias } = params;
  if (weight.rank !== 2 || x.shape.at(-1) !== weight.shape[1]) {
    throw new Error(
      `linear: input ${fmtShape(x.shape)} does not end in weight ${
        fmtShape(weight.shape)
      }'s input size ([out, in])`,
    );
  }
  return tidy(() => {
    const y = matmul(x, weight, { transB: true });
    return bias === undefined ? y : add(y, bias);
  });
}

/**
 * Fresh linear parameters: weight from N(0, `std`²) (default 0.02, GPT-2's), bias zero.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key } from "../core/mod.ts";
 * import { initLinear } from "./layers.ts";
 * const p = initLinear(key(0), 3, 4, { bias: false });
 * assertEquals([p.weight.shape, p.bias], [[4, 3], undefined]);
 * ```
 */
export function initLinear(
  k: Key,
  inFeatures: number,
  outFeatures: number,
  options: { bias?: boolean; std?: number; dtype?: "f32" | "f64" } = {},
): LinearParams {
  const { bias = true, std = 0.02, dtype } = options;
  const weight = normal(k, [outFeatures, inFeatures], { std, dtype });
  return bias ? { weight, bias: zeros([outFeatures], { dtype }) } : { weight };
}

/**
 * Fresh norm parameters `[d]`: scale 1 and (unless `bias: false`, for `rmsNorm`) bias 0.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { initLayerNorm } from "./layers.ts";
 * assertEquals(await initLayerNorm(2).scale.toArray(), [1, 1]);
 * ```
 */
export function initLayerNorm(
  d: number,
  options: { bias?: boolean; dtype?: "f32" | "f64" } = {},
): NormParams {
  const { bias = true, dtype } = options;
  const scale = ones([d], { dtype });
  return bias ? { scale, bias: zeros([d], { dtype }) } : { scale };
}

/**
 * LayerNorm over the last axis: `(x − mean) / sqrt(var + eps) · scale + bias` (eps default
 * 1e-5, PyTorch's; biased variance).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { initLayerNorm, layerNorm } from "./layers.ts";
 * const y = layerNorm(initLayerNorm(2), tensor([[1, 3]]), { eps: 0 });
 * await assertAllClose(y, [[-1, 1]]);
 * ```
 */
export function layerNorm(params: NormParams, x: Tensor, options: { eps?: number } = {}): Tensor {
  const eps = options.eps ?? 1e-5;
  return tidy(() => {
    const centered = sub(x, mean(x, { axis: -1, keepdims: true }));
    const variance = mean(square(centered), { axis: -1, keepdims: true });
    const y = mul(mul(centered, rsqrt(add(variance, eps))), params.scale);
    return params.bias === undefined ? y : add(y, params.bias);
  });
}

/**
 * RMSNorm over the last axis: `x / sqrt(mean(x²) + eps) · scale` (eps default 1e-6).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { initLayerNorm, rmsNorm } from "./layers.ts";
 * const y = rmsNorm(initLayerNorm(2, { bias: false }), tensor([[3, 4]]), { eps: 0 });
 * await assertAllClose(y, [[3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]]);
 * ```
 */
export function rmsNorm(params: NormParams, x: Tensor, options: { eps?: number } = {}): Tensor {
  const eps = options.eps ?? 1e-6;
  return tidy(() =>
    mul(mul(x, rsqrt(add(mean(square(x), { axis: -1, keepdims: true }), eps))), params.scale)
  );
}

/**
 * GELU, tanh approximation (GPT-2's and PyTorch's `approximate="tanh"`):
 * `0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))`. Within 1e-3 of the exact erf form.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { gelu } from "./layers.ts";
 * await assertAllClose(gelu(tensor([0, 1, -1])), [0, 0.841192, -0.158808], { rtol: 1e-5 });
 * ```
 */
export function gelu(x: Tensor): Tensor {
  return tidy(() => {
    const inner = mul(add(x, mul(mul(square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  });
}

/**
 * `x` cut into `parts` equal pieces along `axis` (default last), e.g. a fused `qkv` projection
 * into q, k, v.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { chunk } from "./layers.ts";
 * const [a, b] = chunk(tensor([[1, 2, 3, 4]]), 2);
 * assertEquals([await a.toArray(), await b.toArray()], [[[1, 2]], [[3, 4]]]);
 * ```
 */
export function chunk(x: Tensor, parts: number, options: { axis?: number } = {}): Tensor[] {
  const axis = options.axis ?? -1;
  const size = x.shape.at(axis);
  if (!Number.isInteger(parts) || parts < 1 || size === undefined || size % parts !== 0) {
    throw new Error(
      `chunk: cannot cut axis ${axis} of ${fmtShape(x.shape)} into ${parts} equal parts`,
    );
  }
  const step = size / parts;
  return Array.from({ length: parts }, (_, i) => sliceAxis(x, axis, i * step, (i + 1) * step));
}

/**
 * Rows of `table` `[V, d]` for i32 token ids `[...]` → `[..., d]`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { embedding } from "./layers.ts";
 * const table = tensor([[0, 0], [1, 1], [2, 2]]);
 * assertEquals(await embedding(table, tensor([[2, 1]], { dtype: "i32" })).toArray(), [[[2, 2], [1, 1]]]);
 * ```
 */
export function embedding(table: Tensor, tokens: Tensor): Tensor {
  if (table.rank !== 2 || tokens.dtype !== "i32") {
    throw new Error(
      `embedding: needs a table [V, d] and i32 tokens, got ${
        fmtShape(table.shape)
      } and ${tokens.dtype} ${fmtShape(tokens.shape)}`,
    );
  }
  return gather(table, tokens, { axis: 0 });
}

/**
 * Causal multi-head scaled dot-product attention of `q`, `k`, `v` `[B, T, d]` with `heads`
 * heads: `softmax(q·kᵀ/sqrt(d/heads))·v` per head, each position attending to itself and
 * earlier ones; returns `[B, T, d]` (heads merged, before an output projection).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { causalAttention } from "./layers.ts";
 * const x = tensor([[[1, 0], [0, 1]]]);
 * const v = tensor([[[1, 2], [3, 4]]]);
 * const w = Math.exp(0) / (Math.exp(0) + Math.exp(Math.SQRT1_2));
 * await assertAllClose(causalAttention(x, x, v, { heads: 1 }), [[[1, 2], [3 - 2 * w, 4 - 2 * w]]]);
 * ```
 */
export function causalAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: { heads: number },
): Tensor {
  const [B, T, d] = q.shape;
  const { heads } = options;
  if (q.rank !== 3 || d % heads !== 0 || fmtShape(k.shape) !== fmtShape(q.shape)) {
    throw new Error(
      `causalAttention: q, k must be [B, T, d] with d divisible by heads ${heads}, got ${
        fmtShape(q.shape)
      }, ${fmtShape(k.shape)}`,
    );
  }
  const split = (x: Tensor) => transpose(reshape(x, [B, T, heads, d / heads]), [0, 2, 1, 3]);
  return tidy(() => {
    const scores = mul(matmul(split(q), split(k), { transB: true }), 1 / Math.sqrt(d / heads));
    const weights = softmax(where(causalMask(T, q), scores, -1e9));
    return reshape(transpose(matmul(weights, split(v)), [0, 2, 1, 3]), [B, T, d]);
  });
}
