/** CPU data-movement kernels (transpose, broadcast, slice, pad, concat) vs naive index maps. */
import type { DType } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { type Host, numel, ravel, runPrim, shapeArb, tensorArb, unravel } from "./cpu_naive.ts";

const cpu = createCpuBackend({ blas: false });
const DTYPES: readonly DType[] = ["f32", "f64", "i32", "bool"];

/** out[flat] = x[source(outIdx)], or 0 where `source` returns null. */
function naiveGather(
  x: Host,
  outShape: number[],
  source: (outIdx: number[]) => number[] | null,
): number[] {
  const res: number[] = [];
  for (let flat = 0; flat < numel(outShape); flat++) {
    const src = source(unravel(flat, outShape));
    res.push(src === null ? 0 : x.data[ravel(src, x.shape)]);
  }
  return res;
}

for (const dtype of DTYPES) {
  const stored = (s: number[]) => tensorArb(s, dtype).map((x) => ({ ...x, data: fixBool(x) }));
  const fixBool = (x: Host) => (dtype === "bool" ? x.data.map((v) => (v !== 0 ? 1 : 0)) : x.data);
  const anyTensor = shapeArb({ minDim: 0 }).chain(stored);

  Deno.test(`transpose (${dtype}): out[idx] = x[idx permuted back]`, () => {
    fc.assert(fc.property(
      anyTensor.chain((x) =>
        fc.shuffledSubarray(x.shape.map((_, i) => i), {
          minLength: x.shape.length,
          maxLength: x.shape.length,
        }).map((perm) => ({ x, perm }))
      ),
      ({ x, perm }) => {
        const out = perm.map((p) => x.shape[p]);
        const want = naiveGather(x, out, (idx) => {
          const src = new Array<number>(perm.length);
          perm.forEach((p, i) => (src[p] = idx[i]));
          return src;
        });
        assertEquals(runPrim(cpu, "transpose", [x], { perm }, { shape: out, dtype }), want);
      },
    ));
  });

  Deno.test(`broadcast (${dtype}): size-1 axes repeat`, () => {
    fc.assert(fc.property(
      shapeArb().chain((out) =>
        fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })
          .chain((ones) => stored(out.map((d, i) => (ones[i] ? 1 : d))))
          .map((x) => ({ x, out }))
      ),
      ({ x, out }) => {
        const want = naiveGather(x, out, (idx) => idx.map((v, i) => (x.shape[i] === 1 ? 0 : v)));
        assertEquals(runPrim(cpu, "broadcast", [x], { shape: out }, { shape: out, dtype }), want);
      },
    ));
  });

  Deno.test(`slice (${dtype}): a window of the input`, () => {
    fc.assert(fc.property(
      anyTensor.chain((x) =>
        fc.tuple(
          ...x.shape.map((d) =>
            fc.integer({ min: 0, max: d }).chain((start) =>
              fc.integer({ min: 0, max: d - start }).map((len) => [start, len])
            )
          ),
        ).map((win) => ({ x, starts: win.map((w) => w[0]), out: win.map((w) => w[1]) }))
      ),
      ({ x, starts, out }) => {
        const want = naiveGather(x, out, (idx) => idx.map((v, i) => v + starts[i]));
        assertEquals(
          runPrim(cpu, "slice", [x], { starts, sizes: out }, { shape: out, dtype }),
          want,
        );
      },
    ));
  });

  Deno.test(`pad (${dtype}): zeros around the input`, () => {
    fc.assert(fc.property(
      anyTensor.chain((x) =>
        fc.tuple(...x.shape.map(() => fc.tuple(fc.nat(2), fc.nat(2))))
          .map((pads) => ({ x, before: pads.map((p) => p[0]), after: pads.map((p) => p[1]) }))
      ),
      ({ x, before, after }) => {
        const out = x.shape.map((d, i) => before[i] + d + after[i]);
        const want = naiveGather(x, out, (idx) => {
          const src = idx.map((v, i) => v - before[i]);
          return src.every((v, i) => v >= 0 && v < x.shape[i]) ? src : null;
        });
        assertEquals(runPrim(cpu, "pad", [x], { before, after }, { shape: out, dtype }), want);
      },
    ));
  });

  Deno.test(`concat (${dtype}): inputs side by side along an axis`, () => {
    fc.assert(fc.property(
      shapeArb({ minRank: 1 }).chain((base) =>
        fc.tuple(
          fc.integer({ min: 0, max: base.length - 1 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        ).chain(([axis, sizes]) =>
          fc.tuple(...sizes.map((s) => stored(base.map((d, i) => (i === axis ? s : d)))))
            .map((xs) => ({ axis, xs: xs as Host[], base }))
        )
      ),
      ({ axis, xs, base }) => {
        const out = base.map((d, i) => (i === axis ? xs.reduce((s, x) => s + x.shape[i], 0) : d));
        const want: number[] = [];
        for (let flat = 0; flat < numel(out); flat++) {
          const idx = unravel(flat, out);
          let at = idx[axis], t = 0;
          while (at >= xs[t].shape[axis]) at -= xs[t++].shape[axis];
          want.push(xs[t].data[ravel(idx.map((v, i) => (i === axis ? at : v)), xs[t].shape)]);
        }
        assertEquals(runPrim(cpu, "concat", xs, { axis }, { shape: out, dtype }), want);
      },
    ));
  });
}

Deno.test("layout: long contiguous runs (TypedArray.set path) copy correctly", () => {
  const n = 300;
  const x: Host = { data: Array.from({ length: 2 * n }, (_, i) => i), shape: [2, n], dtype: "f32" };
  const got = runPrim(cpu, "slice", [x], { starts: [1, 100], sizes: [1, 150] }, {
    shape: [1, 150],
    dtype: "f32",
  });
  assertEquals(got, x.data.slice(n + 100, n + 250));
  const both = runPrim(cpu, "concat", [x, x], { axis: 1 }, { shape: [2, 2 * n], dtype: "f32" });
  assertEquals(both, [
    ...x.data.slice(0, n),
    ...x.data.slice(0, n),
    ...x.data.slice(n),
    ...x.data.slice(n),
  ]);
});
