/**
 * Train the nGPT model under one parameterization and measure the alignment exponents α, ω, ν
 * (nugpt-spec section 8) of every hidden matrix every `every` steps, with the testing toolkit's
 * `trainAndObserve` (which reads tensors back only at the measurement steps) and `alignment`.
 *
 * The dims put the base model at `baseWidth` (same depth and steps), so that νGPT's multipliers
 * differ from nGPT's whenever `width != baseWidth`. (`alignmentExponents` of `testing.ts` always
 * makes the measured model its own base, where νGPT equals nGPT; hence this composition.)
 *
 * @example
 * ```ts
 * import { ngpt } from "../../param/mod.ts";
 * import { measureAlignment } from "./measure.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog. ".repeat(40));
 * const run = await measureAlignment(ngpt, {
 *   width: 32, depth: 1, headSize: 32, seq: 8, batch: 2, steps: 4, every: 2, lr: 2 ** -6,
 *   baseWidth: 32, seed: 0, train: text, probe: text.subarray(0, 2 * 9),
 * });
 * assertEquals(run.records.map((r) => r.step), [2, 4]);
 * ```
 *
 * @module
 */
import { fromData, key, Tensor, treeLeaves } from "../../core/mod.ts";
import { modelConfig, ngptModel, type NgptParams } from "../../nn/mod.ts";
import type { Params } from "../../optim/mod.ts";
import type { Dims, Parameterization } from "../../param/mod.ts";
import { alignment, type AlignmentValues, trainAndObserve } from "../../testing.ts";
import { sampleBatch } from "../transfer/run/data.ts";
import { hiddenLayers, probedModel } from "./probe.ts";

/** What one alignment run needs. */
export interface AlignmentRunOptions {
  width: number;
  depth: number;
  headSize: number;
  seq: number;
  batch: number;
  steps: number;
  /** Measure after every this many steps (and after the last). */
  every: number;
  /** Peak base learning rate (cosine decay to 10 %, as `nn.train`). */
  lr: number;
  /** Width of the base model in the dims. */
  baseWidth: number;
  seed: number;
  /** Training bytes (tokens, vocabulary 256). */
  train: Uint8Array;
  /** Fixed probe windows: `n · (seq + 1)` tokens, the batch the exponents are measured on. */
  probe: ArrayLike<number>;
  /** Compile each training step with `nu.jit` (default true; `--no-jit` turns it off). */
  jit?: boolean;
}

/** The exponents of one matrix at one step. */
export interface MatrixAlignment extends AlignmentValues {
  /** The matrix's input dimension (the log base). */
  dIn: number;
}

/** One measurement: every hidden matrix at one step. */
export interface AlignmentRecord {
  parameterization: string;
  width: number;
  step: number;
  /** Mean cross-entropy on the probe windows (nats). */
  probeLoss: number;
  /** Mean over the matrices (NaN-free ones) of each exponent. */
  mean: AlignmentValues;
  /** Per matrix path. */
  matrices: Record<string, MatrixAlignment>;
}

/** What {@linkcode measureAlignment} returns. */
export interface AlignmentRun {
  records: AlignmentRecord[];
  /** Probe loss before training. */
  initialProbeLoss: number;
  wallSeconds: number;
}

/**
 * The measurement steps: every `every` steps, and the last.
 *
 * @example
 * ```ts
 * import { measurementSteps } from "./measure.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(measurementSteps(60, 25), [25, 50, 60]);
 * ```
 */
export function measurementSteps(steps: number, every: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`measurementSteps: steps must be a positive integer, got ${steps}`);
  }
  if (!Number.isInteger(every) || every < 1) {
    throw new Error(`measurementSteps: every must be a positive integer, got ${every}`);
  }
  const out: number[] = [];
  for (let s = every; s <= steps; s += every) out.push(s);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/**
 * Mean of the finite values (NaN when there are none).
 *
 * @example
 * ```ts
 * import { finiteMean } from "./measure.ts";
 * import { assertClose } from "../../testing/assert.ts";
 * assertClose(finiteMean([0.5, NaN, 0.7]), 0.6);
 * ```
 */
