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
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--axis", "width", "--sizes", "32,64", "--lrs", "-10:-6:1"]);
 * assertEquals(cmd.kind === "sweep" && cmd.config.lrs, [-10, -9, -8, -7, -6]);
 * ```
 *
 * @module
 */
import { type Preset, type PresetName, PRESETS } from "./presets.ts";
import { parseParamRef } from "./param_ref.ts";
import { AXES, type Axis } from "./types.ts";
import {
  type Command,
  DEFAULT_OUT,
  type EnvReader,
  parseOptimizer,
  parsePrecision,
  parseWarmup,
} from "./config.ts";
import { readArgs, SLURM_FLAGS, withoutFlags } from "./flags.ts";
import {
  autoShard,
  parseBase,
  parseGrid,
  parseGroup,
  parseIndices,
  parseInteger,
  parseShard,
  parseSignature,
  parseSizes,
} from "./values.ts";

/**
 * Parses the command line (without the program name).
 *
 * @example
 * ```ts
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
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
  if (!AXES.includes(axis)) {
    throw new Error(`--axis '${v.axis}': expected ${AXES.join(", ")}`);
  }
  if (axis === "batch" && v.batch !== undefined) {
    throw new Error(
      `--batch ${v.batch} with --axis batch: the batch sizes of a batch sweep are --sizes ` +
        `(e.g. --sizes 8,16,32); --batch sets the batch of the other axes' sweeps`,
    );
  }
  const search = v.search ?? p.search;
  if (search !== "adaptive" && search !== "grid") {
    throw new Error(`--search '${search}': expected adaptive or grid`);
  }
  const int = (text: string | undefined, flag: string, fallback: number, min = 1) =>
    text === undefined ? fallback : parseInteger(text, flag, min);
  const headSize = int(v["head-size"], "--head-size", p.headSize);
  const sizes = v.sizes !== undefined ? parseSizes(v.sizes, axis) : p.sizes[axis];
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
      precision: parsePrecision(v.precision),
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
      group: parseGroup(v.group),
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
