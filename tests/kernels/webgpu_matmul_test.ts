/** WebGPU matmul (tiled and thin paths, transposes, broadcast batches) against the CPU backend. */
import { fc } from "../../testing/fc.ts";
import {
  broadcastableArb,
  compareWithCpu,
  gpuTest,
  shapeArb,
  tensorArb,
} from "./webgpu_helpers.ts";

const dim = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }));

const matmulCase = fc.record({
  m: dim,
  n: dim,
  k: dim,
  transA: fc.boolean(),
  transB: fc.boolean(),
  batch: shapeArb({ maxRank: 2, maxDim: 3 }),
}).chain((c) =>
  fc.tuple(fc.constant(c), broadcastableArb(c.batch), broadcastableArb(c.batch)).chain((
    [c, ba, bb],
  ) =>
    fc.tuple(
      fc.constant(c),
      tensorArb([...ba, ...(c.transA ? [c.k, c.m] : [c.m, c.k])], "f32", { min: -2, max: 2 }),
      tensorArb([...bb, ...(c.transB ? [c.n, c.k] : [c.k, c.n])], "f32", { min: -2, max: 2 }),
    )
  )
);

gpuTest("webgpu matmul: any sizes, transposes and broadcast batches match the CPU", async (g) => {
  await fc.assert(
    fc.asyncProperty(matmulCase, async ([c, a, b]) => {
      await compareWithCpu(g, "matmul", [a, b], { transA: c.transA, transB: c.transB }, {
        shape: [...c.batch, c.m, c.n],
        dtype: "f32",
      }, { rtol: 1e-4, atol: 1e-4 });
    }),
  );
});

gpuTest("webgpu matmul: i32 operands use the simple kernel exactly", async (g) => {
  const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) =>
    fc.tuple(tensorArb([m, k], "i32", { min: -5, max: 5 }), tensorArb([k, n], "i32"))
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([a, b]) => {
      await compareWithCpu(g, "matmul", [a, b], { transA: false, transB: false }, {
        shape: [a.shape[0], b.shape[1]],
        dtype: "i32",
      }, { rtol: 0, atol: 0 });
    }),
    { numRuns: 30 },
  );
});
