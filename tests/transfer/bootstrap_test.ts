import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import {
  bootstrapCurves,
  estimateNoise,
  lrStarBootstrap,
  lrStarInterval,
} from "../../bench/transfer/analyse/bootstrap.ts";
import type { CurveSamples } from "../../bench/transfer/analyse/samples.ts";
import { seedsForHalfWidth } from "../../bench/transfer/analyse/seeds_needed.ts";
import { halfWidth } from "../../bench/transfer/analyse/intervals.ts";
import { type Random, seededRandom } from "../../bench/transfer/analyse/random.ts";

/** A half-octave grid from 2^-10 to 2^-5, loss = 2 + curvature (x − vertex)² + seed noise. */
function syntheticCurve(
  rng: Random,
  options: { vertex: number; curvature: number; sigma: number; seeds: number },
): CurveSamples {
  const points = [];
  for (let x = -10; x <= -5 + 1e-9; x += 0.5) {
    const truth = 2 + options.curvature * (x - options.vertex) ** 2;
    const bySeed = new Map<number, number>();
    for (let s = 0; s < options.seeds; s++) bySeed.set(s, truth + options.sigma * rng.normal());
    points.push({ log2Lr: x, bySeed });
  }
  return { points };
}

Deno.test("bootstrap: the 90 % lr* interval covers the true optimum in 85–95 % of 200 draws", () => {
  const rng = seededRandom("coverage");
  let covered = 0;
  const draws = 200;
  for (let d = 0; d < draws; d++) {
    const vertex = -8.5 + 2 * rng.uniform();
    const curve = syntheticCurve(rng, { vertex, curvature: 0.05, sigma: 0.01, seeds: 2 });
    // σ is estimated from the draw's own two seeds, as a sweep does.
    const noise = estimateNoise([curve]);
    assertEquals(noise.source, "seeds");
    const { interval } = lrStarBootstrap(curve, {
      sigma: noise.sigma!,
      replicates: 400,
      seed: d,
      level: 0.9,
    });
    if ((interval.lo ?? -Infinity) <= vertex && vertex <= (interval.hi ?? Infinity)) covered++;
  }
  const coverage = covered / draws;
  assertTrue(coverage >= 0.85 && coverage <= 0.95, `coverage ${coverage}`);
});

Deno.test("bootstrap: a flatter curve gets a wider interval; an edge optimum a one-sided one", () => {
  const widths = (curvature: number) => {
    const rng = seededRandom("flat"); // the same noise for both curvatures
    const curve = syntheticCurve(rng, { vertex: -7.6, curvature, sigma: 0.01, seeds: 2 });
    return halfWidth(lrStarBootstrap(curve, { sigma: 0.01, replicates: 500 }).interval);
  };
  const steep = widths(0.05);
  const flat = widths(0.005);
  assertTrue(steep < 0.3, `steep half-width ${steep}`);
  assertTrue(flat > 2 * steep, `flat ${flat} vs steep ${steep}`);

  const rng = seededRandom("edge");
  const high = syntheticCurve(rng, { vertex: -3.5, curvature: 0.05, sigma: 0.01, seeds: 2 });
  const h = lrStarBootstrap(high, { sigma: 0.01, replicates: 300 });
  assertEquals([h.fit.edge, h.fit.log2LrStar], ["high", -5]);
  assertEquals(h.interval.hi, null); // "at least"
  assertTrue(h.interval.lo !== null && h.interval.lo <= -5);
  const low = syntheticCurve(rng, { vertex: -11.5, curvature: 0.05, sigma: 0.01, seeds: 2 });
  const l = lrStarBootstrap(low, { sigma: 0.01, replicates: 300 });
  assertEquals(l.fit.edge, "low");
  assertEquals(l.interval.lo, null); // "at most"
  assertTrue(l.interval.hi !== null && l.interval.hi >= -10);
});

Deno.test("bootstrap: an optimum near the edge opens the interval on that side", () => {
  // The vertex sits a quarter octave inside the grid's top: noise often moves the best point
  // to the last rate, so the upper limit is unbounded although the point fit is interior.
  const rng = seededRandom("near-edge");
  const curve = syntheticCurve(rng, { vertex: -5.3, curvature: 0.02, sigma: 0.01, seeds: 1 });
  const { interval } = lrStarBootstrap(curve, { sigma: 0.01, replicates: 500 });
  assertEquals(interval.hi, null);
  assertTrue(interval.lo !== null);
});

