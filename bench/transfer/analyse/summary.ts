/**
 * `DIR/summary.json`: the fitted optimum of every curve, the transfer slope of each
 * parameterization, and the high-learning-rate signature, computed from run results alone (so a
 * merged sweep and an unsharded one give the same summary). Every lr*, slope and spread carries
 * a bootstrap confidence interval (`bootstrap.ts`, `slopes.ts`), each pair of parameterizations
 * on an axis a verdict on whether their slopes differ, and each loss point a band.
 *
 * @example
 * ```ts
 * import { summarize } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const s = summarize([], { signatureLog2Lr: -5 });
 * assertEquals([s.optima.length, s.slopes.length, s.signature], [0, 0, null]);
 * ```
 *
 * @module
 */
import {
  BOOTSTRAP_DEFAULTS,
  bootstrapCurves,
  estimateNoise,
  lrStarInterval,
  type NoiseEstimate,
} from "./bootstrap.ts";
import { curveSamples, meanCurve } from "./samples.ts";
import { seedsForHalfWidth } from "./seeds_needed.ts";
import { fitLrStar, leastSquaresSlope, type LrStarFit, seedMeanCurve, spread } from "./fit.ts";
import { type Interval, percentileInterval } from "./intervals.ts";
import { BUILTIN_PARAMS } from "../plan/param_ref.ts";
import { compareSlopes, slopeReplicates, valueInterval } from "./slopes.ts";
import type { Axis, RunResult } from "../plan/types.ts";
import { baseAlong } from "../plan/axes.ts";

/** One point of a curve with the band of its seed-mean loss (null sides: diverged replicates). */
export interface BandPoint {
  log2Lr: number;
  /** Seed-mean final loss (`null` when diverged). */
  loss: number | null;
  lo: number | null;
  hi: number | null;
  seeds: number;
}

/** The optimum of one curve (one parameterization, axis and size). */
export interface Optimum {
  parameterization: string;
  axis: Axis;
  size: number;
  /** log2 of the size multiplier (size / base size along the axis). */
  log2Multiplier: number;
  log2LrStar: number | null;
  minLoss: number | null;
  method: LrStarFit["method"];
  edge: LrStarFit["edge"];
  /** Learning rates evaluated on this curve. */
  points: number;
  seeds: number;
  /** Bootstrap interval of log2 lr*; a null side is unbounded (an edge); null without a fit. */
  interval: Interval | null;
  /**
   * Seeds at which the interval's half-width would fall under ¼ octave (from the pooled noise);
   * null when not reached by 64 seeds or without a noise estimate.
   */
  seedsForQuarterOctave: number | null;
  /** The curve's points with a band for the seed-mean loss. */
  band: BandPoint[];
}

/** Transfer statistics of one parameterization along one axis. */
export interface Slope {
  parameterization: string;
  axis: Axis;
  /** Least-squares slope of log2 lr* against log2 of the size multiplier; null with < 2 sizes. */
  slope: number | null;
  spreadOctaves: number | null;
  /** Sizes with a fitted lr*. */
  sizes: number[];
  interval: Interval | null;
  spreadInterval: Interval | null;
  /** Share of bootstrap replicates in which some size's lr* was only a bound. */
  edgeFraction: number;
  /**
   * Why the slope and spread are undetermined (then both, and their intervals, are null): every
   * size's optimum was only a bound at the edge of the rates tried. Null when they are
   * estimated; absent in summaries written before this field.
   */
  undetermined?: string | null;
}

/** Whether two parameterizations' slopes on one axis differ beyond the noise. */
export interface SlopeComparison {
  axis: Axis;
  a: string;
  b: string;
  /** slope(a) − slope(b) from the point fits. */
  difference: number | null;
  /** Bootstrap interval of the difference (paired replicates). */
  interval: Interval | null;
  /** The interval excludes 0. */
  significant: boolean;
}

/** How the intervals were made. */
export interface BootstrapInfo {
  replicates: number;
  seed: number;
  level: number;
  windows: number[];
  noise: NoiseEstimate;
}

/** Final loss against size at one fixed (high) learning rate. */
export interface SignatureRow {
  parameterization: string;
  axis: Axis;
  size: number;
  /** Seed-mean final loss; null when diverged or not run. */
  loss: number | null;
}

/** The whole summary file. */
export interface Summary {
  optima: Optimum[];
  slopes: Slope[];
  comparisons: SlopeComparison[];
  bootstrap: BootstrapInfo;
  signature: {
    log2Lr: number;
    rows: SignatureRow[];
    /** Least-squares slope of loss against log2 size, per parameterization (> 0: worse wider). */
    trends: { parameterization: string; axis: Axis; lossPerDoubling: number | null }[];
  } | null;
  runs: { total: number; ok: number; diverged: number; failed: number; reused: number };
}

