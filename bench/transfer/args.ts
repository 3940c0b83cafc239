/**
 * The sweep's command line, parsed with `parseArgs` from `bench/cli.ts` (the one module that
 * imports `node:util`'s; moving to `@std/cli` is a change to that file alone).
 *
 * `parseCommand(argv)` returns what to do: print help, run a sweep with a fully resolved
 * {@linkcode SweepConfig} (preset values overridden by explicit flags), or merge result folders.
 * Every error names the flag and the value.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cmd = parseCommand(["--axis", "width", "--sizes", "32,64", "--lrs", "-10:-6:1"]);
 * assertEquals(cmd.kind === "sweep" && cmd.config.lrs, [-10, -9, -8, -7, -6]);
 * ```
 *
 * @module
 */
import { parseArgs } from "../cli.ts";
import { type Preset, type PresetName, PRESETS } from "./presets.ts";
import { parseParamRef } from "./paramRef.ts";
import { AXES, type Axis, type BaseModel } from "./types.ts";

/** The update directions a sweep can train with (`--optimizer`). */
export const OPTIMIZERS = ["adam", "adam-atan2"] as const;
/** One of {@linkcode OPTIMIZERS}. */
export type OptimizerName = typeof OPTIMIZERS[number];

function parseOptimizer(text: string | undefined): OptimizerName {
  if (text === undefined) return "adam";
  if (!(OPTIMIZERS as readonly string[]).includes(text)) {
    throw new Error(`--optimizer '${text}': expected one of ${OPTIMIZERS.join(", ")}`);
  }
  return text as OptimizerName;
}

/** A warm-up: a number of steps, or a percentage of each run's steps (`{ percent }`). */
export type Warmup = { steps: number } | { percent: number };

/**
 * Parses `--warmup`: `N` steps or `P%` of each run's steps (`0` for none, the default).
 *
 * @example
 * ```ts
 * import { parseWarmup } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { warmupSteps } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { formatWarmup } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
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
}

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

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  preset: { type: "string" },
  search: { type: "string" },
  axis: { type: "string" },
  sizes: { type: "string" },
  "head-size": { type: "string" },
  width: { type: "string" },
  depth: { type: "string" },
  steps: { type: "string" },
  base: { type: "string" },
  lrs: { type: "string" },
  param: { type: "string" },
  batch: { type: "string" },
  seq: { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  backend: { type: "string" },
  "no-jit": { type: "boolean" },
  optimizer: { type: "string" },
  warmup: { type: "string" },
  shard: { type: "string" },
  resume: { type: "boolean" },
  "eval-every": { type: "string" },
  "signature-lr": { type: "string" },
  synthetic: { type: "boolean" },
  jobs: { type: "string" },
  "shard-count": { type: "string" },
  tasks: { type: "string" },
  array: { type: "string" },
  partition: { type: "string" },
  time: { type: "string" },
  account: { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

/** Flags of the `slurm` subcommand only. */
const SLURM_FLAGS = ["tasks", "array", "partition", "time", "account", "dry-run"] as const;

/** Every long flag the sweep accepts (without the leading dashes). */
export const FLAG_NAMES: readonly string[] = Object.keys(OPTIONS);

