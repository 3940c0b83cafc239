import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  fitLrStar,
  fitQuadratic,
  leastSquaresSlope,
  seedMeanCurve,
  spread,
} from "../../bench/transfer/analyse/fit.ts";
import type { RunResult } from "../../bench/transfer/plan/types.ts";

Deno.test("fitLrStar recovers the vertex of a parabola sampled on a grid around it", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -14, max: -2, noNaN: true }),
      fc.double({ min: 0.01, max: 2, noNaN: true }),
      fc.double({ min: 0.5, max: 6, noNaN: true }),
      fc.constantFrom(0.5, 1),
      fc.integer({ min: 2, max: 5 }),
      (vertex, curvature, floor, step, half) => {
        // A grid that brackets the vertex with at least `half` points on each side.
        const start = Math.floor(vertex / step) * step - half * step;
        const xs = Array.from({ length: 2 * half + 2 }, (_, i) => start + i * step);
        const pts = xs.map((x) => ({ log2Lr: x, loss: floor + curvature * (x - vertex) ** 2 }));
        const fit = fitLrStar(pts);
        assertEquals(fit.method, "parabola");
        assertEquals(fit.edge, null);
        assertClose(fit.log2LrStar!, vertex, { atol: 1e-6, rtol: 0 });
        assertTrue(fit.used >= 3 && fit.used <= 5);
      },
    ),
  );
});

Deno.test("fitLrStar: a minimum at either end of the grid is an edge, reported as a bound", () => {
  const pts = [-10, -9, -8].map((x) => ({ log2Lr: x, loss: 2 + (x + 12) ** 2 }));
  const low = fitLrStar(pts);
  assertEquals([low.edge, low.method, low.log2LrStar], ["low", "best-point", -10]);
  const rising = [-10, -9, -8].map((x) => ({ log2Lr: x, loss: 2 + (x + 6) ** 2 }));
  assertEquals(fitLrStar(rising).edge, "high");
});

Deno.test("fitLrStar: diverged runs are not fitted but bound the curve", () => {
  const pts = [
    { log2Lr: -10, loss: 2.0 },
    { log2Lr: -9, loss: 1.6 },
    { log2Lr: -8, loss: 1.5 },
    { log2Lr: -7, loss: Infinity },
    { log2Lr: -6, loss: NaN },
  ];
  const fit = fitLrStar(pts);
  assertEquals(fit.edge, null);
  assertEquals(fit.minLoss, 1.5);
  // Only -9 lies within one octave of the best finite point: widened to (-10, -9, -8), whose
  // parabola has its vertex at -8.5 + 0.1 / 0.3 = -8.1667.
  assertEquals(fit.used, 3);
  assertClose(fit.log2LrStar!, -8 - 1 / 6, { atol: 1e-9 });
  assertEquals(fitLrStar([{ log2Lr: -8, loss: Infinity }]).method, "none");
});

Deno.test("fitLrStar: a vertex outside the points used is clamped to their span", () => {
  // Skewed V: the least-squares parabola over the five points puts its vertex above -7.
  const pts = [-10, -9, -8, -7, -6].map((x) => ({
    log2Lr: x,
    loss: x === -8 ? 1.0 : x === -7 ? 1.01 : x === -6 ? 1.02 : 3 + (-8 - x),
  }));
  const fit = fitLrStar(pts, { window: 2 });
  assertEquals(fit.method, "parabola");
  assertTrue(fit.log2LrStar! >= -10 && fit.log2LrStar! <= -6);
});

const curve = (pairs: [number, number][]) => pairs.map(([log2Lr, loss]) => ({ log2Lr, loss }));

Deno.test("fitLrStar: a flat bottom is centred, not reported at its low end", () => {
  // Three equal best points in the middle of the grid: the strict `<` used to pick -9.
  const fit = fitLrStar(curve([[-10, 2], [-9, 1], [-8, 1], [-7, 1], [-6, 2]]));
  // The three flat points make a straight "parabola" (a = 0): the centre of the ties.
  assertEquals([fit.edge, fit.method, fit.log2LrStar], [null, "best-point", -8]);
  // A wider window takes in the rising sides and fits a parabola, centred on the flat bottom.
  const wide = fitLrStar(curve([[-10, 2], [-9, 1], [-8, 1], [-7, 1], [-6, 2]]), { window: 2 });
  assertEquals(wide.method, "parabola");
  assertClose(wide.log2LrStar!, -8, { atol: 1e-9 });
  // Flat from the low end: the optimum is only bounded above, by the highest tied point.
  const lowFlat = fitLrStar(curve([[-10, 1], [-9, 1], [-8, 1], [-7, 2], [-6, 3]]));
  assertEquals([lowFlat.edge, lowFlat.log2LrStar, lowFlat.method], ["low", -8, "best-point"]);
  const highFlat = fitLrStar(curve([[-10, 3], [-9, 2], [-8, 1], [-7, 1]]));
  assertEquals([highFlat.edge, highFlat.log2LrStar], ["high", -8]);
  // Flat everywhere: nothing is bracketed.
  const flat = fitLrStar(curve([[-10, 1], [-9, 1], [-8, 1]]));
  assertEquals([flat.method, flat.log2LrStar, flat.edge, flat.minLoss], ["flat", null, null, 1]);
});

