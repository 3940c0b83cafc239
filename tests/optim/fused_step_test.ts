/**
 * `optimizerFor(...).step`'s fused path (one `adamUpdate` and one `normalizeAlong` per
 * parameter) against the composable chain: same parameters after 5 steps (f32), the same
 * state layout (so encoded states round-trip between the paths), clipping first, and flat
 * memory over 200 fused steps.
 */
import * as nu from "../../mod.ts";
import { optimizerFor } from "../../optim/optimizer_for.ts";
import { disposeReplaced } from "../../optim/transform.ts";
import { decodeState, encodeState } from "../../optim/state.ts";
import { nugpt } from "../../param/mod.ts";
import { parameterShapes } from "../../nn/spec.ts";
import { withRoles } from "./helpers.ts";
import { assertClose, assertEquals } from "../../testing/assert.ts";

const CONFIG = { vocab: 5, width: 4, heads: 2, depth: 2, mlpWidth: 8, seqLen: 4 };
const DIMS = { width: 8, depth: 2, steps: 80, baseWidth: 2, baseDepth: 1, baseSteps: 10 };

// deno-lint-ignore no-explicit-any -- a dynamically shaped tree
function tree(seed: number): any {
  const entries = Object.entries(parameterShapes(CONFIG));
  const keys = nu.split(nu.key(seed), entries.length);
  return nu.tidy(() =>
    nu.fromPaths(entries.map(([path, shape], i): [string, nu.Tensor] => [
      path,
      nu.normal(keys[i], shape, { dtype: "f32" }),
    ]))
  );
}

async function run(fused: boolean, clip?: number) {
  let params = tree(1);
  const opt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.05, params, fused, clip }));
  params = opt.project(params);
  let state = opt.init(params);
  for (let i = 0; i < 5; i++) {
    const grads = tree(10 + i);
    const [p, s] = opt.step(params, grads, state);
    disposeReplaced([params, state, grads], [p, s]);
    [params, state] = [p, s];
  }
  const out = {
    params: await Promise.all(nu.treeLeaves<nu.Tensor>(params).map((t) => t.data())),
    state: await Promise.all(
      nu.treeLeaves(state).map((x) => typeof x === "number" ? x : (x as nu.Tensor).data()),
    ),
    layout: encodeState(state).layout,
  };
  disposeReplaced([params, state], []);
  return out;
}

for (const clip of [undefined, 0.5]) {
  Deno.test(`optimizerFor fused step = the chain after 5 steps (f32, clip ${clip})`, async () => {
    const [a, b] = [await run(true, clip), await run(false, clip)];
    assertEquals(a.layout, b.layout);
    for (const [x, y] of [[a.params, b.params], [a.state, b.state]]) {
      assertEquals(x.length, y.length);
      x.forEach((xs, k) => {
        if (typeof xs === "number") return assertEquals(xs, y[k]);
        const ys = y[k] as Float32Array;
        (xs as Float32Array).forEach((v, i) => assertClose(v, ys[i], { rtol: 1e-6, atol: 1e-7 }));
      });
    }
  });
}

Deno.test("optimizerFor fused step resumes an encoded chain state, and memory is flat", () => {
  let params = tree(2);
  const chainOpt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.05, params, fused: false }));
  const opt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.05, params }));
  let state = chainOpt.init(params);
  const grads = tree(3);
  [params, state] = nu.tidy(() => chainOpt.step(params, grads, state));
  const encoded = encodeState(state);
  const decoded = decodeState(encoded.layout, encoded.tensors);
  let counted = -1;
  for (let i = 0; i < 200; i++) {
    const [p, s] = opt.step(params, grads, i === 0 ? decoded : state);
    disposeReplaced(i === 0 ? [params, state, decoded] : [params, state], [p, s]);
    [params, state] = [p, s];
    if (i === 10) counted = nu.memory().tensors;
    if (i > 10) assertEquals(nu.memory().tensors, counted, `step ${i}`);
  }
  assertEquals((state[0] as { count: number }).count, 201);
  disposeReplaced([params, state, grads], []);
});
