/**
 * Autodiff transforms: grad of grad against analytic answers (properties, 100 runs),
 * customVjp, stopGradient, hasAux, argnums.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, assertGradsClose, fc, shapeArb, tensorArb } from "../../testing.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

const f64 = (shape = shapeArb({ maxSize: 12 }), domain: "any" | "positive" = "any") =>
  tensorArb(shape, { dtype: "f64", domain });

/** d/dx of sum(f'(x)), elementwise: the second derivative of f. */
const second = (f: (x: nu.Tensor) => nu.Tensor) =>
  nu.grad((x: nu.Tensor) => nu.sum(nu.grad((y: nu.Tensor) => nu.sum(f(y)))(x)));

const cases: [string, (x: nu.Tensor) => nu.Tensor, (x: number) => number][] = [
  ["sin -> -sin", nu.sin, (x) => -Math.sin(x)],
  ["x^3 -> 6x", (x) => nu.mul(nu.mul(x, x), x), (x) => 6 * x],
  ["exp -> exp", nu.exp, Math.exp],
  ["tanh -> -2 tanh (1 - tanh^2)", nu.tanh, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
  ["pow(x, 3) -> 6x", (x) => nu.pow(x, 3), (x) => 6 * x],
];

for (const [name, f, d2] of cases) {
  Deno.test(`grad of grad: ${name}`, async () => {
    // pow's derivative uses pow(x, 2) = exp(2 log x): keep its base positive.
    const domain = name.startsWith("pow") ? "positive" : "any";
    await fc.assert(fc.asyncProperty(f64(undefined, domain), async (x) => {
      using _s = nu.scope();
      const expected = nu.fromData(x.values.map(d2), x.shape, { dtype: "f64" });
      await assertAllClose(second(f)(x.tensor()), expected, { rtol: 1e-9, atol: 1e-9 });
    }));
  });
}

Deno.test("grad of grad: third derivative of sin is -cos", async () => {
  const third = nu.grad((x: nu.Tensor) => nu.sum(second(nu.sin)(x)));
  await fc.assert(fc.asyncProperty(f64(), async (x) => {
    using _s = nu.scope();
    const expected = nu.fromData(x.values.map((v) => -Math.cos(v)), x.shape, { dtype: "f64" });
    await assertAllClose(third(x.tensor()), expected, { rtol: 1e-9 });
  }));
});

Deno.test("grad of grad: the Hessian-vector product of a small MLP matches finite differences", async () => {
  const mlp = (w: nu.Tensor, x: nu.Tensor) => nu.sum(nu.tanh(nu.matmul(x, w)));
  const x = nu.normal(nu.key(1), [3, 4], { dtype: "f64" });
  const v = nu.normal(nu.key(2), [4, 2], { dtype: "f64" });
  const hvp = (w: nu.Tensor) => nu.sum(nu.mul(nu.grad(mlp)(w, x), v));
  await assertGradsClose(hvp, [nu.normal(nu.key(3), [4, 2], { dtype: "f64" })]);
});

Deno.test("customVjp: grad uses the user's rule (a deliberately scaled derivative)", async () => {
  const twiceExp = nu.customVjp(
    (x) => {
      const y = nu.exp(x);
      return [y, [y]];
    },
    ([y], g) => [nu.mul(nu.mul(g, y), 2)],
  );
  const x = nu.tensor([0, 1]);
  await assertAllClose(nu.exp(x), twiceExp(x));
  await assertAllClose(nu.grad((t: nu.Tensor) => nu.sum(twiceExp(t)))(x), [2, 2 * Math.E]);
});

Deno.test("customVjp: a correct rule passes checkGrads, and grad of grad goes through it", async () => {
  const mySin = nu.customVjp((x) => [nu.sin(x), [x]], ([x], g) => [nu.mul(g, nu.cos(x))]);
  await assertGradsClose((x: nu.Tensor) => nu.sum(mySin(x)), [nu.tensor([0.3, -1.2, 2])]);
  const d2 = second(mySin)(nu.tensor([0.3, -1.2], { dtype: "f64" }));
  await assertAllClose(d2, [-Math.sin(0.3), -Math.sin(-1.2)], { rtol: 1e-12 });
});

Deno.test("stopGradient blocks gradients", async () => {
  await fc.assert(fc.asyncProperty(f64(), async (x) => {
    using _s = nu.scope();
    const t = x.tensor();
    const g = nu.grad((y: nu.Tensor) => nu.sum(nu.mul(y, nu.stopGradient(y))))(t);
    await assertAllClose(g, t, { rtol: 1e-12 }); // d/dy (y · const) = const = y, not 2y
    const zero = nu.grad((y: nu.Tensor) => nu.sum(nu.exp(nu.stopGradient(y))))(t);
    await assertAllClose(zero, nu.zerosLike(t), { atol: 0 });
  }));
});

Deno.test("hasAux: the aux output passes through undifferentiated", async () => {
  const f = (x: nu.Tensor) => [nu.sum(nu.square(x)), { doubled: nu.mul(x, 2), note: "hi" }];
  const x = nu.tensor([1, -2]);
  const [[value, aux], g] = nu.valueAndGrad(f, { hasAux: true })(x);
  await assertAllClose(value, 5);
  await assertAllClose(aux.doubled, [2, -4]);
  assertEquals(aux.note, "hi");
  await assertAllClose(g, [2, -4]);
  const [g2, aux2] = nu.grad(f, { hasAux: true })(x);
  await assertAllClose(g2, [2, -4]);
  assertEquals(aux2.note, "hi");
  assertThrows(() => nu.grad(f)(x), ["hasAux"]);
});

Deno.test("argnums: a number gives one gradient, an array gives a list, trees keep shape", async () => {
  const f = (a: { w: nu.Tensor }, b: nu.Tensor, c: nu.Tensor) => nu.sum(nu.mul(nu.mul(a.w, b), c));
  const a = { w: nu.tensor([1, 2]) }, b = nu.tensor([3, 4]), c = nu.tensor([5, 6]);
  await assertAllClose(nu.grad(f, { argnums: 1 })(a, b, c), [5, 12]);
  const [ga, gc] = nu.grad(f, { argnums: [0, 2] })(a, b, c);
  await assertAllClose(ga, { w: [15, 24] });
  await assertAllClose(gc, [3, 8]);
  await assertAllClose(nu.grad(f)(a, b, c), { w: [15, 24] });
  assertThrows(() => nu.grad(f, { argnums: 3 })(a, b, c), ["argnums 3", "out of range"]);
});

Deno.test("grad: a non-scalar output gets a clear error", () => {
  assertThrows(() => nu.grad((x: nu.Tensor) => nu.exp(x))(nu.tensor([1, 2])), [
    "scalar",
    "[2]",
  ]);
});
