/**
 * Training a group of runs of one model shape and schedule together: per-member base learning
 * rates, initialization keys and data, the other options shared, one {@linkcode TrainResult}
 * per member, as {@linkcode train} would give it. The members' parameters and optimizer states
 * are stacked on a leading axis and one `nu.vmap`ped step, compiled by `nu.jit`, trains them
 * all; each member reads its own learning rates from its row of a rate table, so its arithmetic
 * is its run's alone. Losses are read back only at the read points (every `evalEvery` steps),
 * and the held-out evaluations (at the start, at each read point, at the end) run for all members
 * at once too, one vmapped forward pass per chunk of windows (compiled for f32 models).
 * A group runs one step's kernels for all its members, which pays where a step is bound by its
 * dispatches (a GPU); on a few CPU cores the step is bound by arithmetic and memory, and a member
 * costs about one step of its own whatever the group's size (`bench/group_scaling.ts`); there
 * a group saves only its tracing and some of the evaluations' per-op cost (a few percent of a
 * sweep's CPU time, `bench/RESULTS.md`).
 *
 * @module
 */
import {
  type Backend,
  concat,
  fromData,
  getBackend,
  type Key,
  reshape,
  Tensor,
  tidy,
} from "../core/mod.ts";
import { cosineDecay, disposeReplaced } from "../optim/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";
import { checkTokenIds } from "./tokens.ts";
import type { TrainOptions, TrainPoint, TrainResult } from "./train.ts";
import { type Windows, windowsTensor } from "./evaluate.ts";
import { checkRunLength, divergenceReason, median } from "./run_outcome.ts";
import {
  type GroupEvaluation,
  groupEvaluation,
  groupStep,
  memberOf,
  rateTables,
  selectMembers,
  stackTrees,
} from "./train_group_step.ts";

/** Options of {@linkcode trainGroup}: those of `train`, with one learning rate, key and data stream per member. */
export interface TrainGroupOptions
  extends Omit<TrainOptions, "lr" | "key" | "batch" | "onProgress"> {
  /** Peak base learning rate of each member (the group has `lrs.length` members). */
  lrs: number[];
  /** Initialization key of each member (as many as `lrs`). */
  keys: Key[];
  /** Training batch of `member` at `step` (i32 `[B, T+1]`, or host data); disposed after the step. */
  batch: (step: number, member: number) => Windows;
  /** Called at every read point of every member that is still training. */
  onProgress?: (member: number, step: number, trainLoss: number) => void;
}

/**
 * Train `opts.lrs.length` runs of `model`, member `m` with base learning rate `opts.lrs[m]`,
 * initialization key `opts.keys[m]` and batches `opts.batch(step, m)`, as one vmapped, compiled
 * step; the results are those `train` gives each run alone (the same losses at every read
 * point). A member whose loss is non-finite or past the divergence margin at a read point is
 * recorded as diverged there and left out of the group from the next step on (the smaller group
 * traces once more); the others go on undisturbed. `msPerStep` is the group's step time, the same
 * for every member; `wallSeconds` runs from the group's start to the member's end. With
 * `params`, every member starts from those parameters (and `keys` are not used).
 *
 * @example
 * ```ts
 * import { key, tensor } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { trainGroup } from "./train_group.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const windows = (start: number, rows: number) =>
 *   tensor(
 *     Array.from({ length: rows }, (_, r) => Array.from({ length: 9 }, (_, j) => (start + 5 * r + j) % 16)),
 *     { dtype: "i32" },
 *   );
 * const results = await trainGroup(model, {
 *   lrs: [2 ** -6, 2 ** -5],
 *   keys: [key(0), key(1)],
 *   steps: 4,
 *   batch: (step, member) => windows(step + member, 4),
 *   evalEvery: 2,
 * });
 * assertEquals(results.map((r) => [r.status, r.steps]), [["ok", 4], ["ok", 4]]);
 * ```
 */
