/**
 * Grouped training (`--group`): runs that share a model shape and schedule — the same
 * parameterization, width, depth, steps, head size, base model, recipe (warm-up, optimizer),
 * sequence length, batch, data, backend and compilation — differ only in learning rate and seed,
 * so they can train together as one `nn.trainGroup` call. This file decides which runs go
 * together and how many at a time: `--group N` caps a group at N, `--group auto` at as many
 * members as fit a memory budget ({@linkcode memberBytes} each).
 *
 * @example
 * ```ts
 * import { planGroups } from "./grouping.ts";
 * import { gridRuns } from "../plan/run_list.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--search", "grid", "--sizes", "16,32", "--lrs=-8:-6:1", "--param", "ngpt"]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const runs = gridRuns(cmd.config, "d");
 * // one group per width: 3 rates + the signature rate
 * assertEquals(planGroups(runs, 8, 2 ** 30).map((g) => g.length), [4, 4]);
 * ```
 *
 * @module
 */
import type { GroupSetting } from "../plan/config.ts";
import type { GroupTrainer, RunResult, RunSpec, Trainer } from "../plan/types.ts";

/**
 * A key equal for two runs exactly when they can train in one group: every field of the spec
 * but its id, learning rate and seed.
 *
 * @example
 * ```ts
 * import { groupKey } from "./grouping.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunSpec } from "../plan/types.ts";
 * const a = { id: "a", parameterization: "ngpt", width: 32, log2Lr: -8, seed: 0 } as RunSpec;
 * assertEquals(groupKey(a) === groupKey({ ...a, id: "b", log2Lr: -7, seed: 1 }), true);
 * assertEquals(groupKey(a) === groupKey({ ...a, width: 64 }), false);
 * ```
 */
export function groupKey(spec: RunSpec): string {
  const { id: _id, log2Lr: _lr, seed: _seed, ...shape } = spec;
  const sorted = Object.keys(shape).sort().map((k) => [k, shape[k as keyof typeof shape]]);
  return JSON.stringify(sorted);
}

/** The MLP width the model uses at `width` (as `nn`'s defaultMlpWidth: 4·width, up to 8). */
function mlpWidthOf(width: number): number {
  return Math.ceil((4 * width) / 8) * 8;
}

/**
 * An upper estimate of one member's memory in bytes (f32): parameters, their gradients and
 * Adam's two moments (4 × P), plus the activations kept for the backward pass (per block:
 * about 16 width-sized and 2 mlp-sized rows per token, and the attention scores per head), and
 * the logits with their gradient.
 *
 * @example
 * ```ts
 * import { memberBytes } from "./grouping.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * import type { RunSpec } from "../plan/types.ts";
 * const spec = { width: 64, depth: 2, headSize: 16, batch: 16, seq: 32 } as RunSpec;
 * const big = { ...spec, width: 256 };
 * assertTrue(memberBytes(spec) > 0 && memberBytes(big) > 4 * memberBytes(spec));
 * ```
 */
export function memberBytes(
  spec: Pick<RunSpec, "width" | "depth" | "headSize" | "batch" | "seq">,
): number {
  const vocab = 256;
  const w = spec.width;
  const h = mlpWidthOf(w);
  const heads = Math.max(1, Math.floor(w / spec.headSize));
  const params = 2 * vocab * w + spec.depth * (4 * w * w + 3 * w * h + 8 * w) + 2 * w;
  const tokens = spec.batch * spec.seq;
  const activations = spec.depth * tokens * (16 * w + 2 * h + 2 * heads * spec.seq) +
    3 * tokens * vocab;
  return 4 * (4 * params + activations);
}

/**
 * The default memory budget of `--group auto`: `NUGRAD_GROUP_BUDGET_MB` when set, else a
 * quarter of the memory free now, at most 2 GiB (at least 64 MiB).
 *
 * @example
 * ```ts
 * import { groupBudgetBytes } from "./grouping.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * assertTrue(groupBudgetBytes() >= 64 * 2 ** 20);
 * ```
 */
export function groupBudgetBytes(): number {
  const given = Deno.env.get("NUGRAD_GROUP_BUDGET_MB");
  if (given !== undefined) {
    const mb = Number(given);
    if (!(mb > 0)) {
      throw new Error(`NUGRAD_GROUP_BUDGET_MB='${given}': expected a positive number of MiB`);
    }
    return mb * 2 ** 20;
  }
  let free = 2 ** 33;
  try {
    free = Deno.systemMemoryInfo().available;
  } catch { /* not available here: assume 8 GiB */ }
  return Math.max(64 * 2 ** 20, Math.min(2 ** 31, free / 4));
}

