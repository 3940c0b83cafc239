/**
 * The "Testing your own model" example (meant for the README): property-test a custom layer's
 * gradients and check a custom parameterization. A user copies this file and replaces the
 * relative imports with the URL of nugrad's `mod.ts` and `testing.ts`.
 */
import * as nu from "../../mod.ts";
import {
  assertAllClose,
  assertGradsClose,
  assertParameterization,
  fc,
  shapeArb,
  tensorArb,
} from "../../testing.ts";
import { compose, plain, widthExponent } from "../../param/mod.ts";

/** My layer: a gated residual, x + sigmoid(g) * tanh(x W). */
function gatedResidual(p: { w: nu.Tensor; g: nu.Tensor }, x: nu.Tensor): nu.Tensor {
  return nu.add(x, nu.mul(nu.sigmoid(p.g), nu.tanh(nu.matmul(x, p.w))));
}

Deno.test("my layer's gradients match finite differences", async () => {
  const width = 4;
  const inputs = fc.tuple(
    tensorArb([width, width], { domain: "bounded" }),
    tensorArb([width], { domain: "bounded" }),
    tensorArb(shapeArb({ minRank: 1, maxRank: 1, maxDim: 3 }).map((s) => [...s, width])),
  );
  // numRuns 25: each run checks 3 leaves × 3 directions, 18 forward passes.
  await fc.assert(
    fc.asyncProperty(inputs, async ([w, g, x]) => {
      using _s = nu.scope();
      const loss = (p: { w: nu.Tensor; g: nu.Tensor }, xs: nu.Tensor) =>
        nu.sum(nu.square(gatedResidual(p, xs)));
      await assertGradsClose(loss, [{ w: w.tensor(), g: g.tensor() }, x.tensor()]);
    }),
    { numRuns: 25 },
  );
});

Deno.test("my layer with a zero gate is the identity", async () => {
  using _s = nu.scope();
  const x = nu.normal(nu.key(0), [2, 4]);
  const p = { w: nu.normal(nu.key(1), [4, 4]), g: nu.full([4], -1e4) };
  await assertAllClose(gatedResidual(p, x), x);
});

Deno.test("my parameterization scales hidden learning rates as 1/width", () => {
  const mine = compose("mine", plain, widthExponent("hidden", -1));
  const report = assertParameterization(mine, {
    expectedExponents: { hidden: { lr: { width: -1, depth: 0, steps: 0 } } },
  });
  console.log(report.table);
});
