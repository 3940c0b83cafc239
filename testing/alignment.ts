/**
 * Alignment exponents (Everett et al., arXiv 2407.05872; nugpt-spec section 8):
 * how aligned a hidden matrix's update is with the activations it multiplies.
 *
 * For a layer `y = W h` with `W` stored `[out, in]` (`d_in = in`), `W0`, `h0`
 * at init and `ΔW = W - W0`, `Δh = h - h0` after training, on a fixed batch:
 *
 * - α: `ΔW` against the current input `h`,
 * - ω: the initial weights `W0` against the input's change `Δh`,
 * - ν: `ΔW` against `Δh`,
 *
 * each `log(d_in · ‖A B‖ / (‖A‖_F ‖B‖)) / log(d_in)` with norms pooled over the
 * batch's rows: 1 when the matrix is fully aligned with the vectors (rank one
 * along them), 1/2 when they are unrelated.
 *
 * @example
 * ```ts
 * import { alignment } from "./alignment.ts";
 * import { assertClose } from "./assert.ts";
 * // a rank-one update along the input: full alignment
 * const h = { shape: [1, 2], values: Float64Array.from([1, 0]) };
 * const w0 = { shape: [2, 2], values: Float64Array.from([1, 0, 0, 1]) };
 * const w = { shape: [2, 2], values: Float64Array.from([2, 0, 1, 1]) };
 * assertClose(alignment({ w0, w, h0: h, h }).alpha, 1);
 * ```
 *
 * @module
 */
import type { HostArray, ModelFactory, TrainOptions } from "./training.ts";
import { trainAndObserve } from "./training.ts";
import { key as makeKey, Tensor, treeLeaves } from "../core/mod.ts";
import type { Parameterization } from "../param/mod.ts";

/** The three exponents of one matrix (NaN where a change is zero). */
export interface AlignmentValues {
  /** ΔW against h. */
  alpha: number;
  /** W0 against Δh. */
  omega: number;
  /** ΔW against Δh. */
  nu: number;
}

/** `[rows, d_in]` view: every axis but the last are rows. */
function rowsOf(x: HostArray, dIn: number, what: string): number {
  const last = x.shape[x.shape.length - 1];
  if (last !== dIn) {
    throw new Error(
      `alignment: ${what} has last axis ${last}, but the matrix has d_in = ${dIn} ([out, in] layout)`,
    );
  }
  return x.values.length / dIn;
}

/** log(d_in · ‖X Aᵀ‖_F / (‖A‖_F ‖X‖_F)) / log(d_in) for A [out, in], X [n, in]. */
function exponentOf(a: Float64Array, out: number, x: Float64Array, n: number, dIn: number) {
  let aNorm = 0, xNorm = 0, prod = 0;
  for (const v of a) aNorm += v * v;
  for (const v of x) xNorm += v * v;
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < dIn; i++) s += a[o * dIn + i] * x[r * dIn + i];
      prod += s * s;
    }
  }
  if (aNorm === 0 || xNorm === 0) return NaN;
  return Math.log(dIn * Math.sqrt(prod / (aNorm * xNorm))) / Math.log(dIn);
}

/**
 * α, ω, ν of one matrix from host copies of its weights and inputs at init and now.
 *
 * @example
 * ```ts
 * import { alignment } from "./alignment.ts";
 * import { assertClose } from "./assert.ts";
 * const w0 = { shape: [1, 2], values: Float64Array.from([1, 0]) };
 * const w = { shape: [1, 2], values: Float64Array.from([2, 0]) };
 * const h0 = { shape: [1, 2], values: Float64Array.from([0, 1]) };
 * const h = { shape: [1, 2], values: Float64Array.from([1, 1]) };
 * const { alpha, omega, nu } = alignment({ w0, w, h0, h });
 * // ΔW = [1, 0] against h = [1, 1]: log(2 · 1/√2) / log 2 = 1/2; W0 and ΔW both lie along Δh.
 * assertClose(alpha, 0.5);
 * assertClose(omega, 1);
 * assertClose(nu, 1);
 * ```
 */
export function alignment(
  m: { w0: HostArray; w: HostArray; h0: HostArray; h: HostArray },
): AlignmentValues {
  if (m.w.shape.length !== 2 || m.w0.shape.join() !== m.w.shape.join()) {
    throw new Error(
      `alignment: weights must be matrices of one shape, got [${m.w0.shape}] and [${m.w.shape}]`,
    );
  }
  const [out, dIn] = m.w.shape;
  if (dIn < 2) throw new Error(`alignment: d_in must be at least 2, got ${dIn}`);
  const n = rowsOf(m.h, dIn, "h");
  if (rowsOf(m.h0, dIn, "h0") !== n) throw new Error("alignment: h0 and h have different sizes");
  const dW = m.w.values.map((v, i) => v - m.w0.values[i]);
  const dH = m.h.values.map((v, i) => v - m.h0.values[i]);
  return {
    alpha: exponentOf(dW, out, m.h.values, n, dIn),
    omega: exponentOf(m.w0.values, out, dH, n, dIn),
    nu: exponentOf(dW, out, dH, n, dIn),
  };
}

