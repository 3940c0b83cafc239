/**
 * `compare.ts` puts sweeps that differ only in `--optimizer` into one summary with a paired slope
 * comparison, and refuses folders that differ in anything else, naming the difference.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { combineFolders } from "../../bench/transfer/tools/compare.ts";
import { readResults } from "../../bench/transfer/run/results.ts";
import { writeOutputs } from "../../bench/transfer/analyse/outputs.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";
import type { Dataset } from "../../bench/transfer/plan/types.ts";

const data = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });
const GRID = [
  ...["--search", "grid", "--param", "ngpt,nugpt", "--sizes", "16,32,64", "--lrs=-9:-3:1"],
  ...["--seeds", "2", "--signature-lr", "off"],
];
const sweep = (out: string, extra: string[] = []) =>
  withTrainer(syntheticTrainer, () =>
    main([...GRID, "--out", out, ...extra], {
      loadData: data,
      progress: false,
      print: () => {},
    }));

Deno.test("compare: two optimizers' folders in one summary, each curve labelled, slopes paired", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await sweep(`${dir}/adam`), 0);
    assertEquals(await sweep(`${dir}/atan2`, ["--optimizer", "adam-atan2"]), 0);
    const runs = combineFolders([
      { dir: `${dir}/adam`, results: await readResults(`${dir}/adam`) },
      { dir: `${dir}/atan2`, results: await readResults(`${dir}/atan2`) },
    ]);
    const { data: summary, summarized, leftOut } = await writeOutputs(`${dir}/both`, runs, {
      signatureLog2Lr: null,
      bootstrap: { replicates: 100 },
    });
    assertEquals([summarized, leftOut], [runs.length, 0]);
    const labels = [...new Set(summary.slopes.map((s) => s.parameterization))].sort();
    assertEquals(labels, [
      "ngpt (adam)",
      "ngpt (adam-atan2)",
      "nugpt (adam)",
      "nugpt (adam-atan2)",
    ]);
    // The synthetic trainer ignores the optimizer: the same curves, so the same slopes.
    const slope = (p: string) => summary.slopes.find((s) => s.parameterization === p)!.slope!;
    assertTrue(Math.abs(slope("nugpt (adam)") - slope("nugpt (adam-atan2)")) < 1e-12);
    const pair = summary.comparisons.find((c) =>
      [c.a, c.b].sort().join("|") === "nugpt (adam)|nugpt (adam-atan2)"
    );
    assertTrue(pair !== undefined, JSON.stringify(summary.comparisons.map((c) => [c.a, c.b])));
    const report = await Deno.readTextFile(`${dir}/both/report.md`);
    assertTrue(report.includes("nugpt (adam-atan2)"), report.slice(0, 400));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare: folders that differ in more than --optimizer are refused, the difference named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await sweep(`${dir}/a`), 0);
    assertEquals(await sweep(`${dir}/b`, ["--steps", "100", "--optimizer", "adam-atan2"]), 0);
    const folders = [
      { dir: `${dir}/a`, results: await readResults(`${dir}/a`) },
      { dir: `${dir}/b`, results: await readResults(`${dir}/b`) },
    ];
    assertThrows(
      () => combineFolders(folders),
      "differ in more than --optimizer and --warmup: --steps 200 vs 100",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare: folders that differ in --warmup are labelled by it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await sweep(`${dir}/a`), 0);
    assertEquals(await sweep(`${dir}/b`, ["--warmup", "10%"]), 0);
    const runs = combineFolders([
      { dir: `${dir}/a`, results: await readResults(`${dir}/a`) },
      { dir: `${dir}/b`, results: await readResults(`${dir}/b`) },
    ]);
    const labels = [...new Set(runs.map((r) => r.spec.parameterization))].sort();
    assertEquals(labels, [
      "ngpt (warmup 0)",
      "ngpt (warmup 10%)",
      "nugpt (warmup 0)",
      "nugpt (warmup 10%)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
