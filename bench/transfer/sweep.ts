/**
 * Runs a sweep: plans it (grid or adaptive search, this shard only), skips runs already
 * finished in `OUT/results.jsonl` (`--resume`), reuses provably identical twins, trains the rest
 * with the injected {@linkcode Trainer}, and appends each result as it finishes. A trainer that
 * throws gives a `failed` result; the sweep goes on.
 *
 * @example
 * ```ts
 * import { runSweep } from "./sweep.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * import { parseCommand } from "./args.ts";
 * const cmd = parseCommand(["--out", await Deno.makeTempDir(), "--synthetic"]);
 * if (cmd.kind === "sweep") {
 *   const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 *   const { results } = await runSweep(cmd.config, { trainer: syntheticTrainer, data });
 * }
 * ```
 *
 * @module
 */
import type { SweepConfig } from "./args.ts";
import { canonicalId } from "./plan.ts";
import type { Progress } from "./progress.ts";
import { isFinished, latestById, openResults, readResults, resultsPath } from "./results.ts";
import { runPlan } from "./search.ts";
import type { Dataset, RunResult, RunSpec, Trainer } from "./types.ts";

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

/**
 * Runs the sweep described by `config` (see the module doc).
 *
 * @example
 * ```ts
 * import { runSweep } from "./sweep.ts";
 * import { parseCommand } from "./args.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * const cmd = parseCommand(["--out", await Deno.makeTempDir()]);
 * const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 * if (cmd.kind === "sweep") await runSweep(cmd.config, { trainer: syntheticTrainer, data });
 * ```
 */
export async function runSweep(
  config: SweepConfig,
  options: { trainer: Trainer; data: Dataset; progress?: Progress },
): Promise<SweepOutcome> {
  const { trainer, data, progress } = options;
  const existing = await readResults(config.out);
  if (existing.length > 0 && !config.resume) {
    throw new Error(
      `transfer: ${resultsPath(config.out)} already holds ${existing.length} runs; ` +
        `pass --resume to continue that sweep, or choose another --out`,
    );
  }
  const finished = new Map<string, RunResult>();
  const byCanonical = new Map<string, RunResult>();
  const remember = (r: RunResult) => {
    if (!isFinished(r)) return;
    finished.set(r.spec.id, r);
    if (!byCanonical.has(canonicalId(r.spec))) byCanonical.set(canonicalId(r.spec), r);
  };
  for (const r of latestById(existing).values()) remember(r);
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
