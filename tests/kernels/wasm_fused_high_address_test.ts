/**
 * Fused kernels on tensors that lie past 2 GiB in the fused heap: addresses travel to the Worker
 * threads and to the partial sums as i32 words, which read negative there. A long sweep process
 * (a fit over several stages) once reached that far, and a Worker failed on a negative offset.
 * The region below is reserved, not touched, so the test costs no memory.
 */
import { startFusedThreads } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { fusedAlloc, fusedFree, fusedHeap } from "../../kernels/cpu/wasm/fused_memory.ts";
import { type FusedKernel, ProgramBuilder } from "../../kernels/fused.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { runOnHeap } from "./fused_heap_run.ts";

/** exp(x) · w summed over the outermost axis (partials per thread), and exp(x) itself. */
function kernel(shape: number[]): FusedKernel {
  const b = new ProgramBuilder();
  const e = b.fn("exp", [b.load(0, "f32")], "f32");
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  return {
    shape,
    inputs: [
      { dtype: "f32", strides, offset: 0 },
      { dtype: "f32", strides: shape.map((_, a) => (a === shape.length - 1 ? 1 : 0)), offset: 0 },
    ],
    nodes: b.nodes,
    outputs: [b.fn("mul", [e, b.load(1, "f32")], "f32")],
    reduce: { op: "sum", node: e, axes: [0] },
  };
}

const run = (k: FusedKernel, threads: number) =>
  runOnHeap(k, threads, (i) => Math.sin(i * 0.11), (i) => 1 + (i % 3));
/** One thread, no slabs: nothing of the run (partials, module bytes) is left in the heap. */
const runWhole = (k: FusedKernel) =>
  runOnHeap(k, 1, (i) => Math.sin(i * 0.11), (i) => 1 + (i % 3), {
    threadMinElements: Infinity,
    partialMinElements: Infinity,
  });

Deno.test({
  name: "fused kernels on tensors past 2 GiB: Workers and partial sums read the addresses unsigned",
  fn: async () => {
    const threads = await startFusedThreads();
    const k = kernel([48, 21]);
    const low = runWhole(k);
    // Reserve the heap up to past 2 GiB, then run a kernel never compiled before (its module's
    // bytes land up there too) on one thread and on several.
    const spacer = fusedAlloc("f32", 2 ** 29 + 2 ** 20);
    try {
      const probe = fusedAlloc("f32", 16);
      assertTrue(probe.byteOffset >= 2 ** 31, `probe at ${probe.byteOffset}`);
      fusedFree(probe);
      const fresh = kernel([48, 22]);
      const one = runWhole(fresh);
      const many = run(fresh, Math.max(2, threads));
      assertEquals(many.slice(0, -1), one.slice(0, -1));
      const [a, b] = [one[one.length - 1], many[many.length - 1]];
      for (let i = 0; i < a.length; i++) assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 * Math.abs(a[i]));
      // And the low kernel, now with its tensors high, still gives what it gave below.
      const high = run(k, Math.max(2, threads));
      assertEquals(high.slice(0, -1), low.slice(0, -1));
    } finally {
      fusedFree(spacer);
    }
    // Freed and merged: the region serves the next large request without growing the memory.
    const size = fusedHeap().memory.buffer.byteLength;
    fusedFree(fusedAlloc("f32", 2 ** 29));
    assertEquals(fusedHeap().memory.buffer.byteLength, size);
  },
});
