/**
 * The nGPT parameter tree's types (canonical names of spec section 5; the table of names,
 * shapes, roles and sphere axes is `spec.ts`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import type { NgptParams } from "./params.ts";
 * const params: NgptParams = init(key(0), modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * assertEquals(params.blocks[0].attn.sqk.shape, [2, 16]);
 * ```
 *
 * @module
 */
import type { Tensor } from "../core/mod.ts";

/** One attention layer: the four matrices `[out, in]` and the stored per-head `sqk` `[H, k]`. */
export interface AttentionParams {
  /** Query matrix `Wq` `[d, d]` (rows on the sphere). */
  readonly q: Tensor;
  /** Key matrix `Wk` `[d, d]` (rows on the sphere). */
  readonly k: Tensor;
  /** Value matrix `Wv` `[d, d]` (rows on the sphere). */
  readonly v: Tensor;
  /** Output matrix `Wo` `[d, d]` (columns on the sphere). */
  readonly o: Tensor;
  /** Stored query-key scale `[H, k]`. */
  readonly sqk: Tensor;
}

/** One SwiGLU MLP: three matrices and the stored `su`, `sv` `[m]`. */
export interface MlpParams {
  /** `Wu` `[m, d]` (rows on the sphere). */
  readonly up: Tensor;
  /** `Wg` `[m, d]` (rows on the sphere). */
  readonly gate: Tensor;
  /** `Wd` `[d, m]` (columns on the sphere). */
  readonly down: Tensor;
  /** Stored `su` `[m]`. */
  readonly su: Tensor;
  /** Stored `sv` `[m]`. */
  readonly sv: Tensor;
}

/** One block: attention, its interpolation rate, MLP, its interpolation rate. */
export interface BlockParams {
  /** Attention parameters. */
  readonly attn: AttentionParams;
  /** Stored αA `[d]`. */
  readonly alphaA: Tensor;
  /** MLP parameters. */
  readonly mlp: MlpParams;
  /** Stored αM `[d]`. */
  readonly alphaM: Tensor;
}

/** The whole model's parameters; `treePaths` gives the canonical names. */
export interface NgptParams {
  /** Input embedding `E_in` `[V, d]`. */
  readonly embed: Tensor;
  /** The blocks, in order. */
  readonly blocks: readonly BlockParams[];
  /** Output embedding `E_out` `[V, d]`. */
  readonly unembed: Tensor;
  /** Stored logit scale `sz` `[V]`. */
  readonly sz: Tensor;
}
