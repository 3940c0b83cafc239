/**
 * Intervals for the surface estimator (`surface_fit.ts`) from the same bootstrap as the per-curve
 * parabola's (`bootstrap.ts`): every replicate's resampled seed-mean curves are fitted both ways,
 * so each size's lr* and the chain's slope come with the surface's interval and, beside it as a
 * check, the parabola's — from the same draws.
 *
 * Each replicate draws its surface's window from `surfaceWindows` (default 1, 1.5 and 2 octaves).
 * A surface replicate whose vertex falls outside a curve's rates is a bound there and counts as
 * one in the interval (as `lrStarInterval` counts the parabola's edges); the slope's replicates
 * use the bounds, and `edgeFraction` says how often that happened.
 *
 * @example
 * ```ts
 * import { surfaceBootstrap } from "./surface_bootstrap.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const curve = (u: number) => ({
 *   log2Multiplier: u,
 *   samples: {
 *     points: [-9, -8, -7, -6, -5].map((x) => ({
 *       log2Lr: x,
 *       bySeed: new Map([[0, 2 + 0.05 * (x + 7 + 0.3 * u) ** 2]]),
 *     })),
 *   },
 * });
 * const r = surfaceBootstrap([curve(0), curve(1), curve(2)], { sigma: 0.005, replicates: 200 });
 * assertTrue(r.slope.interval!.lo! < -0.3 && -0.3 < r.slope.interval!.hi!);
 * ```
 *
 * @module
 */
import { bootstrapCurves, type BootstrapOptions, lrStarInterval } from "./bootstrap.ts";
import { fitLrStar, leastSquaresSlope, type LrStarFit } from "./fit.ts";
import { type Interval, percentileInterval } from "./intervals.ts";
import { seededRandom } from "./random.ts";
import { type CurveSamples, meanCurve } from "./samples.ts";
import { valueInterval } from "./slopes.ts";
import {
  fitSurface,
  type SurfaceCurve,
  type SurfaceFit,
  type SurfaceOptimum,
  type SurfaceOptions,
} from "./surface_fit.ts";

/**
 * The surface's fit windows (octaves), one drawn per replicate: which points enter is part of the
 * uncertainty, as the parabola's windows are in `bootstrap.ts`.
 */
export const SURFACE_WINDOWS: readonly number[] = [1, 1.5, 2];

/** One size of a chain, as measured. */
export interface ChainCurve {
  log2Multiplier: number;
  samples: CurveSamples;
}

/** One size's optimum by both estimators. */
export interface DesignFreeOptimum {
  log2Multiplier: number;
  surface: { fit: SurfaceOptimum; interval: Interval | null };
  parabola: { fit: LrStarFit; interval: Interval | null };
}

/** A slope with its interval. */
export interface SlopeEstimate {
  value: number | null;
  interval: Interval | null;
  /** Share of replicates in which some size's lr* was only a bound. */
  edgeFraction: number;
}

/** The result of {@linkcode surfaceBootstrap}. */
export interface SurfaceBootstrap {
  optima: DesignFreeOptimum[];
  /** The surface's slope of lr* over log2 size. */
  slope: SlopeEstimate;
  /** The per-curve parabolas' slope, the check. */
  parabolaSlope: SlopeEstimate;
  curvature: SurfaceFit["curvature"];
  /** Per replicate, the surface's slope (NaN where undetermined), for paired comparisons. */
  slopeReplicates: number[];
}

/**
 * The surface's and the parabola's lr* per size and slope, with bootstrap intervals (level
 * default 0.9); `sigma` is the per-seed noise of a final loss (`estimateNoise`).
 *
 * @example
 * ```ts
 * import { surfaceBootstrap } from "./surface_bootstrap.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(surfaceBootstrap([], { sigma: 0.01, replicates: 10 }).slope.value, null);
 * ```
 */
