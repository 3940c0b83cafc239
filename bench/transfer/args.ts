/**
 * The sweep's command line. This is the ONE module that wraps `node:util`'s `parseArgs`
 * (Deno's built-in Node compatibility; JSR's `@std/cli` is not reachable everywhere): moving to
 * `@std/cli` is a change to this file alone.
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
import { parseArgs } from "node:util";
import { type Preset, type PresetName, PRESETS } from "./presets.ts";
import { parseParamRef } from "./paramRef.ts";
import { AXES, type Axis, type BaseModel } from "./types.ts";

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

/** What the command line asks for. */
export type Command =
  | { kind: "help" }
  | { kind: "sweep"; config: SweepConfig }
  | { kind: "merge"; dirs: string[]; out: string; signatureLog2Lr: number | null };

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
  shard: { type: "string" },
  resume: { type: "boolean" },
  "eval-every": { type: "string" },
  "signature-lr": { type: "string" },
  synthetic: { type: "boolean" },
  jobs: { type: "string" },
} as const;

/** Every long flag the sweep accepts (without the leading dashes). */
export const FLAG_NAMES: readonly string[] = Object.keys(OPTIONS);

/** The `--help` text: every flag, its default and an example. */
export const HELP = `nugrad learning-rate-transfer sweep

Usage:
  deno task transfer [flags]                 run (or --resume) a sweep
  deno task transfer merge DIR... [--out D] [--signature-lr X]
                                             combine shard folders into one summary

A sweep trains one model per (parameterization, size, base lr, seed), appends each finished run
to OUT/results.jsonl, then writes OUT/summary.json, OUT/report.md and OUT/*.svg.

Flags (defaults are the quick preset's unless noted):
  --preset quick|full    quick: widths 16,32,64 (head size 16), seq 32, 200 steps, 1 seed,
                         ngpt+nugpt, two shard processes, ~6 min on 2 CPU cores; full: widths
                         32..256 (head size 32), seq 64, 500 steps, 2 seeds, ngpt+mup+nugpt
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
  --shard i/n            run only shard i of n (0 <= i < n), e.g. a Slurm array task's index;
                         combine the n folders with merge
  --jobs N               run N shards as parallel processes (one core each; OUT/shard-i/),
                         then merge them into OUT (default: the preset's, quick 2, full 1)
  --resume               continue a sweep in OUT: skip finished runs, re-run failed ones
  --eval-every K         evaluate on the fixed validation windows every K steps (default 50)
  --signature-lr X       log2 lr of the high-learning-rate signature, or "off" (default -4;
                         full: -5)
  --synthetic            use a synthetic loss instead of training (checks the pipeline)
  -h, --help             this text

Examples:
  deno task transfer --preset quick
  deno task transfer --axis width --sizes 32,64,128,256 --lrs=-12:-4:1 --seeds 2 --out out/w
  deno task transfer --preset full --shard 0/4 --out out/s0   (and 1/4, 2/4, 3/4)
  deno task transfer merge out/s0 out/s1 out/s2 out/s3 --out out/full
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
 * import { parseShard } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseShard("2/4"), { index: 2, count: 4 });
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new Error(`--shard '${text}': expected i/n with 0 <= i < n, e.g. 0/4`);
  }
  return { index, count };
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
export function parseCommand(argv: readonly string[]): Command {
  const { values: v, positionals } = readArgs(argv);
  if (v.help) return { kind: "help" };
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
  const presetName = (v.preset ?? "quick") as PresetName;
  if (!(presetName in PRESETS)) {
    throw new Error(`--preset '${v.preset}': expected quick or full`);
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
      shard: v.shard !== undefined ? parseShard(v.shard) : null,
      resume: v.resume ?? false,
      evalEvery: int(v["eval-every"], "--eval-every", p.evalEvery),
      signatureLog2Lr: parseSignature(v["signature-lr"], p.signatureLog2Lr),
      synthetic: v.synthetic ?? false,
      jobs: v.shard !== undefined ? 1 : int(v.jobs, "--jobs", p.jobs),
    },
  };
}
