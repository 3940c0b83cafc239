/**
 * The optimizer step: Adam chained with the learning rate, compiled by `nu.jit` into fused
 * kernels, against the textbook formula in f64 on the host (CPU) and against the CPU (WebGPU);
 * `normalizeAlong` likewise.
 *
 * numRuns: fast-check's default (100) for each property.
 */
import * as nu from "../../mod.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";
import { assertClose, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { gpuTest } from "./webgpu_helpers.ts";

const OPTS = { b1: 0.9, b2: 0.95, eps: 1e-8 };

/** Adam by the textbook formula, in f64 on the host. */
function hostAdam(p: number[], g: number[], m: number[], v: number[], lr: number, t: number) {
  const { b1, b2, eps } = OPTS;
  const mu = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
  const nuv = v.map((x, i) => b2 * x + (1 - b2) * g[i] ** 2);
  const param = p.map((x, i) =>
    x - lr * (mu[i] / (1 - b1 ** t)) / (Math.sqrt(nuv[i] / (1 - b2 ** t)) + eps)
  );
  return [param, mu, nuv];
}

const vec = (n: number, min: number) =>
  fc.array(fc.double({ min, max: 2, noNaN: true }), { minLength: n, maxLength: n });
const adamCase = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    p: vec(n, -2),
    g: vec(n, -2),
    m: vec(n, -2),
    v: vec(n, 0),
    lr: fc.double({ min: 0, max: 1, noNaN: true }),
    t: fc.integer({ min: 1, max: 50 }),
  })
);

/** One jitted Adam + learning-rate step at step `t` (1-based) with state (m, v). */
function adamStep(
  backend: nu.Backend,
  dtype: "f32" | "f64",
  c: { p: number[]; g: number[]; m: number[]; v: number[]; lr: number; t: number },
) {
  const f = (xs: number[]) => nu.fromData(xs, [xs.length], { dtype, backend });
  const opt = nu.optim.chain(nu.optim.scaleByAdam(OPTS), nu.optim.scaleByLearningRate(c.lr));
  const count = nu.fromData([c.t - 1], [], { dtype, backend });
  const state = [{ count, mu: { w: f(c.m) }, nu: { w: f(c.v) } }, { count }];
  const step = nu.jit((p: { w: nu.Tensor }, g: { w: nu.Tensor }, s: unknown[]) => {
    const [u, next] = opt.update(g, s as never, p);
    return [nu.optim.applyUpdates(p, u), next] as const;
  });
  const [p, next] = step({ w: f(c.p) }, { w: f(c.g) }, state);
  const adam = (next as unknown as { mu: { w: nu.Tensor }; nu: { w: nu.Tensor } }[])[0];
  return [p.w, adam.mu.w, adam.nu.w];
}

Deno.test("jitted Adam + learning rate (CPU, f64) matches the textbook formula on the host", async () => {
  await fc.assert(fc.asyncProperty(adamCase, async (c) => {
    using _ = nu.scope();
    const got = adamStep(nu.cpuBackend(), "f64", c);
    const want = hostAdam(c.p, c.g, c.m, c.v, c.lr, c.t);
    for (let k = 0; k < 3; k++) {
      const xs = await got[k].toArray() as number[];
      // the bias corrections are computed from an f32 step count: 1e-7 relative at most
      xs.forEach((x, i) => assertClose(x, want[k][i], { rtol: 1e-6, atol: 1e-7 }));
    }
  }));
});

const matrixCase = fc.record({
  r: fc.integer({ min: 1, max: 6 }),
  c: fc.integer({ min: 1, max: 6 }),
  axis: fc.constantFrom(0 as const, -1 as const),
  eps: fc.constantFrom(0, 1e-3),
}).chain(({ r, c, axis, eps }) =>
  vec(r * c, -2).map((data) => ({ r, c, axis, eps, data: data.map((x) => x + 3) }))
);

