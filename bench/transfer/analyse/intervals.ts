/**
 * Confidence intervals from bootstrap replicates, possibly one-sided.
 *
 * A replicate fit at the low edge of its grid only says "lr* ≤ bound"; at the high edge,
 * "lr* ≥ bound". {@linkcode percentileInterval} therefore takes two lists: the values to use for
 * the lower limit (a low-edge replicate counts as −∞, a high-edge one as its bound) and for the
 * upper limit (a high-edge replicate counts as +∞, a low-edge one as its bound). When more than
 * the tail's share of replicates are low (high) edges, the lower (upper) limit is −∞ (+∞), stored
 * as `null`: the interval is one-sided, "at most" / "at least".
 *
 * @example
 * ```ts
 * import { formatInterval, percentileInterval } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const values = Array.from({ length: 101 }, (_, i) => -6 + i / 100); // -6 … -5
 * const ci = percentileInterval(values, values, { level: 0.9 });
 * assertEquals(formatInterval(ci), "[-5.95, -5.05]");
 * ```
 *
 * @module
 */

/** A confidence interval; `lo`/`hi` null when unbounded on that side. */
export interface Interval {
  /** Nominal coverage, e.g. 0.9. */
  level: number;
  lo: number | null;
  hi: number | null;
}

/**
 * The `p`-quantile of ascending `sorted` values (the inverse of the empirical distribution
 * function: the smallest value with at least a share `p` at or below it). Values may be ±∞.
 *
 * @example
 * ```ts
 * import { quantile } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(quantile([1, 2, 3, 4], 0.5), 2);
 * assertEquals(quantile([-Infinity, 2, 3, 4], 0.1), -Infinity);
 * ```
 */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("quantile: no values");
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must be in [0, 1], got ${p}`);
  const i = Math.max(0, Math.ceil(p * sorted.length - 1e-9) - 1);
  return sorted[Math.min(i, sorted.length - 1)];
}

/**
 * The central `level` percentile interval (see the module doc for the two lists). NaN values
 * (replicates with no estimate) are left out; with none left, both sides are unbounded.
 *
 * @example
 * ```ts
 * import { percentileInterval } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // 30 of 100 replicates at a low edge -8 ("lr* ≤ -8"), the others at -7.5.
 * const lower = [...Array(30).fill(-Infinity), ...Array(70).fill(-7.5)];
 * const upper = [...Array(30).fill(-8), ...Array(70).fill(-7.5)];
 * assertEquals(percentileInterval(lower, upper, { level: 0.9 }), { level: 0.9, lo: null, hi: -7.5 });
 * ```
 */
export function percentileInterval(
  lower: readonly number[],
  upper: readonly number[],
  options: { level: number },
): Interval {
  const { level } = options;
  if (!(level > 0 && level < 1)) {
    throw new Error(`percentileInterval: level must be in (0, 1), got ${level}`);
  }
  const sort = (xs: readonly number[]) => xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const lows = sort(lower);
  const highs = sort(upper);
  const tail = (1 - level) / 2;
  const lo = lows.length ? quantile(lows, tail) : -Infinity;
  const hi = highs.length ? quantile(highs, 1 - tail) : Infinity;
  return {
    level,
    lo: Number.isFinite(lo) ? lo : null,
    hi: Number.isFinite(hi) ? hi : null,
  };
}

/**
 * Half the interval's width; `Infinity` when it is one-sided.
 *
 * @example
 * ```ts
 * import { halfWidth } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(halfWidth({ level: 0.9, lo: -6, hi: -5 }), 0.5);
 * assertEquals(halfWidth({ level: 0.9, lo: null, hi: -5 }), Infinity);
 * ```
 */
export function halfWidth(interval: Interval): number {
  return interval.lo === null || interval.hi === null ? Infinity : (interval.hi - interval.lo) / 2;
}

/**
 * True when `value` lies outside the interval (e.g. 0 outside a difference's interval: the
 * difference is significant at the interval's level).
 *
 * @example
 * ```ts
 * import { excludes } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(excludes({ level: 0.9, lo: -0.6, hi: -0.1 }, 0), true);
 * assertEquals(excludes({ level: 0.9, lo: null, hi: 0.2 }, 0), false);
 * ```
 */
export function excludes(interval: Interval, value: number): boolean {
  return (interval.lo !== null && value < interval.lo) ||
    (interval.hi !== null && value > interval.hi);
}

/**
 * True when the interval is two-sided and `value` lies outside it: what the fit asks before it
 * uses an estimate (a one-sided interval rests on a bound, and is not enough).
 *
 * @example
 * ```ts
 * import { boundedAwayFrom } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(boundedAwayFrom({ lo: -0.6, hi: -0.1 }, 0), true);
 * assertEquals(boundedAwayFrom({ lo: null, hi: -0.1 }, 0), false);
 * assertEquals(boundedAwayFrom(null, 0), false);
 * ```
 */
export function boundedAwayFrom(
  interval: Pick<Interval, "lo" | "hi"> | null | undefined,
  value: number,
): boolean {
  return interval != null && interval.lo !== null && interval.hi !== null &&
    excludes({ level: 0, ...interval }, value);
}

/**
 * `[lo, hi]`, or `≤ hi` / `≥ lo` when one-sided, `(unbounded)` when both sides are open, `—`
 * for null.
 *
 * @example
 * ```ts
 * import { formatInterval } from "./intervals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(formatInterval({ level: 0.9, lo: null, hi: -4.871 }), "≤ -4.87");
 * assertEquals(formatInterval({ level: 0.9, lo: -0.31, hi: 0.02 }, 3), "[-0.310, 0.020]");
 * assertEquals(formatInterval(null), "—");
 * ```
 */
export function formatInterval(interval: Interval | null, digits = 2): string {
  if (interval === null) return "—";
  const f = (x: number) => x.toFixed(digits);
  if (interval.lo === null && interval.hi === null) return "(unbounded)";
  if (interval.lo === null) return `≤ ${f(interval.hi!)}`;
  if (interval.hi === null) return `≥ ${f(interval.lo)}`;
  return `[${f(interval.lo)}, ${f(interval.hi)}]`;
}
