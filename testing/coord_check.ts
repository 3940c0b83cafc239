/**
 * `coordCheck`: μP's coordinate check. Train a few steps at each width and
 * measure how far each parameter and activation moved, then fit how that
 * movement scales with width: flat, growing or shrinking.
 *
 * @example
 * ```ts
 * import { coordCheck } from "./coord_check.ts";
 * import { gather, key, l2Normalize, mean, normal, square, tensor } from "../core/mod.ts";
 * import { assertTrue } from "./assert.ts";
 * const tokens = tensor([0, 1, 2, 3], { dtype: "i32" });
 * const factory = (width: number, { key: k }: { key: any }) => ({
 *   params: { embed: l2Normalize(normal(k, [4, width])) },
 *   loss: (p: any, t: any) => mean(square(gather(p.embed, t))),
 *   activations: (p: any, t: any) => ({ h: gather(p.embed, t) }),
 * });
 * const r = await coordCheck(factory, { widths: [16, 32, 64], steps: 2, lr: 0.01, batch: tokens });
 * // Adam moves each entry by about lr, so a row of `width` entries by lr·sqrt(width)
 * const exponent = r.params.embed.vector.exponent;
 * assertTrue(Math.abs(exponent - 0.5) < 0.1, `exponent ${exponent}`);
 * ```
 *
 * @module
 */
import { key as makeKey, Tensor, treeLeaves } from "../core/mod.ts";
import type { Parameterization } from "../param/mod.ts";
import { fitPowerLaw } from "./power_law.ts";
import {
  type CheckOptimizer,
  type HostArray,
  type ModelContext,
  type ModelFactory,
  trainAndObserve,
} from "./training.ts";

/** How a quantity scales with width. */
export type Verdict = "flat" | "growing" | "shrinking" | "static" | "unstable";

/** One metric of one group across widths. */
export interface Scaling {
  /** The metric at each width (averaged over seeds). */
  values: number[];
  /** Fitted exponent of `values` against width (NaN when a value is 0 or not finite). */
  exponent: number;
  /** `flat` when |exponent| <= flatTolerance; `static` when nothing moved. */
  verdict: Verdict;
}

/** How far one parameter or activation moved, by two metrics. */
export interface Movement {
  /** RMS over entries of the change (μP's per-coordinate size). */
  coordinate: Scaling;
  /** RMS over rows of the L2 norm of the change along the last axis (how far a vector moved). */
  vector: Scaling;
}

/** Options of {@linkcode coordCheck}. */
export interface CoordCheckOptions {
  /** Widths to train (at least two; the first is the base width of the dims). */
  widths: readonly number[];
  /** Optimizer steps at each width (default 3). */
  steps?: number;
  /** The batch (or one per step); activations are measured on step 0's batch. */
  batch: unknown | ((step: number) => unknown);
  /** Base learning rate (default 0.01). */
  lr?: number;
  /** Gives each parameter's lr multiplier (default optimizer) and is passed to the factory. */
  parameterization?: Parameterization;
  /** Depth and steps for the dims (default depth 1, steps = `steps`). */
  depth?: number;
  /** An optimizer per width (default: Adam with the parameterization's multipliers). */
  optimizer?: (width: number, context: ModelContext & { params: unknown }) => CheckOptimizer;
  /** Seeds to average over (default [0]). */
  seeds?: readonly number[];
  /** Largest |exponent| called flat (default 0.25). */
  flatTolerance?: number;
}

/** What {@linkcode coordCheck} returns. */
export interface CoordCheckReport {
  /** The widths checked. */
  widths: number[];
  /** Movement of each parameter (by path). */
  params: Record<string, Movement>;
  /** Movement of each activation (by name). */
  activations: Record<string, Movement>;
}

function changeMetrics(a: HostArray, b: HostArray): [number, number] {
  const n = a.values.length;
  if (n === 0) return [0, 0];
  const last = a.shape.length === 0 ? 1 : a.shape[a.shape.length - 1];
  const rows = last === 0 ? 0 : n / last;
  let total = 0;
  for (let i = 0; i < n; i++) total += (b.values[i] - a.values[i]) ** 2;
  return [Math.sqrt(total / n), rows === 0 ? 0 : Math.sqrt(total / rows)];
}

