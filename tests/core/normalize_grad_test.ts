/**
 * Gradients of unit-norm normalization beyond matrices, against f64 central finite differences:
 * `l2Normalize` along every axis of rank-3 and rank-4 tensors (the model's [batch, time, head,
 * dim] activations), with and without `eps`, and `normalizeAlong` (the optimizer's sphere
 * projection, matrices only) against `l2Normalize` in value and gradient.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, assertGradsClose, fc, shapeArb, tensorArb } from "../../testing.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";

/** `x / sqrt(sum(x²) + eps)` written out with elementwise ops and a sum (not the primitive). */
const composed = (x: nu.Tensor, axis: 0 | -1, eps: number) =>
  nu.mul(x, nu.rsqrt(nu.add(nu.sum(nu.mul(x, x), { axis, keepdims: true }), eps)));

const rank3or4 = shapeArb({ minRank: 3, maxRank: 4, maxDim: 3, maxSize: 24 });

Deno.test("l2Normalize on rank 3-4: gradient along any axis matches finite differences", async () => {
  const arb = rank3or4.chain((shape) =>
    fc.tuple(
      tensorArb(shape, { dtype: "f64", domain: "any", awayFrom: [0], margin: 0.2 }),
      tensorArb(shape, { dtype: "f64" }),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.constantFrom(0, 0.5),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([x, w, axis, eps]) => {
      using _s = nu.scope();
      // A weighted sum, so the gradient is not the (often tiny) gradient of a plain sum.
      const loss = (t: nu.Tensor, weights: nu.Tensor) =>
        nu.sum(nu.mul(nu.l2Normalize(t, { axis, eps }), weights));
      await assertGradsClose(loss, [x.tensor(), w.tensor()]);
    }),
    { numRuns: 40 },
  );
});

Deno.test("normalizeAlong (the primitive) equals x / sqrt(sum x² + eps) written out, in value and gradient", async () => {
  const arb = shapeArb({ minRank: 2, maxRank: 2, maxDim: 4 }).chain((shape) =>
    fc.tuple(
      tensorArb(shape, { dtype: "f64", domain: "any", awayFrom: [0], margin: 0.2 }),
      tensorArb(shape, { dtype: "f64" }),
      fc.constantFrom<0 | -1>(0, -1),
      fc.constantFrom(0, 0.5),
    )
  );
  await fc.assert(fc.asyncProperty(arb, async ([xs, ws, axis, eps]) => {
    using _s = nu.scope();
    const x = xs.tensor(), w = ws.tensor();
    await assertAllClose(normalizeAlong(x, axis, { eps }), composed(x, axis, eps), {
      rtol: 1e-12,
      atol: 1e-14,
    });
    const viaPrimitive = nu.grad((t: nu.Tensor) =>
      nu.sum(nu.mul(normalizeAlong(t, axis, { eps }), w))
    )(x);
    const viaOps = nu.grad((t: nu.Tensor) => nu.sum(nu.mul(composed(t, axis, eps), w)))(x);
    await assertAllClose(viaPrimitive, viaOps, { rtol: 1e-10, atol: 1e-12 });
  }));
});
