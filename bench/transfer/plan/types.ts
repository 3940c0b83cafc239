/**
 * The data types of the learning-rate-transfer sweep, and the one seam between the sweep tool
 * and the training code: a {@linkcode Trainer} is a function from one run's settings and the
 * data to that run's result. Everything else in `bench/transfer/` (planning, sharding, resume,
 * fitting, reports, plots) works on these plain objects and never touches tensors.
 *
 * @example
 * ```ts
 * import type { Trainer } from "./types.ts";
 * const fake: Trainer = (spec, _data, onProgress) => {
 *   onProgress(spec.steps, 1.5);
 *   return Promise.resolve({
 *     spec, status: "ok", finalValLoss: 1.5, curves: [], wallSeconds: 0, msPerStep: 0,
 *     backend: "none",
 *   });
 * };
 * ```
 *
 * @module
 */

/**
 * Which setting a sweep varies: a model dimension (width, depth), the training horizon (steps)
 * or the batch size (sequences per step).
 */
export type Axis = "width" | "depth" | "steps" | "batch";

/** The four axes, in the order the CLI lists them. */
export const AXES: readonly Axis[] = ["width", "depth", "steps", "batch"];

/**
 * The base model: the sizes at which every multiplier (mw, mL, mT) is 1, and, in a batch sweep,
 * the base batch size that the sweep's batch multipliers are measured from.
 */
export interface BaseModel {
  /** Base width d0. */
  width: number;
  /** Base depth L0. */
  depth: number;
  /** Base number of training steps T0. */
  steps: number;
  /**
   * Base batch size B0; present only when the sweep's axis is `batch` (so that the runs of the
   * other axes keep their ids and settings). No parameterization reads it: it anchors the
   * batch multiplier `B / B0` that lr* is fitted against.
   */
  batch?: number;
}

/**
 * One training run. `width`, `depth`, `steps` and `batch` are the run's actual settings; `size`
 * is the one of them that the sweep varies (`axis`). `parameterization` is a built-in name (`ngpt`,
 * `mup`, `nugpt`, `nugptPaper`) or a module reference `./file.ts#exportName` (see
 * `paramRef.ts`). Everything that can change the result is in `id` (see `plan.ts`); `backend`
 * and `evalEvery` are not.
 */
export interface RunSpec {
  /** Deterministic id: readable prefix plus a hash of every result-changing setting. */
  id: string;
  parameterization: string;
  axis: Axis;
  size: number;
  width: number;
  depth: number;
  steps: number;
  headSize: number;
  batch: number;
  seq: number;
  /** log2 of the base learning rate. */
  log2Lr: number;
  /** Seed of initialization and batch sampling. */
  seed: number;
  base: BaseModel;
  /** Name of the dataset (`brown` or the `--data` path). */
  dataset: string;
  /** Backend the trainer should use (`webgpu`, `cpu`, ...), or "" for the trainer's default. */
  backend: string;
  /** Steps of linear warm-up before the cosine decay (`--warmup`); absent for none. Part of `id`. */
  warmup?: number;
  /**
   * The update direction in place of Adam (`--optimizer adam-atan2`); absent for Adam, so that
   * Adam runs keep their ids. Part of `id`.
   */
  optimizer?: "adam-atan2";
  /** f16 mixed precision (`--precision f16`); absent for float32, so that its runs keep their ids. Part of `id`. */
  precision?: "f16";
  /** Compile the training step with `nu.jit` (false: `--no-jit`). Not part of `id`. */
  jit?: boolean;
  /** Evaluate on the fixed validation windows every this many steps. */
  evalEvery: number;
}

/** One point of a run's training curve. `valLoss` is present at evaluation steps. */
export interface CurvePoint {
  step: number;
  trainLoss: number;
  valLoss?: number;
}

