/**
 * The sentences and cells of `report.md` that depend on the results, one function per template,
 * so that each can be tested by its rendered text: the seed-noise clause, a slope cell, a spread
 * cell (estimated, one-sided, undetermined), a comparison verdict (significant, not, no
 * estimate, undetermined) and an optimum cell (estimate or bound).
 *
 * @example
 * ```ts
 * import { noiseClause } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(
 *   noiseClause({ sigma: 0.01, dof: 12, source: "seeds" }),
 *   "adds the per-seed noise σ = 0.0100 in final loss (from repeated seeds, 12 degrees of " +
 *     "freedom)",
 * );
 * ```
 *
 * @module
 */
import type { NoiseEstimate } from "./bootstrap.ts";
import { formatInterval } from "./intervals.ts";
import type { Optimum, Slope, SlopeComparison } from "./summary.ts";

/** A number with `digits` decimals, or `—` for null. */
export const fmt = (x: number | null, digits = 3): string => (x === null ? "—" : x.toFixed(digits));

/**
 * What each bootstrap replicate adds for the seed noise, as a clause of the report's intervals
 * sentence ("each replicate resamples the seeds, <clause>, and refits ...").
 *
 * @example
 * ```ts
 * import { noiseClause } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(
 *   noiseClause({ sigma: null, dof: 0, source: "none" }),
 *   "adds no seed noise, having no estimate of it (one seed and no spare points to fit): the " +
 *     "intervals cover only the choice of fit window, so they are too narrow",
 * );
 * ```
 */
export function noiseClause(noise: NoiseEstimate): string {
  if (noise.sigma === null) {
    return "adds no seed noise, having no estimate of it (one seed and no spare points to " +
      "fit): the intervals cover only the choice of fit window, so they are too narrow";
  }
  const from = noise.source === "seeds"
    ? `from repeated seeds, ${noise.dof} degrees of freedom`
    : noise.source === "residuals"
    ? `from the scatter about parabolas, ${noise.dof} degrees of freedom; ` +
      "one seed, and a seed's runs scatter less about a smooth curve than seeds differ, so " +
      "these intervals are too narrow: run two or more seeds"
    : "given";
  return `adds the per-seed noise σ = ${noise.sigma.toFixed(4)} in final loss (${from})`;
}

/**
 * A slope's cell: the value and its interval, † when edge replicates (bounds) entered it more
 * than the tail share, or `undetermined` when every optimum is only a bound.
 *
 * @example
 * ```ts
 * import { slopeCell } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const s = { slope: -0.5, interval: { level: 0.9, lo: -0.7, hi: -0.3 }, edgeFraction: 0.2 };
 * assertEquals(slopeCell(s, 0.9), "-0.500 [-0.700, -0.300] †");
 * assertEquals(slopeCell({ ...s, slope: null, interval: null, undetermined: "why" }, 0.9), "undetermined ‡");
 * ```
 */
export function slopeCell(
  s: Pick<Slope, "slope" | "interval" | "edgeFraction" | "undetermined">,
  level: number,
): string {
  if (s.undetermined) return "undetermined ‡";
  const dagger = s.edgeFraction > (1 - level) / 2 ? " †" : "";
  return `${fmt(s.slope)} ${formatInterval(s.interval, 3)}${dagger}`;
}

/**
 * A spread's cell (octaves): the value and its interval, or `undetermined` as for the slope.
 *
 * @example
 * ```ts
 * import { spreadCell } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(spreadCell({ spreadOctaves: 1.25, spreadInterval: { level: 0.9, lo: 1, hi: null } }), "1.25 ≥ 1.00");
 * ```
 */
export function spreadCell(
  s: Pick<Slope, "spreadOctaves" | "spreadInterval" | "undetermined">,
): string {
  if (s.undetermined) return "undetermined ‡";
  return `${fmt(s.spreadOctaves, 2)} ${formatInterval(s.spreadInterval)}`;
}

/**
 * The note under the transfer table naming each undetermined slope and why; empty when none.
 *
 * @example
 * ```ts
 * import { undeterminedNotes } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(undeterminedNotes([{ parameterization: "ngpt", axis: "width", undetermined: "why" }]), [
 *   "‡ ngpt (width): slope and spread undetermined: why.",
 * ]);
 * ```
 */
export function undeterminedNotes(
  slopes: readonly Pick<Slope, "parameterization" | "axis" | "undetermined">[],
): string[] {
  return slopes.filter((s) => s.undetermined).map((s) =>
    `‡ ${s.parameterization} (${s.axis}): slope and spread undetermined: ${s.undetermined}.`
  );
}

/**
 * A comparison's verdict: significant at the level, not significant, undetermined (a slope is
 * undetermined) or no estimate (no replicates to compare).
 *
 * @example
 * ```ts
 * import { verdictCell } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const c = { a: "ngpt", b: "nugpt", interval: { level: 0.9, lo: -1, hi: -0.2 }, significant: true };
 * assertEquals(verdictCell(c, [], "90 %"), "significant (90 %)");
 * ```
 */
export function verdictCell(
  c: Pick<SlopeComparison, "a" | "b" | "interval" | "significant"> & { axis?: string },
  slopes: readonly Pick<Slope, "parameterization" | "axis" | "undetermined">[],
  pct: string,
): string {
  const open = [c.a, c.b].filter((p) =>
    slopes.some((s) => s.parameterization === p && (c.axis ?? s.axis) === s.axis && s.undetermined)
  );
  if (open.length > 0) return `undetermined (slope of ${open.join(" and ")} undetermined)`;
  if (c.interval === null) return "no estimate";
  return c.significant ? `significant (${pct})` : "not significant";
}

/**
 * An optimum's log2 lr* cell: the estimate, or `≤ x` / `≥ x` when the best point was at the low
 * / high end of the rates tried (only a bound).
 *
 * @example
 * ```ts
 * import { optimumCell } from "./report_text.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(optimumCell({ log2LrStar: -10, edge: "low" }), "≤ -10.00");
 * assertEquals(optimumCell({ log2LrStar: -8.25, edge: null }), "-8.25");
 * ```
 */
export function optimumCell(o: Pick<Optimum, "log2LrStar" | "edge">): string {
  const mark = o.edge === "low" ? "≤ " : o.edge === "high" ? "≥ " : "";
  return `${mark}${fmt(o.log2LrStar, 2)}`;
}
