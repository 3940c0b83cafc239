/**
 * Per-role learning-rate exponents, measured (issue 14, part 4): at each of two or more widths,
 * with the base learning rate at the parameterization's optimum for that width, scale one group
 * of roles' rates by 2^k at a time (`--param nugpt,nugpt@hidden*0.25,nugpt@hidden*0.5,…`), find
 * the best k per group and width, and fit how it moves with width: a group whose best k rises by
 * e per doubling of the width wants its rate times mw^e on top of the parameterization's. This is
 * Everett et al.'s per-layer tuning ("Scaling Exponents Across Parameterizations and Optimizers",
 * 2024) done with the transfer sweep's own runs, fits and bootstrap.
 *
 * The probe itself is a transfer sweep per width (the scaled references do the scaling):
 *
 *   P=nugpt,nugpt@hidden*0.25,nugpt@hidden*0.5,nugpt@hidden*2,nugpt@hidden*4,...
 *   deno task transfer --search grid --sizes 16 --base 16 --lrs=-4.5 --param $P --seeds 2 --out w16
 *   deno task transfer --search grid --sizes 64 --base 16 --lrs=-5 --param $P --seeds 2 --out w64
 *   deno run -A bench/transfer/tools/role_probe.ts w16 w64 --base nugpt
 *
 * prints, per group, the best log2 factor at each width with its interval and the width exponent
 * with its interval, then the `compose` line that applies them.
 *
 * @example
 * ```ts
 * import { probeCurves, roleExponents } from "./role_probe.ts";
 * import { assertClose, assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult } from "../plan/types.ts";
 * // Synthetic probe: the hidden group's best factor is 2^0 at width 16 and 2^-1 at width 64.
 * const runs: RunResult[] = [];
 * for (const [width, best] of [[16, 0], [64, -1]]) {
 *   for (const k of [-2, -1, 0, 1, 2]) {
 *     const parameterization = k === 0 ? "nugpt" : `nugpt@hidden*${2 ** k}`;
 *     for (const seed of [0, 1]) {
 *       const finalValLoss = 2 + 0.05 * (k - best) ** 2 + 0.001 * seed;
 *       runs.push({ spec: { parameterization, width, seed, log2Lr: -5 }, status: "ok", finalValLoss } as unknown as RunResult);
 *     }
 *   }
 * }
 * assertEquals([...probeCurves(runs, "nugpt").keys()], ["hidden"]);
 * const [hidden] = roleExponents(runs, { base: "nugpt", replicates: 200 });
 * assertClose(hidden.exponent!, -0.5, { atol: 1e-9 }); // −1 octave over 2 doublings
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import { compose, type Parameterization, type Role, widthExponent } from "../../../param/mod.ts";
import { bootstrapCurves, estimateNoise, lrStarInterval } from "../analyse/bootstrap.ts";
import { type CurveSamples, curveSamples, meanCurve } from "../analyse/samples.ts";
import { fitLrStar, leastSquaresSlope as slope } from "../analyse/fit.ts";
import { type Interval, percentileInterval } from "../analyse/intervals.ts";
import { parseParamRef } from "../plan/param_ref.ts";
import { groupBySettings } from "../plan/differences.ts";
import { readResults } from "../run/results.ts";
import type { RunResult } from "../plan/types.ts";

/** One group's best log2 factor at one width. */
export interface ProbeOptimum {
  width: number;
  /** The fitted best log2 factor (a bound when `edge` is set), or null. */
  log2Factor: number | null;
  edge: "low" | "high" | null;
  interval: Interval;
}

/** One group's result. */
export interface RoleExponent {
  /** The roles scaled together, joined by `+` as in the references. */
  group: string;
  optima: ProbeOptimum[];
  /** Least-squares slope of the best log2 factor against log2 width, or null. */
  exponent: number | null;
  interval: Interval;
  /** Share of replicates where some width's fit was only a bound (the slope is then too). */
  edgeFraction: number;
}