export function finiteMean(values: readonly number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/**
 * Train under `parameterization` and measure α, ω, ν of every hidden matrix.
 *
 * @example
 * ```ts
 * import { nugpt } from "../../param/mod.ts";
 * import { measureAlignment } from "./measure.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const text = new TextEncoder().encode("a rose is a rose is a rose. ".repeat(30));
 * const run = await measureAlignment(nugpt(), {
 *   width: 64, depth: 1, headSize: 32, seq: 8, batch: 2, steps: 2, every: 1, lr: 2 ** -6,
 *   baseWidth: 32, seed: 0, train: text, probe: text.subarray(0, 9),
 * });
 * const { alpha, omega, nu } = run.records[1].mean;
 * assertTrue([alpha, omega, nu].every((v) => v <= 1 + 1e-12), JSON.stringify(run.records[1].mean));
 * ```
 */
export async function measureAlignment(
  parameterization: Parameterization,
  opts: AlignmentRunOptions,
): Promise<AlignmentRun> {
  const started = performance.now();
  const { width, depth, seq, batch, steps } = opts;
  const config = modelConfig({ vocab: 256, width, depth, seqLen: seq, headSize: opts.headSize });
  const dims: Dims = {
    width,
    depth,
    steps,
    baseWidth: opts.baseWidth,
    baseDepth: depth,
    baseSteps: steps,
  };
  const model = ngptModel(config, { parameterization, dims });
  const windows = opts.probe.length / (seq + 1);
  if (!Number.isInteger(windows) || windows < 1) {
    throw new Error(`measureAlignment: probe has ${opts.probe.length} tokens, not n · ${seq + 1}`);
  }
  const probe = fromData(Int32Array.from(opts.probe), [windows, seq + 1], { dtype: "i32" });
  const params = model.init(key(opts.seed));
  const optimizer = model.optimizer({
    params: params as unknown as Params,
    lr: opts.lr,
    steps,
  });
  let current: { step: number; tensor: Tensor } | null = null;
  const batchAt = (step: number): Tensor => {
    if (current?.step === step) return current.tensor;
    current?.tensor.dispose();
    const tokens = sampleBatch(opts.train, { seed: opts.seed, step, batch, seq });
    current = { step, tensor: fromData(tokens, [batch, seq + 1], { dtype: "i32" }) };
    return current.tensor;
  };
  const layers = hiddenLayers(depth);
  try {
    const seen = await trainAndObserve(probedModel(model, { params, probe }), {
      steps,
      batch: batchAt,
      optimizer: { init: optimizer.init, step: optimizer.step },
      observeAt: [0, ...measurementSteps(steps, opts.every)],
      jit: opts.jit,
    });
    const [init, ...later] = seen.sort((a, b) => a.step - b.step);
    const records = later.map((o): AlignmentRecord => {
      const matrices: Record<string, MatrixAlignment> = {};
      for (const [path, act] of Object.entries(layers)) {
        const values = alignment({
          w0: init.params[path],
          w: o.params[path],
          h0: init.activations[act],
          h: o.activations[act],
        });
        matrices[path] = { ...values, dIn: o.params[path].shape[1] };
      }
      const all = Object.values(matrices);
      return {
        parameterization: parameterization.name,
        width,
        step: o.step,
        probeLoss: o.activations.probeLoss.values[0],
        mean: {
          alpha: finiteMean(all.map((m) => m.alpha)),
          omega: finiteMean(all.map((m) => m.omega)),
          nu: finiteMean(all.map((m) => m.nu)),
        },
        matrices,
      };
    });
    return {
      records,
      initialProbeLoss: init.activations.probeLoss.values[0],
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    (current as { tensor: Tensor } | null)?.tensor.dispose();
    probe.dispose();
    for (const t of treeLeaves(params as NgptParams)) if (t instanceof Tensor) t.dispose();
  }
}