/**
 * Sort order of parameterizations: built-ins in their canonical order, then others by name.
 *
 * @example
 * ```ts
 * import { paramOrder } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(["nugpt", "zz", "ngpt"].sort(paramOrder), ["ngpt", "nugpt", "zz"]);
 * ```
 */
export function paramOrder(a: string, b: string): number {
  const rank = (p: string) => {
    const i = (BUILTIN_PARAMS as readonly string[]).indexOf(p);
    return i < 0 ? BUILTIN_PARAMS.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Runs grouped by curve (parameterization, axis, size), in summary order.
 *
 * @example
 * ```ts
 * import { curves } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(curves([]), []);
 * ```
 */
export function curves(results: readonly RunResult[]): {
  parameterization: string;
  axis: Axis;
  size: number;
  runs: RunResult[];
}[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    const k = JSON.stringify([r.spec.parameterization, r.spec.axis, r.spec.size]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((runs) => ({
    parameterization: runs[0].spec.parameterization,
    axis: runs[0].spec.axis,
    size: runs[0].spec.size,
    runs,
  })).sort((a, b) =>
    paramOrder(a.parameterization, b.parameterization) || a.axis.localeCompare(b.axis) ||
    a.size - b.size
  );
}

/** Bootstrap settings of {@linkcode summarize} (defaults: 1000 replicates, seed 1, level 0.9). */
export interface SummaryBootstrapOptions {
  replicates?: number;
  seed?: number;
  level?: number;
  /** Per-seed noise σ of a final loss, instead of estimating it from the results. */
  sigma?: number;
}

/**
 * Builds the summary (see the module doc).
 *
 * @example
 * ```ts
 * import { summarize } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const { optima, bootstrap } = summarize([], { signatureLog2Lr: null });
 * assertEquals([optima.length, bootstrap.replicates, bootstrap.noise.source], [0, 1000, "none"]);
 * ```
 */
export function summarize(
  results: readonly RunResult[],
  options: { signatureLog2Lr: number | null; bootstrap?: SummaryBootstrapOptions },
): Summary {
  const boot = options.bootstrap ?? {};
  const level = boot.level ?? 0.9;
  const replicates = boot.replicates ?? BOOTSTRAP_DEFAULTS.replicates;
  const seed = boot.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const groups = curves(results);
  const samples = groups.map((g) => curveSamples(g.runs));
  const estimated = estimateNoise(samples);
  const noise: NoiseEstimate = boot.sigma === undefined
    ? estimated
    : { sigma: boot.sigma, dof: 0, source: "given" };
  const sigma = noise.sigma ?? 0;
  const reps = bootstrapCurves(samples, { sigma, replicates, seed });
  const optima: Optimum[] = groups.map(({ parameterization, axis, size, runs }, i) => {
    const fit = fitLrStar(meanCurve(samples[i]));
    const base = baseAlong(runs[0].spec.base, axis);
    const need = fit.log2LrStar === null || noise.sigma === null
      ? null
      : seedsForHalfWidth(samples[i], { sigma, seed, replicates: Math.min(replicates, 400) });
    return {
      parameterization,
      axis,
      size,
      log2Multiplier: Math.log2(size / base),
      log2LrStar: fit.log2LrStar,
      minLoss: fit.minLoss,
      method: fit.method,
      edge: fit.edge,
      points: new Set(runs.map((r) => r.spec.log2Lr)).size,
      seeds: new Set(runs.map((r) => r.spec.seed)).size,
      interval: fit.method === "none" ? null : lrStarInterval(reps[i].fits, { level }),
      seedsForQuarterOctave: need?.seeds ?? null,
      band: samples[i].points.map((p, k) => {
        const m = meanCurve({ points: [p] })[0].loss;
        const b = percentileInterval(reps[i].losses[k].values, reps[i].losses[k].values, {
          level,
        });
        return {
          log2Lr: p.log2Lr,
          loss: Number.isFinite(m) ? m : null,
          lo: Number.isFinite(m) ? b.lo : null,
          hi: Number.isFinite(m) ? b.hi : null,
          seeds: p.bySeed.size,
        };
      }),
    };
  });
  const slopes: Slope[] = [];
  const slopeReps = new Map<string, number[]>();
  for (const key of new Set(optima.map((o) => JSON.stringify([o.parameterization, o.axis])))) {
    const [parameterization, axis] = JSON.parse(key) as [string, Axis];
    const mine = optima.map((o, i) => ({ o, i })).filter(({ o }) =>
      o.parameterization === parameterization && o.axis === axis
    );
    const fitted = mine.filter(({ o }) => o.log2LrStar !== null).map(({ o }) => o);
    const stars = fitted.map((o) => o.log2LrStar!);
    const chain = slopeReplicates(
      mine.map(({ o, i }) => ({ log2Multiplier: o.log2Multiplier, fits: reps[i].fits })),
    );
    const undetermined = allBounds(fitted);
    slopeReps.set(key, undetermined === null ? chain.slopes : chain.slopes.map(() => NaN));
    slopes.push({
      parameterization,
      axis,
      slope: undetermined === null
        ? leastSquaresSlope(fitted.map((o) => o.log2Multiplier), stars)
        : null,
      spreadOctaves: undetermined === null ? spread(stars) : null,
      sizes: fitted.map((o) => o.size),
      interval: undetermined === null ? valueInterval(chain.slopes, { level }) : null,
      spreadInterval: undetermined === null ? valueInterval(chain.spreads, { level }) : null,
      edgeFraction: chain.edgeFraction,
      undetermined,
    });
  }
  const comparisons: SlopeComparison[] = [];
  slopes.forEach((a, i) => {
    for (const b of slopes.slice(i + 1)) {
      if (b.axis !== a.axis) continue;
      const d = compareSlopes(
        slopeReps.get(JSON.stringify([a.parameterization, a.axis]))!,
        slopeReps.get(JSON.stringify([b.parameterization, b.axis]))!,
        { level },
      );
      comparisons.push({
        axis: a.axis,
        a: a.parameterization,
        b: b.parameterization,
        difference: a.slope === null || b.slope === null ? null : a.slope - b.slope,
        interval: d.interval,
        significant: d.significant,
      });
    }
  });
  return {
    optima,
    slopes,
    comparisons,
    bootstrap: { replicates, seed, level, windows: [...BOOTSTRAP_DEFAULTS.windows], noise },
    signature: signature(results, options.signatureLog2Lr),
    runs: {
      total: results.length,
      ok: results.filter((r) => r.status === "ok").length,
      diverged: results.filter((r) => r.status === "diverged").length,
      failed: results.filter((r) => r.status === "failed").length,
      reused: results.filter((r) => r.reusedFrom !== undefined).length,
    },
  };
}

/**
 * Why a chain's slope and spread are undetermined: every fitted optimum is only a bound at the
 * edge of the rates tried (so the slope between them says where the grid ends, not where the
 * optima are). Null when some optimum is an estimate, or there are none.
 *
 * @example
 * ```ts
 * import { allBounds } from "./summary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const o = (size: number, log2LrStar: number, edge: "low" | "high" | null) =>
 *   ({ size, log2LrStar, edge });
 * assertEquals(allBounds([o(32, -10, "low"), o(64, -8.5, null)]), null);
 * assertEquals(
 *   allBounds([o(32, -10, "low"), o(64, -4, "high")]),
 *   "every size's optimum is only a bound at the edge of the rates tried " +
 *     "(size 32: ≤ -10.00, size 64: ≥ -4.00); widen --lrs past that edge",
 * );
 * ```
 */
export function allBounds(
  optima: readonly Pick<Optimum, "size" | "log2LrStar" | "edge">[],
): string | null {
  if (optima.length === 0 || optima.some((o) => o.edge === null)) return null;
  const bounds = optima.map((o) =>
    `size ${o.size}: ${o.edge === "low" ? "≤" : "≥"} ${o.log2LrStar!.toFixed(2)}`
  );
  return "every size's optimum is only a bound at the edge of the rates tried " +
    `(${bounds.join(", ")}); widen --lrs past that edge`;
}

function signature(results: readonly RunResult[], log2Lr: number | null): Summary["signature"] {
  if (log2Lr === null) return null;
  const rows: SignatureRow[] = [];
  for (const c of curves(results.filter((r) => r.spec.log2Lr === log2Lr))) {
    const [point] = seedMeanCurve(c.runs);
    if (point === undefined) continue;
    const loss = Number.isFinite(point.loss) ? point.loss : null;
    rows.push({ parameterization: c.parameterization, axis: c.axis, size: c.size, loss });
  }
  if (rows.length === 0) return null;
  const trends: NonNullable<Summary["signature"]>["trends"] = [];
  for (const key of new Set(rows.map((r) => JSON.stringify([r.parameterization, r.axis])))) {
    const [parameterization, axis] = JSON.parse(key) as [string, Axis];
    const finite = rows.filter((r) =>
      r.parameterization === parameterization && r.axis === axis && r.loss !== null
    );
    trends.push({
      parameterization,
      axis,
      lossPerDoubling: leastSquaresSlope(
        finite.map((r) => Math.log2(r.size)),
        finite.map((r) => r.loss!),
      ),
    });
  }
  return { log2Lr, rows, trends };
}
