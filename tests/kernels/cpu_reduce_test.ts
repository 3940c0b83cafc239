/** Properties of the CPU reductions and logSoftmax against naive references. */
import type { DType } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  assertAllClose,
  FLOAT_DTYPES,
  type Host,
  numel,
  ravel,
  runPrim,
  shapeArb,
  store,
  tensorArb,
  unravel,
} from "./cpu_naive.ts";

const cpu = createCpuBackend({ blas: false });

/** A tensor plus a sorted unique subset of its axes. */
function reduceCase(dtype: DType) {
  return shapeArb({ maxRank: 4 }).chain((shape) =>
    fc.tuple(
      tensorArb(shape, dtype),
      fc.subarray(shape.map((_, i) => i)),
    )
  );
}

/** Reduce index by index: each input element goes to its output cell. */
function naiveReduce(
  x: Host,
  axes: number[],
  init: number,
  f: (acc: number, v: number) => number,
): { shape: number[]; data: number[] } {
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = new Array<number>(numel(shape)).fill(init);
  for (let flat = 0; flat < numel(x.shape); flat++) {
    const idx = unravel(flat, x.shape);
    const o = ravel(idx.map((v, i) => (axes.includes(i) ? 0 : v)), shape);
    data[o] = f(data[o], x.data[flat]);
  }
  return { shape, data };
}

Deno.test("reduceSum: any axes subset matches the naive sum (f32, f64, i32)", () => {
  for (const dtype of [...FLOAT_DTYPES, "i32"] as const) {
    fc.assert(fc.property(reduceCase(dtype), ([x, axes]) => {
      const want = naiveReduce(x, axes, 0, (a, v) => a + v);
      const got = runPrim(cpu, "reduceSum", [x], { axes }, { shape: want.shape, dtype });
      assertAllClose(got, want.data.map((v) => store(v, dtype)), { rtol: 1e-6, atol: 1e-5 });
    }));
  }
});

Deno.test("reduceMax: any axes subset matches the naive max (f32, f64, i32)", () => {
  for (const dtype of [...FLOAT_DTYPES, "i32"] as const) {
    // A max over an empty axis has no value (NumPy raises; nugrad's `max` op throws before the
    // primitive runs, see tests/core/empty_test.ts), so the kernel is not asked for one: empty
    // tensors appear here only with their size-0 axes kept.
    const nonEmptyAxes = reduceCase(dtype).filter(([x, axes]) => axes.every((a) => x.shape[a] > 0));
    fc.assert(fc.property(nonEmptyAxes, ([x, axes]) => {
      const want = naiveReduce(x, axes, -Infinity, Math.max);
      const got = runPrim(cpu, "reduceMax", [x], { axes }, { shape: want.shape, dtype });
      assertAllClose(got, want.data); // exact, except that -0 and 0 tie
    }));
  }
});

Deno.test("reduceSum: f32 accumulates in f64 (large rows, leading and last axes)", () => {
  const n = 1 << 16;
  const x: Host = { data: new Array(2 * n).fill(0.1), shape: [2, n], dtype: "f32" };
  const want = Math.fround(0.1) * n;
  for (const v of runPrim(cpu, "reduceSum", [x], { axes: [1] }, { shape: [2, 1], dtype: "f32" })) {
    assertAllClose([v], [want], { rtol: 1e-7 });
  }
  const xt: Host = { data: x.data, shape: [n, 2], dtype: "f32" };
  for (const v of runPrim(cpu, "reduceSum", [xt], { axes: [0] }, { shape: [1, 2], dtype: "f32" })) {
    assertAllClose([v], [want], { rtol: 1e-7 });
  }
});

Deno.test("reduceMax: NaN propagates", () => {
  const x: Host = { data: [1, NaN, 3, 2], shape: [2, 2], dtype: "f64" };
  const got = runPrim(cpu, "reduceMax", [x], { axes: [1] }, { shape: [2, 1], dtype: "f64" });
  assertTrue(Number.isNaN(got[0]) && got[1] === 3, `got ${got}`);
});

Deno.test("logSoftmax: matches x - logsumexp(x) row by row; rows exponentiate to 1", () => {
  for (const dtype of FLOAT_DTYPES) {
    const tol = dtype === "f32" ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 };
    fc.assert(
      fc.property(shapeArb({ minRank: 1 }).chain((s) => tensorArb(s, dtype, 50)), (x) => {
        const got = runPrim(cpu, "logSoftmax", [x], {}, { shape: x.shape, dtype });
        const n = x.shape[x.shape.length - 1];
        const want: number[] = [];
        for (let r = 0; r < numel(x.shape) / n; r++) {
          const row = x.data.slice(r * n, (r + 1) * n);
          const m = Math.max(...row);
          const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
          for (const v of row) want.push(store(v - lse, dtype));
          const total = got.slice(r * n, (r + 1) * n).reduce((s, v) => s + Math.exp(v), 0);
          assertAllClose([total], [1], tol);
        }
        assertAllClose(got, want, tol);
      }),
    );
  }
});

Deno.test("logSoftmax: stable for huge logits", () => {
  const x: Host = { data: [1000, 1000, -1000], shape: [1, 3], dtype: "f32" };
  const got = runPrim(cpu, "logSoftmax", [x], {}, { shape: [1, 3], dtype: "f32" });
  assertAllClose(got, [-Math.LN2, -Math.LN2, -2000 - Math.LN2].map(Math.fround), { rtol: 1e-6 });
});
