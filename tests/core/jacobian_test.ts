/**
 * Jacobians and Hessians: `jacfwd` equals `jacrev`, the Hessian is symmetric
 * and equals `jacrev(jacrev(f))` and `jacfwd(jacrev(f))`, `hvp` (both modes)
 * equals `H v`, and forward mode composes with trees, `linearize`, `grad` and
 * `jit`. f64 on the CPU; numRuns 15 per property.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, fc, shapeArb, tensorArb } from "../../testing.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

const cpu = nu.cpuBackend();
const RUNS = { numRuns: 15 };

/** A smooth vector function R^n → R^m with mixed primitives. */
function g(p: { w: nu.Tensor; b: nu.Tensor }, x: nu.Tensor): nu.Tensor {
  return nu.tanh(nu.add(nu.matmul(p.w, nu.sin(x)), nu.mul(p.b, x)));
}

/** A smooth scalar function of a vector. */
function scalarF(x: nu.Tensor): nu.Tensor {
  return nu.add(nu.logsumexp(nu.mul(x, x)), nu.sum(nu.mul(nu.sin(x), nu.exp(nu.mul(x, 0.3)))));
}

const vecArb = (n: number) => tensorArb([n], { dtype: "f64", domain: "bounded" });

Deno.test("jacobian: jacfwd equals jacrev over trees and argnums tuples", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }).chain((n) =>
        fc.tuple(tensorArb([n, n], { dtype: "f64" }), vecArb(n), vecArb(n))
      ),
      async ([w, b, x]) => {
        using _s = nu.scope();
        const p = { w: w.tensor({ backend: cpu }), b: b.tensor({ backend: cpu }) };
        const xt = x.tensor({ backend: cpu });
        const jf = nu.jacfwd(g, { argnums: [0, 1] })(p, xt);
        const jr = nu.jacrev(g, { argnums: [0, 1] })(p, xt);
        const n = x.shape[0];
        assertEquals(jf[0].w.shape, [n, n, n]);
        assertEquals(jf[1].shape, [n, n]);
        await assertAllClose(jf, jr, { rtol: 1e-10, atol: 1e-12 });
      },
    ),
    RUNS,
  );
});

Deno.test("jacobian: hessian is symmetric and equals jacrev(jacrev(f)) and H·v = hvp", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(vecArb(n), vecArb(n))),
      async ([x, v]) => {
        using _s = nu.scope();
        const xt = x.tensor({ backend: cpu }), vt = v.tensor({ backend: cpu });
        const H = nu.hessian(scalarF)(xt) as nu.Tensor;
        await assertAllClose(H, nu.transpose(H), { rtol: 1e-10, atol: 1e-12 });
        await assertAllClose(H, nu.jacrev(nu.jacrev(scalarF))(xt), { rtol: 1e-10, atol: 1e-12 });
        const hv = nu.matmul(H, nu.reshape(vt, [-1, 1]));
        for (const mode of ["reverse", "forward"] as const) {
          await assertAllClose(nu.reshape(nu.hvp(scalarF, xt, vt, { mode }), [-1, 1]), hv, {
            rtol: 1e-10,
            atol: 1e-12,
          });
        }
      },
    ),
    RUNS,
  );
});

Deno.test("jacobian: hessian matches central differences of the gradient", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }).chain((n) => vecArb(n)),
      async (x) => {
        using _s = nu.scope();
        const xt = x.tensor({ backend: cpu });
        const n = x.shape[0], eps = 1e-5;
        const H = nu.hessian(scalarF)(xt) as nu.Tensor;
        const cols = Array.from({ length: n }, (_, j) => {
          const e = nu.oneHot(nu.tensor([j], { dtype: "i32", backend: cpu }), n, { dtype: "f64" });
          const d = nu.reshape(nu.mul(e, eps), [n]);
          const gp = nu.grad(scalarF)(nu.add(xt, d)), gm = nu.grad(scalarF)(nu.sub(xt, d));
          return nu.div(nu.sub(gp, gm), 2 * eps);
        });
        await assertAllClose(H, nu.transpose(nu.stack(cols)), { rtol: 1e-6, atol: 1e-7 });
      },
    ),
    RUNS,
  );
});