/**
 * Curves per group and width: log2 of the scaling factor as the x axis (the base's runs are at 0
 * in every group), one per seed. Runs of other parameterizations, or with several scalings, are
 * ignored; every run must share one base learning rate per width.
 *
 * @example
 * ```ts
 * import { probeCurves } from "./role_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(probeCurves([], "nugpt").size, 0);
 * ```
 */
export function probeCurves(
  results: readonly RunResult[],
  base: string,
): Map<string, Map<number, CurveSamples>> {
  const lrByWidth = new Map<number, number>();
  // Per group and width, the runs with log2 of their factor in place of the base rate.
  const groups = new Map<string, Map<number, RunResult[]>>();
  const baseRuns: RunResult[] = [];
  const add = (group: string, r: RunResult, log2Factor: number) => {
    const byWidth = groups.get(group) ?? new Map<number, RunResult[]>();
    groups.set(group, byWidth);
    const runs = byWidth.get(r.spec.width) ?? [];
    byWidth.set(r.spec.width, runs);
    runs.push({ ...r, spec: { ...r.spec, log2Lr: log2Factor } });
  };
  for (const r of results) {
    if (r.status === "failed") continue;
    const ref = parseParamRef(r.spec.parameterization);
    const isBase = r.spec.parameterization === base;
    if (!isBase && !(ref.kind === "scaled" && ref.base === base)) continue;
    const seen = lrByWidth.get(r.spec.width);
    if (seen !== undefined && seen !== r.spec.log2Lr) {
      throw new Error(
        `role probe: width ${r.spec.width} has runs at base log2 lr ${seen} and ${r.spec.log2Lr}; ` +
          `a probe holds the base rate fixed per width (one --lrs value per folder)`,
      );
    }
    lrByWidth.set(r.spec.width, r.spec.log2Lr);
    if (isBase) baseRuns.push(r);
    else if (ref.kind === "scaled") add(ref.roles.join("+"), r, Math.log2(ref.factor));
  }
  for (const r of baseRuns) for (const group of groups.keys()) add(group, r, 0);
  const out = new Map<string, Map<number, CurveSamples>>();
  for (const [group, byWidth] of groups) {
    const widths = [...byWidth.keys()].sort((a, b) => a - b);
    out.set(group, new Map(widths.map((w) => [w, curveSamples(byWidth.get(w)!)])));
  }
  return out;
}

/**
 * Each group's best log2 factor per width and its width exponent, with bootstrap intervals (the
 * seeds resampled, the noise σ measured from the seeds, the fit window drawn, as for lr*).
 *
 * @example
 * ```ts
 * import { roleExponents } from "./role_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(roleExponents([], { base: "nugpt" }), []);
 * ```
 */
