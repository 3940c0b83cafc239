/**
 * The learning-rate-transfer sweep command: `deno run -A bench/transfer/main.ts [flags]`
 * (`deno task transfer`), or `... merge DIR... --out DIR`. See `--help` and `args.ts`.
 *
 * It trains with the trainer `run/trainers.ts` picks (`run/trainer.ts`'s, or the synthetic one with
 * `--synthetic`), writes `OUT/settings.json` and `OUT/results.jsonl` as runs finish, then
 * `OUT/summary.json`, `OUT/report.md` and the SVG plots, and prints where they are.
 * `... slurm --tasks N --out DIR` submits the sweep as a Slurm job array (see `slurm.ts`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { main } from "./main.ts";
 * const lines: string[] = [];
 * assertEquals(await main(["--help"], { print: (l) => lines.push(l) }), 0);
 * assertEquals(lines[0].startsWith("nugrad learning-rate-transfer sweep"), true);
 * ```
 *
 * @module
 */
import type { Command, SweepConfig } from "./plan/config.ts";
import { HELP } from "./plan/flags.ts";
import { parseCommand } from "./plan/args.ts";
import { loadBrownCorpus } from "./run/corpus.ts";
import { loadTextFile, validationWindows } from "./run/data.ts";
import { sweepSettings, writeSettings } from "./plan/identity.ts";
import { acquireLock, lockHolder } from "./run/lock.ts";
import { type OutputFiles, writeOutputs } from "./analyse/outputs.ts";
import { paramLabels } from "./plan/param_ref.ts";
import { Progress } from "./run/progress.ts";
import { runJobs } from "./run/jobs.ts";
import { mergeResults, writeResults } from "./run/results.ts";
import { submitSlurm } from "./run/slurm.ts";
import { runSweep } from "./run/sweep.ts";
import { describeGroups } from "./run/evaluate.ts";
import { trainerFor } from "./run/trainers.ts";
import type { Dataset } from "./plan/types.ts";

/**
 * Injectable parts of {@linkcode main} (tests swap the data and the output; the trainer has its
 * own seam, `withTrainer` in `run/trainers.ts`).
 */
export interface MainOptions {
  loadData?: (config: SweepConfig) => Promise<Dataset>;
  print?: (line: string) => void;
  /** false: no progress display; a function: plain progress lines go to it. */
  progress?: boolean | ((text: string) => void);
  /** How `transfer slurm` runs `sbatch` (tests: their own cluster's `SLURM_CONF`). */
  sbatch?: { program?: string; env?: Record<string, string> };
}

/**
 * Loads `--data FILE`, or the Brown corpus; checks it holds a validation window.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { loadData } from "./main.ts";
 * import { parseCommand } from "./plan/args.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t.txt`, "a tiny corpus of text. ".repeat(100));
 * const cmd = parseCommand(["--data", `${dir}/t.txt`, "--seq", "8"]);
 * if (cmd.kind === "sweep") assertEquals((await loadData(cmd.config)).name, `${dir}/t.txt`);
 * ```
 */
export async function loadData(config: SweepConfig): Promise<Dataset> {
  const data = config.data !== null
    ? await loadTextFile(config.data, { seq: config.seq })
    : await loadBrownCorpus();
  validationWindows(data.val, { seq: config.seq, count: 1 });
  return data;
}

