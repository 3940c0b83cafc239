/**
 * Every primitive's VJP against central finite differences in f64 on the CPU,
 * on inputs drawn by fast-check from the primitive's domain. One row per
 * primitive, typed `Record<CorePrim, Row>`: a new primitive without a row fails
 * `deno check`, and the run-time test below fails if the rule table and this
 * table disagree. Each case checks `sum(f(xs) * ct)` with a random cotangent
 * `ct`, so the whole VJP (not only one output element) is exercised.
 *
 * numRuns: fast-check's default (100) for every case.
 */
import * as nu from "../../mod.ts";
import { normalizeAlong } from "../../core/ops/optimizer_kernels.ts";
import { alias } from "../../core/ops/shape.ts";
import type { CorePrim } from "../../core/bind.ts";
import { primitiveNames } from "../../core/rules.ts";
import { checkGrads, fc, sample, shapeArb, tensorArb, type TensorSample } from "../../testing.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
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
  /** What the case calls. */
  name: string;
  /** Inputs in the op's domain. */
  inputs: fc.Arbitrary<CaseInput>;
  /** The op (inputs made into f64/i32/bool tensors on the CPU). */
  f: Op;
  /** Which inputs are differentiated (default: every f64 one). */
  argnums?: number[];
  /** Finite-difference step and tolerances, where the default (1e-6, 1e-5, 1e-7) does not fit. */
  eps?: number;
  rtol?: number;
  atol?: number;
}

interface Row {
  /** Ops that reach this primitive. */
  cases: Case[];
}

const unary = (
  name: string,
  op: (x: nu.Tensor) => nu.Tensor,
  domain: Parameters<typeof oneInput>[0] = {},
): Case => ({ name, inputs: plain(oneInput(domain)), f: ([x]) => op(x) });

const binary = (
  name: string,
  op: (a: nu.Tensor, b: nu.Tensor) => nu.Tensor,
  domains: Parameters<typeof broadcastInputs>[1] = [],
  map: (xs: TensorSample[]) => TensorSample[] = (xs) => xs,
): Case => ({
  name,
  inputs: plain(broadcastInputs(2, domains).map(map)),
  f: ([a, b]) => op(a, b),
});

