/**
 * One stage of `transfer fit`: a sweep into its own folder, resumed when it is there, after the
 * runs of a module the command wrote anew with another definition are set aside
 * (`fit_retire.ts`).
 *
 * @example
 * ```ts
 * import { stage } from "./fit_stage.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(typeof stage, "function");
 * ```
 *
 * @module
 */
import type { Summary } from "../analyse/summary.ts";
import { writeOutputs } from "../analyse/outputs.ts";
import { parseCommand } from "../plan/args.ts";
import type { SweepConfig } from "../plan/config.ts";
import { sweepSettings } from "../plan/identity.ts";
import type { Dataset, RunResult } from "../plan/types.ts";
import { loadBrownCorpus } from "../run/corpus.ts";
import { loadTextFile, validationWindows } from "../run/data.ts";
import { runSweep } from "../run/sweep.ts";
import { trainerFor } from "../run/trainers.ts";
import { retireSuperseded } from "./fit_retire.ts";

/** Seams of `transfer fit` (tests: fake data; the trainer through `withTrainer`). */
export interface FitOptions {
  loadData?: (config: SweepConfig) => Promise<Dataset>;
  print?: (line: string) => void;
}

async function defaultData(config: SweepConfig): Promise<Dataset> {
  const data = config.data !== null
    ? await loadTextFile(config.data, { seq: config.seq })
    : await loadBrownCorpus();
  validationWindows(data.val, { seq: config.seq, count: 1 });
  return data;
}

/**
 * One stage: a sweep into its own folder (resumed when there), its results and summary. `own`: the
 * parameterizations this command writes itself, whose superseded runs are set aside first.
 */
export async function stage(
  argv: string[],
  options: FitOptions,
  own: readonly string[] = [],
): Promise<{ results: RunResult[]; summary: Summary }> {
  const command = parseCommand([...argv, "--resume", "--signature-lr", "off"]);
  if (command.kind !== "sweep") throw new Error(`transfer fit: not a sweep: ${argv.join(" ")}`);
  const config = command.config;
  const data = await (options.loadData ?? defaultData)(config);
  const settings = await sweepSettings(config, data, trainerFor(config).identity);
  // A module this command wrote anew (found.ts, probed.ts) with another definition than the
  // folder's runs of it measured: set those runs aside and resume with the rest (fit_retire.ts).
  for (const name of own) {
    const now = settings.params[name];
    const retired = now === undefined ? null : await retireSuperseded(config.out, name, now);
    if (retired !== null) {
      (options.print ?? console.log)(
        `  ${config.out}: ${retired.runs} runs of ${name} made with its previous definition ` +
          `(${retired.was}) set aside in ${retired.file}`,
      );
    }
  }
  const outcome = await runSweep(config, { data, settings });
  const files = await writeOutputs(config.out, outcome.results, config);
  return { results: outcome.results, summary: files.data };
}
