import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import type { SweepConfig } from "../../bench/transfer/plan/config.ts";
import {
  canonicalId,
  gridRuns,
  isBaseModel,
  makeRunSpec,
  shardRuns,
} from "../../bench/transfer/plan/run_list.ts";
import { chainsOfShard, estimateRuns, searchOrder } from "../../bench/transfer/run/search.ts";

function config(argv: string[]): SweepConfig {
  const cmd = parseCommand(argv);
  if (cmd.kind !== "sweep") throw new Error("expected a sweep");
  return cmd.config;
}

Deno.test("run ids are deterministic, distinct, and change with result-changing settings", () => {
  const c = config(["--search", "grid", "--seeds", "2", "--param", "ngpt,mup,nugpt"]);
  const a = gridRuns(c, "brown");
  const b = gridRuns(c, "brown");
  assertEquals(a.map((r) => r.id), b.map((r) => r.id));
  assertEquals(new Set(a.map((r) => r.id)).size, a.length);
  assertEquals(a.length, 3 * 3 * 7 * 2); // params × sizes × lrs (-5 on grid) × seeds
  const point = { parameterization: "ngpt", size: 64, log2Lr: -8, seed: 0 };
  const id = makeRunSpec(c, point, "brown").id;
  assertTrue(id.startsWith("ngpt.width64.lr-8.s0."));
  assertTrue(makeRunSpec(config(["--batch", "8"]), point, "brown").id !== id);
  assertTrue(makeRunSpec(c, point, "other.txt").id !== id);
  assertEquals(makeRunSpec(config(["--backend", "cpu"]), point, "brown").id, id);
});

Deno.test("νGPT at the base model is the twin of nGPT there, and only there", () => {
  const c = config(["--sizes", "32,64,128", "--head-size", "32"]);
  const ng = makeRunSpec(c, { parameterization: "ngpt", size: 32, log2Lr: -8, seed: 0 }, "b");
  const nu = makeRunSpec(c, { parameterization: "nugpt", size: 32, log2Lr: -8, seed: 0 }, "b");
  const nuWide = makeRunSpec(c, { parameterization: "nugpt", size: 64, log2Lr: -8, seed: 0 }, "b");
  const mu = makeRunSpec(c, { parameterization: "mup", size: 32, log2Lr: -8, seed: 0 }, "b");
  assertTrue(isBaseModel(nu) && !isBaseModel(nuWide));
  assertEquals(canonicalId(nu), ng.id);
  assertEquals(canonicalId(nuWide), nuWide.id);
  assertEquals(canonicalId(mu), mu.id);
});

Deno.test("shards are disjoint, cover the grid, and keep twins together", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.subarray(["ngpt", "mup", "nugpt"], { minLength: 1 }),
      fc.integer({ min: 1, max: 3 }),
      (count, params, seeds) => {
        const c = config(["--search", "grid", "--param", params.join(","), "--seeds", `${seeds}`]);
        const all = gridRuns(c, "brown");
        const shards = Array.from(
          { length: count },
          (_, index) => shardRuns(all, { index, count }),
        );
        const ids = shards.flat().map((r) => r.id);
        assertEquals(ids.length, all.length);
        assertEquals(new Set(ids), new Set(all.map((r) => r.id)));
        for (const s of shards) {
          for (const r of s) {
            const twin = all.find((t) => t.id !== r.id && canonicalId(t) === canonicalId(r));
            if (twin) assertTrue(s.includes(twin), `${r.id} with its twin`);
          }
        }
        const sizes = shards.map((s) => new Set(s.map(canonicalId)).size);
        assertTrue(Math.max(...sizes) - Math.min(...sizes) <= 1, "balanced");
      },
    ),
  );
});

Deno.test("adaptive sweeps shard by chain; search starts at the base size", () => {
  assertEquals(chainsOfShard(["a", "b", "c"], { index: 0, count: 2 }), ["a", "c"]);
  assertEquals(chainsOfShard(["a", "b", "c"], null), ["a", "b", "c"]);
  assertEquals(searchOrder([32, 64, 128, 256], 64), [64, 128, 256, 32]);
  assertEquals(searchOrder([128, 32, 64], 32), [32, 64, 128]);
  assertTrue(estimateRuns(config([]), "brown") > 0);
});
