/**
 * νGPT with μP's depth correction on hidden learning rates (hidden lr · mL^-1/2), composed from
 * `param`'s building blocks: the variant the paper shows breaking depth transfer.
 *
 *   deno task transfer --axis depth --sizes 1,2,4 \
 *     --param ngpt,nugpt,./bench/transfer/examples/depth_mup.ts#nugptDepthMup
 *
 * @example
 * ```ts
 * import { nugptDepthMup } from "./depth_mup.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(nugptDepthMup.name, "nugpt+depthMup");
 * ```
 *
 * @module
 */
import { compose, depthMup, nugpt } from "../../../param/mod.ts";

/** νGPT times mL^-1/2 on the hidden matrices' learning rates. */
export const nugptDepthMup = compose("nugpt+depthMup", nugpt(), depthMup);
