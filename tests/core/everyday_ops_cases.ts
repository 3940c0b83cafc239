/**
 * The everyday ops' test table: for each op, an input arbitrary (host samples,
 * drawn as f64; the cross-backend test casts them to f32), the op, a host
 * reference written independently of the op's lowering (loops over indices),
 * and whether its VJP is checked against finite differences.
 *
 * @example
 * ```ts
 * import { CASES } from "./everyday_ops_cases.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(CASES.some((c) => c.name === "einsum"));
 * ```
 *
 * @module
 */
import * as nu from "../../mod.ts";
import { fc, shapeArb, tensorArb, type TensorSample } from "../../testing.ts";
import { erfReference, roundHalfEven } from "./special_reference.ts";

/** A host result: shape and row-major values (booleans as 0/1). */
export interface Host {
  shape: number[];
  values: number[];
}

/** One op under test. */
export interface OpCase {
  name: string;
  /** Inputs (f64 or i32/bool samples) and small integer parameters. */
  inputs: fc.Arbitrary<{ xs: TensorSample[]; ints: number[] }>;
  op: (xs: nu.Tensor[], ints: number[]) => nu.Tensor;
  ref: (xs: TensorSample[], ints: number[]) => Host;
  /** Check the VJP of the float inputs against finite differences. */
  differentiable: boolean;
  /** Relative tolerance of the f32 cross-backend comparison (default 2e-5). */
  gpuRtol?: number;
}

const SMALL = { minRank: 1, maxRank: 3, maxDim: 4, maxSize: 24 };

function stridesOf(shape: readonly number[]): number[] {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Flat indices of each line along `axis` (outer lines in row-major order). */
function lines(shape: readonly number[], axis: number): number[][] {
  const st = stridesOf(shape), n = shape[axis];
  const out: number[][] = [];
  const total = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < total; f++) {
    if (Math.floor(f / st[axis]) % n !== 0) continue;
    out.push(Array.from({ length: n }, (_, k) => f + k * st[axis]));
  }
  return out;
}

/** A reduction of one axis by `fold` over each line. */
function reduceRef(x: TensorSample, axis: number, fold: (v: number[]) => number): Host {
  return {
    shape: x.shape.filter((_, i) => i !== axis),
    values: lines(x.shape, axis).map((l) => fold(l.map((i) => x.values[i]))),
  };
}

/** A scan of one axis by `step`. */
function scanRef(x: TensorSample, axis: number, step: (a: number, b: number) => number): Host {
  const out = [...x.values];
  for (const l of lines(x.shape, axis)) {
    for (let k = 1; k < l.length; k++) out[l[k]] = step(out[l[k - 1]], x.values[l[k]]);
  }
  return { shape: [...x.shape], values: out };
}

const map = (x: TensorSample, f: (v: number) => number): Host => ({
  shape: [...x.shape],
  values: x.values.map(f),
});

const withAxis = (opts: Parameters<typeof tensorArb>[1] = {}) =>
  shapeArb(SMALL).chain((s) =>
    fc.record({
      xs: tensorArb(s, { dtype: "f64", ...opts }).map((x) => [x]),
      ints: fc.integer({ min: 0, max: s.length - 1 }).map((a) => [a]),
    })
  );

const unary = (
  name: string,
  op: (x: nu.Tensor) => nu.Tensor,
  ref: (v: number) => number,
  domain: { min: number; max: number },
  differentiable = true,
): OpCase => ({
  name,
  inputs: tensorArb(shapeArb(SMALL), { dtype: "f64", domain }).map((x) => ({ xs: [x], ints: [] })),
  op: ([x]) => op(x),
  ref: ([x]) => map(x, ref),
  differentiable,
});

/** Einsum patterns and a brute-force reference over every index assignment. */
const EINSUM = [
  "ij,jk->ik",
  "bij,bjk->bik",
  "ii->i",
  "ii",
  "ij->",
  "i,i->",
  "ij,kj->ik",
  "ijk,kl->lji",
  "i,j->ij",
  "bij,jbk,kl",
];

