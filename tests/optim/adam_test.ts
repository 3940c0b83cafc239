/**
 * Adam against a reference written out on plain numbers (f64), and the laws of `chain`,
 * `scaleByTree`, `scaleByLearningRate` and `applyUpdates`.
 */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  applyUpdates,
  chain,
  clipByGlobalNorm,
  scaleByAdam,
  scaleByLearningRate,
  scaleByTree,
} from "../../optim/mod.ts";
import type { AdamState } from "../../optim/mod.ts";
import type { Tensor } from "../../mod.ts";
import { f64, leafValues, values } from "./helpers.ts";

/** Textbook Adam on numbers: the direction m̂ / (sqrt(v̂) + eps) after each gradient. */
function referenceAdam(
  grads: number[][],
  b1: number,
  b2: number,
  eps: number,
): number[][] {
  const n = grads[0].length;
  const m = new Array(n).fill(0);
  const v = new Array(n).fill(0);
  return grads.map((g, step) => {
    const t = step + 1;
    return g.map((gi, i) => {
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      return mHat / (Math.sqrt(vHat) + eps);
    });
  });
}

const gradValue = fc.integer({ min: -1000, max: 1000 }).map((k) => k / 100);

Deno.test("scaleByAdam matches the textbook formula step by step (f64)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((n) =>
        fc.array(fc.array(gradValue, { minLength: n, maxLength: n }), {
          minLength: 1,
          maxLength: 6,
        })
      ),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      fc.constantFrom(1e-16, 1e-8, 0.1),
      (grads, b1, b2, eps) => {
        const adam = scaleByAdam({ b1, b2, eps });
        let state: AdamState = adam.init({ w: f64(grads[0]) });
        const expected = referenceAdam(grads, b1, b2, eps);
        grads.forEach((g, step) => {
          const [updates, next] = adam.update({ w: f64(g) }, state);
          state = next;
          assertEquals(state.count.dataSync()[0], step + 1);
          values(updates.w).forEach((u, i) =>
            assertClose(u, expected[step][i], { rtol: 1e-12, atol: 1e-12 })
          );
        });
      },
    ),
  );
});

Deno.test("scaleByAdam: defaults are Optax's (0.9, 0.999, 1e-8)", () => {
  const adam = scaleByAdam();
  const g = { a: f64([2, -3, 0.5]), b: [f64([1e-3])] };
  const [u, s] = adam.update(g, adam.init(g));
  const expected = referenceAdam([[2, -3, 0.5, 1e-3]], 0.9, 0.999, 1e-8)[0];
  leafValues(u).flat().forEach((x, i) => assertClose(x, expected[i], { rtol: 1e-14 }));
  leafValues(s.mu).flat().forEach((x, i) =>
    assertClose(x, [0.2, -0.3, 0.05, 1e-4][i], { rtol: 1e-14 })
  );
  leafValues(s.nu).flat().forEach((x, i) =>
    assertClose(x, [0.004, 0.009, 0.00025, 1e-9][i], { rtol: 1e-12 })
  );
  assertThrows(() => scaleByAdam({ b1: 1 }), ["scaleByAdam", "b1", "1"]);
  assertThrows(() => scaleByAdam({ eps: -1 }), ["eps", "-1"]);
});

Deno.test("chain applies transformations in order and keeps their states in order", () => {
  const g = { w: f64([3, 4]) };
  const clipThenDouble = chain(clipByGlobalNorm(1), scaleByTree({ w: 2 }));
  const doubleThenClip = chain(scaleByTree({ w: 2 }), clipByGlobalNorm(1));
  const [a] = clipThenDouble.update(g, clipThenDouble.init(g));
  const [b] = doubleThenClip.update(g, doubleThenClip.init(g));
  values(a.w).forEach((x, i) => assertClose(x, [1.2, 1.6][i], { rtol: 1e-14 }));
  values(b.w).forEach((x, i) => assertClose(x, [0.6, 0.8][i], { rtol: 1e-14 }));

  const adamThenLr = chain(scaleByAdam(), scaleByLearningRate(0.5));
  const state = adamThenLr.init(g);
  assertEquals(state.length, 2);
  const countOf = (s: unknown) => (s as { count: Tensor }).count.dataSync()[0];
  assertEquals(countOf(state[0] as AdamState), 0);
  assertEquals(countOf(state[1]), 0);
  const [, next] = adamThenLr.update(g, state);
  assertEquals(countOf(next[0] as AdamState), 1);
  assertEquals(countOf(next[1]), 1);
  assertThrows(() => adamThenLr.update(g, [state[0]] as never), ["chain", "2 states"]);
  assertThrows(() => chain({} as never), ["chain", "argument 0"]);
});

Deno.test("scaleByTree multiplies each leaf by its own number", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.array(gradValue, { minLength: 1, maxLength: 4 }), gradValue),
        { minLength: 1, maxLength: 5 },
      ),
      (leaves) => {
        const grads = leaves.map(([g]) => f64(g));
        const mults = leaves.map(([, m]) => m);
        const t = scaleByTree(mults);
        const [u, s] = t.update(grads, t.init(grads));
        assertEquals(s, {});
        leafValues(u).forEach((row, k) =>
          row.forEach((x, i) => assertEquals(x, leaves[k][0][i] * mults[k]))
        );
      },
    ),
  );
  assertThrows(() => scaleByTree({ w: NaN }), ["scaleByTree", "NaN"]);
  const t = scaleByTree({ w: 1, v: 2 });
  assertThrows(() => t.update({ w: f64([1]) }, {}), "treeMap");
});

Deno.test("scaleByLearningRate multiplies by -lr(step) and counts steps", () => {
  const t = scaleByLearningRate((step) => 10 - step, { multipliers: { a: 1, b: 0.5 } });
  const g = { a: f64([1, -2]), b: f64([4]) };
  let state = t.init(g);
  for (let step = 0; step < 3; step++) {
    const [u, next] = t.update(g, state);
    assertEquals(values(u.a), [-(10 - step), 2 * (10 - step)]);
    assertEquals(values(u.b), [-4 * 0.5 * (10 - step)]);
    state = next;
  }
  assertEquals(state.count.dataSync()[0], 3);
  const bad = scaleByLearningRate(() => NaN);
  assertThrows(() => bad.update(g, bad.init(g)), ["scaleByLearningRate", "schedule(0)", "NaN"]);
});

Deno.test("applyUpdates adds leaf by leaf and refuses different structures", () => {
  const p = applyUpdates({ a: f64([1, 2]), b: [f64([3])] }, { a: f64([0.5, -1]), b: [f64([1])] });
  assertEquals(leafValues(p), [[1.5, 1], [4]]);
  assertTrue(assertThrows(() => applyUpdates({ a: f64([1]) }, { b: f64([1]) }), "treeMap"));
});
