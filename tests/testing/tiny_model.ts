/**
 * A tiny model for the model-level checks: an embedding, one hidden ReLU layer and an
 * unembedding, with cross-entropy on fixed tokens.
 *
 * @example
 * ```ts
 * import { key } from "../../mod.ts";
 * import { tinyBatch, tinyMlp } from "./tiny_model.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const dims = { width: 8, depth: 1, steps: 1, baseWidth: 8, baseDepth: 1, baseSteps: 1 };
 * const model = tinyMlp(8, { key: key(0), dims });
 * assertEquals(model.loss(model.params, tinyBatch()).shape, []);
 * ```
 *
 * @module
 */
import * as nu from "../../mod.ts";
import type { CheckedModel, ModelContext } from "../../testing.ts";
import type { Role } from "../../param/mod.ts";

/** Vocabulary size of the tiny model. */
export const VOCAB = 16;

/** Parameters of the tiny model. */
export interface TinyParams {
  embed: nu.Tensor;
  hidden: nu.Tensor;
  unembed: nu.Tensor;
}

/** Fixed inputs and targets (i32 [24]). */
export function tinyBatch(): { inputs: nu.Tensor; targets: nu.Tensor } {
  return {
    inputs: nu.keep(nu.randint(nu.key(100), [24], 0, VOCAB)),
    targets: nu.keep(nu.randint(nu.key(101), [24], 0, VOCAB)),
  };
}

type Batch = ReturnType<typeof tinyBatch>;

function forward(p: TinyParams, b: Batch) {
  const h = nu.gather(p.embed, b.inputs); // [N, width]
  const pre = nu.matmul(h, p.hidden, { transB: true }); // [N, width]; hidden is stored [out, in]
  const act = nu.relu(pre);
  const logits = nu.matmul(act, p.unembed); // [N, V]
  return { h, pre, act, logits };
}

/** The tiny model at `width` (std: embed 1, hidden 1/sqrt(width), unembed 1/width). */
export function tinyMlp(width: number, ctx: ModelContext): CheckedModel<TinyParams, Batch> {
  const [k1, k2, k3] = nu.split(ctx.key, 3);
  const params = nu.keep({
    embed: nu.normal(k1, [VOCAB, width]),
    hidden: nu.normal(k2, [width, width], { std: 1 / Math.sqrt(width) }),
    unembed: nu.normal(k3, [width, VOCAB], { std: 1 / width }),
  });
  const roles: Record<string, Role> = { embed: "input", hidden: "hidden", unembed: "output" };
  return {
    params,
    loss: (p, b) => nu.crossEntropy(forward(p, b).logits, b.targets),
    activations: (p, b) => {
      const { h, pre, logits } = forward(p, b);
      return { embedded: h, preActivation: pre, logits };
    },
    roleOf: (path) => roles[path],
  };
}
