/**
 * The nGPT parameter table (spec sections 3–5) as one table: each row names a parameter (`{l}`
 * a layer index), gives its shape as a function of the config, its role for parameterizations,
 * the axis along which it keeps unit vectors, and for rescalers the key of its `init / scale`
 * factor. Canonical names, shapes, roles, sphere axes, rescaler keys and checkpoint names are
 * all read off this table; nothing else in the library lists parameters.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { parameterNames, roleOf, sphereAxisOf } from "./spec.ts";
 * assertEquals(parameterNames(1).length, 3 + 12);
 * assertEquals([roleOf("blocks.3.attn.o"), sphereAxisOf("blocks.3.attn.o")], ["hidden", 0]);
 * ```
 *
 * @module
 */
import { treeMapWithPath } from "../core/mod.ts";
import {
  type Dims,
  isRescaler,
  type Parameterization,
  type Role,
  type Settings,
} from "../param/mod.ts";
import type { ModelConfig } from "./config.ts";

/** One row of {@linkcode PARAMETERS}. */
export interface ParameterSpec {
  /** Canonical name; `{l}` stands for a block index. */
  readonly pattern: string;
  /** The shape for a model config. */
  readonly shape: (config: ModelConfig) => number[];
  /** The role a parameterization sees. */
  readonly role: Role;
  /** Unit vectors along rows (`-1`) or columns (`0`), or not normalized (`null`). */
  readonly sphereAxis: -1 | 0 | null;
  /** Rescalers: the key of its factor and checkpoint constants. */
  readonly rescaler?: RescalerKey;
}

/** The rescalers' keys (spec section 3): αA, αM, sqk, su, sv, sz. */
export type RescalerKey = "alphaA" | "alphaM" | "sqk" | "su" | "sv" | "sz";

/** The spec's listing: name, shape in the spec's letters, role, sphere axis. */
const LISTING: readonly [string, string, Role, -1 | 0 | null][] = [
  ["embed", "V d", "input", -1],
  ["blocks.{l}.attn.q", "d d", "hidden", -1],
  ["blocks.{l}.attn.k", "d d", "hidden", -1],
  ["blocks.{l}.attn.v", "d d", "hidden", -1],
  ["blocks.{l}.attn.o", "d d", "hidden", 0],
  ["blocks.{l}.attn.sqk", "H k", "sqk", null],
  ["blocks.{l}.alphaA", "d", "alpha", null],
  ["blocks.{l}.mlp.up", "m d", "hidden", -1],
  ["blocks.{l}.mlp.gate", "m d", "hidden", -1],
  ["blocks.{l}.mlp.down", "d m", "hidden", 0],
  ["blocks.{l}.mlp.su", "m", "su", null],
  ["blocks.{l}.mlp.sv", "m", "sv", null],
  ["blocks.{l}.alphaM", "d", "alpha", null],
  ["unembed", "V d", "output", -1],
  ["sz", "V", "sz", null],
];

const size = (c: ModelConfig, letter: string): number =>
  ({ V: c.vocab, d: c.width, H: c.heads, k: c.width / c.heads, m: c.mlpWidth })[letter]!;

/**
 * The spec's parameter table, in spec order (matrices are stored `[out, in]`; rescalers are
 * the rows with a rescaler role, keyed by their last name segment).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * import { PARAMETERS } from "./spec.ts";
 * const sqk = PARAMETERS.find((row) => row.pattern === "blocks.{l}.attn.sqk")!;
 * const config = modelConfig({ vocab: 8, width: 64, depth: 1, seqLen: 4, headSize: 16 });
 * assertEquals([sqk.shape(config), sqk.role, sqk.rescaler], [[4, 16], "sqk", "sqk"]);
 * ```
 */
export const PARAMETERS: readonly ParameterSpec[] = Object.freeze(
  LISTING.map(([pattern, letters, role, sphereAxis]) =>
    Object.freeze({
      pattern,
      shape: (c: ModelConfig) => letters.split(" ").map((letter) => size(c, letter)),
      role,
      sphereAxis,
      ...(isRescaler(role) ? { rescaler: pattern.split(".").at(-1) as RescalerKey } : {}),
    })
  ),
);

const inBlock = PARAMETERS.filter((row) => row.pattern.includes("{l}"));
const first = PARAMETERS.indexOf(inBlock[0]);
const [pre, post] = [PARAMETERS.slice(0, first), PARAMETERS.slice(first + inBlock.length)];
const matchers = PARAMETERS.map((row) => ({
  row,
  regex: new RegExp(`^${row.pattern.replaceAll(".", "\\.").replace("{l}", "(?:0|[1-9]\\d*)")}$`),
}));

/**
 * The rescaler keys, in table order (the keys of `RescalerFactors` and of the checkpoint's
 * rescaler metadata).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { RESCALER_KEYS } from "./spec.ts";
 * assertEquals(RESCALER_KEYS, ["sqk", "alphaA", "su", "sv", "alphaM", "sz"]);
 * ```
 */
export const RESCALER_KEYS: readonly RescalerKey[] = Object.freeze(
  PARAMETERS.flatMap((row) => row.rescaler ?? []),
);

/**
 * Every canonical parameter name of a model with `depth` blocks, in spec order (also the
 * tensor names of a checkpoint).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { parameterNames } from "./spec.ts";
 * assertEquals(parameterNames(2).slice(0, 3), ["embed", "blocks.0.attn.q", "blocks.0.attn.k"]);
 * assertEquals(parameterNames(2).at(-1), "sz");
 * ```
 */