export function surfaceBootstrap(
  chain: readonly ChainCurve[],
  options: BootstrapOptions & {
    level?: number;
    surface?: SurfaceOptions;
    surfaceWindows?: readonly number[];
  },
): SurfaceBootstrap {
  const level = options.level ?? 0.9;
  const toSurface = (losses: (k: number, i: number) => number): SurfaceCurve[] =>
    chain.map((c, i) => ({
      log2Multiplier: c.log2Multiplier,
      points: c.samples.points.map((p, k) => ({
        log2Lr: p.log2Lr,
        loss: losses(k, i),
        weight: p.bySeed.size,
      })),
    }));
  const means = chain.map((c) => meanCurve(c.samples));
  const point = fitSurface(toSurface((k, i) => means[i][k].loss), options.surface);
  const parabolas = means.map((m) => fitLrStar(m));
  if (chain.length === 0) {
    const none = { value: null, interval: null, edgeFraction: 0 };
    return { optima: [], slope: none, parabolaSlope: none, curvature: null, slopeReplicates: [] };
  }
  const reps = bootstrapCurves(chain.map((c) => c.samples), options);
  const replicates = reps[0].fits.length;
  const windows = options.surfaceWindows ?? SURFACE_WINDOWS;
  if (windows.length === 0 || windows.some((w) => !(w > 0))) {
    throw new Error(`surfaceBootstrap: windows must be positive octaves, got [${windows}]`);
  }
  const windowRng = seededRandom(`${options.seed ?? 1}/surface-windows`);
  const surfaces: SurfaceFit[] = [];
  for (let b = 0; b < replicates; b++) {
    const window = windows[windowRng.int(windows.length)];
    const curves = toSurface((k, i) => reps[i].losses[k].values[b]);
    surfaces.push(fitSurface(curves, { ...options.surface, window }));
  }
  const optima = chain.map((c, i): DesignFreeOptimum => {
    const fits = surfaces.map((s) => s.optima[i]);
    return {
      log2Multiplier: c.log2Multiplier,
      surface: {
        fit: point.optima[i],
        interval: point.optima[i].method === "none" ? null : boundInterval(fits, level),
      },
      parabola: {
        fit: parabolas[i],
        interval: parabolas[i].method === "none" ? null : lrStarInterval(reps[i].fits, { level }),
      },
    };
  });
  const slopeReplicates = surfaces.map((s) => s.slope ?? NaN);
  const parabolaReps = Array.from({ length: replicates }, (_, b) => {
    const known = reps.map((r, i) => ({ u: chain[i].log2Multiplier, f: r.fits[b] }))
      .filter(({ f }) => f.log2LrStar !== null);
    return {
      slope: leastSquaresSlope(known.map((k) => k.u), known.map((k) => k.f.log2LrStar!)) ?? NaN,
      edge: known.some((k) => k.f.edge !== null),
    };
  });
  const knownParabolas = parabolas.map((f, i) => ({ f, u: chain[i].log2Multiplier }))
    .filter(({ f }) => f.log2LrStar !== null);
  return {
    optima,
    slope: {
      value: point.slope,
      interval: valueInterval(slopeReplicates, { level }),
      edgeFraction: surfaces.filter((s) => s.edge).length / replicates,
    },
    parabolaSlope: {
      value: leastSquaresSlope(
        knownParabolas.map((k) => k.u),
        knownParabolas.map((k) => k.f.log2LrStar!),
      ),
      interval: valueInterval(parabolaReps.map((r) => r.slope), { level }),
      edgeFraction: parabolaReps.filter((r) => r.edge).length / replicates,
    },
    curvature: point.curvature,
    slopeReplicates,
  };
}

/** The interval of replicate optima, edges counting as bounds, none as unbounded. */
function boundInterval(fits: readonly SurfaceOptimum[], level: number): Interval {
  const lower = fits.map((f) =>
    f.log2LrStar === null || f.edge === "low" ? -Infinity : f.log2LrStar
  );
  const upper = fits.map((f) =>
    f.log2LrStar === null || f.edge === "high" ? Infinity : f.log2LrStar
  );
  return percentileInterval(lower, upper, { level });
}
