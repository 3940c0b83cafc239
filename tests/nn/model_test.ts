import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  cpuBackend,
  fromData,
  key,
  memory,
  mul,
  normal,
  randint,
  split,
  type Tensor,
  tensor,
  treeMapWithPath,
} from "../../core/mod.ts";
import { nugpt } from "../../param/mod.ts";
import {
  apply,
  applyRope,
  init,
  loss,
  modelConfig,
  ngptModel,
  type NgptParams,
  rescalerFactors,
  ropeTables,
  sphereAxisOf,
  UNIT_FACTORS,
} from "../../nn/mod.ts";
import { disposeTree, norms } from "./helpers.ts";
import { referenceLogits, ropeReference } from "./reference.ts";

const cpu = cpuBackend();

/** Parameters with every rescaler drawn at random (so each one matters), in f64 on the CPU. */
function randomRescalers(params: NgptParams, seed: number): NgptParams {
  let k = key(seed);
  return treeMapWithPath((path: string, t: Tensor) => {
    if (sphereAxisOf(path) !== null) return t;
    let sub;
    [k, sub] = split(k);
    return normal(sub, t.shape, { dtype: t.dtype as "f64", backend: cpu, mean: 0.3, std: 0.2 });
  }, params);
}

Deno.test("apply equals a loop-by-loop reference of spec section 2 (f64, random rescalers)", () => {
  const config = modelConfig({ vocab: 7, width: 16, headSize: 8, depth: 2, seqLen: 6 });
  const dims = { width: 16, depth: 2, steps: 200, baseWidth: 8, baseDepth: 1, baseSteps: 100 };
  const factors = rescalerFactors(nugpt(), dims);
  assertTrue(factors.sz !== 1 && factors.alphaA !== factors.su); // factors that matter
  const params = randomRescalers(init(key(0), config, { dtype: "f64", backend: cpu }), 1);
  const tokens = [[3, 0, 6, 6, 1], [2, 5, 4, 0, 3]];
  const logits = apply(params, tensor(tokens, { dtype: "i32", backend: cpu }), {
    config,
    factors,
  });
  assertEquals([...logits.shape], [2, 5, 7]);
  const got = logits.dataSync();
  tokens.forEach((seq, b) => {
    const want = referenceLogits(params, seq, config, factors);
    want.flat().forEach((v, i) => assertClose(got[b * 35 + i], v, { rtol: 1e-9, atol: 1e-11 }));
  });
  disposeTree([params, logits]);
});

Deno.test("hidden states after the embedding and after every block have unit norm", () => {
  const config = modelConfig({ vocab: 50, width: 64, depth: 3, seqLen: 16 });
  const model = ngptModel(config);
  const params = model.init(key(2));
  const states = model.hiddenStates(params, randint(key(3), [2, 16], 0, 50));
  assertEquals(states.length, 4);
  for (const h of states) {
    assertEquals([...h.shape], [2, 16, 64]);
    for (const n of norms(h, -1)) assertClose(n, 1, { rtol: 1e-5 });
  }
  disposeTree([params, states]);
});

Deno.test("loss at init is near ln V + σ²/2, σ² = sz_eff²/d the logits' variance", async () => {
  const config = modelConfig({ vocab: 256, width: 32, depth: 2, seqLen: 16 });
  const model = ngptModel(config);
  const params = model.init(key(4));
  const batch = randint(key(5), [16, 17], 0, 256);
  const lnV = Math.log(256);
  // nGPT at init: sz_eff = 1, so σ² = 1/32 and the loss is within a few hundredths of ln V.
  const atInit = await model.loss(params, batch).item();
  assertTrue(Number.isFinite(atInit));
  assertClose(atInit, lnV + 1 / 64, { atol: 0.03 });
  // A logit gain of sqrt(d) makes σ² = 1: the loss rises by about 1/2.
  const loud = { ...params, sz: mul(params.sz, Math.sqrt(32)) };
  assertClose(await model.loss(loud, batch).item(), lnV + 0.5, { atol: 0.12 });
  disposeTree([params, loud.sz, batch]);
});

Deno.test("a future token never changes earlier logits (causal mask)", () => {
  const config = modelConfig({ vocab: 20, width: 32, headSize: 16, depth: 2, seqLen: 8 });
  const model = ngptModel(config);
  const params = model.init(key(6));
  const base = [5, 1, 7, 19, 0, 3, 3, 12];
  const logitsOf = (seq: number[]) =>
    model.apply(params, tensor([seq], { dtype: "i32" })).dataSync();
  const ref = logitsOf(base);
  for (const changed of [2, 5, 7]) {
    const seq = [...base];
    seq[changed] = (seq[changed] + 7) % 20;
    const out = logitsOf(seq);
    for (let t = 0; t < 8; t++) {
      const row = (x: ArrayLike<number>) => Array.from(x).slice(t * 20, (t + 1) * 20);
      const diff = Math.max(...row(out).map((v, i) => Math.abs(v - row(ref)[i])));
      if (t < changed) assertEquals(diff, 0, `position ${t} moved when ${changed} changed`);
      else assertTrue(diff > 1e-6, `position ${t} ignored a change at ${changed}`);
    }
  }
  disposeTree(params);
});

