/**
 * The trainer the sweep command uses: one run of `nn`'s {@linkcode train} on the sweep's data,
 * with the run's parameterization, dimensions and base learning rate.
 *
 * Evaluation: the fixed validation windows every `evalEvery` steps; at the end, up to
 * {@linkcode FINAL_WINDOWS} non-overlapping windows spread evenly over the held-out set (all of
 * it when it holds fewer), the value lr* is fitted on.
 *
 * @example
 * ```ts
 * import { trainer } from "./trainer.ts";
 * import { makeRunSpec } from "../plan/run_list.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals, assertTrue } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--steps", "4", "--batch", "2", "--seq", "8", "--eval-every", "2"]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const point = { parameterization: "ngpt", size: 16, log2Lr: -6, seed: 0 };
 * const spec = makeRunSpec(cmd.config, point, "text");
 * const text = new TextEncoder().encode("the cat sat on the mat. ".repeat(60));
 * const result = await trainer(spec, { name: "text", train: text, val: text }, () => {});
 * assertEquals([result.status, result.curves.map((c) => c.step)], ["ok", [2, 4]]);
 * assertTrue(Number.isFinite(result.finalValLoss));
 * ```
 *
 * @module
 */
import { backendInfo, getBackend, key, split, useBackend } from "../../../core/mod.ts";
import { modelConfig, ngptModel } from "../../../nn/mod.ts";
import { train, type TrainResult } from "../../../nn/train.ts";
import { trainGroup } from "../../../nn/train_group.ts";
import { type GradientTransformation, scaleByAdamAtan2 } from "../../../optim/mod.ts";
import {
  compose,
  describe,
  type Dims,
  lrMultiplier,
  mup,
  ngpt,
  nugpt,
  nugptPaper,
  type Parameterization,
} from "../../../param/mod.ts";
import { gatherWindows, sampleBatch, validationWindows } from "./data.ts";
import { setFusedWasm } from "../../../kernels/cpu/wasm/fused_dispatch.ts";
import type { TrainerIdentity } from "../plan/types.ts";
import { dimsOf } from "../plan/run_list.ts";
import { loadParameterization, parseParamRef } from "../plan/param_ref.ts";
import type { Dataset, GroupTrainer, RunResult, RunSpec, Trainer } from "../plan/types.ts";
import { groupKey } from "./grouping.ts";

type Direction = GradientTransformation<unknown>;

/** The most held-out windows the final evaluation uses (they are spread over the whole set). */
export const FINAL_WINDOWS = 1024;

const BUILTINS: Record<string, Parameterization> = { ngpt, mup, nugpt: nugpt(), nugptPaper };

/**
 * The parameterization a run names: a built-in or `./file.ts#export`.
 *
 * @example
 * ```ts
 * import { resolveParameterization } from "./trainer.ts";
 * const p = await resolveParameterization("nugpt");
 * ```
 */
export async function resolveParameterization(name: string): Promise<Parameterization> {
  const ref = parseParamRef(name);
  if (ref.kind === "builtin") return BUILTINS[name];
  if (ref.kind === "scaled") {
    return compose(
      name,
      await resolveParameterization(ref.base),
      lrMultiplier(ref.roles, ref.factor),
    );
  }
  const p = await loadParameterization(name);
  if (typeof p !== "function") {
    throw new Error(
      `--param ${name}: the export is not a parameterization (a function), got ${typeof p}`,
    );
  }
  return p as Parameterization;
}

/**
 * Up to `max` non-overlapping windows of `seq + 1` tokens spread evenly over `val`.
 *
 * @example
 * ```ts
 * import { finalWindows } from "./trainer.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const w = finalWindows(new Uint8Array(1000), 64, 8);
 * assertEquals(w.length, 8 * 65); // 8 windows of 65 tokens
 * ```
 */
export function finalWindows(val: Uint8Array, seq: number, max = FINAL_WINDOWS): Int32Array {
  const available = Math.floor((val.length - 1) / seq);
  const count = Math.min(available, max);
  const stride = Math.floor(available / count) * seq;
  return gatherWindows(val, Array.from({ length: count }, (_, i) => i * stride), seq);
}

