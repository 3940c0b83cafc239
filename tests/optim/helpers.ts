/** Shared helpers for the optim tests: f64 tensors on the CPU backend, reading trees back. */
import { cpuBackend, fromData, type Tensor, treeLeaves } from "../../core/mod.ts";
import { axisTree, roleTree } from "../../nn/spec.ts";

/** An f64 tensor on the CPU backend. */
export function f64(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return fromData(Float64Array.from(values), shape, { dtype: "f64", backend: cpuBackend() });
}

/** An f32 tensor on the CPU backend. */
export function f32(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return fromData(Float32Array.from(values), shape, { dtype: "f32", backend: cpuBackend() });
}

/** The values of a CPU tensor as a plain array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** The tensor leaves of a tree read back, in tree order. */
export function leafValues(tree: unknown): number[][] {
  return treeLeaves<Tensor>(tree).map(values);
}

/** Norms of the vectors of matrix `m` (`[r, c]`) along `axis` (-1: rows, 0: columns). */
export function vectorNorms(m: Tensor, axis: -1 | 0): number[] {
  const [r, c] = m.shape;
  const v = m.dataSync();
  const norms: number[] = [];
  const outer = axis === -1 ? r : c;
  const inner = axis === -1 ? c : r;
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let i = 0; i < inner; i++) {
      const x = axis === -1 ? v[o * c + i] : v[i * c + o];
      s += x * x;
    }
    norms.push(Math.sqrt(s));
  }
  return norms;
}

/** `options` plus the nGPT roles and sphere axes of `options.params` (what a model passes). */
export function withRoles<O extends { params: unknown }>(
  options: O,
): O & { roles: unknown; axes: unknown } {
  return { ...options, roles: roleTree(options.params), axes: axisTree(options.params) };
}
