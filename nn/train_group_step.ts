/**
 * The step a group of runs trains with: one member's training step (loss, gradients, the
 * optimizer's update scaled by the member's own base learning rate) mapped over the members
 * with `nu.vmap` and compiled with `nu.jit`. Also the tree helpers that stack members into one
 * batched tree and take them apart again.
 *
 * @module
 */
import {
  add,
  type Backend,
  concat,
  fromData,
  gather,
  jit,
  mul,
  reshape,
  sliceAxis,
  Tensor,
  tidy,
  treeMap,
  valueAndGrad,
  vmap,
} from "../core/mod.ts";
import type { Optimizer, Schedule } from "../optim/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";

/** A group's step: `(params, state, batch, rates) -> [losses, params', state']`, all stacked. */
export interface GroupStep {
  /** One step of every member; the inputs are not disposed. */
  (params: NgptParams, state: unknown[], batch: Tensor, rates: Tensor): [
    Tensor,
    NgptParams,
    unknown[],
  ];
  /** Free the compiled programs. */
  dispose(): void;
}

/**
 * The step of a group training `model` with the optimizer `optimizer(rateTable)` builds: each
 * member reads its own learning rates from its row of `rates` (`[N, steps]`, row `m` the
 * negated schedule of member `m`, see {@linkcode rateTables}), so that its step is exactly the
 * step of its run alone. Inputs and outputs are stacked trees (members on axis 0); `batch` is
 * `[N, B, T+1]` i32.
 *
 * @example
 * ```ts
 * import { fromData, key, type Tensor } from "../core/mod.ts";
 * import { cosineDecay } from "../optim/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { groupStep, rateTables, stackTrees } from "./train_group_step.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const members = [model.init(key(0)), model.init(key(1))];
 * const optimizer = (rateTable?: Tensor) =>
 *   model.optimizer({ schedule: cosineDecay({ peak: 1, steps: 10 }), params: members[0], rateTable });
 * const params = stackTrees(members);
 * const state = stackTrees(members.map((p) => optimizer().init(p)));
 * const batch = fromData(new Int32Array(2 * 4 * 9).map((_, i) => i % 16), [2, 4, 9], { dtype: "i32" });
 * const step = groupStep(model, optimizer);
 * const rates = rateTables([0.01, 0.02], (lr) => cosineDecay({ peak: lr, steps: 10 }), "f32");
 * const [losses] = step(params, state, batch, rates);
 * assertEquals(losses.shape, [2]);
 * step.dispose();
 * ```
 */
export function groupStep(
  model: NgptModel,
  optimizer: (rateTable: Tensor) => Optimizer,
  options: { jit?: boolean } = {},
): GroupStep {
  // Mixed precision, as trainStep does it: the loss times a power-of-two scale, the f32
  // gradients divided by it after, so that a member's numbers are those of its run alone.
  const scale = model.precision?.lossScale ?? 1;
  const lossAndGrad = valueAndGrad((p: NgptParams, b: Tensor) =>
    scale === 1 ? model.loss(p, b) : mul(model.loss(p, b), scale)
  );
  const member = (params: NgptParams, state: unknown[], batch: Tensor, rates: Tensor) =>
    tidy(() => {
      let [loss, grads] = lossAndGrad(params, batch);
      if (scale !== 1) {
        loss = mul(loss, 1 / scale);
        grads = treeMap((g: Tensor) => mul(g, 1 / scale), grads) as NgptParams;
      }
      const [next, nextState] = optimizer(rates).step(params, grads, state);
      return [loss, next as NgptParams, nextState] as [Tensor, NgptParams, unknown[]];
    });
  const batched = vmap(member);
  const run = options.jit ?? true ? jit(batched) : null;
  const step = (params: NgptParams, state: unknown[], batch: Tensor, lrs: Tensor) =>
    (run ?? batched)(params, state, batch, lrs) as [Tensor, NgptParams, unknown[]];
  return Object.assign(step, { dispose: () => run?.dispose() }) as GroupStep;
}

/**
 * The negated learning rates of each member's schedule, one row per member (`[N, horizon]`),
 * as `scaleByLearningRate` tabulates one schedule: member `m`'s row is `−schedule(lrs[m])(t)`.
 *
 * @example
 * ```ts
 * import { constant } from "../optim/mod.ts";
 * import { rateTables } from "./train_group_step.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const t = rateTables([0.5, 0.25], (lr) => constant(lr), "f32");
 * assertEquals(await t.toArray(), [[-0.5], [-0.25]]);
 * ```
 */
export function rateTables(
  lrs: readonly number[],
  scheduleFor: (lr: number) => Schedule,
  dtype: "f32" | "f64",
  backend?: Backend,
): Tensor {
  const schedules = lrs.map(scheduleFor);
  const n = Math.max(1, schedules[0].horizon ?? 1 << 16);
  const rates = dtype === "f64"
    ? new Float64Array(lrs.length * n)
    : new Float32Array(lrs.length * n);
  schedules.forEach((s, m) => {
    for (let i = 0; i < n; i++) rates[m * n + i] = -s(i);
  });
  return fromData(rates, [lrs.length, n], { backend });
}

