/**
 * The sweep on a real (one-node, localhost) Slurm cluster: `transfer slurm` submits a job array
 * and a dependent merge job; the merged folder equals the same sweep run in one process; a
 * cancelled task resubmitted with `--array i` loses and repeats nothing. Skipped, with the
 * reason, where Slurm cannot start here; under `CI=true` that is a failure instead.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { gridRuns } from "../../bench/transfer/plan/run_list.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";
import type { RunResult } from "../../bench/transfer/plan/types.ts";
import { type SlurmCluster, slurmUnavailable, startSlurmCluster } from "./slurm_cluster.ts";
import { type Requirement, requires } from "../requires.ts";

const slurm: Requirement = {
  what: "a one-node Slurm cluster on localhost",
  missing: slurmUnavailable(),
  install: "apt-get install slurm-wlm munge, and run the tests as root",
};

function slurmTest(name: string, body: (cluster: SlurmCluster) => Promise<void>) {
  requires(slurm, {
    name,
    // The daemons and jobs are processes of this test; they are all stopped at its end.
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const cluster = await startSlurmCluster();
      try {
        await body(cluster);
      } finally {
        await cluster.stop();
      }
    },
  });
}

async function tinyText(dir: string): Promise<string> {
  const path = `${dir}/tiny.txt`;
  await Deno.writeTextFile(path, "the quick brown fox jumps over the lazy dog. ".repeat(200));
  return path;
}

/** A tiny real sweep: small models, a few steps (seconds in all). */
const tiny = (data: string, steps: number, lrs: string, params: string) => [
  "--sizes",
  "32,64",
  `--lrs=${lrs}`,
  "--search",
  "grid",
  "--param",
  params,
  "--steps",
  String(steps),
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
  "--data",
  data,
];

/** Submits `transfer slurm ...` through `main`; returns the array and merge job ids. */
async function submit(cluster: SlurmCluster, argv: string[]) {
  const lines: string[] = [];
  const code = await main(["slurm", ...argv], {
    print: (l) => lines.push(l),
    sbatch: { env: cluster.env },
  });
  const text = lines.join("\n");
  assertEquals(code, 0, text);
  const m = /submitted array job (\d+) .* merge job (\d+)/.exec(text);
  assertTrue(m !== null, text);
  return { arrayJob: m[1], mergeJob: m[2], output: text };
}

const rowsOf = async (dir: string) => parseResults(await Deno.readTextFile(`${dir}/results.jsonl`));
const essence = (r: RunResult) => ({
  status: r.status,
  finalValLoss: r.finalValLoss,
  curves: r.curves,
  settings: r.settings,
});
const logs = async (dir: string) => {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/slurm/logs`)) {
    out.push(`--- ${e.name}\n${await Deno.readTextFile(`${dir}/slurm/logs/${e.name}`)}`);
  }
  return out.join("\n");
};

slurmTest(
  "a 3-task Slurm array plus a dependent merge equals the sweep in one process",
  async (cluster) => {
    const dir = await Deno.makeTempDir();
    const argv = tiny(await tinyText(dir), 4, "-7:-6:1", "ngpt,nugpt");
    const { arrayJob, mergeJob } = await submit(cluster, [
      "--tasks",
      "3",
      "--out",
      `${dir}/o`,
      ...argv,
    ]);
    // Meanwhile, the same sweep in one process (one BLAS thread, as in the array tasks).
    const one = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../bench/transfer/main.ts", import.meta.url).pathname,
        ...argv,
        "--jobs",
        "1",
        "--out",
        `${dir}/one`,
      ],
      env: { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
    }).output();
    assertTrue(one.success, new TextDecoder().decode(one.stderr));
    const states = await cluster.waitForJobs([arrayJob, mergeJob]);
    assertEquals(
      Object.fromEntries(states),
      {
        [`${arrayJob}_0`]: "COMPLETED",
        [`${arrayJob}_1`]: "COMPLETED",
        [`${arrayJob}_2`]: "COMPLETED",
        [mergeJob]: "COMPLETED",
      },
      await logs(`${dir}/o`),
    );
    // Each task ran its own shard into its own folder.
    const shardRows = await Promise.all([0, 1, 2].map((i) => rowsOf(`${dir}/o/shard-${i}`)));
    assertTrue(shardRows.every((rows) => rows.length > 0), "every shard trained something");
    const merged = await rowsOf(`${dir}/o`);
    const single = await rowsOf(`${dir}/one`);
    assertEquals(merged.length, single.length);
    assertEquals(merged.length, shardRows.flat().length, "shards are disjoint");
    const singleById = new Map(single.map((r) => [r.spec.id, essence(r)]));
    for (const r of merged) assertEquals(essence(r), singleById.get(r.spec.id), r.spec.id);
    const summary = (d: string) => Deno.readTextFile(`${d}/summary.json`).then(JSON.parse);
    assertEquals(await summary(`${dir}/o`), await summary(`${dir}/one`));
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/o/settings.json`)),
      JSON.parse(await Deno.readTextFile(`${dir}/one/settings.json`)),
    );
  },
);

