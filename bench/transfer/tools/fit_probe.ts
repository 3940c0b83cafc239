/**
 * The joint role probe of `transfer fit`: at each fitted width, with the base learning rate at
 * the base parameterization's optimum there, every role group's rate is scaled by 2^k at once,
 * on a central composite design (the centre; each group alone at ±r; the corners ±r/2 of a full
 * factorial for up to four groups, a half fraction — the last sign the product of the others —
 * for more), and one quadratic in all the k's with every pairwise interaction is fitted to the
 * seed-mean losses. Its stationary point is the groups' best factors *together*; how each moves
 * with log2 width is the group's width exponent on top of the base. One group at a time (the
 * older `role_probe.ts`) sees no interactions.
 *
 * A group whose best factor falls outside ±r (or along which the fitted surface is not convex)
 * sits at the edge of what was tried: {@linkcode edgeGroups} names it and the command doubles its
 * range and probes again. Intervals come from a bootstrap over seeds with the pooled per-seed
 * noise added, as for lr* (`analyse/bootstrap.ts`).
 *
 * @example
 * ```ts
 * import { fitJointOptimum } from "./fit_probe.ts";
 * import { probeDesign } from "./fit_design.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const design = probeDesign(2, [1, 1]);
 * const points = design.map((k) => ({
 *   k,
 *   loss: 2 + 0.05 * (k[0] - 0.3) ** 2 + 0.05 * (k[1] + 0.2) ** 2 + 0.02 * (k[0] - 0.3) * (k[1] + 0.2),
 *   weight: 1,
 * }));
 * const best = fitJointOptimum(points, 2)!;
 * assertClose(best.k[0], 0.3, { atol: 1e-9 });
 * assertClose(best.k[1], -0.2, { atol: 1e-9 });
 * ```
 *
 * @module
 */
import { leastSquaresSlope } from "../analyse/fit.ts";
import { boundedAwayFrom, type Interval } from "../analyse/intervals.ts";
import { seededRandom } from "../analyse/random.ts";
import { mean } from "../analyse/samples.ts";
import { valueInterval } from "../analyse/slopes.ts";
import { gaussSolve } from "../analyse/surface_fit.ts";
import { factorsOf } from "./fit_design.ts";
import type { RunResult } from "../plan/types.ts";

/** One design point's seed-mean loss. */
export interface ProbePoint {
  k: readonly number[];
  loss: number;
  weight: number;
}

/**
 * The stationary point of the full quadratic through `points` (diverged ones left out), or null
 * when the fit is singular; `convex`: the Hessian is positive definite; the weighted residual
 * sum of squares and its degrees of freedom (points − parameters).
 *
 * @example
 * ```ts
 * import { fitJointOptimum } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(fitJointOptimum([], 2), null);
 * ```
 */
export function fitJointOptimum(
  points: readonly ProbePoint[],
  groups: number,
): { k: number[]; convex: boolean; residualSS: number; dof: number } | null {
  const features = (k: readonly number[]) => {
    const f = [1, ...k, ...k.map((x) => x * x)];
    for (let g = 0; g < groups; g++) for (let h = g + 1; h < groups; h++) f.push(k[g] * k[h]);
    return f;
  };
  const used = points.filter((p) => Number.isFinite(p.loss));
  const n = 1 + 2 * groups + (groups * (groups - 1)) / 2;
  if (used.length < n) return null;
  const ata = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const p of used) {
    const f = features(p.k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) ata[i][j] += p.weight * f[i] * f[j];
      ata[i][n] += p.weight * f[i] * p.loss;
    }
  }
  const beta = gaussSolve(ata);
  if (beta === null) return null;
  const hessian = Array.from({ length: groups }, () => new Array<number>(groups).fill(0));
  let c = 1 + 2 * groups;
  for (let g = 0; g < groups; g++) hessian[g][g] = 2 * beta[1 + groups + g];
  for (let g = 0; g < groups; g++) {
    for (let h = g + 1; h < groups; h++) hessian[g][h] = hessian[h][g] = beta[c++];
  }
  const k = gaussSolve(hessian.map((row, g) => [...row, -beta[1 + g]]));
  if (k === null) return null;
  let residualSS = 0;
  for (const p of used) {
    const f = features(p.k);
    residualSS += p.weight * (p.loss - f.reduce((s, x, i) => s + x * beta[i], 0)) ** 2;
  }
  return { k, convex: positiveDefinite(hessian), residualSS, dof: used.length - n };
}

function positiveDefinite(m: readonly (readonly number[])[]): boolean {
  const n = m.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i][j];
      for (let p = 0; p < j; p++) s -= l[i][p] * l[j][p];
      if (i === j) {
        if (!(s > 0)) return false;
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return true;
}

/** The groups' best factors at one width, and how they were found. */
export interface JointOptimum {
  k: number[];
  /**
   * `quadratic`: the stationary point of a convex fit, clamped to the factors tried;
   * `best-point`: the design point with the lowest loss (the fit was not convex, or singular).
   */
  method: "quadratic" | "best-point";
  /** Per group: the optimum sits at (or was clamped to) the largest factor tried. */
  edge: boolean[];
}

