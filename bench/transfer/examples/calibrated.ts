/**
 * νGPT with the width drift its own sweep measured on small models folded into every learning
 * rate (issue 14, part 4): on the quick preset's models (widths 16, 32, 64, head size 16, 200
 * steps, two seeds; `deno task transfer --preset quick --param nugpt --seeds 2`, 2026-11-30,
 * `bench/results/cpu-calibration-quick/`) νGPT's log2 lr* fell with slope −0.3175 [−0.515,
 * −0.001]; `deno run -A bench/transfer/calibrate.ts OUT/summary.json nugpt` turns that into
 * `calibrated(nugpt, -0.3175)`: every role's rate times mw^−0.3175. It is checked on other models
 * (the reference preset's, widths 32 → 128, head size 32) and other seeds:
 *
 *   deno task transfer --preset reference --seeds 3 \
 *     --param nugpt,./bench/transfer/examples/calibrated.ts#nugptCalibrated
 *
 * @example
 * ```ts
 * import { nugptCalibrated } from "./calibrated.ts";
 * import { nugpt } from "../../../param/mod.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const dims = { width: 128, depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 300 };
 * const ratio = nugptCalibrated({ role: "output", dims }).lr / nugpt({ role: "output", dims }).lr;
 * assertClose(Math.log2(ratio) / 2, -0.3175, { atol: 1e-9 }); // a 4× wider model
 * ```
 *
 * @module
 */
import { nugpt } from "../../../param/mod.ts";
import { calibrated } from "../tools/calibrate.ts";

/** The slope measured on the quick preset's models (see the module doc). */
const MEASURED_SLOPE = -0.3175;

/** νGPT times mw^−0.3175 on every learning rate. */
export const nugptCalibrated = calibrated(nugpt, MEASURED_SLOPE, "nugpt-calibrated");
