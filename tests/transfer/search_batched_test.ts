/**
 * The batch-aware adaptive search (`--group` ≠ 1, `run/search.ts`): on the synthetic trainer it
 * finds the optimum the one-at-a-time search finds at every parameterization and size, in fewer
 * rounds with groups at least as large, for at most a few runs more.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { runPlan } from "../../bench/transfer/run/search.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";
import { groupKey } from "../../bench/transfer/run/grouping.ts";
import { fitLrStar, seedMeanCurve } from "../../bench/transfer/analyse/fit.ts";
import type { RunResult, RunSpec } from "../../bench/transfer/plan/types.ts";

const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };

/** The plan's rounds (the specs of each `evaluate` call) and every result, by run id. */
async function search(args: string[]) {
  const cmd = parseCommand(args);
  if (cmd.kind !== "sweep") throw new Error("expected a sweep");
  const rounds: RunSpec[][] = [];
  const results = new Map<string, RunResult>();
  await runPlan(cmd.config, "none", async (specs) => {
    rounds.push(specs);
    const out = [];
    for (const s of specs) {
      const r = results.get(s.id) ?? await syntheticTrainer(s, data, () => {});
      results.set(s.id, r);
      out.push(r);
    }
    return out;
  });
  return { rounds, results: [...results.values()] };
}

/** lr* fitted at each parameterization and size, as the analysis fits it. */
function optima(results: RunResult[]): Map<string, number | null> {
  const curves = new Map<string, RunResult[]>();
  for (const r of results) {
    const k = `${r.spec.parameterization}/${r.spec.size}`;
    curves.set(k, [...(curves.get(k) ?? []), r]);
  }
  return new Map(
    [...curves].map(([k, rs]) => [k, fitLrStar(seedMeanCurve(rs)).log2LrStar]),
  );
}

/** The largest group a round can form (runs of one model shape). */
function largestGroup(rounds: RunSpec[][]): number {
  let most = 0;
  for (const round of rounds) {
    const count = new Map<string, number>();
    for (const s of round) count.set(groupKey(s), (count.get(groupKey(s)) ?? 0) + 1);
    most = Math.max(most, ...count.values());
  }
  return most;
}

const SWEEPS: [string, string[]][] = [
  ["quick-like", ["--sizes", "16,32,64"]],
  ["full-like", [
    ...["--sizes", "32,64,128,256", "--lrs=-12:-3:1", "--seeds", "2"],
    ...["--param", "ngpt,mup,nugpt", "--signature-lr=-5"],
  ]],
  ["depth axis, off-grid base", ["--axis", "depth", "--sizes", "1,2,4,8", "--depth", "3"]],
];

for (const [name, args] of SWEEPS) {
  Deno.test(`batch-aware search (${name}): the same optima as one at a time, fewer rounds`, async () => {
    const one = await search([...args, "--group", "1"]);
    const batched = await search([...args, "--group", "auto"]);
    const [a, b] = [optima(one.results), optima(batched.results)];
    assertEquals([...b.keys()].sort(), [...a.keys()].sort());
    for (const [k, star] of a) {
      const other = b.get(k)!;
      assertTrue(
        star !== null && other !== null && Math.abs(star - other) <= 0.05,
        `${name} ${k}: lr* 2^${star} one at a time, 2^${other} batch-aware`,
      );
    }
    // At most a few runs more (a speculated half step the best point moved away from).
    assertTrue(
      batched.results.length <= one.results.length * 1.2,
      `${name}: ${batched.results.length} runs batch-aware, ${one.results.length} one at a time`,
    );
    assertTrue(batched.rounds.length < one.rounds.length, `${name}: rounds`);
    assertTrue(largestGroup(batched.rounds) >= largestGroup(one.rounds), `${name}: groups`);
  });
}

Deno.test("batch-aware search: a seeded size's first round is five points and the signature", async () => {
  const { rounds } = await search([
    ...["--sizes", "16,32", "--param", "ngpt", "--signature-lr=-4", "--group", "auto"],
  ]);
  const second = rounds.find((r) => r[0].size !== rounds[0][0].size)!;
  const lrs = second.map((s) => s.log2Lr).sort((x, y) => x - y);
  assertEquals(lrs.length, 6);
  // Four steps of half an octave around the nearest coarse point, and the signature.
  const grid = lrs.filter((lr) => lr !== -4);
  assertEquals(grid.slice(1).map((lr, i) => lr - grid[i]), [0.5, 0.5, 0.5, 0.5]);
});

for (const group of ["1", "auto"]) {
  Deno.test(`adaptive search (--group ${group}): a whole coarse step is tried on each side of the best point`, async () => {
    // Size 1's optimum at 2^-6 seeds size 2 there; size 2's true optimum, 2^-5.6, makes a half
    // step (2^-5.5) the best point, one half step below the highest rate first tried (2^-5).
    const vertex: Record<number, number> = { 1: -6, 2: -5.6 };
    const cmd = parseCommand([
      ...["--axis", "depth", "--sizes", "1,2", "--param", "ngpt", "--lrs=-9:-3:1"],
      ...["--signature-lr", "off", "--group", group],
    ]);
    if (cmd.kind !== "sweep") throw new Error("expected a sweep");
    const tried = new Map<number, Set<number>>();
    await runPlan(cmd.config, "none", async (specs) => {
      const out = [];
      for (const s of specs) {
        const r = await syntheticTrainer(s, data, () => {});
        tried.set(s.size, (tried.get(s.size) ?? new Set()).add(s.log2Lr));
        out.push({ ...r, status: "ok" as const, finalValLoss: (s.log2Lr - vertex[s.size]) ** 2 });
      }
      return out;
    });
    const second = [...tried.get(2)!].sort((a, b) => a - b);
    for (const lr of [-6.5, -6, -5.5, -5, -4.5]) {
      assertTrue(second.includes(lr), `--group ${group}: 2^${lr} not tried at size 2 (${second})`);
    }
  });
}
