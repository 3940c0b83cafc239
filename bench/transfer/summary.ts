/**
 * `DIR/summary.json`: the fitted optimum of every curve, the transfer slope of each
 * parameterization, and the high-learning-rate signature, computed from run results alone (so a
 * merged sweep and an unsharded one give the same summary).
 *
 * @example
 * ```ts
 * import { summarize } from "./summary.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const s = summarize([], { signatureLog2Lr: -5 });
 * assertEquals([s.optima.length, s.slopes.length], [0, 0]);
 * ```
 *
 * @module
 */
import { fitLrStar, leastSquaresSlope, type LrStarFit, seedMeanCurve, spread } from "./fit.ts";
import { BUILTIN_PARAMS } from "./paramRef.ts";
import type { Axis, RunResult } from "./types.ts";

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
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(curves([]).length, 0);
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

/**
 * Builds the summary (see the module doc).
 *
 * @example
 * ```ts
 * import { summarize } from "./summary.ts";
 * const { optima, slopes } = summarize([], { signatureLog2Lr: null });
 * ```
 */
export function summarize(
  results: readonly RunResult[],
  options: { signatureLog2Lr: number | null },
): Summary {
  const optima: Optimum[] = curves(results).map(({ parameterization, axis, size, runs }) => {
    const fit = fitLrStar(seedMeanCurve(runs));
    const base = runs[0].spec.base[axis];
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
    };
  });
  const slopes: Slope[] = [];
  for (const key of new Set(optima.map((o) => JSON.stringify([o.parameterization, o.axis])))) {
    const [parameterization, axis] = JSON.parse(key) as [string, Axis];
    const fitted = optima.filter((o) =>
      o.parameterization === parameterization && o.axis === axis && o.log2LrStar !== null
    );
    const stars = fitted.map((o) => o.log2LrStar!);
    slopes.push({
      parameterization,
      axis,
      slope: leastSquaresSlope(fitted.map((o) => o.log2Multiplier), stars),
      spreadOctaves: spread(stars),
      sizes: fitted.map((o) => o.size),
    });
  }
  return {
    optima,
    slopes,
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
