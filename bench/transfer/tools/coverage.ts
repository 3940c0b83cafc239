/**
 * Measures the bootstrap's coverage on synthetic loss curves with a known optimum:
 * `deno run -A bench/transfer/tools/coverage.ts [--draws 200] [--curvature 0.05] [--sigma 0.01]
 * [--seeds 2] [--step 0.5] [--skew 0] [--replicates 400] [--level 0.9] [--seed 42]`.
 *
 * Each draw puts the optimum uniformly in [2^-8.5, 2^-6.5], samples the loss
 * 2 + curvature·(1 ± skew)·(x − optimum)² (the + side above the optimum: `--skew 0.2` makes the
 * curve 1.5× steeper above than below) on a grid of `--step` octaves from 2^-10 to 2^-5 with
 * normal noise σ per seed, estimates σ from the draw itself as a sweep does, and checks whether
 * the interval holds the true optimum. Prints the coverage, the median interval width and the
 * number of one-sided intervals.
 *
 * @example
 * ```ts
 * import { measureCoverage } from "./coverage.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const c = measureCoverage({ draws: 20, replicates: 100 });
 * assertTrue(c.coverage >= 0 && c.coverage <= 1 && c.draws === 20);
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import { bootstrapCurves, estimateNoise, lrStarInterval } from "../analyse/bootstrap.ts";
import { seededRandom } from "../analyse/random.ts";

/** Settings of {@linkcode measureCoverage} (see the module doc for the defaults). */
export interface CoverageOptions {
  draws?: number;
  curvature?: number;
  sigma?: number;
  seeds?: number;
  step?: number;
  skew?: number;
  replicates?: number;
  level?: number;
  seed?: number;
}

/** What {@linkcode measureCoverage} measured. */
export interface Coverage {
  draws: number;
  /** Share of draws whose interval held the true optimum. */
  coverage: number;
  /** Median width (octaves) of the two-sided intervals. */
  medianWidth: number | null;
  oneSided: number;
}

/**
 * Runs the coverage experiment (see the module doc).
 *
 * @example
 * ```ts
 * import { measureCoverage } from "./coverage.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(() => measureCoverage({ step: 0 }), "measureCoverage: step");
 * ```
 */
export function measureCoverage(options: CoverageOptions = {}): Coverage {
  const draws = options.draws ?? 200;
  const curvature = options.curvature ?? 0.05;
  const sigma = options.sigma ?? 0.01;
  const seeds = options.seeds ?? 2;
  const step = options.step ?? 0.5;
  const skew = options.skew ?? 0;
  const level = options.level ?? 0.9;
  if (!(step > 0 && step <= 2.5)) {
    throw new Error(`measureCoverage: step must be in (0, 2.5] octaves, got ${step}`);
  }
  if (!(Number.isInteger(seeds) && seeds > 0)) {
    throw new Error(`measureCoverage: seeds must be a positive integer, got ${seeds}`);
  }
  const rng = seededRandom(options.seed ?? 42);
  let covered = 0;
  let oneSided = 0;
  const widths: number[] = [];
  for (let d = 0; d < draws; d++) {
    const optimum = -8.5 + 2 * rng.uniform();
    const loss = (x: number) =>
      2 + curvature * (1 + skew * Math.sign(x - optimum)) * (x - optimum) ** 2;
    const points = [];
    for (let x = -10; x <= -5 + 1e-9; x += step) {
      const bySeed = new Map<number, number>();
      for (let s = 0; s < seeds; s++) bySeed.set(s, loss(x) + sigma * rng.normal());
      points.push({ log2Lr: x, bySeed });
    }
    const curve = { points };
    const [reps] = bootstrapCurves([curve], {
      sigma: estimateNoise([curve]).sigma ?? 0,
      replicates: options.replicates ?? 400,
      seed: d,
    });
    const interval = lrStarInterval(reps.fits, { level });
    if ((interval.lo ?? -Infinity) <= optimum && optimum <= (interval.hi ?? Infinity)) covered++;
    if (interval.lo === null || interval.hi === null) oneSided++;
    else widths.push(interval.hi - interval.lo);
  }
  widths.sort((a, b) => a - b);
  return {
    draws,
    coverage: covered / draws,
    medianWidth: widths.length ? widths[widths.length >> 1] : null,
    oneSided,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: Object.fromEntries(
      ["draws", "curvature", "sigma", "seeds", "step", "skew", "replicates", "level", "seed"]
        .map((k) => [k, { type: "string" }]),
    ) as Record<string, { type: "string" }>,
  });
  const options: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) {
    const x = Number(v);
    if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(x)) {
      console.error(`error: coverage: --${k} ${JSON.stringify(v)} is not a number`);
      Deno.exit(2);
    }
    options[k] = x;
  }
  try {
    const c = measureCoverage(options);
    console.log(
      `coverage ${c.coverage} over ${c.draws} draws; median width ` +
        `${c.medianWidth?.toFixed(3) ?? "—"} octaves; ${c.oneSided} one-sided`,
    );
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
