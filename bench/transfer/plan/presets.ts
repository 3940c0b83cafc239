/**
 * The `quick` and `full` presets: the one place their numbers live. Explicit flags override a
 * preset's values; with no `--preset`, `quick` applies.
 *
 * `quick` is sized for a 2-core CPU without a GPU (about 6 minutes there with its two shard
 * processes; at most 10) over a 4× width range: widths 16, 32, 64 at head size 16, sequences of 32
 * bytes, 200 steps. The spec's head size is 32, but the CPU backend's training step at widths
 * 32/64/128 with head size 32 and sequences of 64 measured 110/250/500–700 ms here, which puts a
 * 4× width range out of a 10-minute budget; the smaller models show the same contrast (see the
 * README). Its high-learning-rate signature is at 2^-4, an octave above the full preset's,
 * because these small models' optima sit higher. `reference` is the measurement a 2-core CPU can
 * make in under 10 minutes with the compiled training step (`deno task demo` runs it): the full
 * sweep's model (head size 32, sequences of 64 bytes) for 300 steps at widths 32, 64, 128, one
 * seed — 6 min 46 s here, and the nGPT–νGPT slope difference significant at 90 % (see the README).
 * `quick` keeps the smaller models (and the library's and the CLI's default head size 16) as the
 * one-minute check. `full` is the publication-style sweep (widths
 * 32→256, head size 32, 500 steps, 2 seeds, three parameterizations; hours on a CPU, minutes on
 * a GPU), with the signature at 2^-5. Both search each curve's minimum adaptively (see
 * `plan.ts`).
 *
 * @example
 * ```ts
 * import { PRESETS } from "./presets.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(PRESETS.quick.sizes.width, [16, 32, 64]);
 * assertEquals([PRESETS.reference.headSize, PRESETS.reference.seq], [32, 64]);
 * ```
 *
 * @module
 */
import type { Axis } from "./types.ts";

/** The values a preset sets. */
export interface Preset {
  /** `adaptive`: coarse pass then half-octave refinement; `grid`: every point of `lrs`. */
  search: "adaptive" | "grid";
  params: string[];
  /** Sizes swept, per axis. */
  sizes: Record<Axis, number[]>;
  /** Fixed width, depth, steps and batch when another axis is swept. */
  width: number;
  depth: number;
  steps: number;
  headSize: number;
  batch: number;
  seq: number;
  seeds: number;
  /** log2 learning-rate grid, in `--lrs` syntax. */
  lrs: string;
  evalEvery: number;
  /** log2 lr of the high-learning-rate signature, evaluated at every size. */
  signatureLog2Lr: number;
  /** Parallel shard processes (see `--jobs`). */
  jobs: number;
}

/** Preset names. */
export type PresetName = "quick" | "reference" | "full";

/** The presets, by name. */
export const PRESETS: Record<PresetName, Preset> = {
  quick: {
    search: "adaptive",
    params: ["ngpt", "nugpt"],
    sizes: { width: [16, 32, 64], depth: [1, 2, 4], steps: [100, 200, 400], batch: [8, 16, 32] },
    width: 32,
    depth: 2,
    steps: 200,
    headSize: 16,
    batch: 16,
    seq: 32,
    seeds: 1,
    lrs: "-9:-3:1",
    evalEvery: 50,
    signatureLog2Lr: -4,
    jobs: 2,
  },
  reference: {
    search: "adaptive",
    params: ["ngpt", "nugpt"],
    sizes: { width: [32, 64, 128], depth: [1, 2, 4], steps: [150, 300, 600], batch: [8, 16, 32] },
    width: 64,
    depth: 2,
    steps: 300,
    headSize: 32,
    batch: 16,
    seq: 64,
    seeds: 1,
    lrs: "-9:-3:1",
    evalEvery: 50,
    signatureLog2Lr: -4,
    jobs: 2,
  },
  full: {
    search: "adaptive",
    params: ["ngpt", "mup", "nugpt"],
    sizes: {
      width: [32, 64, 128, 256],
      depth: [1, 2, 4, 8],
      steps: [250, 500, 1000, 2000],
      batch: [8, 16, 32, 64],
    },
    width: 64,
    depth: 2,
    steps: 500,
    headSize: 32,
    batch: 16,
    seq: 64,
    seeds: 2,
    lrs: "-12:-3:1",
    evalEvery: 50,
    signatureLog2Lr: -5,
    jobs: 1,
  },
};
