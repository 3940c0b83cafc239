/**
 * The role-probed νGPT (`probed.ts`) with the width drift its own sweep then measured on the same
 * small models folded into every rate (issue 14, part 4): the probe raised the hidden rates and
 * lowered the output rate, which lowered the losses but made the base rate's optimum fall with
 * width. On the quick preset's models (widths 16, 32, 64, two seeds, a half-octave grid;
 * `deno task transfer --preset quick --search grid --lrs=-8:-3:0.5 --seeds 2 --param
 * ./bench/transfer/examples/probed.ts#nugptProbed`, 2026-11-30, `bench/results/cpu-role-probe/
 * calibration/`) it fell with slope −0.6166 [−0.935, −0.342]; `calibrate.ts` turns that into
 * `calibrated(nugptProbed, -0.6166)`. Checked on the reference preset's models:
 *
 *   deno task transfer --preset reference --seeds 3 --search grid --lrs=-7:-3.5:0.5 \
 *     --param ./bench/transfer/examples/probed_calibrated.ts#nugptProbedCalibrated
 *
 * @example
 * ```ts
 * import { nugptProbedCalibrated } from "./probed_calibrated.ts";
 * import { nugptProbed } from "./probed.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const dims = { width: 128, depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 300 };
 * const ratio = nugptProbedCalibrated({ role: "input", dims }).lr / nugptProbed({ role: "input", dims }).lr;
 * assertClose(Math.log2(ratio) / 2, -0.6166, { atol: 1e-9 }); // a 4× wider model
 * ```
 *
 * @module
 */
import { calibrated } from "../tools/calibrate.ts";
import { nugptProbed } from "./probed.ts";

/** The slope measured on the quick preset's models (see the module doc). */
const MEASURED_SLOPE = -0.6166;

/** The probed νGPT times mw^−0.6166 on every learning rate. */
export const nugptProbedCalibrated = calibrated(
  nugptProbed,
  MEASURED_SLOPE,
  "nugpt-probed-calibrated",
);