Deno.test("bootstrap: deterministic, order-free, shared curves share replicates", () => {
  const rng = seededRandom("det");
  const a = syntheticCurve(rng, { vertex: -7, curvature: 0.05, sigma: 0.01, seeds: 2 });
  const b = syntheticCurve(rng, { vertex: -8, curvature: 0.05, sigma: 0.01, seeds: 2 });
  const ab = bootstrapCurves([a, b], { sigma: 0.01, replicates: 100 });
  const ba = bootstrapCurves([b, a], { sigma: 0.01, replicates: 100 });
  assertEquals(ab[0], ba[1]);
  assertEquals(ab[1], ba[0]);
  const again = bootstrapCurves([a, b], { sigma: 0.01, replicates: 100 });
  assertEquals(again, ab);
  const other = bootstrapCurves([a], { sigma: 0.01, replicates: 100, seed: 2 });
  assertTrue(JSON.stringify(other[0].fits) !== JSON.stringify(ab[0].fits));
  assertThrows(
    () => bootstrapCurves([a], { sigma: -1 }),
    "bootstrapCurves: sigma must be ≥ 0, got -1",
  );
  assertThrows(() => bootstrapCurves([a], { sigma: 0.01, windows: [] }), "windows");
});

Deno.test("estimateNoise: from seeds when they repeat, else from parabola residuals", () => {
  const rng = seededRandom("noise");
  const twoSeeds = Array.from(
    { length: 8 },
    () => syntheticCurve(rng, { vertex: -7.5, curvature: 0.05, sigma: 0.02, seeds: 2 }),
  );
  const bySeeds = estimateNoise(twoSeeds);
  assertEquals(bySeeds.source, "seeds");
  assertClose(bySeeds.sigma!, 0.02, { rtol: 0.3, atol: 0 });
  const oneSeed = Array.from(
    { length: 12 },
    () => syntheticCurve(rng, { vertex: -7.5, curvature: 0.05, sigma: 0.02, seeds: 1 }),
  );
  const byResiduals = estimateNoise(oneSeed);
  assertEquals(byResiduals.source, "residuals");
  assertEquals(byResiduals.dof, 24); // 12 curves × (5 points − 3 parameters)
  assertClose(byResiduals.sigma!, 0.02, { rtol: 0.35, atol: 0 });
  const three = { points: [-9, -8, -7].map((log2Lr) => ({ log2Lr, bySeed: new Map([[0, 1]]) })) };
  assertEquals(estimateNoise([three]), { sigma: null, dof: 0, source: "none" });
});

Deno.test("seedsForHalfWidth: noisier curves need more seeds; no noise needs one", () => {
  const rng = seededRandom("seeds");
  const curve = syntheticCurve(rng, { vertex: -7.6, curvature: 0.03, sigma: 0, seeds: 1 });
  const quiet = seedsForHalfWidth(curve, { sigma: 0, replicates: 200 });
  assertEquals(quiet.seeds, 1);
  assertTrue(quiet.floor < 0.25);
  const some = seedsForHalfWidth(curve, { sigma: 0.01, replicates: 200 });
  const more = seedsForHalfWidth(curve, { sigma: 0.03, replicates: 200 });
  assertTrue(some.seeds !== null && more.seeds !== null);
  assertTrue(more.seeds! > some.seeds!, `${more.seeds} vs ${some.seeds}`);
  // Half-widths shrink as seeds grow (common random numbers keep the ladder smooth).
  const hw = more.halfWidths.map((h) => h.halfWidth);
  assertTrue(hw[hw.length - 1] < hw[0]);
});

Deno.test("lrStarInterval: unbounded replicates (no estimate) open both sides", () => {
  const none = { log2LrStar: null, minLoss: null, method: "none", edge: null, used: 0 } as const;
  const ok = { log2LrStar: -7, minLoss: 1, method: "parabola", edge: null, used: 3 } as const;
  assertEquals(lrStarInterval([...Array(20).fill(none), ...Array(80).fill(ok)], { level: 0.9 }), {
    level: 0.9,
    lo: null,
    hi: null,
  });
});