/** The `--help` text: every flag, its default and an example. */
export const HELP = `nugrad learning-rate-transfer sweep

Usage:
  deno task transfer [flags]                 run (or --resume) a sweep
  deno task transfer merge DIR... [--out D] [--signature-lr X]
                                             combine shard folders into one summary
  deno task transfer slurm --tasks N --out D [sweep flags] [--partition P] [--time T]
                           [--account A] [--array LIST] [--dry-run]
                                             submit the sweep as a Slurm array of N tasks
                                             (D/shard-i) and a merge job into D

A sweep trains one model per (parameterization, size, base lr, seed), appends each finished run
to OUT/results.jsonl, then writes OUT/summary.json, OUT/report.md and OUT/*.svg.

Flags (defaults are the quick preset's unless noted):
  --preset quick|reference|full
                         quick: widths 16,32,64 (head size 16), seq 32, 200 steps, 1 seed,
                         ngpt+nugpt, two shard processes, ~1 min on 2 CPU cores; reference (the
                         demo): widths 32,64,128 (head size 32), seq 64, 300 steps, 1 seed, ~7 min;
                         full: widths 32..256 (head size 32), seq 64, 500 steps, 2 seeds,
                         ngpt+mup+nugpt
  --axis width|depth|steps   dimension to sweep (default width)
  --sizes 32,64,128      widths, depths or step counts along --axis
  --head-size N          head size; width grows by adding heads (default 16; full: 32)
  --width N              width when --axis is depth or steps (default 32)
  --depth N              depth (number of blocks) when --axis is not depth (default 2)
  --steps N              training steps when --axis is not steps (default 200)
  --base N | width=W,depth=L,steps=T
                         base model where every multiplier is 1; a number sets the base along
                         --axis (default: the smallest size; other dims: --width/--depth/--steps)
  --lrs A:B:S | x,y,...  log2 base learning rates: A to B by S octaves, or a list
                         (default -9:-3:1; with --search adaptive, the coarse grid)
  --search adaptive|grid adaptive: coarse pass, then half-octave refinement around each curve's
                         best point, each size starting from its neighbour's optimum (default);
                         grid: every point of --lrs at every size
  --param a,b,...        parameterizations: ngpt, mup, nugpt, nugptPaper, or a module
                         ./my_param.ts#myParam (default ngpt,nugpt)
  --batch N              sequences per step (default 16)
  --seq N                sequence length in bytes (default 32; full: 64)
  --seed N               first seed (default 0)
  --seeds N              seeds per point; lr* is fitted on the seed-mean loss (default 1)
  --data FILE            train on a UTF-8 text file (last 5 % held out) instead of the Brown
                         corpus (every 20th file held out)
  --out DIR              output folder (default ${DEFAULT_OUT})
  --backend NAME         backend for the trainer, e.g. webgpu or cpu (default: the trainer's)
  --no-jit               run every training step op by op instead of compiled by nu.jit (the
                         same results to f32 rounding, slower; for comparison)
  --warmup N | P%         linear warm-up before the cosine decay: N steps, or P % of each run's
                         steps (default 0: none, as the spec trains)
  --optimizer adam|adam-atan2
                         update direction: Adam (the spec's, default) or Adam-atan2 (no epsilon;
                         optim.scaleByAdamAtan2 with the spec's b1, b2)
  --shard i/n | auto     run only shard i of n (0 <= i < n); combine the n folders with merge.
                         auto: i from SLURM_ARRAY_TASK_ID (n: SLURM_ARRAY_TASK_COUNT, or
                         SLURM_ARRAY_TASK_MAX + 1) or a Kubernetes Indexed Job's
                         JOB_COMPLETION_INDEX (n: --shard-count or NUGRAD_SHARD_COUNT)
  --shard-count N        the number of shards for --shard auto (overrides the environment)
  --jobs N               run N shards as parallel processes (one core each; OUT/shard-i/),
                         then merge them into OUT (default: the preset's, quick 2, full 1)
  --resume               continue a sweep in OUT: skip finished runs, re-run failed ones;
                         refused when OUT was made with other settings (steps, data, ...)
  --eval-every K         evaluate on the fixed validation windows every K steps (default 50)
  --signature-lr X       log2 lr of the high-learning-rate signature, or "off" (default -4;
                         full: -5)
  --synthetic            use a synthetic loss instead of training (checks the pipeline)
  -h, --help             this text

Slurm (transfer slurm): writes D/slurm/sweep.sbatch (one array task per shard, each into
D/shard-i with --shard auto --resume) and D/slurm/merge.sbatch, then submits them with
sbatch --array=0-(N-1) and sbatch --dependency=afterok:<array job>.
  --tasks N              number of array tasks (shards)
  --partition P          sbatch --partition (default: the cluster's)
  --time T               sbatch --time per task, e.g. 2:00:00
  --account A            sbatch --account
  --array LIST           submit only these task indices, e.g. 1 or 0,2 (resubmits them; their
                         finished runs are kept), then a new merge job
  --dry-run              write the scripts, print the sbatch lines, submit nothing

Examples:
  deno task transfer --preset quick
  deno task transfer --axis width --sizes 32,64,128,256 --lrs=-12:-4:1 --seeds 2 --out out/w
  deno task transfer --preset full --shard 0/4 --out out/s0   (and 1/4, 2/4, 3/4)
  deno task transfer merge out/s0 out/s1 out/s2 out/s3 --out out/full
  deno task transfer slurm --tasks 8 --preset full --out /shared/full --partition gpu
`;

