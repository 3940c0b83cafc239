/**
 * Grouped sweeps (`--group`) with the real trainer on a tiny model: they write the same rows as
 * one run at a time (final losses within 1e-3), a member that diverges is recorded while the
 * rest of its group finishes, and a sweep killed (SIGKILL) mid-group resumes losing nothing
 * finished and training nothing finished again.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { latestById, parseResults } from "../../bench/transfer/run/results.ts";
import { compareFolders } from "../../bench/transfer/tools/same_results.ts";

const MAIN = new URL("../../bench/transfer/main.ts", import.meta.url).pathname;

async function tinyData(dir: string): Promise<string> {
  const path = `${dir}/text.txt`;
  await Deno.writeTextFile(
    path,
    "the cat sat on the mat and then the dog ran far away. ".repeat(80),
  );
  return path;
}

/** A grid of one width, 3 rates (the last one far too high), 2 seeds, 40 steps. */
const tiny = (data: string, out: string, extra: string[] = []) => [
  ...["--data", data, "--search", "grid", "--param", "ngpt", "--sizes", "16"],
  ...["--lrs", "-8,-6,8", "--seeds", "2", "--steps", "40", "--batch", "2", "--seq", "8"],
  ...["--eval-every", "20", "--signature-lr", "off", "--jobs", "1", "--out", out, ...extra],
];

const rowsOf = async (dir: string) =>
  parseResults(await Deno.readTextFile(`${dir}/results.jsonl`).catch(() => ""));

Deno.test("grouped and one-at-a-time sweeps write the same rows; a diverging member does not stop its group", async () => {
  const dir = await Deno.makeTempDir();
  const data = await tinyData(dir);
  const lines: string[] = [];
  const print = (l: string) => lines.push(l);
  assertEquals(
    await main(tiny(data, `${dir}/one`, ["--group", "1"]), { print, progress: false }),
    0,
  );
  assertEquals(
    await main(tiny(data, `${dir}/six`, ["--group", "6"]), { print, progress: false }),
    0,
  );
  assertTrue(lines.some((l) => l.includes("6 runs trained") && l.includes("in 1 group (1×6)")));
  assertTrue(lines.some((l) => l.startsWith("6 runs trained") && !l.includes("group")));
  const same = await compareFolders(`${dir}/one`, `${dir}/six`, 1e-3);
  assertEquals([same.compared, same.problems], [6, []]);
  const rows = [...latestById(await rowsOf(`${dir}/six`)).values()];
  const statuses = rows.map((r) => [r.spec.log2Lr, r.spec.seed, r.status]).sort();
  assertEquals(statuses, [
    [-6, 0, "ok"],
    [-6, 1, "ok"],
    [-8, 0, "ok"],
    [-8, 1, "ok"],
    [8, 0, "diverged"],
    [8, 1, "diverged"],
  ]);
  for (const r of rows.filter((r) => r.status === "ok")) {
    assertTrue(Number.isFinite(r.finalValLoss), `${r.spec.id}: ${r.finalValLoss}`);
  }
  // The row format is the ungrouped one: the same fields, the same settings.
  const one = latestById(await rowsOf(`${dir}/one`));
  for (const r of rows) {
    const twin = one.get(r.spec.id)!;
    assertEquals(Object.keys(r).sort(), Object.keys(twin).sort());
    assertEquals(r.settings, twin.settings);
    assertEquals(r.spec, twin.spec);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a grouped sweep killed with SIGKILL mid-group resumes losing and repeating nothing finished", async () => {
  const dir = await Deno.makeTempDir();
  const data = await tinyData(dir);
  const out = `${dir}/out`;
  // 3 widths × 4 rates × 2 seeds, groups of 3: 8 groups of ~1 s each.
  const args = [
    ...["--data", data, "--search", "grid", "--param", "ngpt", "--sizes", "16,32,48"],
    ...["--lrs=-9:-6:1", "--seeds", "2", "--steps", "150", "--batch", "2", "--seq", "8"],
    ...["--eval-every", "50", "--signature-lr", "off", "--jobs", "1", "--group", "3"],
    ...["--out", out],
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const t0 = performance.now();
  let before = await rowsOf(out);
  while (before.length < 3 && performance.now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 50));
    before = await rowsOf(out);
  }
  child.kill("SIGKILL");
  await child.status;
  before = await rowsOf(out);
  assertTrue(before.length >= 3 && before.length < 24, `${before.length} rows at the kill`);
  assertEquals(await main([...args, "--resume"], { print: () => {}, progress: false }), 0);
  const after = await rowsOf(out);
  const ids = after.map((r) => r.spec.id);
  assertEquals(ids.length, new Set(ids).size, "a finished run trained again");
  assertEquals(ids.length, 24);
  const byId = new Map(after.map((r) => [r.spec.id, r]));
  for (const r of before) assertEquals(byId.get(r.spec.id)!.finalValLoss, r.finalValLoss);
  await Deno.remove(dir, { recursive: true });
});
