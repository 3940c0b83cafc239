/**
 * Runs a fused kernel of two f32 inputs (`x` of the kernel's shape, a row vector `w`) on arrays in
 * the fused heap, with `threads` threads (no size threshold unless given), and returns its outputs copied
 * out: the shared step of the thread-splitting tests.
 *
 * @module
 */
import {
  type FusedWasmSettings,
  runFusedWasm,
  setFusedWasm,
} from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { fusedAlloc, fusedFree } from "../../kernels/cpu/wasm/fused_memory.ts";
import { type FusedKernel, kernelOutputs } from "../../kernels/fused.ts";
import { assertTrue } from "../../testing/assert.ts";

/**
 * `x[i] = xAt(i)`, `w[i] = wAt(i)`; the kernel's outputs after one run. `thresholds`: the
 * settings' size thresholds (default 0: any kernel is split).
 */
export function runOnHeap(
  k: FusedKernel,
  threads: number,
  xAt: (i: number) => number,
  wAt: (i: number) => number,
  thresholds: Partial<Pick<FusedWasmSettings, "threadMinElements" | "partialMinElements">> = {
    threadMinElements: 0,
    partialMinElements: 0,
  },
): Float32Array[] {
  const before = setFusedWasm({ enabled: true, threads, ...thresholds });
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const x = fusedAlloc("f32", size(k.shape)) as Float32Array;
  x.forEach((_, i) => (x[i] = xAt(i)));
  const w = fusedAlloc("f32", k.shape[k.shape.length - 1]) as Float32Array;
  w.forEach((_, i) => (w[i] = wAt(i)));
  const outs = kernelOutputs(k).map((o) => fusedAlloc("f32", size(o.shape)) as Float32Array);
  try {
    assertTrue(runFusedWasm(k, [x, w], outs));
    return outs.map((o) => o.slice());
  } finally {
    [x, w, ...outs].forEach(fusedFree);
    setFusedWasm(before);
  }
}
