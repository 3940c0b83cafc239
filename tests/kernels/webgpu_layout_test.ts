/** WebGPU layout kernels (transpose, broadcast, slice, pad, concat) and gather/scatterAdd. */
import type { DType } from "../../kernels/backend.ts";
import { fc } from "../../testing/fc.ts";
import { compareWithCpu, gpuTest, runGpu, shapeArb, tensorArb } from "./webgpu_helpers.ts";
import { assertEquals } from "../../testing/assert.ts";
import * as nu from "../../mod.ts";

const dtypeArb = fc.constantFrom<DType>("f32", "i32", "bool");

gpuTest("webgpu transpose: any permutation matches the CPU", async (g) => {
  const arb = fc.tuple(shapeArb({ maxRank: 5 }), dtypeArb).chain(([shape, dtype]) =>
    fc.tuple(
      tensorArb(shape, dtype),
      fc.shuffledSubarray(shape.map((_, i) => i), {
        minLength: shape.length,
        maxLength: shape.length,
      }),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([x, perm]) => {
      const shape = perm.map((p) => x.shape[p]);
      await compareWithCpu(g, "transpose", [x], { perm }, { shape, dtype: x.dtype });
    }),
  );
});

gpuTest("webgpu broadcast: size-1 axes expand like the CPU", async (g) => {
  const arb = fc.tuple(shapeArb(), dtypeArb).chain(([out, dtype]) =>
    fc.tuple(
      fc.constant(out),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })
        .chain((ones) => tensorArb(out.map((d, i) => (ones[i] ? 1 : d)), dtype)),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([out, x]) => {
      await compareWithCpu(g, "broadcast", [x], { shape: out }, { shape: out, dtype: x.dtype });
    }),
  );
});

gpuTest("webgpu slice: any window matches the CPU", async (g) => {
  const arb = fc.tuple(shapeArb({ maxDim: 5 }), dtypeArb).chain(([shape, dtype]) =>
    fc.tuple(
      tensorArb(shape, dtype),
      fc.tuple(...shape.map((d) =>
        fc.integer({ min: 0, max: d }).chain((s) =>
          fc.tuple(fc.constant(s), fc.integer({ min: 0, max: d - s }))
        )
      )),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([x, windows]) => {
      const starts = windows.map((w) => w[0]);
      const sizes = windows.map((w) => w[1]);
      await compareWithCpu(g, "slice", [x], { starts, sizes }, { shape: sizes, dtype: x.dtype });
    }),
  );
});

gpuTest("webgpu pad: zero padding before and after matches the CPU", async (g) => {
  const arb = fc.tuple(shapeArb(), dtypeArb).chain(([shape, dtype]) =>
    fc.tuple(
      tensorArb(shape, dtype),
      fc.array(fc.integer({ min: 0, max: 2 }), {
        minLength: shape.length,
        maxLength: shape.length,
      }),
      fc.array(fc.integer({ min: 0, max: 2 }), {
        minLength: shape.length,
        maxLength: shape.length,
      }),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([x, before, after]) => {
      const shape = x.shape.map((d, i) => d + before[i] + after[i]);
      await compareWithCpu(g, "pad", [x], { before, after }, { shape, dtype: x.dtype });
    }),
  );
});

gpuTest("webgpu concat: 1-4 inputs along any axis match the CPU", async (g) => {
  const arb = fc.tuple(shapeArb({ minRank: 1 }), dtypeArb).chain(([shape, dtype]) =>
    fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
      fc.tuple(
        fc.constant(axis),
        fc.array(
          fc.integer({ min: 0, max: 3 }).chain((len) =>
            tensorArb(shape.map((d, i) => (i === axis ? len : d)), dtype)
          ),
          { minLength: 1, maxLength: 4 },
        ),
      )
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([axis, xs]) => {
      const shape = xs[0].shape.map((d, i) =>
        i === axis ? xs.reduce((a, x) => a + x.shape[axis], 0) : d
      );
      await compareWithCpu(g, "concat", xs, { axis }, { shape, dtype: xs[0].dtype });
    }),
  );
});

/**
 * A tensor, an axis, and i32 indices in `[0, len)` (an out-of-range index is an error on the
 * CPU; on WebGPU it reads 0 unchecked and is reported when checked: see the test below).
 */
const gatherCase = fc.tuple(shapeArb({ minRank: 1 }), fc.constantFrom<DType>("f32", "i32"))
  .chain(([shape, dtype]) =>
    fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
      fc.tuple(
        tensorArb(shape, dtype),
        fc.constant(axis),
        shapeArb({ maxRank: 2 }).chain((ish) =>
          tensorArb(ish, "i32", { min: 0, max: Math.max(0, shape[axis] - 1) })
        ),
      )
    )
  ).filter(([x, axis, idx]) => x.shape[axis] > 0 || idx.data.length === 0);

gpuTest("webgpu gather: unchecked, out-of-range indices read 0 and stay in bounds", async (g) => {
  const before = nu.checks({ indices: false });
  const x = { data: [1, 2, 3, 4], shape: [2, 2], dtype: "f32" as const };
  const idx = { data: [2147483647, -2147483648, 1, -1], shape: [4], dtype: "i32" as const };
  const got = await runGpu(g, "gather", [x, idx], { axis: 1 }, { shape: [2, 4], dtype: "f32" });
  assertEquals([...got], [0, 0, 2, 0, 0, 0, 4, 0]);
  const gr = { data: [1, 1, 1, 1, 1, 1, 1, 1], shape: [2, 4], dtype: "f32" as const };
  const back = await runGpu(g, "scatterAdd", [gr, idx], { axis: 1, size: 2 }, {
    shape: [2, 2],
    dtype: "f32",
  });
  assertEquals([...back], [0, 1, 0, 1]);
  nu.checks(before);
});

gpuTest("webgpu gather: NumPy take matches the CPU", async (g) => {
  await fc.assert(
    fc.asyncProperty(gatherCase, async ([x, axis, idx]) => {
      const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
      await compareWithCpu(g, "gather", [x, idx], { axis }, { shape, dtype: x.dtype });
    }),
  );
});

gpuTest("webgpu scatterAdd: the transpose of gather matches the CPU", async (g) => {
  const arb = gatherCase.chain(([x, axis, idx]) => {
    const gshape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
    return fc.tuple(
      fc.constant(x),
      fc.constant(axis),
      fc.constant(idx),
      tensorArb(gshape, x.dtype),
    );
  });
  await fc.assert(
    fc.asyncProperty(arb, async ([x, axis, idx, gr]) => {
      const size = x.shape[axis];
      await compareWithCpu(g, "scatterAdd", [gr, idx], { axis, size }, {
        shape: x.shape,
        dtype: x.dtype,
      }, { rtol: 1e-5, atol: 1e-5 });
    }),
  );
});