function einsumRef(spec: string, xs: TensorSample[]): Host {
  const [lhs, rhs] = spec.split("->");
  const ins = lhs.split(",").map((p) => [...p]);
  const all = ins.flat();
  const out = rhs !== undefined
    ? [...rhs]
    : [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c)).sort();
  const letters = [...new Set(all)];
  const size = new Map<string, number>();
  ins.forEach((ix, i) => ix.forEach((c, k) => size.set(c, xs[i].shape[k])));
  const outShape = out.map((c) => size.get(c)!);
  const values = new Array(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const assign = new Map<string, number>();
  const visit = (d: number) => {
    if (d === letters.length) {
      let p = 1;
      ins.forEach((ix, i) => {
        const st = stridesOf(xs[i].shape);
        p *= xs[i].values[ix.reduce((f, c, k) => f + assign.get(c)! * st[k], 0)];
      });
      const st = stridesOf(outShape);
      values[out.reduce((f, c, k) => f + assign.get(c)! * st[k], 0)] += p;
      return;
    }
    for (let v = 0; v < size.get(letters[d])!; v++) {
      assign.set(letters[d], v);
      visit(d + 1);
    }
  };
  visit(0);
  return { shape: outShape, values };
}

const dim = fc.integer({ min: 1, max: 3 });

