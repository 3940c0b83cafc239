/**
 * The run grid: building run specs with deterministic ids, the full grid, which runs are
 * provably identical, and the `--shard i/n` partition.
 *
 * Ids: a readable prefix and an 8-hex-digit FNV-1a hash of every setting that changes the
 * result (parameterization, axis, all dimensions, base, batch, seq, log2 lr, seed, dataset) —
 * not `backend` or `evalEvery`. A batch sweep's base batch joins the hash only there, so that the
 * runs of the other axes keep the ids they had before batch was an axis. A resumed or merged sweep matches runs by id, so changing any of
 * those settings gives new runs rather than silently reusing old ones.
 *
 * @example
 * ```ts
 * import { gridRuns } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--search", "grid", "--sizes", "32,64", "--lrs", "-8:-6:1"]);
 * // 2 parameterizations × 2 sizes × (3 rates + the signature rate 2^-4)
 * assertEquals(cmd.kind === "sweep" && gridRuns(cmd.config, "brown").length, 2 * 2 * (3 + 1));
 * ```
 *
 * @module
 */
import type { SweepConfig } from "./config.ts";
import { roundGrid } from "./values.ts";
import { warmupSteps } from "./config.ts";
import type { RunSpec } from "./types.ts";
import type { Dims } from "../../../param/mod.ts";

/** Where a run sits in the sweep: everything that varies between runs of one sweep. */
export interface RunPoint {
  parameterization: string;
  size: number;
  log2Lr: number;
  seed: number;
}

/**
 * Parameterizations that coincide exactly with another at the base model (all multipliers 1),
 * by construction in the spec (section 7: νGPT's default s0 = 1/sqrt(d0), c_out = 1). The μP
 * column also reduces to nGPT there on paper, but it is reconstructed, so it is not listed.
 */
export const IDENTICAL_AT_BASE: Readonly<Record<string, string>> = { nugpt: "ngpt" };

/**
 * FNV-1a, 32 bits, as 8 hex digits.
 *
 * @example
 * ```ts
 * import { fnv1a } from "./run_list.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(fnv1a("abc"), "1a47e90b"); // FNV-1a 32-bit of "abc"
 * ```
 */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The id of a run (see the module doc).
 *
 * @example
 * ```ts
 * import { makeRunSpec, runId } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals, assertTrue } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const point = { parameterization: "nugpt", size: 128, log2Lr: -9.5, seed: 0 };
 * const spec = makeRunSpec(cmd.config, point, "brown");
 * assertEquals(runId(spec), spec.id);
 * assertTrue(/^nugpt\.width128\.lr-9\.5\.s0\.[0-9a-f]{8}$/.test(spec.id), spec.id);
 * ```
 */
export function runId(spec: Omit<RunSpec, "id">): string {
  const { parameterization, axis, size, width, depth, steps, headSize, batch, seq } = spec;
  const { log2Lr, seed, base, dataset, optimizer, warmup, precision } = spec;
  const key = JSON.stringify([
    // Present only for a direction other than Adam, so that Adam runs keep their ids.
    ...(optimizer === undefined ? [] : [optimizer]),
    // Likewise present only for a warm-up.
    ...(warmup === undefined ? [] : [{ warmup }]),
    // And for mixed precision.
    ...(precision === undefined ? [] : [{ precision }]),
    parameterization,
    axis,
    size,
    width,
    depth,
    steps,
    headSize,
    batch,
    seq,
    log2Lr,
    seed,
    [base.width, base.depth, base.steps],
    dataset,
    // The base batch, only in a batch sweep (the other axes' runs keep their ids).
    ...(base.batch === undefined ? [] : [{ baseBatch: base.batch }]),
  ]);
  return `${parameterization}.${axis}${size}.lr${log2Lr}.s${seed}.${fnv1a(key)}`;
}

/** The run's warm-up steps, as a spec field (absent for none, so that those runs keep their ids). */
function warmupOf(config: SweepConfig, steps: number): { warmup?: number } {
  const n = warmupSteps(config.warmup ?? { steps: 0 }, steps);
  return n === 0 ? {} : { warmup: n };
}

/**
 * The full spec of one run of a sweep.
 *
 * @example
 * ```ts
 * import { makeRunSpec } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") {
 *   const point = { parameterization: "ngpt", size: 64, log2Lr: -8, seed: 0 };
 *   assertEquals(makeRunSpec(cmd.config, point, "brown").width, 64);
 * }
 * ```
 */
export function makeRunSpec(config: SweepConfig, point: RunPoint, dataset: string): RunSpec {
  const { axis, headSize, seq, base, backend, evalEvery } = config;
  const along = (a: typeof axis, fixed: number) => axis === a ? point.size : fixed;
  const dims = {
    width: along("width", config.width),
    depth: along("depth", config.depth),
    steps: along("steps", config.steps),
  };
  const batch = along("batch", config.batch);
  const log2Lr = roundGrid(point.log2Lr);
  const spec = {
    parameterization: point.parameterization,
    axis,
    size: point.size,
    ...dims,
    headSize,
    batch,
    seq,
    log2Lr,
    seed: point.seed,
    base: { ...base },
    dataset,
    backend,
    ...(config.optimizer === "adam-atan2" ? { optimizer: "adam-atan2" as const } : {}),
    ...warmupOf(config, dims.steps),
    ...(config.precision === "f16" ? { precision: "f16" as const } : {}),
    ...(config.jit === false ? { jit: false } : {}),
    evalEvery,
  };
  return { id: runId(spec), ...spec };
}

