/**
 * Fusion around matmul: a compiled program runs a product's elementwise consumer (scale, bias,
 * activation, residual, a row reduction) as an epilogue on the product's row tiles, and it
 * agrees with eager execution, values and gradients: in place over the product when the
 * consumer is its only reader (an epilogue applied twice there would show in the values),
 * beside it otherwise, over several tiles, batched products and transposed operands.
 */
import * as nu from "../../mod.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import type { BackendBuffer } from "../../kernels/backend.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

/** A CPU backend that records each epilogue it runs: the product's shape, and whether in place. */
function spiedBackend() {
  const backend = createCpuBackend();
  const seen: { product: string; inPlace: boolean }[] = [];
  const run = backend.runMatmulEpilogue.bind(backend);
  backend.runMatmulEpilogue = (inputs, params, out, target: BackendBuffer, epilogue) => {
    seen.push({ product: out.shape.join("x"), inPlace: epilogue.outputs.includes(target) });
    run(inputs, params, out, target, epilogue);
  };
  return { backend, seen };
}

async function compare<A extends nu.Tensor[]>(
  fn: (...args: A) => nu.Tensor,
  args: A,
  opts: { rtol?: number; atol?: number } = {},
) {
  const tol = { rtol: opts.rtol ?? 2e-5, atol: opts.atol ?? 2e-5 };
  const compiled = nu.jit(fn);
  const want = await fn(...args).toArray();
  for (let call = 0; call < 3; call++) { // the arena and the tiles, reused
    await assertAllClose(await compiled(...args).toArray(), want, tol);
  }
  const loss = (...xs: A) => nu.sum(nu.square(fn(...xs)));
  const grads = nu.grad(loss, { argnums: args.map((_, i) => i) });
  const compiledGrads = nu.jit(grads);
  const wantGrads = grads(...args) as nu.Tensor[];
  const gotGrads = compiledGrads(...args) as nu.Tensor[];
  for (let i = 0; i < args.length; i++) {
    await assertAllClose(await gotGrads[i].toArray(), await wantGrads[i].toArray(), {
      rtol: 1e-4,
      atol: 1e-4,
    });
  }
  return { compiled, compiledGrads };
}

Deno.test("jit epilogue: scale, bias and activation written over the product in place", async () => {
  const { backend, seen } = spiedBackend();
  const k = (i: number) => nu.key(i);
  const x = nu.normal(k(1), [8, 128, 64], { backend }); // a product of 8·128 rows: several tiles
  const w1 = nu.normal(k(2), [64, 256], { backend });
  const b = nu.normal(k(3), [256], { backend });
  const w2 = nu.normal(k(4), [256, 16], { backend });
  // The activation is the product's only reader, and its result feeds another product.
  const mlp = (x: nu.Tensor, w1: nu.Tensor, b: nu.Tensor, w2: nu.Tensor) =>
    nu.matmul(nu.tanh(nu.add(nu.mul(nu.matmul(x, w1), 0.125), b)), w2);
  const compiled = nu.jit(mlp);
  const want = await mlp(x, w1, b, w2).toArray();
  for (let call = 0; call < 3; call++) {
    await assertAllClose(await compiled(x, w1, b, w2).toArray(), want, { rtol: 2e-5, atol: 2e-5 });
  }
  assertTrue(compiled.lastStats!.epilogues >= 1, `epilogues: ${compiled.lastStats!.epilogues}`);
  assertTrue(
    seen.some((s) => s.product === "1024x256" && s.inPlace),
    `the activation overwrites its product: ${JSON.stringify(seen)}`,
  );
  await compare(mlp, [x, w1, b, w2]);
});

Deno.test("jit epilogue: a residual and a softmax over rows, beside a product that is reused", async () => {
  const { backend, seen } = spiedBackend();
  const x = nu.normal(nu.key(5), [512, 96], { backend });
  const w = nu.normal(nu.key(6), [96, 384], { backend });
  const r = nu.normal(nu.key(7), [512, 384], { backend });
  // The product is read twice (the residual sum and the softmax's second use): not in place.
  const f = (x: nu.Tensor, w: nu.Tensor, r: nu.Tensor) => {
    const h = nu.matmul(x, w);
    return nu.mul(nu.softmax(nu.add(nu.mul(h, 0.1), r), { axis: -1 }), nu.sigmoid(h));
  };
  await compare(f, [x, w, r]);
  assertTrue(seen.length > 0 && seen.every((s) => !s.inPlace || s.product !== "512x384"));
});

Deno.test("jit epilogue: batched and transposed products (attention scores, weight gradients)", async () => {
  const { backend, seen } = spiedBackend();
  const q = nu.normal(nu.key(8), [4, 4, 64, 32], { backend });
  const kk = nu.normal(nu.key(9), [4, 4, 64, 32], { backend });
  const v = nu.normal(nu.key(10), [4, 4, 64, 32], { backend });
  const attention = (q: nu.Tensor, k: nu.Tensor, v: nu.Tensor) => {
    const scores = nu.matmul(q, k, { transB: true });
    return nu.matmul(nu.softmax(nu.mul(scores, 32 ** -0.5), { axis: -1 }), v);
  };
  await compare(attention, [q, kk, v], { rtol: 1e-4, atol: 1e-5 });
  assertTrue(seen.some((s) => s.product === "4x4x64x64"), JSON.stringify(seen));
  // A weight gradient (transposed left operand) runs its epilogue after the whole product.
  const a = nu.normal(nu.key(11), [256, 48], { backend });
  const g = nu.normal(nu.key(12), [256, 40], { backend });
  const p = nu.normal(nu.key(13), [48, 40], { backend });
  const update = (a: nu.Tensor, g: nu.Tensor, p: nu.Tensor) =>
    nu.sub(p, nu.mul(nu.matmul(a, g, { transA: true }), 0.01));
  const { compiled } = await compare(update, [a, g, p]);
  assertEquals(compiled.lastStats!.epilogues, 1);
});