export function roleExponents(
  results: readonly RunResult[],
  options: { base: string; replicates?: number; level?: number; seed?: number },
): RoleExponent[] {
  const level = options.level ?? 0.9;
  const byGroup = probeCurves(results, options.base);
  const all = [...byGroup.values()].flatMap((m) => [...m.values()]);
  const sigma = estimateNoise(all).sigma ?? 0;
  const out: RoleExponent[] = [];
  for (const [group, byWidth] of byGroup) {
    const widths = [...byWidth.keys()];
    const curves = [...byWidth.values()];
    const reps = bootstrapCurves(curves, {
      sigma,
      replicates: options.replicates ?? 1000,
      seed: options.seed ?? 1,
    });
    const optima = curves.map((c, i): ProbeOptimum => {
      const fit = fitLrStar(meanCurve(c));
      return {
        width: widths[i],
        log2Factor: fit.log2LrStar,
        edge: fit.edge,
        interval: lrStarInterval(reps[i].fits, { level }),
      };
    });
    const xs = widths.map(Math.log2);
    const estimate = optima.every((o) => o.log2Factor !== null)
      ? slope(xs, optima.map((o) => o.log2Factor!))
      : null;
    const replicateSlopes: number[] = [];
    let edges = 0;
    for (let b = 0; b < reps[0].fits.length; b++) {
      const fits = reps.map((r) => r.fits[b]);
      if (fits.some((f) => f.edge !== null)) edges++;
      const s = fits.every((f) => f.log2LrStar !== null)
        ? slope(xs, fits.map((f) => f.log2LrStar!))
        : null;
      replicateSlopes.push(s ?? NaN);
    }
    const finite = replicateSlopes.filter(Number.isFinite);
    const interval = finite.length === 0
      ? { level, lo: null, hi: null }
      : percentileInterval(finite, finite, { level });
    out.push({
      group,
      optima,
      exponent: estimate,
      interval,
      edgeFraction: edges / Math.max(1, replicateSlopes.length),
    });
  }
  return out.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/**
 * `base` with each group's rate times `mw^exponent`, for the exponents given.
 *
 * @example
 * ```ts
 * import { probedParameterization } from "./role_probe.ts";
 * import { nugpt } from "../../../param/mod.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const p = probedParameterization(nugpt, { "hidden": -0.25, "alpha+sz": 0.5 });
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 16, baseDepth: 2, baseSteps: 10 };
 * assertClose(p({ role: "sz", dims }).lr / nugpt({ role: "sz", dims }).lr, 2);
 * ```
 */
export function probedParameterization(
  base: Parameterization,
  exponents: Record<string, number>,
  name = `${base.name}-probed`,
): Parameterization {
  const rules = Object.entries(exponents).map(([group, e]) =>
    widthExponent(group.split("+") as Role[], e)
  );
  return compose(name, base, ...rules);
}

const fmt = (x: number | null, digits = 2) => (x === null ? "—" : x.toFixed(digits));
const fmtInterval = (i: Interval, digits = 2) => `[${fmt(i.lo, digits)}, ${fmt(i.hi, digits)}]`;

/**
 * The probe's result as a markdown table.
 *
 * @example
 * ```ts
 * import { renderProbe } from "./role_probe.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * assertTrue(renderProbe([]).startsWith("| group |"));
 * ```
 */
export function renderProbe(rows: readonly RoleExponent[]): string {
  const widths = [...new Set(rows.flatMap((r) => r.optima.map((o) => o.width)))].sort((a, b) =>
    a - b
  );
  const lines = [
    `| group | ${widths.map((w) => `best log2 factor at ${w}`).join(" | ")} | width exponent |`,
    `| --- | ${widths.map(() => "---:").join(" | ")} | ---: |`,
  ];
  for (const r of rows) {
    const cells = widths.map((w) => {
      const o = r.optima.find((o) => o.width === w);
      if (!o) return "—";
      const bound = o.edge === "low" ? "≤ " : o.edge === "high" ? "≥ " : "";
      return `${bound}${fmt(o.log2Factor)} ${fmtInterval(o.interval)}`;
    });
    const dagger = r.edgeFraction > 0.05 ? " †" : "";
    lines.push(
      `| ${r.group} | ${cells.join(" | ")} | ${fmt(r.exponent, 3)} ${
        fmtInterval(r.interval, 3)
      }${dagger} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { base: { type: "string" }, level: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error("usage: deno run -A bench/transfer/tools/role_probe.ts DIR... [--base nugpt]");
    Deno.exit(2);
  }
  const base = values.base ?? "nugpt";
  const results: RunResult[] = [];
  for (const dir of positionals) {
    results.push(...(groupBySettings(await readResults(dir))[0] ?? []));
  }
  const rows = roleExponents(results, {
    base,
    level: values.level === undefined ? 0.9 : Number(values.level),
  });
  console.log(renderProbe(rows));
  const exps = Object.fromEntries(
    rows.filter((r) => r.exponent !== null).map((r) => [r.group, Number(r.exponent!.toFixed(4))]),
  );
  console.log(`\ncompose it: probedParameterization(${base}, ${JSON.stringify(exps)})`);
}
