/**
 * Whether two sweep folders hold the same runs with the same outcome: the same run ids, the same
 * status for each, and final losses within a tolerance (absolute, default 1e-3). Prints the
 * number of runs compared and the largest difference; exits 1 when they differ.
 *
 * With `--common`, runs found in one folder only are counted, not differences: an adaptive sweep
 * with `--group` ≠ 1 searches with batch-aware rounds (`run/search.ts`) and may train a few
 * points the one-at-a-time search does not (or the reverse); the runs both trained must agree,
 * and the fitted lr* of each curve (`summary.json`) is printed side by side.
 *
 *   deno run -A bench/transfer/tools/same_results.ts DIR_A DIR_B [tolerance] [--common]
 *
 * @example
 * ```ts
 * import { compareFolders } from "./same_results.ts";
 * import { writeResults } from "../run/results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult } from "../plan/types.ts";
 * const row = (id: string, loss: number) =>
 *   ({ spec: { id }, status: "ok", finalValLoss: loss, curves: [] }) as unknown as RunResult;
 * const [a, b] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * await writeResults(a, [row("x", 2), row("y", 3)]);
 * await writeResults(b, [row("x", 2.0004), row("y", 3)]);
 * const c = await compareFolders(a, b, 1e-3);
 * assertEquals([c.compared, c.problems], [2, []]);
 * ```
 *
 * @module
 */
import { latestById, readResults } from "../run/results.ts";

/** The outcome of {@linkcode compareFolders}. */
export interface FolderComparison {
  /** Runs found in both folders. */
  compared: number;
  /** Largest absolute difference of two final losses (both ok). */
  maxDifference: number;
  /** Each difference beyond the tolerance, missing run or status mismatch, in words. */
  problems: string[];
  /** Runs found only in folder `a` / only in `b` (problems unless `common`). */
  onlyInA: number;
  onlyInB: number;
}

/**
 * Compares the latest result of every run id in folders `a` and `b` (see the module doc).
 *
 * @example
 * ```ts
 * import { compareFolders } from "./same_results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const empty = await Deno.makeTempDir();
 * assertEquals((await compareFolders(empty, empty, 1e-3)).compared, 0);
 * ```
 */
export async function compareFolders(
  a: string,
  b: string,
  tolerance: number,
  options: { common?: boolean } = {},
): Promise<FolderComparison> {
  const [ra, rb] = [latestById(await readResults(a)), latestById(await readResults(b))];
  const problems: string[] = [];
  let compared = 0, onlyInA = 0, onlyInB = 0;
  let maxDifference = 0;
  for (const id of new Set([...ra.keys(), ...rb.keys()])) {
    const [x, y] = [ra.get(id), rb.get(id)];
    if (x === undefined || y === undefined) {
      if (x === undefined) onlyInB++;
      else onlyInA++;
      if (!options.common) problems.push(`${id}: only in ${x === undefined ? b : a}`);
      continue;
    }
    compared++;
    if (x.status !== y.status) {
      problems.push(`${id}: ${x.status} in ${a}, ${y.status} in ${b}`);
      continue;
    }
    if (x.finalValLoss === null || y.finalValLoss === null) continue;
    const d = Math.abs(x.finalValLoss - y.finalValLoss);
    maxDifference = Math.max(maxDifference, d);
    if (d > tolerance) {
      problems.push(`${id}: final loss ${x.finalValLoss} vs ${y.finalValLoss} (|Δ| ${d})`);
    }
  }
  return { compared, maxDifference, problems, onlyInA, onlyInB };
}

/**
 * The fitted lr* (log2) of every curve in a folder's `summary.json`, keyed
 * `parameterization/axis/size` (an empty map when the folder has no summary).
 *
 * @example
 * ```ts
 * import { fittedOptima } from "./same_results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const dir = await Deno.makeTempDir();
 * const optima = [{ parameterization: "ngpt", axis: "width", size: 16, log2LrStar: -6.5 }];
 * await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify({ optima }));
 * assertEquals([...await fittedOptima(dir)], [["ngpt/width/16", -6.5]]);
 * ```
 */
export async function fittedOptima(dir: string): Promise<Map<string, number | null>> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/summary.json`);
  } catch {
    return new Map();
  }
  const optima = (JSON.parse(text).optima ?? []) as {
    parameterization: string;
    axis: string;
    size: number;
    log2LrStar: number | null;
  }[];
  return new Map(
    optima.map((o) => [`${o.parameterization}/${o.axis}/${o.size}`, o.log2LrStar]),
  );
}

if (import.meta.main) {
  const common = Deno.args.includes("--common");
  const [a, b, tol] = Deno.args.filter((x) => x !== "--common");
  if (a === undefined || b === undefined) {
    console.error(
      "usage: deno run -A bench/transfer/tools/same_results.ts DIR_A DIR_B [tol] [--common]",
    );
    Deno.exit(2);
  }
  const c = await compareFolders(a, b, tol === undefined ? 1e-3 : Number(tol), { common });
  console.log(
    `${c.compared} runs compared; largest final-loss difference ${
      c.maxDifference.toExponential(2)
    }` + (common ? `; ${c.onlyInA} runs only in the first, ${c.onlyInB} only in the second` : ""),
  );
  if (common) {
    const [fa, fb] = [await fittedOptima(a), await fittedOptima(b)];
    for (const [curve, star] of fa) {
      const other = fb.get(curve);
      const show = (x: number | null | undefined) => x == null ? "none" : x.toFixed(3);
      console.log(`lr* ${curve}: 2^${show(star)} vs 2^${show(other)}`);
    }
  }
  for (const p of c.problems) console.log(`differs: ${p}`);
  if (c.compared === 0) console.log("differs: no run in both folders");
  Deno.exit(c.problems.length === 0 && c.compared > 0 ? 0 : 1);
}
