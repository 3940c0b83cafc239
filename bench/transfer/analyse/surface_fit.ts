/**
 * An optimum estimator that does not lean on the grid's design: one least-squares fit over every
 * size of a chain at once, a quadratic in log2 lr per size with its own offset and vertex and a
 * curvature shared by all sizes (`curvature: "shared"`) or varying linearly with log2 size
 * (`"linear"`):
 *
 *   loss(s, x) = C_s + B_s (x − c_s) + (a + a₁ u_s) (x − c_s)²,  lr*_s = c_s − B_s / (2 a_s)
 *
 * where x is log2 lr, u_s the log2 size multiplier and c_s a centre per size. The model is linear
 * in its unknowns, so the fit is a weighted least squares solve (weights: the seeds behind each
 * point). Which points enter is set in octaves, not in points: those within `window` octaves
 * (default 1.5) of the centre, which starts at each curve's best point and is then moved to the
 * fitted vertex (`iterations`, default 3), so a denser or sparser grid changes how many points
 * enter, not where the window sits. The per-curve parabola (`fit.ts`) chooses its 3–5 points by
 * their rank around the best point instead, which is how the same curve can move with its grid.
 *
 * Rules, as in `fit.ts` where they apply: a diverged point (`Infinity`) is never fitted; a curve
 * without a finite point has no optimum (`method: "none"`); one with fewer than two points in its
 * window, or whose curvature comes out ≤ 0, falls back to its best point (`"best-point"`). A vertex
 * outside the rates the curve tried (below its lowest finite point or above its highest point) is
 * only a bound there: `edge` "low" (lr* ≤ the lowest finite rate) or "high" (lr* ≥ the highest).
 *
 * @example
 * ```ts
 * import { fitSurface } from "./surface_fit.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const curve = (u: number, step: number) => ({
 *   log2Multiplier: u,
 *   points: Array.from({ length: Math.round(4 / step) + 1 }, (_, i) => -9 + i * step)
 *     .map((x) => ({ log2Lr: x, loss: 2 - 0.1 * u + 0.05 * (x - (-7 - 0.5 * u)) ** 2, weight: 1 })),
 * });
 * const fit = fitSurface([curve(0, 1), curve(1, 0.5), curve(2, 0.25)]);
 * [-7, -7.5, -8].forEach((v, i) => assertClose(fit.optima[i].log2LrStar!, v, { atol: 1e-9 }));
 * assertClose(fit.slope!, -0.5, { atol: 1e-9 });
 * ```
 *
 * @module
 */
import { leastSquaresSlope } from "./fit.ts";

/** One point of one size's curve: the seed-mean loss and how many seeds it averages. */
export interface SurfacePoint {
  log2Lr: number;
  /** `Infinity` when diverged. */
  loss: number;
  /** Weight in the least squares (the point's seed count); > 0. */
  weight: number;
}

/** One size of a chain. */
export interface SurfaceCurve {
  /** log2 of the size multiplier (0 at the base). */
  log2Multiplier: number;
  points: readonly SurfacePoint[];
}

/** Settings of {@linkcode fitSurface}. */
export interface SurfaceOptions {
  /** Octaves either side of each curve's centre that enter the fit (default 1.5). */
  window?: number;
  /** One curvature for all sizes, or one varying linearly with log2 size (default "linear"). */
  curvature?: "shared" | "linear";
  /** Re-centrings of the window on the fitted vertices (default 3). */
  iterations?: number;
}

/** The defaults of {@linkcode SurfaceOptions}. */
export const SURFACE_DEFAULTS = { window: 1.5, curvature: "linear", iterations: 3 } as const;

/** One size's optimum from the surface. */
export interface SurfaceOptimum {
  log2Multiplier: number;
  /** The estimate, or the bound when `edge` is set; null without a finite point. */
  log2LrStar: number | null;
  edge: "low" | "high" | null;
  method: "surface" | "best-point" | "none";
  /** Points of this size inside the final window. */
  used: number;
}