export async function trainGroup(
  model: NgptModel,
  opts: TrainGroupOptions,
): Promise<TrainResult[]> {
  const started = performance.now();
  const { evalEvery, warmup } = checkGroup(opts);
  const backend = opts.backend ?? getBackend();
  const n = opts.lrs.length;
  const margin = opts.divergenceMargin ?? 1.0;
  const evalOpts = { chunk: opts.evalBatch ?? 64, backend };
  const vocab = model.config.vocab;
  const members = Array.from(
    { length: n },
    (_, m) => opts.params ?? model.init(opts.keys[m], { backend }),
  );
  // One optimizer for every member; each reads its own rates from its row of the rate table.
  const scheduleFor = (lr: number) => cosineDecay({ peak: lr, steps: opts.steps, warmup });
  const optimizer = (rateTable?: Tensor) =>
    model.optimizer({
      schedule: scheduleFor(opts.lrs[0]),
      params: members[0],
      ...opts.optimizer,
      ...(rateTable ? { rateTable } : {}),
    });
  const opt = optimizer();
  let params = stackTrees(members);
  const held = heldOutTensors(opts, backend, vocab);
  // Compiled for f32 models; under mixed precision the compiled forward pass rounds its f16
  // values differently from the eager one `train` evaluates with (1e-5 relative), so eager.
  const evaluateGroup = groupEvaluation(model, {
    chunk: evalOpts.chunk,
    jit: (opts.jit ?? true) && model.precision === undefined,
  });
  const initial = held.evalWindows ? await evaluateGroup(params, held.evalWindows) : null;
  const runs: MemberRun[] = Array.from({ length: n }, (_, m) => {
    const initialValLoss = initial?.[m] ?? null;
    return { m, curves: [], initialValLoss, reference: initialValLoss, result: null };
  });
  const states = members.map((p) => opt.init(p));
  let state = stackTrees(states);
  for (const st of states) disposeReplaced(st, []);
  if (!opts.params) { for (const p of members) disposeReplaced(p, []); }
  let active = runs.map((_, m) => m);
  let lrs = rateTables(opts.lrs, scheduleFor, tableDtype(members[0]), backend);
  const step = groupStep(model, optimizer, { jit: opts.jit });
  const segmentMs: number[] = [];
  let segmentStart = performance.now(), segmentSteps = 0;
  try {
    for (let s = 0; s < opts.steps && active.length > 0; s++) {
      const batch = stackBatches(active.map((m) => opts.batch(s, m)), backend, vocab);
      const [loss, nextParams, nextState] = step(params, state, batch, lrs);
      disposeReplaced(state, nextState);
      disposeReplaced(params, nextParams);
      [params, state] = [nextParams, nextState];
      segmentSteps++;
      const done = s + 1;
      if (done % evalEvery !== 0 && done !== opts.steps) {
        loss.dispose();
        batch.dispose();
        continue;
      }
      const losses = await loss.data();
      loss.dispose();
      segmentMs.push((performance.now() - segmentStart) / segmentSteps);
      const dropped: number[] = [];
      const valLosses = held.evalWindows && done < opts.steps
        ? await evaluateGroup(params, held.evalWindows)
        : null;
      for (const [row, m] of active.entries()) {
        const run = runs[m];
        const trainLoss = losses[row];
        const point: TrainPoint = { step: done, trainLoss };
        if (valLosses) point.valLoss = valLosses[row];
        run.curves.push(point);
        opts.onProgress?.(m, done, trainLoss);
        const ref: number = run.reference ??= run.initialValLoss ?? trainLoss;
        if (!Number.isFinite(trainLoss) || trainLoss > ref + margin) {
          using rows = scopedMember(batch, row);
          const ids = await rows.params.data();
          checkTokenIds(
            ids,
            rows.params.shape,
            vocab,
            `trainGroup: member ${m}'s batch of step ${s}`,
          );
          run.result = {
            status: "diverged",
            steps: done,
            curves: run.curves,
            finalValLoss: null,
            initialValLoss: run.initialValLoss,
            msPerStep: median(segmentMs),
            wallSeconds: (performance.now() - started) / 1000,
            reason: divergenceReason(trainLoss, done, ref, opts.lrs[m]),
            ...(opts.returnParams ? { params: memberOf(params, row) } : {}),
          };
          dropped.push(row);
        }
      }
      batch.dispose();
      if (dropped.length > 0) {
        // Drop the diverged members; the next call traces the smaller group.
        const keepRows = active.flatMap((_, row) => (dropped.includes(row) ? [] : [row]));
        const [p, st, lr] = [params, state, lrs];
        [params, state, lrs] = [
          selectMembers(p, keepRows),
          selectMembers(st, keepRows),
          selectMembers(lr, keepRows),
        ];
        disposeReplaced(p, []);
        disposeReplaced(st, []);
        lr.dispose();
        active = keepRows.map((row) => active[row]);
      }
      segmentStart = performance.now();
      segmentSteps = 0;
    }
    if (active.length > 0) {
      const outcomes = await finalEvaluations(
        params,
        active.map((m) => runs[m]),
        held,
        evaluateGroup,
      );
      for (const [row, m] of active.entries()) {
        runs[m].result = {
          ...outcomes[row],
          steps: opts.steps,
          curves: runs[m].curves,
          initialValLoss: runs[m].initialValLoss,
          msPerStep: median(segmentMs),
          wallSeconds: (performance.now() - started) / 1000,
          ...(opts.returnParams ? { params: memberOf(params, row) } : {}),
        };
      }
    }
    return runs.map((r) => r.result!);
  } finally {
    evaluateGroup.dispose();
    held.dispose();
    step.dispose();
    lrs.dispose();
    disposeReplaced(state, []);
    disposeReplaced(params, []);
  }
}

/** One member's record while the group trains. */
interface MemberRun {
  m: number;
  curves: TrainPoint[];
  initialValLoss: number | null;
  reference: number | null;
  result: TrainResult | null;
}

/** A member's slice of a stacked tree, disposed at the end of a `using` block. */
function scopedMember<T>(tree: T, row: number): { params: T } & Disposable {
  const params = memberOf(tree, row);
  return { params, [Symbol.dispose]: () => disposeReplaced(params, []) };
}

