/**
 * Host references for the special functions, independent of the kernels'
 * algorithms: `erf` by composite Gauss–Legendre integration of `2/√π e^(-t²)`
 * (panels of width ≤ 1/40: error far below f64's resolution), and round half to even.
 *
 * @example
 * ```ts
 * import { erfReference, roundHalfEven } from "./special_reference.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(Math.abs(erfReference(1) - 0.8427007929497149) < 1e-14);
 * assertTrue(roundHalfEven(2.5) === 2 && roundHalfEven(-1.5) === -2);
 * ```
 *
 * @module
 */

const NODES = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const WEIGHTS = [
  0.5688888888888889,
  0.47862867049936647,
  0.47862867049936647,
  0.23692688505618908,
  0.23692688505618908,
];

/** erf(x) by 5-point Gauss–Legendre on panels of width ≤ 1/40, summed with compensation. */
export function erfReference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.max(-6, Math.min(6, x));
  const panels = Math.max(1, Math.ceil(Math.abs(a) * 40)), h = a / panels;
  let sum = 0, carry = 0;
  for (let p = 0; p < panels; p++) {
    const mid = (p + 0.5) * h;
    for (let k = 0; k < 5; k++) {
      const t = mid + (NODES[k] * h) / 2;
      const term = WEIGHTS[k] * Math.exp(-t * t) - carry;
      const next = sum + term;
      carry = next - sum - term;
      sum = next;
    }
  }
  return (2 / Math.sqrt(Math.PI)) * (h / 2) * sum;
}

/** The nearest integer, halves to the even neighbour. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x), d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}
