/**
 * νGPT with its token-horizon factor switched off, composed from `param`'s building blocks: the
 * parameterization the horizon sweep compares νGPT against.
 *
 *   deno task transfer --axis steps --sizes 100,200,400 \
 *     --param nugpt,./bench/transfer/examples/no_horizon.ts#nugptNoHorizon
 *
 * @example
 * ```ts
 * import { nugptNoHorizon } from "./no_horizon.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(nugptNoHorizon.name, "nugpt-no-horizon");
 * ```
 *
 * @module
 */
import { compose, horizonExponent, nugpt } from "../../../param/mod.ts";

/** νGPT times mT^(+1/3): the learning rates no longer fall with the number of steps. */
export const nugptNoHorizon = compose("nugpt-no-horizon", nugpt(), horizonExponent(1 / 3));
