/**
 * Lifting a kernel's f64 part out of it, so that the rest can run in
 * WebAssembly SIMD lanes. An optimizer's update is the common case: Adam's
 * bias corrections `1 − β^t` are computed in f64 from the step counter (a
 * scalar f64 tensor, or one per member of a vmapped group) and cast to f32
 * before they meet the parameters. Those values do not vary along the
 * kernel's innermost axis (most often not at all), so they are computed on
 * the host first, once per value (by the JavaScript renderer, in f64 as the
 * kernel says), and enter the lanes as a small f32 input broadcast over the
 * other axes: the values the kernel's own `cast` would have given.
 *
 * {@linkcode liftUniform} answers `null` when nothing can be lifted or
 * something outside lanes would remain (an f64 value that varies along the
 * innermost axis, or after a row's reduction).
 *
 * @example
 * ```ts
 * import { liftUniform } from "./fused_uniform.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // x · f32(0.5 ^ t), t a scalar f64 counter
 * const lifted = liftUniform({
 *   shape: [8],
 *   inputs: [
 *     { dtype: "f32", strides: [1], offset: 0 },
 *     { dtype: "f64", strides: [0], offset: 0 },
 *   ],
 *   nodes: [
 *     { fn: "load", input: 0, dtype: "f32" },
 *     { fn: "const", value: 0.5, dtype: "f64" },
 *     { fn: "load", input: 1, dtype: "f64" },
 *     { fn: "pow", args: [1, 2], dtype: "f64" },
 *     { fn: "cast", args: [3], dtype: "f32" },
 *     { fn: "mul", args: [0, 4], dtype: "f32" },
 *   ],
 *   outputs: [5],
 * });
 * assertEquals(lifted?.kept, [0]);
 * assertEquals(lifted?.kernel.inputs.map((x) => x.dtype), ["f32", "f32"]);
 * assertEquals(lifted?.uniform.outputs.length, 1);
 * ```
 *
 * @module
 */
import { type DType, stridesOf } from "../../backend.ts";
import type { FusedKernel, KernelInput, ScalarNode } from "../../fused.ts";

/** A kernel split into its uniform host part and the lanes part. */
export interface LiftedKernel {
  /**
   * The lanes kernel: the original's inputs that it still reads (`kept`, in order), then one
   * f32 (or bool) input per output of `uniform`, in its order (contiguous over `uniform`'s
   * shape, broadcast over the axes that shape sets to 1).
   */
  readonly kernel: FusedKernel;
  /** Indices of the original inputs the lanes kernel reads, in its input order. */
  readonly kept: readonly number[];
  /** The kernel computing the lifted values (its inputs: `uniformInputs`); its shape is the
   * kernel's with the axes they do not vary along set to 1. */
  readonly uniform: FusedKernel;
  /** Indices of the original inputs the uniform kernel reads, in its input order. */
  readonly uniformInputs: readonly number[];
}

function lanes(t: DType): boolean {
  return t === "f32" || t === "bool";
}

function argsOf(n: ScalarNode): readonly number[] {
  return "args" in n ? n.args : [];
}

/**
 * Split `k` when every value outside f32/bool lanes reaches lane values only through lane nodes
 * (a `cast`, typically) that do not vary along the innermost axis; else `null`.
 *
 * @example
 * ```ts
 * import { liftUniform } from "./fused_uniform.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // An f64 input that varies along the innermost axis cannot be lifted.
 * assertEquals(liftUniform({
 *   shape: [4],
 *   inputs: [{ dtype: "f64", strides: [1], offset: 0 }],
 *   nodes: [
 *     { fn: "load", input: 0, dtype: "f64" },
 *     { fn: "cast", args: [0], dtype: "f32" },
 *   ],
 *   outputs: [1],
 * }), null);
 * ```
 */
