/**
 * The role probe's analysis on synthetic probes with known answers: the exponent of each group,
 * its interval around the truth under seed noise, a best factor beyond the range reported as a
 * bound, and a folder with two base rates refused.
 */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { probeCurves, renderProbe, roleExponents } from "../../bench/transfer/tools/role_probe.ts";
import { seededRandom } from "../../bench/transfer/analyse/random.ts";
import type { RunResult } from "../../bench/transfer/plan/types.ts";

/** A probe where group g's best log2 factor at width w is best(g, w); noise σ per run. */
function synthetic(
  best: (group: string, width: number) => number,
  options: { sigma: number; seeds: number; seed: number },
): RunResult[] {
  const rng = seededRandom(`probe/${options.seed}`);
  const runs: RunResult[] = [];
  const push = (parameterization: string, width: number, seed: number, loss: number) =>
    runs.push({
      spec: { parameterization, width, seed, log2Lr: -5 },
      status: "ok",
      finalValLoss: loss,
    } as unknown as RunResult);
  for (const width of [16, 32, 64]) {
    for (let seed = 0; seed < options.seeds; seed++) {
      const offset = 0.02 * rng.normal(); // a seed's common offset: moves no optimum
      const noise = () => options.sigma * rng.normal();
      // The base run is at factor 1 for every group; its loss is the groups' shared value.
      push("nugpt", width, seed, 2 + offset + noise());
      for (const group of ["hidden", "output"]) {
        for (const k of [-2, -1, 1, 2]) {
          const loss = 2 + 0.04 * ((k - best(group, width)) ** 2 - best(group, width) ** 2);
          push(`nugpt@${group}*${2 ** k}`, width, seed, loss + offset + noise());
        }
      }
    }
  }
  return runs;
}

Deno.test("role probe: exponents recovered, intervals cover the truth under seed noise", () => {
  const truth: Record<string, number> = { hidden: -0.5, output: 0 };
  const best = (g: string, w: number) => truth[g] * Math.log2(w / 16);
  let covered = 0, draws = 0;
  for (let seed = 0; seed < 12; seed++) {
    const rows = roleExponents(synthetic(best, { sigma: 0.01, seeds: 3, seed }), {
      base: "nugpt",
      replicates: 300,
    });
    for (const r of rows) {
      draws++;
      if (r.interval.lo! <= truth[r.group] && truth[r.group] <= r.interval.hi!) covered++;
    }
  }
  assertTrue(covered / draws >= 0.75, `covered ${covered} of ${draws}`);
  const exact = roleExponents(synthetic(best, { sigma: 0, seeds: 2, seed: 0 }), {
    base: "nugpt",
    replicates: 100,
  });
  assertEquals(exact.map((r) => r.group), ["hidden", "output"]);
  assertClose(exact[0].exponent!, -0.5, { atol: 1e-9 });
  assertClose(exact[1].exponent!, 0, { atol: 1e-9 });
});

Deno.test("role probe: a best factor beyond the range is a bound, and flagged in the table", () => {
  // The output group keeps improving up to the largest factor tried at width 64.
  const rows = roleExponents(
    synthetic((g, w) => (g === "output" && w === 64 ? 4 : 0), { sigma: 0, seeds: 2, seed: 1 }),
    { base: "nugpt", replicates: 100 },
  );
  const output = rows.find((r) => r.group === "output")!;
  assertEquals(output.optima.find((o) => o.width === 64)!.edge, "high");
  assertTrue(output.edgeFraction > 0.05);
  assertTrue(renderProbe(rows).includes("≥ "), renderProbe(rows));
});

Deno.test("role probe: two base rates at one width are refused, naming both", () => {
  const run = (log2Lr: number) =>
    ({
      spec: { parameterization: "nugpt", width: 32, seed: 0, log2Lr },
      status: "ok",
      finalValLoss: 2,
    }) as unknown as RunResult;
  assertThrows(
    () => probeCurves([run(-5), run(-4)], "nugpt"),
    "width 32 has runs at base log2 lr -5 and -4",
  );
});
