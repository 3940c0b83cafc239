/**
 * Model dimensions, and the multipliers relative to the base model (spec section 7).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { multipliers } from "./dims.ts";
 * const m = multipliers({
 *   width: 256, depth: 8, steps: 2000, baseWidth: 64, baseDepth: 4, baseSteps: 1000,
 * });
 * assertTrue(m.mw === 4 && m.mL === 2 && m.mT === 2);
 * ```
 *
 * @module
 */

/**
 * The dimensions a parameterization sees: the current model's width `d`, depth `L` and
 * training horizon `T` (optimizer steps), and those of the base model on which the base
 * learning rate was tuned.
 */
export interface Dims {
  /** Model width `d` of the current model. */
  readonly width: number;
  /** Number of blocks `L` of the current model. */
  readonly depth: number;
  /** Training horizon `T` (optimizer steps) of the current run. */
  readonly steps: number;
  /** Width `d0` of the base model. */
  readonly baseWidth: number;
  /** Depth `L0` of the base model. */
  readonly baseDepth: number;
  /** Training horizon `T0` of the base run. */
  readonly baseSteps: number;
  /**
   * Batch size `B` (sequences per step) of the current run; optional, with `baseBatch`. Where
   * absent the batch multiplier is 1, so parameterizations that ignore the batch see no change.
   */
  readonly batch?: number;
  /** Batch size `B0` the base learning rate was tuned at; given with `batch`. */
  readonly baseBatch?: number;
}

/** The multipliers `mw = d/d0`, `mL = L/L0`, `mT = T/T0`. */
export interface Multipliers {
  /** Width multiplier `d / d0`. */
  readonly mw: number;
  /** Depth multiplier `L / L0`. */
  readonly mL: number;
  /** Horizon multiplier `T / T0`. */
  readonly mT: number;
  /** Batch multiplier `B / B0`; 1 where the dims carry no batch. */
  readonly mB: number;
}

const FIELDS = ["width", "depth", "steps", "baseWidth", "baseDepth", "baseSteps"] as const;

/**
 * Throws unless every field of `dims` is a positive finite number; the error names `op`, the
 * field and its value. Returns `dims` unchanged.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { validateDims } from "./dims.ts";
 * let message = "";
 * try {
 *   validateDims({ width: 0, depth: 1, steps: 1, baseWidth: 1, baseDepth: 1, baseSteps: 1 });
 * } catch (e) {
 *   message = (e as Error).message;
 * }
 * assertTrue(message.includes("width") && message.includes("0"));
 * ```
 */
export function validateDims(dims: Dims, op = "dims"): Dims {
  if (typeof dims !== "object" || dims === null) {
    throw new Error(`${op}: dims must be an object with fields ${FIELDS.join(", ")}, got ${dims}`);
  }
  for (const field of FIELDS) {
    const value = (dims as unknown as Record<string, unknown>)[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new Error(
        `${op}: dims.${field} must be a positive finite number, got ${describeValue(value)}`,
      );
    }
  }
  const { batch, baseBatch } = dims;
  if ((batch === undefined) !== (baseBatch === undefined)) {
    throw new Error(
      `${op}: dims.batch and dims.baseBatch come together, got batch ${describeValue(batch)}, ` +
        `baseBatch ${describeValue(baseBatch)}`,
    );
  }
  for (const [field, value] of [["batch", batch], ["baseBatch", baseBatch]] as const) {
    if (
      value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)
    ) {
      throw new Error(
        `${op}: dims.${field} must be a positive finite number, got ${describeValue(value)}`,
      );
    }
  }
  return dims;
}

function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * The multipliers of `dims` relative to its base model (validated first).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { multipliers } from "./dims.ts";
 * const { mw } = multipliers({
 *   width: 128, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100,
 * });
 * assertTrue(mw === 2);
 * ```
 */
export function multipliers(dims: Dims): Multipliers {
  validateDims(dims, "multipliers");
  return Object.freeze({
    mw: dims.width / dims.baseWidth,
    mL: dims.depth / dims.baseDepth,
    mT: dims.steps / dims.baseSteps,
    mB: dims.batch === undefined ? 1 : dims.batch / dims.baseBatch!,
  });
}

/**
 * Dimensions of the base model itself (every multiplier 1), from its width, depth and steps.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { baseDims, multipliers } from "./dims.ts";
 * const dims = baseDims({ width: 64, depth: 4, steps: 500 });
 * assertTrue(multipliers(dims).mw === 1);
 * ```
 */
export function baseDims(base: { width: number; depth: number; steps: number }): Dims {
  return validateDims(
    Object.freeze({
      width: base.width,
      depth: base.depth,
      steps: base.steps,
      baseWidth: base.width,
      baseDepth: base.depth,
      baseSteps: base.steps,
    }),
    "baseDims",
  );
}

/**
 * `dims` with some current dimensions replaced (the base is kept), validated.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { baseDims, scaled } from "./dims.ts";
 * const wide = scaled(baseDims({ width: 64, depth: 4, steps: 500 }), { width: 256 });
 * assertTrue(wide.width === 256 && wide.baseWidth === 64);
 * ```
 */
export function scaled(
  dims: Dims,
  change: { width?: number; depth?: number; steps?: number; batch?: number },
): Dims {
  return validateDims(Object.freeze({ ...dims, ...change }), "scaled");
}
