/**
 * A `--jobs` sweep told to stop (SIGTERM to the parent, as `kill` or `scancel` sends it) stops
 * its shard processes within the stop grace (seconds): they are gone, every folder lock is
 * released, a second sweep takes the folder, and its `--resume` trains again nothing that had
 * finished.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import { processAlive } from "../../bench/transfer/run/lock.ts";
import { STOP_GRACE_MS } from "../../bench/transfer/run/stop_signals.ts";

const MAIN = new URL("../../bench/transfer/main.ts", import.meta.url).pathname;

/** A tiny real sweep: 2 shards of 6 runs of ~1 s each (300 steps of a width-16 model), each
 * run written as it finishes (`--group 1`). */
const sweepArgs = (data: string, out: string) => [
  ...["--data", data, "--search", "grid", "--param", "ngpt", "--sizes", "16"],
  ...["--lrs=-10:-5:1", "--seeds", "2", "--steps", "300", "--batch", "2", "--seq", "8"],
  ...["--eval-every", "100", "--signature-lr", "off", "--jobs", "2", "--group", "1"],
  ...["--out", out],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readText = (path: string) => Deno.readTextFile(path).catch(() => "");
const rows = async (dir: string) => parseResults(await readText(`${dir}/results.jsonl`));
const lockPid = async (dir: string): Promise<number | null> => {
  const text = await readText(`${dir}/.lock`);
  return text ? (JSON.parse(text) as { pid: number }).pid : null;
};

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
  return performance.now() - t0;
}

Deno.test("SIGTERM to a --jobs sweep stops its shards, releases the locks, resumes losing only runs in progress", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/text.txt`;
  await Deno.writeTextFile(
    data,
    "the cat sat on the mat and then the dog ran far away. ".repeat(80),
  );
  const out = `${dir}/out`;
  const shards = [`${out}/shard-0`, `${out}/shard-1`];
  const parent = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...sweepArgs(data, out)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let pids: number[] = [];
  try {
    // Both shards hold their locks and one has finished a run: the sweep is mid-way.
    await until("both shards running, one run finished", async () => {
      pids = (await Promise.all(shards.map(lockPid))).filter((p): p is number => p !== null);
      const done = (await Promise.all(shards.map(rows))).flat().length;
      return pids.length === 2 && done >= 1;
    }, 60_000);
    parent.kill("SIGTERM");
    // A shard stops once its training loop gives the event loop a turn; on two busy cores (the
    // whole suite in parallel) that took more than 5 s once, so the bound is the parent's grace.
    const stopped = await until(
      "the shards gone",
      () => Promise.resolve(pids.every((pid) => !processAlive(pid, null))),
      STOP_GRACE_MS,
    );
    assertTrue(stopped < STOP_GRACE_MS);
    assertEquals((await parent.status).code, 143);
  } finally {
    try {
      parent.kill("SIGKILL");
    } catch { /* already exited */ }
  }
  for (const d of [out, ...shards]) assertEquals(await lockPid(d), null, `${d}/.lock remains`);
  const finished = (await Promise.all(shards.map(rows))).map((r) => r.map((x) => x.spec.id));
  assertTrue(finished.flat().length < 12, "stopped before the end");

  // A second sweep takes the folder and trains only what had not finished.
  const resumed = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...sweepArgs(data, out), "--resume"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(resumed.stdout) + new TextDecoder().decode(resumed.stderr);
  assertEquals(resumed.code, 0, log);
  for (const [i, shard] of shards.entries()) {
    const ids = (await rows(shard)).map((r) => r.spec.id);
    assertEquals(ids.length, new Set(ids).size, `shard ${i}: a finished run trained again`);
    for (const id of finished[i]) assertTrue(ids.includes(id));
  }
  assertEquals((await rows(out)).length, 12);
  await Deno.remove(dir, { recursive: true });
});
