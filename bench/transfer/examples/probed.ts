/**
 * νGPT with per-role learning-rate width exponents measured by the role probe (issue 14, part 4):
 * on the quick preset's models (head size 16, sequences of 32 bytes, 200 steps, two seeds) at
 * widths 16, 32 and 64, with the base rate at νGPT's optimum for each width (2^-4.5, 2^-4.5,
 * 2^-5), each role group's rate was scaled by 1/4 … 4 in turn; `deno run -A
 * bench/transfer/role_probe.ts w16 w32 w64 --base nugpt` (2026-11-30,
 * `bench/results/cpu-role-probe/`) fitted how each group's best factor moves with width and
 * printed these exponents, each on top of νGPT's own: hidden +0.7224 (best factor rising with
 * width, a bound at width 64), output −0.5549, rescalers (αA, αM, sqk, su, sv, sz) +0.1902,
 * input −0.0415. Checked on the reference preset's models with three seeds:
 *
 *   deno task transfer --preset reference --seeds 3 \
 *     --param ./bench/transfer/examples/probed.ts#nugptProbed
 *
 * @example
 * ```ts
 * import { nugptProbed } from "./probed.ts";
 * import { nugpt } from "../../../param/mod.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const dims = { width: 128, depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 300 };
 * const ratio = nugptProbed({ role: "hidden", dims }).lr / nugpt({ role: "hidden", dims }).lr;
 * assertClose(Math.log2(ratio) / 2, 0.7224, { atol: 1e-9 }); // a 4× wider model
 * ```
 *
 * @module
 */
import { nugpt } from "../../../param/mod.ts";
import { probedParameterization } from "../tools/role_probe.ts";

/** The exponents the probe printed (see the module doc). */
const PROBED = {
  "alpha+sqk+su+sv+sz": 0.1902,
  hidden: 0.7224,
  input: -0.0415,
  output: -0.5549,
};

/** νGPT times mw^e per role group, e as measured by the probe. */
export const nugptProbed = probedParameterization(nugpt, PROBED, "nugpt-probed");
