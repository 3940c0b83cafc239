import { assertTrue } from "../../testing/assert.ts";
import {
  fromData,
  key,
  memory,
  type Tensor,
  treeLeaves,
  treePaths,
  valueAndGrad,
} from "../../core/mod.ts";
import { ngpt } from "../../param/mod.ts";
import { modelConfig, ngptModel, type NgptParams, sphereAxisOf } from "../../nn/mod.ts";
import { disposeReplaced } from "../../optim/mod.ts";
import { worstUnitNormError } from "./helpers.ts";

/** A tiny language: a Markov chain where each token has two equally likely successors. */
function markovBatch(seed: number, batch: number, length: number, vocab: number): Tensor {
  let s = seed >>> 0;
  const random = () => { // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let cur = Math.floor(random() * vocab);
    for (let t = 0; t < length; t++) {
      out[b * length + t] = cur;
      cur = (5 * cur + 3 + (random() < 0.5 ? 0 : 7)) % vocab;
    }
  }
  return fromData(out, [batch, length], { dtype: "i32" });
}

Deno.test("end to end: a small nGPT learns a Markov chain; matrices stay on the sphere", async () => {
  const vocab = 16, seqLen = 16, steps = 150;
  const config = modelConfig({ vocab, width: 32, headSize: 16, depth: 1, seqLen });
  const dims = { width: 32, depth: 1, steps, baseWidth: 32, baseDepth: 1, baseSteps: steps };
  const model = ngptModel(config, { parameterization: ngpt, dims });
  let params: NgptParams = model.init(key(0));
  const opt = model.optimizer({ lr: 0.02, params });
  let state = opt.init(params);
  const lossAndGrad = valueAndGrad((p: NgptParams, b: Tensor) => model.loss(p, b));
  const held = markovBatch(999, 16, seqLen + 1, vocab);
  const heldLoss = async () => {
    const l = model.loss(params, held);
    const v = await l.item();
    l.dispose();
    return v;
  };
  const start = await heldLoss();
  let tensorsAfterFirstStep = 0;
  for (let step = 0; step < steps; step++) {
    const batch = markovBatch(step, 8, seqLen + 1, vocab);
    const [value, grads] = lossAndGrad(params, batch);
    const [next, nextState] = opt.step(params, grads, state);
    disposeReplaced(params, next);
    disposeReplaced(state, nextState);
    for (const t of [value, batch, ...treeLeaves<Tensor>(grads)]) t.dispose();
    [params, state] = [next, nextState];
    if (step < 3 || step === steps - 1) {
      for (const [path, t] of treePaths<Tensor>(params)) {
        const axis = sphereAxisOf(path);
        if (axis !== null) {
          const err = worstUnitNormError(t, axis);
          assertTrue(err < 1e-5, `${path} off the sphere by ${err} after step ${step}`);
        }
      }
    }
    if (step === 0) tensorsAfterFirstStep = memory().tensors;
  }
  assertTrue(memory().tensors === tensorsAfterFirstStep, "tensors leaked during training");
  const end = await heldLoss();
  // start ≈ ln 16 = 2.77; the chain's entropy is ln 2 = 0.69
  assertTrue(start > 2.5, `loss at init ${start}`);
  assertTrue(end < 0.9, `held-out loss fell only from ${start} to ${end}`);
  console.log(`markov chain: held-out loss ${start.toFixed(3)} -> ${end.toFixed(3)} (floor 0.693)`);
  for (const t of [...treeLeaves<Tensor>(params), ...treeLeaves<Tensor>(state), held]) {
    if (typeof t?.dispose === "function") t.dispose();
  }
});