Deno.test("fitLrStar: two separated tied minima are fitted around their midpoint", () => {
  // Ties at -9 and -7 (the same loss): the window is centred on -8, not on the first tie.
  const fit = fitLrStar(curve([[-11, 3], [-10, 2], [-9, 1], [-8, 1.2], [-7, 1], [-6, 2]]));
  assertEquals(fit.edge, null);
  // Symmetric data around -8: the fitted vertex is -8 whatever the curvature.
  const sym = fitLrStar(curve([[-10, 2], [-9, 1], [-8, 1.2], [-7, 1], [-6, 2]]));
  assertClose(sym.log2LrStar!, -8, { atol: 1e-9 });
  assertTrue(fit.log2LrStar! > -9 && fit.log2LrStar! < -7);
});

Deno.test("fitLrStar: a concave fit falls back to the best point", () => {
  // A 'W' around the best point: the least-squares parabola over the five points is concave.
  const pts = curve([[-10, 0.1005], [-9.5, 0.12], [-9, 0.1], [-8.5, 0.12], [-8, 0.1005], [
    -7,
    0.5,
  ], [-11, 0.5]]);
  const fit = fitLrStar(pts);
  assertEquals([fit.method, fit.log2LrStar, fit.edge, fit.used], ["best-point", -9, null, 1]);
  assertTrue(fitQuadratic([-1, -0.5, 0, 0.5, 1], [0.1005, 0.12, 0.1, 0.12, 0.1005])!.a < 0);
});

Deno.test("fitLrStar: a diverged run at the lowest rate does not bracket the optimum", () => {
  // Divergence below the best point says nothing about a rate being too low: a low edge.
  const fit = fitLrStar(curve([[-10, Infinity], [-9, 1.0], [-8, 1.5], [-7, 2.0]]));
  assertEquals([fit.edge, fit.log2LrStar, fit.method], ["low", -9, "best-point"]);
  // With a finite point below the best, the curve is bracketed and fitted as usual.
  const inner = fitLrStar(curve([[-11, Infinity], [-10, 1.2], [-9, 1.0], [-8, 1.2], [-7, 2]]));
  assertEquals([inner.edge, inner.method], [null, "parabola"]);
  assertClose(inner.log2LrStar!, -9, { atol: 1e-9 });
  // A diverged run above the best point does bracket it from above: not a high edge.
  const above = fitLrStar(curve([[-10, 3], [-9, 2], [-8, 1], [-7, Infinity]]));
  assertEquals(above.edge, null);
});

Deno.test("fitLrStar: best point at either end is a one-sided bound", () => {
  const low = fitLrStar(curve([[-10, 1], [-9, 2], [-8, 3], [-7, 4]]));
  assertEquals([low.edge, low.log2LrStar], ["low", -10]);
  const high = fitLrStar(curve([[-10, 4], [-9, 3], [-8, 2], [-7, 1]]));
  assertEquals([high.edge, high.log2LrStar], ["high", -7]);
});

Deno.test("fitLrStar: too few points", () => {
  assertEquals(fitLrStar([]), {
    log2LrStar: null,
    minLoss: null,
    method: "none",
    edge: null,
    used: 0,
  });
  // One finite point: it is both the lowest and the highest rate; nothing is bracketed.
  assertEquals(fitLrStar(curve([[-8, 1]])).method, "flat");
  // One finite point with divergence above it: lr* is at most that point.
  assertEquals(fitLrStar(curve([[-8, 1], [-7, Infinity]])).edge, "low");
  // Two finite points, best bracketed by a diverged run above: no parabola, the best point.
  const two = fitLrStar(curve([[-9, 2], [-8, 1], [-7, Infinity]]));
  assertEquals([two.method, two.log2LrStar, two.edge, two.used], ["best-point", -8, null, 1]);
  assertThrows(() => fitLrStar(curve([[-8, 1]]), { window: 0 }), "fitLrStar: window");
});

Deno.test("fitQuadratic solves exact quadratics; slope and spread", () => {
  const q = fitQuadratic([0, 1, 2, 3], [1, 3, 9, 19])!; // 2x² + 0x + 1
  assertClose(q.a, 2, { atol: 1e-9 });
  assertClose(q.b, 0, { atol: 1e-9 });
  assertClose(q.c, 1, { atol: 1e-9 });
  assertEquals(fitQuadratic([1, 1, 1], [1, 2, 3]), null);
  assertClose(leastSquaresSlope([0, 1, 2, 3], [-8, -8.9, -10.1, -11])!, -1.02, { atol: 1e-9 });
  assertEquals(leastSquaresSlope([1], [1]), null);
  assertEquals(spread([-7, -8.5, -8]), 1.5);
  assertEquals(spread([]), null);
});

Deno.test("seedMeanCurve averages seeds, marks a diverged seed, drops failed runs", () => {
  const run = (log2Lr: number, seed: number, status: RunResult["status"], loss: number | null) =>
    ({ spec: { log2Lr, seed }, status, finalValLoss: loss }) as unknown as RunResult;
  const curve = seedMeanCurve([
    run(-8, 0, "ok", 1.0),
    run(-8, 1, "ok", 2.0),
    run(-7, 0, "ok", 1.0),
    run(-7, 1, "diverged", null),
    run(-6, 0, "failed", null),
  ]);
  assertEquals(curve, [{ log2Lr: -8, loss: 1.5 }, { log2Lr: -7, loss: Infinity }]);
});
