/**
 * The coordinate check (microsoft/mup's idea, as a function): train a few Adam steps at one base
 * learning rate, at several widths, and measure how far the embedding output and the logits
 * move on a fixed batch.
 *
 * @module
 */
import {
  key,
  randint,
  sliceAxis,
  sub,
  type Tensor,
  treeLeaves,
  valueAndGrad,
} from "../../core/mod.ts";
import type { Parameterization } from "../../param/mod.ts";
import { modelConfig, ngptModel, type NgptParams } from "../../nn/mod.ts";
import { constant, disposeReplaced } from "../../optim/mod.ts";

/** How far things moved after the steps, at one width. */
export interface Movement {
  /** Model width. */
  width: number;
  /** Mean L2 norm of the change of the embedding output `E_in[token]`, over the batch. */
  embed: number;
  /** Root-mean-square change of the logits over the batch. */
  logits: number;
}

function rms(t: Tensor): number {
  const d = t.dataSync();
  let s = 0;
  for (const v of d) s += v * v;
  return Math.sqrt(s / d.length);
}

function meanRowNorm(t: Tensor): number {
  const d = t.dataSync(), n = t.shape[t.rank - 1], rows = t.size / n;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += d[r * n + c] ** 2;
    total += Math.sqrt(s);
  }
  return total / rows;
}

/** Options of {@linkcode coordCheck}. */
export interface CoordCheckOptions {
  /** Widths to try; the first is the base width. */
  widths: number[];
  /** Base learning rate (constant schedule). */
  lr: number;
  /** Adam steps. */
  steps: number;
}

/** Movement after `steps` Adam steps at each width, under `parameterization`. */
export function coordCheck(parameterization: Parameterization, o: CoordCheckOptions): Movement[] {
  const vocab = 64, seqLen = 8, depth = 1;
  const batch = randint(key(1), [4, seqLen + 1], 0, vocab);
  const tokens = sliceAxis(batch, 1, 0, seqLen); // the batch's own inputs: their rows move
  const out = o.widths.map((width) => {
    const config = modelConfig({ vocab, width, headSize: 16, depth, seqLen });
    const dims = {
      width,
      depth,
      steps: o.steps,
      baseWidth: o.widths[0],
      baseDepth: depth,
      baseSteps: o.steps,
    };
    const model = ngptModel(config, { parameterization, dims });
    const first = model.init(key(0));
    let params: NgptParams = first;
    const opt = model.optimizer({ schedule: constant(o.lr), params });
    let state = opt.init(params);
    const lossAndGrad = valueAndGrad((p: NgptParams) => model.loss(p, batch));
    const before = [model.hiddenStates(params, tokens)[0], model.apply(params, tokens)];
    for (let s = 0; s < o.steps; s++) {
      const [value, grads] = lossAndGrad(params);
      const [next, nextState] = opt.step(params, grads, state);
      if (params !== first) disposeReplaced(params, next);
      disposeReplaced(state, nextState);
      for (const t of [value, ...treeLeaves<Tensor>(grads)]) t.dispose();
      [params, state] = [next, nextState];
    }
    const states = model.hiddenStates(params, tokens);
    const after = [states[0], model.apply(params, tokens)];
    const dEmbed = sub(after[0], before[0]), dLogits = sub(after[1], before[1]);
    const movement = { width, embed: meanRowNorm(dEmbed), logits: rms(dLogits) };
    for (const t of [...before, ...states, after[1], dEmbed, dLogits]) t.dispose();
    disposeReplaced(first, params);
    for (const t of [...treeLeaves<Tensor>(params), ...treeLeaves<Tensor>(state)]) {
      if (typeof t?.dispose === "function") t.dispose();
    }
    return movement;
  });
  batch.dispose();
  tokens.dispose();
  return out;
}

/** Least-squares slope of `log2 y` against `log2 width`. */
export function log2Slope(points: Movement[], field: "embed" | "logits"): number {
  const xs = points.map((p) => Math.log2(p.width)), ys = points.map((p) => Math.log2(p[field]));
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0, den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i] - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}
