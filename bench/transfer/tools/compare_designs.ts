/**
 * Does an optimum depend on the grid it was measured on? Reads recorded sweeps and fits each
 * chain (one parameterization along one axis) under several designs taken from the same runs —
 * the rates as recorded (for the adaptive search: an octave grid refined around each curve's best
 * point), only the rates every size tried (a common grid), only whole octaves — with the per-curve
 * parabola and with the design-free surface (`analyse/surface_bootstrap.ts`), and prints one
 * markdown table per chain with 90 % intervals and whether the designs agree within them.
 *
 *   deno run -A bench/transfer/tools/compare_designs.ts DIR... [--replicates N] [--seeds 0,1]
 *
 * `--seeds` keeps only those seeds (e.g. to compare a one-seed sweep with one seed of another).
 * The per-seed noise σ is estimated once per folder from all its runs, as the summary does.
 *
 * @example
 * ```ts
 * import { designRates } from "./compare_designs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const rates = [[-9, -8, -7, -6.5, -6], [-8, -7.5, -7, -6]];
 * assertEquals(designRates(rates, "common"), [[-8, -7, -6], [-8, -7, -6]]);
 * assertEquals(designRates(rates, "octaves"), [[-9, -8, -7, -6], [-8, -7, -6]]);
 * ```
 *
 * @module
 */
import { estimateNoise } from "../analyse/bootstrap.ts";
import { formatInterval, type Interval } from "../analyse/intervals.ts";
import { curveSamples } from "../analyse/samples.ts";
import { curves } from "../analyse/summary.ts";
import { type ChainCurve, surfaceBootstrap } from "../analyse/surface_bootstrap.ts";
import type { SurfaceOptions } from "../analyse/surface_fit.ts";
import { latestById, readResults } from "../run/results.ts";
import type { RunResult } from "../plan/types.ts";
import { baseAlong } from "../plan/axes.ts";

/** A design: which of a chain's recorded rates enter. */
export type Design = "recorded" | "common" | "octaves";

/** The designs compared, in table order. */
export const DESIGNS: readonly Design[] = ["recorded", "common", "octaves"];

/**
 * The rates of each size that a design keeps: all (`recorded`), those every size tried
 * (`common`), or the whole octaves (`octaves`).
 *
 * @example
 * ```ts
 * import { designRates } from "./compare_designs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(designRates([[-8, -7.5]], "recorded"), [[-8, -7.5]]);
 * ```
 */
export function designRates(rates: readonly (readonly number[])[], design: Design): number[][] {
  if (design === "recorded") return rates.map((r) => [...r]);
  if (design === "octaves") return rates.map((r) => r.filter((x) => Number.isInteger(x)));
  const common = rates.reduce<number[]>(
    (acc, r) => acc.filter((x) => r.includes(x)),
    [...(rates[0] ?? [])],
  );
  return rates.map(() => [...common]);
}

/** One row of a chain's table. */
export interface DesignRow {
  design: Design;
  estimator: "parabola" | "surface";
  optima: { value: number | null; edge: "low" | "high" | null; interval: Interval | null }[];
  slope: number | null;
  slopeInterval: Interval | null;
  points: number;
}

/**
 * Fits one chain's runs under every design (see the module doc).
 *
 * @example
 * ```ts
 * import { compareDesigns } from "./compare_designs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(compareDesigns([], { sigma: 0.01, replicates: 10 }), []);
 * ```
 */
export function compareDesigns(
  chain: readonly { log2Multiplier: number; runs: readonly RunResult[] }[],
  options: { sigma: number; replicates: number; surface?: SurfaceOptions },
): DesignRow[] {
  if (chain.length === 0) return [];
  const recorded = chain.map((c) =>
    [...new Set(c.runs.map((r) => r.spec.log2Lr))].sort((a, b) => a - b)
  );
  const rows: DesignRow[] = [];
  const seen = new Set<string>();
  for (const design of DESIGNS) {
    const keep = designRates(recorded, design);
    if (seen.has(JSON.stringify(keep))) continue; // the same rates as an earlier design
    seen.add(JSON.stringify(keep));
    const curvesOf: ChainCurve[] = chain.map((c, i) => ({
      log2Multiplier: c.log2Multiplier,
      samples: curveSamples(c.runs.filter((r) => keep[i].includes(r.spec.log2Lr))),
    }));
    if (curvesOf.some((c) => c.samples.points.length < 3)) continue;
    const r = surfaceBootstrap(curvesOf, {
      sigma: options.sigma,
      replicates: options.replicates,
      surface: options.surface,
    });
    const points = keep.reduce((n, k) => n + k.length, 0);
    rows.push({
      design,
      estimator: "parabola",
      optima: r.optima.map((o) => ({
        value: o.parabola.fit.log2LrStar,
        edge: o.parabola.fit.edge,
        interval: o.parabola.interval,
      })),
      slope: r.parabolaSlope.value,
      slopeInterval: r.parabolaSlope.interval,
      points,
    }, {
      design,
      estimator: "surface",
      optima: r.optima.map((o) => ({
        value: o.surface.fit.log2LrStar,
        edge: o.surface.fit.edge,
        interval: o.surface.interval,
      })),
      slope: r.slope.value,
      slopeInterval: r.slope.interval,
      points,
    });
  }
  return rows;
}