/**
 * The joint optimum of one width's design points (null without a finite one): the stationary
 * point of the quadratic when it is convex, clamped to the box of factors tried (a group
 * clamped is at the edge); otherwise the best design point, at the edge where that point is.
 *
 * @example
 * ```ts
 * import { jointOptimum } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // Concave along the first group: no trustworthy stationary point; the best point is taken.
 * const points = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5],
 *   [0.5, 0.5]].map((k) => ({ k, loss: 2 - 0.1 * k[0] ** 2 + 0.1 * k[1] ** 2 + 0.05 * k[0], weight: 1 }));
 * assertEquals(jointOptimum(points, 2), { k: [-1, 0], method: "best-point", edge: [true, false] });
 * ```
 */
export function jointOptimum(
  points: readonly ProbePoint[],
  groups: number,
): JointOptimum | null {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  if (finite.length === 0) return null;
  const box = Array.from(
    { length: groups },
    (_, g) => Math.max(...finite.map((p) => Math.abs(p.k[g]))),
  );
  const atEdge = (x: number, g: number) => box[g] > 0 && Math.abs(x) >= box[g] - 1e-9;
  const fit = fitJointOptimum(finite, groups);
  if (fit !== null && fit.convex) {
    const k = fit.k.map((x, g) => Math.min(Math.max(x, -box[g]), box[g]));
    return { k, method: "quadratic", edge: k.map(atEdge) };
  }
  const best = finite.reduce((b, p) => (p.loss < b.loss ? p : b));
  return { k: [...best.k], method: "best-point", edge: best.k.map(atEdge) };
}

/**
 * The groups whose optimum sits at the edge of the factors tried at some width (every group
 * where a width has no optimum).
 *
 * @example
 * ```ts
 * import { edgeGroups } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(edgeGroups([{ k: [0.5, -2], method: "quadratic", edge: [false, true] }], 2), [1]);
 * ```
 */
export function edgeGroups(optima: readonly (JointOptimum | null)[], groups: number): number[] {
  const edge = new Set<number>();
  for (const o of optima) {
    if (o === null) return Array.from({ length: groups }, (_, g) => g);
    o.edge.forEach((e, g) => e && edge.add(g));
  }
  return [...edge].sort((a, b) => a - b);
}

/** Per width, per design point (the JSON of its k), per seed: the final loss. */
type ProbeTable = Map<number, Map<string, Map<number, number>>>;

function probeTable(
  runs: readonly RunResult[],
  base: string,
  groups: readonly string[],
): ProbeTable {
  const table: ProbeTable = new Map();
  for (const r of runs) {
    if (r.status === "failed") continue;
    const k = factorsOf(r.spec.parameterization, base, groups);
    if (k === null) continue;
    const byPoint = table.get(r.spec.width) ?? new Map<string, Map<number, number>>();
    table.set(r.spec.width, byPoint);
    const bySeed = byPoint.get(JSON.stringify(k)) ?? new Map<number, number>();
    byPoint.set(JSON.stringify(k), bySeed);
    bySeed.set(r.spec.seed, r.status === "ok" ? r.finalValLoss ?? Infinity : Infinity);
  }
  return table;
}

/**
 * The joint optimum at each width from the seed-mean losses (null where it cannot be fitted).
 *
 * @example
 * ```ts
 * import { jointOptima } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(jointOptima([], "nugpt", ["hidden"]).size, 0);
 * ```
 */
export function jointOptima(
  runs: readonly RunResult[],
  base: string,
  groups: readonly string[],
): Map<number, JointOptimum | null> {
  const table = probeTable(runs, base, groups);
  const out = new Map<number, JointOptimum | null>();
  for (const w of [...table.keys()].sort((a, b) => a - b)) {
    out.set(
      w,
      jointOptimum(
        [...table.get(w)!].map(([key, bySeed]) => ({
          k: JSON.parse(key) as number[],
          loss: mean([...bySeed.values()]),
          weight: bySeed.size,
        })),
        groups.length,
      ),
    );
  }
  return out;
}

/** One group's result over the fitted widths. */
export interface GroupExponent {
  group: string;
  /**
   * Best log2 factor per width (null where there is none), whether it sits at the edge of the
   * factors tried, how it was found, and its interval.
   */
  optima: {
    width: number;
    k: number | null;
    edge: boolean;
    method: JointOptimum["method"] | null;
    interval: Interval | null;
  }[];
  exponent: number | null;
  interval: Interval | null;
}

/**
 * Best factors per width and width exponents of every group, with bootstrap intervals over the
 * seeds (`replicates`, level 0.9).
 *
 * @example
 * ```ts
 * import { jointExponents } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(jointExponents([], { base: "nugpt", groups: ["hidden"], replicates: 10 }), [
 *   { group: "hidden", optima: [], exponent: null, interval: null },
 * ]);
 * ```
 */