function scaling(widths: number[], values: number[], flat: number): Scaling {
  if (values.every((v) => v === 0)) return { values, exponent: 0, verdict: "static" };
  if (values.some((v) => !(v > 0 && Number.isFinite(v)))) {
    return { values, exponent: NaN, verdict: "unstable" };
  }
  const { exponent } = fitPowerLaw(widths, values);
  const verdict = Math.abs(exponent) <= flat ? "flat" : exponent > 0 ? "growing" : "shrinking";
  return { values, exponent, verdict };
}

/**
 * Train a model built by `modelFactory(width, context)` for `steps` steps at
 * each width and report, for every parameter and named activation, how far it
 * moved from its initial value (two metrics: per coordinate, and per vector
 * along the last axis), the exponent of that movement in width, and a verdict.
 * Under a width-transferable parameterization activations should be `flat`.
 *
 * @example
 * ```ts
 * import { coordCheck } from "./coord_check.ts";
 * import { key, matmul, mean, normal, square, tanh } from "../core/mod.ts";
 * import { assertTrue } from "./assert.ts";
 * const x = normal(key(9), [8, 4]);
 * const factory = (width: number, { key: k }: { key: any }) => ({
 *   params: { w: normal(k, [4, width], { std: 0.5 }) },
 *   loss: (p: any, b: any) => mean(square(tanh(matmul(b, p.w)))),
 *   activations: (p: any, b: any) => ({ hidden: tanh(matmul(b, p.w)) }),
 *   roleOf: () => "hidden" as const,
 * });
 * const r = await coordCheck(factory, { widths: [8, 16, 32], batch: x });
 * assertTrue(["flat", "growing", "shrinking"].includes(r.activations.hidden.coordinate.verdict));
 * ```
 */
export async function coordCheck(
  modelFactory: ModelFactory,
  opts: CoordCheckOptions,
): Promise<CoordCheckReport> {
  const widths = [...(opts.widths ?? [])];
  if (typeof modelFactory !== "function") {
    throw new Error(`coordCheck: modelFactory must be a function (width, context) => model`);
  }
  if (widths.length < 2 || widths.some((w) => !(Number.isInteger(w) && w > 0))) {
    throw new Error(`coordCheck: needs at least two positive integer widths, got [${widths}]`);
  }
  const steps = opts.steps ?? 3;
  const seeds = opts.seeds ?? [0];
  const flat = opts.flatTolerance ?? 0.25;
  const sums = {
    params: new Map<string, number[][]>(),
    activations: new Map<string, number[][]>(),
  };
  const add = (kind: "params" | "activations", name: string, wi: number, m: [number, number]) => {
    const entry = sums[kind].get(name) ??
      [new Array(widths.length).fill(0), new Array(widths.length).fill(0)];
    entry[0][wi] += m[0] / seeds.length;
    entry[1][wi] += m[1] / seeds.length;
    sums[kind].set(name, entry);
  };
  for (const [wi, width] of widths.entries()) {
    for (const seed of seeds) {
      const context: ModelContext = {
        key: makeKey(seed),
        dims: Object.freeze({
          width,
          depth: opts.depth ?? 1,
          steps,
          baseWidth: widths[0],
          baseDepth: opts.depth ?? 1,
          baseSteps: steps,
        }),
        parameterization: opts.parameterization,
      };
      const model = modelFactory(width, context);
      const [before, after] = await trainAndObserve(model, {
        steps,
        batch: opts.batch,
        lr: opts.lr ?? 0.01,
        parameterization: opts.parameterization,
        dims: context.dims,
        optimizer: opts.optimizer?.(width, { ...context, params: model.params }),
        observeAt: [0, steps],
      });
      for (const t of treeLeaves(model.params)) if (t instanceof Tensor) t.dispose();
      for (const kind of ["params", "activations"] as const) {
        for (const name of Object.keys(before[kind])) {
          add(kind, name, wi, changeMetrics(before[kind][name], after[kind][name]));
        }
      }
    }
  }
  const report: CoordCheckReport = { widths, params: {}, activations: {} };
  for (const kind of ["params", "activations"] as const) {
    for (const [name, [coord, vec]] of sums[kind]) {
      report[kind][name] = {
        coordinate: scaling(widths, coord, flat),
        vector: scaling(widths, vec, flat),
      };
    }
  }
  return report;
}
