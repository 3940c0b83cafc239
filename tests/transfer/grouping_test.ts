/**
 * How `--group` splits runs: every run in exactly one group, a group's runs of one shape and
 * schedule (only learning rate and seed differ), no group over its cap, the order of first
 * appearance kept; auto's cap shrinks as the model grows; the flag's values and errors.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { groupCap, groupKey, memberBytes, planGroups } from "../../bench/transfer/run/grouping.ts";
import { makeRunSpec } from "../../bench/transfer/plan/run_list.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import type { RunSpec } from "../../bench/transfer/plan/types.ts";

const cmd = parseCommand(["--param", "ngpt,mup", "--seeds", "3"]);
if (cmd.kind !== "sweep") throw new Error("not a sweep");
const config = cmd.config;

const runArb = fc.record({
  parameterization: fc.constantFrom("ngpt", "mup"),
  size: fc.constantFrom(16, 32, 64),
  log2Lr: fc.integer({ min: -12, max: -3 }),
  seed: fc.integer({ min: 0, max: 2 }),
}).map((point) => makeRunSpec(config, point, "data"));

Deno.test("planGroups: a partition into homogeneous groups of at most the cap, in order", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(runArb, { selector: (r) => r.id, maxLength: 40 }),
      fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant("auto" as const)),
      fc.integer({ min: 1, max: 12 }),
      (runs, setting, budgetMembers) => {
        const budget = budgetMembers * memberBytes(
          runs[0] ?? makeRunSpec(config, {
            parameterization: "ngpt",
            size: 64,
            log2Lr: -8,
            seed: 0,
          }, "data"),
        );
        const groups = planGroups(runs, setting, budget);
        const ids = groups.flat().map((r) => r.id);
        assertEquals([...ids].sort(), runs.map((r) => r.id).sort());
        for (const g of groups) {
          assertTrue(g.length >= 1 && g.length <= groupCap(setting, g[0], budget));
          assertEquals(new Set(g.map(groupKey)).size, 1);
          // Within a group, runs keep the order they came in.
          const positions = g.map((r) => runs.indexOf(r));
          assertEquals(positions, [...positions].sort((a, b) => a - b));
        }
        // Groups of one key are as large as the cap allows: only the last may be smaller.
        const byKey = new Map<string, RunSpec[][]>();
        for (const g of groups) {
          byKey.set(groupKey(g[0]), [...(byKey.get(groupKey(g[0])) ?? []), g]);
        }
        for (const gs of byKey.values()) {
          const cap = groupCap(setting, gs[0][0], budget);
          for (const g of gs.slice(0, -1)) assertEquals(g.length, cap);
        }
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("groupKey: only the learning rate and seed may differ within a group", () => {
  const a = makeRunSpec(config, { parameterization: "ngpt", size: 32, log2Lr: -8, seed: 0 }, "d");
  const same = makeRunSpec(
    config,
    { parameterization: "ngpt", size: 32, log2Lr: -6, seed: 2 },
    "d",
  );
  assertEquals(groupKey(a), groupKey(same));
  const others: RunSpec[] = [
    makeRunSpec(config, { parameterization: "mup", size: 32, log2Lr: -8, seed: 0 }, "d"),
    makeRunSpec(config, { parameterization: "ngpt", size: 64, log2Lr: -8, seed: 0 }, "d"),
    makeRunSpec(config, { parameterization: "ngpt", size: 32, log2Lr: -8, seed: 0 }, "other"),
    { ...a, steps: a.steps + 1 },
    { ...a, batch: a.batch * 2 },
    { ...a, seq: a.seq * 2 },
    { ...a, warmup: 10 },
    { ...a, optimizer: "adam-atan2" },
  ];
  for (const o of others) assertTrue(groupKey(o) !== groupKey(a), JSON.stringify(o));
});

Deno.test("auto: a larger model gets a smaller group under the same budget", () => {
  const at = (size: number) =>
    makeRunSpec(config, { parameterization: "ngpt", size, log2Lr: -8, seed: 0 }, "d");
  const budget = 64 * memberBytes(at(16));
  const caps = [16, 32, 64, 128, 256].map((w) => groupCap("auto", at(w), budget));
  assertEquals(caps[0], 64);
  for (let i = 1; i < caps.length; i++) assertTrue(caps[i] <= caps[i - 1], `${caps}`);
  assertEquals(groupCap("auto", at(256), 1), 1);
});

Deno.test("--group: auto by default, a size, errors naming the value", () => {
  const group = (argv: string[]) => {
    const c = parseCommand(argv);
    return c.kind === "sweep" ? c.config.group : null;
  };
  assertEquals([group([]), group(["--group", "auto"]), group(["--group", "3"])], [
    "auto",
    "auto",
    3,
  ]);
  assertThrows(
    () => parseCommand(["--group", "0"]),
    "--group '0': expected auto or an integer >= 1",
  );
  assertThrows(() => parseCommand(["--group", "many"]), "--group 'many'");
});