Deno.test("RoPE: matches the rotate-half formula, and q·k depends only on the offset", () => {
  const tables = ropeTables(64, 8, { dtype: "f64", backend: cpu });
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 16, maxLength: 16 }),
      fc.integer({ min: 0, max: 31 }),
      fc.integer({ min: 0, max: 31 }),
      fc.integer({ min: 0, max: 32 }),
      (qk, s, t, shift) => {
        const q = qk.slice(0, 8), k = qk.slice(8);
        // positions s and t, then the same two shifted by `shift`
        const x = fromData(
          [...q, ...k, ...q, ...k].map(Number),
          [4, 1, 8],
          { dtype: "f64", backend: cpu },
        );
        const positions = [s, t, s + shift, t + shift];
        const rotated = positions.map((p, i) => {
          const row = fromData(
            new Float64Array(64 * 8).map((
              _,
              j,
            ) => (Math.floor(j / 8) === p ? x.dataSync()[i * 8 + (j % 8)] : 0)),
            [64, 8],
            { dtype: "f64", backend: cpu },
          );
          const r = Array.from(applyRope(row, tables).dataSync()).slice(p * 8, p * 8 + 8);
          const want = ropeReference(i % 2 === 0 ? q : k, p);
          r.forEach((v, j) => assertClose(v, want[j], { rtol: 1e-9, atol: 1e-12 }));
          return r;
        });
        const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);
        assertClose(dot(rotated[0], rotated[1]), dot(rotated[2], rotated[3]), {
          rtol: 1e-9,
          atol: 1e-9,
        });
      },
    ),
    { numRuns: 50 }, // each run builds four 64x8 tables on the host
  );
});

Deno.test("effective value = factor · stored: scaling one up and the other down changes nothing", () => {
  const config = modelConfig({ vocab: 9, width: 16, headSize: 8, depth: 1, seqLen: 4 });
  const params = randomRescalers(init(key(7), config, { dtype: "f64", backend: cpu }), 8);
  const tokens = tensor([[1, 2, 3, 4]], { dtype: "i32", backend: cpu });
  const f = { alphaA: 0.5, alphaM: 2, sqk: 3, su: 0.25, sv: 1.5, sz: 4 };
  const a = apply(params, tokens, { config, factors: f }).dataSync();
  const doubled = treeMapWithPath(
    (path: string, t: Tensor) => sphereAxisOf(path) === null ? mul(t, 2) : t,
    params,
  );
  const half = Object.fromEntries(Object.entries(f).map(([n, v]) => [n, v / 2])) as typeof f;
  const b = apply(doubled, tokens, { config, factors: half }).dataSync();
  a.forEach((v, i) => assertClose(b[i], v, { rtol: 1e-10, atol: 1e-12 }));
  const c = apply(params, tokens, { config, factors: UNIT_FACTORS }).dataSync();
  assertTrue(a.some((v, i) => Math.abs(v - c[i]) > 1e-3)); // the factors are really used
});

Deno.test("apply and loss refuse wrong tokens, and free their intermediates", async () => {
  const config = modelConfig({ vocab: 9, width: 32, depth: 1, seqLen: 4 });
  const params = init(key(9), config);
  const spec = { config, factors: UNIT_FACTORS };
  assertThrows(
    () => apply(params, tensor([[1, 2, 3, 4, 5]], { dtype: "i32" }), spec),
    ["5 positions", "seqLen 4"],
  );
  assertThrows(() => apply(params, tensor([[1, 2]]), spec), ["i32", "f32"]);
  assertThrows(() => loss(params, tensor([[1]], { dtype: "i32" }), spec), ["[B, T+1]"]);
  assertThrows(
    () =>
      apply(params, tensor([[1]], { dtype: "i32" }), { ...spec, config: { ...config, depth: 2 } }),
    ["1 blocks", "depth is 2"],
  );
  const tokens = randint(key(10), [2, 5], 0, 9);
  const before = memory().tensors;
  for (let i = 0; i < 3; i++) (loss(params, tokens, spec)).dispose();
  assertEquals(memory().tensors, before);
  const split = await loss(params, {
    inputs: randint(key(10), [2, 5], 0, 9),
    targets: randint(key(11), [2, 5], 0, 9),
  }, { ...spec, config: { ...config, seqLen: 5 } }).item();
  assertTrue(Number.isFinite(split));
  disposeTree([params, tokens]);
});
