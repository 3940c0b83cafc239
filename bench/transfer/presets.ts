/**
 * The `quick` and `full` presets: the one place their numbers live. Explicit flags override a
 * preset's values; with no `--preset`, `quick` applies.
 *
 * `quick` is sized for a 2-core CPU without a GPU (at most about 10 minutes) and a 4× width
 * range; `full` is the publication-style sweep (widths 32→256, 500 steps, 2 seeds, three
 * parameterizations; hours on a CPU, minutes on a GPU). Both search each curve's minimum
 * adaptively (see `plan.ts`) and evaluate the high-learning-rate signature at 2^-5.
 *
 * @example
 * ```ts
 * import { PRESETS } from "./presets.ts";
 * console.log(PRESETS.quick.sizes.width); // [32, 64, 128]
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
  /** Fixed width, depth and steps when another axis is swept. */
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
export type PresetName = "quick" | "full";

/** The presets, by name. */
export const PRESETS: Record<PresetName, Preset> = {
  quick: {
    search: "adaptive",
    params: ["ngpt", "nugpt"],
    sizes: { width: [16, 32, 64], depth: [1, 2, 4], steps: [100, 200, 400] },
    width: 32,
    depth: 2,
    steps: 200,
    headSize: 16,
    batch: 16,
    seq: 32,
    seeds: 1,
    lrs: "-9:-3:1",
    evalEvery: 50,
    signatureLog2Lr: -5,
    jobs: 2,
  },
  full: {
    search: "adaptive",
    params: ["ngpt", "mup", "nugpt"],
    sizes: { width: [32, 64, 128, 256], depth: [1, 2, 4, 8], steps: [250, 500, 1000, 2000] },
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