const table: Record<CorePrim, Row> = {
  unary: {
    cases: [
      unary("neg", nu.neg),
      unary("exp", nu.exp, { domain: "bounded" }),
      unary("log", nu.log, { domain: "positive" }),
      unary("sqrt", nu.sqrt, { domain: "positive" }),
      unary("rsqrt", nu.rsqrt, { domain: "positive" }),
      unary("abs", nu.abs, { awayFrom: [0] }),
      unary("sign", nu.sign, { awayFrom: [0] }),
      unary("tanh", nu.tanh),
      unary("sin", nu.sin),
      unary("cos", nu.cos),
      unary("sigmoid", nu.sigmoid),
      unary("erf", nu.erf),
      unary("log1p", nu.log1p, { domain: { min: -0.8, max: 3 } }),
      unary("expm1", nu.expm1, { domain: "bounded" }),
    ],
  },
  binary: {
    cases: [
      binary("add", nu.add),
      binary("sub", nu.sub),
      binary("mul", nu.mul),
      binary("div", nu.div, ["any", { awayFrom: [0], margin: 0.3 }]),
      binary("pow", nu.pow, ["positive", "bounded"]),
      // b > 0: away from the branch cut on the negative b axis.
      binary("atan2", nu.atan2, ["any", "positive"]),
      binary("maximum", nu.maximum, [], untied),
      binary("minimum", nu.minimum, [], untied),
    ],
  },
  compare: {
    // No VJP (null rule): the mask is piecewise constant, so x·[x < y] has derivative [x < y].
    cases: [
      binary("lt mask", (a, b) => nu.mul(nu.cast(nu.lt(a, b), "f64"), a), [], untied),
      binary("ge mask", (a, b) => nu.mul(nu.cast(nu.ge(a, b), "f64"), b), [], untied),
    ],
  },
  where: {
    cases: [{
      name: "where",
      inputs: broadcastInputs(3, []).map((xs) => ({
        xs: [sample(xs[0].shape, xs[0].values.map((v) => (v > 0 ? 1 : 0)), "bool"), xs[1], xs[2]],
        ints: [],
      })),
      f: ([c, a, b]) => nu.where(c, a, b),
      argnums: [1, 2],
    }],
  },
  cast: {
    // f64 -> f32 -> f64 rounds to f32, so a larger step and looser tolerances.
    cases: [{
      name: "cast f64->f32->f64",
      inputs: plain(oneInput()),
      f: ([x]) => nu.cast(nu.cast(x, "f32"), "f64"),
      eps: 1e-2,
      rtol: 1e-3,
      atol: 1e-3,
    }],
  },
  reduceSum: {
    cases: [
      {
        name: "sum(axis, keepdims)",
        inputs: withAxis(),
        f: ([x], [a]) => nu.sum(x, { axis: a, keepdims: a % 2 === 0 }),
      },
      { name: "sum(all)", inputs: plain(oneInput()), f: ([x]) => nu.sum(x) },
    ],
  },
  reduceMax: {
    cases: [{
      name: "max(axis) of distinct values",
      inputs: withAxis({ distinct: 0.05 }),
      f: ([x], [a]) => nu.max(x, { axis: a }),
    }],
  },
  logSoftmax: {
    cases: [{
      name: "logSoftmax(axis)",
      inputs: withAxis(),
      f: ([x], [a]) => nu.logSoftmax(x, { axis: a }),
    }],
  },
  softmax: {
    cases: [{
      name: "softmax(axis)",
      inputs: withAxis(),
      f: ([x], [a]) => nu.softmax(x, { axis: a }),
    }],
  },
  crossEntropy: {
    cases: [{
      name: "crossEntropy(logits, targets, {reduction: none})",
      inputs: logitsAndTargets(false),
      f: ([x, t]) => nu.crossEntropy(x, t, { reduction: "none" }),
      argnums: [0],
    }],
  },
  crossEntropyGrad: {
    cases: [{
      name: "the pullback of crossEntropy (grad of grad)",
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
      argnums: [0, 2],
    }],
  },
  normalizeAxis: {
    cases: [{
      name: "normalizeAlong(matrix, 0 | -1, {eps})",
      inputs: fc.record({
        r: fc.integer({ min: 1, max: 4 }),
        c: fc.integer({ min: 1, max: 4 }),
        axis: fc.constantFrom(0, -1),
        eps: fc.constantFrom(0, 0.5),
      }).chain(({ r, c, axis, eps }) =>
        tensorArb([r, c], { dtype: "f64", domain: "any", awayFrom: [0], margin: 0.2 })
          .map((x) => ({ xs: [x], ints: [axis, eps] }))
      ),
      f: ([x], [axis, eps]) => normalizeAlong(x, axis as 0 | -1, { eps }),
    }],
  },
  matmul: {
    cases: [{
      name: "matmul(transA, transB) with broadcast batch dims",
      inputs: fc.record({
        batch: broadcastInputs(2, []).map((xs) => xs.map((x) => x.shape)),
        mkn: fc.tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
        ),
        trans: fc.tuple(fc.boolean(), fc.boolean()),
      }).chain(({ batch: [ba, bb], mkn: [m, k, n], trans: [ta, tb] }) =>
        fc.tuple(
          tensorArb([...ba.slice(-1), ...(ta ? [k, m] : [m, k])], { dtype: "f64" }),
          tensorArb([...bb.slice(-1), ...(tb ? [n, k] : [k, n])], { dtype: "f64" }),
        ).map((xs) => ({ xs, ints: [ta ? 1 : 0, tb ? 1 : 0] }))
      ),
      f: ([a, b], [ta, tb]) => nu.matmul(a, b, { transA: ta === 1, transB: tb === 1 }),
    }],
  },
  reshape: {
    cases: [{
      name: "reshape(reversed shape)",
      inputs: plain(oneInput()),
      f: ([x]) => nu.reshape(nu.reshape(x, [-1]), [...x.shape].reverse()),
    }],
  },
  alias: { cases: [{ name: "alias", inputs: plain(oneInput()), f: ([x]) => alias(x) }] },
  transpose: {
    cases: [{
      name: "transpose(perm)",
      inputs: shapeArb({ maxRank: 4, maxDim: 3, maxSize: 24 }).chain((s) =>
        fc.record({
          xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
          ints: fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
        })
      ),
      f: ([x], perm) => nu.transpose(x, perm),
    }],
  },
  flip: {
    cases: [{
      name: "flip(axis)",
      inputs: shapeArb({ minRank: 1, maxRank: 4, maxDim: 3, maxSize: 24 }).chain((s) =>
        fc.record({
          xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
          ints: fc.integer({ min: -s.length, max: s.length - 1 }).map((a) => [a]),
        })
      ),
      f: ([x], [axis]) => nu.flip(x, axis),
    }],
  },
  broadcast: {
    cases: [{
      name: "broadcastTo",
      inputs: broadcastInputs(2, []).map((xs) => ({
        xs: [xs[0]],
        ints: broadcastShape(xs[0].shape, xs[1].shape),
      })),
      f: ([x], target) => nu.broadcastTo(x, target),
    }],
  },
  slice: {
    cases: [{
      name: "slice(starts, ends)",
      inputs: shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
        fc.record({
          xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
          ints: fc.tuple(...s.map((d) => fc.tuple(fc.nat(d), fc.nat(d)))).map((bounds) =>
            bounds.flatMap(([a, b]) => [Math.min(a, b), Math.max(a, b)])
          ),
        })
      ),
      f: ([x], ints) =>
        nu.slice(x, x.shape.map((_, i) => ints[2 * i]), x.shape.map((_, i) => ints[2 * i + 1])),
    }],
  },
  pad: {
    cases: [{
      name: "pad(widths)",
      inputs: shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) =>
        fc.record({
          xs: tensorArb(s, { dtype: "f64" }).map((x) => [x]),
          ints: fc.array(fc.nat(2), { minLength: 2 * s.length, maxLength: 2 * s.length }),
        })
      ),
      f: ([x], w) => nu.pad(x, x.shape.map((_, i) => [w[2 * i], w[2 * i + 1]] as const)),
    }],
  },
  concat: {
    cases: [{
      name: "concat(axis)",
      inputs: shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) =>
        fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).chain(
            (sizes) =>
              fc.tuple(...sizes.map((d) => tensorArb(s.with(axis, d), { dtype: "f64" })))
                .map((xs) => ({ xs, ints: [axis] })),
          )
        )
      ),
      f: (xs, [axis]) => nu.concat(xs, axis),
    }],
  },
  gather: {
    cases: [{
      name: "gather(axis)",
      inputs: withAxis().chain(({ xs: [x], ints: [axis] }) =>
        indicesArb(x.shape[axis]).map((idx) => ({ xs: [x, idx], ints: [axis] }))
      ),
      f: ([x, idx], [axis]) => nu.gather(x, idx, { axis }),
      argnums: [0],
    }],
  },
  scatterAdd: {
    cases: [{
      name: "scatterAdd(axis)",
      inputs: fc.record({
        outer: shapeArb({ maxRank: 1, maxDim: 3 }),
        inner: shapeArb({ maxRank: 1, maxDim: 3 }),
        size: fc.integer({ min: 1, max: 4 }),
      }).chain(({ outer, inner, size }) =>
        indicesArb(size).chain((idx) =>
          tensorArb([...outer, ...idx.shape, ...inner], { dtype: "f64" }).map((u) => ({
            xs: [u, idx],
            ints: [outer.length, size],
          }))
        )
      ),
      f: ([u, idx], [axis, size]) => nu.scatterAdd(u, idx, size, { axis }),
      argnums: [0],
    }],
  },
};

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/** The FD check of one case on one input; throws with the case, input and report. */
export async function checkCase(c: Case, input: CaseInput, seed: number): Promise<void> {
  using _s = nu.scope();
  const cpu = nu.cpuBackend();
  const xs = input.xs.map((x) => x.tensor({ backend: cpu }));
  const ct = nu.normal(nu.key(seed), c.f(xs, input.ints).shape, { dtype: "f64", backend: cpu });
  const loss = (...args: nu.Tensor[]) => nu.sum(nu.mul(c.f(args, input.ints), ct));
  const argnums = c.argnums ?? xs.map((x, i) => (x.dtype === "f64" ? i : -1)).filter((i) => i >= 0);
  const r = await checkGrads(loss, xs, {
    argnums,
    eps: c.eps,
    rtol: c.rtol,
    atol: c.atol,
    key: nu.key(seed + 1),
  });
  if (!r.ok) {
    throw new Error(
      `${c.name}: VJP disagrees with finite differences at leaf ${r.where}: analytic ${r.analytic}, ` +
        `numeric ${r.numeric} (relative error ${r.worstRelError}); inputs ${
          input.xs.join(" ; ")
        }, ` +
        `ints [${input.ints}]`,
    );
  }
}

Deno.test("vjp table: every primitive in the rule table has a row, and no row is stale", () => {
  assertEquals([...primitiveNames()].sort(), Object.keys(table).sort());
  for (const [prim, row] of Object.entries(table)) {
    assertTrue(row.cases.length > 0, `primitive ${prim} has no case`);
  }
});

for (const [prim, row] of Object.entries(table)) {
  for (const c of row.cases) {
    Deno.test(`vjp table: ${prim}: ${c.name} matches finite differences (f64, CPU)`, async () => {
      let run = 0;
      await fc.assert(fc.asyncProperty(c.inputs, (input) => checkCase(c, input, 1000 + run++)));
    });
  }
}
