/**
 * `--axis batch` sweeps the batch size the way the other axes sweep theirs: each run trains with
 * its size as its batch, the base batch is the smallest size (or `--base`), a run's id holds its
 * batch and base batch (so a resumed folder never mixes batches) while the other axes' runs keep
 * their recorded ids, the folder's settings record the batch as swept, the report labels the
 * axis "batch", and bad input is refused by name.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { makeRunSpec, runId } from "../../bench/transfer/plan/run_list.ts";
import { NAME_ONLY_IDENTITY, sweepSettings } from "../../bench/transfer/plan/identity.ts";
import { settingsDifferences } from "../../bench/transfer/plan/differences.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { syntheticTrainer, syntheticVertex } from "../../bench/transfer/run/synthetic.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import type { Summary } from "../../bench/transfer/analyse/summary.ts";
import type { Dataset, RunSpec, Trainer } from "../../bench/transfer/plan/types.ts";

const config = (argv: string[]) => {
  const cmd = parseCommand(argv);
  if (cmd.kind !== "sweep") throw new Error("expected a sweep");
  return cmd.config;
};

const fakeData = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });

/** Runs the CLI with `trainer`, fake data and no progress; the exit code and printed lines. */
async function run(argv: string[], trainer: Trainer) {
  const lines: string[] = [];
  const code = await withTrainer(
    trainer,
    () => main(argv, { loadData: fakeData, progress: false, print: (l) => lines.push(l) }),
  );
  return { code, output: lines.join("\n") };
}

Deno.test("--axis batch: each run's batch is its size, the rest fixed, the base the smallest", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (sizes, depth) => {
        const c = config(["--axis", "batch", "--sizes", sizes.join(","), "--depth", `${depth}`]);
        const smallest = Math.min(...sizes);
        assertEquals(c.sizes, [...sizes].sort((a, b) => a - b));
        assertEquals(c.base, { width: c.width, depth, steps: c.steps, batch: smallest });
        const specs = c.sizes.map((size) =>
          makeRunSpec(c, { parameterization: "ngpt", size, log2Lr: -6, seed: 0 }, "brown")
        );
        for (const s of specs) {
          assertEquals([s.axis, s.batch, s.width, s.depth, s.steps], [
            "batch",
            s.size,
            c.width,
            depth,
            c.steps,
          ]);
        }
        assertEquals(new Set(specs.map((s) => s.id)).size, specs.length, "one id per batch");
      },
    ),
    { numRuns: 50 },
  );
  const given = config(["--axis", "batch", "--sizes", "8,16,32", "--base", "16"]);
  assertEquals(given.base.batch, 16);
  const both = config(["--axis", "batch", "--sizes", "8,32", "--base", "width=16,batch=32"]);
  assertEquals([both.base.width, both.base.batch], [16, 32]);
  assertEquals(config(["--axis", "width"]).base.batch, undefined, "only a batch sweep has one");
  assertEquals(config(["--axis", "depth", "--batch", "8"]).batch, 8);
});

Deno.test("--axis batch: a run's id holds its base batch; the other axes keep their ids", async () => {
  const point = { parameterization: "nugpt", size: 16, log2Lr: -6, seed: 0 };
  const at8 = makeRunSpec(config(["--axis", "batch", "--sizes", "8,16"]), point, "brown");
  const at16 = makeRunSpec(
    config(["--axis", "batch", "--sizes", "8,16", "--base", "16"]),
    point,
    "brown",
  );
  assertEquals([at8.batch, at16.batch], [16, 16]);
  assertTrue(at8.id !== at16.id, "another base batch is another run");
  assertTrue(/^nugpt\.batch16\.lr-6\.s0\.[0-9a-f]{8}$/.test(at8.id), at8.id);
  // Runs recorded before batch was an axis: recomputing their ids gives the recorded ones.
  const recorded = parseResults(
    await Deno.readTextFile("bench/results/cpu-depth-completep/results.jsonl"),
  );
  assertTrue(recorded.length > 10, `${recorded.length} recorded runs`);
  for (const r of recorded) {
    const { id, ...rest } = r.spec;
    assertEquals(runId(rest), id);
  }
  // And a width run of today's planner: the base batch is not in its id.
  const width = makeRunSpec(config(["--sizes", "16,32"]), { ...point, size: 32 }, "brown");
  const withBase: Omit<RunSpec, "id"> = { ...width, base: { ...width.base, batch: 16 } };
  assertTrue(runId(withBase) !== width.id, "a base batch would change the id");
});

