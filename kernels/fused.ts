/**
 * Fused kernels: the one description of elementwise work that every backend
 * renders (JavaScript on the CPU, WGSL on WebGPU).
 *
 * A {@linkcode FusedKernel} iterates over one shape. Each input is read
 * through a view (an offset and one stride per axis, 0 where it broadcasts),
 * a small scalar program ({@linkcode ScalarNode}s) combines the values, and
 * each output is written row-major over the iteration shape. A kernel may end
 * in one reduction (sum or max over some axes, kept as size 1). Eager
 * elementwise ops are one-node kernels; `nu.jit` fuses chains of them.
 *
 * The scalar functions ({@linkcode ScalarFn}) are the only thing a backend
 * implements by hand; every public elementwise op is defined once, in core,
 * as an expression over them.
 *
 * @module
 */
import type { DType, Shape } from "./dtype_shape.ts";

/** Scalar functions of one argument. */
export type UnaryFn =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "sin"
  | "cos"
  | "tanh"
  | "abs"
  | "sign"
  | "erf"
  | "log1p"
  | "expm1"
  | "floor"
  | "ceil"
  | "round";
/** Scalar functions of two arguments (same dtype). */
export type BinaryFn = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min" | "atan2";
/** Scalar comparisons; the result is bool (0/1). */
export type CompareFn = "lt" | "le" | "gt" | "ge" | "eq" | "ne";
/** Every scalar function a backend renders. */
export type ScalarFn = UnaryFn | BinaryFn | CompareFn | "select" | "cast";

/**
 * One node of a kernel's scalar program; `args` index earlier nodes. A
 * `reduced` node is the finished reduction of the current row: it exists only
 * in kernels that reduce over their last axis, whose outputs may then depend
 * on it (a second pass over the row: softmax's division, a normalization).
 */
export type ScalarNode =
  | { readonly fn: "load"; readonly input: number; readonly dtype: DType }
  | { readonly fn: "reduced"; readonly dtype: DType }
  | { readonly fn: "const"; readonly value: number; readonly dtype: DType }
  | { readonly fn: ScalarFn; readonly args: readonly number[]; readonly dtype: DType };

/** How a kernel reads one input buffer: element `offset + Σ index[a] · strides[a]`. */
export interface KernelInput {
  /** The buffer's dtype. */
  readonly dtype: DType;
  /** One stride per axis of the iteration shape (0 where the input broadcasts). */
  readonly strides: readonly number[];
  /** Element offset of index 0. */
  readonly offset: number;
}

/** A reduction ending a kernel: `op` of node `node` over `axes`, written with those axes kept as 1. */
export interface KernelReduce {
  /** Sum or maximum. */
  readonly op: "sum" | "max";
  /** The scalar node reduced. */
  readonly node: number;
  /** Reduced axes of the iteration shape (sorted, unique). */
  readonly axes: readonly number[];
}

/**
 * A fused kernel. Outputs: first each `outputs` node written over `shape`
 * (row-major, contiguous), then the reduction (if any) over `shape` with the
 * reduced axes set to 1.
 */
export interface FusedKernel {
  /** The iteration shape. */
  readonly shape: Shape;
  /** Input views, in buffer order. */
  readonly inputs: readonly KernelInput[];
  /** The scalar program, in dependency order. */
  readonly nodes: readonly ScalarNode[];
  /** Nodes written in full over `shape`. */
  readonly outputs: readonly number[];
  /** A final reduction, written after the outputs. */
  readonly reduce?: KernelReduce;
}

/** True for a scalar function of two arguments. */
export const BINARY_FNS: ReadonlySet<string> = new Set<BinaryFn>([
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
  "atan2",
]);
/** True for a comparison. */
export const COMPARE_FNS: ReadonlySet<string> = new Set<CompareFn>([
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "ne",
]);

