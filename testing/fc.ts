/**
 * nugrad's one door to fast-check, pinned. Tests and the `testing` entry point
 * import fast-check from here only.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * fc.assert(fc.property(fc.integer(), (n) => n + 0 === n));
 * ```
 *
 * @module
 */
export { default as fc } from "npm:fast-check@4.11.0";