/** Node's parseArgs rejects `--lrs -12:-4:1` as ambiguous; glue negative numbers to the flag. */
function glueNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : "";
    const opt = (OPTIONS as Record<string, { type: string }>)[name];
    const next = argv[i + 1];
    if (opt?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

function readArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: glueNegativeValues(argv),
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(-[^' ]+)/.exec(msg)?.[1] ?? "";
    const code = (e as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new Error(`transfer: unknown flag ${flag} (see --help)`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const kind = msg.includes("does not take") ? "takes no value" : "needs a value";
      throw new Error(`transfer: flag ${flag} ${kind} (see --help)`);
    }
    throw new Error(`transfer: ${msg}`);
  }
}

/**
 * Parses a log2 learning-rate grid: `A:B:S` (A to B inclusive by S > 0) or a comma list.
 *
 * @example
 * ```ts
 * import { parseGrid } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseGrid("-12:-10:0.5"), [-12, -11.5, -11, -10.5, -10]);
 * ```
 */
export function parseGrid(text: string, flag = "--lrs"): number[] {
  const bad = (why: string) => new Error(`${flag} '${text}': ${why} (want A:B:S or x,y,z)`);
  if (text.includes(":")) {
    const parts = text.split(":");
    if (parts.length !== 3) throw bad("a range has three parts");
    const [a, b, s] = parts.map((p) => parseNumber(p, flag, text));
    if (!(s > 0)) throw bad("the step must be > 0");
    if (b < a) throw bad("the end is below the start");
    const n = Math.floor((b - a) / s + 1e-9);
    if (n > 1000) throw bad("more than 1000 points");
    return Array.from({ length: n + 1 }, (_, i) => roundGrid(a + i * s));
  }
  const values = text.split(",").map((p) => parseNumber(p, flag, text));
  if (new Set(values).size !== values.length) throw bad("repeated values");
  return values.sort((x, y) => x - y);
}

/**
 * Rounds to 1e-9 so that grid arithmetic gives stable ids (-9.5, not -9.499999999).
 *
 * @example
 * ```ts
 * import { roundGrid } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(roundGrid(-9.499999999999), -9.5);
 * ```
 */
export function roundGrid(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

function parseNumber(p: string, flag: string, whole: string): number {
  const v = p.trim() === "" ? NaN : Number(p);
  if (!Number.isFinite(v)) throw new Error(`${flag} '${whole}': '${p}' is not a number`);
  return v;
}

function parseSignature(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  return text === "off" ? null : parseNumber(text, "--signature-lr", text);
}

function parseInteger(text: string, flag: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`${flag} '${text}': expected an integer >= ${min}`);
  }
  return v;
}

/**
 * Parses `--shard i/n` (0-based: 0 <= i < n).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { parseShard } from "./args.ts";
 * assertEquals(parseShard("2/4"), { index: 2, count: 4 });
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new Error(`--shard '${text}': expected i/n with 0 <= i < n, e.g. 0/4, or auto`);
  }
  return { index, count };
}

/**
 * `--shard auto`: this process's shard from the environment of a Slurm array task
 * (`SLURM_ARRAY_TASK_ID`; the count from `countFlag`, `NUGRAD_SHARD_COUNT`,
 * `SLURM_ARRAY_TASK_COUNT` or `SLURM_ARRAY_TASK_MAX + 1`, in that order) or of a Kubernetes
 * Indexed Job (`JOB_COMPLETION_INDEX`; the count from `countFlag` or `NUGRAD_SHARD_COUNT`).
 * Throws naming the variables and values when there is no shard or it is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { autoShard } from "./args.ts";
 * const env = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" };
 * assertEquals(autoShard(undefined, (k) => env[k as keyof typeof env]), { index: 2, count: 4 });
 * const k8s = { JOB_COMPLETION_INDEX: "1" };
 * assertEquals(autoShard("3", (k) => k8s[k as keyof typeof k8s]), { index: 1, count: 3 });
 * ```
 */
export function autoShard(
  countFlag: string | undefined,
  env: EnvReader,
): { index: number; count: number } {
  const given = countFlag ?? env("NUGRAD_SHARD_COUNT");
  const givenName = countFlag !== undefined ? "--shard-count" : "NUGRAD_SHARD_COUNT";
  const slurm = env("SLURM_ARRAY_TASK_ID");
  const k8s = env("JOB_COMPLETION_INDEX");
  let indexName: string;
  let indexText: string;
  let countName: string;
  let countText: string | undefined;
  if (slurm !== undefined) {
    indexName = "SLURM_ARRAY_TASK_ID";
    indexText = slurm;
    const max = env("SLURM_ARRAY_TASK_MAX");
    const fromSlurm = env("SLURM_ARRAY_TASK_COUNT") ??
      (max !== undefined && env("SLURM_ARRAY_TASK_MIN") === "0"
        ? String(Number(max) + 1)
        : undefined);
    countName = given !== undefined ? givenName : "SLURM_ARRAY_TASK_COUNT";
    countText = given ?? fromSlurm;
  } else if (k8s !== undefined) {
    indexName = "JOB_COMPLETION_INDEX";
    indexText = k8s;
    countName = givenName;
    countText = given;
    if (countText === undefined) {
      throw new Error(
        `--shard auto: JOB_COMPLETION_INDEX=${k8s} but no shard count; pass --shard-count N ` +
          `or set NUGRAD_SHARD_COUNT to the Indexed Job's completions`,
      );
    }
  } else {
    throw new Error(
      "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm array task) nor " +
        "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard i/n instead",
    );
  }
  if (countText === undefined) {
    throw new Error(
      `--shard auto: ${indexName}=${indexText} but no task count (SLURM_ARRAY_TASK_COUNT, ` +
        `or SLURM_ARRAY_TASK_MIN=0 with SLURM_ARRAY_TASK_MAX); pass --shard-count N`,
    );
  }
  const index = Number(indexText);
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`--shard auto: ${countName}='${countText}' is not a count >= 1`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(
      `--shard auto: ${indexName}=${indexText} is not in 0..${count - 1} ` +
        `(${countName}=${countText}); number the tasks from 0, e.g. sbatch --array=0-${count - 1}`,
    );
  }
  return { index, count };
}

