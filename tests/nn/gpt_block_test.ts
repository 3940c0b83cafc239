/**
 * A standard GPT (pre-LayerNorm, GELU MLP, causal multi-head attention), written with the
 * layers of `nn/layers.ts` in a few lines: it trains with `optim.adam` and its loss falls,
 * and its gradients match central finite differences on a tiny f64 one.
 */
import { assertTrue } from "../../testing/assert.ts";
import { assertGradsClose } from "../../testing/check_grads.ts";
import * as nu from "../../mod.ts";
import type { Key, Tensor } from "../../mod.ts";
import type { LinearParams, NormParams } from "../../nn/mod.ts";

const { causalAttention, chunk, embedding, gelu, initLayerNorm, initLinear, layerNorm, linear } =
  nu.nn;

interface Block {
  ln1: NormParams;
  qkv: LinearParams;
  out: LinearParams;
  ln2: NormParams;
  fc: LinearParams;
  proj: LinearParams;
}

/** The block: x + attn(ln1(x)), then + mlp(ln2(·)). */
function block(p: Block, x: Tensor, heads: number): Tensor {
  const [q, k, v] = chunk(linear(p.qkv, layerNorm(p.ln1, x)), 3);
  const h = nu.add(x, linear(p.out, causalAttention(q, k, v, { heads })));
  return nu.add(h, linear(p.proj, gelu(linear(p.fc, layerNorm(p.ln2, h)))));
}

interface Gpt {
  embed: Tensor;
  pos: Tensor;
  blocks: Block[];
  lnF: NormParams;
}

function initGpt(k: Key, o: { vocab: number; d: number; T: number; depth: number }): Gpt {
  const dtype = "f64" as const;
  const keys = nu.split(k, 2 + 4 * o.depth);
  const lin = (i: number, inF: number, outF: number) =>
    initLinear(keys[i], inF, outF, { dtype, std: 0.2 });
  return {
    embed: nu.normal(keys[0], [o.vocab, o.d], { std: 0.5, dtype }),
    pos: nu.normal(keys[1], [o.T, o.d], { std: 0.1, dtype }),
    blocks: Array.from({ length: o.depth }, (_, l) => ({
      ln1: initLayerNorm(o.d, { dtype }),
      qkv: lin(2 + 4 * l, o.d, 3 * o.d),
      out: lin(3 + 4 * l, o.d, o.d),
      ln2: initLayerNorm(o.d, { dtype }),
      fc: lin(4 + 4 * l, o.d, 4 * o.d),
      proj: lin(5 + 4 * l, 4 * o.d, o.d),
    })),
    lnF: initLayerNorm(o.d, { dtype }),
  };
}

/** Mean next-token cross-entropy of tokens `[B, T+1]`, unembedding tied to the embedding. */
function gptLoss(p: Gpt, tokens: Tensor, heads: number): Tensor {
  const T = tokens.shape[1] - 1;
  const inputs = nu.sliceAxis(tokens, 1, 0, T), targets = nu.sliceAxis(tokens, 1, 1, T + 1);
  let x = nu.add(embedding(p.embed, inputs), nu.sliceAxis(p.pos, 0, 0, T));
  for (const b of p.blocks) x = block(b, x, heads);
  const logits = nu.matmul(layerNorm(p.lnF, x), p.embed, { transB: true });
  return nu.crossEntropy(logits, targets);
}

Deno.test("GPT block (pre-LN, GELU): trains with optim.adam and the loss falls", async () => {
  const [vocab, d, T, heads] = [8, 16, 6, 2];
  let params = initGpt(nu.key(0), { vocab, d, T, depth: 1 });
  // a fixed batch of repeating patterns: easy to learn
  const rows = [[0, 1, 2, 3, 0, 1, 2], [4, 5, 6, 7, 4, 5, 6], [1, 3, 5, 7, 1, 3, 5]];
  const batch = nu.keep(nu.tensor(rows, { dtype: "i32" }));
  const opt = nu.optim.adam(1e-2);
  let state = opt.init(params);
  const lossAndGrad = nu.valueAndGrad((p: Gpt) => gptLoss(p, batch, heads));
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const [loss, grads] = lossAndGrad(params);
    const [next, nextState] = nu.tidy(() => {
      const [updates, s] = opt.update(grads, state, params);
      return [nu.optim.applyUpdates(params, updates) as Gpt, s];
    });
    losses.push(await loss.item());
    nu.optim.disposeReplaced([params, state, grads, loss], [next, nextState]);
    [params, state] = [next, nextState];
  }
  assertTrue(losses[0] > 1.5, `initial loss ${losses[0]} near ln(8)`);
  assertTrue(losses.at(-1)! < 0.5 * losses[0], `loss ${losses[0]} -> ${losses.at(-1)}`);
  nu.optim.disposeReplaced([params, state, batch]);
});

Deno.test("GPT block (pre-LN, GELU): gradients match finite differences (f64)", async () => {
  const params = initGpt(nu.key(1), { vocab: 5, d: 4, T: 3, depth: 1 });
  const tokens = nu.tensor([[0, 3, 1, 4], [2, 2, 0, 1]], { dtype: "i32" });
  await assertGradsClose((p: Gpt) => gptLoss(p, tokens, 2), [params], { rtol: 1e-5 });
});
