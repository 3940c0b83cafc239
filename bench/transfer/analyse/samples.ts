/**
 * A curve's samples: the final loss of each seed at each learning rate, read from a sweep's
 * results (a diverged run counts as an infinite loss, a failed one not at all), and their seed
 * mean.
 *
 * @example
 * ```ts
 * import { meanCurve } from "./samples.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(meanCurve({ points: [{ log2Lr: -8, bySeed: new Map([[0, 1], [1, 2]]) }] }), [
 *   { log2Lr: -8, loss: 1.5 },
 * ]);
 * ```
 *
 * @module
 */
import type { LossPoint } from "./fit.ts";
import type { RunResult } from "../plan/types.ts";

/** One learning rate of a curve: the final loss of each seed (`Infinity` when diverged). */
export interface SamplePoint {
  log2Lr: number;
  bySeed: Map<number, number>;
}

/** A curve's per-seed losses. */
export interface CurveSamples {
  points: SamplePoint[];
}

/**
 * A curve's samples from its runs; failed runs are left out, diverged ones are `Infinity`.
 *
 * @example
 * ```ts
 * import { curveSamples } from "./samples.ts";
 * import type { RunResult } from "../plan/types.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const run = (log2Lr: number, seed: number, loss: number | null) =>
 *   ({ spec: { log2Lr, seed }, status: loss === null ? "diverged" : "ok", finalValLoss: loss }) as
 *     unknown as RunResult;
 * const s = curveSamples([run(-8, 0, 2), run(-8, 1, 3), run(-7, 0, null)]);
 * assertEquals(s.points.map((p) => [p.log2Lr, [...p.bySeed]]), [
 *   [-8, [[0, 2], [1, 3]]],
 *   [-7, [[0, Infinity]]],
 * ]);
 * ```
 */
export function curveSamples(runs: readonly RunResult[]): CurveSamples {
  const byLr = new Map<number, Map<number, number>>();
  for (const r of runs) {
    if (r.status === "failed") continue;
    const loss = r.status === "ok" && r.finalValLoss !== null && Number.isFinite(r.finalValLoss)
      ? r.finalValLoss
      : Infinity;
    const m = byLr.get(r.spec.log2Lr) ?? new Map<number, number>();
    m.set(r.spec.seed, loss);
    byLr.set(r.spec.log2Lr, m);
  }
  return {
    points: [...byLr].sort((a, b) => a[0] - b[0]).map(([log2Lr, m]) => ({
      log2Lr,
      bySeed: new Map([...m].sort((a, b) => a[0] - b[0])),
    })),
  };
}

/**
 * The seed-mean curve of the samples (a diverged seed makes its point diverged).
 *
 * @example
 * ```ts
 * import { meanCurve } from "./samples.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const points = [{ log2Lr: -8, bySeed: new Map([[0, 2], [1, 3]]) }];
 * assertEquals(meanCurve({ points }), [{ log2Lr: -8, loss: 2.5 }]);
 * ```
 */
export function meanCurve(samples: CurveSamples): LossPoint[] {
  return samples.points.map((p) => ({ log2Lr: p.log2Lr, loss: mean([...p.bySeed.values()]) }));
}

/**
 * The mean of `xs` (NaN for none).
 *
 * @example
 * ```ts
 * import { mean } from "./samples.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(mean([1, 2]), 1.5);
 * ```
 */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length === 0 ? NaN : s / xs.length;
}

/**
 * A content key of a curve: identical samples give identical keys (and bootstrap streams).
 *
 * @example
 * ```ts
 * import { curveKey } from "./samples.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(curveKey({ points: [] }), "[]");
 * ```
 */
export function curveKey(samples: CurveSamples): string {
  return JSON.stringify(samples.points.map((p) => [p.log2Lr, [...p.bySeed]]));
}