/**
 * Runs the command line `argv`; returns the process exit code. Errors print one line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { main } from "./main.ts";
 * const lines: string[] = [];
 * assertEquals(await main(["--lrs", "oops"], { print: (l) => lines.push(l) }), 2);
 * assertEquals(lines, ["error: --lrs 'oops': 'oops' is not a number"]);
 * ```
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  if (argv[0] === "fit") { // the fit-and-validate loop (tools/fit_command.ts)
    const { fitMain } = await import("./tools/fit_command.ts");
    return await fitMain(argv.slice(1), { loadData: options.loadData, print });
  }
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 2;
  }
  try {
    if (command.kind === "help") {
      print(HELP);
      return 0;
    }
    if (command.kind === "merge") return await merge(command, print);
    if (command.kind === "slurm") {
      await submitSlurm(command, { print, ...options.sbatch });
      return 0;
    }
    const config = command.config;
    const labels = await paramLabels(config.params);
    const started = performance.now();
    const chosen = trainerFor(config);
    if (config.jobs > 1 && !chosen.injected && !config.synthetic) {
      const lock = await acquireLock(config.out, "transfer --jobs");
      try {
        print(`running ${config.jobs} shards in parallel into ${config.out}/shard-*`);
        const idle = idleShards(config);
        if (idle > 0) {
          print(
            `note: the adaptive search splits shards by parameterization, so with ` +
              `${config.params.length} parameterization(s) ${idle} of the ${config.jobs} shards ` +
              `have nothing to run; --search grid splits by run`,
          );
        }
        const results = await runJobs(argv, config.jobs, config.out, print);
        const files = await writeOutputs(config.out, results, config);
        const failed = results.filter((r) => r.status === "failed").length;
        print(
          `${results.length} runs (${failed} failed) from ${config.jobs} shards; ` +
            `${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        printFiles(print, files);
      } finally {
        await lock.release();
      }
      return 0;
    }
    const data = await (options.loadData ?? loadData)(config);
    const settings = await sweepSettings(config, data, chosen.identity);
    const write = typeof options.progress === "function" ? options.progress : undefined;
    const progress = options.progress === false
      ? undefined
      : (total: number) => new Progress({ total, labels, ...(write ? { tty: false, write } : {}) });
    const outcome = await runSweep(config, { data, settings, progress });
    const files = await writeOutputs(config.out, outcome.results, config);
    const failed = outcome.results.filter((r) => r.status === "failed");
    const groups = describeGroups(outcome.groups);
    print(
      `${outcome.trained} runs trained, ${outcome.reused} reused, ${outcome.alreadyDone} already ` +
        `done, ${failed.length} failed${groups ? `, ${groups}` : ""}; ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    printFiles(print, files);
    if (failed.length > 0 && failed.length === outcome.results.length) {
      print(`error: every run failed; the first: ${failed[0].error}`);
      return 1;
    }
    return 0;
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 1;
  }
}

async function merge(
  command: Extract<Command, { kind: "merge" }>,
  print: (line: string) => void,
): Promise<number> {
  const lock = await acquireLock(command.out, "merge");
  try {
    for (const dir of command.dirs) {
      const owner = await lockHolder(dir);
      if (owner !== null) {
        throw new Error(
          `merge: ${dir} is still being written by ${owner.command} (pid ${owner.pid} on ` +
            `${owner.host}${owner.slurmJob ? `, Slurm job ${owner.slurmJob}` : ""}); merge ` +
            `once it has finished`,
        );
      }
    }
    const merged = await mergeResults(command.dirs);
    if (merged.duplicates.length > 0) {
      print(
        `merge: ${merged.duplicates.length} run ids found in more than one place with identical ` +
          `results, counted once: ${merged.duplicates.join(", ")}`,
      );
    }
    await writeResults(command.out, merged.results);
    if (merged.settings !== null) await writeSettings(command.out, merged.settings);
    const files = await writeOutputs(command.out, merged.results, command);
    print(`merged ${merged.results.length} runs from ${command.dirs.length} folders`);
    printFiles(print, files);
    return 0;
  } finally {
    await lock.release();
  }
}

function printFiles(print: (line: string) => void, files: OutputFiles): void {
  if (files.leftOut > 0) {
    print(
      `warning: the summary leaves out ${files.leftOut} runs made with other settings than ` +
        `the ${files.summarized} it summarizes (see settings in results.jsonl)`,
    );
  }
  print(`summary: ${files.summary}`);
  print(`report:  ${files.report}`);
  for (const p of files.plots) print(`plot:    ${p}`);
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * How many of a sweep's `--jobs` shards get no work: the adaptive search gives each shard whole
 * parameterizations (its chains), so shards beyond their number idle.
 *
 * @example
 * ```ts
 * import { idleShards } from "./main.ts";
 * import { parseCommand } from "./plan/args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cmd = parseCommand(["--param", "nugpt", "--jobs", "2"]);
 * assertEquals(cmd.kind === "sweep" && idleShards(cmd.config), 1);
 * ```
 */
export function idleShards(config: SweepConfig): number {
  return config.search === "adaptive" ? Math.max(0, config.jobs - config.params.length) : 0;
}
