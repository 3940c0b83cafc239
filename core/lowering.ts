/**
 * Lowerings: a primitive written as fused kernels (`kernels/fused.ts`). A primitive's rule may
 * carry one (`Rule.lower`, beside its shape rule and VJP); eager execution and `nu.jit` both run
 * it, so the two share one path. Eager hands the kernels to the backend with its buffers
 * allocated here and the intermediate ones released; under `nu.jit` the backend is the trace's
 * recorder, which records the same kernels (reading views through their strides) for the
 * scheduler to fuse with their neighbours.
 *
 * @module
 */
import type { Backend, BackendBuffer, DType, Shape } from "../kernels/backend.ts";
import { stridesOf } from "../kernels/backend.ts";
import type { FusedKernel, KernelInput } from "../kernels/fused.ts";

/**
 * One kernel of a lowering. Buffers are numbered: the primitive's operands first (`0 …
 * operands − 1`), then the lowering's own buffers (`temps`, in order).
 */
export interface LoweredStep {
  /** The kernel; its operand inputs are read contiguously (row-major, offset 0). */
  readonly kernel: FusedKernel;
  /** The buffer of each kernel input. */
  readonly inputs: readonly number[];
  /** The buffer of each kernel output (its output nodes, then its reduction). */
  readonly outputs: readonly number[];
}

/** A primitive as fused kernels: the buffers they write, the kernels, which buffer is the result. */
export interface Lowering {
  /** The lowering's own buffers: dtype and element count. */
  readonly temps: readonly { readonly dtype: DType; readonly size: number }[];
  /** The kernels, in the order they run. */
  readonly steps: readonly LoweredStep[];
  /** The buffer holding the primitive's output (a temp's number). */
  readonly result: number;
}

/**
 * The view of a contiguous operand of `shape` and `dtype` as a kernel input over `shape`.
 *
 * @example
 * ```ts
 * import { contiguousInput } from "./lowering.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(contiguousInput([2, 3], "f32"), { dtype: "f32", strides: [3, 1], offset: 0 });
 * ```
 */
export function contiguousInput(shape: Shape, dtype: DType): KernelInput {
  return { dtype, strides: stridesOf(shape), offset: 0 };
}

/**
 * Run lowering `low` on `backend` over the operands' buffers `inputs`: its buffers allocated,
 * its kernels run in order, every buffer but the result released (all of them when a kernel
 * throws). Returns the result's buffer.
 *
 * @example
 * ```ts
 * import { runLowering } from "./lowering.ts";
 * import { createCpuBackend } from "../kernels/cpu/backend.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const cpu = createCpuBackend({ blas: false });
 * const x = cpu.upload(new Float32Array([1, 2, 3, 4]), "f32");
 * const rowSums = runLowering(cpu, {
 *   temps: [{ dtype: "f32", size: 2 }],
 *   steps: [{
 *     kernel: {
 *       shape: [2, 2],
 *       inputs: [{ dtype: "f32", strides: [2, 1], offset: 0 }],
 *       nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *       outputs: [],
 *       reduce: { op: "sum", node: 0, axes: [1] },
 *     },
 *     inputs: [0],
 *     outputs: [1],
 *   }],
 *   result: 1,
 * }, [x]);
 * assertEquals([...cpu.readSync(rowSums, "f32", 2)], [3, 7]);
 * assertEquals(cpu.memory().buffers, 2);
 * ```
 */
export function runLowering(
  backend: Backend,
  low: Lowering,
  inputs: readonly BackendBuffer[],
): BackendBuffer {
  const temps: BackendBuffer[] = [];
  try {
    for (const t of low.temps) temps.push(backend.alloc(t.dtype, t.size));
    const buffer = (i: number) => (i < inputs.length ? inputs[i] : temps[i - inputs.length]);
    for (const s of low.steps) {
      backend.runFused(s.kernel, s.inputs.map(buffer), s.outputs.map(buffer), {
        wideAccumulation: true,
      });
    }
  } catch (e) {
    for (const t of temps) backend.release(t);
    throw e;
  }
  const result = low.result - inputs.length;
  temps.forEach((t, i) => i !== result && backend.release(t));
  return temps[result];
}
