/** checkGrads / assertGradsClose: passes correct gradients, catches wrong ones, clear errors. */
import * as nu from "../../mod.ts";
import { assertGradsClose, checkGrads } from "../../testing.ts";
import { assertEquals, assertRejects, assertTrue } from "../../testing/assert.ts";

const wrongSquare = nu.customVjp((x) => [nu.mul(x, x), [x]], ([x], g) => [nu.mul(g, x)]); // 2x

Deno.test("checkGrads passes a correct gradient on a tree, converting f32 to f64", async () => {
  const params = { w: nu.tensor([[0.5, -1], [2, 0.3]]), b: nu.tensor([0.1, 0.2]) };
  const x = nu.tensor([[1, 2]]);
  const f = (p: typeof params, inputs: nu.Tensor) =>
    nu.sum(nu.tanh(nu.add(nu.matmul(inputs, p.w), p.b)));
  const r = await checkGrads(f, [params, x], { argnums: 0, directions: 4 });
  assertTrue(r.ok && r.worstRelError < 1e-6, JSON.stringify(r));
  assertEquals(r.checked, 8); // 2 leaves × 4 directions
});

Deno.test("checkGrads finds a wrong derivative and says where", async () => {
  const f = (p: { a: nu.Tensor; b: nu.Tensor }) => nu.add(nu.sum(p.a), nu.sum(wrongSquare(p.b)));
  const r = await checkGrads(f, [{ a: nu.tensor([1, 2]), b: nu.tensor([0.5, 1.5]) }]);
  assertTrue(!r.ok);
  assertEquals(r.where, "0.b");
  assertTrue(Math.abs(r.analytic - r.numeric * 0.5) < 1e-5 * Math.abs(r.analytic) + 1e-9);
  await assertRejects(
    () => assertGradsClose(f, [{ a: nu.tensor([1, 2]), b: nu.tensor([0.5, 1.5]) }]),
    ["leaf 0.b", "analytic", "numeric", "relative error"],
  );
});

Deno.test("checkGrads rejects a non-scalar f and bad options clearly", async () => {
  await assertRejects(() => checkGrads((x: nu.Tensor) => nu.exp(x), [nu.tensor([1, 2])]), [
    "checkGrads",
    "scalar",
    "[2]",
  ]);
  await assertRejects(() =>
    checkGrads((x: nu.Tensor) => nu.sum(x), [nu.tensor([1])], {
      argnums: 2,
    }), ["argnums 2"]);
  await assertRejects(() =>
    checkGrads((x: nu.Tensor) => nu.sum(x), [nu.tensor([1])], {
      eps: 0,
    }), ["eps"]);
});

Deno.test("checkGrads leaves memory and the default backend as it found them", async () => {
  const x = nu.tensor([0.1, 0.2, 0.3]);
  const before = nu.memory().tensors, backend = nu.getBackend();
  await checkGrads((t: nu.Tensor) => nu.sum(nu.sin(t)), [x]);
  assertEquals(nu.memory().tensors, before);
  assertTrue(nu.getBackend() === backend);
});