function parseIndices(text: string, tasks: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const a = m ? Number(m[1]) : NaN;
    const b = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || b < a || b >= tasks) {
      throw new Error(
        `--array '${text}': expected task indices in 0..${tasks - 1} (--tasks ${tasks}), ` +
          `e.g. 1 or 0,2 or 0-3`,
      );
    }
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** The argv without its first positional and the flags (and their values) named in `drop`. */
function withoutFlags(argv: readonly string[], drop: readonly string[]): string[] {
  const kept: string[] = [];
  let positionalDropped = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") ? a.slice(2).split("=")[0] : "";
    const opt = (OPTIONS as Record<string, { type: string }>)[name];
    const takesNext = opt?.type === "string" && !a.includes("=");
    if (drop.includes(name)) {
      if (takesNext) i++;
      continue;
    }
    if (!positionalDropped && !a.startsWith("-")) {
      positionalDropped = true;
      continue;
    }
    kept.push(a);
    if (takesNext && i + 1 < argv.length) kept.push(argv[++i]);
  }
  return kept;
}

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((p) => parseInteger(p.trim(), "--sizes", 1));
  if (new Set(sizes).size !== sizes.length) throw new Error(`--sizes '${text}': repeated sizes`);
  return sizes.sort((a, b) => a - b);
}

