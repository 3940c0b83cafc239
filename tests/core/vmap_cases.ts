/**
 * The programs `tests/core/vmap_test.ts` batches: each a function of a few logical inputs
 * (float values, or i32 indices below a bound) drawn by fast-check, covering elementwise
 * chains with broadcasts, reductions over every axis, softmax, matmul, gather, views,
 * cross-entropy and normalization.
 *
 * @module
 */
import * as nu from "../../mod.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";
import { fc } from "../../testing/fc.ts";

/** One input: its logical shape, and for indices the exclusive bound. */
export interface ArgSpec {
  shape: number[];
  /** Indices in `[0, below)` (an i32 input); absent for a float input. */
  below?: number;
}

/** A drawn program: its inputs and the function. */
export interface Program {
  name: string;
  args: ArgSpec[];
  f: (...xs: nu.Tensor[]) => nu.Tensor;
}

const dim = fc.integer({ min: 1, max: 3 });
const shapeOf = (minRank: number, maxRank: number) =>
  fc.array(dim, { minLength: minRank, maxLength: maxRank });

const UNARY: Record<string, (x: nu.Tensor) => nu.Tensor> = {
  tanh: nu.tanh,
  sin: nu.sin,
  square: nu.square,
  neg: nu.neg,
  sigmoid: nu.sigmoid,
  expHalf: (x) => nu.exp(nu.mul(x, 0.5)),
};
const BINARY: Record<string, (a: nu.Tensor, b: nu.Tensor) => nu.Tensor> = {
  add: nu.add,
  sub: nu.sub,
  mul: nu.mul,
  maximum: nu.maximum,
};

/** Elementwise chains with a broadcast second operand, a comparison, `where` and a cast. */
const elementwise: fc.Arbitrary<Program> = fc.record({
  shape: shapeOf(0, 3),
  drop: fc.integer({ min: 0, max: 3 }),
  ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  chain: fc.array(fc.constantFrom(...Object.keys(UNARY)), { maxLength: 3 }),
  op: fc.constantFrom(...Object.keys(BINARY)),
}).map(({ shape, drop, ones, chain, op }) => {
  const yShape = shape.slice(Math.min(drop, shape.length)).map((d, i) => (ones[i] ? 1 : d));
  return {
    name: `elementwise ${chain.join("∘")} ${op}`,
    args: [{ shape }, { shape: yShape }],
    f: (x, y) => {
      let r = x;
      for (const u of chain) r = UNARY[u](r);
      r = BINARY[op](r, y);
      const picked = nu.where(nu.gt(x, y), r, nu.mul(r, 0.5));
      return nu.add(picked, nu.mul(nu.cast(nu.lt(y, 0), "f32"), y));
    },
  };
});

/** Sum, max, mean or logsumexp over one axis, several, or all. */
const reduction: fc.Arbitrary<Program> = shapeOf(1, 3).chain((shape) =>
  fc.record({
    op: fc.constantFrom("sum", "max", "mean", "logsumexp"),
    axis: fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.subarray([...shape.keys()], { minLength: 1 }),
    ),
    keepdims: fc.boolean(),
  }).map(({ op, axis, keepdims }) => ({
    name: `${op} axis ${JSON.stringify(axis)} keepdims ${keepdims}`,
    args: [{ shape }],
    f: (x: nu.Tensor) =>
      (nu as unknown as Record<string, typeof nu.sum>)[op](x, { axis, keepdims }),
  }))
);

/** Softmax and log-softmax along any axis. */
const softmax: fc.Arbitrary<Program> = shapeOf(1, 3).chain((shape) =>
  fc.record({ axis: fc.integer({ min: -shape.length, max: shape.length - 1 }), log: fc.boolean() })
    .map(({ axis, log }) => ({
      name: `${log ? "logSoftmax" : "softmax"} axis ${axis}`,
      args: [{ shape }],
      f: (x: nu.Tensor) => (log ? nu.logSoftmax(x, { axis }) : nu.softmax(x, { axis })),
    }))
);

/** Matrix products, with leading batch axes and transposes. */
const matmul: fc.Arbitrary<Program> = fc.record({
  m: dim,
  k: dim,
  n: dim,
  c: dim,
  leadA: fc.boolean(),
  leadB: fc.boolean(),
  transA: fc.boolean(),
  transB: fc.boolean(),
}).map(({ m, k, n, c, leadA, leadB, transA, transB }) => ({
  name: `matmul lead ${leadA}/${leadB} trans ${transA}/${transB}`,
  args: [
    { shape: [...(leadA ? [c] : []), ...(transA ? [k, m] : [m, k])] },
    { shape: [...(leadB ? [c] : []), ...(transB ? [n, k] : [k, n])] },
  ],
  f: (a: nu.Tensor, b: nu.Tensor) => nu.matmul(a, b, { transA, transB }),
}));