/**
 * The version of the training this trainer does. Bump it with any change to the training code
 * (this file, `nn/train.ts`, the model, the optimizer, the kernels) that changes results: sweep
 * folders record it, and `--resume` and `merge` refuse to mix runs of different versions.
 *
 * 3: the CPU's fused kernels in WebAssembly SIMD (merged at 73aee93) changed final losses (the
 * quick model at depth 1, lr 2^-5: 2.3353 with the JavaScript kernels, 2.3281 in Wasm; at depth 4,
 * lr 2^-4: 2.4194 and 2.3753), so runs made before it must not be resumed or merged with runs
 * made after.
 * 4: the CPU step changed again (the optimizer's update and cross-entropy in Wasm SIMD, sums over
 * the outermost axis split over threads, forward values recomputed in the backward kernels): the
 * quick model at depth 1, lr 2^-5, went from 2.3281 to 2.3317.
 * `NUGRAD_CPU_KERNELS=js` and `NUGRAD_WASM_RELAXED=0` still change results without changing it;
 * each run's `backend` (the backend's `info()`) now names the fused kernels' path and threads.
 */
export const TRAINING_CODE_VERSION = 4;

/** Dimensions at which {@linkcode parameterizationFingerprint} evaluates a parameterization. */
const REFERENCE_DIMS: Dims[] = [1, 2, 4].flatMap((m) => [
  { width: 32 * m, depth: 2, steps: 100, baseWidth: 32, baseDepth: 2, baseSteps: 100 },
  { width: 32, depth: 2 * m, steps: 100, baseWidth: 32, baseDepth: 2, baseSteps: 100 },
  { width: 32, depth: 2, steps: 100 * m, baseWidth: 32, baseDepth: 2, baseSteps: 100 },
]);

/** The first reference dims at 2× and 4× the base batch. */
const BATCH_DIMS: Dims[] = [32, 64].map((batch) => ({
  ...REFERENCE_DIMS[0],
  batch,
  baseBatch: 16,
}));

/**
 * A fingerprint of what parameterization `name` computes: the first 16 hex digits of the
 * SHA-256 of its {@linkcode describe} rows (every role's lr, init and scale) at base and 2× and
 * 4× width, depth and steps (and batch, where the parameterization reads it). Two definitions
 * with equal fingerprints give the same multipliers at those sizes; editing what one computes
 * changes it, renaming or reformatting does not.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { parameterizationFingerprint } from "./trainer.ts";
 * const a = await parameterizationFingerprint("ngpt");
 * assertEquals(a.length, 16);
 * assertEquals(a === (await parameterizationFingerprint("nugpt")), false);
 * ```
 */
