/**
 * Timing of a prepared case: warm up, grow `reps` until one sample lasts the
 * target time (so the one sync per sample is amortised), then take samples
 * and report the median time per op.
 *
 * @example
 * ```ts
 * import { measure } from "./timing.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * let x = 0;
 * const m = await measure({
 *   run: (reps) => {
 *     for (let i = 0; i < reps * 1000; i++) x += i;
 *     return Promise.resolve();
 *   },
 *   first: () => Promise.resolve(0),
 *   dispose: () => {},
 * }, { targetSeconds: 0.01, samples: 3 });
 * assertTrue(m.medianSeconds > 0 && m.perOpSeconds.length === 3, JSON.stringify(m));
 * ```
 *
 * @module
 */
import type { Prepared } from "./engine.ts";

/** Options of {@linkcode measure}. */
export interface MeasureOptions {
  /** Length one sample should reach (default 0.25 s). */
  targetSeconds?: number;
  /** Samples to take after calibration (default 5). */
  samples?: number;
  /** Stop taking samples once this much time was spent on them, keeping at least 3 (default 4 s). */
  budgetSeconds?: number;
  /** Most ops in one sample (default 20000). */
  maxReps?: number;
  /** Warm-up runs of one op each (default 2). */
  warmup?: number;
  /** Milliseconds now (default `performance.now`); tests pass a fake clock. */
  clock?: () => number;
}

/** The outcome of {@linkcode measure}. */
export interface Measurement {
  /** Median seconds per op over the samples. */
  medianSeconds: number;
  /** Seconds per op of every sample. */
  perOpSeconds: number[];
  /** Ops per sample. */
  reps: number;
  /** Seconds of the first warm-up run (compilation, first upload). */
  firstRunSeconds: number;
}

/**
 * The median of a non-empty list.
 *
 * @example
 * ```ts
 * import { median } from "./timing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(median([3, 1, 2]), 2);
 * assertEquals(median([4, 1, 2, 3]), 2.5);
 * ```
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median: empty list");
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Median milliseconds of one synchronous call of `fn`: `warmup` calls first, then `samples` timed
 * one by one (for work that is done when the call returns, as the CPU's kernels are).
 *
 * @example
 * ```ts
 * import { medianCallMs } from "./timing.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * let x = 0;
 * assertTrue(medianCallMs(() => { for (let i = 0; i < 1000; i++) x += i; }, 2, 5) >= 0);
 * ```
 */
export function medianCallMs(fn: () => void, warmup: number, samples: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * Seconds taken by one sample: `p.run(reps)`, i.e. `reps` ops and one sync.
 *
 * @example
 * ```ts
 * import { timeRun } from "./timing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const noop = { run: () => Promise.resolve(), first: () => Promise.resolve(0), dispose: () => {} };
 * let now = 0;
 * const clock = () => (now += 250); // a fake clock: 250 ms between readings
 * assertEquals(await timeRun(noop, 10, clock), 0.25);
 * ```
 */
export async function timeRun(
  p: Prepared,
  reps: number,
  clock: () => number = () => performance.now(),
): Promise<number> {
  const t0 = clock();
  await p.run(reps);
  return (clock() - t0) / 1000;
}

/** The outcome of {@linkcode calibrate}. */
export interface Calibration {
  /** Ops per sample. */
  reps: number;
  /** Seconds of the first sample at `reps` (the last calibration run). */
  firstSampleSeconds: number;
  /** Seconds of the first warm-up run (compilation, first upload). */
  firstRunSeconds: number;
}

/**
 * Warm up, then grow `reps` until one sample lasts `targetSeconds` (or reaches `maxReps`).
 *
 * @example
 * ```ts
 * import { calibrate } from "./timing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const noop = { run: () => Promise.resolve(), first: () => Promise.resolve(0), dispose: () => {} };
 * assertEquals((await calibrate(noop, { targetSeconds: 1, maxReps: 8 })).reps, 8);
 * ```
 */
export async function calibrate(p: Prepared, opts: MeasureOptions = {}): Promise<Calibration> {
  const target = opts.targetSeconds ?? 0.25;
  const maxReps = opts.maxReps ?? 20000;
  const warmup = opts.warmup ?? 2;
  let firstRunSeconds = 0;
  for (let w = 0; w < warmup; w++) {
    const t = await timeRun(p, 1, opts.clock);
    if (w === 0) firstRunSeconds = t;
  }
  let reps = 1;
  let t = await timeRun(p, reps, opts.clock);
  while (t < target && reps < maxReps) {
    const grow = t > 0 ? Math.min(10, Math.max(2, (1.2 * target) / t)) : 10;
    reps = Math.min(maxReps, Math.ceil(reps * grow));
    t = await timeRun(p, reps, opts.clock);
  }
  return { reps, firstSampleSeconds: t, firstRunSeconds };
}

/**
 * Measure seconds per op of `p` alone (see the module doc for the procedure).
 *
 * @example
 * ```ts
 * import { measure } from "./timing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const m = await measure({
 *   run: () => Promise.resolve(),
 *   first: () => Promise.resolve(0),
 *   dispose: () => {},
 * }, {
 *   targetSeconds: 0.001,
 *   maxReps: 10,
 * });
 * assertEquals(m.reps, 10); // a no-op never reaches 1 ms, so reps stop at maxReps
 * ```
 */
export async function measure(p: Prepared, opts: MeasureOptions = {}): Promise<Measurement> {
  const samples = opts.samples ?? 5;
  const budget = opts.budgetSeconds ?? 4;
  const { reps, firstSampleSeconds, firstRunSeconds } = await calibrate(p, opts);
  const perOpSeconds = [firstSampleSeconds / reps];
  let spent = firstSampleSeconds;
  while (perOpSeconds.length < samples && (perOpSeconds.length < 3 || spent < budget)) {
    const s = await timeRun(p, reps, opts.clock);
    spent += s;
    perOpSeconds.push(s / reps);
  }
  return { medianSeconds: median(perOpSeconds), perOpSeconds, reps, firstRunSeconds };
}
