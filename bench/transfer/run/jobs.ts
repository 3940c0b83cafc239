/**
 * `--jobs N`: a sweep split into N shards run as parallel child processes (one core each: BLAS
 * is held to one thread per child), their lines relayed with a `[i/N]` prefix, then merged into
 * the sweep's folder exactly as `merge` would. SIGTERM or SIGINT to this process is passed on
 * to the shards, which stop within seconds (see `stop_signals.ts`). `NUGRAD_SHARD_DENO_FLAGS` adds `deno run` flags
 * for the children (e.g. `--no-lock` on a machine without the npm registry).
 *
 * @example
 * ```ts
 * import { childArgs } from "./jobs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(childArgs(["--preset", "quick", "--jobs", "2", "--out", "o"], 0, 2, "o"), [
 *   "--preset", "quick", "--shard", "0/2", "--out", "o/shard-0",
 * ]);
 * ```
 *
 * @module
 */
import { writeSettings } from "../plan/identity.ts";
import { isFinished, mergeResults, openResults, readResults, writeResults } from "./results.ts";
import type { RunResult } from "../plan/types.ts";
import { onStop } from "./stop_signals.ts";

/**
 * The command line of shard `index` of `count`: `argv` without `--jobs`/`--out`, plus the
 * shard and its folder.
 *
 * @example
 * ```ts
 * import { childArgs } from "./jobs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(childArgs(["--jobs=2"], 1, 2, "out"), ["--shard", "1/2", "--out", "out/shard-1"]);
 * ```
 */
export function childArgs(
  argv: readonly string[],
  index: number,
  count: number,
  out: string,
): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--jobs" || a === "--out") {
      i++;
      continue;
    }
    if (a.startsWith("--jobs=") || a.startsWith("--out=")) continue;
    kept.push(a);
  }
  return [...kept, "--shard", `${index}/${count}`, "--out", `${out}/shard-${index}`];
}

async function relay(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  print: (l: string) => void,
) {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    const lines = pending.split(/\r?\n|\r/);
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) print(`${prefix} ${line}`);
  }
  if (pending.trim()) print(`${prefix} ${pending}`);
}

/**
 * Run the sweep of `argv` as `count` parallel shard processes writing `out/shard-i/`, then merge
 * their results into `out/results.jsonl`. Returns the merged results; throws naming the shard
 * when a child fails (its finished runs are kept: rerun with `--resume`).
 *
 * @example
 * ```ts
 * import { runJobs } from "./jobs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const out = await Deno.makeTempDir();
 * const argv = ["--synthetic", "--search", "grid", "--sizes", "16,32", "--lrs", "-8:-7:1"];
 * const results = await runJobs(argv, 2, out, () => {});
 * // both shards' runs, merged: 2 parameterizations × 2 sizes × (2 rates + the signature rate)
 * assertEquals(results.length, 2 * 2 * 3);
 * ```
 */
export async function runJobs(
  argv: readonly string[],
  count: number,
  out: string,
  print: (line: string) => void,
): Promise<RunResult[]> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  // Extra `deno run` flags for the shard processes, e.g. "--no-lock" on an offline machine.
  const flags = (Deno.env.get("NUGRAD_SHARD_DENO_FLAGS") ?? "").split(/\s+/).filter(Boolean);
  if (argv.includes("--resume")) await shareFinishedRuns(out, count);
  const spawned: Deno.ChildProcess[] = [];
  const children = Array.from({ length: count }, (_, i) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...flags, main, ...childArgs(argv, i, count, out)],
      // One core per shard: OpenBLAS's threads, oneDNN's (OpenMP's) and the Wasm fused kernels'
      // (`trainer.ts`; NUGRAD_FUSED_THREADS in the sweep's environment overrides it).
      env: {
        OPENBLAS_NUM_THREADS: "1",
        OMP_NUM_THREADS: "1",
        NUGRAD_FUSED_THREADS: Deno.env.get("NUGRAD_FUSED_THREADS") ?? "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    spawned.push(child);
    const prefix = `[${i}/${count}]`;
    return Promise.all([
      relay(child.stdout, prefix, print),
      relay(child.stderr, prefix, print),
      child.status,
    ]).then(([, , status]) => ({ i, status }));
  });
  // Told to stop, the shards stop too (each removes its lock and loses only its run in
  // progress); this process exits once they are gone.
  const forget = onStop(async (signal) => {
    for (const child of spawned) {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
    }
    await Promise.all(spawned.map((child) => child.status));
  });
  let statuses: { i: number; status: Deno.CommandStatus }[];
  try {
    statuses = await Promise.all(children);
  } finally {
    forget();
  }
  const bad = statuses.filter((s) => !s.status.success);
  if (bad.length > 0) {
    throw new Error(
      `shard ${bad.map((b) => `${b.i}/${count} (exit ${b.status.code})`).join(", ")} failed; ` +
        `finished runs are kept in ${out}/shard-*: rerun with --resume`,
    );
  }
  const dirs = statuses.map(({ i }) => `${out}/shard-${i}`);
  const merged = await mergeResults(dirs);
  await writeResults(out, merged.results);
  if (merged.settings !== null) await writeSettings(out, merged.settings);
  return merged.results;
}

/**
 * Before a resumed `--jobs` sweep starts, gives every shard folder the finished runs of the whole
 * sweep (`out/results.jsonl`, merged from the last shards) that it lacks. Which shard owns a run
 * depends on the plan (more seeds or another grid move runs between shards), and a shard trains
 * every run of its part that its own folder lacks: without this, a resume with more seeds trained
 * again the finished runs that moved to the other shard.
 *
 * @example
 * ```ts
 * import { shareFinishedRuns } from "./jobs.ts";
 * import { readResults, writeResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult } from "../plan/types.ts";
import { onStop } from "./stop_signals.ts";
 * const out = await Deno.makeTempDir();
 * const row = (id: string) =>
 *   ({ spec: { id }, status: "ok", finalValLoss: 2, curves: [] }) as unknown as RunResult;
 * await writeResults(out, [row("a"), row("b")]);
 * await writeResults(`${out}/shard-0`, [row("a")]);
 * await shareFinishedRuns(out, 2);
 * assertEquals((await readResults(`${out}/shard-0`)).map((r) => r.spec.id), ["a", "b"]);
 * assertEquals((await readResults(`${out}/shard-1`)).map((r) => r.spec.id), ["a", "b"]);
 * ```
 */
export async function shareFinishedRuns(out: string, count: number): Promise<void> {
  const finished = (await readResults(out)).filter(isFinished);
  if (finished.length === 0) return;
  for (let i = 0; i < count; i++) {
    const dir = `${out}/shard-${i}`;
    const have = new Set((await readResults(dir)).map((r) => r.spec.id));
    const missing = finished.filter((r) => !have.has(r.spec.id));
    if (missing.length === 0) continue;
    const writer = await openResults(dir);
    try {
      for (const r of missing) await writer.append(r);
    } finally {
      writer.close();
    }
  }
}
