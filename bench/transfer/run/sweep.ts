/**
 * Runs a sweep: takes the folder's lock (one writer per folder, `lock.ts`), plans it (grid or
 * adaptive search, this shard only), skips runs already finished in `OUT/results.jsonl`
 * (`--resume`, refused when the folder was made with other settings, `identity.ts`), reuses
 * provably identical twins, trains the rest with the trainer of `trainers.ts` (one at a time or
 * in groups, `evaluate.ts`), and appends each result, with its settings, as it finishes.
 *
 * @example
 * ```ts
 * import { runSweep } from "./sweep.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { NAME_ONLY_IDENTITY, sweepSettings } from "../plan/identity.ts";
 * const cmd = parseCommand(["--out", await Deno.makeTempDir(), "--synthetic", "--search", "grid"]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 * const settings = await sweepSettings(cmd.config, data, NAME_ONLY_IDENTITY);
 * const { results } = await runSweep(cmd.config, { data, settings });
 * assertEquals(results.every((r) => r.settings?.batch === cmd.config.batch), true);
 * ```
 *
 * @module
 */
import type { SweepConfig } from "../plan/config.ts";
import { combineSettings, formatDifferences, settingsDifferences } from "../plan/differences.ts";
import { readSettings, writeSettings } from "../plan/identity.ts";
import type { SettingDifference, SweepSettings } from "../plan/types.ts";
import { acquireLock } from "./lock.ts";
import { canonicalId, gridRuns, shardRuns } from "../plan/run_list.ts";
import type { Progress } from "./progress.ts";
import { latestById, openResults, readResults, resultsPath } from "./results.ts";
import { evaluator, type Ledger, remember } from "./evaluate.ts";
import { chainsOfShard, estimateRuns, runPlan } from "./search.ts";
import type { Dataset, RunResult } from "../plan/types.ts";
import { trainerFor } from "./trainers.ts";

/** Counts of what a sweep did. */
export interface SweepOutcome {
  /** Every result now in the folder (this run's and earlier ones). */
  results: RunResult[];
  trained: number;
  reused: number;
  alreadyDone: number;
  /** The size of each group trained together (empty with `--group 1`). */
  groups: number[];
}

/** What {@linkcode runSweep} needs besides the configuration. */
export interface SweepOptions {
  /** The corpus. */
  data: Dataset;
  /** The sweep's settings (its identity; see `identity.ts`). */
  settings: SweepSettings;
  /** Makes the progress display, given the number of runs expected to train. */
  progress?: (remaining: number) => Progress;
}

/**
 * Runs the sweep described by `config` (see the module doc).
 *
 * @example
 * ```ts
 * import { runSweep } from "./sweep.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { NAME_ONLY_IDENTITY, sweepSettings } from "../plan/identity.ts";
 * const cmd = parseCommand(["--out", await Deno.makeTempDir(), "--synthetic"]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 * const settings = await sweepSettings(cmd.config, data, NAME_ONLY_IDENTITY);
 * const outcome = await runSweep(cmd.config, { data, settings });
 * assertEquals(outcome.alreadyDone, 0);
 * ```
 */
export async function runSweep(
  config: SweepConfig,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const lock = await acquireLock(config.out, "transfer");
  try {
    return await sweepLocked(config, options);
  } finally {
    await lock.release();
  }
}

/**
 * Checks that the runs already in a folder were made with `settings`; throws naming each
 * difference (`--steps 20 vs 10`) otherwise.
 *
 * @example
 * ```ts
 * import { assertThrows } from "../../../testing/assert.ts";
 * import { checkResumable } from "./sweep.ts";
 * import { exampleSettings } from "../plan/identity.ts";
 * const s = exampleSettings();
 * assertThrows(
 *   () => checkResumable("out/x", { ...s, steps: 20 }, [], { ...s, steps: 10 }),
 *   "--steps 20 vs 10",
 * );
 * ```
 */
export function checkResumable(
  out: string,
  folder: SweepSettings | null,
  existing: readonly RunResult[],
  settings: SweepSettings,
): void {
  const found = new Map<string, SettingDifference>();
  const note = (diffs: SettingDifference[]) => {
    for (const d of diffs) found.set(`${d.setting}\u0000${d.was}`, d);
  };
  if (folder !== null) note(settingsDifferences(folder, settings));
  for (const r of existing) note(settingsDifferences(r.settings ?? null, settings));
  if (found.size > 0) {
    throw new Error(
      `transfer: cannot --resume into ${out}: its runs were made with other settings: ` +
        `${formatDifferences([...found.values()])} (the folder's vs this command's). ` +
        `Rerun with the folder's settings, or choose another --out`,
    );
  }
}

/** The number of runs this shard is expected to train, given the runs already finished. */
function expectedToTrain(
  config: SweepConfig,
  dataset: string,
  finished: ReadonlyMap<string, RunResult>,
  byCanonical: ReadonlyMap<string, RunResult>,
): number {
  if (config.search === "grid") {
    const todo = new Set<string>();
    for (const r of shardRuns(gridRuns(config, dataset), config.shard)) {
      if (!finished.has(r.id) && !byCanonical.has(canonicalId(r))) todo.add(canonicalId(r));
    }
    return todo.size;
  }
  const chains = new Set(chainsOfShard(config.params, config.shard));
  const done =
    [...finished.values()].filter((r) =>
      chains.has(r.spec.parameterization) && r.spec.axis === config.axis
    ).length;
  return Math.max(0, estimateRuns(config, dataset) - done);
}

async function sweepLocked(
  config: SweepConfig,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const { data, settings } = options;
  const existing = await readResults(config.out);
  if (existing.length > 0 && !config.resume) {
    throw new Error(
      `transfer: ${resultsPath(config.out)} already holds ${existing.length} runs; ` +
        `pass --resume to continue that sweep, or choose another --out`,
    );
  }
  const folderSettings = await readSettings(config.out);
  if (existing.length > 0) checkResumable(config.out, folderSettings, existing, settings);
  await writeSettings(
    config.out,
    existing.length > 0 && folderSettings !== null
      ? combineSettings(folderSettings, settings)
      : settings,
  );
  const ledger: Ledger = {
    config,
    data,
    settings,
    trainer: trainerFor(config),
    writer: await openResults(config.out),
    finished: new Map(),
    byCanonical: new Map(),
    outcome: { trained: 0, reused: 0, alreadyDone: 0, groups: [] },
  };
  for (const r of latestById(existing).values()) remember(ledger, r);
  const progress = options.progress?.(
    expectedToTrain(config, data.name, ledger.finished, ledger.byCanonical),
  );
  if (progress) ledger.progress = progress;
  try {
    await runPlan(config, data.name, evaluator(ledger));
  } finally {
    ledger.writer.close();
    progress?.finish();
  }
  const outcome = ledger.outcome;
  return { results: [...latestById(await readResults(config.out)).values()], ...outcome };
}