/** The whole surface. */
export interface SurfaceFit {
  optima: SurfaceOptimum[];
  /** Curvature at the base size (a) and its change per doubling (a₁; 0 when shared). */
  curvature: { atBase: number; perDoubling: number } | null;
  /** Least-squares slope of lr* (bounds included) over log2 size; null with < 2 sizes. */
  slope: number | null;
  /** Whether some size's lr* in the slope was only a bound. */
  edge: boolean;
}

/**
 * Fits the surface (see the module doc).
 *
 * @example
 * ```ts
 * import { fitSurface } from "./surface_fit.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // Still falling at the highest rate tried: lr* is at least -5.
 * const points = [-8, -7, -6, -5].map((x) => ({ log2Lr: x, loss: 3 + 0.1 * (x + 3) ** 2, weight: 1 }));
 * const fit = fitSurface([{ log2Multiplier: 0, points }]);
 * assertEquals([fit.optima[0].log2LrStar, fit.optima[0].edge], [-5, "high"]);
 * ```
 */
export function fitSurface(
  curves: readonly SurfaceCurve[],
  options: SurfaceOptions = {},
): SurfaceFit {
  const window = options.window ?? SURFACE_DEFAULTS.window;
  const curvature = options.curvature ?? SURFACE_DEFAULTS.curvature;
  const iterations = options.iterations ?? SURFACE_DEFAULTS.iterations;
  if (!(window > 0)) throw new Error(`fitSurface: window must be > 0 octaves, got ${window}`);
  if (curvature !== "shared" && curvature !== "linear") {
    throw new Error(`fitSurface: curvature must be "shared" or "linear", got ${curvature}`);
  }
  if (!(Number.isInteger(iterations) && iterations >= 1)) {
    throw new Error(`fitSurface: iterations must be a positive integer, got ${iterations}`);
  }
  const prepared = curves.map((c) => prepare(c));
  let centres = prepared.map((p) => p.best);
  let solved = solve(prepared, centres, window, curvature);
  for (let i = 1; i < iterations && solved !== null; i++) {
    const next = prepared.map((p, s) => {
      const v = solved!.vertices[s];
      return v === null || p.best === null ? centres[s] : Math.min(Math.max(v, p.lo), p.hi);
    });
    if (next.every((c, s) => c === centres[s])) break;
    centres = next;
    const again = solve(prepared, centres, window, curvature);
    if (again === null) break;
    solved = again;
  }
  const optima: SurfaceOptimum[] = prepared.map((p, s) => {
    const log2Multiplier = curves[s].log2Multiplier;
    if (p.best === null) {
      return { log2Multiplier, log2LrStar: null, edge: null, method: "none", used: 0 };
    }
    const v = solved?.vertices[s] ?? null;
    const used = solved?.used[s] ?? 0;
    if (v === null) {
      const edge = p.best === p.lo ? "low" : p.best === p.top ? "high" : null;
      return { log2Multiplier, log2LrStar: p.best, edge, method: "best-point", used: 1 };
    }
    if (v < p.lo) return { log2Multiplier, log2LrStar: p.lo, edge: "low", method: "surface", used };
    if (v > p.top) {
      return { log2Multiplier, log2LrStar: p.top, edge: "high", method: "surface", used };
    }
    return { log2Multiplier, log2LrStar: v, edge: null, method: "surface", used };
  });
  const known = optima.filter((o) => o.log2LrStar !== null);
  return {
    optima,
    curvature: solved === null ? null : { atBase: solved.a, perDoubling: solved.a1 },
    slope: leastSquaresSlope(known.map((o) => o.log2Multiplier), known.map((o) => o.log2LrStar!)),
    edge: known.some((o) => o.edge !== null),
  };
}

interface Prepared {
  u: number;
  finite: SurfacePoint[];
  /** Best finite point's log2 lr (null without one); lowest finite; highest finite; highest tried. */
  best: number | null;
  lo: number;
  hi: number;
  top: number;
}

