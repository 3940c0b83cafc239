/**
 * coordCheck and alignmentExponents on a tiny model defined here, and the nGPT-vs-νGPT
 * coordinate check of issue 6 through nn/ and optim/.
 */
import * as nu from "../../mod.ts";
import {
  alignment,
  alignmentExponents,
  coordCheck,
  type ModelContext,
  type ModelFactory,
} from "../../testing.ts";
import { compose, ngpt, nugpt, plain, widthExponent } from "../../param/mod.ts";
import { axisTree, modelConfig, ngptModel, roleTree, splitBatch } from "../../nn/mod.ts";
import { constant, optimizerFor, type Params } from "../../optim/mod.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { tinyBatch, tinyMlp } from "./tiny_model.ts";

const widths = [32, 64, 128];

Deno.test("coordCheck: Adam at a fixed lr moves embedding rows like sqrt(width)", async () => {
  const batch = tinyBatch();
  const before = nu.memory().tensors;
  const r = await coordCheck(tinyMlp, { widths, steps: 3, lr: 1e-3, batch });
  assertEquals(nu.memory().tensors, before);
  const embed = r.params.embed.vector;
  assertTrue(Math.abs(embed.exponent - 0.5) < 0.1, `embed exponent ${embed.exponent}`);
  assertEquals(embed.verdict, "growing");
  assertEquals(r.activations.logits.coordinate.verdict, "growing");
});

Deno.test("coordCheck: μP-like lr exponents make embedding movement and logits flat", async () => {
  const p = compose(
    "mupLike",
    plain,
    widthExponent("input", -0.5),
    widthExponent("hidden", -1),
    widthExponent("output", -1),
  );
  const r = await coordCheck(tinyMlp, {
    widths,
    steps: 3,
    lr: 1e-3,
    batch: tinyBatch(),
    parameterization: p,
  });
  assertEquals(r.params.embed.vector.verdict, "flat");
  assertEquals(r.activations.logits.coordinate.verdict, "flat");
});

Deno.test("coordCheck rejects fewer than two widths", async () => {
  let message = "";
  try {
    await coordCheck(tinyMlp, { widths: [32], batch: tinyBatch() });
  } catch (e) {
    message = (e as Error).message;
  }
  assertTrue(message.includes("at least two"), message);
});

Deno.test("alignment: a rank-one update along the input is fully aligned; unrelated is 1/2", () => {
  const d = 256;
  const h = { shape: [1, d], values: Float64Array.from({ length: d }, (_, i) => Math.sin(i + 1)) };
  const w0 = { shape: [2, d], values: new Float64Array(2 * d) };
  const aligned = { shape: [2, d], values: Float64Array.from([...h.values, ...h.values]) };
  assertTrue(Math.abs(alignment({ w0, w: aligned, h0: h, h }).alpha - 1) < 1e-12);
  const rand = nu.tidy(() => nu.normal(nu.key(5), [64, d], { dtype: "f64" }).dataSync());
  const random = { shape: [64, d], values: Float64Array.from(rand) };
  const a = alignment({
    w0: { shape: [64, d], values: new Float64Array(64 * d) },
    w: random,
    h0: h,
    h,
  });
  assertTrue(Math.abs(a.alpha - 0.5) < 0.05, `random alpha ${a.alpha}`);
  assertThrows(
    () => alignment({ w0, w: aligned, h0: h, h: { shape: [1, 3], values: new Float64Array(3) } }),
    [
      "d_in",
    ],
  );
});

Deno.test("alignmentExponents on the tiny model: at most 1, ω and ν unaligned, α aligned", async () => {
  const r = await alignmentExponents(tinyMlp, {
    width: 64,
    layers: { hidden: "embedded" },
    batch: tinyBatch(),
    steps: 6,
    measureAt: [1, 6],
    lr: 1e-3,
  });
  assertEquals(r.steps, [1, 6]);
  const { alpha, omega, nu: nuExp } = r.layers.hidden;
  // ‖A Xᵀ‖_F <= ‖A‖_F ‖X‖_F (Cauchy–Schwarz), so no exponent exceeds 1.
  for (const v of [...alpha, ...omega, ...nuExp]) assertTrue(v <= 1 + 1e-12, `exponent ${v}`);
  // The random W0 is unrelated to Δh, and so (in a few steps) is ΔW: 1/2 up to finite-size
  // noise (measured 0.48-0.57 over seeds 0-2).
  for (const v of [...omega, ...nuExp]) assertTrue(Math.abs(v - 0.5) < 0.1, `ω/ν ${v}`);
  // Adam's update sums outer products δ hᵀ over the batch's rows: aligned with h, well above
  // 1/2 (measured 0.68-0.69).
  for (const v of alpha) assertTrue(v > 0.6, `α ${v}`);
});

