/**
 * The bootstrap behind every interval of a transfer sweep: replicates of each loss curve, each
 * refitted with {@linkcode fitLrStar}, so that the spread of the refitted lr* is the uncertainty
 * of the measured one.
 *
 * One replicate of a curve (one parameterization, axis and size):
 * 1. **Seeds**: draw the curve's seeds with replacement (whole per-seed curves, so a seed's
 *    runs stay together) and average them per learning rate. A point whose runs the drawn seeds
 *    lack keeps its own seeds, redrawn.
 * 2. **Noise**: add normal noise of variance σ²/n² to a point averaged over n seeds. With the
 *    resampling's (n−1)/n · σ²/n that gives the seed mean's σ²/n, also for n = 1 or 2 where
 *    resampling alone is degenerate (a smoothed bootstrap). σ is the per-seed noise of a final
 *    loss, pooled over the sweep ({@linkcode estimateNoise}).
 * 3. **Fit window**: the fit uses a window drawn from `windows` (octaves around the best point;
 *    default 0.5, 1 and 2), one draw per replicate shared by all curves, so which points enter
 *    the parabola is part of the uncertainty (a lopsided curve moves with the window).
 * A replicate whose best point is at an edge counts as a bound (see `intervals.ts`), so a flat
 * curve or an optimum near the grid's edge widens the interval, to one side when it must.
 *
 * Every curve draws from its own stream, seeded by the bootstrap seed and the curve's content, so
 * two parameterizations that share a curve (the base size) share its replicates, and the result
 * does not depend on the order of the results.
 *
 * @example
 * ```ts
 * import { lrStarBootstrap } from "./bootstrap.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const points = [-10, -9, -8, -7, -6].map((log2Lr) => ({
 *   log2Lr,
 *   bySeed: new Map([[0, 2 + 0.05 * (log2Lr + 8) ** 2]]),
 * }));
 * const { fit, interval } = lrStarBootstrap({ points }, { sigma: 0.01 });
 * assertTrue(interval.lo! < fit.log2LrStar! && fit.log2LrStar! < interval.hi!);
 * ```
 *
 * @module
 */
import { fitLrStar, fitQuadratic, type LossPoint, type LrStarFit } from "./fit.ts";
import { type Interval, percentileInterval } from "./intervals.ts";
import { hashString, type Random, seededRandom } from "./random.ts";
import { curveKey, type CurveSamples, mean, meanCurve } from "./samples.ts";

/** Bootstrap settings. */
export interface BootstrapOptions {
  /** Per-seed noise σ of a final loss; 0 leaves only the resampling and the window. */
  sigma: number;
  /** Number of replicates (default 1000). */
  replicates?: number;
  /** Seed of the streams (default 1). */
  seed?: number;
  /** Fit windows (octaves) drawn from per replicate (default [0.5, 1, 2]). */
  windows?: readonly number[];
  /**
   * A hypothetical seed count: instead of resampling seeds, perturb the observed seed mean by
   * noise σ/√seeds (what the curve would look like measured with that many seeds).
   */
  seeds?: number;
}

/** The defaults of {@linkcode BootstrapOptions}. */
export const BOOTSTRAP_DEFAULTS = { replicates: 1000, seed: 1, windows: [0.5, 1, 2] } as const;

/** The replicates of one curve. */
export interface CurveReplicates {
  /** One refit per replicate. */
  fits: LrStarFit[];
  /** Per learning rate (ascending), the replicates' seed-mean losses. */
  losses: { log2Lr: number; values: number[] }[];
}

/** The per-seed noise of the final loss, pooled over a sweep's curves. */
export interface NoiseEstimate {
  /** null when the data cannot tell (one seed and no parabola with spare points). */
  sigma: number | null;
  /** Degrees of freedom behind the estimate. */
  dof: number;
  /**
   * `seeds`: spread between seeds at the same point; `residuals`: scatter about a parabola;
   * `given`: set by the caller (e.g. measured on another sweep of the same configuration).
   */
  source: "seeds" | "residuals" | "given" | "none";
}