/** Embedding-style gathers along either axis of a table (its gradient is scatterAdd). */
const gather: fc.Arbitrary<Program> = fc.record({
  rows: fc.integer({ min: 1, max: 4 }),
  d: dim,
  ids: shapeOf(1, 2),
  axis: fc.constantFrom(0, 1),
}).map(({ rows, d, ids, axis }) => ({
  name: `gather axis ${axis}`,
  // Indices in range: one past the end is refused, alone and in the batch (vmap_test checks that).
  args: [{ shape: axis === 0 ? [rows, d] : [d, rows] }, { shape: ids, below: rows }],
  f: (table: nu.Tensor, idx: nu.Tensor) => nu.gather(table, idx, { axis }),
}));

/** Scatter-adds of updates into rows along either axis (the transpose of gather). */
const scatterAdd: fc.Arbitrary<Program> = fc.record({
  rows: fc.integer({ min: 1, max: 4 }),
  d: dim,
  ids: shapeOf(1, 2),
  axis: fc.constantFrom(0, 1),
}).map(({ rows, d, ids, axis }) => ({
  name: `scatterAdd axis ${axis}`,
  args: [{ shape: axis === 0 ? [...ids, d] : [d, ...ids] }, { shape: ids, below: rows }],
  f: (updates: nu.Tensor, idx: nu.Tensor) => nu.scatterAdd(updates, idx, rows, { axis }),
}));

/** Views: transpose, slice, pad, concat, flip, broadcast, reshape. */
const views: fc.Arbitrary<Program> = fc.record({
  shape: shapeOf(2, 3),
  view: fc.constantFrom("transpose", "slice", "pad", "concat", "flip", "broadcast", "reshape"),
  axis: fc.integer({ min: 0, max: 2 }),
}).map(({ shape, view, axis: a }) => {
  const axis = a % shape.length;
  const f = (x: nu.Tensor, y: nu.Tensor): nu.Tensor => {
    switch (view) {
      case "transpose":
        return nu.transpose(x);
      case "slice":
        return nu.sliceAxis(x, axis, 0, Math.max(1, shape[axis] - 1));
      case "pad":
        return nu.pad(x, shape.map((_, i) => (i === axis ? [1, 2] : [0, 0])) as [number, number][]);
      case "concat":
        return nu.concat([x, y], axis);
      case "flip":
        return nu.flip(x, axis);
      case "broadcast":
        return nu.broadcastTo(nu.expandDims(x, axis), [
          ...shape.slice(0, axis),
          2,
          ...shape.slice(axis),
        ]);
      default:
        return nu.reshape(x, [-1]);
    }
  };
  return { name: `view ${view} axis ${axis}`, args: [{ shape }, { shape }], f };
});

/** Cross-entropy (mean and per row) against in-range targets. */
const crossEntropy: fc.Arbitrary<Program> = fc.record({
  rows: shapeOf(1, 2),
  v: fc.integer({ min: 2, max: 4 }),
  none: fc.boolean(),
}).map(({ rows, v, none }) => ({
  name: `crossEntropy ${none ? "none" : "mean"}`,
  args: [{ shape: [...rows, v] }, { shape: rows, below: v }],
  f: (x: nu.Tensor, t: nu.Tensor) =>
    nu.crossEntropy(x, t, none ? { reduction: "none" } : undefined),
}));

/** Row and column normalization of a matrix (the fused `normalizeAxis` primitive). */
const normalize: fc.Arbitrary<Program> = fc.record({
  n: dim,
  m: dim,
  axis: fc.constantFrom(0 as const, -1 as const),
}).map(({ n, m, axis }) => ({
  name: `normalizeAlong ${axis}`,
  args: [{ shape: [n, m] }],
  f: (x: nu.Tensor) => normalizeAlong(x, axis, { eps: 1e-6 }),
}));

/** The families by name (for tests that need one). */
export const families = {
  elementwise,
  reduction,
  softmax,
  matmul,
  gather,
  scatterAdd,
  views,
  crossEntropy,
  normalize,
};

/** Every family of programs, each equally likely. */
export const programs: fc.Arbitrary<Program> = fc.oneof(...Object.values(families));
