/**
 * `deno task transfer slurm --tasks N --out DIR [sweep flags]`: the sweep as a Slurm job array.
 *
 * It writes two batch scripts into `DIR/slurm/` and submits them:
 * - `sweep.sbatch`, one array task per shard: `main.ts [sweep flags] --shard auto --shard-count N
 *   --out DIR/shard-$SLURM_ARRAY_TASK_ID --resume` (so a resubmitted task keeps its finished
 *   runs), submitted with `sbatch --array=0-(N-1)`;
 * - `merge.sbatch`: `main.ts merge DIR/shard-0 ... --out DIR`, submitted with
 *   `sbatch --dependency=afterok:<array job>`, so it runs once every task has succeeded.
 * Logs go to `DIR/slurm/logs/`; the job ids to `DIR/slurm/jobs.jsonl`. `--array 1` resubmits
 * task 1 only, with a new merge job that also waits for the earlier array's tasks still queued
 * or running (`afterany`); the earlier merge job, if still pending (its `afterok` can no longer
 * be met), is cancelled.
 * `DIR` must be on a file system every node reaches; so must this checkout and `deno`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../../../testing/assert.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { submitSlurm } from "./slurm.ts";
 * const out = await Deno.makeTempDir();
 * const cmd = parseCommand(["slurm", "--tasks", "3", "--out", out, "--steps", "10", "--dry-run"]);
 * const lines: string[] = [];
 * if (cmd.kind === "slurm") await submitSlurm(cmd, { print: (l) => lines.push(l) });
 * assertTrue(lines.some((l) => l.includes("sbatch --parsable --array=0-2")));
 * ```
 *
 * @module
 */
import type { Command } from "../plan/config.ts";

type SlurmCommand = Extract<Command, { kind: "slurm" }>;

/**
 * Quotes a word for bash (single quotes; words of safe characters stay as they are).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { shellQuote } from "./slurm.ts";
 * assertEquals(shellQuote("--lrs=-9:-3:1"), "--lrs=-9:-3:1");
 * assertEquals(shellQuote("it's"), "'it'\\''s'");
 * ```
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `0-2` for the indices 0, 1, 2; `0,2` otherwise (Slurm's `--array` syntax).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { arraySpec } from "./slurm.ts";
 * assertEquals([arraySpec([0, 1, 2]), arraySpec([1]), arraySpec([0, 2])], ["0-2", "1", "0,2"]);
 * ```
 */
export function arraySpec(indices: readonly number[]): string {
  const contiguous = indices.every((x, i) => i === 0 || x === indices[i - 1] + 1);
  if (contiguous && indices.length > 1) return `${indices[0]}-${indices[indices.length - 1]}`;
  return indices.join(",");
}

/** Where a Slurm sweep's files go. */
export interface SlurmPaths {
  /** The sweep folder (absolute). */
  out: string;
  /** `out/slurm`: the scripts. */
  scripts: string;
  /** `out/slurm/logs`. */
  logs: string;
}

/**
 * The paths of a Slurm sweep in `out` (made absolute against the working directory).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { slurmPaths } from "./slurm.ts";
 * assertEquals(slurmPaths("/shared/w/").logs, "/shared/w/slurm/logs");
 * ```
 */
export function slurmPaths(out: string): SlurmPaths {
  const abs = (out.startsWith("/") ? out : `${Deno.cwd()}/${out}`).replace(/\/+$/, "");
  return { out: abs, scripts: `${abs}/slurm`, logs: `${abs}/slurm/logs` };
}

function header(command: SlurmCommand, name: string, log: string): string[] {
  const { partition, time, account } = command.slurm;
  return [
    "#!/bin/bash",
    `# Written by \`deno task transfer slurm\` (nugrad); see bench/transfer/run/slurm.ts.`,
    `#SBATCH --job-name=${name}`,
    `#SBATCH --output=${log}`,
    `#SBATCH --chdir=${Deno.cwd()}`,
    ...(partition ? [`#SBATCH --partition=${partition}`] : []),
    ...(time ? [`#SBATCH --time=${time}`] : []),
    ...(account ? [`#SBATCH --account=${account}`] : []),
    "set -euo pipefail",
    'export OPENBLAS_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
  ];
}

