import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import {
  SYNTHETIC_DRIFT,
  syntheticTrainer,
  syntheticVertex,
} from "../../bench/transfer/run/synthetic.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import type { Summary } from "../../bench/transfer/analyse/summary.ts";
import type { Dataset, RunResult, Trainer } from "../../bench/transfer/plan/types.ts";

const fakeData = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });

/** Runs the command with the synthetic trainer (or `trainer`), fake data and no progress bar. */
async function run(argv: string[], trainer: Trainer = syntheticTrainer) {
  const lines: string[] = [];
  const code = await withTrainer(trainer, () =>
    main(argv, {
      loadData: fakeData,
      progress: false,
      print: (l) => lines.push(l),
    }));
  return { code, output: lines.join("\n") };
}

/** A trainer that records the ids it trains. */
function counting(trained: string[], inner: Trainer = syntheticTrainer): Trainer {
  return (spec, data, onProgress) => {
    trained.push(spec.id);
    return inner(spec, data, onProgress);
  };
}

const readSummary = async (dir: string): Promise<Summary> =>
  JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
const readLines = async (dir: string) =>
  (await Deno.readTextFile(`${dir}/results.jsonl`)).split("\n").filter((l) => l !== "");

const SWEEP = [
  "--seeds",
  "2",
  "--param",
  "ngpt,mup,nugpt",
  "--sizes",
  "32,64,128,256",
  "--lrs=-13:-4:1",
];

Deno.test("a whole sweep writes results, summary, report and plots", async () => {
  const out = await Deno.makeTempDir();
  const { code, output } = await run([...SWEEP, "--out", out]);
  assertEquals(code, 0, output);
  const summary = await readSummary(out);
  assertEquals(summary.optima.length, 3 * 4);
  for (const o of summary.optima) {
    for (const k of ["parameterization", "axis", "size", "log2LrStar", "minLoss"]) {
      assertTrue(k in o, k);
    }
  }
  // The synthetic optimum drifts by SYNTHETIC_DRIFT octaves per doubling (ngpt -0.9, mup -0.5,
  // nugpt -0.1): each fitted lr* sits on the synthetic vertex up to the loss jitter (measured
  // within 0.013 octave), and each slope is the true drift within three standard errors of its
  // own least-squares fit (residual variance over n - 2, divided by Σ(x - x̄)²).
  for (const p of ["ngpt", "mup", "nugpt"]) {
    const optima = summary.optima.filter((o) => o.parameterization === p);
    const xs = optima.map((o) => o.log2Multiplier), ys = optima.map((o) => o.log2LrStar!);
    for (const [i, y] of ys.entries()) {
      const vertex = syntheticVertex(p, xs[i]);
      assertTrue(Math.abs(y - vertex) < 0.02, `${p} at x=${xs[i]}: lr* ${y}, vertex ${vertex}`);
    }
    const slope = summary.slopes.find((s) => s.parameterization === p)!.slope!;
    const xm = xs.reduce((a, b) => a + b) / xs.length, ym = ys.reduce((a, b) => a + b) / ys.length;
    const sxx = xs.reduce((a, x) => a + (x - xm) ** 2, 0);
    const rss = xs.reduce((a, x, i) => a + (ys[i] - ym - slope * (x - xm)) ** 2, 0);
    const stderr = Math.sqrt(rss / (xs.length - 2) / sxx);
    assertTrue(stderr < 0.01, `${p}: slope standard error ${stderr}`);
    assertTrue(
      Math.abs(slope - SYNTHETIC_DRIFT[p]) <= 3 * stderr,
      `${p}: slope ${slope}, true ${SYNTHETIC_DRIFT[p]}, standard error ${stderr}`,
    );
  }
  assertTrue(summary.runs.reused > 0, "νGPT's base runs reuse nGPT's");
  const report = await Deno.readTextFile(`${out}/report.md`);
  assertTrue(report.includes("| parameterization | axis | slope [interval] |"));
  assertTrue(report.includes("## Do the slopes differ?"));
  assertTrue(report.includes("High-learning-rate signature"));
  for (
    const f of ["lr-star", "loss-vs-lr-ngpt", "loss-vs-lr-mup", "loss-vs-lr-nugpt", "signature"]
  ) {
    const svg = await Deno.readTextFile(`${out}/${f}.svg`);
    assertTrue(svg.startsWith("<svg") && svg.includes("</svg>"), f);
    assertTrue(output.includes(`${out}/${f}.svg`), `prints ${f}`);
  }
  // Rerunning into the same folder without --resume is refused.
  const again = await run([...SWEEP, "--out", out]);
  assertEquals(again.code, 1);
  assertTrue(again.output.includes("--resume"), again.output);
});

