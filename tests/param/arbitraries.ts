/**
 * Shared fast-check arbitraries for the param tests: dimensions and roles.
 *
 * @example
 * ```ts
 * import { fc } from "../../testing/fc.ts";
 * import { arbDims } from "./arbitraries.ts";
 * fc.assert(fc.property(arbDims(), (d) => d.width > 0));
 * ```
 *
 * @module
 */
import { fc } from "../../testing/fc.ts";
import type { Dims } from "../../param/dims.ts";
import { type Role, ROLES } from "../../param/roles.ts";

/** A positive finite dimension, spanning several orders of magnitude. */
export const arbSize = (): fc.Arbitrary<number> =>
  fc.double({ min: 1e-2, max: 1e6, noNaN: true, noDefaultInfinity: true });

/** Random current and base dimensions, frozen. */
export const arbDims = (): fc.Arbitrary<Dims> =>
  fc.record({
    width: arbSize(),
    depth: arbSize(),
    steps: arbSize(),
    baseWidth: arbSize(),
    baseDepth: arbSize(),
    baseSteps: arbSize(),
  }).map((d) => Object.freeze(d));

/** Random dimensions of a base model (current equals base), frozen. */
export const arbBaseDims = (): fc.Arbitrary<Dims> =>
  fc.record({ width: arbSize(), depth: arbSize(), steps: arbSize() }).map((b) =>
    Object.freeze({
      ...b,
      baseWidth: b.width,
      baseDepth: b.depth,
      baseSteps: b.steps,
    })
  );

/** Any role. */
export const arbRole = (): fc.Arbitrary<Role> => fc.constantFrom(...ROLES);

/** Whether `actual` is within a relative `rtol` of `expected`. */
export function closeRel(actual: number, expected: number, rtol = 1e-12): boolean {
  return Math.abs(actual - expected) <= rtol * Math.abs(expected);
}