function parseBase(text: string | undefined, axis: Axis, fixed: BaseModel, sizes: number[]) {
  const base: BaseModel = { ...fixed, [axis]: sizes[0] };
  if (text === undefined) return base;
  if (/^\d+$/.test(text)) return { ...base, [axis]: parseInteger(text, "--base", 1) };
  for (const part of text.split(",")) {
    const m = /^(width|depth|steps)=(\d+)$/.exec(part.trim());
    if (!m) {
      throw new Error(`--base '${text}': expected N or width=W,depth=L,steps=T (bad: '${part}')`);
    }
    base[m[1] as Axis] = parseInteger(m[2], "--base", 1);
  }
  return base;
}

/**
 * Parses the command line (without the program name).
 *
 * @example
 * ```ts
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cmd = parseCommand(["merge", "out/a", "out/b"]);
 * assertEquals(cmd.kind === "merge" && [cmd.dirs, cmd.out], [["out/a", "out/b"], "out/transfer-merged"]);
 * ```
 */
export function parseCommand(
  argv: readonly string[],
  options: { env?: EnvReader } = {},
): Command {
  const { values: v, positionals } = readArgs(argv);
  if (v.help) return { kind: "help" };
  const env: EnvReader = options.env ?? ((name) => Deno.env.get(name));
  if (positionals[0] === "slurm") return parseSlurm(argv, v, positionals);
  for (const flag of SLURM_FLAGS) {
    if (v[flag] !== undefined) {
      throw new Error(`--${flag} is a flag of 'transfer slurm' (see --help)`);
    }
  }
  if (positionals[0] === "merge") {
    const dirs = positionals.slice(1);
    if (dirs.length === 0) throw new Error("transfer merge: name at least one folder");
    return {
      kind: "merge",
      dirs,
      out: v.out ?? `${DEFAULT_OUT}-merged`,
      signatureLog2Lr: parseSignature(v["signature-lr"], PRESETS.quick.signatureLog2Lr),
    };
  }
  if (positionals.length > 0) {
    throw new Error(`transfer: unexpected argument '${positionals[0]}' (see --help)`);
  }
  if (v["shard-count"] !== undefined && v.shard !== "auto") {
    throw new Error(`--shard-count '${v["shard-count"]}' goes with --shard auto`);
  }
  const presetName = (v.preset ?? "quick") as PresetName;
  if (!(presetName in PRESETS)) {
    throw new Error(`--preset '${v.preset}': expected quick, reference or full`);
  }
  const p: Preset = PRESETS[presetName];
  const axis = (v.axis ?? "width") as Axis;
  if (!AXES.includes(axis)) throw new Error(`--axis '${v.axis}': expected width, depth or steps`);
  const search = v.search ?? p.search;
  if (search !== "adaptive" && search !== "grid") {
    throw new Error(`--search '${search}': expected adaptive or grid`);
  }
  const int = (text: string | undefined, flag: string, fallback: number, min = 1) =>
    text === undefined ? fallback : parseInteger(text, flag, min);
  const headSize = int(v["head-size"], "--head-size", p.headSize);
  const sizes = v.sizes !== undefined ? parseSizes(v.sizes) : p.sizes[axis];
  const fixed = {
    width: int(v.width, "--width", p.width),
    depth: int(v.depth, "--depth", p.depth),
    steps: int(v.steps, "--steps", p.steps),
  };
  const widths = axis === "width" ? sizes : [fixed.width];
  for (const w of widths) {
    if (w % headSize !== 0) {
      throw new Error(`--sizes/--width: width ${w} is not a multiple of --head-size ${headSize}`);
    }
  }
  const lrText = v.lrs ?? p.lrs;
  const lrs = parseGrid(lrText);
  const lrStep = lrText.includes(":")
    ? Number(lrText.split(":")[2])
    : Math.min(1, ...lrs.slice(1).map((x, i) => x - lrs[i]));
  const params = (v.param ?? p.params.join(",")).split(",").map((s) => s.trim());
  params.forEach(parseParamRef);
  if (new Set(params).size !== params.length) throw new Error(`--param '${v.param}': repeated`);
  return {
    kind: "sweep",
    config: {
      preset: presetName,
      search,
      axis,
      sizes,
      ...fixed,
      headSize,
      base: parseBase(v.base, axis, fixed, sizes),
      lrs,
      lrStep,
      params,
      batch: int(v.batch, "--batch", p.batch),
      seq: int(v.seq, "--seq", p.seq),
      seed: int(v.seed, "--seed", 0, -(2 ** 31)),
      seeds: int(v.seeds, "--seeds", p.seeds),
      data: v.data ?? null,
      out: v.out ?? DEFAULT_OUT,
      backend: v.backend ?? "",
      jit: !(v["no-jit"] ?? false),
      optimizer: parseOptimizer(v.optimizer),
      warmup: parseWarmup(v.warmup),
      shard: v.shard === undefined
        ? null
        : v.shard === "auto"
        ? autoShard(v["shard-count"], env)
        : parseShard(v.shard),
      resume: v.resume ?? false,
      evalEvery: int(v["eval-every"], "--eval-every", p.evalEvery),
      signatureLog2Lr: parseSignature(v["signature-lr"], p.signatureLog2Lr),
      synthetic: v.synthetic ?? false,
      jobs: v.shard !== undefined ? 1 : int(v.jobs, "--jobs", p.jobs),
    },
  };
}

