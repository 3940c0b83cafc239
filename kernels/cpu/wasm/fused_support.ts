/**
 * Which fused kernels the WebAssembly SIMD renderer takes: f32 arithmetic
 * with bool masks (comparisons, `select`, casts between f32 and bool), every
 * scalar function of the description that it vectorizes, reductions of f32
 * values. Anything else (f64, i32, a function added to the description later)
 * stays with the JavaScript renderer.
 *
 * @example
 * ```ts
 * import { wasmUnsupported } from "./fused_support.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = {
 *   shape: [4],
 *   inputs: [{ dtype: "f64" as const, strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f64" as const }],
 *   outputs: [0],
 * };
 * assertEquals(wasmUnsupported(k), "dtype f64");
 * ```
 *
 * @module
 */
import type { DType } from "../../backend.ts";
import { type FusedKernel, isRowKernel } from "../../fused.ts";

/** Functions computed on f32 values. */
const F32_FNS: ReadonlySet<string> = new Set([
  "neg",
  "exp",
  "log",
  "sqrt",
  "sin",
  "cos",
  "tanh",
  "abs",
  "sign",
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
  "atan2",
  "select",
  "cast",
]);
/** Comparisons: f32 (or bool) operands, a bool result. */
const COMPARE: ReadonlySet<string> = new Set(["lt", "le", "gt", "ge", "eq", "ne"]);
/** Functions that keep bool values 0 or 1. */
const BOOL_FNS: ReadonlySet<string> = new Set(["select", "cast", "max", "min", "mul"]);

function lanesDType(t: DType): boolean {
  return t === "f32" || t === "bool";
}

/**
 * Why the Wasm renderer cannot run `k` (a short reason), or `null` when it can.
 * `k` is the kernel as handed to the backend (before collapsing).
 *
 * @example
 * ```ts
 * import { wasmUnsupported } from "./fused_support.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(wasmUnsupported({
 *   shape: [3],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "exp", args: [0], dtype: "f32" }],
 *   outputs: [1],
 * }), null);
 * ```
 */
export function wasmUnsupported(k: FusedKernel): string | null {
  for (const x of k.inputs) if (!lanesDType(x.dtype)) return `dtype ${x.dtype}`;
  for (const n of k.nodes) {
    if (!lanesDType(n.dtype)) return `dtype ${n.dtype}`;
    if (n.fn === "load") {
      if (k.inputs[n.input]?.dtype !== n.dtype) return "load dtype differs from its input";
      continue;
    }
    if (n.fn === "const" || n.fn === "reduced") continue;
    if (COMPARE.has(n.fn)) {
      if (n.dtype !== "bool") return `comparison ${n.fn} of dtype ${n.dtype}`;
      continue;
    }
    if (!F32_FNS.has(n.fn)) return `function ${n.fn}`;
    if (n.dtype === "bool" && !BOOL_FNS.has(n.fn)) return `function ${n.fn} on bool`;
  }
  if (k.reduce) {
    if (k.nodes[k.reduce.node].dtype !== "f32") return "reduction of a non-f32 value";
    if (
      isRowKernel(k) && !(k.reduce.axes.length === 1 && k.reduce.axes[0] === k.shape.length - 1)
    ) {
      return "row kernel not reducing its last axis alone";
    }
  } else if (isRowKernel(k)) return "reduced node without a reduction";
  const size = k.shape.reduce((a, b) => a * b, 1);
  if (size === 0) return "empty";
  if (size >= 2 ** 29) return "too large";
  return null;
}