Deno.test("resume after a kill (partial sweep, truncated last line) loses and repeats nothing", async () => {
  const full = await Deno.makeTempDir();
  assertEquals((await run([...SWEEP, "--out", full])).code, 0);
  const lines = await readLines(full);
  const fullSummary = await readSummary(full);
  const trainedInFull = lines.map((l) => JSON.parse(l) as RunResult).filter((r) => !r.reusedFrom)
    .map((r) => r.spec.id);
  for (const k of [0, 1, 13, lines.length - 1]) {
    const dir = await Deno.makeTempDir();
    const kept = lines.slice(0, k);
    const partial = lines[k].slice(0, Math.floor(lines[k].length / 2));
    await Deno.writeTextFile(`${dir}/results.jsonl`, kept.map((l) => l + "\n").join("") + partial);
    const trained: string[] = [];
    const { code, output } = await run([...SWEEP, "--out", dir, "--resume"], counting(trained));
    assertEquals(code, 0, output);
    const keptIds = new Set(kept.map((l) => (JSON.parse(l) as RunResult).spec.id));
    assertEquals(trained.filter((id) => keptIds.has(id)), [], "nothing finished is re-run");
    assertEquals(new Set(trained), new Set(trainedInFull.filter((id) => !keptIds.has(id))));
    const after = parseResults(await Deno.readTextFile(`${dir}/results.jsonl`));
    assertEquals(after.length, lines.length, "one line per run, the partial one dropped");
    assertEquals(await readSummary(dir), fullSummary);
  }
});

Deno.test("failed runs are recorded, do not stop the sweep, and are retried on resume", async () => {
  const dir = await Deno.makeTempDir();
  let calls = 0;
  const flaky: Trainer = (spec, data, cb) => {
    calls++;
    if (calls === 3) throw new Error("out of memory (simulated)");
    return syntheticTrainer(spec, data, cb);
  };
  // One parameterization (no twin to copy the failed run from on resume) and a fixed grid (an
  // adaptive search would, rightly, choose new points once the failed one has a loss).
  assertEquals((await run(["--out", dir, "--param", "ngpt", "--search", "grid"], flaky)).code, 0);
  const first = parseResults(await Deno.readTextFile(`${dir}/results.jsonl`));
  const failed = first.filter((r) => r.status === "failed");
  assertEquals(failed.length, 1);
  assertEquals(failed[0].error, "out of memory (simulated)");
  const trained: string[] = [];
  const resumed = await run(
    ["--out", dir, "--param", "ngpt", "--search", "grid", "--resume"],
    counting(trained),
  );
  assertEquals(resumed.code, 0);
  assertEquals(trained, [failed[0].spec.id]);
  assertEquals((await readSummary(dir)).runs.failed, 0);
});

for (const search of ["grid", "adaptive"]) {
  Deno.test(`merge of ${search} shards equals the unsharded summary`, async () => {
    const argv = [...SWEEP, "--search", search, "--lrs=-11:-5:1"];
    const whole = await Deno.makeTempDir();
    assertEquals((await run([...argv, "--out", whole])).code, 0);
    const n = 3;
    const dirs: string[] = [];
    for (let i = 0; i < n; i++) {
      dirs.push(await Deno.makeTempDir());
      assertEquals((await run([...argv, "--shard", `${i}/${n}`, "--out", dirs[i]])).code, 0);
    }
    const shardIds = (await Promise.all(dirs.map(readLines))).map((ls) =>
      ls.map((l) => (JSON.parse(l) as RunResult).spec.id)
    );
    assertEquals(new Set(shardIds.flat()).size, shardIds.flat().length, "shards are disjoint");
    const merged = `${await Deno.makeTempDir()}/merged`;
    const { code, output } = await run(["merge", ...dirs, "--out", merged]);
    assertEquals(code, 0, output);
    const a = await readSummary(whole);
    const b = await readSummary(merged);
    // Adaptive shards split by parameterization, so νGPT's base runs are trained in their own
    // shard rather than copied from nGPT's: identical results, a different reuse count.
    if (search === "adaptive") b.runs.reused = a.runs.reused;
    assertEquals(b, a);
    assertEquals((await readLines(merged)).length, (await readLines(whole)).length);
  });
}

