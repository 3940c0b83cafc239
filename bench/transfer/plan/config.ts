/**
 * The sweep's configuration types ({@linkcode SweepConfig}, {@linkcode Command}) and the small
 * settings they hold that other rooms compute with (optimizer names, warm-up).
 *
 * @example
 * ```ts
 * import { formatWarmup, parseWarmup } from "./config.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(formatWarmup(parseWarmup("10%")), "10%");
 * ```
 *
 * @module
 */
import type { Axis, BaseModel } from "./types.ts";
import type { PresetName } from "./presets.ts";

/** The update directions a sweep can train with (`--optimizer`). */
export const OPTIMIZERS = ["adam", "adam-atan2"] as const;
/** One of {@linkcode OPTIMIZERS}. */
export type OptimizerName = typeof OPTIMIZERS[number];

/**
 * Parses `--optimizer` (default Adam).
 *
 * @example
 * ```ts
 * import { parseOptimizer } from "./config.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseOptimizer(undefined), "adam");
 * ```
 */
export function parseOptimizer(text: string | undefined): OptimizerName {
  return parseChoice("--optimizer", text, OPTIMIZERS);
}

/** The precisions a sweep can train in (`--precision`): float32, or f16 mixed precision. */
export const PRECISIONS = ["f32", "f16"] as const;
/** One of {@linkcode PRECISIONS}. */
export type PrecisionName = typeof PRECISIONS[number];

/**
 * Parses `--precision` (default f32).
 *
 * @example
 * ```ts
 * import { parsePrecision } from "./config.ts";
 * import { assertEquals, assertThrows } from "../../../testing/assert.ts";
 * assertEquals([parsePrecision(undefined), parsePrecision("f16")], ["f32", "f16"]);
 * assertThrows(() => parsePrecision("f8"), "--precision 'f8': expected one of f32, f16");
 * ```
 */
export function parsePrecision(text: string | undefined): PrecisionName {
  return parseChoice("--precision", text, PRECISIONS);
}

/** `text` as one of `choices` (the first when absent), or an error naming `flag` and them. */
function parseChoice<C extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly C[],
): C {
  if (text === undefined) return choices[0];
  if (!(choices as readonly string[]).includes(text)) {
    throw new Error(`${flag} '${text}': expected one of ${choices.join(", ")}`);
  }
  return text as C;
}

/** A warm-up: a number of steps, or a percentage of each run's steps (`{ percent }`). */
export type Warmup = { steps: number } | { percent: number };

/**
 * Parses `--warmup`: `N` steps or `P%` of each run's steps (`0` for none, the default).
 *
 * @example
 * ```ts
 * import { parseWarmup } from "./config.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals([parseWarmup(undefined), parseWarmup("20"), parseWarmup("10%")],
 *   [{ steps: 0 }, { steps: 20 }, { percent: 10 }]);
 * ```
 */
export function parseWarmup(text: string | undefined): Warmup {
  if (text === undefined) return { steps: 0 };
  const percent = /^(\d+(\.\d+)?)%$/.exec(text);
  if (percent && Number(percent[1]) < 100) return { percent: Number(percent[1]) };
  if (/^\d+$/.test(text)) return { steps: Number(text) };
  throw new Error(
    `--warmup '${text}': expected a number of steps (e.g. 20) or a share of the steps below 100 % ` +
      `(e.g. 10%)`,
  );
}

/**
 * The warm-up steps of a run of `steps` steps (a percentage rounds to the nearest step); throws
 * when they would not leave a step of decay.
 *
 * @example
 * ```ts
 * import { warmupSteps } from "./config.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals([warmupSteps({ percent: 10 }, 150), warmupSteps({ steps: 20 }, 150)], [15, 20]);
 * ```
 */