/**
 * Trees of the same structure stacked leaf by leaf on a new axis 0 (numbers kept from the first).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { stackTrees } from "./train_group_step.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const s = stackTrees([{ w: tensor([1, 2]), n: 3 }, { w: tensor([3, 4]), n: 3 }]);
 * assertEquals([await s.w.toArray(), s.n], [[[1, 2], [3, 4]], 3]);
 * ```
 */
export function stackTrees<T>(trees: readonly T[]): T {
  return treeMap(
    (...leaves: unknown[]) =>
      leaves[0] instanceof Tensor
        ? tidy(() => concat((leaves as Tensor[]).map((t) => reshape(t, [1, ...t.shape])), 0))
        : leaves[0],
    trees[0],
    ...trees.slice(1),
  ) as T;
}

/**
 * Member `m` of a stacked tree (its slice of every tensor leaf, numbers kept).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { memberOf } from "./train_group_step.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(await memberOf({ w: tensor([[1, 2], [3, 4]]) }, 1).w.toArray(), [3, 4]);
 * ```
 */
export function memberOf<T>(tree: T, m: number): T {
  return treeMap(
    (t: unknown) =>
      t instanceof Tensor ? tidy(() => reshape(sliceAxis(t, 0, m, m + 1), t.shape.slice(1))) : t,
    tree,
  ) as T;
}

/**
 * The members `rows` of a stacked tree, in that order (a gather on axis 0 of every tensor leaf).
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { selectMembers } from "./train_group_step.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(await selectMembers({ w: tensor([[1], [2], [3]]) }, [0, 2]).w.toArray(), [[1], [3]]);
 * ```
 */
export function selectMembers<T>(tree: T, rows: readonly number[]): T {
  return treeMap(
    (t: unknown) => {
      if (!(t instanceof Tensor)) return t;
      const x = t;
      return tidy(() =>
        gather(
          x,
          fromData(Int32Array.from(rows), [rows.length], { dtype: "i32", backend: x.backend }),
        )
      );
    },
    tree,
  ) as T;
}

/** A group's held-out evaluation: `(params, windows) -> each member's mean loss`. */
export interface GroupEvaluation {
  /** Each member's mean loss over all rows of `windows` (params stacked, members on axis 0). */
  (params: NgptParams, windows: Tensor): Promise<number[]>;
  /** Free the compiled programs. */
  dispose(): void;
}

/**
 * The held-out evaluation of a group: every member's mean loss over the same windows, as
 * `nn.evaluate` computes one member's (chunks of `chunk` rows, each chunk's mean loss times its
 * row count summed over the chunks, divided by the rows), but one vmapped, compiled forward
 * pass per chunk for all members, and one readback.
 *
 * @example
 * ```ts
 * import { fromData, key } from "../core/mod.ts";
 * import { evaluate, modelConfig, ngptModel } from "./mod.ts";
 * import { groupEvaluation, stackTrees } from "./train_group_step.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const members = [model.init(key(0)), model.init(key(1))];
 * const windows = fromData(new Int32Array(5 * 9).map((_, i) => i % 16), [5, 9], { dtype: "i32" });
 * const evaluateGroup = groupEvaluation(model, { chunk: 2 });
 * const losses = await evaluateGroup(stackTrees(members), windows);
 * const alone = await evaluate(model, members[1], windows, { chunk: 2 });
 * assertTrue(Math.abs(losses[1] - alone) <= 1e-5 * alone);
 * evaluateGroup.dispose();
 * ```
 */
export function groupEvaluation(
  model: NgptModel,
  options: { chunk?: number; jit?: boolean } = {},
): GroupEvaluation {
  const chunk = options.chunk ?? 64;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new Error(`groupEvaluation: chunk must be a positive integer, got ${chunk}`);
  }
  const batched = vmap((p: NgptParams, rows: Tensor) => model.loss(p, rows), {
    inAxes: [0, null],
  });
  const compiled = options.jit ?? true ? jit(batched) : null;
  const losses = (p: NgptParams, rows: Tensor) => (compiled ?? batched)(p, rows) as Tensor;
  const evaluateGroup = async (params: NgptParams, windows: Tensor) => {
    const rows = windows.shape[0];
    const total = tidy(() => {
      let sum: Tensor | null = null;
      for (let r = 0; r < rows; r += chunk) {
        const n = Math.min(chunk, rows - r);
        const part = mul(losses(params, n === rows ? windows : sliceAxis(windows, 0, r, r + n)), n);
        sum = sum === null ? part : add(sum, part);
      }
      return sum!;
    });
    const values = await total.data();
    total.dispose();
    return Array.from(values, (v) => v / rows);
  };
  return Object.assign(evaluateGroup, { dispose: () => compiled?.dispose() });
}
