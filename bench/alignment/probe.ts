/**
 * The nGPT model as the testing toolkit's checks see it (`CheckedModel`), with the input of
 * every hidden matrix exposed as a named activation, so that `alignment` can pair each matrix
 * `W` (`[out, in]`, applied as `h Wᵀ`) with the `h` it multiplies:
 *
 * | matrix                        | its input (activation name)                        |
 * | ----------------------------- | -------------------------------------------------- |
 * | `blocks.i.attn.q`, `.k`, `.v` | `blocks.i.attnIn`: the block's input state          |
 * | `blocks.i.attn.o`             | `blocks.i.attnMerged`: the heads' outputs, merged   |
 * | `blocks.i.mlp.up`, `.gate`    | `blocks.i.mlpIn`: the state after attention's lerp  |
 * | `blocks.i.mlp.down`           | `blocks.i.mlpHidden`: `silu(g) · u`                 |
 *
 * The inner inputs come from `nn`'s own `attention` and `mlp` with the last matrix replaced
 * by the identity (`attention` with `o = I` returns the merged heads; `mlp` with `down = I`
 * returns `silu(g) · u`), so no part of the forward pass is copied here.
 *
 * @example
 * ```ts
 * import { key, randint } from "../../core/mod.ts";
 * import { modelConfig, ngptModel } from "../../nn/mod.ts";
 * import { probedModel } from "./probe.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const probe = randint(key(1), [2, 9], 0, 16);
 * const checked = probedModel(model, { params: model.init(key(0)), probe });
 * assertTrue(Object.keys(checked.activations(checked.params, probe)).includes("blocks.0.attnIn"));
 * ```
 *
 * @module
 */
import {
  crossEntropy,
  fromData,
  gather,
  matmul,
  mul,
  reshape,
  type Tensor,
  tidy,
} from "../../core/mod.ts";
import {
  attention,
  block,
  mlp,
  type NgptModel,
  type NgptParams,
  normLerp,
  ropeTables,
  splitBatch,
} from "../../nn/mod.ts";
import type { CheckedModel } from "../../testing.ts";

/**
 * The hidden matrices of each block, by the leaf of their path.
 *
 * @example
 * ```ts
 * import { HIDDEN_LEAVES } from "./probe.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(HIDDEN_LEAVES.length, 7);
 * ```
 */
export const HIDDEN_LEAVES = ["q", "k", "v", "o", "up", "gate", "down"] as const;

/**
 * Each hidden matrix's path and the name of the activation it multiplies.
 *
 * @example
 * ```ts
 * import { hiddenLayers } from "./probe.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(hiddenLayers(1)["blocks.0.mlp.down"], "blocks.0.mlpHidden");
 * ```
 */
export function hiddenLayers(depth: number): Record<string, string> {
  const layers: Record<string, string> = {};
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    for (const m of ["q", "k", "v"]) layers[`${b}.attn.${m}`] = `${b}.attnIn`;
    layers[`${b}.attn.o`] = `${b}.attnMerged`;
    for (const m of ["up", "gate"]) layers[`${b}.mlp.${m}`] = `${b}.mlpIn`;
    layers[`${b}.mlp.down`] = `${b}.mlpHidden`;
  }
  return layers;
}

function identity(n: number, like: Tensor): Tensor {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return fromData(values, [n, n], { dtype: like.dtype, backend: like.backend });
}

/**
 * The inputs of every hidden matrix on `tokens` (i32 `[B, T]`), each flattened to
 * `[B·T, d_in]`, and the logits `[B·T, V]`.
 *
 * @example
 * ```ts
 * import { key, randint } from "../../core/mod.ts";
 * import { modelConfig, ngptModel } from "../../nn/mod.ts";
 * import { matrixInputs } from "./probe.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 4 }));
 * const acts = matrixInputs(model, model.init(key(0)), randint(key(1), [2, 4], 0, 16));
 * assertEquals(acts["blocks.0.mlpHidden"].shape, [8, 128]);
 * ```
 */
export function matrixInputs(
  model: NgptModel,
  params: NgptParams,
  tokens: Tensor,
): Record<string, Tensor> {
  const { config, factors } = model;
  return tidy(() => {
    const rope = ropeTables(tokens.shape[1], config.width / config.heads, {
      dtype: params.embed.dtype as "f32" | "f64",
      backend: params.embed.backend,
    });
    const rows = (x: Tensor) => reshape(x, [-1, x.shape[x.rank - 1]]);
    const eyeD = identity(config.width, params.embed);
    const eyeM = identity(config.mlpWidth, params.embed);
    const out: Record<string, Tensor> = {};
    let h = gather(params.embed, tokens, { axis: 0 });
    params.blocks.forEach((p, i) => {
      const attnOpts = { heads: config.heads, sqkFactor: factors.sqk, rope };
      const merged = attention({ ...p.attn, o: eyeD }, h, attnOpts);
      const a = matmul(merged, p.attn.o, { transB: true });
      const h1 = normLerp(h, a, mul(p.alphaA, factors.alphaA));
      const mlpOpts = { suFactor: factors.su, svFactor: factors.sv };
      const hidden = mlp({ ...p.mlp, down: eyeM }, h1, mlpOpts);
      out[`blocks.${i}.attnIn`] = rows(h);
      out[`blocks.${i}.attnMerged`] = rows(merged);
      out[`blocks.${i}.mlpIn`] = rows(h1);
      out[`blocks.${i}.mlpHidden`] = rows(hidden);
      h = block(p, h, { heads: config.heads, factors, rope });
    });
    const logits = mul(matmul(h, params.unembed, { transB: true }), mul(params.sz, factors.sz));
    out.logits = rows(logits);
    return out;
  });
}

/**
 * Wrap `model` as a `CheckedModel`: `params` are its initial parameters (kept by the caller);
 * the loss is on the training batch given; the activations are measured on the fixed `probe`
 * batch (i32 `[B, T+1]` windows), whatever batch the check passes: each hidden matrix's input
 * (see {@linkcode hiddenLayers}) and `probeLoss` (`[1]`, the mean cross-entropy on the probe).
 *
 * @example
 * ```ts
 * import { key, randint } from "../../core/mod.ts";
 * import { modelConfig, ngptModel } from "../../nn/mod.ts";
 * import { probedModel } from "./probe.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 4 }));
 * const m = probedModel(model, { params: model.init(key(0)), probe: randint(key(1), [2, 5], 0, 16) });
 * assertEquals(m.activations(m.params, randint(key(2), [1, 5], 0, 16)).probeLoss.shape, [1]);
 * ```
 */
export function probedModel(
  model: NgptModel,
  opts: { params: NgptParams; probe: Tensor },
): CheckedModel<NgptParams, Tensor> {
  return {
    params: opts.params,
    loss: (p, batch) => model.loss(p, batch),
    activations: (p) =>
      tidy(() => {
        const { inputs, targets } = splitBatch(opts.probe);
        const acts = matrixInputs(model, p, inputs);
        const probeLoss = reshape(crossEntropy(acts.logits, reshape(targets, [-1])), [1]);
        delete acts.logits;
        return { ...acts, probeLoss };
      }),
  };
}
