/**
 * The learning-rate-transfer sweep command: `deno run -A bench/transfer/main.ts [flags]`
 * (`deno task transfer`), or `... merge DIR... --out DIR`. See `--help` and `args.ts`.
 *
 * It trains with the {@linkcode Trainer} of `trainer.ts` (or the synthetic one with
 * `--synthetic`), writes `OUT/results.jsonl` as runs finish, then `OUT/summary.json`,
 * `OUT/report.md` and the SVG plots, and prints where they are.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--help"]);
 * ```
 *
 * @module
 */
import { type Command, HELP, parseCommand, type SweepConfig } from "./args.ts";
import { loadBrownCorpus } from "./corpus.ts";
import { loadTextFile, validationWindows } from "./data.ts";
import { writeOutputs } from "./outputs.ts";
import { loadParameterization, parseParamRef } from "./paramRef.ts";
import { Progress } from "./progress.ts";
import { runJobs } from "./jobs.ts";
import { mergeResults, writeResults } from "./results.ts";
import { estimateRuns } from "./search.ts";
import { runSweep } from "./sweep.ts";
import { syntheticTrainer } from "./synthetic.ts";
import { trainer as realTrainer } from "./trainer.ts";
import type { Dataset, Trainer } from "./types.ts";

/** Injectable parts of {@linkcode main} (tests swap the trainer, the data and the output). */
export interface MainOptions {
  trainer?: Trainer;
  loadData?: (config: SweepConfig) => Promise<Dataset>;
  print?: (line: string) => void;
  progress?: boolean;
}

/**
 * Loads `--data FILE`, or the Brown corpus; checks it holds a validation window.
 *
 * @example
 * ```ts
 * import { loadData } from "./main.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * assertEquals(cmd.kind === "sweep" && (await loadData(cmd.config)).name, "brown");
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
 * import { main } from "./main.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const printed: string[] = [];
 * const code = await main(["--lrs", "oops"], { print: (line) => printed.push(line) });
 * assertEquals([code, printed], [2, ["error: --lrs 'oops': 'oops' is not a number"]]);
 * ```
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
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
    if (command.kind === "merge") {
      const results = await mergeResults(command.dirs);
      await writeResults(command.out, results);
      const files = await writeOutputs(command.out, results, command);
      print(`merged ${results.length} runs from ${command.dirs.length} folders`);
      printFiles(print, files);
      return 0;
    }
    const config = command.config;
    for (const p of config.params) {
      if (parseParamRef(p).kind === "module") await loadParameterization(p);
    }
    const started = performance.now();
    if (config.jobs > 1 && options.trainer === undefined && !config.synthetic) {
      print(`running ${config.jobs} shards in parallel into ${config.out}/shard-*`);
      const results = await runJobs(argv, config.jobs, config.out, print);
      const files = await writeOutputs(config.out, results, config);
      const failed = results.filter((r) => r.status === "failed").length;
      print(
        `${results.length} runs (${failed} failed) from ${config.jobs} shards; ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      printFiles(print, files);
      return 0;
    }
    const data = await (options.loadData ?? loadData)(config);
    const trainer = options.trainer ?? (config.synthetic ? syntheticTrainer : realTrainer);
    const progress = options.progress === false
      ? undefined
      : new Progress({ total: estimateRuns(config, data.name) });
    const outcome = await runSweep(config, { trainer, data, progress });
    const files = await writeOutputs(config.out, outcome.results, config);
    const failed = outcome.results.filter((r) => r.status === "failed");
    print(
      `${outcome.trained} runs trained, ${outcome.reused} reused, ${outcome.alreadyDone} already ` +
        `done, ${failed.length} failed; ${((performance.now() - started) / 1000).toFixed(1)} s`,
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

function printFiles(
  print: (line: string) => void,
  files: { summary: string; report: string; plots: string[] },
): void {
  print(`summary: ${files.summary}`);
  print(`report:  ${files.report}`);
  for (const p of files.plots) print(`plot:    ${p}`);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
