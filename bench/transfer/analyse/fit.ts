/**
 * Fitting the optimum: `log2 lr*` of one loss curve by a parabola through the points around its
 * minimum, the seed-mean curve, and the transfer statistics (slope, spread).
 *
 * Rules (spec section 8):
 * - A diverged run's loss is `Infinity`; it is never fitted. A diverged run *above* the best
 *   point brackets it (divergence says "too high"); a diverged run *below* it does not (it says
 *   nothing about a rate being too low), so the low edge is the lowest finite point.
 * - Ties: every point whose loss equals the smallest one is "best"; the fit is centred on the
 *   middle of the tied points, never on the first of them (a flat curve is not a low edge).
 * - Edge minimum: the best point (or a tie of it) is the lowest finite rate, or the highest rate
 *   evaluated. lr* is then only a bound: `edge: "low"` means lr* ≤ `log2LrStar` (the highest
 *   tied point), `edge: "high"` means lr* ≥ `log2LrStar` (the lowest tied point). No parabola.
 *   When the best points touch both ends (a curve flat over every rate, or one finite point),
 *   nothing is bracketed: `method: "flat"`, `log2LrStar: null`.
 * - Otherwise take the finite points within one octave (`window`) of the centre (at most 5,
 *   nearest first; at least 3, widening to the nearest finite points if needed), fit
 *   y = a x² + b x + c by least squares and return the vertex, clamped to the span of the points
 *   used. With a ≤ 0 (a concave or straight fit) or fewer than 3 finite points, return the
 *   centre of the best points (`method: "best-point"`).
 * - `minLoss` is the smallest measured loss, not the parabola's value.
 *
 * @example
 * ```ts
 * import { fitLrStar } from "./fit.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const pts = [-10, -9, -8, -7, -6].map((x) => ({ log2Lr: x, loss: 2 + 0.1 * (x + 7.7) ** 2 }));
 * assertClose(fitLrStar(pts).log2LrStar!, -7.7, { atol: 1e-9 });
 * ```
 *
 * @module
 */
import type { RunResult } from "../plan/types.ts";

/** One point of a loss curve: loss (`Infinity` when diverged) at a log2 learning rate. */
export interface LossPoint {
  log2Lr: number;
  loss: number;
}

/** The fitted optimum of one curve. */
export interface LrStarFit {
  /**
   * The estimate, or the bound when `edge` is set; null when no run finished with a finite
   * loss (`method: "none"`) or the curve brackets nothing (`method: "flat"`).
   */
  log2LrStar: number | null;
  minLoss: number | null;
  method: "parabola" | "best-point" | "flat" | "none";
  /** "low": lr* ≤ log2LrStar (best at the low end); "high": lr* ≥ log2LrStar. */
  edge: "low" | "high" | null;
  /** Number of points the parabola went through (1 for a best point, 0 without one). */
  used: number;
}

/**
 * Fits `log2 lr*` (see the module doc for the rules).
 *
 * @example
 * ```ts
 * import { fitLrStar } from "./fit.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const v = fitLrStar([{ log2Lr: -9, loss: 2 }, { log2Lr: -8, loss: 1 }, { log2Lr: -7, loss: 2 }]);
 * assertEquals([v.log2LrStar, v.method, v.edge], [-8, "parabola", null]);
 * const falling = fitLrStar([{ log2Lr: -9, loss: 3 }, { log2Lr: -8, loss: 2 }]);
 * assertEquals([falling.log2LrStar, falling.edge], [-8, "high"]); // lr* ≥ 2^-8
 * ```
 */
export function fitLrStar(
  points: readonly LossPoint[],
  options: { window?: number } = {},
): LrStarFit {
  const window = options.window ?? 1;
  if (!(window > 0)) throw new Error(`fitLrStar: window must be > 0 octaves, got ${window}`);
  const all = [...points].map((p) => ({
    log2Lr: p.log2Lr,
    loss: Number.isNaN(p.loss) ? Infinity : p.loss,
  }))
    .sort((a, b) => a.log2Lr - b.log2Lr);
  const finite = all.filter((p) => Number.isFinite(p.loss));
  if (finite.length === 0) {
    return { log2LrStar: null, minLoss: null, method: "none", edge: null, used: 0 };
  }
  const minLoss = Math.min(...finite.map((p) => p.loss));
  const tied = finite.filter((p) => p.loss === minLoss);
  const lowTied = tied[0].log2Lr;
  const highTied = tied[tied.length - 1].log2Lr;
  const atLow = lowTied === finite[0].log2Lr;
  const atHigh = highTied === all[all.length - 1].log2Lr;
  if (atLow && atHigh) return { log2LrStar: null, minLoss, method: "flat", edge: null, used: 0 };
  const bestPoint = (log2LrStar: number, edge: "low" | "high" | null): LrStarFit => ({
    log2LrStar,
    minLoss,
    method: "best-point",
    edge,
    used: 1,
  });
  if (atLow) return bestPoint(highTied, "low");
  if (atHigh) return bestPoint(lowTied, "high");
  const centre = (lowTied + highTied) / 2;
  const byDistance = [...finite].sort((p, q) =>
    Math.abs(p.log2Lr - centre) - Math.abs(q.log2Lr - centre) || p.log2Lr - q.log2Lr
  );
  let used = byDistance.filter((p) => Math.abs(p.log2Lr - centre) <= window + 1e-9).slice(0, 5);
  if (used.length < 3) used = byDistance.slice(0, 3);
  if (used.length < 3) return bestPoint(centre, null);
  const coef = fitQuadratic(used.map((p) => p.log2Lr - centre), used.map((p) => p.loss));
  if (coef === null || !(coef.a > 0)) return bestPoint(centre, null);
  const xs = used.map((p) => p.log2Lr);
  const vertex = centre - coef.b / (2 * coef.a);
  const clamped = Math.min(Math.max(vertex, Math.min(...xs)), Math.max(...xs));
  return { log2LrStar: clamped, minLoss, method: "parabola", edge: null, used: used.length };
}

