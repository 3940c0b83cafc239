/**
 * The sweep's flags as `parseArgs` reads them: the flag table, the `--help` text, and the raw
 * reading of an argv (unknown flags and missing values refused, naming the flag).
 *
 * @example
 * ```ts
 * import { FLAG_NAMES, readArgs } from "./flags.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(FLAG_NAMES.includes("lrs"), true);
 * assertEquals(readArgs(["--lrs", "-3:-1:1"]).values.lrs, "-3:-1:1");
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import { DEFAULT_OUT } from "./config.ts";

/** Every flag the sweep reads, with its `parseArgs` type. */
export const OPTIONS = {
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
  precision: { type: "string" },
  warmup: { type: "string" },
  shard: { type: "string" },
  resume: { type: "boolean" },
  "eval-every": { type: "string" },
  "signature-lr": { type: "string" },
  synthetic: { type: "boolean" },
  jobs: { type: "string" },
  group: { type: "string" },
  "shard-count": { type: "string" },
  tasks: { type: "string" },
  array: { type: "string" },
  partition: { type: "string" },
  time: { type: "string" },
  account: { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

/** Flags of the `slurm` subcommand only. */
export const SLURM_FLAGS = ["tasks", "array", "partition", "time", "account", "dry-run"] as const;

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
  --axis width|depth|steps|batch
                         what to sweep: model width, depth, training steps, or batch size
                         (sequences per step; no parameterization scales with it, so a batch
                         sweep measures how far lr* moves when only the batch changes)
                         (default width)
  --sizes 32,64,128      widths, depths, step counts or batch sizes along --axis
                         (quick: widths 16,32,64, depths 1,2,4, steps 100,200,400, batches 8,16,32)
  --head-size N          head size; width grows by adding heads (default 16; full: 32)
  --width N              width when --axis is depth or steps (default 32)
  --depth N              depth (number of blocks) when --axis is not depth (default 2)
  --steps N              training steps when --axis is not steps (default 200)
  --base N | width=W,depth=L,steps=T[,batch=B]
                         base model where every multiplier is 1; a number sets the base along
                         --axis (default: the smallest size; other dims: --width/--depth/--steps);
                         batch=B only with --axis batch
  --lrs A:B:S | x,y,...  log2 base learning rates: A to B by S octaves, or a list
                         (default -9:-3:1; with --search adaptive, the coarse grid)
  --search adaptive|grid adaptive: coarse pass, then half-octave refinement around each curve's
                         best point, each size starting from its neighbour's optimum (default);
                         grid: every point of --lrs at every size
  --param a,b,...        parameterizations: ngpt, mup, nugpt, nugptPaper, or a module
                         ./my_param.ts#myParam (default ngpt,nugpt)
  --batch N              sequences per step when --axis is not batch (default 16)
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
  --precision f32|f16      f16: mixed precision (f16 activations and gradients, f32 weights and
                          optimizer state, loss scale 1024); part of each run's id
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
  --group auto|N|1       train runs that share a model shape and schedule (parameterization,
                         width, depth, steps, recipe, seq, batch, data) together with
                         nn.trainGroup, N at a time (per-member lr and seed); auto: as many as
                         fit a memory budget (NUGRAD_GROUP_BUDGET_MB, default a quarter of free
                         memory, at most 2 GiB); 1: one run at a time (default auto)
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
  deno task transfer --axis batch --sizes 8,16,32 --param ngpt,nugpt --out out/b
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

/**
 * Reads `argv` with `parseArgs` (strict; negative numbers glued to their flag); errors name
 * the flag.
 *
 * @example
 * ```ts
 * import { readArgs } from "./flags.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(() => readArgs(["--nope"]), "unknown flag --nope");
 * ```
 */
export function readArgs(argv: readonly string[]) {
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
 * The argv without its first positional and the flags (and their values) named in `drop`.
 *
 * @example
 * ```ts
 * import { withoutFlags } from "./flags.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(withoutFlags(["slurm", "--tasks", "2", "--seeds", "3"], ["tasks"]), ["--seeds", "3"]);
 * ```
 */
export function withoutFlags(argv: readonly string[], drop: readonly string[]): string[] {
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