function prepare(curve: SurfaceCurve): Prepared {
  const finite = curve.points.filter((p) => Number.isFinite(p.loss));
  for (const p of curve.points) {
    if (!(p.weight > 0)) {
      throw new Error(`fitSurface: weights must be > 0, got ${p.weight} at log2 lr ${p.log2Lr}`);
    }
  }
  const xs = finite.map((p) => p.log2Lr);
  let best: SurfacePoint | null = null;
  for (const p of finite) if (best === null || p.loss < best.loss) best = p;
  return {
    u: curve.log2Multiplier,
    finite,
    best: best?.log2Lr ?? null,
    lo: Math.min(...xs),
    hi: Math.max(...xs),
    top: Math.max(...curve.points.map((p) => p.log2Lr)),
  };
}

/** One weighted least-squares solve with the windows at `centres`; null when singular. */
function solve(
  curves: readonly Prepared[],
  centres: readonly (number | null)[],
  window: number,
  curvature: "shared" | "linear",
): { vertices: (number | null)[]; used: number[]; a: number; a1: number } | null {
  const inWindow = curves.map((c, s) =>
    centres[s] === null
      ? []
      : c.finite.filter((p) => Math.abs(p.log2Lr - centres[s]!) <= window + 1e-9)
  );
  const active = curves.map((_, s) => inWindow[s].length >= 2);
  const index = new Map<number, number>();
  active.forEach((on, s) => on && index.set(s, index.size));
  const S = index.size;
  const linear = curvature === "linear" &&
    new Set([...index.keys()].map((s) => curves[s].u)).size > 1;
  const n = 2 * S + (linear ? 2 : 1);
  const rows = [...index].flatMap(([s, k]) => inWindow[s].map((p) => ({ s, k, p })));
  if (S === 0 || rows.length <= n) return null;
  const ata = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const { s, k, p } of rows) {
    const x = p.log2Lr - centres[s]!;
    const row = new Array<number>(n).fill(0);
    row[k] = 1;
    row[S + k] = x;
    row[2 * S] = x * x;
    if (linear) row[2 * S + 1] = curves[s].u * x * x;
    for (let i = 0; i < n; i++) {
      if (row[i] === 0) continue;
      for (let j = 0; j < n; j++) ata[i][j] += p.weight * row[i] * row[j];
      ata[i][n] += p.weight * row[i] * p.loss;
    }
  }
  const beta = gaussSolve(ata);
  if (beta === null) return null;
  const a = beta[2 * S];
  const a1 = linear ? beta[2 * S + 1] : 0;
  const vertices = curves.map((c, s) => {
    const k = index.get(s);
    if (k === undefined) return null;
    const as = a + a1 * c.u;
    return as > 0 ? centres[s]! - beta[S + k] / (2 * as) : null;
  });
  return { vertices, used: inWindow.map((w, s) => (active[s] ? w.length : 0)), a, a1 };
}

/**
 * Solves the augmented system `m` (n rows of n + 1) by elimination with partial pivoting; null
 * when it is singular.
 *
 * @example
 * ```ts
 * import { gaussSolve } from "./surface_fit.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(gaussSolve([[2, 0, 4], [0, 1, 3]]), [2, 3]);
 * assertEquals(gaussSolve([[1, 1, 1], [1, 1, 2]]), null);
 * ```
 */
export function gaussSolve(m: readonly (readonly number[])[]): number[] | null {
  const a = m.map((r) => [...r]);
  const n = a.length;
  const scale = Math.max(1e-300, ...a.flatMap((r) => r.slice(0, n).map(Math.abs)));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-12 * scale) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      if (f === 0) continue;
      for (let k = col; k <= n; k++) a[r][k] -= f * a[col][k];
    }
  }
  return a.map((r, i) => r[n] / r[i]);
}