Deno.test("--axis batch: settings record the batch as swept; a new base batch is a difference", async () => {
  const data = { name: "d", train: new Uint8Array(10), val: new Uint8Array(10) };
  const a = await sweepSettings(
    config(["--axis", "batch", "--sizes", "8,16"]),
    data,
    NAME_ONLY_IDENTITY,
  );
  const b = await sweepSettings(
    config(["--axis", "batch", "--sizes", "8,16", "--base", "16"]),
    data,
    NAME_ONLY_IDENTITY,
  );
  assertEquals([a.axis, a.batch, a.width, a.base.batch], ["batch", null, 32, 8]);
  assertEquals(settingsDifferences(a, b).map((d) => d.setting), ["--base"]);
  const depth = await sweepSettings(config(["--axis", "depth"]), data, NAME_ONLY_IDENTITY);
  assertEquals([depth.batch, "batch" in depth.base], [16, false]);
});

Deno.test("--axis batch: bad input is refused, naming the flag and the value", () => {
  assertThrows(
    () => parseCommand(["--axis", "batch", "--sizes", "0"]),
    "--sizes '0': expected an integer >= 1 (a batch size)",
  );
  assertThrows(
    () => parseCommand(["--axis", "batch", "--sizes", "8,-4"]),
    "--sizes '-4': expected an integer >= 1 (a batch size)",
  );
  assertThrows(
    () => parseCommand(["--axis", "batch", "--batch", "8"]),
    "--batch 8 with --axis batch: the batch sizes of a batch sweep are --sizes",
  );
  assertThrows(
    () => parseCommand(["--axis", "width", "--base", "batch=8"]),
    "--base 'batch=8': batch=8 only with --axis batch",
  );
  assertThrows(() => parseCommand(["--axis", "batches"]), "expected width, depth, steps, batch");
});

Deno.test("--axis batch: a synthetic sweep fits lr* against the batch multiplier and resumes", async () => {
  const out = await Deno.makeTempDir();
  try {
    const trained: RunSpec[] = [];
    const counting: Trainer = (spec, data, onProgress) => {
      trained.push(spec);
      return syntheticTrainer(spec, data, onProgress);
    };
    const argv = [
      ...["--axis", "batch", "--sizes", "8,16,32", "--param", "ngpt,mup", "--synthetic"],
      ...["--lrs=-13:-4:1", "--jobs", "1", "--out", out],
    ];
    const first = await run(argv, counting);
    assertEquals(first.code, 0, first.output);
    assertTrue(trained.length > 0);
    for (const s of trained) assertEquals([s.axis, s.batch, s.base.batch], ["batch", s.size, 8]);
    const summary: Summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    for (const o of summary.optima) {
      assertEquals(o.axis, "batch");
      assertEquals(o.log2Multiplier, Math.log2(o.size / 8));
      const expected = syntheticVertex(o.parameterization, o.log2Multiplier);
      assertTrue(Math.abs((o.log2LrStar ?? Infinity) - expected) < 0.3, JSON.stringify(o));
    }
    const report = await Deno.readTextFile(`${out}/report.md`);
    assertTrue(/\| ngpt \| batch \| /.test(report), "the report's axis column says batch");
    const before = trained.length;
    const again = await run([...argv, "--resume"], counting);
    assertEquals(again.code, 0, again.output);
    assertEquals(trained.length, before, "a resume trains nothing new");
    const moved = await run([...argv, "--resume", "--base", "16"], counting);
    assertTrue(moved.code !== 0, "a resume with another base batch is refused");
    assertTrue(moved.output.includes("--base"), moved.output);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--axis batch: the trainer trains each run with its batch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const argv = [
      ...["--axis", "batch", "--sizes", "1,3", "--lrs=-5:-5:1", "--search", "grid"],
      ...["--param", "ngpt", "--steps", "6", "--eval-every", "6", "--seq", "8", "--depth", "1"],
      ...["--width", "16", "--signature-lr", "off", "--jobs", "1", "--group", "1"],
      ...["--data", data, "--out", `${dir}/out`],
    ];
    assertEquals(await main(argv, { print: () => {} }), 0);
    const results = parseResults(await Deno.readTextFile(`${dir}/out/results.jsonl`));
    assertEquals(results.map((r) => [r.status, r.spec.batch]), [["ok", 1], ["ok", 3]]);
    assertTrue(
      results[0].finalValLoss !== results[1].finalValLoss,
      `the same loss ${results[0].finalValLoss} at batch 1 and 3`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
