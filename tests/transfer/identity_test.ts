import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { exampleSettings, readSettings } from "../../bench/transfer/plan/identity.ts";
import { groupBySettings, settingsDifferences } from "../../bench/transfer/plan/differences.ts";
import type { SweepSettings } from "../../bench/transfer/plan/types.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";
import { writeOutputs } from "../../bench/transfer/analyse/outputs.ts";
import type { Summary } from "../../bench/transfer/analyse/summary.ts";
import type { Dataset, RunResult, Trainer } from "../../bench/transfer/plan/types.ts";

const fakeData = (bytes = 0): () => Promise<Dataset> => () =>
  Promise.resolve({
    name: "fake",
    train: new Uint8Array(2000).fill(bytes),
    val: new Uint8Array(500),
  });

async function run(
  argv: string[],
  options: { trainer?: Trainer; data?: () => Promise<Dataset>; progress?: string[] } = {},
) {
  const lines: string[] = [];
  const code = await withTrainer(options.trainer ?? syntheticTrainer, () =>
    main(argv, {
      loadData: options.data ?? fakeData(),
      progress: options.progress ? (t) => options.progress!.push(t) : false,
      print: (l) => lines.push(l),
    }));
  return { code, output: lines.join("\n") };
}

const GRID = ["--search", "grid", "--param", "ngpt", "--sizes", "16,32", "--lrs=-8:-6:1"];

Deno.test("resuming a 20-step folder with --steps 10 is refused, naming --steps 20 vs 10", async () => {
  const out = await Deno.makeTempDir();
  assertEquals((await run([...GRID, "--steps", "20", "--out", out])).code, 0);
  const before = await Deno.readTextFile(`${out}/results.jsonl`);
  const again = await run([...GRID, "--steps", "10", "--out", out, "--resume"]);
  assertEquals(again.code, 1);
  assertTrue(again.output.includes("--steps 20 vs 10"), again.output);
  assertTrue(again.output.includes(out), again.output);
  assertEquals(await Deno.readTextFile(`${out}/results.jsonl`), before, "nothing appended");
  // Several differences are all named, each with both values.
  const more = await run([...GRID, "--steps", "10", "--batch", "4", "--out", out, "--resume"]);
  assertTrue(more.output.includes("--steps 20 vs 10"), more.output);
  assertTrue(more.output.includes("--batch 16 vs 4"), more.output);
  // Same settings, more points: accepted, and the rows carry their settings.
  const wider = await run([
    ...GRID,
    "--steps",
    "20",
    "--sizes",
    "16,32,64",
    "--out",
    out,
    "--resume",
  ]);
  assertEquals(wider.code, 0, wider.output);
  const rows = parseResults(await Deno.readTextFile(`${out}/results.jsonl`));
  assertEquals(rows.length, 3 * 3 + 3, "grid plus the signature lr at each size");
  assertTrue(rows.every((r) => r.settings?.steps === 20 && r.settings.data.sha256.length === 64));
  assertEquals((await readSettings(out))?.steps, 20);
});

Deno.test("data content, parameterization definition and training code are part of a run's settings", async () => {
  const out = await Deno.makeTempDir();
  assertEquals((await run([...GRID, "--out", out])).code, 0);
  const data = await run([...GRID, "--out", out, "--resume"], { data: fakeData(7) });
  assertEquals(data.code, 1);
  assertTrue(data.output.includes("data content (bytes, sha256)"), data.output);
  // The real trainer fingerprints what a parameterization computes: a module whose definition
  // changed under the same name is refused.
  const dir = await Deno.makeTempDir();
  const src = (factor: number) =>
    `import { ngpt } from "${new URL("../../param/mod.ts", import.meta.url).href}";\n` +
    `export const mine = (q) => { const s = ngpt(q); return { ...s, lr: s.lr * ${factor} }; };\n`;
  await Deno.writeTextFile(`${dir}/a.ts`, src(1));
  await Deno.writeTextFile(`${dir}/b.ts`, src(2));
  const { sweepSettings } = await import("../../bench/transfer/plan/identity.ts");
  const { trainerIdentity, TRAINING_CODE_VERSION } = await import(
    "../../bench/transfer/run/trainer.ts"
  );
  const { parseCommand } = await import("../../bench/transfer/plan/args.ts");
  const settingsOf = async (ref: string) => {
    const cmd = parseCommand(["--param", ref]);
    if (cmd.kind !== "sweep") throw new Error("not a sweep");
    return await sweepSettings(cmd.config, await fakeData()(), trainerIdentity);
  };
  const a = await settingsOf(`${dir}/a.ts#mine`);
  const b = await settingsOf(`${dir}/b.ts#mine`);
  const a2 = await settingsOf(`${dir}/a.ts#mine`);
  assertEquals(a.params[`${dir}/a.ts#mine`], a2.params[`${dir}/a.ts#mine`]);
  assertTrue(a.params[`${dir}/a.ts#mine`] !== b.params[`${dir}/b.ts#mine`]);
  assertEquals(a.code, `nugrad-train-${TRAINING_CODE_VERSION}`);
  assertEquals([a.precision, a.backend], ["float32", "cpu"]);
});

