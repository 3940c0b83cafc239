/**
 * Forward mode for every primitive: `jvp` against central finite differences
 * (f64, CPU) and the transposition law ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ between `jvp` and
 * `vjp`, on inputs from each primitive's domain (the domains of the VJP table).
 * One row per primitive, typed `Record<CorePrim, Case>`: a new primitive
 * without a row fails `deno check`, and the first test fails if the rule table
 * and this table disagree.
 *
 * numRuns: 12 per primitive (the VJP table already runs 100 per case; forward
 * mode is derived from the same rules, so this checks the transposition).
 */
import * as nu from "../../mod.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";
import { alias } from "../../core/ops/shape.ts";
import type { CorePrim } from "../../core/bind.ts";
import { primitiveNames } from "../../core/rules.ts";
import { assertAllClose, fc, sample, shapeArb, tensorArb } from "../../testing.ts";
import { assertEquals } from "../../testing/assert.ts";
import {
  broadcastInputs,
  type CaseInput,
  indicesArb,
  logitsAndTargets,
  oneInput,
  plain,
  untied,
  withAxis,
} from "./vjp_arbs.ts";

type Op = (xs: nu.Tensor[], ints: number[]) => nu.Tensor;

interface Case {
  inputs: fc.Arbitrary<CaseInput>;
  f: Op;
  /** Finite-difference step and tolerance where the default (1e-6, 1e-6) does not fit. */
  eps?: number;
  tol?: number;
}

// Each unary op appears in the UnaryOp cycle through `ints[0]`, so one row covers them all.
const UNARY: [(x: nu.Tensor) => nu.Tensor, number, number][] = [
  [nu.neg, -3, 3],
  [nu.exp, -3, 3],
  [nu.log, 0.3, 3],
  [nu.sqrt, 0.3, 3],
  [nu.rsqrt, 0.3, 3],
  [nu.abs, 0.2, 3],
  [nu.tanh, -3, 3],
  [nu.sin, -3, 3],
  [nu.cos, -3, 3],
  [nu.sigmoid, -3, 3],
  [nu.sign, 0.2, 3],
  [nu.erf, -3, 3],
  [nu.log1p, -0.7, 3],
  [nu.expm1, -3, 3],
  [nu.round, 0.6, 0.9],
];

const BINARY: [(a: nu.Tensor, b: nu.Tensor) => nu.Tensor, boolean][] = [
  [nu.add, false],
  [nu.sub, false],
  [nu.mul, false],
  // Denominators and bases kept away from 0 by a smooth shift (x² + ½): abs would put a kink at 0,
  // where central differences straddling it disagree with the one-sided derivative.
  [(a, b) => nu.div(a, nu.add(nu.square(b), 0.5)), false],
  [(a, b) => nu.pow(nu.add(nu.square(a), 0.5), nu.tanh(b)), false],
  [(a, b) => nu.atan2(a, nu.add(nu.square(b), 0.5)), false],
  [nu.maximum, true],
  [nu.minimum, true],
];