/**
 * Least-squares y = a x² + b x + c; null when the points do not determine it.
 *
 * @example
 * ```ts
 * import { fitQuadratic } from "./fit.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const q = fitQuadratic([-1, 0, 1], [2, 1, 2])!; // y = x² + 1
 * assertClose(q.a, 1, { atol: 1e-12 });
 * assertClose(q.b, 0, { atol: 1e-12 });
 * assertClose(q.c, 1, { atol: 1e-12 });
 * ```
 */
export function fitQuadratic(
  xs: readonly number[],
  ys: readonly number[],
): { a: number; b: number; c: number } | null {
  const s = [0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  for (let i = 0; i < xs.length; i++) {
    let p = 1;
    for (let k = 0; k < 5; k++) {
      s[k] += p;
      if (k < 3) t[k] += p * ys[i];
      p *= xs[i];
    }
  }
  // Normal equations for [c, b, a]: rows [s0 s1 s2; s1 s2 s3; s2 s3 s4] · [c b a] = [t0 t1 t2].
  const m = [[s[0], s[1], s[2], t[0]], [s[1], s[2], s[3], t[1]], [s[2], s[3], s[4], t[2]]];
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k < 4; k++) m[r][k] -= f * m[col][k];
    }
  }
  return { c: m[0][3] / m[0][0], b: m[1][3] / m[1][1], a: m[2][3] / m[2][2] };
}

/**
 * One curve's points from its runs, averaged over seeds: per log2 lr, the mean final loss of
 * the seeds; a diverged seed makes the point diverged (`Infinity`); failed runs (the trainer
 * threw) are left out, and a point with only failed runs is absent.
 *
 * @example
 * ```ts
 * import { seedMeanCurve } from "./fit.ts";
 * import type { RunResult } from "../plan/types.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const run = (log2Lr: number, seed: number, loss: number | null) =>
 *   ({ spec: { log2Lr, seed }, status: loss === null ? "diverged" : "ok", finalValLoss: loss }) as
 *     unknown as RunResult;
 * const curve = seedMeanCurve([run(-8, 0, 2), run(-8, 1, 3), run(-7, 0, 1), run(-7, 1, null)]);
 * assertEquals(curve, [{ log2Lr: -8, loss: 2.5 }, { log2Lr: -7, loss: Infinity }]);
 * ```
 */
export function seedMeanCurve(results: readonly RunResult[]): LossPoint[] {
  const byLr = new Map<number, number[]>();
  for (const r of results) {
    if (r.status === "failed") continue;
    const loss = r.status === "ok" && r.finalValLoss !== null && Number.isFinite(r.finalValLoss)
      ? r.finalValLoss
      : Infinity;
    const list = byLr.get(r.spec.log2Lr) ?? [];
    list.push(loss);
    byLr.set(r.spec.log2Lr, list);
  }
  return [...byLr].map(([log2Lr, losses]) => ({
    log2Lr,
    loss: losses.reduce((a, b) => a + b, 0) / losses.length,
  })).sort((a, b) => a.log2Lr - b.log2Lr);
}

/**
 * Least-squares slope of y against x; null with fewer than two distinct x.
 *
 * @example
 * ```ts
 * import { leastSquaresSlope } from "./fit.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(leastSquaresSlope([0, 1, 2], [-7, -8, -9]), -1);
 * ```
 */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2 || new Set(xs).size < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Max − min of the values (0 for one value, null for none).
 *
 * @example
 * ```ts
 * import { spread } from "./fit.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(spread([-7, -8.5, -8]), 1.5);
 * ```
 */
export function spread(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values) - Math.min(...values);
}
