/**
 * Reading a parameterization: settings for a named parameter, a table of every role for logs
 * and docs, and the rescaler constants to store in checkpoint metadata.
 *
 * @example
 * ```ts
 * import { describe, formatDescription } from "./describe.ts";
 * import { nugpt } from "./presets.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const dims = { width: 256, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * const lines = formatDescription(describe(nugpt(), dims)).split("\n");
 * assertEquals(lines[0].split(/\s+/), ["role", "lr", "init", "scale", "effectiveLr"]);
 * // hidden: νGPT's lr multiplier (width / base)^(-3/4) = 4^(-3/4)
 * assertEquals(lines[2].split(/\s+/).slice(0, 2), ["hidden", "0.3536"]);
 * ```
 *
 * @module
 */
import type { Dims } from "./dims.ts";
import type { Parameterization, Settings } from "./parameterization.ts";
import { isRescaler, type Role, roleOf, ROLES } from "./roles.ts";

/**
 * The settings of the parameter with canonical name `path` (its role from
 * {@linkcode roleOf}); the shape, when given, is passed on to the rules.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { settingsFor } from "./describe.ts";
 * import { mup } from "./presets.ts";
 * const dims = { width: 128, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertTrue(settingsFor(mup, "blocks.2.mlp.down", dims, [128, 512]).lr === 0.5);
 * ```
 */
export function settingsFor(
  p: Parameterization,
  path: string,
  dims: Dims,
  shape?: readonly number[],
): Settings {
  const role = roleOf(path);
  return p(
    shape === undefined
      ? { role, dims, path }
      : { role, dims, path, shape: Object.freeze([...shape]) },
  );
}

/** One row of {@linkcode describe}. */
export interface DescriptionRow {
  /** The role described. */
  readonly role: Role;
  /** Learning-rate multiplier. */
  readonly lr: number;
  /** Rescalers: the effective starting value. */
  readonly init?: number;
  /** Rescalers: the stored starting value. */
  readonly scale?: number;
  /** Rescalers: how fast the effective value moves per unit base lr, `lr · init / scale`. */
  readonly effectiveLr?: number;
}

/**
 * One row per role (in {@linkcode ROLES} order) with the settings of `p` at `dims`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { describe } from "./describe.ts";
 * import { ngpt } from "./presets.ts";
 * const dims = { width: 64, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * const alpha = describe(ngpt, dims).find((row) => row.role === "alpha");
 * assertTrue(alpha?.effectiveLr === 1 * 0.05 / 0.125);
 * ```
 */
export function describe(p: Parameterization, dims: Dims): DescriptionRow[] {
  return ROLES.map((role) => {
    const { lr, init, scale } = p({ role, dims });
    if (!isRescaler(role)) return Object.freeze({ role, lr });
    const i = init as number;
    const s = scale as number;
    return Object.freeze({ role, lr, init: i, scale: s, effectiveLr: (lr * i) / s });
  });
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return "-";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e5) return String(Number(value.toPrecision(4)));
  return value.toExponential(3);
}

/**
 * A fixed-width text table of {@linkcode describe}'s rows (4 significant digits, `-` where a
 * setting does not apply), one line per row under a header.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { formatDescription } from "./describe.ts";
 * const text = formatDescription([{ role: "hidden", lr: 0.5 }]);
 * assertTrue(text.split("\n")[1].startsWith("hidden"));
 * ```
 */
export function formatDescription(rows: readonly DescriptionRow[]): string {
  const header = ["role", "lr", "init", "scale", "effectiveLr"];
  const cells = rows.map((row) => [
    row.role,
    formatNumber(row.lr),
    formatNumber(row.init),
    formatNumber(row.scale),
    formatNumber(row.effectiveLr),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((line) => line[c].length)));
  const line = (values: string[]) =>
    values.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ");
  return [line(header), ...cells.map(line)].join("\n");
}

/** A rescaler's constants: the stored vector starts at `scale`; effective = init/scale·stored. */
export interface RescalerConstants {
  /** The effective starting value. */
  readonly init: number;
  /** The stored starting value. */
  readonly scale: number;
}

/** The rescaler constants of a model, keyed like the parameters (JSON-safe). */
export interface RescalerMetadata {
  /** Attention interpolation rate αA. */
  readonly alphaA: RescalerConstants;
  /** MLP interpolation rate αM. */
  readonly alphaM: RescalerConstants;
  /** Query-key scale. */
  readonly sqk: RescalerConstants;
  /** SwiGLU `u` scale. */
  readonly su: RescalerConstants;
  /** SwiGLU gate scale. */
  readonly sv: RescalerConstants;
  /** Logit scale. */
  readonly sz: RescalerConstants;
}

/**
 * The init and scale of every rescaler of `p` at `dims`, for checkpoint metadata (a plain
 * object: `JSON.stringify` round-trips it). The model needs these to read stored rescalers.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { rescalerMetadata } from "./describe.ts";
 * import { ngpt } from "./presets.ts";
 * const dims = { width: 64, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * const meta = rescalerMetadata(ngpt, dims);
 * assertTrue(meta.alphaA.init === 0.05 && meta.sz.scale === 0.125);
 * assertTrue(JSON.stringify(JSON.parse(JSON.stringify(meta))) === JSON.stringify(meta));
 * ```
 */
export function rescalerMetadata(p: Parameterization, dims: Dims): RescalerMetadata {
  const of = (path: string): RescalerConstants => {
    const { init, scale } = settingsFor(p, path, dims);
    return { init: init as number, scale: scale as number };
  };
  return {
    alphaA: of("blocks.0.alphaA"),
    alphaM: of("blocks.0.alphaM"),
    sqk: of("blocks.0.attn.sqk"),
    su: of("blocks.0.mlp.su"),
    sv: of("blocks.0.mlp.sv"),
    sz: of("sz"),
  };
}