/** The outcome of one run, as written (one JSON line) to `results.jsonl`. */
export interface RunResult {
  spec: RunSpec;
  /** `diverged`: loss NaN/Inf or far above its start; `failed`: the trainer threw. */
  status: "ok" | "diverged" | "failed";
  /** Loss on the whole held-out set at the last step; null unless `ok`. */
  finalValLoss: number | null;
  curves: CurvePoint[];
  wallSeconds: number;
  /** Median training-step time, excluding evaluation. */
  msPerStep: number;
  backend: string;
  /** The effective per-group multipliers the parameterization gave (free-form, for the record). */
  multipliers?: unknown;
  error?: string;
  /** Set when this result was copied from a provably identical run instead of trained. */
  reusedFrom?: string;
  /**
   * Every setting that changed this result besides its spec's point (see `identity.ts`); absent
   * in results written before settings were recorded.
   */
  settings?: SweepSettings;
}

/** A byte-level dataset: training and held-out bytes (vocabulary 256). */
export interface Dataset {
  name: string;
  train: Uint8Array;
  val: Uint8Array;
}

/** Called by a trainer now and then (never forcing a per-step readback) with the latest loss. */
export type ProgressCallback = (step: number, loss: number) => void;

/**
 * Trains one run. Must not throw for a diverged run (return `status: "diverged"`); a throw is
 * recorded as `failed` and the sweep goes on.
 */
export type Trainer = (
  spec: RunSpec,
  data: Dataset,
  onProgress: ProgressCallback,
) => Promise<RunResult>;

/** Progress of one member of a group: its index in the group, the step and the latest loss. */
export type GroupProgressCallback = (member: number, step: number, loss: number) => void;

/**
 * Trains a group of runs that share a model shape and schedule (they differ only in learning
 * rate and seed; see `run/grouping.ts`) and returns one result per run, in order, each the
 * result the {@linkcode Trainer} would give the run alone. A member that diverges is returned as
 * `diverged` and the others finish. A throw fails the whole group.
 */
export type GroupTrainer = (
  specs: RunSpec[],
  data: Dataset,
  onProgress: GroupProgressCallback,
) => Promise<RunResult[]>;

/** What a trainer says about itself: the parts of a run's identity only it knows. */
export interface TrainerIdentity {
  /** Training-code version (bump it when the training code changes results), e.g. `nugrad-1`. */
  code: string;
  /** The learning-rate schedule, in words. */
  schedule: string;
  /** Arithmetic precision, e.g. `float32`. */
  precision: string;
  /** The backend actually used when the sweep asks for the default (`--backend` unset). */
  defaultBackend: string;
  /** A fingerprint of what parameterization `name` computes (not just its name). */
  fingerprint(name: string): Promise<string>;
}

/** The settings of a sweep folder (see the module doc). */
export interface SweepSettings {
  code: string;
  schedule: string;
  precision: string;
  backend: string;
  /** How each step runs: `jit` (compiled by nu.jit) or `eager` (`--no-jit`). */
  compile: "jit" | "eager";
  /** The update direction (`--optimizer`); absent in folders made before the flag (Adam). */
  optimizer?: "adam" | "adam-atan2";
  /** `--warmup` as written (`0`, `20`, `10%`); absent in folders made before the flag (0). */
  warmup?: string;
  axis: Axis;
  /** The fixed dimensions; null for the one swept along `axis`. */
  width: number | null;
  depth: number | null;
  steps: number | null;
  headSize: number;
  base: BaseModel;
  /** Sequences per step; null when the sweep's axis is `batch`. */
  batch: number | null;
  seq: number;
  data: { name: string; bytes: number; sha256: string };
  /** Parameterization name → fingerprint of its definition. */
  params: Record<string, string>;
}

/** One difference between two settings: the flag (or setting) and both values. */
export interface SettingDifference {
  setting: string;
  /** The value in the folder (or first shard) already there. */
  was: string;
  /** The value in the command (or the other shard). */
  now: string;
}
