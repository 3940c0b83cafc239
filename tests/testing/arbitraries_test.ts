/** The testing toolkit's arbitraries: bounds respected, impossible bounds rejected. */
import * as nu from "../../mod.ts";
import {
  broadcastableShapesArb,
  fc,
  keyArb,
  shapeArb,
  tensorArb,
  toTensors,
  treeArbLike,
} from "../../testing.ts";
import { assertThrows, assertTrue } from "../../testing/assert.ts";

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

Deno.test("shapeArb respects rank, dim and size bounds", () => {
  const bounds = fc.record({
    minRank: fc.integer({ min: 0, max: 3 }),
    extra: fc.integer({ min: 0, max: 2 }),
    maxDim: fc.integer({ min: 1, max: 6 }),
    maxSize: fc.integer({ min: 1, max: 50 }),
  });
  fc.assert(fc.property(bounds, fc.integer(), ({ minRank, extra, maxDim, maxSize }, seed) => {
    const shapes = fc.sample(shapeArb({ minRank, maxRank: minRank + extra, maxDim, maxSize }), {
      numRuns: 5,
      seed,
    });
    return shapes.every((s) =>
      s.length >= minRank && s.length <= minRank + extra && s.every((d) => d >= 1 && d <= maxDim) &&
      size(s) <= maxSize
    );
  }));
});

Deno.test("impossible bounds throw clear errors at construction", () => {
  assertThrows(() => shapeArb({ minRank: 3, maxRank: 1 }), ["minRank 3", "maxRank 1"]);
  assertThrows(() => shapeArb({ maxSize: 0 }), ["maxSize", "0"]);
  assertThrows(() => shapeArb({ minDim: 4, minRank: 3, maxSize: 10 }), ["no shape fits"]);
  assertThrows(() => tensorArb([2], { domain: { min: 1, max: 1 } }), ["min < max"]);
  assertThrows(() => tensorArb([2], { domain: { min: 2, max: -1 } }), ["min < max"]);
  assertThrows(() => tensorArb([100], { distinct: 1 }), ["do not fit"]);
  assertThrows(() => broadcastableShapesArb(0), ["positive integer"]);
});

Deno.test("broadcastableShapesArb: the shapes broadcast together", () => {
  fc.assert(fc.property(broadcastableShapesArb(3), (shapes) =>
    nu.tidy(() => {
      const [a, b, c] = shapes.map((s) => nu.zeros(s));
      return nu.add(nu.add(a, b), c).rank >= 0;
    })));
});

Deno.test("tensorArb: values lie in their domain, f32 values are f32-exact", () => {
  const domains = [
    ["any", -3, 3],
    ["positive", 0.1, 3],
    ["bounded", -1, 1],
    [{ min: 5, max: 6 }, 5, 6],
  ] as const;
  for (const [domain, lo, hi] of domains) {
    fc.assert(
      fc.property(
        tensorArb(shapeArb(), { domain }),
        (x) => x.values.every((v) => v >= lo && v <= hi && Math.fround(v) === v),
      ),
    );
  }
});

Deno.test("tensorArb: awayFrom keeps a margin, distinct keeps a spacing, i32/bool are integral", () => {
  fc.assert(
    fc.property(
      tensorArb(shapeArb(), { awayFrom: [0, 1], margin: 0.2 }),
      (x) => x.values.every((v) => Math.abs(v) >= 0.2 - 1e-7 && Math.abs(v - 1) >= 0.2 - 1e-7),
    ),
  );
  fc.assert(fc.property(tensorArb(shapeArb(), { distinct: 0.05, dtype: "f64" }), (x) => {
    const s = [...x.values].sort((a, b) => a - b);
    return s.every((v, i) => i === 0 || v - s[i - 1] >= 0.05 - 1e-9);
  }));
  fc.assert(
    fc.property(
      tensorArb([4], { dtype: "i32", domain: { min: 0, max: 3 } }),
      (x) => x.values.every((v) => Number.isInteger(v) && v >= 0 && v <= 3),
    ),
  );
  fc.assert(
    fc.property(
      tensorArb([4], { dtype: "bool" }),
      (x) => nu.tidy(() => x.tensor().dtype === "bool"),
    ),
  );
});

Deno.test("samples make tensors lazily: generating leaks nothing", () => {
  const before = nu.memory().tensors;
  fc.sample(tensorArb(shapeArb()), 50);
  fc.sample(treeArbLike({ w: nu.keep(nu.zeros([2])) }), 50);
  assertTrue(nu.memory().tensors === before + 1);
});

Deno.test("treeArbLike keeps non-tensor leaves and toTensors builds the tree", () => {
  fc.assert(
    fc.property(treeArbLike({ a: nu.keep(nu.ones([2, 2])), n: 3, s: ["x"] }), (t) =>
      nu.tidy(() => {
        const made = toTensors(t) as { a: nu.Tensor; n: number; s: string[] };
        return made.a.shape.join() === "2,2" && made.n === 3 && made.s[0] === "x";
      })),
  );
});

Deno.test("keyArb gives keys that drive the PRNG", () => {
  fc.assert(fc.property(keyArb(), (k) => nu.isKey(k) && nu.split(k, 2).length === 2));
});
