/**
 * How a sweep evaluates the runs its plan asks for (one round of the search, or the grid): a
 * run already finished in the folder is looked up; a provably identical twin's result is reused;
 * the rest are trained — one at a time (`--group 1`, the path of sweeps before `--group`), or in
 * groups of one model shape and schedule (`grouping.ts`), each member's result written as soon
 * as its group finishes. A trainer that throws gives `failed` results; the sweep goes on.
 *
 * @example
 * ```ts
 * import { normalize } from "./evaluate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult, RunSpec } from "../plan/types.ts";
 * const spec = { id: "a" } as RunSpec;
 * const r = { spec, status: "ok", finalValLoss: NaN } as RunResult;
 * assertEquals([normalize(spec, r).status, normalize(spec, r).finalValLoss], ["diverged", null]);
 * ```
 *
 * @module
 */
import type { SweepConfig } from "../plan/config.ts";
import { settingsOfRun } from "../plan/identity.ts";
import { canonicalId } from "../plan/run_list.ts";
import type { Dataset, RunResult, RunSpec, SweepSettings } from "../plan/types.ts";
import { failedResult, groupBudgetBytes, planGroups } from "./grouping.ts";
import type { Progress } from "./progress.ts";
import { isFinished, type ResultsWriter } from "./results.ts";
import type { Evaluate } from "./search.ts";
import type { TrainerChoice } from "./trainers.ts";

/**
 * Makes a trainer's result consistent: its own spec, `diverged` when the loss is not finite.
 *
 * @example
 * ```ts
 * import { normalize } from "./evaluate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult, RunSpec } from "../plan/types.ts";
 * const spec = { id: "a" } as RunSpec;
 * assertEquals(normalize(spec, { spec, status: "ok", finalValLoss: 2 } as RunResult).status, "ok");
 * ```
 */
export function normalize(spec: RunSpec, r: RunResult): RunResult {
  const ok = r.status === "ok" && r.finalValLoss !== null && Number.isFinite(r.finalValLoss);
  const status = r.status === "ok" && !ok ? "diverged" : r.status;
  return { ...r, spec, status, finalValLoss: status === "ok" ? r.finalValLoss : null };
}

/** What the evaluation reads and writes: the folder's finished runs, the writer, the counts. */
export interface Ledger {
  config: SweepConfig;
  data: Dataset;
  settings: SweepSettings;
  trainer: TrainerChoice;
  writer: ResultsWriter;
  progress?: Progress;
  /** Finished runs by id (this sweep's and the folder's). */
  finished: Map<string, RunResult>;
  /** The first finished run of each canonical id (see `run_list.ts`). */
  byCanonical: Map<string, RunResult>;
  /** Counts of what the sweep did; `groups`: the size of each group trained (`--group` ≠ 1). */
  outcome: { trained: number; reused: number; alreadyDone: number; groups: number[] };
}

/**
 * Remembers a finished result in the ledger (a failed one is not finished: resume retrains it).
 *
 * @example
 * ```ts
 * import { type Ledger, remember } from "./evaluate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult } from "../plan/types.ts";
 * const ledger = { finished: new Map(), byCanonical: new Map() } as unknown as Ledger;
 * remember(ledger, { spec: { id: "a", parameterization: "ngpt" }, status: "failed" } as RunResult);
 * assertEquals(ledger.finished.size, 0);
 * ```
 */
export function remember(ledger: Ledger, r: RunResult): void {
  if (!isFinished(r)) return;
  ledger.finished.set(r.spec.id, r);
  const canonical = canonicalId(r.spec);
  if (!ledger.byCanonical.has(canonical)) ledger.byCanonical.set(canonical, r);
}

async function record(ledger: Ledger, spec: RunSpec, result: RunResult): Promise<RunResult> {
  const out = { ...result, settings: settingsOfRun(ledger.settings, spec.parameterization) };
  await ledger.writer.append(out);
  remember(ledger, out);
  return out;
}

/** The finished result of `spec`, or its twin's reused, or null when it must be trained. */
async function lookUp(ledger: Ledger, spec: RunSpec): Promise<RunResult | null> {
  const done = ledger.finished.get(spec.id);
  if (done !== undefined) {
    ledger.outcome.alreadyDone++;
    ledger.progress?.skipped();
    return done;
  }
  const twin = ledger.byCanonical.get(canonicalId(spec));
  if (twin === undefined) return null;
  ledger.outcome.reused++;
  ledger.progress?.skipped();
  return await record(ledger, spec, { ...twin, spec, reusedFrom: twin.spec.id, wallSeconds: 0 });
}