export async function parameterizationFingerprint(name: string): Promise<string> {
  const p = await resolveParameterization(name);
  const rows = REFERENCE_DIMS.map((dims) => describe(p, dims));
  // The batch rows join only where the batch changes something, so that parameterizations that
  // ignore it (every one written before `batchExponent`) keep the fingerprints their results
  // folders recorded.
  const batchRows = BATCH_DIMS.map((dims) => describe(p, dims));
  const plainRow = JSON.stringify(describe(p, REFERENCE_DIMS[0]));
  if (batchRows.some((r) => JSON.stringify(r) !== plainRow)) rows.push(...batchRows);
  const bytes = new TextEncoder().encode(JSON.stringify(rows));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * What this trainer contributes to a run's settings (see `identity.ts`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { trainerIdentity, TRAINING_CODE_VERSION } from "./trainer.ts";
 * assertEquals(trainerIdentity.code, `nugrad-train-${TRAINING_CODE_VERSION}`);
 * ```
 */
export const trainerIdentity: TrainerIdentity = {
  code: `nugrad-train-${TRAINING_CODE_VERSION}`,
  schedule: "nn/train.ts: Adam, cosine decay from the base lr to 10 % at the last step",
  precision: "float32",
  defaultBackend: "cpu",
  fingerprint: parameterizationFingerprint,
};

let chosenBackend = "";
let fusedThreadsSet = false;

/**
 * `NUGRAD_FUSED_THREADS=N`: the Wasm fused kernels' threads (default: every core). `--jobs`
 * shards get 1, as OpenBLAS's: a group's kernels pass the threading threshold, and two shards'
 * threaded kernels then wait for each other's threads to get a core (the reference preset
 * grouped: 562 s with two threads per shard, 487 s with one, the same CPU seconds; a shared
 * machine, `bench/RESULTS.md`). Threads split a kernel's independent rows, so the results do not
 * depend on them.
 */
function applyFusedThreads(): void {
  if (fusedThreadsSet) return;
  fusedThreadsSet = true;
  const given = Deno.env.get("NUGRAD_FUSED_THREADS");
  if (given === undefined) return;
  const threads = Number(given);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`NUGRAD_FUSED_THREADS='${given}': expected a positive integer`);
  }
  setFusedWasm({ threads });
}

/** What every run of a group shares: the model, its data windows and the training options. */
async function setUp(spec: RunSpec, data: Dataset) {
  applyFusedThreads();
  if (spec.backend && spec.backend !== chosenBackend) {
    await useBackend(spec.backend as "cpu" | "webgpu");
    chosenBackend = spec.backend;
  }
  const parameterization = await resolveParameterization(spec.parameterization);
  const config = modelConfig({
    vocab: 256,
    width: spec.width,
    headSize: spec.headSize,
    depth: spec.depth,
    seqLen: spec.seq,
  });
  const dims = dimsOf(spec);
  const model = ngptModel(config, {
    parameterization,
    dims,
    ...(spec.precision === "f16" ? { precision: "f16" as const } : {}),
  });
  const rows = (w: Int32Array) => ({ data: w, count: w.length / (spec.seq + 1) });
  const batchOf = (seed: number, step: number) =>
    rows(sampleBatch(data.train, { seed, step, batch: spec.batch, seq: spec.seq }));
  const shared = {
    steps: spec.steps,
    ...(spec.warmup ? { warmup: spec.warmup } : {}),
    evalWindows: rows(validationWindows(data.val, { seq: spec.seq })),
    finalWindows: rows(finalWindows(data.val, spec.seq)),
    evalEvery: spec.evalEvery,
    jit: spec.jit !== false,
    // The spec's b1 and b2 (optimizerFor's defaults for Adam).
    ...(spec.optimizer === "adam-atan2"
      ? { optimizer: { direction: scaleByAdamAtan2({ b1: 0.9, b2: 0.95 }) as Direction } }
      : {}),
    backend: getBackend(),
  };
  const record = (member: RunSpec, result: TrainResult): RunResult => ({
    spec: member,
    status: result.status,
    finalValLoss: result.finalValLoss,
    curves: result.curves,
    wallSeconds: result.wallSeconds,
    msPerStep: result.msPerStep,
    backend: backendInfo(),
    multipliers: describe(parameterization, dims),
  });
  return { model, shared, batchOf, record };
}

/** The initialization key of a run (the first half of its seed's key). */
const initKey = (seed: number) => split(key(seed))[0];

/** Train one run of the sweep (see `types.ts`). */
export const trainer: Trainer = async (spec, data: Dataset, onProgress): Promise<RunResult> => {
  const { model, shared, batchOf, record } = await setUp(spec, data);
  const result = await train(model, {
    ...shared,
    lr: 2 ** spec.log2Lr,
    key: initKey(spec.seed),
    batch: (step) => batchOf(spec.seed, step),
    onProgress,
  });
  return record(spec, result);
};

/**
 * Train a group of runs of one model shape and schedule with `nn.trainGroup` (per-member
 * learning rate, initialization key and data order); each result is the one {@linkcode trainer}
 * gives the run alone. Throws when the runs do not share a shape (see `grouping.ts`).
 *
 * @example
 * ```ts
 * import { groupTrainer, trainer } from "./trainer.ts";
 * import { makeRunSpec } from "../plan/run_list.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--steps", "4", "--batch", "2", "--seq", "8", "--eval-every", "2"]);
 * if (cmd.kind !== "sweep") throw new Error("expected a sweep");
 * const specs = [[-6, 0], [-5, 1]].map(([log2Lr, seed]) =>
 *   makeRunSpec(cmd.config, { parameterization: "ngpt", size: 16, log2Lr, seed }, "text")
 * );
 * const text = new TextEncoder().encode("the cat sat on the mat. ".repeat(60));
 * const data = { name: "text", train: text, val: text };
 * const [a, b] = await groupTrainer(specs, data, () => {});
 * const alone = await trainer(specs[1], data, () => {});
 * assertTrue(a.status === "ok" && Math.abs(b.finalValLoss! - alone.finalValLoss!) < 1e-5);
 * ```
 */
export const groupTrainer: GroupTrainer = async (specs, data, onProgress) => {
  const key0 = groupKey(specs[0]);
  for (const s of specs) {
    if (groupKey(s) !== key0) {
      throw new Error(
        `groupTrainer: run ${s.id} does not share the model shape and schedule of ${specs[0].id}`,
      );
    }
  }
  const { model, shared, batchOf, record } = await setUp(specs[0], data);
  const results = await trainGroup(model, {
    ...shared,
    lrs: specs.map((s) => 2 ** s.log2Lr),
    keys: specs.map((s) => initKey(s.seed)),
    batch: (step, member) => batchOf(specs[member].seed, step),
    onProgress,
  });
  return results.map((r, m) => record(specs[m], r));
};