Deno.test("normalizeAlong (CPU, f64) matches x / sqrt(sum x² + eps) on the host", async () => {
  await fc.assert(fc.asyncProperty(matrixCase, async ({ r, c, axis, eps, data }) => {
    using _ = nu.scope();
    const x = nu.fromData(Float64Array.from(data), [r, c], { dtype: "f64" });
    const got = (await normalizeAlong(x, axis, { eps }).data()) as Float64Array;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) {
        let s = 0;
        if (axis === -1) { for (let k = 0; k < c; k++) s += data[i * c + k] ** 2; }
        else for (let k = 0; k < r; k++) s += data[k * c + j] ** 2;
        assertClose(got[i * c + j], data[i * c + j] / Math.sqrt(s + eps), { rtol: 1e-13 });
      }
    }
  }));
});

Deno.test("normalizeAlong: checks its input; differentiable", () => {
  using _ = nu.scope();
  assertThrows(() => normalizeAlong(nu.zeros([2, 2, 2]), -1), ["normalizeAlong", "matrix"]);
  const gx = nu.grad((x: nu.Tensor) => nu.sum(normalizeAlong(x, 0)))(nu.ones([2, 2]));
  assertTrue(gx.shape.length === 2);
});

gpuTest("webgpu jitted Adam step and normalizeAlong match the CPU (f32)", async (g) => {
  const cpu = nu.cpuBackend();
  const arb = fc.record({ a: adamCase, n: matrixCase });
  await fc.assert(fc.asyncProperty(arb, async ({ a, n }) => {
    using _ = nu.scope();
    const on = (backend: nu.Backend) => {
      const outs = adamStep(backend, "f32", a);
      const x = nu.fromData(Float32Array.from(n.data), [n.r, n.c], { backend });
      return [...outs, normalizeAlong(x, n.axis, { eps: n.eps })];
    };
    const [want, got] = [on(cpu), on(g)];
    for (let k = 0; k < want.length; k++) {
      const w = await want[k].data(), h = await got[k].data();
      // the parameter's update divides by sqrt(v) + eps: a few ulps of the step size
      w.forEach((x: number, i: number) => assertClose(h[i], x, { rtol: 2e-5, atol: 2e-5 }));
    }
  }));
});

Deno.test("compiled Adam + learning rate (CPU, f32) equals the eager chain at every step count", async () => {
  // The compiled step is generated from the chain itself (no second implementation): it keeps
  // f64 intermediates, so it may differ from the eager chain's per-op f32 rounding by an ulp or
  // so, never more; the bias corrections 1 - b^t, sqrt(c2) / c1 are checked at every count 1..60.
  const cpu = nu.cpuBackend();
  const f32 = (xs: number[]) => nu.tensor(xs, { dtype: "f32", backend: cpu });
  const p = [0.3, -1.7, 0.01, 2], g = [0.5, -0.25, 1e-3, -2];
  const m = [0.1, -0.2, 0.3, -0.4], v = [0.01, 0.2, 1e-6, 0.5];
  for (const b2 of [0.95, 0.99, 0.999]) {
    const opts = { b1: 0.9, b2, eps: 1e-8 };
    const chain = nu.optim.chain(nu.optim.scaleByAdam(opts), nu.optim.scaleByLearningRate(0.01));
    const step = (params: { w: nu.Tensor }, grads: { w: nu.Tensor }, state: unknown[]) =>
      nu.optim.applyUpdates(params, chain.update(grads, state as never, params)[0]).w;
    const compiled = nu.jit(step);
    for (let t = 1; t <= 60; t++) {
      using _ = nu.scope();
      const count = nu.tensor(t - 1, { backend: cpu, dtype: "f64" }); // as zeroCount makes it
      const state = () => [{ count, mu: { w: f32(m) }, nu: { w: f32(v) } }, { count }];
      const want = await step({ w: f32(p) }, { w: f32(g) }, state()).data();
      const got = await compiled({ w: f32(p) }, { w: f32(g) }, state()).data();
      want.forEach((x: number, i: number) => assertClose(got[i], x, { rtol: 1e-6, atol: 0 }));
    }
    assertTrue(compiled.traces === 1, `one trace for 60 step counts, got ${compiled.traces}`);
  }
});