export function parameterNames(depth: number): string[] {
  if (!Number.isInteger(depth) || depth < 0) {
    throw new Error(`parameterNames: depth must be a non-negative integer, got ${depth}`);
  }
  const blocks = Array.from(
    { length: depth },
    (_, l) => inBlock.map((row) => row.pattern.replace("{l}", String(l))),
  );
  return [...pre.map((r) => r.pattern), ...blocks.flat(), ...post.map((r) => r.pattern)];
}

/**
 * The table row of the canonical parameter name `name`. Throws on an unknown name, listing the
 * known patterns; `op` (default `parameterSpec`) starts the message.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "../testing/assert.ts";
 * import { parameterSpec } from "./spec.ts";
 * assertEquals(parameterSpec("blocks.12.mlp.su").rescaler, "su");
 * assertThrows(() => parameterSpec("blocks.0.attn.w"), "unknown parameter name");
 * ```
 */
export function parameterSpec(name: string, op = "parameterSpec"): ParameterSpec {
  const found = matchers.find(({ regex }) => typeof name === "string" && regex.test(name));
  if (found) return found.row;
  throw new Error(
    `${op}: unknown parameter name ${JSON.stringify(name)}; known names: ${
      PARAMETERS.map((r) => r.pattern).join(", ")
    } ({l} a layer index 0, 1, 2, ...)`,
  );
}

/**
 * The role of a canonical parameter name (spec section 5).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { roleOf } from "./spec.ts";
 * assertEquals([roleOf("embed"), roleOf("blocks.2.alphaM"), roleOf("sz")], ["input", "alpha", "sz"]);
 * ```
 */
export function roleOf(name: string): Role {
  return parameterSpec(name, "roleOf").role;
}

/**
 * The axis along which the parameter `name` has unit-norm vectors (`-1` rows, `0` columns), or
 * `null` for the rescalers (spec section 4).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { sphereAxisOf } from "./spec.ts";
 * assertEquals([sphereAxisOf("blocks.0.attn.q"), sphereAxisOf("blocks.0.mlp.down")], [-1, 0]);
 * assertEquals(sphereAxisOf("sz"), null);
 * ```
 */
export function sphereAxisOf(name: string): -1 | 0 | null {
  return parameterSpec(name, "sphereAxisOf").sphereAxis;
}

/**
 * The shape of every parameter of `config`, keyed by canonical name, in spec order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * import { parameterShapes } from "./spec.ts";
 * const config = modelConfig({ vocab: 10, width: 32, depth: 1, seqLen: 4, headSize: 16 });
 * assertEquals(parameterShapes(config)["blocks.0.mlp.down"], [32, 128]);
 * ```
 */
export function parameterShapes(config: ModelConfig): Record<string, number[]> {
  return Object.fromEntries(
    parameterNames(config.depth).map((name) => [name, parameterSpec(name).shape(config)]),
  );
}

/**
 * A tree shaped like `params` holding each parameter's role (what `optimizerFor` needs).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ones } from "../core/mod.ts";
 * import { roleTree } from "./spec.ts";
 * assertEquals(roleTree({ embed: ones([2, 2]), sz: ones([2]) }), { embed: "input", sz: "sz" });
 * ```
 */
export function roleTree<P>(params: P): unknown {
  return treeMapWithPath((name: string) => roleOf(name), params);
}

/**
 * A tree shaped like `params` holding each parameter's sphere axis (what `projectToSphere`
 * and `optimizerFor` need).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ones } from "../core/mod.ts";
 * import { axisTree } from "./spec.ts";
 * assertEquals(axisTree({ embed: ones([2, 2]), sz: ones([2]) }), { embed: -1, sz: null });
 * ```
 */
export function axisTree<P>(params: P): unknown {
  return treeMapWithPath((name: string) => sphereAxisOf(name), params);
}

/**
 * The settings of `parameterization` for the parameter `name` (its role from the table); the
 * shape, when given, is passed on to the rules.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { mup } from "../param/mod.ts";
 * import { settingsFor } from "./spec.ts";
 * const dims = { width: 128, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertEquals(settingsFor(mup, "blocks.2.mlp.down", dims, [128, 512]).lr, 0.5);
 * ```
 */
export function settingsFor(
  parameterization: Parameterization,
  name: string,
  dims: Dims,
  shape?: readonly number[],
): Settings {
  const role = parameterSpec(name, "settingsFor").role;
  const query = { role, dims, path: name };
  return parameterization(shape === undefined ? query : { ...query, shape: [...shape] });
}

/** A rescaler's constants: the stored vector starts at `scale`; effective = init/scale·stored. */
export interface RescalerConstants {
  /** The effective starting value. */
  readonly init: number;
  /** The stored starting value. */
  readonly scale: number;
}

/** The rescaler constants of a model keyed by {@linkcode RESCALER_KEYS} (JSON-safe). */
export type RescalerMetadata = Readonly<Record<RescalerKey, RescalerConstants>>;

/**
 * The init and scale of every rescaler of `parameterization` at `dims`, for checkpoint
 * metadata (a plain object: `JSON.stringify` round-trips it).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { rescalerMetadata } from "./spec.ts";
 * const dims = { width: 64, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * const meta = rescalerMetadata(ngpt, dims);
 * assertEquals([meta.alphaA.init, meta.sz.scale], [0.05, 0.125]);
 * ```
 */
export function rescalerMetadata(parameterization: Parameterization, dims: Dims): RescalerMetadata {
  return Object.fromEntries(
    PARAMETERS.filter((row) => row.rescaler !== undefined).map((row) => {
      const { init, scale } = settingsFor(parameterization, row.pattern.replace("{l}", "0"), dims);
      return [row.rescaler, { init, scale }];
    }),
  ) as RescalerMetadata;
}
