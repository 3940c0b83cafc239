/**
 * A loss difference paired by seed: each seed's best loss for one parameterization minus the same
 * seed's for another (the same data order and initial draw on both sides), their mean and a
 * Student-t interval over the seeds. The fit report uses it to say whether a found
 * parameterization trains worse than its base at a held-out size beyond the seed-to-seed noise.
 *
 * @example
 * ```ts
 * import { pairedDifference } from "./paired.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const d = pairedDifference({ 0: 2.01, 1: 2.03, 2: 1.99 }, { 0: 2.0, 1: 2.0, 2: 2.0 });
 * assertEquals(d?.seeds, 3);
 * assertEquals(d?.mean.toFixed(3), "0.010");
 * ```
 *
 * @module
 */
import type { Interval } from "./intervals.ts";
import { mean } from "./samples.ts";

/** Two-sided 90 % Student-t quantiles (the 0.95 point) by degrees of freedom, 1 … 30. */
const T95 = [
  6.314,
  2.920,
  2.353,
  2.132,
  2.015,
  1.943,
  1.895,
  1.860,
  1.833,
  1.812,
  1.796,
  1.782,
  1.771,
  1.761,
  1.753,
  1.746,
  1.740,
  1.734,
  1.729,
  1.725,
  1.721,
  1.717,
  1.714,
  1.711,
  1.708,
  1.706,
  1.703,
  1.701,
  1.699,
  1.697,
];

/**
 * The 0.95 quantile of Student's t with `df` degrees of freedom (the normal's 1.645 past 30, where
 * the table's last entry is within 0.06 of it).
 *
 * @example
 * ```ts
 * import { t95 } from "./paired.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals([t95(2), t95(1000)], [2.92, 1.645]);
 * ```
 */
export function t95(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new Error(`t95: df must be a positive integer, got ${df}`);
  }
  return df <= T95.length ? T95[df - 1] : 1.645;
}

/** A paired difference over seeds. */
export interface PairedDifference {
  /** Seeds on both sides. */
  seeds: number;
  /** Mean of (a − b) over those seeds. */
  mean: number;
  /** Its 90 % t-interval; null with a single seed. */
  interval: Interval | null;
}

/**
 * `a[seed] − b[seed]` over the seeds both have: mean and 90 % t-interval; null when they share
 * no seed.
 *
 * @example
 * ```ts
 * import { pairedDifference } from "./paired.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // Seed 5 is on one side only and is left out.
 * const d = pairedDifference({ 0: 1.0, 1: 1.2, 5: 9 }, { 0: 1.0, 1: 1.0 });
 * assertEquals(d?.seeds, 2);
 * assertEquals(pairedDifference({ 0: 1 }, { 1: 1 }), null);
 * ```
 */
export function pairedDifference(
  a: Readonly<Record<number, number>>,
  b: Readonly<Record<number, number>>,
): PairedDifference | null {
  const diffs = Object.keys(a).map(Number).filter((s) => s in b).map((s) => a[s] - b[s]);
  const n = diffs.length;
  if (n === 0) return null;
  const m = mean(diffs);
  if (n === 1) return { seeds: 1, mean: m, interval: null };
  const variance = diffs.reduce((x, d) => x + (d - m) ** 2, 0) / (n - 1);
  const half = t95(n - 1) * Math.sqrt(variance / n);
  return { seeds: n, mean: m, interval: { level: 0.9, lo: m - half, hi: m + half } };
}

/**
 * Each seed's lowest final loss among `runs` (the rates tried for one curve); runs that diverged
 * or failed are left out, and a seed none of whose runs finished is absent.
 *
 * @example
 * ```ts
 * import { bestLossBySeed } from "./paired.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const run = (seed: number, loss: number | null) => ({
 *   spec: { seed }, status: loss === null ? "diverged" : "ok", finalValLoss: loss,
 * });
 * assertEquals(bestLossBySeed([run(0, 2.1), run(0, 2.0), run(1, null), run(1, 2.2)]), { 0: 2.0, 1: 2.2 });
 * ```
 */
export function bestLossBySeed(
  runs: readonly { spec: { seed: number }; status: string; finalValLoss: number | null }[],
): Record<number, number> {
  const best: Record<number, number> = {};
  for (const r of runs) {
    const loss = r.finalValLoss;
    if (r.status !== "ok" || loss === null || !Number.isFinite(loss)) continue;
    if (!(r.spec.seed in best) || loss < best[r.spec.seed]) best[r.spec.seed] = loss;
  }
  return best;
}