/**
 * Whether every pair of rows of one estimator has overlapping intervals at every size, and the
 * largest gap between their point estimates (octaves; only sizes whose optima both designs
 * bracket: two-sided intervals, no edge).
 *
 * @example
 * ```ts
 * import { agreement, type DesignRow } from "./compare_designs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const row = (value: number, lo: number, hi: number): DesignRow => ({
 *   design: "recorded", estimator: "surface", slope: null, slopeInterval: null, points: 5,
 *   optima: [{ value, edge: null, interval: { level: 0.9, lo, hi } }],
 * });
 * assertEquals(agreement([row(-5, -5.2, -4.8), row(-5.3, -5.5, -5.1)], "surface"), {
 *   overlap: true,
 *   largestGap: 0.2999999999999998,
 * });
 * ```
 */
export function agreement(
  rows: readonly DesignRow[],
  estimator: DesignRow["estimator"],
): { overlap: boolean; largestGap: number } {
  const mine = rows.filter((r) => r.estimator === estimator);
  let overlap = true;
  let largestGap = 0;
  for (let i = 0; i < mine.length; i++) {
    for (let j = i + 1; j < mine.length; j++) {
      mine[i].optima.forEach((a, k) => {
        const b = mine[j].optima[k];
        const ai = a.interval;
        const bi = b.interval;
        if (ai !== null && bi !== null) {
          if (
            (ai.lo ?? -Infinity) > (bi.hi ?? Infinity) || (bi.lo ?? -Infinity) > (ai.hi ?? Infinity)
          ) {
            overlap = false;
          }
        }
        if (twoSided(a) && twoSided(b)) {
          largestGap = Math.max(largestGap, Math.abs(a.value! - b.value!));
        }
      });
    }
  }
  return { overlap, largestGap };
}

function twoSided(o: DesignRow["optima"][number]): boolean {
  return o.value !== null && o.edge === null && o.interval !== null && o.interval.lo !== null &&
    o.interval.hi !== null;
}

function cell(o: DesignRow["optima"][number]): string {
  if (o.value === null) return "—";
  const v = `${o.edge === "low" ? "≤ " : o.edge === "high" ? "≥ " : ""}${o.value.toFixed(2)}`;
  return `${v} ${formatInterval(o.interval)}`;
}

async function main(argv: readonly string[]): Promise<void> {
  const dirs: string[] = [];
  let replicates = 1000;
  let seeds: number[] | null = null;
  const surface: SurfaceOptions = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--replicates") replicates = Number(argv[++i]);
    else if (argv[i] === "--window") surface.window = Number(argv[++i]);
    else if (argv[i] === "--curvature") surface.curvature = argv[++i] as "shared" | "linear";
    else if (argv[i] === "--seeds") seeds = argv[++i].split(",").map(Number);
    else if (argv[i].startsWith("--")) throw new Error(`compare_designs: unknown flag ${argv[i]}`);
    else dirs.push(argv[i]);
  }
  if (!(Number.isInteger(replicates) && replicates > 0)) {
    throw new Error(`compare_designs: --replicates must be a positive integer, got ${replicates}`);
  }
  if (dirs.length === 0) throw new Error("compare_designs: give one or more sweep folders");
  for (const dir of dirs) {
    const all = [...latestById(await readResults(dir)).values()].filter((r) =>
      seeds === null || seeds.includes(r.spec.seed)
    );
    const groups = curves(all);
    const noise = estimateNoise(groups.map((g) => curveSamples(g.runs)));
    const sigma = noise.sigma ?? 0;
    console.log(`## ${dir}${seeds === null ? "" : ` (seeds ${seeds.join(", ")})`}\n`);
    console.log(
      `σ = ${
        sigma.toFixed(4)
      } (${noise.source}, ${noise.dof} dof), ${replicates} replicates, 90 % intervals.\n`,
    );
    for (const key of new Set(groups.map((g) => `${g.parameterization}\u0000${g.axis}`))) {
      const [param, axis] = key.split("\u0000");
      const mine = groups.filter((g) => g.parameterization === param && g.axis === axis);
      const chain = mine.map((g) => ({
        log2Multiplier: Math.log2(g.size / baseAlong(g.runs[0].spec.base, g.axis)),
        runs: g.runs,
      }));
      const rows = compareDesigns(chain, { sigma, replicates, surface });
      console.log(`### ${param}, ${axis} ${mine.map((g) => g.size).join(" / ")}\n`);
      console.log(
        `| design | estimator | points | ${
          mine.map((g) => `log2 lr* at ${g.size}`).join(" | ")
        } | slope |`,
      );
      console.log(`| --- | --- | ---: | ${mine.map(() => "---").join(" | ")} | --- |`);
      for (const r of rows) {
        const slope = r.slope === null
          ? "—"
          : `${r.slope.toFixed(3)} ${formatInterval(r.slopeInterval, 3)}`;
        console.log(
          `| ${r.design} | ${r.estimator} | ${r.points} | ${
            r.optima.map(cell).join(" | ")
          } | ${slope} |`,
        );
      }
      for (const est of ["parabola", "surface"] as const) {
        const a = agreement(rows, est);
        console.log(
          `\n${est}: largest gap between designs ${a.largestGap.toFixed(2)} octave; intervals ${
            a.overlap ? "overlap at every size" : "DO NOT overlap at some size"
          }.`,
        );
      }
      console.log("");
    }
  }
}

if (import.meta.main) await main(Deno.args);
