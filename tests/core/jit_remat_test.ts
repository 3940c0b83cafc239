/**
 * Recomputation in the compiled program (`core/jit/remat.ts`): the gradient of a SwiGLU block
 * reads the forward's sigmoid, its product and scaled products; the compiled program computes
 * them again in the backward kernels instead of storing them (its stats say how many readers
 * do), and agrees with eager execution, values and gradients, on every call (arena reused).
 */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { rematerialize } from "../../core/jit/remat.ts";
import type { TraceStep } from "../../core/jit/trace_backend.ts";

function swiglu(x: nu.Tensor, wu: nu.Tensor, wv: nu.Tensor, wo: nu.Tensor, s: nu.Tensor) {
  const u = nu.mul(nu.matmul(x, wu), s);
  const v = nu.matmul(x, wv);
  const h = nu.mul(nu.mul(u, nu.sigmoid(u)), v);
  return nu.matmul(h, wo);
}

Deno.test("jit: a SwiGLU gradient recomputes forward values in its backward kernels, as eager", async () => {
  const [k1, k2, k3, k4, k5, k6] = nu.split(nu.key(7), 6);
  const x = nu.normal(k1, [128, 32]);
  const wu = nu.normal(k2, [32, 96], { std: 0.3 });
  const wv = nu.normal(k3, [32, 96], { std: 0.3 });
  const wo = nu.normal(k4, [96, 32], { std: 0.3 });
  const s = nu.normal(k5, [96], { mean: 1, std: 0.2 });
  const target = nu.normal(k6, [128, 32]);
  const loss = (wu: nu.Tensor, wv: nu.Tensor, wo: nu.Tensor, s: nu.Tensor) =>
    nu.mean(nu.square(nu.sub(swiglu(x, wu, wv, wo, s), target)));
  const grads = nu.valueAndGrad(loss, { argnums: [0, 1, 2, 3] });
  const compiled = nu.jit(grads);
  const [wantLoss, wantGrads] = grads(wu, wv, wo, s) as [nu.Tensor, nu.Tensor[]];
  for (let call = 0; call < 3; call++) {
    const [gotLoss, gotGrads] = compiled(wu, wv, wo, s) as [nu.Tensor, nu.Tensor[]];
    await assertAllClose(await gotLoss.toArray(), await wantLoss.toArray(), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    for (let i = 0; i < 4; i++) {
      await assertAllClose(await gotGrads[i].toArray(), await wantGrads[i].toArray(), {
        rtol: 1e-4,
        atol: 1e-5,
      });
    }
  }
  const stats = compiled.lastStats!;
  assertTrue(
    stats.recomputed > 0,
    `no backward kernel recomputes a value: ${JSON.stringify(stats)}`,
  );
});

Deno.test("jit: a value made with exp is stored below the backend's size and recomputed from it", () => {
  const f32 = "f32" as const;
  const whole = { dtype: f32, strides: [1], offset: 0 };
  const load = (input: number) => ({ fn: "load" as const, input, dtype: f32 });
  const steps = (n: number, fn: "exp" | "neg", view = whole): TraceStep[] => [
    {
      kind: "fused",
      inputs: [0],
      outputs: [1],
      kernel: {
        shape: [n],
        inputs: [view],
        nodes: [load(0), { fn, args: [0], dtype: f32 }],
        outputs: [1],
      },
    },
    {
      kind: "prim",
      prim: "matmul",
      inputs: [],
      params: { transA: false, transB: false },
      out: 2,
      spec: { shape: [n], dtype: f32 },
    },
    {
      kind: "fused",
      inputs: [1, 2],
      outputs: [3],
      kernel: {
        shape: [n],
        inputs: [whole, whole],
        nodes: [load(0), load(1), { fn: "mul", args: [0, 1], dtype: f32 }],
        outputs: [2],
      },
    },
  ];
  const n = 8192;
  const outputs = new Set([3]);
  // exp over n elements: stored where the limit is above n, recomputed from n on.
  assertEquals(rematerialize(steps(n, "exp"), outputs, Infinity, n + 1).recomputed, 0);
  assertEquals(rematerialize(steps(n, "exp"), outputs, Infinity, n).recomputed, 1);
  assertEquals(rematerialize(steps(n, "exp"), outputs).recomputed, 1);
  // A cheap value is recomputed whatever the limit, and so is the exp of a broadcast scalar
  // (one exp a kernel).
  assertEquals(rematerialize(steps(n, "neg"), outputs, Infinity, n + 1).recomputed, 1);
  const scalar = { dtype: f32, strides: [0], offset: 0 };
  assertEquals(rematerialize(steps(n, "exp", scalar), outputs, Infinity, n + 1).recomputed, 1);
});
