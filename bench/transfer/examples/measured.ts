/**
 * νGPT with its hidden and output learning-rate width exponents replaced by ones derived from
 * measured alignment (issue 14, part 4): `deno task alignment --jobs 2` (width 64, base 32,
 * head size 32, seq 64, 300 steps, lr 2^-6, 2026-11-30) measured mean α = 0.684 and ν = 0.638
 * over the later half of training under νGPT; `bench/alignment/derive.ts` turns that into
 * `−max(α, ν) = −0.684` for the hidden and output matrices (νGPT: −3/4), the input keeping −1/2.
 *
 *   deno task transfer --preset reference \
 *     --param nugpt,./bench/transfer/examples/measured.ts#nugptMeasured
 *
 * @example
 * ```ts
 * import { nugptMeasured } from "./measured.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const dims = { width: 128, depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 300 };
 * const hidden = nugptMeasured({ role: "hidden", dims }).lr;
 * assertClose(Math.log2(hidden) / Math.log2(4), -0.684, { atol: 1e-3 }); // a 4× wider model
 * ```
 *
 * @module
 */
import { measuredParameterization } from "../../alignment/derive.ts";

/** The measured exponents (see the module doc). */
const MEASURED = { input: -0.5, hidden: -0.6845, output: -0.6845 };

/** νGPT with the measured hidden and output width exponents. */
export const nugptMeasured = measuredParameterization(MEASURED, { name: "nugpt-measured" });
