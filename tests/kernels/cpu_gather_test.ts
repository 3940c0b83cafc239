/** CPU gather / scatterAdd vs naive references, including out-of-range indices. */
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  assertAllClose,
  FLOAT_DTYPES,
  type Host,
  numel,
  ravel,
  runPrim,
  shapeArb,
  tensorArb,
  unravel,
} from "./cpu_naive.ts";

const cpu = createCpuBackend({ blas: false });

/** x, an axis of it, and i32 indices of any shape, some out of range (negative or too big). */
function gatherCase(dtype: "f32" | "f64" | "i32") {
  return shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
    fc.record({
      x: tensorArb(shape, dtype),
      axis: fc.integer({ min: 0, max: shape.length - 1 }),
      idxShape: shapeArb({ maxRank: 2 }),
    }).chain(({ x, axis, idxShape }) =>
      fc.array(fc.integer({ min: -2, max: shape[axis] + 1 }), {
        minLength: numel(idxShape),
        maxLength: numel(idxShape),
      }).map((ids): { x: Host; axis: number; idx: Host } => ({
        x,
        axis,
        idx: { data: ids, shape: idxShape, dtype: "i32" },
      }))
    )
  );
}

/** Output index -> (x index) split: pre + idx-index + post. */
function split(outIdx: number[], axis: number, idxRank: number) {
  return {
    pre: outIdx.slice(0, axis),
    t: outIdx.slice(axis, axis + idxRank),
    post: outIdx.slice(axis + idxRank),
  };
}

for (const dtype of [...FLOAT_DTYPES, "i32"] as const) {
  Deno.test(`gather (${dtype}): NumPy take; out-of-range indices read 0`, () => {
    fc.assert(fc.property(gatherCase(dtype), ({ x, axis, idx }) => {
      const out = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
      const want: number[] = [];
      for (let flat = 0; flat < numel(out); flat++) {
        const { pre, t, post } = split(unravel(flat, out), axis, idx.shape.length);
        const id = idx.data[ravel(t, idx.shape)];
        const ok = id >= 0 && id < x.shape[axis];
        want.push(ok ? x.data[ravel([...pre, id, ...post], x.shape)] : 0);
      }
      assertEquals(runPrim(cpu, "gather", [x, idx], { axis }, { shape: out, dtype }), want);
    }));
  });

  Deno.test(`scatterAdd (${dtype}): sums g into zeros; out-of-range indices are skipped`, () => {
    fc.assert(fc.property(
      gatherCase(dtype).chain(({ x, axis, idx }) => {
        const gShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
        return tensorArb(gShape, dtype).map((g) => ({ g, idx, axis, out: x.shape }));
      }),
      ({ g, idx, axis, out }) => {
        const want = new Array<number>(numel(out)).fill(0);
        for (let flat = 0; flat < numel(g.shape); flat++) {
          const { pre, t, post } = split(unravel(flat, g.shape), axis, idx.shape.length);
          const id = idx.data[ravel(t, idx.shape)];
          if (id >= 0 && id < out[axis]) want[ravel([...pre, id, ...post], out)] += g.data[flat];
        }
        const got = runPrim(cpu, "scatterAdd", [g, idx], { axis, size: out[axis] }, {
          shape: out,
          dtype,
        });
        assertAllClose(got, want.map((v) => (dtype === "f32" ? Math.fround(v) : v)), {
          rtol: 1e-12,
          atol: 1e-12,
        });
      },
    ));
  });
}

Deno.test("gather: wildly out-of-range indices never crash and read 0", () => {
  const x: Host = { data: [1, 2, 3, 4], shape: [2, 2], dtype: "f32" };
  const idx: Host = { data: [2147483647, -2147483648, 1, -1], shape: [4], dtype: "i32" };
  const got = runPrim(cpu, "gather", [x, idx], { axis: 1 }, { shape: [2, 4], dtype: "f32" });
  assertEquals(got, [0, 0, 2, 0, 0, 0, 4, 0]);
  const g: Host = { data: [1, 1, 1, 1, 1, 1, 1, 1], shape: [2, 4], dtype: "f32" };
  const back = runPrim(cpu, "scatterAdd", [g, idx], { axis: 1, size: 2 }, {
    shape: [2, 2],
    dtype: "f32",
  });
  assertEquals(back, [0, 1, 0, 1]);
});