Deno.test("alignmentExponents: SGD on a fixed input makes rank-one updates, α = 1 exactly", async () => {
  // y = W x with one fixed input row x: every gradient is δ xᵀ, so ΔW after any number of
  // steps is (Σ δ) xᵀ, rank one along x, and α = 1; x never changes, so ω and ν are NaN.
  const x = nu.keep(nu.normal(nu.key(1), [1, 8], { dtype: "f64" }));
  const factory: ModelFactory = (width, { key }) => ({
    params: nu.keep({ w: nu.normal(key, [width, 8], { std: 0.3, dtype: "f64" }) }),
    loss: (p, b) => nu.mean(nu.square(nu.tanh(nu.matmul(b, p.w, { transB: true })))),
    activations: (_p, b) => ({ x: b }),
    roleOf: () => "hidden" as const,
  });
  const sgd = {
    init: () => null,
    step: (p: Params, g: Params): [Params, null] => [{ w: nu.sub(p.w, nu.mul(g.w, 0.5)) }, null],
  };
  const r = await alignmentExponents(factory, {
    width: 16,
    layers: { w: "x" },
    batch: x,
    steps: 3,
    measureAt: [1, 3],
    optimizer: sgd,
  });
  for (const a of r.layers.w.alpha) assertTrue(Math.abs(a - 1) < 1e-9, `α ${a}`);
  // Expected NaN: Δh = 0 has no direction to align with.
  assertTrue([...r.layers.w.omega, ...r.layers.w.nu].every(Number.isNaN), JSON.stringify(r));
  x.dispose();
});

// --------------------------------------------------------------- nGPT vs νGPT (issue 6)

const ngptFactory: ModelFactory = (width, { key, dims, parameterization }) => {
  const model = ngptModel(modelConfig({ vocab: 32, width, depth: 1, seqLen: 8 }), {
    parameterization,
    dims,
  });
  return {
    params: nu.keep(model.init(key)),
    loss: (p, b) => model.loss(p, b),
    activations: (p, b) => {
      const states = model.hiddenStates(p, splitBatch(b).inputs);
      return { embedded: states[0], block0: states[1] };
    },
  };
};

Deno.test("coordCheck: nGPT's embedding movement grows like sqrt(width), νGPT's is flat", async () => {
  const batch = nu.keep(nu.randint(nu.key(7), [4, 9], 0, 32));
  const lr = 1e-3;
  const optimizer = (_w: number, ctx: ModelContext & { params: unknown }) => {
    const o = optimizerFor(ctx.parameterization ?? ngpt, ctx.dims, {
      params: ctx.params as Params,
      roles: roleTree(ctx.params),
      axes: axisTree(ctx.params),
      schedule: constant(lr),
    });
    return { init: o.init, step: o.step };
  };
  const report = async (p: typeof ngpt) =>
    await coordCheck(ngptFactory, { widths, steps: 3, batch, parameterization: p, optimizer });
  const n = await report(ngpt);
  const v = await report(nugpt());
  const ne = n.params.embed.vector, ve = v.params.embed.vector;
  assertTrue(Math.abs(ne.exponent - 0.5) < 0.15, `nGPT embed exponent ${ne.exponent}`);
  assertTrue(Math.abs(ve.exponent) < 0.15, `νGPT embed exponent ${ve.exponent}`);
  assertEquals([ne.verdict, ve.verdict], ["growing", "flat"]);
  console.log(
    `embed row movement at widths ${widths}: nGPT ${ne.values.map((x) => x.toExponential(2))} ` +
      `(exponent ${ne.exponent.toFixed(3)}), νGPT ${ve.values.map((x) => x.toExponential(2))} ` +
      `(exponent ${ve.exponent.toFixed(3)})`,
  );
  batch.dispose();
});