export function jointExponents(
  runs: readonly RunResult[],
  options: { base: string; groups: readonly string[]; replicates?: number; level?: number },
): GroupExponent[] {
  const G = options.groups.length;
  const level = options.level ?? 0.9;
  const table = probeTable(runs, options.base, options.groups);
  const widths = [...table.keys()].sort((a, b) => a - b);
  let ss = 0;
  let dof = 0;
  for (const byPoint of table.values()) {
    for (const bySeed of byPoint.values()) {
      const xs = [...bySeed.values()].filter(Number.isFinite);
      if (xs.length < 2) continue;
      const m = mean(xs);
      for (const x of xs) ss += (x - m) ** 2;
      dof += xs.length - 1;
    }
  }
  const pointsOf = (w: number, pick: (bySeed: Map<number, number>) => number): ProbePoint[] =>
    [...table.get(w)!].map(([key, bySeed]) => ({
      k: JSON.parse(key) as number[],
      loss: pick(bySeed),
      weight: bySeed.size,
    }));
  const fitWidth = (w: number, pick: (bySeed: Map<number, number>) => number) =>
    jointOptimum(pointsOf(w, pick), G);
  const seedMean = (s: Map<number, number>) => mean([...s.values()]);
  const point = widths.map((w) => fitWidth(w, seedMean));
  // σ from repeated seeds; with one seed, from the quadratics' residuals (their misfit counts as
  // noise, as in estimateNoise).
  const quadratics = widths.map((w) => fitJointOptimum(pointsOf(w, seedMean), G));
  const resSS = quadratics.reduce((a, q) => a + (q?.residualSS ?? 0), 0);
  const resDof = quadratics.reduce((a, q) => a + Math.max(0, q?.dof ?? 0), 0);
  const sigma = dof > 0 ? Math.sqrt(ss / dof) : resDof > 0 ? Math.sqrt(resSS / resDof) : 0;
  const rng = seededRandom("joint-probe");
  const reps: (number[] | null)[][] = [];
  for (let b = 0; b < (options.replicates ?? 1000); b++) {
    reps.push(widths.map((w) => {
      const seeds = [...new Set([...table.get(w)!.values()].flatMap((s) => [...s.keys()]))];
      const drawn = seeds.map(() => seeds[rng.int(seeds.length)]);
      const fit = fitWidth(w, (s) => {
        const xs = drawn.filter((d) => s.has(d)).map((d) => s.get(d)!);
        const m = mean(xs.length > 0 ? xs : [...s.values()]);
        return m + (sigma / s.size) * rng.normal();
      });
      return fit?.k ?? null;
    }));
  }
  const xs = widths.map(Math.log2);
  return options.groups.map((group, g) => {
    const optima = widths.map((width, i) => ({
      width,
      k: point[i]?.k[g] ?? null,
      edge: point[i]?.edge[g] ?? false,
      method: point[i]?.method ?? null,
      interval: valueInterval(reps.map((r) => r[i]?.[g] ?? NaN), { level }),
    }));
    const slopeOf = (ks: (number | null)[]) =>
      ks.every((k) => k !== null) ? leastSquaresSlope(xs, ks as number[]) : null;
    return {
      group,
      optima,
      exponent: slopeOf(optima.map((o) => o.k)),
      interval: valueInterval(reps.map((r) => slopeOf(r.map((k) => k?.[g] ?? null)) ?? NaN), {
        level,
      }),
    };
  });
}

/**
 * Why `--probe-keep significant` drops a group's exponent: it is a bound (the group still sits
 * at the edge of its range after the last widening), or its 90 % interval holds 0; `null` when it
 * is kept.
 *
 * @example
 * ```ts
 * import { droppedWhy } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const g = { group: "input", optima: [], exponent: 1, interval: { level: 0.9, lo: -0.5, hi: 1.5 } };
 * assertEquals(droppedWhy(g, ["input"]), "at the edge of its range: a bound");
 * assertEquals(droppedWhy(g, []), "its interval holds 0");
 * assertEquals(droppedWhy({ ...g, interval: { level: 0.9, lo: 0.2, hi: 1.5 } }, []), null);
 * ```
 */
export function droppedWhy(g: GroupExponent, edges: readonly string[]): string | null {
  if (edges.includes(g.group)) return "at the edge of its range: a bound";
  return boundedAwayFrom(g.interval, 0) ? null : "its interval holds 0";
}

/**
 * Whether a probed exponent enters the parameterization: every one under `always`; under
 * `significant` only one {@linkcode droppedWhy} has no reason to drop.
 *
 * @example
 * ```ts
 * import { keptExponent } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const g = { group: "hidden", optima: [], exponent: 0.5, interval: { level: 0.9, lo: -0.1, hi: 0.9 } };
 * assertEquals([keptExponent(g, [], "always"), keptExponent(g, [], "significant")], [true, false]);
 * ```
 */
export function keptExponent(
  g: GroupExponent,
  edges: readonly string[],
  keep: "significant" | "always",
): boolean {
  return keep === "always" || droppedWhy(g, edges) === null;
}
