/** WebGPU logSoftmax (its lowering: two fused row kernels) against the CPU. */
import { assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { compareWithCpu, gpuTest, numel, shapeArb, tensorArb } from "./webgpu_helpers.ts";

/** Leading dims giving 1..~100 rows, a last dim short, a multiple of 4, or long. */
const shapeCase = fc.tuple(
  shapeArb({ maxRank: 2, maxDim: 10 }),
  fc.oneof(
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 40 }).map((q) => 4 * q),
    fc.integer({ min: 60, max: 400 }),
  ),
).map(([lead, last]) => [...lead, last]);

gpuTest("webgpu logSoftmax: matches the CPU, exp sums to one", async (g) => {
  const arb = shapeCase.chain((shape) => tensorArb(shape, "f32", { min: -30, max: 30 }));
  await fc.assert(
    fc.asyncProperty(arb, async (x) => {
      const got = await compareWithCpu(g, "logSoftmax", [x], {}, {
        shape: x.shape,
        dtype: "f32",
      }, { rtol: 1e-5, atol: 1e-5 });
      const n = x.shape[x.shape.length - 1];
      for (let r = 0; r < numel(x.shape) / n; r++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += Math.exp(got[r * n + j]);
        assertTrue(Math.abs(s - 1) < 1e-4, `row ${r} sums to ${s}`);
      }
    }),
  );
});