Deno.test("exit codes: help, CLI errors; the real trainer runs a tiny sweep end to end", async () => {
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assertTrue(help.output.includes("--shard i/n"));
  const bad = await run(["--lrs=-4:-12:1"]);
  assertEquals(bad.code, 2);
  assertTrue(bad.output.startsWith("error: --lrs '-4:-12:1'"), bad.output);
  const { trainer } = await import("../../bench/transfer/run/trainer.ts");
  const dir = await Deno.makeTempDir();
  const real = await run([...TINY, "--data", await tinyText(dir), "--out", `${dir}/o`], trainer);
  assertEquals(real.code, 0, real.output);
  const results = (await Deno.readTextFile(`${dir}/o/results.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  assertEquals(results.length, 4);
  for (const r of results) {
    assertEquals(r.status, "ok", JSON.stringify(r));
    assertTrue(Number.isFinite(r.finalValLoss) && r.msPerStep > 0, JSON.stringify(r));
  }
});

/** A tiny real sweep: two widths, two rates, a few steps of a small model. */
const TINY = [
  "--sizes",
  "32,64",
  "--lrs=-7:-6:1",
  "--search",
  "grid",
  "--param",
  "ngpt",
  "--steps",
  "4",
  "--eval-every",
  "2",
  "--batch",
  "2",
  "--seq",
  "8",
  "--depth",
  "1",
  "--signature-lr",
  "off",
];

async function tinyText(dir: string): Promise<string> {
  const path = `${dir}/tiny.txt`;
  await Deno.writeTextFile(path, "the quick brown fox jumps over the lazy dog. ".repeat(200));
  return path;
}

Deno.test("--jobs 2 runs two shard processes and merges them into the sweep folder", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const code = await main([
    ...TINY,
    "--param",
    "ngpt,nugpt",
    "--data",
    await tinyText(dir),
    "--jobs",
    "2",
    "--out",
    `${dir}/o`,
  ], {
    print: (l) => lines.push(l),
    progress: false,
  });
  assertEquals(code, 0, lines.join("\n"));
  assertTrue(
    lines.some((l) => l.startsWith("[0/2]")) && lines.some((l) => l.startsWith("[1/2]")),
    lines.join("\n"),
  );
  const merged = (await Deno.readTextFile(`${dir}/o/results.jsonl`)).trim().split("\n");
  const shards = await Promise.all(
    [0, 1].map(async (i) =>
      (await Deno.readTextFile(`${dir}/o/shard-${i}/results.jsonl`)).trim().split("\n").length
    ),
  );
  assertEquals(merged.length, shards[0] + shards[1]);
  const summary = await readSummary(`${dir}/o`);
  assertEquals(summary.slopes.map((s) => s.parameterization).sort(), ["ngpt", "nugpt"]);
});

Deno.test("--param accepts a module reference and checks its export", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/my_param.ts`, "export const mine = { name: 'mine' };\n");
  const ok = await run(["--param", `${dir}/my_param.ts#mine`, "--out", `${dir}/o`]);
  assertEquals(ok.code, 0, ok.output);
  const summary = await readSummary(`${dir}/o`);
  assertEquals(summary.slopes.map((s) => s.parameterization), [`${dir}/my_param.ts#mine`]);
  const missing = await run(["--param", `${dir}/my_param.ts#theirs`, "--out", `${dir}/p`]);
  assertEquals(missing.code, 1);
  assertTrue(missing.output.includes("no export 'theirs'") && missing.output.includes("mine"));
});
