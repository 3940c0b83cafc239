/**
 * Parameter roles: what a parameterization needs to know about a parameter.
 *
 * Matrices are `input` (the embedding), `hidden` (attention and MLP weights) or `output` (the
 * unembedding); the trainable vectors ("rescalers", spec section 3) each have their own role,
 * except `alphaA` and `alphaM`, which share the role `alpha`. Which parameter has which role
 * is the model's business (`nn/spec.ts`); a parameterization sees only the role.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { isRescaler } from "./roles.ts";
 * assertTrue(isRescaler("alpha") && !isRescaler("hidden"));
 * ```
 *
 * @module
 */

/** The role of a parameter: it decides which rules of a parameterization apply to it. */
export type Role = "input" | "hidden" | "output" | "alpha" | "sqk" | "su" | "sv" | "sz";

/** The roles that are trainable vectors with an `init` and a `scale` (spec section 3). */
export type RescalerRole = "alpha" | "sqk" | "su" | "sv" | "sz";

/**
 * Every role, in a fixed order (matrices first, then rescalers).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { ROLES } from "./roles.ts";
 * assertTrue(ROLES.length === 8);
 * ```
 */
export const ROLES: readonly Role[] = Object.freeze(
  ["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"] as const,
);

/**
 * The rescaler roles, in the order of {@linkcode ROLES}.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { RESCALER_ROLES } from "./roles.ts";
 * assertTrue(RESCALER_ROLES.includes("sz"));
 * ```
 */
export const RESCALER_ROLES: readonly RescalerRole[] = Object.freeze(
  ["alpha", "sqk", "su", "sv", "sz"] as const,
);

/**
 * Whether a role is a rescaler (a trainable vector with `init` and `scale`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { isRescaler } from "./roles.ts";
 * assertTrue(isRescaler("sqk") && !isRescaler("hidden"));
 * ```
 */
export function isRescaler(role: Role): role is RescalerRole {
  return (RESCALER_ROLES as readonly string[]).includes(role);
}

/**
 * Whether a value is one of the known role names (for checking user input at run time).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { isRole } from "./roles.ts";
 * assertTrue(isRole("output") && !isRole("outptu"));
 * ```
 */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