Deno.test("forward: linearize is reusable and linear; jvp composes with grad and jit", async () => {
  await fc.assert(
    fc.asyncProperty(
      shapeArb({ minRank: 1, maxRank: 2, maxDim: 3 }).chain((s) =>
        fc.tuple(...[0, 1, 2].map(() => tensorArb(s, { dtype: "f64", domain: "bounded" })))
      ),
      async ([x, u, v]) => {
        using _s = nu.scope();
        const [xt, ut, vt] = [x, u, v].map((a) => a.tensor({ backend: cpu }));
        const f = (y: nu.Tensor) => nu.mul(nu.sin(y), nu.exp(y));
        const [y, fJvp] = nu.linearize(f, xt);
        await assertAllClose(y, f(xt));
        const sum = fJvp(nu.add(nu.mul(ut, 2), vt));
        await assertAllClose(sum, nu.add(nu.mul(fJvp(ut), 2), fJvp(vt)), { rtol: 1e-12 });
        const [, jv] = nu.jvp(f, [xt], [vt]);
        await assertAllClose(fJvp(vt), jv, { rtol: 1e-12 });
        fJvp.dispose();
        // d/dx of the JVP: grad over jvp.
        const gj = nu.grad((z: nu.Tensor) => nu.sum(nu.jvp(f, [z], [vt])[1]))(xt);
        const d2 = nu.mul(nu.mul(nu.cos(xt), nu.exp(xt)), 2); // f'' = 2 cos(x) e^x
        await assertAllClose(gj, nu.mul(d2, vt), { rtol: 1e-9, atol: 1e-12 });
        const jitted = nu.jit((z: nu.Tensor, t: nu.Tensor) => nu.jvp(f, [z], [t])[1]);
        await assertAllClose(jitted(xt, vt), jv, { rtol: 1e-12 });
        jitted.dispose?.();
      },
    ),
    RUNS,
  );
});

Deno.test("forward: non-float leaves are held fixed; bad tangents are named", async () => {
  using _s = nu.scope();
  const x = nu.tensor([1, 2, 3], { dtype: "f64", backend: cpu });
  const idx = nu.tensor([2, 0], { dtype: "i32", backend: cpu });
  const f = (a: { x: nu.Tensor; i: nu.Tensor; k: number }) => nu.mul(nu.gather(a.x, a.i), a.k);
  const [y, dy] = nu.jvp(f, [{ x, i: idx, k: 3 }], [{
    x: nu.tensor([1, 10, 100], { dtype: "f64", backend: cpu }),
    i: null,
    k: null,
  }]);
  await assertAllClose(y, [9, 3]);
  await assertAllClose(dy, [300, 3]);
  assertThrows(
    () => nu.jvp(nu.sin, [x], [nu.tensor([1, 2], { dtype: "f64", backend: cpu })]),
    "tangent leaf 0 must be a f64 tensor of shape [3]",
  );
  assertThrows(() => nu.jvp(nu.sin, [x], []), "one tangent per primal (1)");
  // A pullback whose input gets no cotangent returns zeros (the tracer may be pending disposal).
  const [, pb] = nu.vjp((z: nu.Tensor) => nu.cast(nu.lt(z, 0), "f64"), x);
  await assertAllClose((pb(nu.onesLike(x)) as nu.Tensor[])[0], [0, 0, 0]);
  pb.dispose();
});

Deno.test("forward: jvp, jacfwd and hvp leave no tensors behind", () => {
  const x = nu.tensor([0.5, -1], { dtype: "f64", backend: cpu });
  const v = nu.tensor([1, 2], { dtype: "f64", backend: cpu });
  const run = () => {
    const [a, b] = nu.jvp(scalarF, [x], [v]);
    nu.jacfwd(nu.sin)(x).dispose();
    nu.hessian(scalarF)(x).dispose();
    nu.hvp(scalarF, x, v).dispose();
    nu.hvp(scalarF, x, v, { mode: "forward" }).dispose();
    a.dispose();
    b.dispose();
  };
  run();
  const before = nu.memory().tensors;
  for (let i = 0; i < 3; i++) run();
  assertEquals(nu.memory().tensors, before);
});

Deno.test("forward: jvp and hessian compose with vmap (each member as alone)", async () => {
  const f = (x: nu.Tensor) => nu.sum(nu.mul(nu.sin(x), x));
  const xs = nu.normal(nu.key(0), [3, 4], { dtype: "f64" });
  const vs = nu.normal(nu.key(1), [3, 4], { dtype: "f64" });
  const row = (t: nu.Tensor, i: number) => nu.reshape(nu.sliceAxis(t, 0, i, i + 1), [4]);
  const tangents = nu.vmap((x: nu.Tensor, v: nu.Tensor) => nu.jvp(f, [x], [v])[1] as nu.Tensor)(
    xs,
    vs,
  );
  const hessians = nu.vmap((x: nu.Tensor) => nu.hessian(f)(x) as nu.Tensor)(xs);
  for (let i = 0; i < 3; i++) {
    const [x, v] = [row(xs, i), row(vs, i)];
    await assertAllClose(
      nu.sliceAxis(tangents, 0, i, i + 1),
      nu.reshape(nu.jvp(f, [x], [v])[1] as nu.Tensor, [1]),
      {
        rtol: 1e-12,
        atol: 1e-12,
      },
    );
    await assertAllClose(
      nu.reshape(nu.sliceAxis(hessians, 0, i, i + 1), [4, 4]),
      nu.hessian(f)(x) as nu.Tensor,
      { rtol: 1e-12, atol: 1e-12 },
    );
  }
});
