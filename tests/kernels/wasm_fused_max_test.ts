/**
 * A row maximum in Wasm SIMD (its loop uses `pmax` and tracks NaNs beside it) gives the
 * JavaScript renderer's value on rows holding NaN, ±∞ and signed zeros at every position, for row
 * lengths around the vector width — in a plain reduction and in a row kernel (softmax's shift),
 * and on an outer axis.
 */
import { runFusedJs } from "../../kernels/cpu/codegen.ts";
import { runFusedWasm } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { fusedAlloc, fusedFree } from "../../kernels/cpu/wasm/fused_memory.ts";
import type { FusedKernel } from "../../kernels/fused.ts";
import { assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

const f32 = "f32" as const;

/** `max` over the last axis of `[rows, cols]`. */
function rowMax(rows: number, cols: number): FusedKernel {
  return {
    shape: [rows, cols],
    inputs: [{ dtype: f32, strides: [cols, 1], offset: 0 }],
    nodes: [{ fn: "load", input: 0, dtype: f32 }],
    outputs: [],
    reduce: { op: "max", node: 0, axes: [1] },
  };
}

/** `x − max(x)` along the last axis (pass 2 reads the maximum), and the maximum. */
function shifted(rows: number, cols: number): FusedKernel {
  return {
    shape: [rows, cols],
    inputs: [{ dtype: f32, strides: [cols, 1], offset: 0 }],
    nodes: [
      { fn: "load", input: 0, dtype: f32 },
      { fn: "reduced", dtype: f32 },
      { fn: "sub", args: [0, 1], dtype: f32 },
    ],
    outputs: [2],
    reduce: { op: "max", node: 0, axes: [1] },
  };
}

/** `max` over the first axis of `[rows, cols]` (a column maximum). */
function columnMax(rows: number, cols: number): FusedKernel {
  return { ...rowMax(rows, cols), reduce: { op: "max", node: 0, axes: [0] } };
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3.5, -2.25];

function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Runs `kernel` both ways on `x`; every output equal (NaN to NaN, −0 equal to +0). */
function check(kernel: FusedKernel, x: Float32Array, outSizes: number[]): void {
  const input = fusedAlloc("f32", x.length) as Float32Array;
  input.set(x);
  const js = outSizes.map((n) => new Float32Array(n));
  const wasm = outSizes.map((n) => fusedAlloc("f32", n) as Float32Array);
  try {
    runFusedJs(kernel, [x], js);
    assertTrue(runFusedWasm(kernel, [input], wasm), "kernel not rendered to Wasm");
    js.forEach((want, o) => {
      for (let i = 0; i < want.length; i++) {
        assertTrue(
          same(wasm[o][i], want[i]),
          `output ${o}[${i}]: js ${want[i]}, wasm ${wasm[o][i]}; ${
            JSON.stringify(kernel.reduce)
          } ` +
            `shape ${kernel.shape} input ${[...x]}`,
        );
      }
    });
  } finally {
    [input, ...wasm].forEach(fusedFree);
  }
}

Deno.test("Wasm row max: one NaN anywhere in a row makes it NaN; ±∞ and zeros as the JS renderer", () => {
  for (const cols of [1, 3, 4, 5, 7, 8, 9, 12, 13]) {
    for (let at = 0; at < cols; at++) {
      for (const special of SPECIAL) {
        // Row 0: the special value at `at` among negatives; row 1: the same among positives.
        const x = new Float32Array(2 * cols);
        for (let i = 0; i < cols; i++) {
          x[i] = -5 - i;
          x[cols + i] = 5 + i;
        }
        x[at] = special;
        x[cols + at] = special;
        check(rowMax(2, cols), x, [2]);
        check(shifted(2, cols), x, [2 * cols, 2]);
      }
    }
  }
});

Deno.test("Wasm max over rows and columns: random rows with NaN, ±∞ and zeros", () => {
  const value = fc.oneof(
    fc.constantFrom(...SPECIAL),
    fc.float({ noNaN: true, noDefaultInfinity: true }),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 19 }),
      fc.array(value, { minLength: 76, maxLength: 76 }),
      (rows, cols, values) => {
        const x = Float32Array.from(values.slice(0, rows * cols));
        check(rowMax(rows, cols), x, [rows]);
        check(shifted(rows, cols), x, [rows * cols, rows]);
        check(columnMax(rows, cols), x, [cols]);
      },
    ),
    { numRuns: 300 },
  );
});