/** Every case. */
export const CASES: OpCase[] = [
  unary("erf", nu.erf, erfReference, { min: -4, max: 4 }),
  unary("log1p", nu.log1p, Math.log1p, { min: -0.9, max: 5 }),
  unary("expm1", nu.expm1, Math.expm1, { min: -5, max: 5 }),
  unary("floor", nu.floor, Math.floor, { min: -5, max: 5 }, false),
  unary("ceil", nu.ceil, Math.ceil, { min: -5, max: 5 }, false),
  unary("round", nu.round, roundHalfEven, { min: -5, max: 5 }, false),
  {
    name: "clip",
    inputs: tensorArb(shapeArb(SMALL), { dtype: "f64", awayFrom: [-1, 0.5], margin: 0.05 })
      .map((x) => ({ xs: [x], ints: [] })),
    op: ([x]) => nu.clip(x, { min: -1, max: 0.5 }),
    ref: ([x]) => map(x, (v) => Math.min(Math.max(v, -1), 0.5)),
    differentiable: true,
  },
  {
    name: "cumsum",
    inputs: withAxis(),
    op: ([x], [a]) => nu.cumsum(x, { axis: a }),
    ref: ([x], [a]) => scanRef(x, a, (s, v) => s + v),
    differentiable: true,
  },
  {
    name: "cumprod",
    inputs: withAxis(),
    op: ([x], [a]) => nu.cumprod(x, { axis: a }),
    ref: ([x], [a]) => scanRef(x, a, (s, v) => s * v),
    differentiable: true,
  },
  {
    name: "prod",
    inputs: withAxis(),
    op: ([x], [a]) => nu.prod(x, { axis: a }),
    ref: ([x], [a]) => reduceRef(x, a, (v) => v.reduce((p, y) => p * y, 1)),
    differentiable: true,
  },
  {
    name: "variance(ddof 1)",
    inputs: withAxis().filter(({ xs: [x], ints: [a] }) => x.shape[a] > 1),
    op: ([x], [a]) => nu.variance(x, { axis: a, ddof: 1 }),
    ref: ([x], [a]) =>
      reduceRef(x, a, (v) => {
        const m = v.reduce((s, y) => s + y, 0) / v.length;
        return v.reduce((s, y) => s + (y - m) ** 2, 0) / (v.length - 1);
      }),
    differentiable: true,
  },
  {
    name: "std",
    inputs: withAxis({ distinct: 0.05 }).filter(({ xs: [x], ints: [a] }) => x.shape[a] > 1),
    op: ([x], [a]) => nu.std(x, { axis: a }),
    ref: ([x], [a]) =>
      reduceRef(x, a, (v) => {
        const m = v.reduce((s, y) => s + y, 0) / v.length;
        return Math.sqrt(v.reduce((s, y) => s + (y - m) ** 2, 0) / v.length);
      }),
    differentiable: true,
  },
  {
    name: "any/all",
    inputs: withAxis().map(({ xs: [x], ints }) => ({
      xs: [x],
      ints: [...ints, x.values.length % 2],
    })),
    op: ([x], [a, which]) => nu.cast((which ? nu.all : nu.any)(nu.gt(x, 1), { axis: a }), "f32"),
    ref: ([x], [a, which]) =>
      reduceRef(x, a, (v) => Number(which ? v.every((y) => y > 1) : v.some((y) => y > 1))),
    differentiable: false,
  },
  {
    name: "argmax/argmin",
    inputs: withAxis({ distinct: 0.05 }).map(({ xs: [x], ints }) => ({
      xs: [x],
      ints: [...ints, x.values.length % 2],
    })),
    op: ([x], [a, which]) => nu.cast((which ? nu.argmin : nu.argmax)(x, { axis: a }), "f32"),
    ref: ([x], [a, which]) =>
      reduceRef(x, a, (v) => v.indexOf(which ? Math.min(...v) : Math.max(...v))),
    differentiable: false,
  },
  {
    name: "tril/triu",
    inputs: shapeArb({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((s) =>
      fc.record({
        xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
        ints: fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 1 })),
      })
    ),
    op: ([x], [k, upper]) => (upper ? nu.triu : nu.tril)(x, { k }),
    ref: ([x], [k, upper]) => {
      const [r, c] = x.shape.slice(-2);
      return {
        shape: [...x.shape],
        values: x.values.map((v, f) => {
          const i = Math.floor(f / c) % r, j = f % c;
          return (upper ? j - i >= k : j - i <= k) ? v : 0;
        }),
      };
    },
    differentiable: true,
  },
  {
    name: "stack",
    inputs: withAxis().chain(({ xs: [x] }) =>
      fc.record({
        xs: tensorArb(x.shape, { dtype: "f64" }).map((y) => [x, y]),
        ints: fc.integer({ min: 0, max: x.shape.length }).map((a) => [a]),
      })
    ),
    op: ([x, y], [a]) => nu.stack([x, y], { axis: a }),
    ref: ([x, y], [a]) => {
      const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
      const inner = x.values.length / outer;
      const values: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const z of [x, y]) values.push(...z.values.slice(o * inner, (o + 1) * inner));
      }
      return { shape: [...x.shape.slice(0, a), 2, ...x.shape.slice(a)], values };
    },
    differentiable: true,
  },
  {
    name: "take",
    inputs: withAxis().chain(({ xs: [x], ints: [a] }) =>
      tensorArb(shapeArb({ maxRank: 2, maxDim: 3 }), {
        dtype: "i32",
        domain: { min: -x.shape[a], max: x.shape[a] - 0.5 },
      }).map((i) => ({ xs: [x, i], ints: [a] }))
    ),
    op: ([x, i], [a]) => nu.take(x, i, { axis: a }),
    ref: ([x, idx], [a]) => {
      const n = x.shape[a], st = stridesOf(x.shape);
      const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1), inner = st[a];
      const values: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const j of idx.values) {
          const w = j < 0 ? j + n : j;
          for (let r = 0; r < inner; r++) values.push(x.values[o * n * inner + w * inner + r]);
        }
      }
      return { shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)], values };
    },
    differentiable: true,
  },
  {
    name: "takeAlongAxis",
    inputs: withAxis().chain(({ xs: [x], ints: [a] }) =>
      fc.integer({ min: 1, max: 3 }).chain((k) =>
        tensorArb(x.shape.map((d, i) => (i === a ? k : d)), {
          dtype: "i32",
          domain: { min: 0, max: x.shape[a] - 0.5 },
        }).map((i) => ({ xs: [x, i], ints: [a] }))
      )
    ),
    op: ([x, i], [a]) => nu.takeAlongAxis(x, i, { axis: a }),
    ref: ([x, idx], [a]) => {
      const sx = stridesOf(x.shape), si = stridesOf(idx.shape);
      const values = idx.values.map((j, f) => {
        const coords = idx.shape.map((_, d) => Math.floor(f / si[d]) % idx.shape[d]);
        coords[a] = j;
        return x.values[coords.reduce((s, c, d) => s + c * sx[d], 0)];
      });
      return { shape: [...idx.shape], values };
    },
    differentiable: true,
  },
  {
    name: "einsum",
    inputs: fc.record({
      p: fc.integer({ min: 0, max: EINSUM.length - 1 }),
      d: fc.tuple(dim, dim, dim, dim, dim),
    }).chain(({ p, d }) => {
      const ins = EINSUM[p].split("->")[0].split(",");
      const letterSize = (c: string) => d["ijklb".indexOf(c)];
      return fc.tuple(
        ...ins.map((ix) => tensorArb([...ix].map(letterSize), { dtype: "f64" })),
      ).map((xs) => ({ xs, ints: [p] }));
    }),
    op: (xs, [p]) => nu.einsum(EINSUM[p], ...xs),
    ref: (xs, [p]) => einsumRef(EINSUM[p], xs),
    differentiable: true,
  },
];
