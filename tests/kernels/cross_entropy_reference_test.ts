/**
 * The fused cross-entropy kernels against an independent f64 reference written out here:
 * per row `log Σ exp(x_i) - x[target]` (log-sum-exp with the row's max taken out), and its
 * gradient `(softmax(x) - oneHot(target)) · g`, on the CPU backend (f32, f64) and on WebGPU (f32).
 * The backends are not compared with each other here: each is compared with the reference, so a
 * target read one class off in both is caught.
 */
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import * as nu from "../../mod.ts";
import { assertAllClose as assertTreeClose } from "../../testing/all_close.ts";
import { fc } from "../../testing/fc.ts";
import {
  assertAllClose,
  FLOAT_DTYPES,
  type Host,
  runPrim,
  shapeArb,
  store,
  tensorArb,
} from "./cpu_naive.ts";
import { gpuTest, runGpu } from "./webgpu_helpers.ts";
import { assertThrows } from "../../testing/assert.ts";

const cpu = createCpuBackend({ blas: false });

/** Per-row cross-entropy in f64: the max, the sum of exps, the log, minus the target's logit. */
function referenceLoss(x: Host, t: Host): number[] {
  const v = x.shape[x.shape.length - 1];
  return t.data.map((target, r) => {
    const row = x.data.slice(r * v, (r + 1) * v);
    if (!(target >= 0 && target < v)) return NaN;
    const max = Math.max(...row);
    let sum = 0;
    for (const z of row) sum += Math.exp(z - max);
    return max + Math.log(sum) - row[target];
  });
}

/** The gradient per row in f64: `(exp(x_i - lse) - [i == target]) · g`. */
function referenceGrad(x: Host, t: Host, g: Host): number[] {
  const v = x.shape[x.shape.length - 1];
  const out: number[] = [];
  t.data.forEach((target, r) => {
    const row = x.data.slice(r * v, (r + 1) * v);
    const max = Math.max(...row);
    let sum = 0;
    for (const z of row) sum += Math.exp(z - max);
    const lse = max + Math.log(sum);
    row.forEach((z, i) => out.push((Math.exp(z - lse) - (i === target ? 1 : 0)) * g.data[r]));
  });
  return out;
}

/** Logits `[...lead, V]` in [-20, 20], targets in range, a cotangent per row. */
function caseArb(dtype: "f32" | "f64") {
  return fc.tuple(
    shapeArb({ maxRank: 2 }),
    fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 60, max: 300 })),
  ).chain(([lead, v]) =>
    fc.tuple(
      tensorArb([...lead, v], dtype, { min: -20, max: 20 }),
      tensorArb(lead, "i32", { min: 0, max: v - 1 }),
      tensorArb(lead, dtype, 3),
    )
  );
}

const tol = (dtype: "f32" | "f64") =>
  dtype === "f32" ? { rtol: 2e-6, atol: 2e-5 } : { rtol: 1e-12, atol: 1e-12 };

for (const dtype of FLOAT_DTYPES) {
  Deno.test(`cpu crossEntropy (${dtype}): log-sum-exp minus the target's logit`, () => {
    fc.assert(fc.property(caseArb(dtype), ([x, t, g]) => {
      const loss = runPrim(cpu, "crossEntropy", [x, t], {}, { shape: t.shape, dtype });
      assertAllClose(loss, referenceLoss(x, t).map((v) => store(v, dtype)), tol(dtype));
      const grad = runPrim(cpu, "crossEntropyGrad", [x, t, g], {}, { shape: x.shape, dtype });
      assertAllClose(grad, referenceGrad(x, t, g).map((v) => store(v, dtype)), tol(dtype));
    }));
  });
}

Deno.test("cpu crossEntropy: a target outside [0, V) is refused, named with its row", () => {
  const x: Host = { data: [1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: "f64" };
  const t: Host = { data: [0, 1, 2], shape: [3], dtype: "i32" };
  assertThrows(
    () => runPrim(cpu, "crossEntropy", [x, t], {}, { shape: [3], dtype: "f64" }),
    "crossEntropy: target 2 at position [2] is out of range for 2 classes (valid: 0..1)",
  );
  const g: Host = { data: [1, 1, 1], shape: [3], dtype: "f64" };
  const neg: Host = { data: [-1, 1, 0], shape: [3], dtype: "i32" };
  assertThrows(
    () => runPrim(cpu, "crossEntropyGrad", [x, neg, g], {}, { shape: [3, 2], dtype: "f64" }),
    "crossEntropy: target -1 at position [0]",
  );
});

Deno.test("crossEntropy op: the mean over rows of the written-out reference", async () => {
  const x: Host = { data: [0.5, -1, 2, 3, 0, -2, 1, 1, 1], shape: [3, 3], dtype: "f64" };
  const t: Host = { data: [2, 0, 1], shape: [3], dtype: "i32" };
  const rows = referenceLoss(x, t);
  const logits = nu.tensor([[0.5, -1, 2], [3, 0, -2], [1, 1, 1]], { dtype: "f64" });
  const targets = nu.tensor([2, 0, 1], { dtype: "i32" });
  await assertTreeClose(nu.crossEntropy(logits, targets, { reduction: "none" }), rows, {
    rtol: 1e-12,
  });
  await assertTreeClose(nu.crossEntropy(logits, targets), (rows[0] + rows[1] + rows[2]) / 3, {
    rtol: 1e-12,
  });
  // d mean / d logits, through the rule's VJP, is the reference gradient with g = 1/3 per row.
  const grad = nu.grad((z: nu.Tensor) => nu.crossEntropy(z, targets))(logits);
  const third: Host = { data: [1 / 3, 1 / 3, 1 / 3], shape: [3], dtype: "f64" };
  await assertTreeClose(
    grad,
    nu.reshape(nu.tensor(referenceGrad(x, t, third), { dtype: "f64" }), [3, 3]),
    {
      rtol: 1e-12,
      atol: 1e-15,
    },
  );
});

gpuTest("webgpu crossEntropy (f32): log-sum-exp minus the target's logit", async (g) => {
  await fc.assert(
    fc.asyncProperty(caseArb("f32"), async ([x, t, ct]) => {
      const loss = await runGpu(g, "crossEntropy", [x, t], {}, { shape: t.shape, dtype: "f32" });
      assertAllClose(loss, referenceLoss(x, t).map((v) => store(v, "f32")), tol("f32"));
      const grad = await runGpu(g, "crossEntropyGrad", [x, t, ct], {}, {
        shape: x.shape,
        dtype: "f32",
      });
      assertAllClose(grad, referenceGrad(x, t, ct).map((v) => store(v, "f32")), tol("f32"));
    }),
    { numRuns: 40 }, // two device round trips per run
  );
});
