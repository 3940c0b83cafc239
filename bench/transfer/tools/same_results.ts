/**
 * Whether two sweep folders hold the same runs with the same outcome: the same run ids, the same
 * status for each, and final losses within a tolerance (absolute, default 1e-3). Prints the
 * number of runs compared and the largest difference; exits 1 when they differ.
 *
 *   deno run -A bench/transfer/tools/same_results.ts DIR_A DIR_B [tolerance]
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
): Promise<FolderComparison> {
  const [ra, rb] = [latestById(await readResults(a)), latestById(await readResults(b))];
  const problems: string[] = [];
  let compared = 0;
  let maxDifference = 0;
  for (const id of new Set([...ra.keys(), ...rb.keys()])) {
    const [x, y] = [ra.get(id), rb.get(id)];
    if (x === undefined || y === undefined) {
      problems.push(`${id}: only in ${x === undefined ? b : a}`);
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
  return { compared, maxDifference, problems };
}

if (import.meta.main) {
  const [a, b, tol] = Deno.args;
  if (a === undefined || b === undefined) {
    console.error("usage: deno run -A bench/transfer/tools/same_results.ts DIR_A DIR_B [tol]");
    Deno.exit(2);
  }
  const c = await compareFolders(a, b, tol === undefined ? 1e-3 : Number(tol));
  console.log(
    `${c.compared} runs compared; largest final-loss difference ${
      c.maxDifference.toExponential(2)
    }`,
  );
  for (const p of c.problems) console.log(`differs: ${p}`);
  if (c.compared === 0) console.log("differs: no run in both folders");
  Deno.exit(c.problems.length === 0 && c.compared > 0 ? 0 : 1);
}