/** The held-out windows of a group as tensors, uploaded once (the caller's tensors kept). */
interface HeldOut extends Disposable {
  evalWindows: Tensor | null;
  /** The final evaluation's windows (`finalWindows`, else `evalWindows`). */
  finalWindows: Tensor | null;
  dispose(): void;
}

function heldOutTensors(opts: TrainGroupOptions, backend: Backend, vocab: number): HeldOut {
  const uploaded: Tensor[] = [];
  const upload = (w: Windows | undefined, what: string) => {
    if (w === undefined) return null;
    const { t } = windowsTensor(w, backend, vocab, `trainGroup: ${what}`);
    if (t !== w) uploaded.push(t);
    return t;
  };
  const evalWindows = upload(opts.evalWindows, "evalWindows");
  const finalWindows = opts.finalWindows === undefined || opts.finalWindows === opts.evalWindows
    ? evalWindows
    : upload(opts.finalWindows, "finalWindows");
  const dispose = () => {
    for (const t of uploaded.splice(0)) t.dispose();
  };
  return { evalWindows, finalWindows, dispose, [Symbol.dispose]: dispose };
}

/**
 * The final evaluation of the members that trained to the end (rows of `params`, in the order
 * of `runs`), as `train` ends a run (`run_outcome.ts`'s `finalEvaluation`): the loss on the final
 * windows, the last read point's held-out loss, `diverged` when the final loss is not finite or
 * worse than at the start. One grouped evaluation per set of windows.
 */
async function finalEvaluations(
  params: NgptParams,
  runs: MemberRun[],
  held: HeldOut,
  evaluateGroup: GroupEvaluation,
): Promise<{ status: "ok" | "diverged"; finalValLoss: number | null }[]> {
  if (held.finalWindows === null) return runs.map(() => ({ status: "ok", finalValLoss: null }));
  const finals = await evaluateGroup(params, held.finalWindows);
  const lasts = held.evalWindows === null
    ? null
    : held.finalWindows === held.evalWindows
    ? finals
    : await evaluateGroup(params, held.evalWindows);
  return runs.map((run, row) => {
    const last = run.curves[run.curves.length - 1];
    if (last && lasts) last.valLoss = lasts[row];
    const finalValLoss = finals[row];
    const worse = !Number.isFinite(finalValLoss) ||
      (run.initialValLoss !== null && finalValLoss > run.initialValLoss);
    return worse ? { status: "diverged", finalValLoss: null } : { status: "ok", finalValLoss };
  });
}

/** The members' batches stacked into `[N, B, T+1]` (host data checked, then uploaded once). */
function stackBatches(windows: Windows[], backend: Backend, vocab: number): Tensor {
  if (windows.every((w) => !(w instanceof Tensor))) {
    const hosts = windows as { data: Int32Array; count: number }[];
    const rows = hosts[0].count, cols = hosts[0].data.length / rows;
    const all = new Int32Array(hosts.length * rows * cols);
    hosts.forEach((h, i) => {
      if (h.count !== rows || h.data.length !== rows * cols) {
        throw new Error(
          `trainGroup: member ${i}'s batch has ${h.count} rows of ${h.data.length / h.count}, ` +
            `member 0's ${rows} of ${cols}`,
        );
      }
      checkTokenIds(h.data, [rows, cols], vocab, "trainGroup");
      all.set(h.data, i * rows * cols);
    });
    return fromData(all, [hosts.length, rows, cols], { dtype: "i32", backend });
  }
  return tidy(() => {
    const ts = windows.map((w) =>
      w instanceof Tensor ? w : fromData(w.data, [w.count, w.data.length / w.count], {
        dtype: "i32",
        backend,
      })
    );
    const out = concat(ts.map((t) => reshape(t, [1, ...t.shape])), 0);
    for (const w of windows) if (w instanceof Tensor) w.dispose();
    return out;
  });
}

/** The dtype `scaleByLearningRate` tabulates rates in for these parameters. */
function tableDtype(params: NgptParams): "f32" | "f64" {
  return params.embed.dtype === "f64" ? "f64" : "f32";
}

/** Check the group's options; returns the run length settings. */
function checkGroup(opts: TrainGroupOptions): { evalEvery: number; warmup: number } {
  if (!Array.isArray(opts.lrs) || opts.lrs.length === 0) {
    throw new Error(`trainGroup: lrs must be a non-empty array of numbers, got ${opts.lrs}`);
  }
  for (const [m, lr] of opts.lrs.entries()) {
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new Error(`trainGroup: lrs[${m}] must be a positive number, got ${lr}`);
    }
  }
  if (!Array.isArray(opts.keys) || opts.keys.length !== opts.lrs.length) {
    throw new Error(
      `trainGroup: keys must give one key per member: ${opts.lrs.length} lrs but ` +
        `${Array.isArray(opts.keys) ? opts.keys.length : typeof opts.keys} keys`,
    );
  }
  const length = checkRunLength("trainGroup", opts);
  if (typeof opts.batch !== "function") {
    throw new Error(`trainGroup: batch must be a function (step, member) => Windows`);
  }
  return length;
}
