/**
 * Resuming a `--jobs` sweep with more seeds trains only the new runs: the finished ones that the
 * new plan gives to the other shard are not trained again.
 */
import { assertEquals } from "../../testing/assert.ts";
import { runJobs } from "../../bench/transfer/run/jobs.ts";

const GRID = ["--synthetic", "--search", "grid", "--sizes", "16,32", "--lrs=-8:-5:1"];
const GRID_RUNS = 2 * 2 * (4 + 1); // parameterizations × sizes × (rates + the signature rate)

/** Runs trained, summed over the shards' closing lines ("N runs trained, M reused, ..."). */
function trainedIn(lines: string[]): number {
  return lines.map((l) => /(\d+) runs trained, \d+ reused, /.exec(l)).filter((m) => m !== null)
    .reduce((sum, m) => sum + Number(m![1]), 0);
}

Deno.test("transfer --jobs --resume with more seeds trains only the new seed's runs", async () => {
  const out = await Deno.makeTempDir();
  try {
    const first: string[] = [];
    await runJobs([...GRID, "--seeds", "1"], 2, out, (l) => first.push(l));
    // At the base size νGPT's runs are nGPT's (reused, not trained).
    const trained = trainedIn(first);
    assertEquals(trained > 0 && trained <= GRID_RUNS, true, first.join("\n"));
    const again: string[] = [];
    const results = await runJobs(
      [...GRID, "--seeds", "2", "--resume"],
      2,
      out,
      (l) => again.push(l),
    );
    assertEquals(results.length, 2 * GRID_RUNS);
    // The second seed trains as many runs as the first did, and nothing more.
    assertEquals(trainedIn(again), trained, again.join("\n"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
