/**
 * What every renderer of a fused kernel (JavaScript, WebAssembly, WGSL) needs
 * to know about its scalar program: the loop depth at which each node's value
 * can change (so that it is computed there, once per row or once per call),
 * which nodes a set of results depends on, and which nodes need the finished
 * reduction (a row kernel's second pass).
 *
 * @example
 * ```ts
 * import { nodeLevels } from "./fused_program.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = {
 *   shape: [4],
 *   inputs: [{ dtype: "f32" as const, strides: [0], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [0],
 * };
 * assertEquals(nodeLevels(k), [0]); // a broadcast scalar: loaded once
 * ```
 *
 * @module
 */
import type { FusedKernel } from "./fused.ts";

/**
 * The loop depth at which each node's value starts to vary (0 = once per call).
 *
 * @example
 * ```ts
 * import { nodeLevels } from "./fused_program.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(nodeLevels({
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32", strides: [1, 0], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "const", value: 1, dtype: "f32" }],
 *   outputs: [0],
 * }), [1, 0]);
 * ```
 */
export function nodeLevels(k: FusedKernel): number[] {
  const rank = k.shape.length;
  const inputLevel = k.inputs.map((x) => {
    for (let a = rank - 1; a >= 0; a--) if (x.strides[a] !== 0) return a + 1;
    return 0;
  });
  const levels: number[] = [];
  for (const n of k.nodes) {
    if (n.fn === "load") levels.push(inputLevel[n.input]);
    else if (n.fn === "const") levels.push(0);
    else if (n.fn === "reduced") levels.push(rank - 1);
    else levels.push(Math.max(0, ...n.args.map((i) => levels[i])));
  }
  return levels;
}

/**
 * Nodes `roots` depend on (themselves included).
 *
 * @example
 * ```ts
 * import { closure } from "./fused_program.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = {
 *   shape: [2],
 *   inputs: [{ dtype: "f32" as const, strides: [1], offset: 0 }],
 *   nodes: [
 *     { fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "exp" as const, args: [0], dtype: "f32" as const },
 *     { fn: "neg" as const, args: [0], dtype: "f32" as const },
 *   ],
 *   outputs: [1, 2],
 * };
 * assertEquals([...closure(k, [1])].sort(), [0, 1]);
 * ```
 */
export function closure(k: FusedKernel, roots: readonly number[]): Set<number> {
  const used = new Set<number>(roots);
  for (let i = k.nodes.length - 1; i >= 0; i--) {
    const n = k.nodes[i];
    if (used.has(i) && "args" in n) { for (const a of n.args) used.add(a); }
  }
  return used;
}

/**
 * For each node, whether it depends on the finished reduction (a `reduced` node): such nodes,
 * and the outputs among them, belong to a row kernel's second pass.
 *
 * @example
 * ```ts
 * import { needsReduction } from "./fused_program.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = {
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 0 }],
 *   nodes: [
 *     { fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "reduced" as const, dtype: "f32" as const },
 *     { fn: "div" as const, args: [0, 1], dtype: "f32" as const },
 *   ],
 *   outputs: [2],
 *   reduce: { op: "sum" as const, node: 0, axes: [1] },
 * };
 * assertEquals(needsReduction(k), [false, true, true]);
 * ```
 */
export function needsReduction(k: FusedKernel): boolean[] {
  const after: boolean[] = [];
  k.nodes.forEach((n, i) => {
    after[i] = n.fn === "reduced" || ("args" in n && n.args.some((a) => after[a]));
  });
  return after;
}