/**
 * Estimates the per-seed noise σ of a final loss near the optimum, pooled over `curves` (curves
 * with identical samples count once):
 * - from the seeds, where points near each curve's best (within `near` octaves, default 1) have
 *   two or more finite seeds: the pooled within-point variance (needs ≥ 2 degrees of freedom);
 * - otherwise from the residuals of a least-squares parabola through the 4–5 finite points
 *   nearest each curve's best (within 2 octaves), weighted by the points' seed counts. This
 *   counts the parabola's misfit as noise too, yet it errs on the narrow side: a seed's runs at
 *   neighbouring rates share its data order and initialization, so their scatter about a smooth
 *   curve is smaller than the scatter between seeds (measured on the quick preset's model:
 *   0.0096 from one seed's parabolas, 0.0145–0.018 between two seeds once each seed's common
 *   offset is removed). Intervals from one seed are too narrow; run two or more.
 *
 * @example
 * ```ts
 * import { estimateNoise } from "./bootstrap.ts";
 * import { assertClose, assertEquals } from "../../../testing/assert.ts";
 * const point = (log2Lr: number, a: number, b: number) => ({
 *   log2Lr,
 *   bySeed: new Map([[0, a], [1, b]]),
 * });
 * const noise = estimateNoise([{ points: [point(-9, 2.1, 2.3), point(-8, 2.0, 2.2), point(-7, 2.4, 2.2)] }]);
 * assertEquals([noise.source, noise.dof], ["seeds", 3]);
 * assertClose(noise.sigma!, Math.sqrt(0.02), { atol: 1e-12 });
 * ```
 */
export function estimateNoise(
  curves: readonly CurveSamples[],
  options: { near?: number } = {},
): NoiseEstimate {
  const near = options.near ?? 1;
  const unique = [...new Map(curves.map((c) => [curveKey(c), c])).entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, c]) => c);
  let ss = 0;
  let dof = 0;
  for (const c of unique) {
    const best = bestPoint(meanCurve(c));
    if (best === null) continue;
    for (const p of c.points) {
      if (Math.abs(p.log2Lr - best) > near + 1e-9) continue;
      const xs = [...p.bySeed.values()].filter(Number.isFinite);
      if (xs.length < 2) continue;
      const m = mean(xs);
      for (const x of xs) ss += (x - m) ** 2;
      dof += xs.length - 1;
    }
  }
  if (dof >= 2) return { sigma: Math.sqrt(ss / dof), dof, source: "seeds" };
  ss = 0;
  dof = 0;
  for (const c of unique) {
    const pts = c.points.map((p) => ({
      log2Lr: p.log2Lr,
      loss: mean([...p.bySeed.values()]),
      n: p.bySeed.size,
    })).filter((p) => Number.isFinite(p.loss));
    const best = bestPoint(pts);
    if (best === null) continue;
    const used = pts.filter((p) => Math.abs(p.log2Lr - best) <= 2 + 1e-9)
      .sort((p, q) => Math.abs(p.log2Lr - best) - Math.abs(q.log2Lr - best) || p.log2Lr - q.log2Lr)
      .slice(0, 5);
    if (used.length < 4) continue;
    const q = fitQuadratic(used.map((p) => p.log2Lr - best), used.map((p) => p.loss));
    if (q === null) continue;
    for (const p of used) {
      const x = p.log2Lr - best;
      ss += p.n * (p.loss - (q.a * x * x + q.b * x + q.c)) ** 2;
    }
    dof += used.length - 3;
  }
  if (dof >= 2) return { sigma: Math.sqrt(ss / dof), dof, source: "residuals" };
  return { sigma: null, dof: 0, source: "none" };
}

/** The log2 lr of the lowest finite loss (the first on ties), or null. */
function bestPoint(points: readonly LossPoint[]): number | null {
  let best: LossPoint | null = null;
  for (const p of points) {
    if (Number.isFinite(p.loss) && (best === null || p.loss < best.loss)) best = p;
  }
  return best?.log2Lr ?? null;
}

/** Draws one replicate's seed-mean curve (see the module doc, steps 1 and 2). */
function replicateCurve(
  samples: CurveSamples,
  seeds: readonly number[],
  rng: Random,
  options: { sigma: number; seeds?: number },
): LossPoint[] {
  const { sigma } = options;
  if (options.seeds !== undefined) {
    const scale = sigma / Math.sqrt(options.seeds);
    return samples.points.map((p) => {
      const m = mean([...p.bySeed.values()]);
      const z = rng.normal();
      return { log2Lr: p.log2Lr, loss: Number.isFinite(m) ? m + scale * z : m };
    });
  }
  const drawn = seeds.map(() => seeds[rng.int(seeds.length)]);
  return samples.points.map((p) => {
    let values = drawn.filter((s) => p.bySeed.has(s)).map((s) => p.bySeed.get(s)!);
    if (values.length === 0) {
      const own = [...p.bySeed.values()];
      values = own.map(() => own[rng.int(own.length)]);
    }
    const m = mean(values);
    const z = rng.normal();
    return { log2Lr: p.log2Lr, loss: Number.isFinite(m) ? m + (sigma / p.bySeed.size) * z : m };
  });
}

