/**
 * Row kernels whose second pass reads pass-1 values back from an output's row (instead of
 * computing them again) give the JavaScript renderer's values, over row lengths around the
 * vector width; and the same kernel written in place (its output the memory of its input)
 * still reads the input as it was.
 */
import { runFusedJs } from "../../kernels/cpu/codegen.ts";
import { runFusedWasm, setFusedWasm } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { rowKernelSpills } from "../../kernels/cpu/wasm/fused_module.ts";
import { fusedAlloc, fusedFree } from "../../kernels/cpu/wasm/fused_memory.ts";
import type { FusedKernel } from "../../kernels/fused.ts";
import { assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

/** y = x·a + b·x²; r = Σ y² over the row; outputs x / r (pass 2 reads x) and y / √r. */
function normalizeLike(rows: number, cols: number): FusedKernel {
  const f32 = "f32" as const;
  return {
    shape: [rows, cols],
    inputs: [{ dtype: f32, strides: [cols, 1], offset: 0 }],
    nodes: [
      { fn: "load", input: 0, dtype: f32 }, // 0 x
      { fn: "const", value: 0.75, dtype: f32 }, // 1
      { fn: "mul", args: [0, 1], dtype: f32 }, // 2
      { fn: "mul", args: [0, 0], dtype: f32 }, // 3
      { fn: "const", value: -0.25, dtype: f32 }, // 4
      { fn: "mul", args: [3, 4], dtype: f32 }, // 5
      { fn: "add", args: [2, 5], dtype: f32 }, // 6 y
      { fn: "mul", args: [6, 6], dtype: f32 }, // 7
      { fn: "reduced", dtype: f32 }, // 8 r
      { fn: "div", args: [0, 8], dtype: f32 }, // 9
      { fn: "sqrt", args: [8], dtype: f32 }, // 10
      { fn: "div", args: [6, 10], dtype: f32 }, // 11
    ],
    outputs: [9, 11],
    reduce: { op: "sum", node: 7, axes: [1] },
  };
}

function close(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-6 * Math.max(1, Math.abs(want[i]));
    assertTrue(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: wasm ${got[i]}, js ${want[i]}`);
  }
}

Deno.test("row kernels keeping pass-1 values equal JavaScript, in place or not", () => {
  const before = setFusedWasm({ enabled: true });
  try {
    assertTrue(rowKernelSpills(normalizeLike(2, 8)), "the kernel keeps y for its second pass");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 19 }),
        fc.integer(),
        (rows, cols, seed) => {
          const k = normalizeLike(rows, cols);
          const n = rows * cols;
          let s = seed >>> 0;
          const x = Float32Array.from(
            { length: n },
            () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 4 - 2,
          );
          const want = [new Float32Array(n), new Float32Array(n), new Float32Array(rows)];
          runFusedJs(k, [x], want);
          const got = [new Float32Array(n), new Float32Array(n), new Float32Array(rows)];
          assertTrue(runFusedWasm(k, [x], got));
          got.forEach((g, o) => close(g, want[o], `output ${o}`));
          // In place: output 0 (x / r) written over x, which pass 2 reads after pass 1 could
          // have kept y in output 0's row.
          const mem = fusedAlloc("f32", n) as Float32Array;
          const out1 = fusedAlloc("f32", n) as Float32Array;
          const sums = fusedAlloc("f32", rows) as Float32Array;
          try {
            mem.set(x);
            assertTrue(runFusedWasm(k, [mem], [mem, out1, sums]));
            close(mem, want[0], "in place, output 0");
            close(out1, want[1], "in place, output 1");
          } finally {
            [mem, out1, sums].forEach(fusedFree);
          }
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    setFusedWasm(before);
  }
});