function parseSlurm(
  argv: readonly string[],
  v: ReturnType<typeof readArgs>["values"],
  positionals: string[],
): Command {
  if (positionals.length > 1) {
    throw new Error(`transfer slurm: unexpected argument '${positionals[1]}' (see --help)`);
  }
  for (const flag of ["shard", "shard-count", "jobs"] as const) {
    if (v[flag] !== undefined) {
      throw new Error(
        `transfer slurm: --${flag} is set by the job script (each array task runs one shard)`,
      );
    }
  }
  if (v.tasks === undefined) throw new Error("transfer slurm: --tasks N is required");
  if (v.out === undefined) {
    throw new Error("transfer slurm: --out DIR is required (a folder every node can reach)");
  }
  const tasks = parseInteger(v.tasks, "--tasks", 1);
  const sweepArgs = withoutFlags(
    argv,
    [...SLURM_FLAGS, "out", "resume"],
  );
  const inner = parseCommand(sweepArgs, { env: () => undefined });
  if (inner.kind !== "sweep") throw new Error("transfer slurm: expected sweep flags");
  return {
    kind: "slurm",
    config: { ...inner.config, out: v.out },
    sweepArgs,
    slurm: {
      tasks,
      indices: v.array === undefined
        ? Array.from({ length: tasks }, (_, i) => i)
        : parseIndices(v.array, tasks),
      partition: v.partition ?? null,
      time: v.time ?? null,
      account: v.account ?? null,
      dryRun: v["dry-run"] ?? false,
    },
  };
}