Deno.test("merge refuses shards made with different settings, naming the difference", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  assertEquals((await run([...GRID, "--seq", "32", "--shard", "0/2", "--out", a])).code, 0);
  assertEquals((await run([...GRID, "--seq", "16", "--shard", "1/2", "--out", b])).code, 0);
  const merged = await run(["merge", a, b, "--out", `${a}-m`]);
  assertEquals(merged.code, 1);
  assertTrue(merged.output.includes("--seq 32 vs 16"), merged.output);
  assertTrue(merged.output.includes(b), merged.output);
});

Deno.test("progress on resume counts what remains: [1/3] when 3 runs remain", async () => {
  const out = await Deno.makeTempDir();
  const argv = [...GRID, "--signature-lr", "off", "--out", out];
  assertEquals((await run(argv)).code, 0);
  const lines = (await Deno.readTextFile(`${out}/results.jsonl`)).split("\n").filter(Boolean);
  assertEquals(lines.length, 6);
  await Deno.writeTextFile(`${out}/results.jsonl`, lines.slice(0, 3).join("\n") + "\n");
  const progress: string[] = [];
  assertEquals((await run([...argv, "--resume"], { progress })).code, 0);
  const counters = progress.map((l) => /^\[(\d+\/\d+)\]/.exec(l)?.[1]).filter(Boolean);
  assertEquals(counters, ["1/3", "2/3", "3/3"]);
});

Deno.test("the summary groups only runs made with identical settings", async () => {
  const out = await Deno.makeTempDir();
  assertEquals((await run([...GRID, "--out", out])).code, 0);
  const rows = parseResults(await Deno.readTextFile(`${out}/results.jsonl`));
  const aloneDir = await Deno.makeTempDir();
  await writeOutputs(aloneDir, rows, { signatureLog2Lr: -4 });
  // The same runs once more, as if made with 10 steps and a higher loss: they must not be
  // averaged into the curves (different settings), only left out and counted.
  const other: RunResult[] = rows.map((r) => ({
    ...r,
    spec: { ...r.spec, id: `${r.spec.id}-10` },
    finalValLoss: r.finalValLoss === null ? null : r.finalValLoss + 1,
    settings: { ...r.settings!, steps: 10 },
  }));
  const dir = await Deno.makeTempDir();
  const mixed = await writeOutputs(dir, [...rows, ...other.slice(0, 4)], {
    signatureLog2Lr: -4,
  });
  assertEquals([mixed.summarized, mixed.leftOut], [rows.length, 4]);
  const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`)) as Summary;
  assertEquals(summary, JSON.parse(await Deno.readTextFile(`${aloneDir}/summary.json`)));
});

Deno.test("a folder made before --optimizer and --warmup groups, resumes and merges with Adam, no warm-up", () => {
  const now = exampleSettings();
  const { optimizer: _o, warmup: _w, ...before } = now;
  const row = (id: string, settings: SweepSettings) =>
    ({ spec: { id, parameterization: "ngpt" }, status: "ok", settings }) as RunResult;
  assertEquals(groupBySettings([row("old", before), row("new", now)]).length, 1);
  assertEquals(settingsDifferences(before, now), []);
  const atan2 = { ...now, optimizer: "adam-atan2" as const };
  assertEquals(groupBySettings([row("old", before), row("atan2", atan2)]).length, 2);
  assertEquals(settingsDifferences(before, atan2), [
    { setting: "--optimizer", was: "adam", now: "adam-atan2" },
  ]);
});