/**
 * The output specs of a kernel: one per `outputs` node over `shape`, then the
 * reduction's.
 *
 * @example
 * ```ts
 * import { kernelOutputs } from "./fused.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = {
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [0],
 *   reduce: { op: "sum" as const, node: 0, axes: [1] },
 * };
 * assertEquals(kernelOutputs(k), [
 *   { shape: [2, 3], dtype: "f32" },
 *   { shape: [2, 1], dtype: "f32" },
 * ]);
 * ```
 */
export function kernelOutputs(k: FusedKernel): { shape: number[]; dtype: DType }[] {
  const outs = k.outputs.map((n) => ({ shape: [...k.shape], dtype: k.nodes[n].dtype }));
  if (k.reduce) {
    const shape = k.shape.map((d, a) => (k.reduce!.axes.includes(a) ? 1 : d));
    outs.push({ shape, dtype: k.nodes[k.reduce.node].dtype });
  }
  return outs;
}

/**
 * Merge adjacent axes that every input (and the contiguous output) walks as
 * one, and drop size-1 axes: the same kernel over fewer, longer loops. A
 * kernel with a reduction keeps reduced and kept axes apart.
 *
 * @example
 * ```ts
 * import { collapseKernel } from "./fused.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = collapseKernel({
 *   shape: [2, 3, 4],
 *   inputs: [{ dtype: "f32", strides: [12, 4, 1], offset: 0 }, { dtype: "f32", strides: [0, 0, 1], offset: 0 }],
 *   nodes: [
 *     { fn: "load", input: 0, dtype: "f32" },
 *     { fn: "load", input: 1, dtype: "f32" },
 *     { fn: "add", args: [0, 1], dtype: "f32" },
 *   ],
 *   outputs: [2],
 * });
 * assertEquals(k.shape, [6, 4]);
 * assertEquals(k.inputs[1].strides, [0, 1]);
 * ```
 */
export function collapseKernel(k: FusedKernel): FusedKernel {
  const reduced = new Set(k.reduce?.axes ?? []);
  const row = isRowKernel(k);
  // Drop size-1 axes (a row kernel keeps its last axis, whatever its size).
  const keep: number[] = [];
  for (let a = 0; a < k.shape.length; a++) {
    if (k.shape[a] !== 1 || (row && a === k.shape.length - 1)) keep.push(a);
  }
  let shape = keep.map((a) => k.shape[a]);
  let strides = k.inputs.map((x) => keep.map((a) => x.strides[a]));
  let isReduced = keep.map((a) => reduced.has(a));
  // Merge axis a into a+1 when every input's stride on a equals stride[a+1]·shape[a+1].
  for (let a = shape.length - 2; a >= 0; a--) {
    if (isReduced[a] !== isReduced[a + 1]) continue;
    const n = shape[a + 1];
    if (!strides.every((s) => s[a] === s[a + 1] * n)) continue;
    shape = [...shape.slice(0, a), shape[a] * n, ...shape.slice(a + 2)];
    strides = strides.map((s) => [...s.slice(0, a), s[a + 1], ...s.slice(a + 2)]);
    isReduced = [...isReduced.slice(0, a), isReduced[a], ...isReduced.slice(a + 2)];
  }
  const inputs = k.inputs.map((x, i) => ({
    dtype: x.dtype,
    strides: strides[i],
    offset: x.offset,
  }));
  const axes: number[] = [];
  isReduced.forEach((r, a) => r && axes.push(a));
  return {
    shape,
    inputs,
    nodes: k.nodes,
    outputs: k.outputs,
    ...(k.reduce ? { reduce: { op: k.reduce.op, node: k.reduce.node, axes } } : {}),
  };
}

/**
 * A string that identifies a kernel's code (its program, dtypes, rank and
 * which input strides are 0 or 1), not its sizes: backends cache compiled
 * kernels by it and pass sizes at run time.
 *
 * @example
 * ```ts
 * import { kernelKey } from "./fused.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = {
 *   shape: [8],
 *   inputs: [{ dtype: "f32" as const, strides: [1], offset: 0 }],
 *   nodes: [
 *     { fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "exp" as const, args: [0], dtype: "f32" as const },
 *   ],
 *   outputs: [1],
 * };
 * assertEquals(kernelKey(k), "1|f32:1|0L0f32;1exp0f32|o1|");
 * ```
 */
