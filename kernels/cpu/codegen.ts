/**
 * The CPU rendering of a {@linkcode FusedKernel}: JavaScript loops over
 * typed arrays, generated once per kernel shape-class (program, dtypes, rank,
 * 0/1 strides) with `new Function`, so that V8 sees one monomorphic loop per
 * kernel. Sizes, strides and offsets arrive at run time.
 *
 * Each scalar node is computed at the outermost loop where its value can
 * change (a broadcast operand is loaded once per row, a scalar one once per
 * call). A reduction accumulates in f64 and is written once at the end.
 *
 * @module
 */
import { type DataArray, type DType, sizeOf } from "../backend.ts";
import {
  collapseKernel,
  type FusedKernel,
  isRowKernel,
  kernelKey,
  type ScalarNode,
} from "../fused.ts";
import { fastExpSource } from "./fast_math.ts";
import { specialMathSource } from "./special_math.ts";
import { runFusedWasm } from "./wasm/fused_dispatch.ts";
import { closure, needsReduction, nodeLevels } from "../fused_program.ts";

/** A compiled kernel: inputs, outputs (fully written), run-time sizes. */
type Compiled = (ins: readonly DataArray[], outs: readonly DataArray[], p: number[]) => void;

const cache = new Map<string, Compiled>();
const MAX_CACHED = 4096;

function literal(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return `(${v})`;
}

/**
 * The JavaScript expression of one scalar node over the values `v<i>`. An f16
 * node is computed in double precision and rounded to the nearest f16 (what
 * one f16 operation of an IEEE half-precision unit gives).
 */
function nodeExpr(n: ScalarNode, nodes: readonly ScalarNode[]): string {
  if (n.dtype !== "f16" || n.fn === "load") return nodeExprOf(n, nodes);
  return `Math.f16round(${nodeExprOf(n, nodes)})`;
}

