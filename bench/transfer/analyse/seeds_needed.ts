/**
 * How many seeds a curve needs for a given interval width: the bootstrap rerun at growing seed
 * counts (see {@linkcode seedsForHalfWidth}).
 *
 * @example
 * ```ts
 * import { seedsForHalfWidth } from "./seeds_needed.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const points = [-9, -8, -7].map((log2Lr) => ({ log2Lr, bySeed: new Map([[0, 2]]) }));
 * assertEquals(seedsForHalfWidth({ points }, { sigma: 0, replicates: 10, ladder: [1] }).halfWidths.length, 1);
 * ```
 *
 * @module
 */
import { bootstrapCurves, type BootstrapOptions, lrStarInterval } from "./bootstrap.ts";
import { halfWidth } from "./intervals.ts";
import type { CurveSamples } from "./samples.ts";

/** The result of {@linkcode seedsForHalfWidth}. */
export interface SeedsNeeded {
  /** The smallest seed count tried whose half-width is under the target; null if none. */
  seeds: number | null;
  /** Half-width (octaves; `Infinity` when one-sided) at each seed count tried. */
  halfWidths: { seeds: number; halfWidth: number }[];
  /** Half-width with no seed noise at all: what the grid and the fit window alone leave. */
  floor: number;
}

/**
 * Estimates how many seeds a curve needs for its lr* interval's half-width to fall under
 * `target` octaves (default ¼): the curve's seed mean is perturbed by σ/√S for each seed count S
 * of `ladder` (default 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64) with the same random streams
 * (so the half-widths are comparable), and the first S under the target is returned. `floor` is
 * the half-width at σ = 0: when it is above the target, more seeds cannot help; a finer grid
 * around the optimum can.
 *
 * @example
 * ```ts
 * import { seedsForHalfWidth } from "./seeds_needed.ts";
 * import { assertEquals, assertTrue } from "../../../testing/assert.ts";
 * const points = [-10, -9.5, -9, -8.5, -8, -7.5, -7, -6.5, -6].map((log2Lr) => ({
 *   log2Lr,
 *   bySeed: new Map([[0, 2 + 0.02 * (log2Lr + 8.2) ** 2]]),
 * }));
 * const need = seedsForHalfWidth({ points }, { sigma: 0.01, replicates: 300 });
 * assertTrue(need.seeds !== null && need.seeds > 1);
 * const before = need.halfWidths.find((h) => h.seeds < need.seeds!)!;
 * assertTrue(before.halfWidth >= 0.25);
 * assertEquals(need.halfWidths.at(-1)!.seeds, need.seeds);
 * ```
 */
export function seedsForHalfWidth(
  samples: CurveSamples,
  options: Omit<BootstrapOptions, "seeds"> & {
    target?: number;
    level?: number;
    ladder?: readonly number[];
  },
): SeedsNeeded {
  const target = options.target ?? 0.25;
  const level = options.level ?? 0.9;
  const ladder = options.ladder ?? [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
  const width = (sigma: number, seeds: number) =>
    halfWidth(
      lrStarInterval(bootstrapCurves([samples], { ...options, sigma, seeds })[0].fits, { level }),
    );
  const floor = width(0, 1);
  const halfWidths: SeedsNeeded["halfWidths"] = [];
  for (const seeds of ladder) {
    const h = width(options.sigma, seeds);
    halfWidths.push({ seeds, halfWidth: h });
    if (h < target) return { seeds, halfWidths, floor };
  }
  return { seeds: null, halfWidths, floor };
}
