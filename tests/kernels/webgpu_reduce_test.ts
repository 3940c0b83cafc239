/** WebGPU reductions and the fused cross-entropy against the CPU backend (logSoftmax: webgpu_softmax_test.ts). */
import type { DType } from "../../kernels/backend.ts";
import { fc } from "../../testing/fc.ts";
import { compareWithCpu, gpuTest, shapeArb, tensorArb } from "./webgpu_helpers.ts";

/** Small leading dims, and a last dim that is sometimes long (the workgroup-per-row path). */
const reduceShape = fc.tuple(
  shapeArb({ maxRank: 3 }),
  fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 60, max: 700 })),
).map(([lead, last]) => [...lead, last]);

const reduceCase = fc.tuple(reduceShape, fc.constantFrom<DType>("f32", "i32")).chain((
  [shape, dtype],
) =>
  fc.tuple(
    tensorArb(shape, dtype),
    fc.oneof(
      fc.subarray(shape.map((_, i) => i)),
      // trailing axes: the shared-memory path
      fc.integer({ min: 1, max: shape.length }).map((k) =>
        shape.map((_, i) => i).slice(shape.length - k)
      ),
    ),
  )
);

for (const prim of ["reduceSum", "reduceMax"] as const) {
  gpuTest(`webgpu ${prim}: any axes, both paths, f32 and i32 match the CPU`, async (g) => {
    await fc.assert(
      // reduceMax over an empty axis has no value (the `max` op throws before it runs; the
      // backends' placeholders differ: i32 0 on the CPU, INT_MIN on WebGPU): not asked for.
      fc.asyncProperty(
        prim === "reduceMax"
          ? reduceCase.filter(([x, axes]) => axes.every((a) => x.shape[a] > 0))
          : reduceCase,
        async ([x, axes]) => {
          const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
          await compareWithCpu(g, prim, [x], { axes }, { shape, dtype: x.dtype }, {
            rtol: 1e-5,
            atol: 1e-4,
          });
        },
      ),
    );
  });
}

gpuTest("webgpu reduceSum: a zero-size axis gives zeros", async (g) => {
  await compareWithCpu(g, "reduceSum", [{ data: [], shape: [3, 0], dtype: "f32" }], {
    axes: [1],
  }, { shape: [3, 1], dtype: "f32" });
});

/** Logits `[...lead, V]` (V sometimes long: several rows per workgroup loop), targets in range, a cotangent. */
const crossEntropyCase = fc.tuple(
  shapeArb({ maxRank: 2 }),
  fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 60, max: 300 })),
)
  .chain(([lead, v]) =>
    fc.tuple(
      tensorArb([...lead, v], "f32", { min: -20, max: 20 }),
      tensorArb(lead, "i32", { min: 0, max: v - 1 }),
      tensorArb(lead, "f32"),
    )
  );

gpuTest("webgpu crossEntropy and crossEntropyGrad: rows match the CPU", async (g) => {
  await fc.assert(
    fc.asyncProperty(crossEntropyCase, async ([x, t, ct]) => {
      await compareWithCpu(g, "crossEntropy", [x, t], {}, { shape: t.shape, dtype: "f32" }, {
        rtol: 1e-5,
        atol: 1e-5,
      });
      await compareWithCpu(
        g,
        "crossEntropyGrad",
        [x, t, ct],
        {},
        { shape: x.shape, dtype: "f32" },
        {
          rtol: 1e-5,
          atol: 1e-5,
        },
      );
    }),
    { numRuns: 50 }, // each run compiles nothing new but costs two device round trips (~25 ms)
  );
});
