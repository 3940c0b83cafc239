/** CPU gather / scatterAdd vs naive references; out-of-range indices are refused, named. */
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
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

/** The first out-of-range index and its flat position, or null when all are in range. */
function firstBad(ids: readonly number[], bound: number) {
  const at = ids.findIndex((id) => !(id >= 0 && id < bound));
  return at < 0 ? null : { id: ids[at], at };
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
  Deno.test(`gather (${dtype}): NumPy take; an out-of-range index is refused`, () => {
    fc.assert(fc.property(gatherCase(dtype), ({ x, axis, idx }) => {
      const out = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
      const bad = firstBad(idx.data, x.shape[axis]);
      if (bad !== null) {
        const where = unravel(bad.at, idx.shape).join(",");
        assertThrows(
          () => runPrim(cpu, "gather", [x, idx], { axis }, { shape: out, dtype }),
          `gather: index ${bad.id} at position [${where}] is out of range`,
        );
        return;
      }
      const want: number[] = [];
      for (let flat = 0; flat < numel(out); flat++) {
        const { pre, t, post } = split(unravel(flat, out), axis, idx.shape.length);
        const id = idx.data[ravel(t, idx.shape)];
        want.push(x.data[ravel([...pre, id, ...post], x.shape)]);
      }
      assertEquals(runPrim(cpu, "gather", [x, idx], { axis }, { shape: out, dtype }), want);
    }));
  });

  Deno.test(`scatterAdd (${dtype}): sums g into zeros; an out-of-range index is refused`, () => {
    fc.assert(fc.property(
      gatherCase(dtype).chain(({ x, axis, idx }) => {
        const gShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
        return tensorArb(gShape, dtype).map((g) => ({ g, idx, axis, out: x.shape }));
      }),
      ({ g, idx, axis, out }) => {
        const bad = firstBad(idx.data, out[axis]);
        if (bad !== null) {
          assertThrows(
            () =>
              runPrim(cpu, "scatterAdd", [g, idx], { axis, size: out[axis] }, {
                shape: out,
                dtype,
              }),
            `scatterAdd: index ${bad.id} at position`,
          );
          return;
        }
        const want = new Array<number>(numel(out)).fill(0);
        for (let flat = 0; flat < numel(g.shape); flat++) {
          const { pre, t, post } = split(unravel(flat, g.shape), axis, idx.shape.length);
          const id = idx.data[ravel(t, idx.shape)];
          want[ravel([...pre, id, ...post], out)] += g.data[flat];
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

Deno.test("gather/scatterAdd: extreme indices are refused with the op, index, position and bound", () => {
  const x: Host = { data: [1, 2, 3, 4], shape: [2, 2], dtype: "f32" };
  const idx: Host = { data: [1, 2147483647, -2147483648, -1], shape: [2, 2], dtype: "i32" };
  assertThrows(
    () => runPrim(cpu, "gather", [x, idx], { axis: 1 }, { shape: [2, 2, 2], dtype: "f32" }),
    "gather: index 2147483647 at position [0,1] is out of range for axis 1 of size 2 (valid: 0..1)",
  );
  const g: Host = { data: [1, 1, 1, 1], shape: [4], dtype: "f32" };
  const neg: Host = { data: [0, 1, -1, 0], shape: [4], dtype: "i32" };
  assertThrows(
    () => runPrim(cpu, "scatterAdd", [g, neg], { axis: 0, size: 2 }, { shape: [2], dtype: "f32" }),
    "scatterAdd: index -1 at position [2] is out of range for a result of 2 rows",
  );
});
