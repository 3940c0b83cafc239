/**
 * Lifting a kernel's uniform f64 part out of it, so that the rest can run in
 * WebAssembly SIMD lanes. An optimizer's update is the common case: Adam's
 * bias corrections `1 − β^t` are computed in f64 from the step counter (a
 * scalar f64 tensor) and cast to f32 before they meet the parameters. Those
 * values are the same for every element, so they are computed once per call
 * on the host (by the JavaScript renderer, in f64 as the kernel says) and
 * enter the lanes as f32 scalar inputs, the value the kernel's own `cast`
 * would have given.
 *
 * {@linkcode liftUniform} answers `null` when nothing can be lifted or
 * something outside lanes would remain (an f64 value that varies by element).
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
import type { DType } from "../../backend.ts";
import type { FusedKernel, KernelInput, ScalarNode } from "../../fused.ts";

/** A kernel split into its uniform host part and the lanes part. */
export interface LiftedKernel {
  /**
   * The lanes kernel: the original's inputs that it still reads (`kept`, in order), then one
   * f32 (or bool) scalar input per value of `uniform`, in its output order.
   */
  readonly kernel: FusedKernel;
  /** Indices of the original inputs the lanes kernel reads, in its input order. */
  readonly kept: readonly number[];
  /** A one-element kernel computing the lifted values (its inputs: `uniformInputs`). */
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
 * Split `k` when every value outside f32/bool lanes is uniform (a constant, a load of an input
 * broadcast over every axis, or a function of those) and only reaches lane values through
 * uniform lane nodes (a `cast`, typically); else `null`.
 *
 * @example
 * ```ts
 * import { liftUniform } from "./fused_uniform.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // An f64 input that varies by element cannot be lifted.
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
  const uniform = k.nodes.map(() => false);
  k.nodes.forEach((n, i) => {
    if (n.fn === "const") uniform[i] = true;
    else if (n.fn === "load") {
      const x = k.inputs[n.input];
      uniform[i] = x.strides.length === rank && x.strides.every((s) => s === 0);
    } else if (n.fn !== "reduced") uniform[i] = argsOf(n).every((a) => uniform[a]);
  });
  // The lane nodes fed by a non-lane value become lifted values.
  const lifted: number[] = [];
  for (let i = 0; i < k.nodes.length; i++) {
    const n = k.nodes[i];
    if (!lanes(n.dtype)) continue;
    if (!argsOf(n).some((a) => !lanes(k.nodes[a].dtype))) continue;
    if (!uniform[i]) return null;
    lifted.push(i);
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
  const scalar = (dtype: DType): KernelInput => ({
    dtype,
    strides: k.shape.map(() => 0),
    offset: 0,
  });
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
    inputs: [...kept.map((x) => k.inputs[x]), ...lifted.map((i) => scalar(k.nodes[i].dtype))],
    nodes,
    outputs: k.outputs.map((o) => newIndex.get(o)!),
    ...(k.reduce ? { reduce: { ...k.reduce, node: newIndex.get(k.reduce.node)! } } : {}),
  };
  return { kernel, kept, ...uniformPart(k, lifted) };
}

/** The one-element kernel computing the lifted nodes from the original's uniform inputs. */
function uniformPart(
  k: FusedKernel,
  lifted: readonly number[],
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
    shape: [1],
    inputs: uniformInputs.map((x) => ({
      dtype: k.inputs[x].dtype,
      strides: [0],
      offset: k.inputs[x].offset,
    })),
    nodes,
    outputs: lifted.map((i) => newIndex.get(i)!),
  };
  return { uniform, uniformInputs };
}
