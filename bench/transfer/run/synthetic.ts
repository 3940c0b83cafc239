/**
 * A synthetic {@linkcode Trainer} for tests and `--synthetic`: no tensors, a loss that is a
 * parabola in log2 lr whose vertex moves with the size multiplier at a per-parameterization rate
 * (nGPT −0.9, μP −0.5, νGPT −0.1 octave per doubling; others −0.3), a floor that falls with size,
 * a deterministic ±0.002 jitter from the seed, and divergence 4.5 octaves above the vertex. It
 * honours the one identity the planner relies on: νGPT equals nGPT at the base model.
 *
 * @example
 * ```ts
 * import { syntheticVertex } from "./synthetic.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * assertClose(syntheticVertex("ngpt", 1), -8.9); // one doubling above the base
 * ```
 *
 * @module
 */
import type { TrainerIdentity } from "../plan/types.ts";
import { fnv1a } from "../plan/run_list.ts";
import type { RunResult, RunSpec, Trainer } from "../plan/types.ts";
import { baseAlong } from "../plan/axes.ts";

/** Octaves the synthetic optimum moves per doubling of the size, per parameterization. */
export const SYNTHETIC_DRIFT: Readonly<Record<string, number>> = {
  ngpt: -0.9,
  mup: -0.5,
  nugpt: -0.1,
};

/**
 * The synthetic log2 lr* at log2 size multiplier `log2Multiplier`.
 *
 * @example
 * ```ts
 * import { syntheticVertex } from "./synthetic.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * assertClose(syntheticVertex("nugpt", 2), -8.2);
 * ```
 */
export function syntheticVertex(parameterization: string, log2Multiplier: number): number {
  return -8 + (SYNTHETIC_DRIFT[parameterization] ?? -0.3) * log2Multiplier;
}

/**
 * The synthetic final loss of a run, or null when it diverges.
 *
 * @example
 * ```ts
 * import { syntheticLoss } from "./synthetic.ts";
 * ```
 */
export function syntheticLoss(spec: RunSpec): number | null {
  const m = Math.log2(spec.size / baseAlong(spec.base, spec.axis));
  const vertex = syntheticVertex(spec.parameterization, m);
  if (spec.log2Lr - vertex > 4.5) return null;
  const jitter = parseInt(fnv1a(`${spec.seed}/${spec.size}/${spec.log2Lr}`), 16) / 2 ** 32 - 0.5;
  return 1.5 - 0.1 * m + 0.08 * (spec.log2Lr - vertex) ** 2 + 0.004 * jitter;
}

/**
 * The synthetic trainer: reports progress at every evaluation step and returns at once.
 *
 * @example
 * ```ts
 * import { syntheticTrainer } from "./synthetic.ts";
 * ```
 */
export const syntheticTrainer: Trainer = (spec, _data, onProgress) => {
  const final = syntheticLoss(spec);
  const curves: RunResult["curves"] = [];
  const start = 5.5;
  for (let step = spec.evalEvery; step <= spec.steps; step += spec.evalEvery) {
    const t = step / spec.steps;
    const loss = final === null ? start + 10 * t : start + (final - start) * Math.sqrt(t);
    curves.push({ step, trainLoss: loss, valLoss: loss });
    onProgress(step, loss);
  }
  return Promise.resolve({
    spec,
    status: final === null ? "diverged" : "ok",
    finalValLoss: final,
    curves,
    wallSeconds: 0,
    msPerStep: 0,
    backend: "synthetic",
    multipliers: { note: "synthetic trainer: no model" },
  });
};

/**
 * The synthetic trainer's part of a run's settings: its loss depends on a parameterization's
 * name only, so the name is the fingerprint.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { syntheticIdentity } from "./synthetic.ts";
 * assertEquals(await syntheticIdentity.fingerprint("ngpt"), "synthetic:ngpt");
 * ```
 */
export const syntheticIdentity: TrainerIdentity = {
  code: "synthetic-1",
  schedule: "none (synthetic)",
  precision: "float64",
  defaultBackend: "none",
  fingerprint: (name) => Promise.resolve(`synthetic:${name}`),
};
