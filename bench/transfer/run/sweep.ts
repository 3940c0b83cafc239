/**
 * Runs a sweep: takes the folder's lock (one writer per folder, `lock.ts`), plans it (grid or
 * adaptive search, this shard only), skips runs already finished in `OUT/results.jsonl`
 * (`--resume`, refused when the folder was made with other settings, `identity.ts`), reuses
 * provably identical twins, trains the rest with the trainer of `trainers.ts`, and appends
 * each result, with its settings, as it finishes. A trainer that throws gives a `failed` result;
 * the sweep goes on.
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
import { readSettings, settingsOfRun, writeSettings } from "../plan/identity.ts";
import type { SettingDifference, SweepSettings } from "../plan/types.ts";
import { acquireLock } from "./lock.ts";
import { canonicalId, gridRuns, shardRuns } from "../plan/run_list.ts";
import type { Progress } from "./progress.ts";
import { isFinished, latestById, openResults, readResults, resultsPath } from "./results.ts";
import { chainsOfShard, estimateRuns, runPlan } from "./search.ts";
import type { Dataset, RunResult, RunSpec } from "../plan/types.ts";
import { trainerFor } from "./trainers.ts";

/** Counts of what a sweep did. */
export interface SweepOutcome {
  /** Every result now in the folder (this run's and earlier ones). */
  results: RunResult[];
  trained: number;
  reused: number;
  alreadyDone: number;
}

/** Makes a trainer's result consistent: its own spec, `diverged` when the loss is not finite. */
function normalize(spec: RunSpec, r: RunResult): RunResult {
  const ok = r.status === "ok" && r.finalValLoss !== null && Number.isFinite(r.finalValLoss);
  const status = r.status === "ok" && !ok ? "diverged" : r.status;
  return { ...r, spec, status, finalValLoss: status === "ok" ? r.finalValLoss : null };
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
  const trainer = trainerFor(config).train;
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
  const finished = new Map<string, RunResult>();
  const byCanonical = new Map<string, RunResult>();
  const remember = (r: RunResult) => {
    if (!isFinished(r)) return;
    finished.set(r.spec.id, r);
    if (!byCanonical.has(canonicalId(r.spec))) byCanonical.set(canonicalId(r.spec), r);
  };
  for (const r of latestById(existing).values()) remember(r);
  const progress = options.progress?.(expectedToTrain(config, data.name, finished, byCanonical));
  const writer = await openResults(config.out);
  const outcome = { trained: 0, reused: 0, alreadyDone: 0 };
  const evaluateOne = async (spec: RunSpec): Promise<RunResult> => {
    const done = finished.get(spec.id);
    if (done !== undefined) {
      outcome.alreadyDone++;
      progress?.skipped();
      return done;
    }
    const twin = byCanonical.get(canonicalId(spec));
    let result: RunResult;
    if (twin !== undefined) {
      result = { ...twin, spec, reusedFrom: twin.spec.id, wallSeconds: 0 };
      outcome.reused++;
      progress?.skipped();
    } else {
      progress?.runStarted(spec);
      const t0 = performance.now();
      try {
        result = normalize(spec, await trainer(spec, data, (s, l) => progress?.update(s, l)));
      } catch (e) {
        result = {
          spec,
          status: "failed",
          finalValLoss: null,
          curves: [],
          wallSeconds: (performance.now() - t0) / 1000,
          msPerStep: 0,
          backend: spec.backend,
          error: e instanceof Error ? e.message : String(e),
        };
      }
      outcome.trained++;
      progress?.runFinished(result);
    }
    result = { ...result, settings: settingsOfRun(settings, spec.parameterization) };
    await writer.append(result);
    remember(result);
    return result;
  };
  try {
    await runPlan(config, data.name, async (specs) => {
      const out: RunResult[] = [];
      for (const spec of specs) out.push(await evaluateOne(spec));
      return out;
    });
  } finally {
    writer.close();
    progress?.finish();
  }
  return { results: [...latestById(await readResults(config.out)).values()], ...outcome };
}