export function liftUniform(k: FusedKernel): LiftedKernel | null {
  const rank = k.shape.length;
  // The axes along which each node's value varies (a bit mask); -1 for a row's reduction.
  const varies = k.nodes.map(() => 0);
  k.nodes.forEach((n, i) => {
    if (n.fn === "load") {
      k.inputs[n.input].strides.forEach((s, a) => {
        if (s !== 0 && k.shape[a] > 1) varies[i] |= 1 << a;
      });
    } else if (n.fn === "reduced") varies[i] = -1;
    else if (n.fn !== "const") { for (const a of argsOf(n)) varies[i] |= varies[a]; }
  });
  // The lane nodes fed by a non-lane value become lifted values, if constant along the last axis.
  const lifted: number[] = [];
  let axes = 0;
  for (let i = 0; i < k.nodes.length; i++) {
    const n = k.nodes[i];
    if (!lanes(n.dtype)) continue;
    if (!argsOf(n).some((a) => !lanes(k.nodes[a].dtype))) continue;
    if (varies[i] < 0 || (rank > 0 && (varies[i] & (1 << (rank - 1))) !== 0)) return null;
    lifted.push(i);
    axes |= varies[i];
  }
  if (lifted.length === 0) return null;
  const liftedAt = new Map(lifted.map((node, j) => [node, j]));
  // Nodes the lanes kernel still needs: from its outputs and reduction, stopping at lifted ones.
  const live = k.nodes.map(() => false);
  const stack = [...k.outputs, ...(k.reduce ? [k.reduce.node] : [])];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (live[i]) continue;
    live[i] = true;
    if (!liftedAt.has(i)) stack.push(...argsOf(k.nodes[i]));
  }
  for (let i = 0; i < k.nodes.length; i++) {
    if (live[i] && !liftedAt.has(i) && !lanes(k.nodes[i].dtype)) return null;
  }
  const kept: number[] = [];
  const keptAt = new Map<number, number>();
  for (let i = 0; i < k.nodes.length; i++) {
    const n = k.nodes[i];
    if (live[i] && !liftedAt.has(i) && n.fn === "load" && !keptAt.has(n.input)) {
      keptAt.set(n.input, -1);
    }
  }
  for (let x = 0; x < k.inputs.length; x++) {
    if (keptAt.has(x)) {
      keptAt.set(x, kept.length);
      kept.push(x);
    }
  }
  // A lifted value is an array over the shape with the axes it does not vary along set to 1.
  const liftedShape = k.shape.map((d, a) => ((axes >> a) & 1) !== 0 ? d : 1);
  const liftedStrides = stridesOf(liftedShape).map((s, a) => (liftedShape[a] === 1 ? 0 : s));
  const lanesInput = (dtype: DType): KernelInput => ({ dtype, strides: liftedStrides, offset: 0 });
  const newIndex = new Map<number, number>();
  const nodes: ScalarNode[] = [];
  for (let i = 0; i < k.nodes.length; i++) {
    if (!live[i]) continue;
    const n = k.nodes[i];
    newIndex.set(i, nodes.length);
    const j = liftedAt.get(i);
    if (j !== undefined) nodes.push({ fn: "load", input: kept.length + j, dtype: n.dtype });
    else if (n.fn === "load") nodes.push({ ...n, input: keptAt.get(n.input)! });
    else if ("args" in n) nodes.push({ ...n, args: n.args.map((a) => newIndex.get(a)!) });
    else nodes.push(n);
  }
  const kernel: FusedKernel = {
    shape: k.shape,
    inputs: [...kept.map((x) => k.inputs[x]), ...lifted.map((i) => lanesInput(k.nodes[i].dtype))],
    nodes,
    outputs: k.outputs.map((o) => newIndex.get(o)!),
    ...(k.reduce ? { reduce: { ...k.reduce, node: newIndex.get(k.reduce.node)! } } : {}),
  };
  return { kernel, kept, ...uniformPart(k, lifted, liftedShape) };
}

/** The kernel computing the lifted nodes over `shape` from the original's inputs they read. */
function uniformPart(
  k: FusedKernel,
  lifted: readonly number[],
  shape: readonly number[],
): { uniform: FusedKernel; uniformInputs: number[] } {
  const need = k.nodes.map(() => false);
  const stack = [...lifted];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (need[i]) continue;
    need[i] = true;
    stack.push(...argsOf(k.nodes[i]));
  }
  const uniformInputs: number[] = [];
  const inputAt = new Map<number, number>();
  const newIndex = new Map<number, number>();
  const nodes: ScalarNode[] = [];
  for (let i = 0; i < k.nodes.length; i++) {
    if (!need[i]) continue;
    const n = k.nodes[i];
    newIndex.set(i, nodes.length);
    if (n.fn === "load") {
      if (!inputAt.has(n.input)) {
        inputAt.set(n.input, uniformInputs.length);
        uniformInputs.push(n.input);
      }
      nodes.push({ ...n, input: inputAt.get(n.input)! });
    } else if ("args" in n) nodes.push({ ...n, args: n.args.map((a) => newIndex.get(a)!) });
    else nodes.push(n);
  }
  const uniform: FusedKernel = {
    shape: [...shape],
    inputs: uniformInputs.map((x) => ({
      dtype: k.inputs[x].dtype,
      strides: k.inputs[x].strides.map((s, a) => (shape[a] === 1 ? 0 : s)),
      offset: k.inputs[x].offset,
    })),
    nodes,
    outputs: lifted.map((i) => newIndex.get(i)!),
  };
  return { uniform, uniformInputs };
}