const table: Record<CorePrim, Case> = {
  unary: {
    inputs: fc.integer({ min: 0, max: UNARY.length - 1 }).chain((k) =>
      oneInput({ domain: { min: UNARY[k][1], max: UNARY[k][2] } }).map((xs) => ({ xs, ints: [k] }))
    ),
    f: ([x], [k]) => UNARY[k][0](x),
  },
  binary: {
    inputs: fc.integer({ min: 0, max: BINARY.length - 1 }).chain((k) =>
      broadcastInputs(2, []).map((xs) => ({ xs: BINARY[k][1] ? untied(xs) : xs, ints: [k] }))
    ),
    f: ([a, b], [k]) => BINARY[k][0](a, b),
  },
  compare: {
    inputs: plain(broadcastInputs(2, []).map(untied)),
    f: ([a, b]) => nu.mul(nu.cast(nu.lt(a, b), "f64"), a),
  },
  where: {
    inputs: broadcastInputs(3, []).map((xs) => ({
      xs: [sample(xs[0].shape, xs[0].values.map((v) => (v > 0 ? 1 : 0)), "bool"), xs[1], xs[2]],
      ints: [],
    })),
    f: ([c, a, b]) => nu.where(c, a, b),
  },
  cast: {
    inputs: plain(oneInput()),
    f: ([x]) => nu.cast(nu.cast(x, "f32"), "f64"),
    // The cotangent is rounded to f32 too, so the transposition law holds to f32 precision.
    eps: 1e-2,
    tol: 1e-3,
  },
  reduceSum: { inputs: withAxis(), f: ([x], [a]) => nu.sum(x, { axis: a, keepdims: a === 0 }) },
  reduceMax: { inputs: withAxis({ distinct: 0.05 }), f: ([x], [a]) => nu.max(x, { axis: a }) },
  logSoftmax: { inputs: withAxis(), f: ([x], [a]) => nu.logSoftmax(x, { axis: a }) },
  softmax: { inputs: withAxis(), f: ([x], [a]) => nu.softmax(x, { axis: a }) },
  crossEntropy: {
    inputs: logitsAndTargets(true),
    f: ([x, t]) => nu.crossEntropy(x, t, { reduction: "none" }),
  },
  crossEntropyGrad: {
    inputs: logitsAndTargets(true),
    f: ([x, t, g]) => {
      const [, pullback] = nu.vjp(
        (z: nu.Tensor) => nu.crossEntropy(z, t, { reduction: "none" }),
        x,
      );
      const [gx] = pullback(g) as nu.Tensor[];
      pullback.dispose();
      return gx;
    },
  },
  normalizeAxis: {
    inputs: fc.record({
      r: fc.integer({ min: 1, max: 4 }),
      c: fc.integer({ min: 1, max: 4 }),
      axis: fc.constantFrom(0, -1),
    }).chain(({ r, c, axis }) =>
      tensorArb([r, c], { dtype: "f64", awayFrom: [0], margin: 0.2 }).map((x) => ({
        xs: [x],
        ints: [axis],
      }))
    ),
    f: ([x], [axis]) => normalizeAlong(x, axis as 0 | -1, { eps: 0.5 }),
  },
  matmul: {
    inputs: fc.record({
      m: fc.integer({ min: 1, max: 3 }),
      k: fc.integer({ min: 1, max: 3 }),
      n: fc.integer({ min: 1, max: 3 }),
      tb: fc.boolean(),
    }).chain(({ m, k, n, tb }) =>
      fc.tuple(
        tensorArb([2, m, k], { dtype: "f64" }),
        tensorArb(tb ? [n, k] : [k, n], { dtype: "f64" }),
      ).map((xs) => ({ xs, ints: [tb ? 1 : 0] }))
    ),
    f: ([a, b], [tb]) => nu.matmul(a, b, { transB: tb === 1 }),
  },
  reshape: { inputs: plain(oneInput()), f: ([x]) => nu.reshape(x, [...x.shape].reverse()) },
  alias: { inputs: plain(oneInput()), f: ([x]) => nu.mul(alias(x), x) },
  transpose: {
    inputs: shapeArb({ maxRank: 3, maxDim: 3 }).chain((s) =>
      fc.record({
        xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
        ints: fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
      })
    ),
    f: ([x], perm) => nu.transpose(x, perm),
  },
  flip: { inputs: withAxis(), f: ([x], [a]) => nu.flip(x, a) },
  broadcast: {
    inputs: plain(oneInput()),
    f: ([x]) => nu.broadcastTo(x, [2, ...x.shape]),
  },
  slice: { inputs: withAxis(), f: ([x], [a]) => nu.sliceAxis(x, a, 0, Math.ceil(x.shape[a] / 2)) },
  pad: { inputs: withAxis(), f: ([x]) => nu.pad(x, x.shape.map((_, i) => [i % 2, 1] as const)) },
  concat: { inputs: withAxis(), f: ([x], [a]) => nu.concat([x, nu.sin(x)], a) },
  gather: {
    inputs: withAxis().chain(({ xs: [x], ints: [axis] }) =>
      indicesArb(x.shape[axis]).map((idx) => ({ xs: [x, idx], ints: [axis] }))
    ),
    f: ([x, idx], [axis]) => nu.gather(x, idx, { axis }),
  },
  scatterAdd: {
    inputs: fc.integer({ min: 1, max: 4 }).chain((size) =>
      indicesArb(size).chain((idx) =>
        tensorArb([...idx.shape, 2], { dtype: "f64" }).map((u) => ({ xs: [u, idx], ints: [size] }))
      )
    ),
    f: ([u, idx], [size]) => nu.scatterAdd(u, idx, size, { axis: 0 }),
  },
};

