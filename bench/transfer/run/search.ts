/**
 * Which runs a sweep trains, in which order: every grid point (`--search grid`), or the adaptive
 * search (`--search adaptive`, the presets' default).
 *
 * Adaptive search, per parameterization (a "chain"), over sizes starting at the base size and
 * moving outward (up, then down), each "point" (size, log2 lr) run for every seed and scored by
 * the seed-mean final loss (diverged = Infinity):
 * 1. the first size: every lr of the coarse grid `--lrs`;
 *    each later size: the coarse grid point nearest the neighbour's fitted lr*, and one coarse
 *    step either side;
 * 2. bracket: while less than one coarse step above (below) the best point was evaluated and the
 *    grid allows, evaluate one coarse step above (below) it, so the parabola's window holds
 *    points on both sides even when the best point is a half step next to the edge;
 * 3. refine: evaluate half a coarse step either side of the best point (so the parabola has up
 *    to 5 points within one octave); where that moves the best point, bracket and refine again;
 * 4. the high-learning-rate signature lr, when set.
 * Each round (the coarse grid; a bracketing step; the refinement points with the signature) is
 * evaluated as one batch, so that its runs can train as groups (`--group`, `evaluate.ts`).
 *
 * With grouping on (`--group` ≠ 1) the rounds are batch-aware: a round also proposes the points
 * a later round would need whatever its outcome, so that fewer, larger groups train. A seeded
 * size's first round is five points (the nearest coarse point, a half and a whole coarse step
 * either side) with the signature; a bracketing step brings the half step it crosses (the
 * refinement needs it whether the best point moves or not). When the best point stays where the
 * neighbour put it (the common case) this is the same set of points as one at a time, in one
 * group instead of three; otherwise one or two runs more. `--group 1` searches exactly as
 * before.
 *
 * The search is deterministic given the results (and the `--group` setting), so a resumed sweep
 * replays it from `results.jsonl` and trains only what is missing. Shards split adaptive sweeps
 * by chain.
 *
 * @example
 * ```ts
 * import { estimateRuns, runPlan } from "./search.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--sizes", "16,32", "--param", "ngpt"]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 * const trained: string[] = [];
 * await runPlan(cmd.config, "none", (specs) => {
 *   trained.push(...specs.map((s) => s.id));
 *   return Promise.all(specs.map((s) => syntheticTrainer(s, data, () => {})));
 * });
 * // adaptive: every run trained once, no more than the estimate
 * assertEquals(new Set(trained).size, trained.length);
 * assertEquals(trained.length <= estimateRuns(cmd.config, "none"), true);
 * ```
 *
 * @module
 */
import { roundGrid } from "../plan/values.ts";
import type { SweepConfig } from "../plan/config.ts";
import { fitLrStar, type LossPoint, seedMeanCurve } from "../analyse/fit.ts";
import { gridRuns, makeRunSpec, seedList, shardOf, shardRuns } from "../plan/run_list.ts";
import type { RunResult, RunSpec } from "../plan/types.ts";
import { baseAlong } from "../plan/axes.ts";

/** Runs (or looks up) the given runs, in order, and returns their results in the same order. */
export type Evaluate = (specs: RunSpec[]) => Promise<RunResult[]>;

/**
 * The parameterizations (chains) of an adaptive sweep that shard `index` of `count` owns.
 *
 * @example
 * ```ts
 * import { chainsOfShard } from "./search.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(chainsOfShard(["ngpt", "mup", "nugpt"], { index: 1, count: 2 }), ["mup"]);
 * ```
 */
export function chainsOfShard(
  params: readonly string[],
  shard: { index: number; count: number } | null,
): string[] {
  return shard === null
    ? [...params]
    : params.filter((_, i) => shardOf(i, shard.count) === shard.index);
}

/**
 * Sizes in search order: the base size (or the nearest), then larger ones up, then smaller down.
 *
 * @example
 * ```ts
 * import { searchOrder } from "./search.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(searchOrder([32, 64, 128, 256], 64), [64, 128, 256, 32]);
 * ```
 */
export function searchOrder(sizes: readonly number[], baseSize: number): number[] {
  const sorted = [...sizes].sort((a, b) => a - b);
  let start = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (Math.abs(sorted[i] - baseSize) < Math.abs(sorted[start] - baseSize)) start = i;
  }
  return [...sorted.slice(start), ...sorted.slice(0, start).reverse()];
}

/**
 * A rough count of the runs this shard will train (for the progress bar's total and ETA).
 *
 * @example
 * ```ts
 * import { estimateRuns } from "./search.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") assertTrue(estimateRuns(cmd.config, "brown") > 0);
 * ```
 */
export function estimateRuns(config: SweepConfig, dataset: string): number {
  if (config.search === "grid") return shardRuns(gridRuns(config, dataset), config.shard).length;
  const chains = chainsOfShard(config.params, config.shard).length;
  const sig = config.signatureLog2Lr === null ? 0 : 1;
  const first = config.lrs.length + 2 + sig;
  const later = 3 + 1 + 2 + sig;
  return chains * config.seeds * (first + later * (config.sizes.length - 1));
}