function nodeExprOf(n: ScalarNode, nodes: readonly ScalarNode[]): string {
  if (n.fn === "load") return `x${n.input}[p${n.input}]`;
  if (n.fn === "const") return literal(n.value);
  if (n.fn === "reduced") return "t";
  const a = `v${n.args[0]}`, b = `v${n.args[1]}`;
  const int = n.dtype === "i32";
  const f32 = n.dtype === "f32";
  switch (n.fn) {
    case "neg":
      return int ? `((-${a}) | 0)` : `(-${a})`;
    case "exp":
      return f32 ? `fastExp(${a})` : `(${a} < -745.2 ? 0 : Math.exp(${a}))`;
    case "log":
    case "sqrt":
    case "sin":
    case "cos":
    case "sign":
      return `Math.${n.fn}(${a})`;
    case "tanh":
      return `Math.tanh(${a})`;
    case "log1p":
    case "expm1":
    case "floor":
    case "ceil":
      return `Math.${n.fn}(${a})`;
    case "erf":
      return `erf(${a})`;
    case "round":
      return `roundEven(${a})`;
    case "abs":
      return int ? `(Math.abs(${a}) | 0)` : `Math.abs(${a})`;
    case "add":
      return int ? `((${a} + ${b}) | 0)` : `(${a} + ${b})`;
    case "sub":
      return int ? `((${a} - ${b}) | 0)` : `(${a} - ${b})`;
    case "mul":
      return int ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`;
    case "div":
      return int ? `((${a} / ${b}) | 0)` : `(${a} / ${b})`;
    case "pow":
      return int ? `(Math.pow(${a}, ${b}) | 0)` : `Math.pow(${a}, ${b})`;
    case "max":
    case "min":
      return `Math.${n.fn}(${a}, ${b})`;
    case "atan2":
      // A zero `a` counts as +0 on every backend: π left of the origin, 0 at and right of it.
      return `(${a} === 0 ? (${b} < 0 ? Math.PI : 0) : Math.atan2(${a}, ${b}))`;
    case "lt":
      return `(${a} < ${b} ? 1 : 0)`;
    case "le":
      return `(${a} <= ${b} ? 1 : 0)`;
    case "gt":
      return `(${a} > ${b} ? 1 : 0)`;
    case "ge":
      return `(${a} >= ${b} ? 1 : 0)`;
    case "eq":
      return `(${a} === ${b} ? 1 : 0)`;
    case "ne":
      return `(${a} !== ${b} ? 1 : 0)`;
    case "select":
      return `(${a} !== 0 ? ${b} : v${n.args[2]})`;
    case "cast":
      return castExpr(a, nodes[n.args[0]].dtype, n.dtype);
  }
}

function castExpr(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (to === "bool") return `(${a} !== 0 ? 1 : 0)`;
  if (to === "i32") return `(${a} | 0)`;
  if (to === "f32" && (from === "f64" || from === "i32")) return `Math.fround(${a})`;
  return a;
}

/**
 * A row kernel: per row (the last axis), a first pass computes the reduction
 * (and outputs that do not need it), a second pass the outputs that read it.
 */
function generateRow(k: FusedKernel): string {
  const rank = k.shape.length;
  const last = rank - 1;
  const red = k.reduce!;
  const levels = nodeLevels(k);
  const dep2 = needsReduction(k);
  const out1 = k.outputs.map((o, j) => [o, j]).filter(([o]) => !dep2[o]);
  const out2 = k.outputs.map((o, j) => [o, j]).filter(([o]) => dep2[o]);
  const need1 = closure(k, [...out1.map(([o]) => o), red.node]);
  const need2 = closure(k, out2.map(([o]) => o));
  const lines: string[] = [];
  let pi = 0;
  const param = () => `p[${pi++}]`;
  k.shape.forEach((_, a) => lines.push(`const D${a} = ${param()};`));
  k.inputs.forEach((x, i) => {
    lines.push(`const x${i} = ins[${i}];`);
    lines.push(`let p${i} = ${param()};`);
    for (let a = 0; a < rank; a++) {
      const st = x.strides[a];
      lines.push(`const s${i}_${a} = ${st === 0 || st === 1 ? st : param()};`);
    }
  });
  k.outputs.forEach((_, j) => lines.push(`const y${j} = outs[${j}];`));
  lines.push(`const yr = outs[${k.outputs.length}];`);
  lines.push(`let q = 0;`, `let rr = 0;`);
  const emit = (pred: (i: number) => boolean, indent: string) =>
    k.nodes.forEach((n, i) => {
      if (pred(i)) lines.push(`${indent}const v${i} = ${nodeExpr(n, k.nodes)};`);
    });
  const anyNeed = (i: number) => need1.has(i) || need2.has(i);
  emit((i) => levels[i] === 0 && !dep2[i] && anyNeed(i), "");
  const ptrs = k.inputs.map((_, i) => `p${i}`);
  for (let a = 0; a < last; a++) {
    const ind = "  ".repeat(a);
    for (const v of ptrs) lines.push(`${ind}const ${v}_${a} = ${v};`);
    lines.push(`${ind}for (let a${a} = 0; a${a} < D${a}; a${a}++) {`);
    emit((i) => levels[i] === a + 1 && !dep2[i] && anyNeed(i), ind + "  ");
  }
  const ind = "  ".repeat(last);
  const init = red.op === "sum" ? "0" : "-Infinity";
  lines.push(`${ind}let t = ${init};`);
  for (const v of ptrs) lines.push(`${ind}const ${v}_${last} = ${v};`);
  const pass = (need: Set<number>, outs: number[][], body: () => void) => {
    lines.push(`${ind}for (let j = 0; j < D${last}; j++) {`);
    emit((i) => levels[i] === rank && need.has(i), ind + "  ");
    outs.forEach(([o, j]) => lines.push(`${ind}  y${j}[q + j] = v${o};`));
    body();
    lines.push(`${ind}  ${k.inputs.map((_, i) => `p${i} += s${i}_${last};`).join(" ")}`);
    lines.push(`${ind}}`);
    for (const v of ptrs) lines.push(`${ind}${v} = ${v}_${last};`);
  };
  pass(
    new Set([...need1].filter((i) => !dep2[i])),
    out1,
    () =>
      lines.push(
        red.op === "sum" ? `${ind}  t += v${red.node};` : `${ind}  t = Math.max(t, v${red.node});`,
      ),
  );
  emit((i) => dep2[i] && levels[i] < rank && need2.has(i), ind);
  if (out2.length > 0) pass(need2, out2, () => {});
  lines.push(`${ind}yr[rr++] = t;`, `${ind}q += D${last};`);
  for (let a = last - 1; a >= 0; a--) {
    const ind = "  ".repeat(a);
    lines.push(`${ind}  ${k.inputs.map((_, i) => `p${i} += s${i}_${a};`).join(" ")}`);
    lines.push(`${ind}}`);
    for (const v of ptrs) lines.push(`${ind}${v} = ${v}_${a};`);
  }
  return lines.join("\n");
}

/** Generate the source of a kernel (collapsed; sizes read from `p`). */
function generate(k: FusedKernel): string {
  if (isRowKernel(k)) return generateRow(k);
  const rank = k.shape.length;
  const levels = nodeLevels(k);
  const used = closure(k, [...k.outputs, ...(k.reduce ? [k.reduce.node] : [])]);
  const lines: string[] = [];
  let pi = 0;
  const param = () => `p[${pi++}]`;
  const dims = k.shape.map((_, a) => `const D${a} = ${param()};`);
  lines.push(...dims);
  k.inputs.forEach((x, i) => {
    lines.push(`const x${i} = ins[${i}];`);
    lines.push(`let p${i} = ${param()};`);
    for (let a = 0; a < rank; a++) {
      const s = x.strides[a];
      lines.push(`const s${i}_${a} = ${s === 0 || s === 1 ? s : param()};`);
    }
  });
  k.outputs.forEach((_, j) => lines.push(`const y${j} = outs[${j}];`));
  const red = k.reduce;
  const reducedAxes = new Set(red?.axes ?? []);
  if (red) {
    // Row-major strides of the kept axes in the reduced output.
    let acc = 1;
    const rs = new Array<number>(rank).fill(0);
    for (let a = rank - 1; a >= 0; a--) {
      if (!reducedAxes.has(a)) {
        rs[a] = acc;
        lines.push(`const rs_${a} = ${acc === 1 ? 1 : param()};`);
        acc *= k.shape[a];
      } else lines.push(`const rs_${a} = 0;`);
    }
    lines.push(`const yr = outs[${k.outputs.length}];`);
    lines.push(`const acc = new Float64Array(yr.length);`);
    if (red.op === "max") lines.push(`acc.fill(-Infinity);`);
    lines.push(`let r = 0;`);
  }
  const innerLocal = red !== undefined && rank > 0 && reducedAxes.has(rank - 1);
  const emitNodes = (level: number, indent: string) => {
    k.nodes.forEach((n, i) => {
      if (levels[i] === level && used.has(i)) {
        lines.push(`${indent}const v${i} = ${nodeExpr(n, k.nodes)};`);
      }
    });
  };
  emitNodes(0, "");
  const q = k.outputs.length > 0;
  if (q) lines.push(`let q = 0;`);
  // Open the loops; pointer variables for axis a are saved in `<name>_a` and restored.
  for (let a = 0; a < rank; a++) {
    const ind = "  ".repeat(a);
    const ptrs = k.inputs.map((_, i) => `p${i}`);
    if (red) ptrs.push("r");
    if (innerLocal && a === rank - 1) {
      lines.push(`${ind}let t = ${red!.op === "sum" ? 0 : "-Infinity"};`);
    }
    for (const v of ptrs) lines.push(`${ind}const ${v}_${a} = ${v};`);
    lines.push(`${ind}for (let a${a} = 0; a${a} < D${a}; a${a}++) {`);
    emitNodes(a + 1, ind + "  ");
  }
  const ind = "  ".repeat(rank);
  if (rank === 0) lines.push(`{`);
  k.outputs.forEach((o, j) => lines.push(`${ind}y${j}[q] = v${o};`));
  if (q) lines.push(`${ind}q++;`);
  if (red) {
    const v = `v${red.node}`;
    if (innerLocal) {
      lines.push(red.op === "sum" ? `${ind}t += ${v};` : `${ind}t = Math.max(t, ${v});`);
    } else {
      lines.push(
        red.op === "sum" ? `${ind}acc[r] += ${v};` : `${ind}acc[r] = Math.max(acc[r], ${v});`,
      );
    }
  }
  if (rank === 0) lines.push(`}`);
  for (let a = rank - 1; a >= 0; a--) {
    const ind = "  ".repeat(a);
    const step = k.inputs.map((_, i) => `p${i} += s${i}_${a};`);
    if (red) step.push(`r += rs_${a};`);
    lines.push(`${ind}  ${step.join(" ")}`);
    lines.push(`${ind}}`);
    const ptrs = k.inputs.map((_, i) => `p${i}`);
    if (red) ptrs.push("r");
    for (const v of ptrs) lines.push(`${ind}${v} = ${v}_${a};`);
    if (innerLocal && a === rank - 1) {
      lines.push(red!.op === "sum" ? `${ind}acc[r] += t;` : `${ind}acc[r] = Math.max(acc[r], t);`);
    }
  }
  if (red) lines.push(`for (let i = 0; i < yr.length; i++) yr[i] = acc[i];`);
  return lines.join("\n");
}

/** Sizes, strides and offsets in the order {@linkcode generate} reads them. */
function runtimeParams(k: FusedKernel): number[] {
  const p: number[] = [...k.shape];
  for (const x of k.inputs) {
    p.push(x.offset);
    for (const s of x.strides) if (s !== 0 && s !== 1) p.push(s);
  }
  if (k.reduce) {
    const reduced = new Set(k.reduce.axes);
    let acc = 1;
    for (let a = k.shape.length - 1; a >= 0; a--) {
      if (!reduced.has(a)) {
        if (acc !== 1) p.push(acc);
        acc *= k.shape[a];
      }
    }
  }
  return p;
}

/**
 * Compile (or fetch from the cache) and run kernel `k` on `inputs`, writing
 * every element of each array in `outputs` (one per output node, then the
 * reduction's).
 *
 * @example
 * ```ts
 * import { runFusedCpu } from "./codegen.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const out = new Float32Array(3);
 * runFusedCpu({
 *   shape: [3],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }, { dtype: "f32", strides: [0], offset: 0 }],
 *   nodes: [
 *     { fn: "load", input: 0, dtype: "f32" },
 *     { fn: "load", input: 1, dtype: "f32" },
 *     { fn: "mul", args: [0, 1], dtype: "f32" },
 *   ],
 *   outputs: [2],
 * }, [new Float32Array([1, 2, 3]), new Float32Array([10])], [out]);
 * assertEquals([...out], [10, 20, 30]);
 * ```
 */
export function runFusedCpu(
  kernel: FusedKernel,
  inputs: readonly DataArray[],
  outputs: readonly DataArray[],
): void {
  // WebAssembly SIMD where it is enabled and takes the kernel (wasm/fused_dispatch.ts).
  if (runFusedWasm(kernel, inputs, outputs, runFusedJs)) return;
  runFusedJs(kernel, inputs, outputs);
}

/**
 * {@linkcode runFusedCpu} through the JavaScript renderer only (the fallback,
 * and the reference the WebAssembly renderer is tested against).
 *
 * @example
 * ```ts
 * import { runFusedJs } from "./codegen.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const out = new Float32Array(2);
 * runFusedJs({
 *   shape: [2],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "neg", args: [0], dtype: "f32" }],
 *   outputs: [1],
 * }, [new Float32Array([1, -2])], [out]);
 * assertEquals([...out], [-1, 2]);
 * ```
 */
export function runFusedJs(
  kernel: FusedKernel,
  inputs: readonly DataArray[],
  outputs: readonly DataArray[],
): void {
  let ready = prepared.get(kernel);
  if (ready === undefined) {
    ready = prepare(kernel);
    prepared.set(kernel, ready);
  }
  if (ready === null) {
    if (kernel.reduce) outputs[outputs.length - 1].fill(kernel.reduce.op === "sum" ? 0 : -Infinity);
    return;
  }
  ready.fn(inputs, outputs, ready.params);
  if (kernel.reduce && kernel.nodes[kernel.reduce.node].dtype === "f16") {
    // The reduction accumulated in f64; an f16 result is rounded once, as it is stored.
    const yr = outputs[outputs.length - 1];
    for (let i = 0; i < yr.length; i++) yr[i] = Math.f16round(yr[i]);
  }
}

/** A kernel's compiled function and run-time sizes, kept per kernel object (compiled programs
 * run the same kernel objects every step); null for an empty iteration. */
const prepared = new WeakMap<FusedKernel, { fn: Compiled; params: number[] } | null>();

function prepare(kernel: FusedKernel): { fn: Compiled; params: number[] } | null {
  if (sizeOf(kernel.shape) === 0) return null;
  const k = collapseKernel(kernel);
  const key = kernelKey(k);
  let fn = cache.get(key);
  if (fn === undefined) {
    const body =
      `"use strict";\n${fastExpSource}\n${specialMathSource}\nreturn function kernel(ins, outs, p) {\n${
        generate(k)
      }\n};`;
    fn = new Function(body)() as Compiled;
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, fn);
  }
  return { fn, params: runtimeParams(k) };
}

/** @internal The generated source of a kernel (for debugging). */
export function cpuKernelSource(kernel: FusedKernel): string {
  return generate(collapseKernel(kernel));
}
