/**
 * Whether backends check indices where the check is not free (WebGPU kernels
 * recording violations for the next readback). The core's `checks()` sets it;
 * the CPU kernels check every index regardless.
 *
 * @module
 */

let checking = false;

/**
 * Turn the recorded index checks of the backends on or off.
 *
 * @example
 * ```ts
 * import { indexChecksOn, setIndexChecks } from "./index_checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const before = indexChecksOn();
 * setIndexChecks(true);
 * assertEquals(indexChecksOn(), true);
 * setIndexChecks(before);
 * ```
 */
export function setIndexChecks(on: boolean): void {
  checking = on;
}

/**
 * True when backends should record out-of-range indices.
 *
 * @example
 * ```ts
 * import { indexChecksOn } from "./index_checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(typeof indexChecksOn(), "boolean");
 * ```
 */
export function indexChecksOn(): boolean {
  return checking;
}
