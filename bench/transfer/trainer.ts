/**
 * The trainer the sweep command uses. Placeholder until `nn`'s `train` exists: replace the body
 * with a call into it (see `types.ts` for the contract).
 *
 * @example
 * ```ts
 * import { trainer } from "./trainer.ts";
 * ```
 *
 * @module
 */
import type { Trainer } from "./types.ts";

/**
 * The real trainer (not wired yet: throws).
 *
 * @example
 * ```ts
 * import { trainer } from "./trainer.ts";
 * // await trainer(spec, data, onProgress)
 * ```
 */
export const trainer: Trainer = () => Promise.reject(new Error("trainer not wired yet"));
