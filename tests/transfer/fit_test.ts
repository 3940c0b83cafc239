import { assertClose, assertEquals, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  fitLrStar,
  fitQuadratic,
  leastSquaresSlope,
  seedMeanCurve,
  spread,
} from "../../bench/transfer/fit.ts";
import type { RunResult } from "../../bench/transfer/types.ts";

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
