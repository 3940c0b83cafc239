/**
 * Kernels with an f64 part that is constant along rows (an optimizer's bias corrections from an
 * f64 step counter, one for all or one per row as in a vmapped group) run in WebAssembly SIMD
 * lanes with that part lifted to the host: the same values as the JavaScript renderer, for
 * random counters, rates and row shapes (plain and row kernels, the lifted value used before
 * and after the reduction), and kernels whose f64 part varies along rows stay with the
 * JavaScript renderer.
 */
import { runFusedJs } from "../../kernels/cpu/codegen.ts";
import { runFusedWasm, setFusedWasm } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { liftUniform } from "../../kernels/cpu/wasm/fused_uniform.ts";
import { type FusedKernel, kernelOutputs, type ScalarNode } from "../../kernels/fused.ts";
import type { DataArray } from "../../kernels/backend.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

/**
 * An Adam-like row kernel over `[rows, cols]`: m' = b1·m + (1−b1)·g; the update
 * m' / f32(1 − b1^t) (lifted: t is a scalar f64), then each row scaled to unit norm.
 */
function adamLike(
  rows: number,
  cols: number,
  b1: number,
  rowKernel: boolean,
  perRow = false,
): FusedKernel {
  const f32 = "f32" as const, f64 = "f64" as const;
  const nodes: ScalarNode[] = [
    { fn: "load", input: 0, dtype: f32 }, // 0 m
    { fn: "load", input: 1, dtype: f32 }, // 1 g
    { fn: "const", value: Math.fround(b1), dtype: f32 }, // 2
    { fn: "mul", args: [0, 2], dtype: f32 }, // 3
    { fn: "const", value: Math.fround(1 - b1), dtype: f32 }, // 4
    { fn: "mul", args: [1, 4], dtype: f32 }, // 5
    { fn: "add", args: [3, 5], dtype: f32 }, // 6 m'
    { fn: "const", value: 1, dtype: f64 }, // 7
    { fn: "const", value: b1, dtype: f64 }, // 8
    { fn: "load", input: 2, dtype: f64 }, // 9 t
    { fn: "pow", args: [8, 9], dtype: f64 }, // 10
    { fn: "sub", args: [7, 10], dtype: f64 }, // 11
    { fn: "cast", args: [11], dtype: f32 }, // 12
    { fn: "div", args: [6, 12], dtype: f32 }, // 13 update
    { fn: "mul", args: [13, 13], dtype: f32 }, // 14
  ];
  if (rowKernel) {
    nodes.push(
      { fn: "reduced", dtype: f32 }, // 15
      { fn: "sqrt", args: [15], dtype: f32 }, // 16
      { fn: "div", args: [13, 16], dtype: f32 }, // 17
      { fn: "mul", args: [17, 12], dtype: f32 }, // 18: the lifted value after the reduction
    );
  }
  return {
    shape: [rows, cols],
    inputs: [
      { dtype: f32, strides: [cols, 1], offset: 0 },
      { dtype: f32, strides: [cols, 1], offset: 0 },
      { dtype: f64, strides: [perRow ? 1 : 0, 0], offset: 0 },
    ],
    nodes,
    outputs: rowKernel ? [6, 18] : [6, 13],
    reduce: { op: "sum", node: 14, axes: [1] },
  };
}

function outputsOf(k: FusedKernel): DataArray[] {
  return kernelOutputs(k).map((o) => new Float32Array(o.shape.reduce((a, b) => a * b, 1)));
}

Deno.test("a uniform f64 part is lifted and the kernel runs in lanes, equal to JavaScript", () => {
  const before = setFusedWasm({ enabled: true });
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (rows, cols, step, b1, rowKernel, perRow, seed) => {
          const k = adamLike(rows, cols, b1, rowKernel, perRow);
          let s = seed >>> 0;
          const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
          const m = Float32Array.from({ length: rows * cols }, rand);
          const g = Float32Array.from({ length: rows * cols }, rand);
          const steps = Float64Array.from({ length: perRow ? rows : 1 }, (_, r) => step + 7 * r);
          const inputs = [m, g, steps];
          const want = outputsOf(k), got = outputsOf(k);
          runFusedJs(k, inputs, want);
          assertTrue(runFusedWasm(k, inputs, got, runFusedJs), "the Wasm renderer took the kernel");
          want.forEach((w, o) => {
            for (let i = 0; i < w.length; i++) {
              const tol = 2e-6 * Math.max(1, Math.abs(w[i]));
              assertTrue(
                Math.abs(got[o][i] - w[i]) <= tol,
                `output ${o} element ${i}: wasm ${got[o][i]}, js ${w[i]}`,
              );
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    setFusedWasm(before);
  }
});

Deno.test("without a host runner, or with an f64 value that varies along rows, Wasm declines", () => {
  const before = setFusedWasm({ enabled: true });
  try {
    const k = adamLike(2, 8, 0.9, false);
    const inputs = [new Float32Array(16), new Float32Array(16), new Float64Array([3])];
    assertEquals(runFusedWasm(k, inputs, outputsOf(k)), false);
    const varying: FusedKernel = {
      ...k,
      inputs: [k.inputs[0], k.inputs[1], { dtype: "f64", strides: [0, 1], offset: 0 }],
    };
    assertEquals(liftUniform(varying), null);
    assertEquals(
      runFusedWasm(varying, [inputs[0], inputs[1], new Float64Array(8)], outputsOf(k), runFusedJs),
      false,
    );
  } finally {
    setFusedWasm(before);
  }
});