function denoRun(): string[] {
  const flags = (Deno.env.get("NUGRAD_SHARD_DENO_FLAGS") ?? "").split(/\s+/).filter(Boolean);
  const main = new URL("../main.ts", import.meta.url).pathname;
  return [Deno.execPath(), "run", "-A", ...flags, main].map(shellQuote);
}

/**
 * The array job's script: each task runs its shard of the sweep into `out/shard-<task>`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../../../testing/assert.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { sweepScript } from "./slurm.ts";
 * const cmd = parseCommand(["slurm", "--tasks", "2", "--out", "/w", "--partition", "gpu"]);
 * if (cmd.kind !== "slurm") throw new Error("not slurm");
 * const text = sweepScript(cmd);
 * assertTrue(text.includes("#SBATCH --partition=gpu"));
 * assertTrue(text.includes('--shard auto --shard-count 2 --out "/w/shard-${SLURM_ARRAY_TASK_ID}"'));
 * ```
 */
export function sweepScript(command: SlurmCommand): string {
  const paths = slurmPaths(command.config.out);
  return [
    ...header(command, "nugrad-sweep", `${paths.logs}/sweep-%A_%a.log`),
    [
      "exec",
      ...denoRun(),
      ...command.sweepArgs.map(shellQuote),
      "--shard auto --shard-count",
      String(command.slurm.tasks),
      "--out",
      `"${paths.out}/shard-\${SLURM_ARRAY_TASK_ID}"`,
      "--resume",
    ].join(" "),
    "",
  ].join("\n");
}

/**
 * The merge job's script: merges every shard folder into `out`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../../../testing/assert.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { mergeScript } from "./slurm.ts";
 * const cmd = parseCommand(["slurm", "--tasks", "2", "--out", "/w", "--signature-lr", "off"]);
 * if (cmd.kind !== "slurm") throw new Error("not slurm");
 * assertTrue(mergeScript(cmd).includes("merge /w/shard-0 /w/shard-1 --out /w --signature-lr=off"));
 * ```
 */
export function mergeScript(command: SlurmCommand): string {
  const paths = slurmPaths(command.config.out);
  const shards = Array.from({ length: command.slurm.tasks }, (_, i) => `${paths.out}/shard-${i}`);
  const sig = command.config.signatureLog2Lr;
  return [
    ...header(command, "nugrad-merge", `${paths.logs}/merge-%j.log`),
    [
      "exec",
      ...denoRun(),
      "merge",
      ...shards.map(shellQuote),
      "--out",
      shellQuote(paths.out),
      `--signature-lr=${sig === null ? "off" : sig}`,
    ].join(" "),
    "",
  ].join("\n");
}

async function slurmCommand(
  program: string,
  args: string[],
  env: Record<string, string> | undefined,
): Promise<string | null> {
  try {
    const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** One submission, as recorded in `DIR/slurm/jobs.jsonl`. */
interface SubmissionRecord {
  arrayJob: string;
  mergeJob: string;
  indices: number[];
  tasks: number;
}

async function earlierSubmissions(path: string): Promise<SubmissionRecord[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l) as SubmissionRecord];
    } catch {
      return [];
    }
  });
}

async function sbatch(
  program: string,
  args: string[],
  env: Record<string, string> | undefined,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
      .output();
  } catch (e) {
    throw new Error(
      `transfer slurm: cannot run ${program} (${(e as Error).message}); run this on a Slurm ` +
        `login node, or use --dry-run to write the scripts only`,
    );
  }
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    const err = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `transfer slurm: ${program} ${args.join(" ")} failed (exit ${output.code}): ${err}`,
    );
  }
  const id = text.split(";")[0].trim();
  if (!/^\d+$/.test(id)) {
    throw new Error(`transfer slurm: ${program} printed '${text}', not a job id`);
  }
  return id;
}

/** The ids of a submitted Slurm sweep. */
export interface SlurmSubmission {
  arrayJob: string;
  mergeJob: string;
  sweepScript: string;
  mergeScript: string;
}

/**
 * Writes the scripts and submits the array job and the merge job (or, with `--dry-run`, prints
 * the `sbatch` lines). Returns the job ids (`"<array job id>"` placeholders on a dry run).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { submitSlurm } from "./slurm.ts";
 * const out = await Deno.makeTempDir();
 * const cmd = parseCommand(["slurm", "--tasks", "2", "--out", out, "--dry-run"]);
 * if (cmd.kind !== "slurm") throw new Error("not slurm");
 * const ids = await submitSlurm(cmd, { print: () => {} });
 * assertEquals(ids.sweepScript, `${out}/slurm/sweep.sbatch`);
 * ```
 */