async function dot(a: nu.Tensor, b: nu.Tensor): Promise<number> {
  return await nu.sum(nu.mul(a, b)).item();
}

/** jvp against central differences, and ⟨u, J v⟩ = ⟨Jᵀ u, v⟩. */
async function checkForward(c: Case, input: CaseInput, seed: number): Promise<void> {
  using _s = nu.scope();
  const cpu = nu.cpuBackend();
  const xs = input.xs.map((x) => x.tensor({ backend: cpu }));
  const f = (...args: nu.Tensor[]) => c.f(args, input.ints);
  const keys = nu.split(nu.key(seed), xs.length + 1);
  const vs = xs.map((
    x,
    i,
  ) => (x.dtype === "f64" ? nu.normal(keys[i], x.shape, { dtype: "f64" }) : null));
  const [y, jv] = nu.jvp(f, xs, vs) as [nu.Tensor, nu.Tensor];
  await assertAllClose(y, f(...xs), { rtol: 1e-12, atol: 1e-12, message: "jvp's primal output" });
  const eps = c.eps ?? 1e-6, tol = c.tol ?? 1e-6;
  const shifted = (s: number) => xs.map((x, i) => (vs[i] ? nu.add(x, nu.mul(vs[i]!, s * eps)) : x));
  const fd = nu.div(nu.sub(f(...shifted(1)), f(...shifted(-1))), 2 * eps);
  await assertAllClose(jv, fd, {
    rtol: tol * 10,
    atol: tol,
    message: `jvp vs finite differences on ${input.xs.join(" ; ")} ints [${input.ints}]`,
  });
  const u = nu.normal(keys[xs.length], y.shape, { dtype: "f64" });
  const at = xs.flatMap((x, i) => (x.dtype === "f64" ? [i] : []));
  const onFloats = (...fs: nu.Tensor[]) =>
    f(...xs.map((x, i) => (at.includes(i) ? fs[at.indexOf(i)] : x)));
  const [, pullback] = nu.vjp(onFloats, ...at.map((i) => xs[i]));
  const vecs = pullback(u) as nu.Tensor[];
  pullback.dispose();
  let rhs = 0;
  for (const [j, i] of at.entries()) rhs += await dot(vecs[j], vs[i]!);
  const lhs = await dot(u, jv);
  if (Math.abs(lhs - rhs) > (c.tol ?? 1e-9) * (1 + Math.abs(lhs))) {
    throw new Error(`⟨u, Jv⟩ = ${lhs} but ⟨Jᵀu, v⟩ = ${rhs} on ${input.xs.join(" ; ")}`);
  }
}

Deno.test("forward: every primitive in the rule table has a row", () => {
  assertEquals([...primitiveNames()].sort(), Object.keys(table).sort());
});

for (const [prim, c] of Object.entries(table)) {
  Deno.test(`forward: ${prim}: jvp matches finite differences and transposes vjp`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(c.inputs, (input) => checkForward(c, input, 2000 + run++)),
      { numRuns: 12 },
    );
  });
}