/**
 * The largest group for runs shaped like `spec`: N for `--group N`; for `auto`, as many members
 * as fit `budget` bytes (at least 1).
 *
 * @example
 * ```ts
 * import { groupCap, memberBytes } from "./grouping.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunSpec } from "../plan/types.ts";
 * const spec = { width: 64, depth: 2, headSize: 16, batch: 16, seq: 32 } as RunSpec;
 * assertEquals(groupCap("auto", spec, 3.5 * memberBytes(spec)), 3);
 * assertEquals(groupCap(5, spec, 0), 5);
 * ```
 */
export function groupCap(setting: GroupSetting, spec: RunSpec, budget: number): number {
  if (setting !== "auto") return setting;
  return Math.max(1, Math.floor(budget / memberBytes(spec)));
}

/**
 * Splits `specs` into groups: runs of one {@linkcode groupKey}, in the order they first appear,
 * at most {@linkcode groupCap} per group. Every run is in exactly one group.
 *
 * @example
 * ```ts
 * import { planGroups } from "./grouping.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunSpec } from "../plan/types.ts";
 * const run = (id: string, width: number) => ({ id, width, depth: 2, headSize: 16, batch: 4, seq: 8 }) as RunSpec;
 * const groups = planGroups([run("a", 32), run("b", 64), run("c", 32), run("d", 32)], 2, 2 ** 30);
 * assertEquals(groups.map((g) => g.map((s) => s.id)), [["a", "c"], ["d"], ["b"]]);
 * ```
 */
export function planGroups(specs: readonly RunSpec[], setting: GroupSetting, budget: number) {
  const byKey = new Map<string, RunSpec[]>();
  for (const spec of specs) {
    const key = groupKey(spec);
    byKey.set(key, [...(byKey.get(key) ?? []), spec]);
  }
  const groups: RunSpec[][] = [];
  for (const members of byKey.values()) {
    const cap = groupCap(setting, members[0], budget);
    for (let i = 0; i < members.length; i += cap) groups.push(members.slice(i, i + cap));
  }
  return groups;
}

/**
 * The result of a run whose trainer threw: `failed`, with the error's message (a resume
 * trains it again).
 *
 * @example
 * ```ts
 * import { failedResult } from "./grouping.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * import type { RunSpec } from "../plan/types.ts";
 * const r = failedResult({ id: "a", backend: "" } as RunSpec, new Error("boom"), 1.5);
 * assertEquals([r.status, r.error, r.wallSeconds], ["failed", "boom", 1.5]);
 * ```
 */
export function failedResult(spec: RunSpec, error: unknown, seconds: number): RunResult {
  return {
    spec,
    status: "failed",
    finalValLoss: null,
    curves: [],
    wallSeconds: seconds,
    msPerStep: 0,
    backend: spec.backend,
    error: error instanceof Error ? error.message : String(error),
  };
}

/**
 * A {@linkcode GroupTrainer} that trains the members one after another with `train` (for
 * trainers without a group path: the synthetic one, test doubles); a member whose training
 * throws is `failed` and the others go on, as one at a time.
 *
 * @example
 * ```ts
 * import { oneByOne } from "./grouping.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * import { makeRunSpec } from "../plan/run_list.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const specs = [-8, -7].map((log2Lr) =>
 *   makeRunSpec(cmd.config, { parameterization: "ngpt", size: 16, log2Lr, seed: 0 }, "d")
 * );
 * const data = { name: "d", train: new Uint8Array(0), val: new Uint8Array(0) };
 * const results = await oneByOne(syntheticTrainer)(specs, data, () => {});
 * assertEquals(results.map((r) => r.spec.log2Lr), [-8, -7]);
 * ```
 */
export function oneByOne(train: Trainer): GroupTrainer {
  return async (specs, data, onProgress) => {
    const results = [];
    for (const [m, spec] of specs.entries()) {
      const t0 = performance.now();
      try {
        results.push(await train(spec, data, (step, loss) => onProgress(m, step, loss)));
      } catch (e) {
        results.push(failedResult(spec, e, (performance.now() - t0) / 1000));
      }
    }
    return results;
  };
}
