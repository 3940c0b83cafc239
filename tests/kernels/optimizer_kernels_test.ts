/**
 * The optimizer primitives: `adamUpdate` and `normalizeAlong` on the CPU against a host
 * reference in f64, on WebGPU against the CPU, refused (adamUpdate) under a gradient tape,
 * and the multi-output rule table complete.
 *
 * numRuns: fast-check's default (100) for each property.
 */
import * as nu from "../../mod.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";
import { multiPrimitiveNames } from "../../core/rules.ts";
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
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
    lr: fc.double({ min: -1, max: 1, noNaN: true }),
    t: fc.integer({ min: 1, max: 50 }),
  })
);

Deno.test("adamUpdate (CPU, f64) matches the textbook formula on the host", async () => {
  await fc.assert(fc.asyncProperty(adamCase, async ({ p, g, m, v, lr, t }) => {
    using _ = nu.scope();
    const f = (xs: number[]) => nu.tensor(xs, { dtype: "f64", backend: nu.cpuBackend() });
    const got = nu.adamUpdate({ param: f(p), grad: f(g), mu: f(m), nu: f(v) }, {
      ...OPTS,
      lr,
      count: t,
    });
    const want = hostAdam(p, g, m, v, lr, t);
    for (let k = 0; k < 3; k++) {
      const xs = await got[k].toArray() as number[];
      xs.forEach((x, i) => assertClose(x, want[k][i], { rtol: 1e-12, atol: 1e-12 }));
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

Deno.test("adamUpdate: refused under grad; checks shapes and dtypes; rule table complete", () => {
  assertEquals(multiPrimitiveNames(), ["adamUpdate"]);
  using _ = nu.scope();
  const z = nu.zeros([2]);
  const loss = (p: nu.Tensor) =>
    nu.sum(nu.adamUpdate({ param: p, grad: z, mu: z, nu: z }, { ...OPTS, lr: 1, count: 1 })[0]);
  assertThrows(
    () => nu.grad(loss)(nu.ones([2])),
    ["adamUpdate: not differentiable (an input is being traced by grad/vjp)"],
  );
  assertThrows(
    () =>
      nu.adamUpdate({ param: z, grad: nu.zeros([3]), mu: z, nu: z }, { ...OPTS, lr: 1, count: 1 }),
    ["adamUpdate", "shapes differ", "[2]", "[3]"],
  );
  assertThrows(
    () => nu.adamUpdate({ param: z, grad: z, mu: z, nu: z }, { ...OPTS, lr: 1, count: 0 }),
    ["adamUpdate", "count"],
  );
  assertThrows(() => normalizeAlong(nu.zeros([2, 2, 2]), -1), ["normalizeAlong", "matrix"]);
  // normalizeAlong is differentiable: its gradient exists under grad
  const gx = nu.grad((x: nu.Tensor) => nu.sum(normalizeAlong(x, 0)))(nu.ones([2, 2]));
  assertTrue(gx.shape.length === 2);
});

Deno.test("adamUpdate: outputs are fresh tensors in the current scope; memory is flat", () => {
  const before = nu.memory().tensors;
  nu.tidy(() => {
    const z = nu.zeros([3]);
    const out = nu.adamUpdate({ param: z, grad: z, mu: z, nu: z }, { ...OPTS, lr: 1, count: 1 });
    assertEquals(out.length, 3);
    assertTrue(out.every((t) => t !== z && !t.disposed));
  });
  assertEquals(nu.memory().tensors, before);
});

gpuTest("webgpu adamUpdate and normalizeAlong match the CPU (f32)", async (g) => {
  const cpu = nu.cpuBackend();
  const arb = fc.record({ a: adamCase, n: matrixCase });
  await fc.assert(fc.asyncProperty(arb, async ({ a, n }) => {
    using _ = nu.scope();
    const on = (backend: nu.Backend) => {
      const f = (xs: number[]) => nu.fromData(Float32Array.from(xs), [xs.length], { backend });
      const outs = nu.adamUpdate({ param: f(a.p), grad: f(a.g), mu: f(a.m), nu: f(a.v) }, {
        ...OPTS,
        lr: a.lr,
        count: a.t,
      });
      const x = nu.fromData(Float32Array.from(n.data), [n.r, n.c], { backend });
      return [...outs, normalizeAlong(x, n.axis, { eps: n.eps })];
    };
    const [want, got] = [on(cpu), on(g)];
    for (let k = 0; k < want.length; k++) {
      const w = await want[k].data(), h = await got[k].data();
      // the parameter's update divides by sqrt(v) + eps: a few ulps of the step size
      w.forEach((x, i) => assertClose(h[i], x, { rtol: 2e-5, atol: 2e-5 }));
    }
  }));
});