export function kernelKey(k: FusedKernel): string {
  let key = `${k.shape.length}|`;
  for (const x of k.inputs) {
    key += `${x.dtype}:`;
    for (const s of x.strides) key += s === 0 ? "0" : s === 1 ? "1" : "s";
    key += ",";
  }
  key = key.slice(0, -1) + "|";
  for (let i = 0; i < k.nodes.length; i++) {
    const n = k.nodes[i];
    if (n.fn === "load") key += `${i}L${n.input}${n.dtype};`;
    else if (n.fn === "reduced") key += `${i}R${n.dtype};`;
    else if (n.fn === "const") key += `${i}C${n.value}${n.dtype};`;
    else key += `${i}${n.fn}${n.args.join(",")}${n.dtype};`;
  }
  key = key.slice(0, -1) + `|o${k.outputs.join(",")}|`;
  if (k.reduce) key += `${k.reduce.op}${k.reduce.node}@${k.reduce.axes.join(",")}`;
  return key;
}

/** True for a kernel whose outputs read its row's finished reduction (a `reduced` node). */
export function isRowKernel(k: FusedKernel): boolean {
  return k.nodes.some((n) => n.fn === "reduced");
}

/**
 * Builds a scalar program node by node, sharing identical nodes (so a value
 * loaded or computed twice is computed once).
 *
 * @example
 * ```ts
 * import { ProgramBuilder } from "./fused.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const b = new ProgramBuilder();
 * const x = b.load(0, "f32");
 * const y = b.fn("mul", [x, b.load(0, "f32")], "f32"); // the load is shared
 * assertEquals(b.nodes.length, 2);
 * assertEquals(y, 1);
 * ```
 */
export class ProgramBuilder {
  /** The nodes so far, in dependency order. */
  readonly nodes: ScalarNode[] = [];
  readonly #seen = new Map<string, number>();

  #add(key: string, node: ScalarNode): number {
    const known = this.#seen.get(key);
    if (known !== undefined) return known;
    this.nodes.push(node);
    this.#seen.set(key, this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  /** Input `input`'s value, of `dtype`. */
  load(input: number, dtype: DType): number {
    return this.#add(`L${input}`, { fn: "load", input, dtype });
  }

  /** A constant of `dtype`. */
  constant(value: number, dtype: DType): number {
    return this.#add(`C${Object.is(value, -0) ? "-0" : value}${dtype}`, {
      fn: "const",
      value,
      dtype,
    });
  }

  /** The finished reduction of the current row (row kernels only). */
  reduced(dtype: DType): number {
    return this.#add("R", { fn: "reduced", dtype });
  }

  /**
   * Copy another program's nodes into this one: each `load` becomes what `onLoad` returns for
   * it (a load of another input, or a node already here); returns the new index of each node.
   */
  append(
    nodes: readonly ScalarNode[],
    onLoad: (node: { input: number; dtype: DType }, index: number) => number,
  ): number[] {
    const map: number[] = [];
    nodes.forEach((n, i) => {
      if (n.fn === "load") map[i] = onLoad(n, i);
      else if (n.fn === "const") map[i] = this.constant(n.value, n.dtype);
      else if (n.fn === "reduced") map[i] = this.reduced(n.dtype);
      else map[i] = this.fn(n.fn, n.args.map((a) => map[a]), n.dtype);
    });
    return map;
  }

  /** `fn(args...)`, giving a value of `dtype`. */
  fn(fn: ScalarFn, args: readonly number[], dtype: DType): number {
    return this.#add(`${fn}(${args.join(",")})${dtype}`, { fn, args: [...args], dtype });
  }
}
