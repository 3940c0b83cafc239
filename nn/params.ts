/**
 * The nGPT parameter tree (canonical names of spec section 5), its shapes, and the projection
 * of its matrices onto the unit sphere (spec section 4).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * import { parameterShapes } from "./params.ts";
 * const shapes = parameterShapes(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * assertEquals(shapes["blocks.0.attn.sqk"], [1, 32]);
 * ```
 *
 * @module
 */
import { l2Normalize, type Tensor, tidy, treeMapWithPath } from "../core/mod.ts";
import { canonicalNames } from "../param/mod.ts";
import type { ModelConfig } from "./config.ts";
import { sphereAxisOf } from "./layout.ts";

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

/**
 * The shape of every parameter, keyed by canonical name, in spec order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * import { parameterShapes } from "./params.ts";
 * const config = modelConfig({ vocab: 10, width: 32, depth: 1, seqLen: 4, headSize: 16 });
 * assertEquals(parameterShapes(config)["blocks.0.mlp.down"], [32, 128]);
 * ```
 */
export function parameterShapes(config: ModelConfig): Record<string, number[]> {
  const { vocab: V, width: d, heads: H, mlpWidth: m, depth } = config;
  const k = d / H;
  const out: Record<string, number[]> = {};
  for (const name of canonicalNames(depth)) {
    const leaf = name.split(".").at(-1)!;
    out[name] = ({
      embed: [V, d],
      unembed: [V, d],
      sz: [V],
      q: [d, d],
      k: [d, d],
      v: [d, d],
      o: [d, d],
      sqk: [H, k],
      alphaA: [d],
      alphaM: [d],
      up: [m, d],
      gate: [m, d],
      down: [d, m],
      su: [m],
      sv: [m],
    } as Record<string, number[]>)[leaf];
  }
  return out;
}

/**
 * Every matrix projected onto the unit sphere along its model-width axis (`sphereAxisOf`);
 * rescalers are returned as they are (the same tensors, not copies). The projected matrices are
 * new tensors owned by the caller's scope.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { key, mul } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { projectParams } from "./params.ts";
 * const params = init(key(0), modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4 }));
 * const moved = { ...params, embed: mul(params.embed, 3) };
 * const back = projectParams(moved);
 * assertTrue(back.sz === params.sz);
 * ```
 */
export function projectParams<P extends object = NgptParams>(params: P): P {
  return treeMapWithPath((path: string, leaf: Tensor) => {
    const axis = sphereAxisOf(path);
    return axis === null ? leaf : tidy(() => l2Normalize(leaf, { axis }));
  }, params) as P;
}