export function warmupSteps(warmup: Warmup, steps: number): number {
  const n = "steps" in warmup ? warmup.steps : Math.round((warmup.percent / 100) * steps);
  if (n >= steps) {
    throw new Error(
      `--warmup ${formatWarmup(warmup)}: ${n} steps leave no decay in a ${steps}-step run`,
    );
  }
  return n;
}

/**
 * `--warmup`'s value as the user writes it (`0`, `20`, `10%`).
 *
 * @example
 * ```ts
 * import { formatWarmup } from "./config.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(formatWarmup({ percent: 10 }), "10%");
 * ```
 */
export function formatWarmup(warmup: Warmup): string {
  return "steps" in warmup ? String(warmup.steps) : `${warmup.percent}%`;
}

/** A fully resolved sweep configuration. */
export interface SweepConfig {
  preset: PresetName;
  search: "adaptive" | "grid";
  axis: Axis;
  sizes: number[];
  width: number;
  depth: number;
  steps: number;
  headSize: number;
  base: BaseModel;
  /** log2 learning rates: the grid (or the coarse grid of the adaptive search), ascending. */
  lrs: number[];
  /** Spacing of the coarse grid in octaves (refinement uses half of it). */
  lrStep: number;
  params: string[];
  batch: number;
  seq: number;
  seed: number;
  seeds: number;
  /** `--data` path, or null for the embedded Brown corpus. */
  data: string | null;
  out: string;
  backend: string;
  /** Compile each training step with `nu.jit` (default true; `--no-jit` turns it off). */
  jit: boolean;
  /** The update direction: Adam (the spec's) or Adam-atan2 (`--optimizer`). */
  optimizer: OptimizerName;
  /** f32, or f16 mixed precision (`--precision`; f16 activations and gradients, f32 master weights). */
  precision?: PrecisionName;
  /** Linear warm-up before the cosine decay (`--warmup`): none, a step count or a share of steps. */
  warmup: Warmup;
  shard: { index: number; count: number } | null;
  resume: boolean;
  evalEvery: number;
  /** log2 lr of the high-learning-rate signature, or null for none. */
  signatureLog2Lr: number | null;
  /** Use the synthetic trainer (a parabola in log2 lr): checks the pipeline, trains nothing. */
  synthetic: boolean;
  /** Run this many shards as parallel child processes, then merge (1: run in this process). */
  jobs: number;
  /**
   * `--group`: how many runs of one model shape and schedule train together (`nn.trainGroup`);
   * `auto` bounds the group by a memory budget; 1 trains one run at a time.
   */
  group: GroupSetting;
}

/** `--group`: a fixed group size (1: one run at a time), or `auto` (bounded by memory). */
export type GroupSetting = "auto" | number;

/** Options of the `slurm` subcommand (see `slurm.ts`). */
export interface SlurmOptions {
  /** Number of array tasks (shards). */
  tasks: number;
  /** Indices to submit (default all: `0..tasks-1`); a subset resubmits those tasks. */
  indices: number[];
  partition: string | null;
  /** Time limit per task, in Slurm's format (e.g. `2:00:00`). */
  time: string | null;
  account: string | null;
  /** Write the scripts and print the `sbatch` lines without submitting. */
  dryRun: boolean;
}

/** What the command line asks for. */
export type Command =
  | { kind: "help" }
  | { kind: "sweep"; config: SweepConfig }
  | { kind: "merge"; dirs: string[]; out: string; signatureLog2Lr: number | null }
  | {
    kind: "slurm";
    /** The sweep every task runs (its `shard` is null: each task takes its own). */
    config: SweepConfig;
    /** The sweep's flags as given, without `--out`, `--shard`, `--jobs`, `--resume`. */
    sweepArgs: string[];
    slurm: SlurmOptions;
  };

/** Reads an environment variable (tests pass their own). */
export type EnvReader = (name: string) => string | undefined;

/** Default output folder of a sweep (and of `merge` without `--out`: `<this>-merged`). */
export const DEFAULT_OUT = "out/transfer";
