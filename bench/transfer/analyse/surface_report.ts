/**
 * The report's section on the design-free estimator (`surface_fit.ts`): per chain (one
 * parameterization along one axis), the surface's lr* at every size and its slope, each with its
 * bootstrap interval, and the per-curve parabola's beside them as the check — from the same
 * replicates, with the summary's noise σ, replicate count, seed and level.
 *
 * @example
 * ```ts
 * import { surfaceSection } from "./surface_report.ts";
 * import { summarize } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(surfaceSection([], summarize([], { signatureLog2Lr: null })), "");
 * ```
 *
 * @module
 */
import type { RunResult } from "../plan/types.ts";
import { formatInterval } from "./intervals.ts";
import { curveSamples } from "./samples.ts";
import { curves, type Summary } from "./summary.ts";
import { type SlopeEstimate, surfaceBootstrap } from "./surface_bootstrap.ts";
import { SURFACE_DEFAULTS } from "./surface_fit.ts";
import { baseAlong } from "../plan/axes.ts";

/**
 * The markdown section (empty without a chain of two or more sizes).
 *
 * @example
 * ```ts
 * import { surfaceSection } from "./surface_report.ts";
 * import { summarize } from "./summary.ts";
 * import { syntheticLoss } from "../run/synthetic.ts";
 * import type { RunResult, RunSpec } from "../plan/types.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const runs = [32, 64, 128].flatMap((size) =>
 *   [-10, -9, -8, -7, -6].map((log2Lr) => {
 *     const spec = { parameterization: "mup", axis: "width", size, log2Lr, seed: 0,
 *       base: { width: 32, depth: 2, steps: 100 } } as unknown as RunSpec;
 *     return { spec, status: "ok", finalValLoss: syntheticLoss(spec) } as unknown as RunResult;
 *   })
 * );
 * const md = surfaceSection(runs, summarize(runs, { signatureLog2Lr: null, bootstrap: { replicates: 50 } }));
 * assertTrue(md.includes("| mup | width | surface |"));
 * ```
 */
export function surfaceSection(results: readonly RunResult[], summary: Summary): string {
  const b = summary.bootstrap;
  const groups = curves(results);
  const lines: string[] = [];
  for (const key of new Set(groups.map((g) => JSON.stringify([g.parameterization, g.axis])))) {
    const [param, axis] = JSON.parse(key) as [string, string];
    const mine = groups.filter((g) => g.parameterization === param && g.axis === axis);
    if (mine.length < 2) continue;
    const r = surfaceBootstrap(
      mine.map((g) => ({
        log2Multiplier: Math.log2(g.size / baseAlong(g.runs[0].spec.base, g.axis)),
        samples: curveSamples(g.runs),
      })),
      { sigma: b.noise.sigma ?? 0, replicates: b.replicates, seed: b.seed, level: b.level },
    );
    const sizes = mine.map((g) => g.size).join(" / ");
    const row = (
      estimator: string,
      optima: { value: number | null; edge: string | null; interval: string }[],
      slope: SlopeEstimate,
    ) =>
      `| ${param} | ${axis} | ${estimator} | ${
        optima.map((o) =>
          o.value === null
            ? "—"
            : `${o.edge === "low" ? "≤ " : o.edge === "high" ? "≥ " : ""}${
              o.value.toFixed(2)
            } ${o.interval}`
        ).join(" / ")
      } (${sizes}) | ${slope.value === null ? "—" : slope.value.toFixed(3)} ${
        formatInterval(slope.interval, 3)
      } |`;
    lines.push(
      row(
        "surface",
        r.optima.map((o) => ({
          value: o.surface.fit.log2LrStar,
          edge: o.surface.fit.edge,
          interval: formatInterval(o.surface.interval),
        })),
        r.slope,
      ),
      row(
        "parabola (check)",
        r.optima.map((o) => ({
          value: o.parabola.fit.log2LrStar,
          edge: o.parabola.fit.edge,
          interval: formatInterval(o.parabola.interval),
        })),
        r.parabolaSlope,
      ),
    );
  }
  if (lines.length === 0) return "";
  return [
    "",
    "## Design-free optimum (surface fit)",
    "",
    "One quadratic in log2 lr per size, fitted to every size at once with a curvature varying " +
    `linearly with log2 size, through the points within ${SURFACE_DEFAULTS.window} octaves ` +
    "(1, 1.5 or 2 in the replicates) of each fitted vertex (`analyse/surface_fit.ts`), so the " +
    "grid's design sets how many points enter, not where; the per-curve parabola from the same " +
    `replicates is the check. ${Math.round(b.level * 100)} % intervals.`,
    "",
    "| parameterization | axis | estimator | log2 lr* [interval] per size | slope [interval] |",
    "| --- | --- | --- | --- | ---: |",
    ...lines,
    "",
  ].join("\n");
}