/**
 * The seeds of a sweep: `seed`, `seed + 1`, …, `seed + seeds - 1`.
 *
 * @example
 * ```ts
 * import { seedList } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--seed", "3", "--seeds", "2"]);
 * assertEquals(cmd.kind === "sweep" && seedList(cmd.config), [3, 4]);
 * ```
 */
export function seedList(config: SweepConfig): number[] {
  return Array.from({ length: config.seeds }, (_, i) => config.seed + i);
}

/**
 * True when the spec is the base model (every multiplier mw, mL, mT is 1). The batch does not
 * count: no parameterization reads it, so twins such as νGPT and nGPT coincide at every batch
 * size of the base model, and a batch sweep there trains only one of them.
 *
 * @example
 * ```ts
 * import { isBaseModel, makeRunSpec } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") {
 *   // the quick preset's base width is 16
 *   const point = { parameterization: "ngpt", size: 16, log2Lr: -8, seed: 0 };
 *   assertEquals(isBaseModel(makeRunSpec(cmd.config, point, "brown")), true);
 *   assertEquals(isBaseModel(makeRunSpec(cmd.config, { ...point, size: 32 }, "brown")), false);
 * }
 * ```
 */
export function isBaseModel(spec: RunSpec): boolean {
  return spec.width === spec.base.width && spec.depth === spec.base.depth &&
    spec.steps === spec.base.steps;
}

/**
 * The id shared by a run and every run provably identical to it: the id of the same run under
 * the parameterization it coincides with at the base model, else its own id.
 *
 * @example
 * ```ts
 * import { canonicalId, makeRunSpec } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const at = (parameterization: string, size: number) =>
 *   canonicalId(makeRunSpec(cmd.config, { parameterization, size, log2Lr: -8, seed: 0 }, "brown"));
 * assertEquals(at("nugpt", 16), at("ngpt", 16)); // the same model at the base width (16)
 * assertEquals(at("nugpt", 32) === at("ngpt", 32), false); // different learning rates when wider
 * ```
 */
export function canonicalId(spec: RunSpec): string {
  const twin = IDENTICAL_AT_BASE[spec.parameterization];
  if (twin === undefined || !isBaseModel(spec)) return spec.id;
  const { id: _id, ...rest } = spec;
  return runId({ ...rest, parameterization: twin });
}

/**
 * Every run of a `grid` sweep, in a fixed order (parameterization, size, lr, seed), plus the
 * signature lr at each size when it is not on the grid.
 *
 * @example
 * ```ts
 * import { gridRuns } from "./run_list.ts";
 * ```
 */
export function gridRuns(config: SweepConfig, dataset: string): RunSpec[] {
  const lrs = [...config.lrs];
  const sig = config.signatureLog2Lr;
  if (sig !== null && !lrs.includes(roundGrid(sig))) lrs.push(roundGrid(sig));
  lrs.sort((a, b) => a - b);
  const runs: RunSpec[] = [];
  for (const parameterization of config.params) {
    for (const size of config.sizes) {
      for (const log2Lr of lrs) {
        for (const seed of seedList(config)) {
          runs.push(makeRunSpec(config, { parameterization, size, log2Lr, seed }, dataset));
        }
      }
    }
  }
  return runs;
}

/**
 * Which of `count` shards owns the unit at position `index` of a deterministic list of units:
 * round-robin, so that shards differ in size by at most one unit.
 *
 * @example
 * ```ts
 * import { shardOf } from "./run_list.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(shardOf(5, 4), 1);
 * ```
 */
export function shardOf(index: number, count: number): number {
  return index % count;
}

/**
 * The runs of shard `index` of `count`. Provably identical runs go to the same shard (grouped
 * by {@linkcode canonicalId}) so that the twin is reused rather than trained twice. The shards
 * are disjoint and together cover `runs`.
 *
 * @example
 * ```ts
 * import { gridRuns, shardRuns } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--search", "grid", "--sizes", "16,32", "--lrs", "-8:-6:1"]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const runs = gridRuns(cmd.config, "brown");
 * const shards = [0, 1, 2, 3].map((index) => shardRuns(runs, { index, count: 4 }));
 * // disjoint, and together every run
 * assertEquals(shards.flat().map((r) => r.id).sort(), runs.map((r) => r.id).sort());
 * ```
 */
export function shardRuns(
  runs: readonly RunSpec[],
  shard: { index: number; count: number } | null,
): RunSpec[] {
  if (shard === null) return [...runs];
  const groups = [...new Set(runs.map(canonicalId))];
  const owner = new Map(groups.map((g, i) => [g, shardOf(i, shard.count)]));
  return runs.filter((r) => owner.get(canonicalId(r)) === shard.index);
}

/**
 * The dimensions a run's parameterization is asked about: its model's, and its base model's.
 *
 * @example
 * ```ts
 * import { dimsOf, makeRunSpec } from "./run_list.ts";
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") {
 *   const spec = makeRunSpec(cmd.config, { parameterization: "ngpt", size: 64, log2Lr: -8, seed: 0 }, "brown");
 *   assertEquals(dimsOf(spec).width, 64);
 * }
 * ```
 */
export function dimsOf(spec: RunSpec): Dims {
  return {
    width: spec.width,
    depth: spec.depth,
    steps: spec.steps,
    baseWidth: spec.base.width,
    baseDepth: spec.base.depth,
    baseSteps: spec.base.steps,
    // The batch multiplier is 1 outside a batch sweep (no base batch there).
    batch: spec.batch,
    baseBatch: spec.base.batch ?? spec.batch,
  };
}
