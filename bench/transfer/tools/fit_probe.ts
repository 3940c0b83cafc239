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
 * import { fitJointOptimum, probeDesign } from "./fit_probe.ts";
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
import type { Interval } from "../analyse/intervals.ts";
import { seededRandom } from "../analyse/random.ts";
import { mean } from "../analyse/samples.ts";
import { valueInterval } from "../analyse/slopes.ts";
import { gaussSolve } from "../analyse/surface_fit.ts";
import { parseParamRef } from "../plan/param_ref.ts";
import type { RunResult } from "../plan/types.ts";

/**
 * The design's log2 factor vectors for `groups` groups with ranges `ranges` (see the module doc).
 *
 * @example
 * ```ts
 * import { probeDesign } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(probeDesign(1, [2]), [[0], [-2], [2], [-1], [1]]);
 * assertEquals(probeDesign(5, [1, 1, 1, 1, 1]).length, 1 + 10 + 16);
 * ```
 */
export function probeDesign(groups: number, ranges: readonly number[]): number[][] {
  if (ranges.length !== groups || ranges.some((r) => !(r > 0))) {
    throw new Error(`probeDesign: need ${groups} positive ranges, got [${ranges}]`);
  }
  const out: number[][] = [new Array(groups).fill(0)];
  for (let g = 0; g < groups; g++) {
    for (const s of [-1, 1]) out.push(ranges.map((r, h) => (h === g ? s * r : 0)));
  }
  const free = groups <= 4 ? groups : groups - 1;
  for (let m = 0; m < 2 ** free; m++) {
    const signs: number[] = Array.from({ length: free }, (_, i) => ((m >> i) & 1 ? 1 : -1));
    if (free < groups) signs.push(signs.reduce((a, b) => a * b, 1));
    out.push(signs.map((s, g) => (s * ranges[g]) / 2));
  }
  const seen = new Set<string>();
  return out.filter((k) => !seen.has(JSON.stringify(k)) && seen.add(JSON.stringify(k)));
}

/**
 * The `--param` reference of a design point: the base with each group scaled by 2^k (groups at
 * k = 0 left out), e.g. `nugpt@hidden*2@output*0.5`.
 *
 * @example
 * ```ts
 * import { factorsOf, probeRef } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const ref = probeRef("nugpt", ["hidden", "alpha+sz"], [1, -1]);
 * assertEquals(ref, "nugpt@hidden*2@alpha+sz*0.5");
 * assertEquals(factorsOf(ref, "nugpt", ["hidden", "alpha+sz"]), [1, -1]);
 * ```
 */
export function probeRef(base: string, groups: readonly string[], k: readonly number[]): string {
  return groups.reduce((ref, g, i) => (k[i] === 0 ? ref : `${ref}@${g}*${2 ** k[i]}`), base);
}

/**
 * The log2 factors of a probe reference per group, or null when it is not `base` scaled by the
 * given groups only.
 *
 * @example
 * ```ts
 * import { factorsOf } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(factorsOf("nugpt", "nugpt", ["hidden"]), [0]);
 * assertEquals(factorsOf("ngpt@hidden*2", "nugpt", ["hidden"]), null);
 * ```
 */
export function factorsOf(
  ref: string,
  base: string,
  groups: readonly string[],
): number[] | null {
  const k = new Array<number>(groups.length).fill(0);
  let text = ref;
  for (;;) {
    const parsed = parseParamRef(text);
    if (parsed.kind !== "scaled") break;
    const g = groups.indexOf(parsed.roles.join("+"));
    if (g < 0) return null;
    k[g] += Math.round(Math.log2(parsed.factor) * 1e9) / 1e9;
    text = parsed.base;
  }
  return text === base ? k : null;
}

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

/**
 * The groups whose best factor at some width sits at (or past) the edge of its range, or every
 * group when a width's surface is not convex or could not be fitted.
 *
 * @example
 * ```ts
 * import { edgeGroups } from "./fit_probe.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(edgeGroups([{ k: [0.5, -2.5], convex: true }], [1, 2]), [1]);
 * ```
 */
export function edgeGroups(
  optima: readonly ({ k: number[]; convex: boolean } | null)[],
  ranges: readonly number[],
): number[] {
  const edge = new Set<number>();
  for (const o of optima) {
    if (o === null || !o.convex) return ranges.map((_, g) => g);
    o.k.forEach((x, g) => Math.abs(x) >= ranges[g] - 1e-9 && edge.add(g));
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
): Map<number, { k: number[]; convex: boolean } | null> {
  const table = probeTable(runs, base, groups);
  const out = new Map<number, { k: number[]; convex: boolean } | null>();
  for (const w of [...table.keys()].sort((a, b) => a - b)) {
    out.set(
      w,
      fitJointOptimum(
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
  /** Best log2 factor per width (null where the fit failed) and its interval. */
  optima: { width: number; k: number | null; interval: Interval | null }[];
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
  const fitWidth = (w: number, pick: (bySeed: Map<number, number>) => number) =>
    fitJointOptimum(
      [...table.get(w)!].map(([key, bySeed]) => ({
        k: JSON.parse(key) as number[],
        loss: pick(bySeed),
        weight: bySeed.size,
      })),
      G,
    );
  const point = widths.map((w) => fitWidth(w, (s) => mean([...s.values()])));
  // σ from repeated seeds; with one seed, from the quadratics' residuals (their misfit counts as
  // noise, as in estimateNoise).
  const resSS = point.reduce((a, p) => a + (p?.residualSS ?? 0), 0);
  const resDof = point.reduce((a, p) => a + Math.max(0, p?.dof ?? 0), 0);
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
