/** console.log shows a tensor's values (CPU) or a summary; categorical samples synchronously. */
import * as nu from "../../mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { gpuTest } from "../kernels/webgpu_helpers.ts";

const show = (x: unknown) => Deno.inspect(x);

Deno.test("inspect: small CPU tensors print their values, large ones a summary", () => {
  nu.tidy(() => {
    assertEquals(
      show(nu.tensor([[1, 2.5], [3, -4]])),
      "Tensor<f32>[2,2] cpu [[1., 2.5], [3., -4.]]",
    );
    assertEquals(show(nu.tensor([1, 2], { dtype: "i32" })), "Tensor<i32>[2] cpu [1, 2]");
    assertEquals(show(nu.tensor([true, false])), "Tensor<bool>[2] cpu [true, false]");
    assertEquals(show(nu.tensor(7)), "Tensor<f32>[] cpu 7.");
    const big = show(nu.concat([nu.arange(0, 500, 1, { dtype: "f32" }), nu.tensor([NaN])], 0));
    assertEquals(
      big,
      "Tensor<f32>[501] cpu {min 0., max 499., mean 249.5, 1 NaN; first [0., 1., 2., 3., 4., 5., ...]}",
    );
    assertTrue(show({ w: nu.tensor([1]) }).includes("w: Tensor<f32>[1] cpu [1.]"));
  });
  const gone = nu.ones([2]);
  gone.dispose();
  assertEquals(show(gone), "Tensor<f32>[2] (disposed)");
});

Deno.test("inspect: inside a jit trace the tensor says it has no values yet", () => {
  let seen = "";
  const f = nu.jit((x: nu.Tensor) => {
    seen = show(x);
    return nu.exp(x);
  });
  f(nu.ones([2])).dispose();
  f.dispose();
  assertEquals(seen, "Tensor<f32>[2] cpu (traced: no values yet)");
});

gpuTest("inspect: a WebGPU tensor prints without reading back", async (gpu) => {
  const t = nu.ones([3], { backend: gpu });
  assertEquals(show(t), "Tensor<f32>[3] webgpu (on the device: read with await t.toArray())");
  t.dispose();
  await gpu.flush();
});

Deno.test("categorical: synchronous, i32, and draws each class at its softmax frequency", async () => {
  const n = 6000;
  const probs = [1 / 7, 2 / 7, 4 / 7];
  const logits = nu.broadcastTo(nu.tensor(probs.map(Math.log)), [n, 3]);
  const draws = nu.categorical(nu.key(5), logits);
  assertTrue(draws instanceof nu.Tensor); // not a Promise
  assertEquals([draws.dtype, draws.shape], ["i32", [n]]);
  const counts = [0, 0, 0];
  for (const v of await draws.data()) counts[v]++;
  probs.forEach((p, i) => {
    const sd = Math.sqrt(n * p * (1 - p));
    assertTrue(Math.abs(counts[i] - n * p) < 4 * sd, `class ${i}: ${counts[i]} of ${n}`);
  });
  // a class of logit -inf is never drawn; the same key gives the same draws
  const sure = nu.categorical(nu.key(1), nu.tensor([[-Infinity, 0, -Infinity]]));
  assertEquals(await sure.toArray(), [1]);
  assertEquals(await nu.categorical(nu.key(5), logits).toArray(), await draws.toArray());
});
