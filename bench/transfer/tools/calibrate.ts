/**
 * A learning-rate width exponent measured by the transfer sweep itself (issue 14, part 4): take a
 * parameterization's width slope of log2 lr* from a sweep's `summary.json` (on small models) and
 * fold it into every learning rate, so that the composed parameterization's optimum, if the drift
 * is a power law that holds at other sizes, stays put. The sweep that measures the slope and the
 * sweep that checks the result must differ (other models, other seeds), or the check proves
 * nothing.
 *
 *   deno run -A bench/transfer/tools/calibrate.ts OUT/summary.json nugpt
 *
 * prints the slope with its interval and the `compose` line that applies it.
 *
 * @example
 * ```ts
 * import { calibrated, widthSlopeOf } from "./calibrate.ts";
 * import { nugpt } from "../../../param/mod.ts";
 * import { assertClose, assertEquals } from "../../../testing/assert.ts";
 * const summary = { slopes: [{ parameterization: "nugpt", axis: "width", slope: -0.25,
 *   sizes: [16, 32, 64], interval: { level: 0.9, lo: -0.4, hi: -0.1 }, edgeFraction: 0 }] };
 * assertEquals(widthSlopeOf(summary, "nugpt").slope, -0.25);
 * const p = calibrated(nugpt, -0.25);
 * const dims = { width: 128, depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 300 };
 * // Every role's rate gets an extra (128 / 32)^-0.25 = 1/√2 over νGPT's.
 * assertClose(p({ role: "hidden", dims }).lr / nugpt({ role: "hidden", dims }).lr, Math.SQRT1_2);
 * assertClose(p({ role: "sz", dims }).lr / nugpt({ role: "sz", dims }).lr, Math.SQRT1_2);
 * ```
 *
 * @module
 */
import { compose, type Parameterization, ROLES, widthExponent } from "../../../param/mod.ts";
import { boundedAwayFrom } from "../analyse/intervals.ts";

/** A width slope as `summary.json` records it (the fields this file reads). */
export interface RecordedSlope {
  parameterization: string;
  axis: string;
  slope: number | null;
  sizes: number[];
  interval?: { level: number; lo: number | null; hi: number | null } | null;
  edgeFraction?: number;
  /** Why the slope is undetermined (every optimum a bound), when it is. */
  undetermined?: string | null;
}

/**
 * The width slope of `parameterization` in a sweep summary; throws, naming what the summary has,
 * when it has none (no width sweep of it, or too few optima to fit).
 *
 * @example
 * ```ts
 * import { widthSlopeOf } from "./calibrate.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(() => widthSlopeOf({ slopes: [] }, "nugpt"), "no width slope of 'nugpt'");
 * ```
 */
export function widthSlopeOf(
  summary: { slopes: RecordedSlope[] },
  parameterization: string,
): RecordedSlope & { slope: number } {
  const found = summary.slopes.find((s) =>
    s.parameterization === parameterization && s.axis === "width"
  );
  if (found === undefined || found.slope === null) {
    const have = summary.slopes.map((s) => `${s.parameterization} (${s.axis})`).join(", ");
    throw new Error(
      `calibrate: no width slope of '${parameterization}' in the summary` +
        (found?.undetermined
          ? ` (undetermined: ${found.undetermined})`
          : found
          ? " (too few optima to fit one)"
          : `; it has: ${have || "none"}`),
    );
  }
  return found as RecordedSlope & { slope: number };
}

/**
 * `base` with every role's learning rate multiplied by `mw^exponent` (`mw = width / baseWidth`):
 * the measured drift of `base`'s optimum, `lr* ∝ mw^exponent`, folded into the parameterization.
 *
 * @example
 * ```ts
 * import { calibrated } from "./calibrate.ts";
 * import { ngpt } from "../../../param/mod.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(calibrated(ngpt, -0.5, "ngpt-cal").name, "ngpt-cal");
 * ```
 */
export function calibrated(
  base: Parameterization,
  exponent: number,
  name = `${base.name}-calibrated`,
): Parameterization {
  if (typeof exponent !== "number" || !Number.isFinite(exponent)) {
    throw new Error(`calibrate: the exponent must be a finite number, got ${exponent}`);
  }
  return compose(name, base, widthExponent([...ROLES], exponent));
}

if (import.meta.main) {
  const [file, parameterization = "nugpt"] = Deno.args;
  if (file === undefined) {
    console.error("usage: deno run -A bench/transfer/tools/calibrate.ts OUT/summary.json [param]");
    Deno.exit(2);
  }
  const summary = JSON.parse(await Deno.readTextFile(file));
  const s = widthSlopeOf(summary, parameterization);
  const iv = s.interval;
  const range = iv ? ` [${iv.lo?.toFixed(3) ?? "?"}, ${iv.hi?.toFixed(3) ?? "?"}]` : "";
  console.log(
    `${parameterization}: width slope of log2 lr* ${s.slope.toFixed(4)}${range} over widths ` +
      `${s.sizes.join(", ")} (${file})`,
  );
  console.log(`compose it: calibrated(${parameterization}, ${s.slope.toFixed(4)})`);
}

/**
 * The calibration slope folded into the found parameterization: the measured one, or 0 under
 * `--fold significant` when its interval holds 0 (a drift the fit cannot tell from noise; folding
 * it would add that noise to every held-out size).
 *
 * @example
 * ```ts
 * import { foldedSlope } from "./calibrate.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const s = { slope: -0.14, interval: { level: 0.9, lo: -0.46, hi: 0.24 } };
 * assertEquals([foldedSlope(s, "significant"), foldedSlope(s, "always")], [0, -0.14]);
 * ```
 */
export function foldedSlope(
  s: { slope: number | null; interval?: { lo: number | null; hi: number | null } | null } | null,
  fold: "significant" | "always",
): number {
  if (s === null || s.slope === null) return 0;
  return fold === "always" || boundedAwayFrom(s.interval, 0) ? s.slope : 0;
}
