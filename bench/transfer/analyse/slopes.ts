/**
 * Transfer statistics under the bootstrap: the whole chain (every size of one parameterization)
 * is refitted in each replicate, so the slope of log2 lr* against log2 size, the spread of log2
 * lr* over the sizes, and the difference of two parameterizations' slopes all get intervals from
 * the same replicates as the optima.
 *
 * An edge replicate (lr* only a bound) enters the slope at its bound; `edgeFraction` says how
 * many replicates had one, and with more than the tail share the slope is itself only a bound
 * in that direction (the report marks it).
 *
 * @example
 * ```ts
 * import { slopeReplicates, valueInterval } from "./slopes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const fit = (log2LrStar: number) =>
 *   ({ log2LrStar, minLoss: 1, method: "parabola", edge: null, used: 5 }) as const;
 * const chain = [
 *   { log2Multiplier: 0, fits: [fit(-5), fit(-5.5)] },
 *   { log2Multiplier: 1, fits: [fit(-6), fit(-5.75)] },
 * ];
 * const reps = slopeReplicates(chain);
 * assertEquals(reps.slopes, [-1, -0.25]);
 * assertEquals(valueInterval(reps.slopes, { level: 0.5 }), { level: 0.5, lo: -1, hi: -0.25 });
 * ```
 *
 * @module
 */
import { leastSquaresSlope, type LrStarFit } from "./fit.ts";
import { excludes, type Interval, percentileInterval } from "./intervals.ts";

/** One size of a chain: its log2 size multiplier and its replicate fits (same count for all). */
export interface ChainPoint {
  log2Multiplier: number;
  fits: readonly LrStarFit[];
}

/** Per-replicate slope and spread of a chain (NaN where fewer than two sizes had an lr*). */
export interface SlopeReplicates {
  slopes: number[];
  spreads: number[];
  /** Share of replicates in which some size's lr* was only a bound (an edge). */
  edgeFraction: number;
}

/**
 * Slope and spread in each replicate (see the module doc).
 *
 * @example
 * ```ts
 * import { slopeReplicates } from "./slopes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const fit = (log2LrStar: number, edge: "low" | null) =>
 *   ({ log2LrStar, minLoss: 1, method: "best-point", edge, used: 1 }) as const;
 * const reps = slopeReplicates([
 *   { log2Multiplier: 0, fits: [fit(-5, null), fit(-5, null)] },
 *   { log2Multiplier: 2, fits: [fit(-6, null), fit(-7, "low")] },
 * ]);
 * assertEquals(reps, { slopes: [-0.5, -1], spreads: [1, 2], edgeFraction: 0.5 });
 * ```
 */
export function slopeReplicates(chain: readonly ChainPoint[]): SlopeReplicates {
  const n = chain[0]?.fits.length ?? 0;
  if (chain.some((c) => c.fits.length !== n)) {
    throw new Error(
      `slopeReplicates: every size needs the same number of replicates, got ` +
        `[${chain.map((c) => c.fits.length)}]`,
    );
  }
  const slopes: number[] = [];
  const spreads: number[] = [];
  let edges = 0;
  for (let b = 0; b < n; b++) {
    const xs: number[] = [];
    const ys: number[] = [];
    let edge = false;
    for (const c of chain) {
      const f = c.fits[b];
      if (f.log2LrStar === null) continue;
      xs.push(c.log2Multiplier);
      ys.push(f.log2LrStar);
      edge ||= f.edge !== null;
    }
    if (edge) edges++;
    slopes.push(leastSquaresSlope(xs, ys) ?? NaN);
    spreads.push(ys.length >= 2 ? Math.max(...ys) - Math.min(...ys) : NaN);
  }
  return { slopes, spreads, edgeFraction: n === 0 ? 0 : edges / n };
}

/**
 * The central percentile interval of plain replicate values (NaN left out); null without any.
 *
 * @example
 * ```ts
 * import { valueInterval } from "./slopes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const xs = Array.from({ length: 100 }, (_, i) => i);
 * assertEquals(valueInterval(xs, { level: 0.9 }), { level: 0.9, lo: 4, hi: 94 });
 * assertEquals(valueInterval([NaN], { level: 0.9 }), null);
 * ```
 */
export function valueInterval(
  values: readonly number[],
  options: { level: number },
): Interval | null {
  const finite = values.filter((v) => !Number.isNaN(v));
  return finite.length === 0 ? null : percentileInterval(finite, finite, options);
}

/** Whether two parameterizations' slopes differ, from paired replicates. */
export interface SlopeDifference {
  /** Interval of slope(a) − slope(b). */
  interval: Interval | null;
  /** True when the interval excludes 0. */
  significant: boolean;
  /** Share of replicates with slope(a) > slope(b). */
  shareAGreater: number;
}

/**
 * Compares paired slope replicates of two parameterizations (replicate b of each comes from the
 * same bootstrap draw of any curve they share).
 *
 * @example
 * ```ts
 * import { compareSlopes } from "./slopes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const a = Array.from({ length: 100 }, (_, i) => -0.8 + i / 1000);
 * const b = Array.from({ length: 100 }, (_, i) => -0.3 - i / 1000);
 * const d = compareSlopes(a, b, { level: 0.9 });
 * assertEquals([d.significant, d.shareAGreater], [true, 0]);
 * ```
 */
export function compareSlopes(
  a: readonly number[],
  b: readonly number[],
  options: { level: number },
): SlopeDifference {
  if (a.length !== b.length) {
    throw new Error(`compareSlopes: replicate counts differ: ${a.length} vs ${b.length}`);
  }
  const diffs = a.map((x, i) => x - b[i]);
  const finite = diffs.filter((d) => !Number.isNaN(d));
  const interval = valueInterval(diffs, options);
  return {
    interval,
    significant: interval !== null && excludes(interval, 0),
    shareAGreater: finite.length === 0 ? NaN : finite.filter((d) => d > 0).length / finite.length,
  };
}