/**
 * Replicates of every curve, the fit window shared per replicate (see the module doc).
 *
 * @example
 * ```ts
 * import { bootstrapCurves } from "./bootstrap.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const points = [-9, -8, -7].map((log2Lr) => ({ log2Lr, bySeed: new Map([[0, (log2Lr + 8) ** 2]]) }));
 * const [a, b] = bootstrapCurves([{ points }, { points }], { sigma: 0.1, replicates: 50 });
 * assertEquals(a.fits.length, 50);
 * assertEquals(a.fits, b.fits); // a shared curve has shared replicates
 * ```
 */
export function bootstrapCurves(
  curves: readonly CurveSamples[],
  options: BootstrapOptions,
): CurveReplicates[] {
  const replicates = options.replicates ?? BOOTSTRAP_DEFAULTS.replicates;
  const seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const windows = options.windows ?? BOOTSTRAP_DEFAULTS.windows;
  if (!(Number.isInteger(replicates) && replicates > 0)) {
    throw new Error(`bootstrapCurves: replicates must be a positive integer, got ${replicates}`);
  }
  if (!(options.sigma >= 0)) {
    throw new Error(`bootstrapCurves: sigma must be ≥ 0, got ${options.sigma}`);
  }
  if (options.seeds !== undefined && !(options.seeds > 0)) {
    throw new Error(`bootstrapCurves: seeds must be > 0, got ${options.seeds}`);
  }
  if (windows.length === 0 || windows.some((w) => !(w > 0))) {
    throw new Error(`bootstrapCurves: windows must be positive octaves, got [${windows}]`);
  }
  const windowRng = seededRandom(`${seed}/windows`);
  const streams = curves.map((c) => seededRandom(`${seed}/${hashString(curveKey(c))}`));
  const seedLists = curves.map((c) =>
    [...new Set(c.points.flatMap((p) => [...p.bySeed.keys()]))].sort((a, b) => a - b)
  );
  const out: CurveReplicates[] = curves.map((c) => ({
    fits: [],
    losses: c.points.map((p) => ({ log2Lr: p.log2Lr, values: [] })),
  }));
  for (let b = 0; b < replicates; b++) {
    const window = windows[windowRng.int(windows.length)];
    curves.forEach((c, i) => {
      const curve = replicateCurve(c, seedLists[i], streams[i], options);
      out[i].fits.push(fitLrStar(curve, { window }));
      curve.forEach((p, k) => out[i].losses[k].values.push(p.loss));
    });
  }
  return out;
}

/**
 * The lr* interval of replicate fits: edge replicates count as bounds (see `intervals.ts`);
 * replicates with no estimate (`none`, `flat`) count as unbounded on both sides.
 *
 * @example
 * ```ts
 * import { lrStarInterval } from "./bootstrap.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const fit = (log2LrStar: number, edge: "low" | "high" | null) =>
 *   ({ log2LrStar, minLoss: 1, method: "parabola", edge, used: 3 }) as const;
 * const fits = [...Array(90).fill(fit(-7, null)), ...Array(10).fill(fit(-6, "high"))];
 * assertEquals(lrStarInterval(fits, { level: 0.9 }), { level: 0.9, lo: -7, hi: null });
 * ```
 */
export function lrStarInterval(
  fits: readonly LrStarFit[],
  options: { level: number },
): Interval {
  const lower = fits.map((f) =>
    f.log2LrStar === null || f.edge === "low" ? -Infinity : f.log2LrStar
  );
  const upper = fits.map((f) =>
    f.log2LrStar === null || f.edge === "high" ? Infinity : f.log2LrStar
  );
  return percentileInterval(lower, upper, options);
}

/**
 * One curve's fit and its bootstrap interval (level default 0.9).
 *
 * @example
 * ```ts
 * import { lrStarBootstrap } from "./bootstrap.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // Falling all the way to the highest rate tried: lr* is at least about -7.
 * const points = [-10, -9, -8, -7].map((log2Lr) => ({ log2Lr, bySeed: new Map([[0, -log2Lr]]) }));
 * const { fit, interval } = lrStarBootstrap({ points }, { sigma: 0.01 });
 * assertEquals([fit.edge, interval.lo, interval.hi], ["high", -7, null]);
 * ```
 */
export function lrStarBootstrap(
  samples: CurveSamples,
  options: BootstrapOptions & { level?: number },
): { fit: LrStarFit; interval: Interval } {
  const fit = fitLrStar(meanCurve(samples));
  const [reps] = bootstrapCurves([samples], options);
  return { fit, interval: lrStarInterval(reps.fits, { level: options.level ?? 0.9 }) };
}
