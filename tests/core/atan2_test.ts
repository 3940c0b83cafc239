import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertThrows } from "../../testing/assert.ts";

const ys = [1, 1, -1, -1, 0, 2.5, -0.3, 1e-30, 0, -0, -0];
const xs = [1, -1, 1, -1, -2, 0, 0.7, -1e-30, 0, -1, -0];

Deno.test("atan2: every quadrant and axis against Math.atan2, f64 and f32, eager and compiled", async () => {
  using _s = nu.scope();
  // A zero y counts as +0: atan2(−0, −1) is π (not −π), and the origin gives 0 whatever its signs.
  const want = ys.map((y, i) => y === 0 ? (xs[i] < 0 ? Math.PI : 0) : Math.atan2(y, xs[i]));
  for (const dtype of ["f64", "f32"] as const) {
    const y = nu.tensor(ys, { dtype }), x = nu.tensor(xs, { dtype });
    const rtol = dtype === "f64" ? 1e-15 : 1e-6;
    await assertAllClose(nu.atan2(y, x), want, { rtol });
    await assertAllClose(
      nu.jit((a: nu.Tensor, b: nu.Tensor) => nu.atan2(nu.mul(a, 1), b))(y, x),
      want,
      { rtol },
    );
  }
});

Deno.test("atan2: broadcasts numbers and refuses integer and bool tensors", async () => {
  using _s = nu.scope();
  await assertAllClose(nu.atan2(nu.tensor([[1], [-1]]), 1), [[Math.PI / 4], [-Math.PI / 4]], {
    rtol: 1e-6,
  });
  assertThrows(
    () => nu.atan2(nu.tensor([1], { dtype: "i32" }), 1),
    "atan2: needs float tensors, got i32",
  );
  assertThrows(() => nu.atan2(nu.tensor([true]), 1), "needs numeric tensors, got bool");
});

Deno.test("atan2: gradient (b, −a)/(a² + b²), and 0 at the origin", async () => {
  using _s = nu.scope();
  const a = nu.tensor([1, -2, 0], { dtype: "f64" }), b = nu.tensor([3, 0.5, 0], { dtype: "f64" });
  const f = (p: nu.Tensor, q: nu.Tensor) => nu.sum(nu.atan2(p, q));
  const [ga, gb] = nu.grad(f, { argnums: [0, 1] })(a, b) as unknown as nu.Tensor[];
  await assertAllClose(ga, [3 / 10, 0.5 / 4.25, 0], { rtol: 1e-12 });
  await assertAllClose(gb, [-1 / 10, 2 / 4.25, 0], { rtol: 1e-12 });
});
