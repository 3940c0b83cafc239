import { assertEquals, assertRejects, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { acquireLock, LOCK_FILE } from "../../bench/transfer/run/lock.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";
import type { Dataset, RunResult, Trainer } from "../../bench/transfer/plan/types.ts";

const fakeData = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });

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

const GRID = ["--search", "grid", "--param", "ngpt,mup", "--sizes", "16,32", "--lrs=-8:-6:1"];
const readRows = async (dir: string) =>
  parseResults(await Deno.readTextFile(`${dir}/results.jsonl`));

Deno.test("a second sweep on the same --out is refused while the first writes it", async () => {
  const out = await Deno.makeTempDir();
  let open!: () => void;
  const gate = new Promise<void>((r) => open = r);
  let started!: () => void;
  const first = new Promise<void>((r) => started = r);
  const held: Trainer = async (spec, data, cb) => {
    started();
    await gate;
    return syntheticTrainer(spec, data, cb);
  };
  const a = run([...GRID, "--out", out], held);
  await first;
  const b = await run([...GRID, "--out", out, "--resume"]);
  assertEquals(b.code, 1);
  assertTrue(b.output.includes(`${out} is being written by transfer (pid ${Deno.pid}`), b.output);
  const demo = await run([...GRID, "--out", out]);
  assertTrue(demo.output.includes("is being written by"), demo.output);
  open();
  assertEquals((await a).code, 0);
  const rows = await readRows(out);
  assertEquals(new Set(rows.map((r) => r.spec.id)).size, rows.length, "no run written twice");
  assertEquals(rows.length, 2 * 2 * 4);
  await Deno.stat(`${out}/${LOCK_FILE}`).then(
    () => assertTrue(false, "the lock is released at the end"),
    (e) => assertTrue(e instanceof Deno.errors.NotFound),
  );
  // Merge takes the lock of its output folder too.
  const lock = await acquireLock(`${out}-m`, "transfer");
  const merge = await run(["merge", out, "--out", `${out}-m`]);
  assertEquals(merge.code, 1);
  assertTrue(merge.output.includes("is being written by"), merge.output);
  await lock.release();
  assertEquals((await run(["merge", out, "--out", `${out}-m`])).code, 0);
});

Deno.test("a stale lock (dead process on this host, or an ended Slurm job) is taken over", async () => {
  const out = await Deno.makeTempDir();
  const dead = new Deno.Command(Deno.execPath(), { args: ["eval", "0"] }).spawn();
  await dead.status;
  const owner = (fields: Record<string, unknown>) =>
    JSON.stringify({
      pid: dead.pid,
      host: Deno.hostname(),
      startTicks: null,
      slurmJob: null,
      since: "2026-01-01T00:00:00Z",
      command: "transfer",
      ...fields,
    });
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, owner({}));
  const ok = await run([...GRID, "--out", out]);
  assertEquals(ok.code, 0, ok.output);
  // Another host: its process cannot be checked, so the lock holds, and the message says how
  // to clear it.
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, owner({ host: "node-17", pid: 1 }));
  const refused = await run([...GRID, "--out", out, "--resume"]);
  assertEquals(refused.code, 1);
  assertTrue(refused.output.includes("pid 1 on node-17"), refused.output);
  assertTrue(refused.output.includes(`delete ${out}/${LOCK_FILE}`), refused.output);
  // ... unless it names a Slurm job that has ended (a cancelled array task on another node).
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, owner({ host: "node-17", slurmJob: "41_2" }));
  const asked: string[] = [];
  const alive = await assertRejects(
    () =>
      acquireLock(out, "transfer", {
        slurmJobAlive: (id) => (asked.push(id), Promise.resolve(true)),
      }),
    "Slurm job 41_2",
  );
  assertTrue(alive.message.includes("node-17"));
  const lock = await acquireLock(out, "transfer", { slurmJobAlive: () => Promise.resolve(false) });
  assertEquals(asked, ["41_2"]);
  assertEquals(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
  await lock.release();
});

Deno.test("merge names run ids seen twice, counts identical ones once, refuses differing ones", async () => {
  const argv = [...GRID, "--signature-lr", "off"];
  const whole = await Deno.makeTempDir();
  const s0 = await Deno.makeTempDir();
  assertEquals((await run([...argv, "--out", whole])).code, 0);
  assertEquals((await run([...argv, "--shard", "0/2", "--out", s0])).code, 0);
  const wholeRows = await readRows(whole);
  const shardIds = (await readRows(s0)).map((r) => r.spec.id);
  // The whole sweep overlaps shard 0 completely: identical duplicates, each counted once.
  const merged = await run(["merge", whole, s0, "--out", `${whole}-m`]);
  assertEquals(merged.code, 0, merged.output);
  assertTrue(merged.output.includes(`${shardIds.length} run ids found in more than one place`));
  for (const id of shardIds) assertTrue(merged.output.includes(id), id);
  assertEquals((await readRows(`${whole}-m`)).length, wholeRows.length);
  // A different result for one id is refused, naming the id, both losses and both folders.
  const bad = await Deno.makeTempDir();
  const changed: RunResult = { ...wholeRows[0], finalValLoss: 9.5 };
  await Deno.writeTextFile(`${bad}/results.jsonl`, JSON.stringify(changed) + "\n");
  const refused = await run(["merge", whole, bad, "--out", `${bad}-m`]);
  assertEquals(refused.code, 1);
  for (const part of [wholeRows[0].spec.id, "9.5", String(wholeRows[0].finalValLoss), bad]) {
    assertTrue(refused.output.includes(part), `${part} in: ${refused.output}`);
  }
});
