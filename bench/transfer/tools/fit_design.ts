/**
 * The joint probe's design (`fit_probe.ts`): the factor vectors of a central composite design
 * and the `--param` references that scale each role group by them.
 *
 * @example
 * ```ts
 * import { probeDesign, probeRef } from "./fit_design.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const refs = probeDesign(1, [1]).map((k) => probeRef("nugpt", ["hidden"], k));
 * assertEquals(refs, ["nugpt", "nugpt@hidden*0.5", "nugpt@hidden*2", "nugpt@hidden*0.7071067811865476", "nugpt@hidden*1.4142135623730951"]);
 * ```
 *
 * @module
 */
import { parseParamRef } from "../plan/param_ref.ts";

/**
 * The design's log2 factor vectors for `groups` groups with ranges `ranges` (see the module doc).
 *
 * @example
 * ```ts
 * import { probeDesign } from "./fit_design.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(probeDesign(1, [2]), [[0], [-2], [2], [-1], [1]]);
 * assertEquals(probeDesign(5, [1, 1, 1, 1, 1]).length, 1 + 10 + 16);
 * ```
 */
export function probeDesign(groups: number, ranges: readonly number[]): number[][] {
  if (ranges.length !== groups || ranges.some((r) => !(r > 0))) {
    throw new Error(`probeDesign: need ${groups} positive ranges, got [${ranges}]`);
  }
  const out: number[][] = [new Array(groups).fill(0)];
  for (let g = 0; g < groups; g++) {
    for (const s of [-1, 1]) out.push(ranges.map((r, h) => (h === g ? s * r : 0)));
  }
  const free = groups <= 4 ? groups : groups - 1;
  for (let m = 0; m < 2 ** free; m++) {
    const signs: number[] = Array.from({ length: free }, (_, i) => ((m >> i) & 1 ? 1 : -1));
    if (free < groups) signs.push(signs.reduce((a, b) => a * b, 1));
    out.push(signs.map((s, g) => (s * ranges[g]) / 2));
  }
  const seen = new Set<string>();
  return out.filter((k) => !seen.has(JSON.stringify(k)) && seen.add(JSON.stringify(k)));
}

/**
 * The `--param` reference of a design point: the base with each group scaled by 2^k (groups at
 * k = 0 left out), e.g. `nugpt@hidden*2@output*0.5`.
 *
 * @example
 * ```ts
 * import { factorsOf, probeRef } from "./fit_design.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const ref = probeRef("nugpt", ["hidden", "alpha+sz"], [1, -1]);
 * assertEquals(ref, "nugpt@hidden*2@alpha+sz*0.5");
 * assertEquals(factorsOf(ref, "nugpt", ["hidden", "alpha+sz"]), [1, -1]);
 * ```
 */
export function probeRef(base: string, groups: readonly string[], k: readonly number[]): string {
  return groups.reduce((ref, g, i) => (k[i] === 0 ? ref : `${ref}@${g}*${2 ** k[i]}`), base);
}

/**
 * The log2 factors of a probe reference per group, or null when it is not `base` scaled by the
 * given groups only.
 *
 * @example
 * ```ts
 * import { factorsOf } from "./fit_design.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(factorsOf("nugpt", "nugpt", ["hidden"]), [0]);
 * assertEquals(factorsOf("ngpt@hidden*2", "nugpt", ["hidden"]), null);
 * ```
 */
export function factorsOf(
  ref: string,
  base: string,
  groups: readonly string[],
): number[] | null {
  const k = new Array<number>(groups.length).fill(0);
  let text = ref;
  for (;;) {
    const parsed = parseParamRef(text);
    if (parsed.kind !== "scaled") break;
    const g = groups.indexOf(parsed.roles.join("+"));
    if (g < 0) return null;
    k[g] += Math.round(Math.log2(parsed.factor) * 1e9) / 1e9;
    text = parsed.base;
  }
  return text === base ? k : null;
}
