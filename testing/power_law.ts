/**
 * Least-squares power-law fits: `y ≈ c · x^e`, fitted as a line in log2-log2 space.
 *
 * @example
 * ```ts
 * import { fitPowerLaw } from "./power_law.ts";
 * import { assertClose } from "./assert.ts";
 * const fit = fitPowerLaw([1, 2, 4, 8], [1, 0.5, 0.25, 0.125]);
 * assertClose(fit.exponent, -1);
 * ```
 *
 * @module
 */

/** A fitted power law. */
export interface PowerLawFit {
  /** The exponent `e` (slope of log2 y against log2 x). */
  readonly exponent: number;
  /** The prefactor `c` (y at x = 1). */
  readonly prefactor: number;
  /** Largest |log2 y - fitted log2 y| over the points, in octaves (0 for an exact power law). */
  readonly maxResidual: number;
}

/**
 * Fit `y ≈ c · x^e` by least squares on `log2 y` against `log2 x`. Every x and y
 * must be positive and finite, with at least two distinct x values.
 *
 * @example
 * ```ts
 * import { fitPowerLaw } from "./power_law.ts";
 * import { assertEquals } from "./assert.ts";
 * const { exponent, maxResidual } = fitPowerLaw([32, 64, 128], [1, 1.41, 2.0]);
 * assertEquals([exponent.toFixed(2), maxResidual < 0.01], ["0.50", true]);
 * ```
 */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[]): PowerLawFit {
  if (xs.length !== ys.length) {
    throw new Error(`fitPowerLaw: ${xs.length} x values but ${ys.length} y values`);
  }
  xs.forEach((x, i) => {
    if (!(x > 0 && Number.isFinite(x)) || !(ys[i] > 0 && Number.isFinite(ys[i]))) {
      throw new Error(
        `fitPowerLaw: needs positive finite values, got x=${x}, y=${ys[i]} at point ${i}`,
      );
    }
  });
  const lx = xs.map(Math.log2), ly = ys.map(Math.log2);
  const n = lx.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n, my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  if (!(sxx > 0)) throw new Error(`fitPowerLaw: needs at least two distinct x values, got ${xs}`);
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  const maxResidual = Math.max(...lx.map((x, i) => Math.abs(ly[i] - (intercept + exponent * x))));
  return Object.freeze({ exponent, prefactor: 2 ** intercept, maxResidual });
}