async function trainOne(ledger: Ledger, spec: RunSpec): Promise<RunResult> {
  const { progress } = ledger;
  progress?.runStarted(spec);
  const t0 = performance.now();
  let result: RunResult;
  try {
    result = normalize(
      spec,
      await ledger.trainer.train(spec, ledger.data, (s, l) => progress?.update(s, l)),
    );
  } catch (e) {
    result = failedResult(spec, e, (performance.now() - t0) / 1000);
  }
  ledger.outcome.trained++;
  progress?.runFinished(result);
  return await record(ledger, spec, result);
}

async function trainGroup(ledger: Ledger, group: RunSpec[]): Promise<RunResult[]> {
  const { progress } = ledger;
  ledger.outcome.groups.push(group.length);
  progress?.runStarted(group[0], group.length);
  const t0 = performance.now();
  let raw: RunResult[];
  try {
    raw = await ledger.trainer.trainGroup(group, ledger.data, (member, step, loss) => {
      if (member === 0) progress?.update(step, loss);
    });
    if (raw.length !== group.length) {
      throw new Error(`the group trainer returned ${raw.length} results for ${group.length} runs`);
    }
  } catch (e) {
    const seconds = (performance.now() - t0) / 1000;
    raw = group.map((spec) => failedResult(spec, e, seconds));
  }
  const out: RunResult[] = [];
  for (const [m, spec] of group.entries()) {
    const result = normalize(spec, raw[m]);
    ledger.outcome.trained++;
    progress?.runFinished(result);
    out.push(await record(ledger, spec, result));
  }
  return out;
}

/**
 * The sweep's {@linkcode Evaluate}: with `--group 1` every run in order, one at a time; else the
 * runs to train in groups (see the module doc). Results come back in the order of `specs`.
 *
 * @example
 * ```ts
 * import { evaluator, type Ledger } from "./evaluate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunResult, RunSpec } from "../plan/types.ts";
 * const done = { spec: { id: "a", parameterization: "ngpt" }, status: "ok" } as RunResult;
 * const ledger = {
 *   config: { group: "auto" },
 *   finished: new Map([["a", done]]),
 *   byCanonical: new Map(),
 *   outcome: { trained: 0, reused: 0, alreadyDone: 0, groups: [] },
 * } as unknown as Ledger;
 * assertEquals(await evaluator(ledger)([{ id: "a" } as RunSpec]), [done]);
 * ```
 */
export function evaluator(ledger: Ledger): Evaluate {
  if (ledger.config.group === 1) {
    return async (specs) => {
      const out: RunResult[] = [];
      for (const spec of specs) {
        out.push(await lookUp(ledger, spec) ?? await trainOne(ledger, spec));
      }
      return out;
    };
  }
  return async (specs) => {
    const results: (RunResult | null)[] = [];
    for (const spec of specs) results.push(await lookUp(ledger, spec));
    // Train the rest; a run whose twin is among them waits for it (and is reused after).
    let todo = specs.map((_, i) => i).filter((i) => results[i] === null);
    const budget = ledger.config.group === "auto" ? groupBudgetBytes() : 0;
    while (todo.length > 0) {
      const seen = new Set<string>();
      const now = todo.filter((i) => {
        const canonical = canonicalId(specs[i]);
        if (seen.has(canonical)) return false;
        seen.add(canonical);
        return true;
      });
      const index = new Map(now.map((i) => [specs[i], i]));
      for (const group of planGroups(now.map((i) => specs[i]), ledger.config.group, budget)) {
        const trained = await trainGroup(ledger, group);
        group.forEach((spec, m) => results[index.get(spec)!] = trained[m]);
      }
      todo = todo.filter((i) => results[i] === null);
      for (const i of todo) results[i] = await lookUp(ledger, specs[i]);
      todo = todo.filter((i) => results[i] === null);
    }
    return results as RunResult[];
  };
}

/**
 * The group sizes in words for the closing line: `in 5 groups (3×4, 2×3)`; empty for none.
 *
 * @example
 * ```ts
 * import { describeGroups } from "./evaluate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(describeGroups([4, 3, 4, 4, 3]), "in 5 groups (3×4, 2×3)");
 * assertEquals(describeGroups([]), "");
 * ```
 */
export function describeGroups(sizes: readonly number[]): string {
  if (sizes.length === 0) return "";
  const count = new Map<number, number>();
  for (const n of sizes) count.set(n, (count.get(n) ?? 0) + 1);
  const parts = [...count].sort((a, b) => b[0] - a[0]).map(([n, k]) => `${k}×${n}`);
  return `in ${sizes.length} group${sizes.length === 1 ? "" : "s"} (${parts.join(", ")})`;
}