export async function submitSlurm(
  command: SlurmCommand,
  options: {
    print: (line: string) => void;
    /** The `sbatch` program (default: `sbatch` on PATH). */
    program?: string;
    /** Extra environment for `sbatch` (and so for the jobs, which inherit it). */
    env?: Record<string, string>;
  },
): Promise<SlurmSubmission> {
  const { print, env } = options;
  const program = options.program ?? "sbatch";
  const paths = slurmPaths(command.config.out);
  await Deno.mkdir(paths.logs, { recursive: true });
  const sweepPath = `${paths.scripts}/sweep.sbatch`;
  const mergePath = `${paths.scripts}/merge.sbatch`;
  await Deno.writeTextFile(sweepPath, sweepScript(command), { mode: 0o755 });
  await Deno.writeTextFile(mergePath, mergeScript(command), { mode: 0o755 });
  const array = arraySpec(command.slurm.indices);
  const arrayArgs = ["--parsable", `--array=${array}`, sweepPath];
  const mergeArgs = (id: string) => ["--parsable", `--dependency=afterok:${id}`, mergePath];
  if (command.slurm.dryRun) {
    print(`wrote ${sweepPath} and ${mergePath}; to submit:`);
    print(`  ${program} ${arrayArgs.join(" ")}`);
    print(`  ${program} ${mergeArgs("<array job id>").join(" ")}`);
    return {
      arrayJob: "<array job id>",
      mergeJob: "<merge job id>",
      sweepScript: sweepPath,
      mergeScript: mergePath,
    };
  }
  const { tasks } = command.slurm;
  const jobsPath = `${paths.scripts}/jobs.jsonl`;
  const earlier = await earlierSubmissions(jobsPath);
  // Slurm's tools sit beside sbatch (tests pass a path to their own).
  const tool = (name: string) => program.includes("/") ? program.replace(/sbatch$/, name) : name;
  /** Job id → state of those of `ids` still queued or running (one query each: an id Slurm
   * has forgotten makes squeue fail). */
  const queued = async (ids: string[]) => {
    const states = new Map<string, string>();
    for (const id of ids) {
      const text = await slurmCommand(tool("squeue"), ["-h", "-j", id, "-o", "%T"], env);
      const state = (text ?? "").trim().split("\n")[0];
      if (state) states.set(id, state);
    }
    return states;
  };
  const stillQueued = await queued(earlier.map((e) => e.arrayJob));
  const waitFor = earlier.map((e) => e.arrayJob).filter((id) => stillQueued.has(id));
  const arrayJob = await sbatch(program, arrayArgs, env);
  const deps = [`afterok:${arrayJob}`, ...waitFor.map((id) => `afterany:${id}`)].join(",");
  const mergeJob = await sbatch(
    program,
    ["--parsable", `--dependency=${deps}`, mergePath],
    env,
  );
  await Deno.writeTextFile(
    jobsPath,
    JSON.stringify({ arrayJob, mergeJob, indices: command.slurm.indices, tasks }) + "\n",
    { append: true },
  );
  const pendingMerges = await queued(earlier.map((e) => e.mergeJob));
  for (const [id, state] of pendingMerges) {
    if (state !== "PENDING") continue;
    await slurmCommand(tool("scancel"), [id], env);
    print(`cancelled the earlier merge job ${id} (superseded by ${mergeJob})`);
  }
  print(
    `submitted array job ${arrayJob} (tasks ${array} of 0-${tasks - 1}) into ` +
      `${paths.out}/shard-*, and merge job ${mergeJob} (after it) into ${paths.out}`,
  );
  print(`logs: ${paths.logs}/; watch: squeue -j ${arrayJob},${mergeJob}`);
  if (waitFor.length > 0) {
    print(`the merge job also waits for the earlier array job(s) ${waitFor.join(", ")}`);
  }
  print(
    `a task that failed or was cancelled: resubmit it (its finished runs are kept) with the ` +
      `same command plus --array <index>`,
  );
  return { arrayJob, mergeJob, sweepScript: sweepPath, mergeScript: mergePath };
}