/**
 * Runs the sweep's plan for this shard through `evaluate`.
 *
 * @example
 * ```ts
 * import { runPlan } from "./search.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * const data = { name: "none", train: new Uint8Array(0), val: new Uint8Array(0) };
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") {
 *   await runPlan(cmd.config, "none", (specs) =>
 *     Promise.all(specs.map((s) => syntheticTrainer(s, data, () => {}))));
 * }
 * ```
 */
export async function runPlan(
  config: SweepConfig,
  dataset: string,
  evaluate: Evaluate,
): Promise<void> {
  if (config.search === "grid") {
    // One batch per curve (parameterization and size): its runs can train as groups.
    const runs = shardRuns(gridRuns(config, dataset), config.shard);
    const curveOf = (r: RunSpec) => `${r.parameterization}\u0000${r.size}`;
    for (let i = 0; i < runs.length;) {
      let j = i + 1;
      while (j < runs.length && curveOf(runs[j]) === curveOf(runs[i])) j++;
      await evaluate(runs.slice(i, j));
      i = j;
    }
    return;
  }
  for (const parameterization of chainsOfShard(config.params, config.shard)) {
    await searchChain(config, dataset, parameterization, evaluate);
  }
}

/** One adaptive chain (see the module doc); batch-aware rounds when grouping is on. */
async function searchChain(
  config: SweepConfig,
  dataset: string,
  parameterization: string,
  evaluate: Evaluate,
): Promise<void> {
  const batched = config.group !== 1;
  const signature = config.signatureLog2Lr !== null
    ? [{ log2Lr: config.signatureLog2Lr, anywhere: true }]
    : [];
  const lo = config.lrs[0];
  const hi = config.lrs[config.lrs.length - 1];
  const step = config.lrStep;
  const snap = (x: number) =>
    roundGrid(Math.min(hi, Math.max(lo, lo + Math.round((x - lo) / step) * step)));
  let neighbourStar: number | null = null;
  for (const size of searchOrder(config.sizes, baseAlong(config.base, config.axis))) {
    const curve = new Map<number, number>();
    // One round: the points (each for every seed) evaluated as one batch, so that their runs
    // can train as groups; `anywhere` lets a point lie outside the coarse grid (the signature).
    const points = async (wanted: { log2Lr: number; anywhere?: boolean }[]) => {
      const lrs: number[] = [];
      for (const { log2Lr, anywhere } of wanted) {
        const lr = roundGrid(log2Lr);
        if (curve.has(lr) || lrs.includes(lr)) continue;
        if (!anywhere && (lr < lo - 1e-9 || lr > hi + 1e-9)) continue;
        lrs.push(lr);
      }
      if (lrs.length === 0) return;
      const seeds = seedList(config);
      const specs = lrs.flatMap((log2Lr) =>
        seeds.map((seed) => makeRunSpec(config, { parameterization, size, log2Lr, seed }, dataset))
      );
      const results = await evaluate(specs);
      lrs.forEach((lr, k) => {
        const [mean] = seedMeanCurve(results.slice(k * seeds.length, (k + 1) * seeds.length));
        curve.set(lr, mean?.loss ?? Infinity);
      });
    };
    // A bracketing step from the best point `from` to `to`; batched, with the half step between.
    const bracket = (from: number, to: number) =>
      points([{ log2Lr: to }, ...(batched ? [{ log2Lr: (from + to) / 2 }] : [])]);
    const best = (): LossPoint => {
      let b: LossPoint | null = null;
      for (const [log2Lr, loss] of [...curve].sort((x, y) => x[0] - y[0])) {
        if (b === null || loss < b.loss) b = { log2Lr, loss };
      }
      return b!;
    };
    if (neighbourStar === null) {
      await points(config.lrs.map((log2Lr) => ({ log2Lr })));
    } else {
      const c = snap(neighbourStar);
      const around = batched ? [-1, -0.5, 0, 0.5, 1] : [-1, 0, 1];
      await points([
        ...around.map((k) => ({ log2Lr: c + k * step })),
        ...(batched ? signature : []),
      ]);
    }
    // Bracket by a whole coarse step on each side of the best point, then refine half a step
    // either side of it; again while the refinement moves the best point. A best point on a
    // half step next to the highest (lowest) rate tried would otherwise leave the parabola's
    // window one-sided.
    for (;;) {
      for (;;) {
        const b = best();
        const lrs = [...curve.keys()];
        const up = roundGrid(b.log2Lr + step);
        const down = roundGrid(b.log2Lr - step);
        if (Math.max(...lrs) < up - 1e-9 && up <= hi + 1e-9) await bracket(b.log2Lr, up);
        else if (Math.min(...lrs) > down + 1e-9 && down >= lo - 1e-9) {
          await bracket(b.log2Lr, down);
        } else break;
      }
      const b = best();
      await points([
        ...(Number.isFinite(b.loss)
          ? [{ log2Lr: b.log2Lr - step / 2 }, { log2Lr: b.log2Lr + step / 2 }]
          : []),
        ...signature,
      ]);
      if (best().log2Lr === b.log2Lr) break;
    }
    const fit = fitLrStar([...curve].map(([log2Lr, loss]) => ({ log2Lr, loss })));
    neighbourStar = fit.log2LrStar ?? neighbourStar;
  }
}