slurmTest(
  "a cancelled array task, resubmitted with --array, loses and repeats nothing",
  async (cluster) => {
    const dir = await Deno.makeTempDir();
    const data = await tinyText(dir);
    // Long enough runs that task 1 is cancelled mid-sweep even when the machine is busy with the
    // rest of the suite (150-step runs let task 1 finish first once); tasks 0 and 2 are held below.
    const argv = [...tiny(data, 1500, "-9:-4:1", "ngpt"), "--eval-every", "750"];
    const out = `${dir}/o`;
    const first = await submit(cluster, ["--tasks", "3", "--out", out, ...argv]);
    const shard1 = `${out}/shard-1/results.jsonl`;
    const lines = async () =>
      (await Deno.readTextFile(shard1).catch(() => "")).split("\n").filter(Boolean);
    const deadline = Date.now() + 60_000;
    while ((await lines()).length < 1) {
      assertTrue(Date.now() < deadline, `task 1 wrote nothing in 60 s: ${await logs(out)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Tasks 0 and 2 are held (suspended) until task 1 has been resubmitted, so that they are
    // still running then however fast this machine trains (unheld, they finished first once on
    // a loaded machine). A task that has already finished cannot be suspended.
    const held: string[] = [];
    for (const task of [0, 2]) {
      const job = `${first.arrayJob}_${task}`;
      if (await cluster.run("scontrol", ["suspend", job]).then(() => true, () => false)) {
        held.push(job);
      }
    }
    await cluster.run("scancel", [`${first.arrayJob}_1`]);
    const states = await cluster.waitForJobs([`${first.arrayJob}_1`]);
    assertEquals(states.get(`${first.arrayJob}_1`), "CANCELLED", await logs(out));
    const kept = await lines();
    const cmd = parseCommand(argv);
    if (cmd.kind !== "sweep") throw new Error("not a sweep");
    const planned = gridRuns(cmd.config, data); // every run of the sweep (all shards)
    assertTrue(kept.length < planned.length / 3, `task 1 was cancelled mid-sweep (${kept.length})`);
    // Tasks 0 and 2 are still running (held): the new merge job waits for them too, and the old
    // one (whose afterok can no longer be met) is cancelled.
    const again = await submit(cluster, ["--tasks", "3", "--array", "1", "--out", out, ...argv]);
    assertTrue(again.output.includes(`cancelled the earlier merge job ${first.mergeJob}`));
    // Task 1 wrote its first of two runs, so tasks 0 and 2 (two runs each) are not both done.
    assertTrue(held.length > 0, "neither task 0 nor task 2 could be held");
    assertTrue(
      again.output.includes(`also waits for the earlier array job(s) ${first.arrayJob}`),
      again.output,
    );
    for (const job of held) await cluster.run("scontrol", ["resume", job]);
    const after = await cluster.waitForJobs([first.arrayJob, again.arrayJob, again.mergeJob]);
    assertEquals(after.get(`${first.arrayJob}_0`), "COMPLETED", await logs(out));
    assertEquals(after.get(`${first.arrayJob}_2`), "COMPLETED", await logs(out));
    assertEquals(after.get(`${again.arrayJob}_1`), "COMPLETED", await logs(out));
    assertEquals(after.get(again.mergeJob), "COMPLETED", await logs(out));
    const resumed = await lines();
    assertEquals(resumed.slice(0, kept.length), kept, "the finished runs of task 1 are kept");
    const ids = resumed.map((l) => JSON.parse(l).spec.id);
    assertEquals(new Set(ids).size, ids.length, "none trained twice");
    const merged = await rowsOf(out);
    const mergedIds = merged.map((r) => r.spec.id);
    assertEquals(new Set(mergedIds).size, mergedIds.length);
    assertEquals(new Set(mergedIds), new Set(planned.map((r) => r.id)), "every run, once");
    assertTrue(merged.every((r) => r.status === "ok"), JSON.stringify(merged.map((r) => r.status)));
  },
);
