/**
 * The everyday ops (argmax, cumsum, prod, einsum, erf, ...): each against an
 * f64 host reference on the CPU, VJPs against central finite differences, and
 * accuracy and error cases. The cross-backend check is in
 * `everyday_ops_webgpu_test.ts`. numRuns 20 per op.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, checkGrads, fc, tensorArb } from "../../testing.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { CASES } from "./everyday_ops_cases.ts";
import { erfReference } from "./special_reference.ts";

const cpu = nu.cpuBackend();
const RUNS = { numRuns: 20 };

for (const c of CASES) {
  Deno.test(`everyday ops: ${c.name} matches its f64 host reference (CPU)`, async () => {
    await fc.assert(
      fc.asyncProperty(c.inputs, async ({ xs, ints }) => {
        using _s = nu.scope();
        const got = c.op(xs.map((x) => x.tensor({ backend: cpu })), ints);
        const want = c.ref(xs, ints);
        assertEquals(got.shape, want.shape, `${c.name}: shape`);
        await assertAllClose(Array.from(await got.data()), want.values, {
          rtol: 1e-12,
          atol: 1e-13,
          message: `${c.name} on ${xs.join(" ; ")} ints [${ints}]`,
        });
      }),
      RUNS,
    );
  });
  if (!c.differentiable) continue;
  Deno.test(`everyday ops: ${c.name}'s VJP matches finite differences (f64, CPU)`, async () => {
    let seed = 0;
    await fc.assert(
      fc.asyncProperty(c.inputs, async ({ xs, ints }) => {
        using _s = nu.scope();
        const ts = xs.map((x) => x.tensor({ backend: cpu }));
        const ct = nu.normal(nu.key(seed++), c.op(ts, ints).shape, { dtype: "f64" });
        const loss = (...args: nu.Tensor[]) => nu.sum(nu.mul(c.op(args, ints), ct));
        const argnums = ts.flatMap((t, i) => (t.dtype === "f64" ? [i] : []));
        const r = await checkGrads(loss, ts, { argnums, key: nu.key(seed) });
        assertTrue(
          r.ok,
          `${c.name}: VJP ${r.analytic} vs finite differences ${r.numeric} at ${r.where}`,
        );
      }),
      RUNS,
    );
  });
}

Deno.test("everyday ops: erf, log1p, expm1 in f32 are within 4 ulp of the f64 values (CPU)", async () => {
  const ulp = (v: number) => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(v), 2 ** -126))) - 23);
  const fns: [(x: nu.Tensor) => nu.Tensor, (v: number) => number, number, number][] = [
    [nu.erf, erfReference, -5, 5],
    [nu.log1p, Math.log1p, -0.99, 10],
    [nu.expm1, Math.expm1, -10, 10],
  ];
  for (const [f, ref, min, max] of fns) {
    await fc.assert(
      fc.asyncProperty(tensorArb([64], { dtype: "f32", domain: { min, max } }), async (x) => {
        using _s = nu.scope();
        const got = await f(x.tensor({ backend: cpu })).data();
        x.values.forEach((v, i) => {
          const want = ref(v);
          assertTrue(
            Math.abs(got[i] - want) <= 4 * ulp(want),
            `${f.name}(${v}) = ${got[i]}, want ${want}`,
          );
        });
      }),
      { numRuns: 10 },
    );
  }
  // Tiny arguments keep their relative accuracy.
  await assertAllClose(nu.log1p(nu.tensor([1e-10])), [1e-10], { rtol: 1e-7, atol: 0 });
  await assertAllClose(nu.expm1(nu.tensor([-1e-10])), [-1e-10], { rtol: 1e-7, atol: 0 });
  await assertAllClose(nu.erf(nu.tensor([1e-30])), [1.1283791670955126e-30], {
    rtol: 1e-7,
    atol: 0,
  });
});

Deno.test("everyday ops: eye, linspace, argmax's dtype and NaN, empty reductions", async () => {
  using _s = nu.scope();
  await assertAllClose(nu.eye(3, { k: -1, dtype: "f64" }), [[0, 0, 0], [1, 0, 0], [0, 1, 0]]);
  const l = await nu.linspace(-1, 2, 7, { dtype: "f64" }).data();
  l.forEach((v, i) => assertTrue(Math.abs(v - (-1 + i * 0.5)) < 1e-15));
  assertEquals(await nu.linspace(3, 3, 1).toArray(), [3]);
  const am = nu.argmax(nu.tensor([[1, NaN, 5], [2, 2, 0]]), { axis: 1 });
  assertEquals([am.dtype, await am.toArray()], ["i32", [1, 0]]);
  assertEquals(await nu.argmax(nu.tensor([3, 9, 9], { dtype: "i32" })).item(), 1);
  assertEquals(await nu.prod(nu.zeros([2, 0]), { axis: 1 }).toArray(), [1, 1]);
  assertEquals(await nu.all(nu.zeros([0])).toArray(), true);
  assertEquals(await nu.any(nu.zeros([0])).toArray(), false);
  assertEquals(await nu.cumsum(nu.tensor([1, 2, 3], { dtype: "i32" })).toArray(), [1, 3, 6]);
  assertEquals(nu.round(nu.tensor([2], { dtype: "i32" })).dtype, "i32");
});

Deno.test("everyday ops: bad input names the op and the values", () => {
  using _s = nu.scope();
  const x = nu.ones([2, 3]);
  assertThrows(() => nu.einsum("ij,jk->ik", x, x), 'subscript "j" has size 3 and 2');
  assertThrows(() => nu.einsum("ij->iz", x), 'output subscript "z" is in no input');
  assertThrows(() => nu.einsum("i...j", x), 'bad subscript "."');
  assertThrows(() => nu.einsum("ijk", x), "operand 0 has shape [2,3]");
  assertThrows(() => nu.variance(x, { axis: 0, ddof: 2 }), "ddof 2 must be in [0, 2)");
  assertThrows(() => nu.argmax(nu.zeros([0])), "argmax: axis 0 of [0] is empty");
  assertThrows(() => nu.tril(nu.ones([3])), "tril: needs rank ≥ 2, got [3]");
  assertThrows(() => nu.take(x, nu.ones([1])), "take: indices must be i32, got f32");
  assertThrows(() => nu.clip(x, {}), "clip: give min, max or both");
  assertThrows(() => nu.clip(x, { min: 2, max: 1 }), "clip: min 2 is above max 1");
  assertThrows(() => nu.erf(nu.tensor([1], { dtype: "i32" })), "erf: needs a float tensor");
  assertThrows(() => nu.stack([x, nu.ones([3, 2])]), "stack: shapes differ: [2,3] and [3,2]");
  assertThrows(() => nu.cumsum(nu.tensor([true])), "cumsum: needs a numeric tensor, got bool");
});

Deno.test("everyday ops: booleanMask and maskedFill", async () => {
  using _s = nu.scope();
  const x = nu.tensor([[1, 2], [3, 4]], { dtype: "f64", backend: cpu });
  const m = nu.gt(x, 1.5);
  assertEquals(await (await nu.booleanMask(x, m)).toArray(), [2, 3, 4]);
  assertEquals(await nu.maskedFill(x, m, -1).toArray(), [[1, -1], [-1, -1]]);
  const g = nu.grad((y: nu.Tensor) => nu.sum(nu.maskedFill(y, m, 0)))(x);
  assertEquals(await g.toArray(), [[1, 0], [0, 0]]);
});

Deno.test("everyday ops: compiled by jit, a composition and its gradient match eager", async () => {
  using _s = nu.scope();
  const f = (x: nu.Tensor, w: nu.Tensor) => {
    const scores = nu.einsum("bi,ij->bj", x, w);
    const smooth = nu.add(
      nu.erf(scores),
      nu.log1p(nu.square(nu.expm1(nu.clip(scores, { max: 1 })))),
    );
    const masked = nu.tril(nu.cumsum(smooth, { axis: 1 }));
    return nu.add(
      nu.sum(nu.std(masked, { axis: 0 })),
      nu.mean(nu.prod(nu.tanh(masked), { axis: 1 })),
    );
  };
  const x = nu.normal(nu.key(3), [4, 3], { dtype: "f64", backend: cpu });
  const w = nu.normal(nu.key(4), [3, 3], { dtype: "f64", backend: cpu });
  const compiled = nu.jit((a: nu.Tensor, b: nu.Tensor) =>
    nu.valueAndGrad(f, { argnums: [0, 1] })(a, b)
  );
  const [value, grads] = nu.valueAndGrad(f, { argnums: [0, 1] })(x, w);
  const [cValue, cGrads] = compiled(x, w);
  await assertAllClose([cValue, cGrads], [value, grads], { rtol: 1e-12, atol: 1e-14 });
  const am = nu.jit((a: nu.Tensor) => nu.argmax(a, { axis: 1 }));
  assertEquals(await am(x).toArray(), await nu.argmax(x, { axis: 1 }).toArray());
});