/** Options of {@linkcode alignmentExponents}. */
export interface AlignmentOptions {
  /** The width to build the model at. */
  width: number;
  /** Each hidden matrix's path and the name of the activation it multiplies. */
  layers: Record<string, string>;
  /** Optimizer steps (default 10). */
  steps?: number;
  /** Steps after which to measure (default: `steps` only). */
  measureAt?: readonly number[];
  /** The batch (or one per step); exponents use step 0's batch. */
  batch: unknown | ((step: number) => unknown);
  /** Base learning rate (default 0.01). */
  lr?: number;
  /** Parameterization (lr multipliers of the default optimizer; passed to the factory). */
  parameterization?: Parameterization;
  /** The optimizer (default: Adam with the parameterization's multipliers). */
  optimizer?: TrainOptions["optimizer"];
  /** Seed of the initialization (default 0). */
  seed?: number;
  /** Depth for the dims (default 1). */
  depth?: number;
  /**
   * The base dimensions of the parameterization (default: the model itself, where νGPT and
   * nGPT coincide); e.g. `{ width: 32 }` to measure a width-64 model as the parameterization
   * scales it from a width-32 base.
   */
  base?: { width?: number; depth?: number; steps?: number };
}

/** What {@linkcode alignmentExponents} returns. */
export interface AlignmentReport {
  /** The steps measured. */
  steps: number[];
  /** Per matrix path, the exponents at each measured step. */
  layers: Record<string, { alpha: number[]; omega: number[]; nu: number[] }>;
}

/**
 * Train the model a few steps and measure α, ω, ν of each listed matrix
 * against the activation it multiplies, at each of `measureAt`.
 *
 * @example
 * ```ts
 * import { alignmentExponents } from "./alignment.ts";
 * import { assertEquals, assertTrue } from "./assert.ts";
 * import { key, matmul, mean, normal, square, tanh } from "../core/mod.ts";
 * const x = normal(key(1), [16, 8]);
 * const factory = (width: number, { key: k }: { key: any }) => ({
 *   params: { w: normal(k, [width, 8], { std: 0.3 }) },
 *   loss: (p: any, b: any) => mean(square(tanh(matmul(b, p.w, { transB: true })))),
 *   activations: (_p: any, b: any) => ({ x: b }),
 *   roleOf: () => "hidden" as const,
 * });
 * const r = await alignmentExponents(factory, { width: 16, layers: { w: "x" }, batch: x, steps: 3 });
 * assertEquals(r.steps, [3]);
 * // at most 1 (Cauchy–Schwarz); above 1/2, as updates are sums of outer products along x's rows
 * assertTrue(r.layers.w.alpha[0] > 0.5 && r.layers.w.alpha[0] <= 1, `α ${r.layers.w.alpha}`);
 * ```
 */
export async function alignmentExponents(
  modelFactory: ModelFactory,
  opts: AlignmentOptions,
): Promise<AlignmentReport> {
  const steps = opts.steps ?? 10;
  const measureAt = [...(opts.measureAt ?? [steps])];
  if (measureAt.some((s) => !Number.isInteger(s) || s < 1 || s > steps)) {
    throw new Error(`alignmentExponents: measureAt must be steps in 1..${steps}, got ${measureAt}`);
  }
  const depth = opts.depth ?? 1;
  const dims = Object.freeze({
    width: opts.width,
    depth,
    steps,
    baseWidth: opts.base?.width ?? opts.width,
    baseDepth: opts.base?.depth ?? depth,
    baseSteps: opts.base?.steps ?? steps,
  });
  const model = modelFactory(opts.width, {
    key: makeKey(opts.seed ?? 0),
    dims,
    parameterization: opts.parameterization,
  });
  const seen = await trainAndObserve(model, {
    steps,
    batch: opts.batch,
    lr: opts.lr ?? 0.01,
    parameterization: opts.parameterization,
    dims,
    optimizer: opts.optimizer,
    observeAt: [0, ...measureAt],
  });
  for (const t of treeLeaves(model.params)) if (t instanceof Tensor) t.dispose();
  const [init, ...later] = seen.sort((a, b) => a.step - b.step);
  const report: AlignmentReport = { steps: later.map((o) => o.step), layers: {} };
  for (const [path, actName] of Object.entries(opts.layers)) {
    if (!init.params[path]) {
      throw new Error(
        `alignmentExponents: no parameter ${JSON.stringify(path)}; parameters: ${
          Object.keys(init.params).join(", ")
        }`,
      );
    }
    if (!init.activations[actName]) {
      throw new Error(
        `alignmentExponents: no activation ${JSON.stringify(actName)}; activations: ${
          Object.keys(init.activations).join(", ")
        }`,
      );
    }
    const row = { alpha: [] as number[], omega: [] as number[], nu: [] as number[] };
    for (const o of later) {
      const a = alignment({
        w0: init.params[path],
        w: o.params[path],
        h0: init.activations[actName],
        h: o.activations[actName],
      });
      row.alpha.push(a.alpha);
      row.omega.push(a.omega);
      row.nu.push(a.nu);
    }
    report.layers[path] = row;
  }
  return report;
}
