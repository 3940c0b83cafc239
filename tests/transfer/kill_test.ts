import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";

const SWEEP = [
  "--seeds",
  "2",
  "--param",
  "ngpt,mup,nugpt",
  "--sizes",
  "32,64,128",
  "--lrs=-12:-4:1",
];
const CHILD = new URL("./kill_child.ts", import.meta.url).pathname;

/** mulberry32: a small seeded generator, so that the kill moments are the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const readText = (path: string) => Deno.readTextFile(path).catch(() => "");
const completeLines = (text: string) =>
  text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter(Boolean);

Deno.test("a sweep killed with SIGKILL at seeded random moments, then resumed, loses and repeats nothing", async () => {
  const reference = await Deno.makeTempDir();
  const ref = await withTrainer(syntheticTrainer, () =>
    main([...SWEEP, "--out", reference], {
      loadData: () =>
        Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) }),
      progress: false,
      print: () => {},
    }));
  assertEquals(ref, 0);
  const refRows = parseResults(await Deno.readTextFile(`${reference}/results.jsonl`));
  const out = await Deno.makeTempDir();
  const path = `${out}/results.jsonl`;
  const next = random(13);
  const kills: { atMs: number; lines: number; partial: boolean }[] = [];
  for (let round = 0; round < 3; round++) {
    const before = completeLines(await readText(path));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, ...SWEEP, "--out", out, "--resume"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Wait for this round's first new line, then kill at a random moment within the next
    // ~40 runs' time (the rest of the sweep takes longer, so the kill lands mid-sweep).
    while (completeLines(await readText(path)).length <= before.length) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const atMs = Math.floor(next() * 400);
    await new Promise((r) => setTimeout(r, atMs));
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL", `round ${round} finished before the kill`);
    const text = await readText(path);
    const after = completeLines(text);
    kills.push({ atMs, lines: after.length, partial: !text.endsWith("\n") });
    assertEquals(after.slice(0, before.length), before, "every finished run is still there");
    for (const line of after) JSON.parse(line);
    const ids = after.map((l) => JSON.parse(l).spec.id);
    assertEquals(new Set(ids).size, ids.length, "no run written twice");
  }
  // A kill mid-write leaves half a line (rare with lines this short, so it is also made here):
  // that run is not counted as finished, and is trained again.
  const before = completeLines(await readText(path));
  const done = new Set(before.map((l) => JSON.parse(l).spec.id));
  const half = JSON.stringify(refRows.find((r) => !done.has(r.spec.id)));
  await Deno.writeTextFile(path, half.slice(0, half.length / 2), { append: true });
  const halfId = JSON.parse(half).spec.id;
  const last = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, ...SWEEP, "--out", out, "--resume"],
    env: { KILL_CHILD_DELAY_MS: "0" },
  }).output();
  assertTrue(last.success, new TextDecoder().decode(last.stderr));
  const text = await Deno.readTextFile(path);
  assertTrue(text.endsWith("\n"), "the file ends with a complete line");
  const final = completeLines(text);
  assertEquals(final.slice(0, before.length), before);
  const rows = final.map((l) => JSON.parse(l));
  assertEquals(rows.length, refRows.length, JSON.stringify(kills));
  assertEquals(
    new Set(rows.map((r) => r.spec.id)),
    new Set(refRows.map((r) => r.spec.id)),
    "exactly the runs of the uninterrupted sweep",
  );
  assertEquals(rows.filter((r) => r.spec.id === halfId).length, 1, "the half-written run, once");
  const byId = new Map(refRows.map((r) => [r.spec.id, r.finalValLoss]));
  for (const r of rows) assertEquals(r.finalValLoss, byId.get(r.spec.id), r.spec.id);
  const summary = (dir: string) => Deno.readTextFile(`${dir}/summary.json`).then(JSON.parse);
  assertEquals(await summary(out), await summary(reference));
});
