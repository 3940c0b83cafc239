/**
 * Parameter roles: what a parameterization needs to know about a parameter.
 *
 * Every canonical parameter name of the nGPT model (spec section 5) maps to one role. Matrices
 * are `input` (the embedding), `hidden` (attention and MLP weights) or `output` (the
 * unembedding); the trainable vectors ("rescalers", spec section 3) each have their own role,
 * except `alphaA` and `alphaM`, which share the role `alpha`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { isRescaler, roleOf } from "./roles.ts";
 * assertTrue(roleOf("blocks.3.mlp.gate") === "hidden");
 * assertTrue(isRescaler(roleOf("blocks.0.alphaA")));
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
  [
    "input",
    "hidden",
    "output",
    "alpha",
    "sqk",
    "su",
    "sv",
    "sz",
  ] as const,
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

const LAYER = "(?:0|[1-9][0-9]*)";

/** Canonical name patterns, in spec order, with the role each maps to. */
const PATTERNS: readonly {
  readonly pattern: string;
  readonly regex: RegExp;
  readonly role: Role;
}[] = [
  { pattern: "embed", source: "embed", role: "input" },
  {
    pattern: "blocks.{l}.attn.q|k|v|o",
    source: `blocks\\.${LAYER}\\.attn\\.[qkvo]`,
    role: "hidden",
  },
  { pattern: "blocks.{l}.attn.sqk", source: `blocks\\.${LAYER}\\.attn\\.sqk`, role: "sqk" },
  { pattern: "blocks.{l}.alphaA|alphaM", source: `blocks\\.${LAYER}\\.alpha[AM]`, role: "alpha" },
  {
    pattern: "blocks.{l}.mlp.up|gate|down",
    source: `blocks\\.${LAYER}\\.mlp\\.(?:up|gate|down)`,
    role: "hidden",
  },
  { pattern: "blocks.{l}.mlp.su", source: `blocks\\.${LAYER}\\.mlp\\.su`, role: "su" },
  { pattern: "blocks.{l}.mlp.sv", source: `blocks\\.${LAYER}\\.mlp\\.sv`, role: "sv" },
  { pattern: "unembed", source: "unembed", role: "output" },
  { pattern: "sz", source: "sz", role: "sz" },
].map(({ pattern, source, role }) =>
  Object.freeze({ pattern, regex: new RegExp(`^${source}$`), role: role as Role })
);

/**
 * The known canonical name patterns (`{l}` is a layer index), for documentation and errors.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { KNOWN_PATTERNS } from "./roles.ts";
 * assertTrue(KNOWN_PATTERNS.includes("unembed"));
 * ```
 */
export const KNOWN_PATTERNS: readonly string[] = Object.freeze(PATTERNS.map((p) => p.pattern));

/**
 * The role of a canonical parameter name (spec section 5). Throws on an unknown name, listing
 * the known patterns.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { roleOf } from "./roles.ts";
 * assertTrue(roleOf("embed") === "input");
 * assertTrue(roleOf("blocks.12.attn.sqk") === "sqk");
 * assertTrue(roleOf("unembed") === "output");
 * ```
 */
export function roleOf(path: string): Role {
  if (typeof path === "string") {
    for (const { regex, role } of PATTERNS) {
      if (regex.test(path)) return role;
    }
  }
  throw new Error(
    `roleOf: unknown parameter name ${JSON.stringify(path)}; known names: ${
      KNOWN_PATTERNS.join(", ")
    } ({l} a layer index 0, 1, 2, ...)`,
  );
}

/**
 * Every canonical parameter name of a model with `depth` blocks, in spec order.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { canonicalNames, roleOf } from "./roles.ts";
 * const names = canonicalNames(2);
 * assertTrue(names.length === 3 + 2 * 12);
 * assertTrue(names.every((n) => typeof roleOf(n) === "string"));
 * ```
 */
export function canonicalNames(depth: number): string[] {
  if (!Number.isInteger(depth) || depth < 0) {
    throw new Error(`canonicalNames: depth must be a non-negative integer, got ${depth}`);
  }
  const names = ["embed"];
  for (let l = 0; l < depth; l++) {
    const b = `blocks.${l}`;
    names.push(
      `${b}.attn.q`,
      `${b}.attn.k`,
      `${b}.attn.v`,
      `${b}.attn.o`,
      `${b}.attn.sqk`,
      `${b}.alphaA`,
      `${b}.mlp.up`,
      `${b}.mlp.gate`,
      `${b}.mlp.down`,
      `${b}.mlp.su`,
      `${b}.mlp.sv`,
      `${b}.alphaM`,
    );
  }
  names.push("unembed", "sz");
  return names;
}
