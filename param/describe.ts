/**
 * Reading a parameterization: a table of every role's settings, for logs and docs.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { describe, formatDescription } from "./describe.ts";
 * import { nugpt } from "./presets.ts";
 * const dims = { width: 256, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertEquals(formatDescription(describe(nugpt, dims)).split("\n")[0].split(/ +/)[0], "role");
 * ```
 *
 * @module
 */
import type { Dims } from "./dims.ts";
import type { Parameterization } from "./parameterization.ts";
import { isRescaler, type Role, ROLES } from "./roles.ts";

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
